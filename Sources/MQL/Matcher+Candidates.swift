// Which children each unpaired mother may be paired with, read from the rules instead of
// checked pair by pair (a million children and a million mothers are 10^12 pairs).
//
// Every constraint of `pairings` is a condition on one pairing row P. For a hypothetical
// P = (mother m, child c, since today, until null) it splits into the parts that read the
// child (`child.street`, `child.status` …) and the parts that do not (`mother.level`,
// `count(mother.pairings where active)`, `active` …). The second kind is the same for
// every child: it is evaluated once per class of mothers on a store holding one
// hypothetical pairing per class, and folded in as a constant; what is left is a
// condition over children, planned like a query's `where` (an index lookup for
// `child.street = "布吉"`). Mothers fall into classes by the values the constraints read of
// them (`mother.level`, `mother.street`, `mother.community`: a few hundred classes at a
// million mothers), so each class's candidate children are computed once.
//
// A constraint that cannot be split this way (it compares the pairing row itself, or a
// subquery mixes the mother's rows with the child's) is left to the exact check of the
// whole batch (`Matcher+Validation.swift`), which nothing skips.

import Engine

/// The shape of the pairing constraints, computed once per round.
final class PairingConstraintForms {
    let store: Store
    let pairings: Table
    let childField: Int
    let motherField: Int
    /// The constraints of `pairings`, and whether each splits into child and non-child parts.
    var splittable: [DefineInfo] = []
    var opaque: [DefineInfo] = []
    /// What the constraints read of the mother: her stored fields, defines on her, and
    /// reverse references from her (by source collection and field).
    var motherFields: Set<Int> = []
    var motherDefines: [DefineInfo] = []
    var motherReverses: [(source: String, field: Int)] = []
    /// The mother row itself is compared or passed on: each mother is a class of her own.
    var motherWhole = false
    /// The constraints that read nothing of the mother: their condition on children is the
    /// same for every class, so it is computed once.
    var classFree: Set<ObjectIdentifier> = []
    private var sawMother = false

    private var childMemo: [Key: Bool] = [:]

    struct Key: Hashable {
        let node: ObjectIdentifier
        let depth: Int
    }

    init?(store: Store, catalog: Catalog) {
        guard let pairings = store.table("pairings"), let child = pairings.schema.fieldIndex("child"),
              let mother = pairings.schema.fieldIndex("mother") else { return nil }
        self.store = store
        self.pairings = pairings
        self.childField = child
        self.motherField = mother
        for info in catalog.constraints where info.collection == "pairings" {
            guard let body = info.typed else { continue }
            var visiting: Set<ObjectIdentifier> = []
            sawMother = false
            readsOfMother(body, depth: 0, visiting: &visiting)
            if !sawMother { classFree.insert(ObjectIdentifier(info)) }
            if splits(body, depth: 0) { splittable.append(info) } else { opaque.append(info) }
        }
    }

    /// `this` at the top of a constraint, or `outer` one subquery down: the pairing row P.
    func isPairing(_ e: TExpr, depth: Int) -> Bool {
        switch e.node {
        case .this: return depth == 0
        case .outer: return depth == 1
        default: return false
        }
    }

    func isMotherOfPairing(_ e: TExpr, depth: Int) -> Bool {
        if case .field(let base, let table, let field) = e.node, table == "pairings", field == motherField, isPairing(base, depth: depth) { return true }
        return false
    }

    func isChildOfPairing(_ e: TExpr, depth: Int) -> Bool {
        if case .field(let base, let table, let field) = e.node, table == "pairings", field == childField, isPairing(base, depth: depth) { return true }
        return false
    }

    /// Whether `e` reads the pairing's child (directly, or through a define of the pairing).
    func readsChild(_ e: TExpr, depth: Int) -> Bool {
        let key = Key(node: ObjectIdentifier(e), depth: depth)
        if let known = childMemo[key] { return known }
        childMemo[key] = false  // a define cycle cannot reach here (the checker refuses them)
        let result: Bool
        switch e.node {
        case .constant, .this, .outer, .collection, .aggregate, .groupKey, .selectItem: result = false
        case .field(let base, _, _): result = isChildOfPairing(e, depth: depth) || readsChild(base, depth: depth)
        case .define(let base, let info):
            if isPairing(base, depth: depth), let body = info.typed { result = readsChild(body, depth: 0) } else { result = readsChild(base, depth: depth) }
        case .reverse(let base, _, _): result = readsChild(base, depth: depth)
        case .subquery(let sub):
            result = readsChild(sub.source, depth: depth) || (sub.filter.map { readsChild($0, depth: depth + 1) } ?? false)
                || (sub.select.map { readsChild($0, depth: depth + 1) } ?? false)
        case .list(let items): result = items.contains { readsChild($0, depth: depth) }
        case .unary(_, let x), .isNull(let x, _): result = readsChild(x, depth: depth)
        case .binary(_, let l, let r): result = readsChild(l, depth: depth) || readsChild(r, depth: depth)
        case .between(let x, let lo, let hi, _): result = [x, lo, hi].contains { readsChild($0, depth: depth) }
        case .call(_, let args): result = args.contains { readsChild($0, depth: depth) }
        }
        childMemo[key] = result
        return result
    }

    /// Whether `e` reads the pairing row P at all (below the top, where P is `outer`).
    func readsPairing(_ e: TExpr, depth: Int) -> Bool {
        switch e.node {
        case .this, .outer: return isPairing(e, depth: depth)
        case .constant, .collection, .aggregate, .groupKey, .selectItem: return false
        case .field(let base, _, _), .reverse(let base, _, _): return readsPairing(base, depth: depth)
        case .define(let base, _): return readsPairing(base, depth: depth)
        case .subquery(let sub):
            return readsPairing(sub.source, depth: depth) || (sub.filter.map { readsPairing($0, depth: depth + 1) } ?? false)
                || (sub.select.map { readsPairing($0, depth: depth + 1) } ?? false)
        case .list(let items): return items.contains { readsPairing($0, depth: depth) }
        case .unary(_, let x), .isNull(let x, _): return readsPairing(x, depth: depth)
        case .binary(_, let l, let r): return readsPairing(l, depth: depth) || readsPairing(r, depth: depth)
        case .between(let x, let lo, let hi, _): return [x, lo, hi].contains { readsPairing($0, depth: depth) }
        case .call(_, let args): return args.contains { readsPairing($0, depth: depth) }
        }
    }

    /// Whether the constraint splits: every part that reads the child can be rewritten over
    /// children, with what it reads of the pairing otherwise being a constant.
    func splits(_ e: TExpr, depth: Int) -> Bool {
        guard readsChild(e, depth: depth) else {
            if depth == 0 {
                switch e.type {
                case .rows, .values, .list: return !readsPairing(e, depth: depth)
                default: return true
                }
            }
            return !readsPairing(e, depth: depth)
        }
        switch e.node {
        case .field(let base, _, _):
            return isChildOfPairing(e, depth: depth) || splits(base, depth: depth)
        case .define(let base, let info):
            if isPairing(base, depth: depth) { return depth == 0 && info.typed.map { splits($0, depth: 0) } == true }
            return splits(base, depth: depth)
        case .reverse(let base, _, _): return splits(base, depth: depth)
        case .subquery(let sub):
            return splits(sub.source, depth: depth) && (sub.filter.map { splits($0, depth: depth + 1) } ?? true)
                && (sub.select.map { splits($0, depth: depth + 1) } ?? true)
        case .list(let items): return items.allSatisfy { splits($0, depth: depth) }
        case .unary(_, let x), .isNull(let x, _): return splits(x, depth: depth)
        case .binary(_, let l, let r): return splits(l, depth: depth) && splits(r, depth: depth)
        case .between(let x, let lo, let hi, _): return [x, lo, hi].allSatisfy { splits($0, depth: depth) }
        case .call(_, let args): return args.allSatisfy { splits($0, depth: depth) }
        case .constant, .this, .outer, .collection, .aggregate, .groupKey, .selectItem: return false
        }
    }

    /// Collects what the constraint reads of the pairing's mother: the class key.
    func readsOfMother(_ e: TExpr, depth: Int, visiting: inout Set<ObjectIdentifier>) {
        func walk(_ x: TExpr, _ d: Int) { readsOfMother(x, depth: d, visiting: &visiting) }
        if isMotherOfPairing(e, depth: depth) { sawMother = true }
        switch e.node {
        case .constant, .collection, .aggregate, .groupKey, .selectItem: return
        case .this, .outer: return
        case .field(let base, let table, let field):
            if table == "mothers", isMotherOfPairing(base, depth: depth) { motherFields.insert(field); sawMother = true; return }
            if isMotherOfPairing(e, depth: depth) { return }
            walk(base, depth)
        case .define(let base, let info):
            if isMotherOfPairing(base, depth: depth) {
                sawMother = true
                if !motherDefines.contains(where: { $0 === info }) { motherDefines.append(info) }
                return
            }
            if isPairing(base, depth: depth), let body = info.typed {
                if visiting.insert(ObjectIdentifier(info)).inserted { walk(body, 0) }
                return
            }
            walk(base, depth)
        case .reverse(let base, let source, let field):
            if isMotherOfPairing(base, depth: depth) {
                sawMother = true
                if !motherReverses.contains(where: { $0.source == source && $0.field == field }) { motherReverses.append((source, field)) }
                return
            }
            walk(base, depth)
        case .subquery(let sub):
            walk(sub.source, depth)
            if let f = sub.filter { walk(f, depth + 1) }
            if let s = sub.select { walk(s, depth + 1) }
        case .list(let items): items.forEach { walk($0, depth) }
        case .unary(_, let x), .isNull(let x, _):
            // `mother is not null` reads only whether there is one: every candidate has.
            walk(x, depth)
        case .binary(_, let l, let r):
            for side in [l, r] where isMotherOfPairing(side, depth: depth) { motherWhole = true }
            walk(l, depth); walk(r, depth)
        case .between(let x, let lo, let hi, _): [x, lo, hi].forEach { walk($0, depth) }
        case .call(_, let args):
            for a in args where isMotherOfPairing(a, depth: depth) { motherWhole = true }
            args.forEach { walk($0, depth) }
        }
    }
}

/// One class's constraints rewritten over children: the pairing's own fields and the
/// mother's values folded in as constants (evaluated at the class's hypothetical pairing).
struct ChildConditionBuilder {
    let forms: PairingConstraintForms
    /// The store with the hypothetical pairings, and a planner over it.
    let hypothetical: Store
    let planner: Planner
    /// The row of this class's hypothetical pairing in `hypothetical`.
    let pairingRow: Int
    let childType: MType = .row("children")
    /// The rows that constants of a row type stand for (see `constant`).
    let rowConstants = RowConstants()

    final class RowConstants {
        /// The node is kept alive with its entry: a freed node's identifier could be reused.
        var rows: [ObjectIdentifier: (node: TExpr, collection: String, row: Int)] = [:]
    }

    /// Closures compiled once for all classes (each class evaluates them at its own row).
    final class CompiledParts {
        var values: [ObjectIdentifier: (Int) -> Value] = [:]
        var rows: [ObjectIdentifier: (Int) -> Int32] = [:]
    }
    let compiled: CompiledParts

    /// A constant standing for a row of a collection whose key is more than its name (a
    /// community is known by street and name): the planner compares references with a
    /// key's text, which would match every 凤凰 community of the district.
    func compositeRow(_ e: TExpr) -> (collection: String, row: Int)? {
        guard let entry = rowConstants.rows[ObjectIdentifier(e)], entry.node === e, let table = hypothetical.table(entry.collection),
              table.schema.key.count > 1 else { return nil }
        return (entry.collection, entry.row)
    }

    /// `x = ROW` as a comparison of each part of the row's key: `x = "凤凰" and x.street =
    /// "布吉"` (the first part still finds its rows through the index); `!=` as `or`.
    func exactRowComparison(_ op: BinaryOperator, _ x: TExpr, _ constant: TExpr, _ row: (collection: String, row: Int), range: SourceRange) -> TExpr? {
        guard op == .equal || op == .notEqual, let table = hypothetical.table(row.collection) else { return nil }
        var parts = [TExpr(.binary(op, x, constant), .bool, range)]
        for name in table.schema.key where name != "name" {
            guard let index = table.schema.fieldIndex(name), let field = table.schema.field(named: name) else { return nil }
            let part = TExpr(.field(base: x, table: row.collection, field: index), MType.from(field.type), range)
            let value: Value
            switch table.columns[index] {
            case .reference(let c):
                guard let target = hypothetical.table(c.target), target.schema.key.count == 1 else { return nil }
                value = c.rows[row.row] < 0 ? .null : .text(target.keyText(row: Int(c.rows[row.row])))
            case .text(let c): value = c.text(at: row.row).map(Value.text) ?? .null
            case .int(let c): value = c.values[row.row] == IntColumn.null ? .null : .int(c.values[row.row])
            default: return nil
            }
            parts.append(TExpr(.binary(op, part, TExpr(.constant(value), part.type, range)), .bool, range))
        }
        return parts.dropFirst().reduce(parts[0]) { TExpr(.binary(op == .equal ? .and : .or, $0, $1), .bool, range) }
    }

    /// The condition over children, or nil when the constraint does not split after all.
    func condition(_ info: DefineInfo) -> TExpr? {
        guard let body = info.typed else { return nil }
        return rewrite(body, depth: 0)
    }

    func rewrite(_ e: TExpr, depth: Int) -> TExpr? {
        guard forms.readsChild(e, depth: depth) else {
            if depth == 0 { return constant(e) }
            return forms.readsPairing(e, depth: depth) ? nil : e
        }
        func node(_ n: TNode) -> TExpr {
            let t = TExpr(n, e.type, e.range)
            t.masking = e.masking
            return t
        }
        switch e.node {
        case .field(let base, let table, let field):
            if forms.isChildOfPairing(e, depth: depth) {
                switch depth {
                case 0: return TExpr(.this, childType, e.range)
                case 1: return TExpr(.outer, childType, e.range)
                default: return nil
                }
            }
            guard let b = rewrite(base, depth: depth) else { return nil }
            return node(.field(base: b, table: table, field: field))
        case .define(let base, let info):
            if forms.isPairing(base, depth: depth) {
                guard depth == 0, let body = info.typed else { return nil }
                return rewrite(body, depth: 0)
            }
            guard let b = rewrite(base, depth: depth) else { return nil }
            return node(.define(base: b, info))
        case .reverse(let base, let source, let field):
            guard let b = rewrite(base, depth: depth) else { return nil }
            return node(.reverse(base: b, source: source, field: field))
        case .subquery(let sub):
            guard let source = rewrite(sub.source, depth: depth) else { return nil }
            var filter: TExpr?, select: TExpr?
            if let f = sub.filter { guard let r = rewrite(f, depth: depth + 1) else { return nil }; filter = r }
            if let s = sub.select { guard let r = rewrite(s, depth: depth + 1) else { return nil }; select = r }
            return node(.subquery(TSubquery(collection: sub.collection, source: source, filter: filter, select: select, limit: sub.limit)))
        case .list(let items):
            var out: [TExpr] = []
            for item in items { guard let r = rewrite(item, depth: depth), compositeRow(r) == nil else { return nil }; out.append(r) }
            return node(.list(out))
        case .unary(let op, let x):
            guard let r = rewrite(x, depth: depth) else { return nil }
            if op == .not, case .constant(.bool(let b)) = r.node { return TExpr(.constant(.bool(!b)), .bool, e.range) }
            return node(.unary(op, r))
        case .isNull(let x, let negated):
            guard let r = rewrite(x, depth: depth) else { return nil }
            // The child itself is never null.
            if case .this = r.node { return TExpr(.constant(.bool(negated)), .bool, e.range) }
            return node(.isNull(r, negated: negated))
        case .binary(let op, let l, let r):
            guard let a = rewrite(l, depth: depth), let b = rewrite(r, depth: depth) else { return nil }
            if let row = compositeRow(b) { return exactRowComparison(op, a, b, row, range: e.range) }
            if let row = compositeRow(a) { return exactRowComparison(op.mirrored, b, a, row, range: e.range) }
            if op == .and || op == .or {
                // Fold what the class decides: `mother.level = "区" or …` is true for a
                // district mother and drops out for the others.
                let absorbing = op == .or
                for (x, other) in [(a, b), (b, a)] {
                    if case .constant(.bool(let v)) = x.node {
                        return v == absorbing ? TExpr(.constant(.bool(absorbing)), .bool, e.range) : other
                    }
                }
            }
            return node(.binary(op, a, b))
        case .between(let x, let lo, let hi, let negated):
            guard let a = rewrite(x, depth: depth), let b = rewrite(lo, depth: depth), let c = rewrite(hi, depth: depth),
                  [a, b, c].allSatisfy({ compositeRow($0) == nil }) else { return nil }
            return node(.between(a, b, c, negated: negated))
        case .call(let builtin, let args):
            var out: [TExpr] = []
            for a in args { guard let r = rewrite(a, depth: depth), compositeRow(r) == nil else { return nil }; out.append(r) }
            return node(.call(builtin, out))
        case .constant, .this, .outer, .collection, .aggregate, .groupKey, .selectItem:
            return nil
        }
    }

    /// A part that does not read the child, as the constant it is for this class. A row
    /// becomes its key (the planner compares a reference with a key through the index).
    func constant(_ e: TExpr) -> TExpr? {
        if case .constant = e.node { return e }
        let value: Value
        switch e.type {
        case .rows, .values, .list:
            return forms.readsPairing(e, depth: 0) ? nil : e
        case .row(let collection):
            let key = ObjectIdentifier(e)
            if compiled.rows[key] == nil, case .row(_, let f) = planner.compile(e) { compiled.rows[key] = f }
            guard let f = compiled.rows[key], let table = hypothetical.table(collection) else { return nil }
            let row = f(pairingRow)
            value = row < 0 ? .null : .text(table.keyText(row: Int(row)))
            let t = TExpr(.constant(value), e.type, e.range)
            if row >= 0 { rowConstants.rows[ObjectIdentifier(t)] = (t, collection, Int(row)) }
            return t
        default:
            let key = ObjectIdentifier(e)
            if compiled.values[key] == nil { compiled.values[key] = planner.compile(e).valueGetter(store: hypothetical) }
            value = compiled.values[key]!(pairingRow)
        }
        let t = TExpr(.constant(value), e.type, e.range)
        t.masking = e.masking
        return t
    }
}

/// A text that two rewritten conditions share exactly when they are the same condition:
/// classes whose conditions print alike share their candidate children.
enum ConditionPrint {
    static func of(_ e: TExpr) -> String {
        var out = ""
        write(e, into: &out)
        return out
    }

    static func write(_ e: TExpr, into out: inout String) {
        func items(_ xs: [TExpr]) { for x in xs { write(x, into: &out); out += "," } }
        switch e.node {
        case .constant(let v): out += v == .null ? "null" : "c'" + v.description.replacingOccurrences(of: "'", with: "''") + "'"
        case .list(let xs): out += "list("; items(xs); out += ")"
        case .this: out += "this"
        case .outer: out += "outer"
        case .field(let base, let table, let field): out += "f(\(table).\(field),"; write(base, into: &out); out += ")"
        case .define(let base, let info): out += "d(\(info.qualifiedName),"; write(base, into: &out); out += ")"
        case .reverse(let base, let source, let field): out += "r(\(source).\(field),"; write(base, into: &out); out += ")"
        case .collection(let name): out += "coll(\(name))"
        case .subquery(let sub):
            out += "q(\(sub.collection),\(sub.limit.map(String.init) ?? "-"),"
            items([sub.source] + [sub.filter, sub.select].map { $0 ?? TExpr(.constant(.null), .null, e.range) })
            out += ")"
        case .unary(let op, let x): out += "u(\(op.rawValue),"; write(x, into: &out); out += ")"
        case .binary(let op, let l, let r): out += "b(\(op.rawValue),"; items([l, r]); out += ")"
        case .isNull(let x, let negated): out += "null(\(negated),"; write(x, into: &out); out += ")"
        case .between(let x, let lo, let hi, let negated): out += "btw(\(negated),"; items([x, lo, hi]); out += ")"
        case .call(let builtin, let args): out += "call(\(builtin.rawValue),"; items(args); out += ")"
        case .aggregate(let f, let arg): out += "agg(\(f.rawValue),"; if let arg { write(arg, into: &out) }; out += ")"
        case .groupKey(let i): out += "gk(\(i))"
        case .selectItem(let i): out += "si(\(i))"
        }
    }
}
