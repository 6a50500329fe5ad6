// What a constraint reads, as ways from the row it is checked on to the rows whose fields
// decide it: the row's own fields, the rows its references lead to (`mother.level`), the
// rows that refer to it (`count(mother.pairings where active)`), and the rows of a
// collection matched to it by an equality with `outer` (`children where name =
// outer.name`). Defines are expanded into their bodies. A change to a field one of these
// ways reads can only change the constraint on the rows the way leads back to, so a change
// is checked on those rows alone (`IncrementalCheck`). What cannot be followed back row by
// row — a whole collection read as such (`count(children)` in a define of another
// collection), a grouped aggregate — is marked unbounded: a change reaching it checks that
// constraint on every row, as `mql check` does.

import Engine

/// A way from a constraint's row to a set of rows, step by step.
final class DependencyPath {
    enum Step {
        /// The constraint's row itself.
        case root
        /// The row the parent's reference `field` points at.
        case forward(field: Int)
        /// The rows of `source` whose reference `field` points at the parent row.
        case reverse(source: String, field: Int)
        /// The rows `s` of `source` with `s.innerField = parent.outerField` (a subquery over a
        /// whole collection correlated with its enclosing row by that equality).
        case correlated(source: String, innerField: Int, outerField: Int)
        /// Every row of `source`: not followed back row by row.
        case whole(source: String)
    }

    let parent: DependencyPath?
    let step: Step
    /// The collection of the rows the path ends at.
    let collection: String
    /// False when a `whole` step is on the path: the rows it leads back to are all rows.
    let bounded: Bool

    init(parent: DependencyPath?, step: Step, collection: String) {
        self.parent = parent
        self.step = step
        self.collection = collection
        if case .whole = step { bounded = false } else { bounded = parent?.bounded ?? true }
    }
}

/// A field read on the rows a path ends at; nil reads only whether a row is there (it
/// changes on insert and delete).
struct DependencyRead {
    let path: DependencyPath
    let field: Int?
}

/// What one constraint reads (see the file's comment).
struct ConstraintDependencies {
    let constraint: DefineInfo
    /// Reads by the collection of the rows read.
    let reads: [String: [DependencyRead]]
    /// Set when some part of the constraint could not be analysed: every change checks it
    /// on every row.
    let unanalysable: Bool

    /// The constraint's expression as checked: `not CONSTRAINT` on the row `this`.
    var broken: TExpr {
        let range = constraint.definition.nameRange
        let this = TExpr(.this, .row(constraint.collection), range)
        return TExpr(.unary(.not, TExpr(.define(base: this, constraint), .bool, range)), .bool, range)
    }

    init(_ constraint: DefineInfo, store: Store) {
        self.constraint = constraint
        let analyser = DependencyAnalyser(store: store)
        let root = DependencyPath(parent: nil, step: .root, collection: constraint.collection)
        if let typed = constraint.typed {
            _ = analyser.walk(typed, DependencyAnalyser.Context(this: [root], outer: nil))
        } else {
            analyser.failed = true
        }
        var reads: [String: [DependencyRead]] = [:]
        for read in analyser.reads { reads[read.path.collection, default: []].append(read) }
        self.reads = reads
        unanalysable = analyser.failed
    }

    /// Whether the constraint is checked on the rows a change affects (not on every row
    /// whatever the change).
    var isIncremental: Bool { !unanalysable && reads.values.allSatisfy { $0.allSatisfy(\.path.bounded) } }
}

/// Walks a checked expression, defines expanded, recording what it reads.
final class DependencyAnalyser {
    struct Context {
        /// The paths of the row `this` stands for.
        let this: [DependencyPath]
        /// The paths of the row `outer` stands for (the enclosing row of a subquery).
        let outer: [DependencyPath]?
    }

    let store: Store
    var reads: [DependencyRead] = []
    var failed = false
    private var depth = 0

    init(store: Store) { self.store = store }

    /// The paths of a row a field, define or reverse reference is read on; none can only
    /// mean `outer` where there is no enclosing row (null), else the analysis gives up.
    private func basePaths(_ base: TExpr, _ context: Context) -> [DependencyPath] {
        let paths = walk(base, context)
        if paths.isEmpty, !failed {
            if case .outer = base.node, context.outer == nil { return [] }
            failed = true
        }
        return paths
    }

    private func read(_ paths: [DependencyPath], _ field: Int?) {
        for path in paths { reads.append(DependencyRead(path: path, field: field)) }
    }

    /// Records what `e` reads in `context`; returns the paths of the rows its value is
    /// (for a row or rows value), else none.
    @discardableResult
    func walk(_ e: TExpr, _ context: Context) -> [DependencyPath] {
        if failed { return [] }
        switch e.node {
        case .constant: return []
        case .list(let items):
            for item in items { walk(item, context) }
            return []
        case .this: return context.this
        case .outer: return context.outer ?? []
        case .field(let base, let table, let field):
            let bases = basePaths(base, context)
            read(bases, field)
            guard let schema = store.table(table)?.schema.fields[field] else { failed = true; return [] }
            if case .reference(let target) = schema.type {
                return bases.map { DependencyPath(parent: $0, step: .forward(field: field), collection: target) }
            }
            return []
        case .define(let base, let info):
            let bases = basePaths(base, context)
            guard let typed = info.typed, depth < 64 else { failed = true; return [] }
            depth += 1
            defer { depth -= 1 }
            // A define's body is compiled on its own: `outer` there is only a subquery's.
            return walk(typed, Context(this: bases, outer: nil))
        case .reverse(let base, let source, let field):
            let paths = basePaths(base, context).map { DependencyPath(parent: $0, step: .reverse(source: source, field: field), collection: source) }
            read(paths, field)
            return paths
        case .collection(let name):
            let path = DependencyPath(parent: nil, step: .whole(source: name), collection: name)
            read([path], nil)
            return [path]
        case .subquery(let sub):
            if containsOuter(sub.source) { failed = true; return [] }
            var sources: [DependencyPath]
            if case .collection(let name) = sub.source.node, let filter = sub.filter,
               let (inner, outer) = correlation(filter, collection: name, enclosing: context.this) {
                sources = context.this.map {
                    DependencyPath(parent: $0, step: .correlated(source: name, innerField: inner, outerField: outer), collection: name)
                }
                read(sources, inner)
            } else {
                sources = walk(sub.source, context)
            }
            let inner = Context(this: sources, outer: context.this)
            if let filter = sub.filter { walk(filter, inner) }
            if let select = sub.select { return walk(select, inner) }
            return sources
        case .unary(_, let x), .isNull(let x, _):
            return walk(x, context)
        case .binary(_, let a, let b):
            return walk(a, context) + walk(b, context)
        case .between(let a, let b, let c, _):
            return walk(a, context) + walk(b, context) + walk(c, context)
        case .call(_, let args):
            return args.flatMap { walk($0, context) }
        case .aggregate, .groupKey, .selectItem:
            failed = true
            return []
        }
    }

    /// For a subquery over a whole collection: a conjunct of its condition that equates a
    /// stored field of its row with a stored field of the enclosing row, of a kind whose
    /// rows can be looked up by value (text, or references to the same collection).
    private func correlation(_ filter: TExpr, collection: String, enclosing: [DependencyPath]) -> (inner: Int, outer: Int)? {
        guard let enclosingCollection = enclosing.first?.collection,
              enclosing.allSatisfy({ $0.collection == enclosingCollection }),
              let innerTable = store.table(collection), let outerTable = store.table(enclosingCollection) else { return nil }
        for part in conjuncts(filter) {
            guard case .binary(.equal, let l, let r) = part.node else { continue }
            for (a, b) in [(l, r), (r, l)] {
                guard case .field(let aBase, let aTable, let aField) = a.node, case .this = aBase.node, aTable == collection,
                      case .field(let bBase, let bTable, let bField) = b.node, case .outer = bBase.node, bTable == enclosingCollection
                else { continue }
                switch (innerTable.schema.fields[aField].type, outerTable.schema.fields[bField].type) {
                case (.text, .text): return (aField, bField)
                case (.reference(let x), .reference(let y)) where x == y: return (aField, bField)
                default: continue
                }
            }
        }
        return nil
    }

    private func conjuncts(_ e: TExpr) -> [TExpr] {
        if case .binary(.and, let l, let r) = e.node { return conjuncts(l) + conjuncts(r) }
        return [e]
    }

    /// Whether `e` reads `outer` of its own context (not inside a nested subquery's condition).
    private func containsOuter(_ e: TExpr) -> Bool {
        switch e.node {
        case .outer: return true
        case .this, .groupKey, .selectItem, .constant, .collection: return false
        case .aggregate(_, let x): return x.map(containsOuter) ?? false
        case .field(let base, _, _), .define(let base, _), .reverse(let base, _, _): return containsOuter(base)
        case .subquery(let sub): return containsOuter(sub.source)
        case .list(let items): return items.contains(where: containsOuter)
        case .unary(_, let x), .isNull(let x, _): return containsOuter(x)
        case .binary(_, let a, let b): return containsOuter(a) || containsOuter(b)
        case .between(let a, let b, let c, _): return containsOuter(a) || containsOuter(b) || containsOuter(c)
        case .call(_, let args): return args.contains(where: containsOuter)
        }
    }
}
