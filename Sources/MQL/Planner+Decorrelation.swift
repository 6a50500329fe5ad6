// Decorrelation: a count or exists over a whole collection whose condition equates values
// of its rows with values of the enclosing row —
//     count(children where id != outer.id and name = outer.name and year(birth) = year(outer.birth)) > 0
// — is answered from the collection grouped once by those values (a hash join) instead of a
// search of the collection per enclosing row. Evaluated row by row that search costs the
// size of the row's group, and a common name has thousands of rows: at a million children
// the duplicate-registration rule took 45 s, most of it here.
//
// The condition must be a conjunction of
//   inner = outer-side   a value of the subquery's row (no `outer`) equal to one of the
//                        enclosing row (no `this`): the grouping keys, at least one
//   inner-only           a condition on the subquery's row alone: which rows are counted
//   outer-only           a condition on the enclosing row alone: false counts nothing
//   id != outer-side     the subquery's own key, unequal: the row with that id is taken out
//                        of its group when it is in it (ids are unique)
// built only from parts that cannot fault (no arithmetic, no sum), so that computing them
// for every row gives the same statement as computing them for the rows a search reaches.
//
// Equality is the evaluator's: null equals nothing; a stored text field compares as its
// dictionary's codes (as the index lookups and column passes compare it), any other text
// as Strings; ints, dates and rows as themselves. Every key value becomes an Int (codes,
// values, rows; interned ids for Strings) and the groups are numbered level by level, a
// key at a time: by arithmetic where the values span a small range, by a hash table of
// (group, value) otherwise.
//
// The groups are built once per statement, on first need: a statement that asks for a few
// rows (an incremental check, `explain`) searches as before through the first key's index
// until it has spent as much as building would cost, then builds (`CorrelatedSearch`).

import Engine

/// One grouping key of a decorrelated subquery.
struct CorrelatedKey {
    /// Read on the subquery's row.
    let inner: TExpr
    /// Read on the enclosing row, with `outer` rewritten as `this` (compiled where the
    /// enclosing row is the current one).
    let outer: TExpr
}

/// A correlated subquery that can be decorrelated (see the file's comment).
final class CorrelatedShape {
    let subquery: TSubquery
    let table: Table
    let keys: [CorrelatedKey]
    /// Conditions on the subquery's row alone.
    let innerFilters: [TExpr]
    /// Conditions on the enclosing row alone (rewritten as `outerKeys`).
    let outerFilters: [TExpr]
    /// `id != E`: the field `id` of the subquery's collection and E on the enclosing row.
    let exclusion: (field: Int, outer: TExpr)?

    init(subquery: TSubquery, table: Table, keys: [CorrelatedKey], innerFilters: [TExpr], outerFilters: [TExpr],
         exclusion: (field: Int, outer: TExpr)?) {
        self.subquery = subquery
        self.table = table
        self.keys = keys
        self.innerFilters = innerFilters
        self.outerFilters = outerFilters
        self.exclusion = exclusion
    }
}

/// A subquery's collection grouped by its keys: for each row its group (-1 when a key is
/// null), whether it is counted, and each group's count of counted rows.
final class CorrelatedGroups {
    struct Pair: Hashable {
        let group: Int32
        let value: Int
    }

    enum Level {
        /// Group × span + (value − low).
        case dense(low: Int, span: Int)
        case hashed([Pair: Int32])
        /// No row has a value: nothing matches.
        case empty
    }

    let levels: [Level]
    /// For a key compared as Strings: the ids its values were given.
    let textIDs: [Int: [String: Int]]
    let groupOfRow: [Int32]
    let counted: RowBits
    let counts: [Int32]

    init(levels: [Level], textIDs: [Int: [String: Int]], groupOfRow: [Int32], counted: RowBits, counts: [Int32]) {
        self.levels = levels
        self.textIDs = textIDs
        self.groupOfRow = groupOfRow
        self.counted = counted
        self.counts = counts
    }

    /// The group of a key's values (`CorrelatedValues.null` for null), nil when no row has it.
    func group(of values: [Int]) -> Int32? {
        var g: Int32 = 0
        for (k, level) in levels.enumerated() {
            let v = values[k]
            if v == CorrelatedValues.null { return nil }
            switch level {
            case .empty:
                return nil
            case .dense(let low, let span):
                let (offset, o) = v.subtractingReportingOverflow(low)
                if o || offset < 0 || offset >= span { return nil }
                g = Int32(Int(g) * span + offset)
            case .hashed(let table):
                guard let next = table[Pair(group: g, value: v)] else { return nil }
                g = next
            }
        }
        return g
    }

    /// The id a String key value was given, `CorrelatedValues.null` when no row has it.
    func textID(_ key: Int, _ s: String?) -> Int {
        guard let s, let id = textIDs[key]?[s] else { return CorrelatedValues.null }
        return id
    }
}

/// How the keys' values are read, as Ints (`null` for null).
enum CorrelatedValues {
    static let null = Int.min

    /// One key: its values on the subquery's rows and on the enclosing row.
    enum Key {
        /// Compared as Ints: codes of one dictionary, ints, dates, rows.
        case ints(inner: (Int) -> Int, outer: (Int) -> Int)
        /// Compared as Strings.
        case texts(inner: (Int) -> String?, outer: (Int) -> String?)
    }
}

/// Per statement: the groups built, by subquery.
final class CorrelatedCache {
    var groups: [ObjectIdentifier: CorrelatedGroups] = [:]
    /// The subqueries keyed, kept alive with the cache: caches shared across statements
    /// (`Session.sharedCaches`) must not meet a freed node's address reused.
    private var held: [ObjectIdentifier: TSubquery] = [:]

    func hold(_ sub: TSubquery) { held[ObjectIdentifier(sub)] = sub }
    /// The search of each subquery compiled row by row: one per subquery, so that what one
    /// part of the statement spent counts for all.
    var searches: [ObjectIdentifier: CorrelatedSearch] = [:]
}

/// A decorrelated count for rows asked one at a time: through the first key's index until
/// that has cost about what building the groups costs, then from the groups.
final class CorrelatedSearch {
    var spent = 0
}

extension Planner {
    /// TUNING: a search through the index costs about this much less per row reached than
    /// building the groups costs per row of the collection.
    static let correlatedBuildCost = 4

    // MARK: - Recognising the shape

    /// The decorrelated form of a subquery, if it has one (see the file's comment).
    func correlatedShape(_ sub: TSubquery) -> CorrelatedShape? {
        guard caches.decorrelate, sub.limit == nil, case .collection(let name) = sub.source.node,
              let filter = sub.filter, containsOuter(filter), let table = store.table(name) else { return nil }
        var keys: [CorrelatedKey] = []
        var innerFilters: [TExpr] = []
        var outerFilters: [TExpr] = []
        var exclusion: (field: Int, outer: TExpr)?
        for part in conjuncts(filter) {
            guard cannotFault(part) else { return nil }
            if !containsOuter(part) {
                innerFilters.append(part)
                continue
            }
            if !dependsOnRow(part), let rebased = outerRebased(part) {
                outerFilters.append(rebased)
                continue
            }
            guard case .binary(let op, let l, let r) = part.node else { return nil }
            var sides: (inner: TExpr, outer: TExpr)?
            if !containsOuter(l), !dependsOnRow(r), let o = outerRebased(r) { sides = (l, o) }
            else if !containsOuter(r), !dependsOnRow(l), let o = outerRebased(l) { sides = (r, o) }
            guard let (inner, outer) = sides, isPlainKey(inner) else { return nil }
            switch op {
            case .equal:
                guard comparableKeys(inner.type, outer.type) else { return nil }
                keys.append(CorrelatedKey(inner: inner, outer: outer))
            case .notEqual:
                guard exclusion == nil, table.isKeyedByID, let field = directField(inner, table: table),
                      table.schema.fields[field].name == "id", outer.type == .int else { return nil }
                exclusion = (field, outer)
            default:
                return nil
            }
        }
        guard !keys.isEmpty else { return nil }
        return CorrelatedShape(subquery: sub, table: table, keys: keys, innerFilters: innerFilters, outerFilters: outerFilters,
                               exclusion: exclusion)
    }

    /// Key types whose equality is value equality (an int against a real number compares
    /// as reals, a reference against a key as keys: not grouped).
    private func comparableKeys(_ a: MType, _ b: MType) -> Bool {
        switch (a, b) {
        case (.text, .text), (.int, .int), (.date, .date): return true
        case (.row(let x), .row(let y)): return x == y
        default: return false
        }
    }

    /// A key read from the row's fields and defines and builtins of them: no subquery.
    private func isPlainKey(_ e: TExpr) -> Bool {
        switch e.node {
        case .constant, .this, .outer: return true
        case .field(let base, _, _), .define(let base, _): return isPlainKey(base)
        case .unary(_, let x), .isNull(let x, _): return isPlainKey(x)
        case .binary(_, let a, let b): return isPlainKey(a) && isPlainKey(b)
        case .between(let a, let b, let c, _): return isPlainKey(a) && isPlainKey(b) && isPlainKey(c)
        case .call(_, let args): return args.allSatisfy(isPlainKey)
        case .list(let items): return items.allSatisfy(isPlainKey)
        case .reverse, .collection, .subquery, .aggregate, .groupKey, .selectItem: return false
        }
    }

    /// Whether evaluating `e` can never record a fault (see `EvaluationFaults`): computing
    /// it on more rows than a search would reach then changes nothing but the time taken.
    func cannotFault(_ e: TExpr, depth: Int = 0) -> Bool {
        guard depth < 32 else { return false }
        let next = depth + 1
        switch e.node {
        case .constant, .this, .outer, .collection: return true
        case .field(let base, _, _), .reverse(let base, _, _): return cannotFault(base, depth: next)
        case .define(let base, let info):
            guard let typed = info.typed else { return false }
            return cannotFault(base, depth: next) && cannotFault(typed, depth: next)
        case .subquery(let sub):
            return cannotFault(sub.source, depth: next) && (sub.filter.map { cannotFault($0, depth: next) } ?? true)
                && (sub.select.map { cannotFault($0, depth: next) } ?? true)
        case .unary(.not, let x), .isNull(let x, _): return cannotFault(x, depth: next)
        case .unary(.negate, _): return false
        case .binary(let op, let a, let b):
            switch op {
            case .add, .subtract, .multiply, .divide: return false
            default: return cannotFault(a, depth: next) && cannotFault(b, depth: next)
            }
        case .between(let a, let b, let c, _):
            return cannotFault(a, depth: next) && cannotFault(b, depth: next) && cannotFault(c, depth: next)
        case .list(let items): return items.allSatisfy { cannotFault($0, depth: next) }
        case .call(let f, let args):
            switch f {
            case .sum, .avg, .min, .max, .period_due, .window_start, .window_end, .round: return false
            default: return args.allSatisfy { cannotFault($0, depth: next) }
            }
        case .aggregate, .groupKey, .selectItem: return false
        }
    }

    /// An expression of the enclosing row with `outer` read as `this`; nil for a form not
    /// rewritten (a subquery, whose `outer` would be its own).
    func outerRebased(_ e: TExpr) -> TExpr? {
        func copy(_ node: TNode) -> TExpr {
            let x = TExpr(node, e.type, e.range)
            x.masking = e.masking
            return x
        }
        switch e.node {
        case .constant: return e
        case .outer: return copy(.this)
        case .field(let base, let table, let field): return outerRebased(base).map { copy(.field(base: $0, table: table, field: field)) }
        case .define(let base, let info): return outerRebased(base).map { copy(.define(base: $0, info)) }
        case .unary(let op, let x): return outerRebased(x).map { copy(.unary(op, $0)) }
        case .isNull(let x, let negated): return outerRebased(x).map { copy(.isNull($0, negated: negated)) }
        case .binary(let op, let a, let b):
            guard let x = outerRebased(a), let y = outerRebased(b) else { return nil }
            return copy(.binary(op, x, y))
        case .between(let a, let b, let c, let negated):
            guard let x = outerRebased(a), let y = outerRebased(b), let z = outerRebased(c) else { return nil }
            return copy(.between(x, y, z, negated: negated))
        case .call(let f, let args):
            let rebased = args.compactMap(outerRebased)
            return rebased.count == args.count ? copy(.call(f, rebased)) : nil
        case .list(let items):
            let rebased = items.compactMap(outerRebased)
            return rebased.count == items.count ? copy(.list(rebased)) : nil
        case .this, .reverse, .collection, .subquery, .aggregate, .groupKey, .selectItem:
            return nil
        }
    }

    /// Whether two expressions are the same (the inner key and the rewritten outer one read
    /// the same thing: the row's own group is then its group as a row of the collection).
    static func sameExpression(_ a: TExpr, _ b: TExpr) -> Bool {
        switch (a.node, b.node) {
        case (.constant(let x), .constant(let y)): return x == y
        case (.this, .this): return a.type == b.type
        case (.field(let x, let t, let f), .field(let y, let u, let g)): return t == u && f == g && sameExpression(x, y)
        case (.define(let x, let i), .define(let y, let j)): return i === j && sameExpression(x, y)
        case (.unary(let o, let x), .unary(let p, let y)): return o == p && sameExpression(x, y)
        case (.isNull(let x, let n), .isNull(let y, let m)): return n == m && sameExpression(x, y)
        case (.binary(let o, let x1, let x2), .binary(let p, let y1, let y2)):
            return o == p && sameExpression(x1, y1) && sameExpression(x2, y2)
        case (.call(let f, let xs), .call(let g, let ys)):
            return f == g && xs.count == ys.count && zip(xs, ys).allSatisfy { sameExpression($0, $1) }
        default: return false
        }
    }

    // MARK: - Reading the keys

    /// The keys' values on either side, compiled; nil when a key has no such form.
    func correlatedValues(_ shape: CorrelatedShape) -> [CorrelatedValues.Key]? {
        var out: [CorrelatedValues.Key] = []
        for key in shape.keys {
            switch key.inner.type {
            case .text:
                if let (column, innerBase) = textColumnAccess(key.inner) {
                    // A stored text field: by its dictionary's codes.
                    let codes = column.codes
                    let inner: (Int) -> Int = innerBase.map { base in
                        { r in let row = base(r); if row < 0 { return CorrelatedValues.null }; let c = codes[Int(row)]; return c < 0 ? CorrelatedValues.null : Int(c) }
                    } ?? { r in let c = codes[r]; return c < 0 ? CorrelatedValues.null : Int(c) }
                    let outer: (Int) -> Int
                    if let (other, outerBase) = textColumnAccess(key.outer), other.dictionary === column.dictionary {
                        let outerCodes = other.codes
                        outer = outerBase.map { base in
                            { r in let row = base(r); if row < 0 { return CorrelatedValues.null }; let c = outerCodes[Int(row)]; return c < 0 ? CorrelatedValues.null : Int(c) }
                        } ?? { r in let c = outerCodes[r]; return c < 0 ? CorrelatedValues.null : Int(c) }
                    } else {
                        guard let text = compile(key.outer).asText else { return nil }
                        let dictionary = column.dictionary
                        outer = { r in text(r).flatMap { dictionary.code(of: $0) }.map(Int.init) ?? CorrelatedValues.null }
                    }
                    out.append(.ints(inner: inner, outer: outer))
                } else {
                    guard let inner = compile(key.inner).asText, let outer = compile(key.outer).asText else { return nil }
                    out.append(.texts(inner: inner, outer: outer))
                }
            case .int:
                guard let inner = compile(key.inner).asInt, let outer = compile(key.outer).asInt else { return nil }
                out.append(.ints(inner: { inner($0) ?? CorrelatedValues.null }, outer: { outer($0) ?? CorrelatedValues.null }))
            case .date:
                guard let inner = compile(key.inner).asDate, let outer = compile(key.outer).asDate else { return nil }
                out.append(.ints(inner: { inner($0).map(Int.init) ?? CorrelatedValues.null }, outer: { outer($0).map(Int.init) ?? CorrelatedValues.null }))
            case .row:
                guard case .row(_, let inner) = compile(key.inner), case .row(_, let outer) = compile(key.outer) else { return nil }
                out.append(.ints(inner: { let x = inner($0); return x < 0 ? CorrelatedValues.null : Int(x) },
                                 outer: { let x = outer($0); return x < 0 ? CorrelatedValues.null : Int(x) }))
            default:
                return nil
            }
        }
        return out
    }

    // MARK: - Building the groups

    /// TUNING: numbering a level by arithmetic is used while the numbers stay below this
    /// multiple of the rows (an array of counts that size costs less than a hash table).
    static let denseGroupsPerRow = 2

    /// The subquery's collection grouped by its keys, built once per statement.
    func correlatedGroups(_ shape: CorrelatedShape, _ values: [CorrelatedValues.Key], counted: @escaping (Int) -> Bool) -> () -> CorrelatedGroups {
        let key = ObjectIdentifier(shape.subquery)
        let cache = caches.correlated
        let table = shape.table
        let cancelled = self.cancelled
        return {
            if let done = cache.groups[key] { return done }
            let built = Self.buildGroups(rows: table.rowCount, values, counted: counted, cancelled: cancelled)
            cache.groups[key] = built
            return built
        }
    }

    static func buildGroups(rows n: Int, _ keys: [CorrelatedValues.Key], counted: (Int) -> Bool, cancelled: (() -> Bool)?) -> CorrelatedGroups {
        var group = [Int32](repeating: 0, count: n)
        var levels: [CorrelatedGroups.Level] = []
        var textIDs: [Int: [String: Int]] = [:]
        var groupCount = 1
        let limit = min(Int(Int32.max), denseGroupsPerRow * n + 1024)
        var values = [Int](repeating: CorrelatedValues.null, count: n)
        for (k, key) in keys.enumerated() {
            // This key's value on every row still in a group.
            switch key {
            case .ints(let inner, _):
                for i in 0..<n where group[i] >= 0 {
                    if i & 4095 == 4095, let cancelled, cancelled() { return Self.noGroups(n) }
                    values[i] = inner(i)
                }
            case .texts(let inner, _):
                var ids: [String: Int] = [:]
                for i in 0..<n where group[i] >= 0 {
                    if i & 4095 == 4095, let cancelled, cancelled() { return Self.noGroups(n) }
                    if let s = inner(i) {
                        if let id = ids[s] { values[i] = id } else { values[i] = ids.count; ids[s] = ids.count }
                    } else {
                        values[i] = CorrelatedValues.null
                    }
                }
                textIDs[k] = ids
            }
            var low = Int.max, high = Int.min
            for i in 0..<n where group[i] >= 0 {
                let v = values[i]
                if v == CorrelatedValues.null { group[i] = -1; continue }
                if v < low { low = v }
                if v > high { high = v }
            }
            if low > high {
                levels.append(.empty)
                groupCount = 0
                break
            }
            let (spread, o1) = high.subtractingReportingOverflow(low)
            let (product, o2) = groupCount.multipliedReportingOverflow(by: spread &+ 1)
            if !o1, spread < Int.max, !o2, product <= limit {
                let span = spread + 1
                for i in 0..<n where group[i] >= 0 { group[i] = Int32(Int(group[i]) * span + (values[i] - low)) }
                levels.append(.dense(low: low, span: span))
                groupCount = product
            } else {
                var numbers: [CorrelatedGroups.Pair: Int32] = [:]
                for i in 0..<n where group[i] >= 0 {
                    let pair = CorrelatedGroups.Pair(group: group[i], value: values[i])
                    if let g = numbers[pair] { group[i] = g } else {
                        let g = Int32(numbers.count)
                        numbers[pair] = g
                        group[i] = g
                    }
                }
                levels.append(.hashed(numbers))
                groupCount = numbers.count
            }
        }
        if groupCount == 0 { group = [Int32](repeating: -1, count: n) }
        var counts = [Int32](repeating: 0, count: groupCount)
        var isCounted = RowBits(count: n)
        for i in 0..<n where group[i] >= 0 && counted(i) {
            isCounted.insert(i)
            counts[Int(group[i])] += 1
        }
        return CorrelatedGroups(levels: levels, textIDs: textIDs, groupOfRow: group, counted: isCounted, counts: counts)
    }

    private static func noGroups(_ n: Int) -> CorrelatedGroups {
        CorrelatedGroups(levels: [.empty], textIDs: [:], groupOfRow: [Int32](repeating: -1, count: n), counted: RowBits(count: n), counts: [])
    }

    // MARK: - Compiled forms

    /// The parts of a decorrelated count compiled in this planner (the enclosing row's).
    struct CorrelatedParts {
        let shape: CorrelatedShape
        let values: [CorrelatedValues.Key]
        /// Whether a row of the subquery's collection is counted (inner conditions, and a
        /// non-null id when one is excluded).
        let counted: (Int) -> Bool
        /// The enclosing row's conditions.
        let outerHolds: (Int) -> Bool
        /// The enclosing row's value of the excluded id (`CorrelatedValues.null` for null).
        let excluded: ((Int) -> Int)?
        let groups: () -> CorrelatedGroups
    }

    func correlatedParts(_ shape: CorrelatedShape) -> CorrelatedParts? {
        guard let values = correlatedValues(shape) else { return nil }
        caches.correlated.hold(shape.subquery)
        // The inner conditions are compiled where the current row is the subquery's.
        var filters = shape.innerFilters.map { compile($0).asBool }
        var excluded: ((Int) -> Int)?
        if let exclusion = shape.exclusion {
            guard let outer = compile(exclusion.outer).asInt, case .int(let ids) = shape.table.columns[exclusion.field] else { return nil }
            let idValues = ids.values
            filters.append { idValues[$0] != IntColumn.null }
            excluded = { outer($0) ?? CorrelatedValues.null }
        }
        let counted: (Int) -> Bool = filters.isEmpty ? { _ in true } : { r in filters.allSatisfy { $0(r) } }
        let outerFilters = shape.outerFilters.map { compile($0).asBool }
        let outerHolds: (Int) -> Bool = outerFilters.isEmpty ? { _ in true } : { r in outerFilters.allSatisfy { $0(r) } }
        return CorrelatedParts(shape: shape, values: values, counted: counted, outerHolds: outerHolds, excluded: excluded,
                               groups: correlatedGroups(shape, values, counted: counted))
    }

    /// The count for one enclosing row from the groups.
    static func correlatedCount(_ parts: CorrelatedParts, _ groups: CorrelatedGroups, row r: Int, group: Int32?) -> Int {
        guard let g = group, parts.outerHolds(r) else { return 0 }
        var n = Int(groups.counts[Int(g)])
        if let excluded = parts.excluded {
            let id = excluded(r)
            if id == CorrelatedValues.null { return 0 }
            if let own = parts.shape.table.row(id: id), groups.counted.contains(own), groups.groupOfRow[own] == g { n -= 1 }
        }
        return n
    }

    /// The enclosing row's key values as the groups number them.
    static func outerValues(_ values: [CorrelatedValues.Key], _ groups: CorrelatedGroups, row r: Int) -> [Int] {
        values.enumerated().map { k, key in
            switch key {
            case .ints(_, let outer): return outer(r)
            case .texts(_, let outer): return groups.textID(k, outer(r))
            }
        }
    }

    /// `count(SUBQUERY)` (or `exists`) of a correlated subquery, row by row: through the
    /// index of a key that has one until that has cost about a build, then from the groups.
    func decorrelatedCount(_ sub: TSubquery) -> ((Int) -> Int)? {
        guard let shape = correlatedShape(sub), let parts = correlatedParts(shape) else { return nil }
        let table = shape.table
        // A key read directly from a text or reference field of the subquery's row: its
        // posting lists give the rows with the enclosing row's value.
        // Found on first use: a statement that reads the count for a whole column at once
        // (`decorrelatedCounts`) never builds them.
        var driver: (key: Int, field: Int)?
        for (k, key) in shape.keys.enumerated() {
            guard let field = directField(key.inner, table: table), case .ints = parts.values[k] else { continue }
            switch table.columns[field] {
            case .text, .reference: driver = (k, field)
            default: continue
            }
            break
        }
        let postingsMemo = Memo<Postings>()
        let search = caches.correlated.searches[ObjectIdentifier(sub)] ?? CorrelatedSearch()
        caches.correlated.searches[ObjectIdentifier(sub)] = search
        let cache = caches.correlated
        let key = ObjectIdentifier(sub)
        let budget = table.rowCount * Self.correlatedBuildCost
        let values = parts.values
        let idValues: [Int]? = shape.exclusion.flatMap { e in
            if case .int(let c) = table.columns[e.field] { return c.values }
            return nil
        }
        return { r in
            if cache.groups[key] == nil, let (k, field) = driver, search.spent < budget {
                let postings = postingsMemo.value ?? table.postings(field: field)
                postingsMemo.value = postings
                guard parts.outerHolds(r) else { return 0 }
                let outerKey: [Int] = values.map { if case .ints(_, let outer) = $0 { return outer(r) }; return 0 }
                let outerTexts: [String?] = values.map { if case .texts(_, let outer) = $0 { return outer(r) }; return nil }
                // Null equals nothing: a null key of the enclosing row matches no row.
                for (j, value) in values.enumerated() {
                    switch value {
                    case .ints: if outerKey[j] == CorrelatedValues.null { return 0 }
                    case .texts: if outerTexts[j] == nil { return 0 }
                    }
                }
                let probe = outerKey[k]
                guard probe < postings.keyCount else { search.spent += 1; return 0 }
                var excludedID: Int?
                if let excluded = parts.excluded {
                    let id = excluded(r)
                    if id == CorrelatedValues.null { return 0 }
                    excludedID = id
                }
                let candidates = postings.rows(for: probe)
                search.spent += candidates.count + 1
                var n = 0
                rows: for row in candidates {
                    let i = Int(row)
                    for (j, value) in values.enumerated() {
                        switch value {
                        case .ints(let inner, _):
                            if inner(i) != outerKey[j] { continue rows }
                        case .texts(let inner, _):
                            guard let s = inner(i), let t = outerTexts[j], s == t else { continue rows }
                        }
                    }
                    if let excludedID, let idValues, idValues[i] == excludedID { continue }
                    if parts.counted(i) { n += 1 }
                }
                return n
            }
            let groups = parts.groups()
            let g = groups.group(of: Self.outerValues(values, groups, row: r))
            return Self.correlatedCount(parts, groups, row: r, group: g)
        }
    }

    /// `count(SUBQUERY)` for every row of `table` (the enclosing collection) at once.
    func decorrelatedCounts(_ e: TExpr, table: Table, forExists: Bool = false) -> (() -> VectorValues)? {
        guard case .subquery(let sub) = e.node, sub.select == nil || forExists, let shape = correlatedShape(sub),
              let parts = correlatedParts(shape) else { return nil }
        // The enclosing row's keys are the subquery row's own: its group is its row's.
        let sameKeys = shape.table === table && shape.keys.allSatisfy { Self.sameExpression($0.inner, $0.outer) }
        let ownExclusion = shape.table === table && shape.exclusion.map { e in
            if case .field(let base, _, let f) = e.outer.node, case .this = base.node { return f == e.field }
            return false
        } == true
        let count = table.rowCount
        let values = parts.values
        let idValues: [Int]? = shape.exclusion.flatMap { e in
            if case .int(let c) = shape.table.columns[e.field] { return c.values }
            return nil
        }
        return {
            let groups = parts.groups()
            var out = [Int](repeating: 0, count: count)
            for r in 0..<count {
                let g: Int32?
                if sameKeys {
                    let own = groups.groupOfRow[r]
                    g = own < 0 ? nil : own
                } else {
                    g = groups.group(of: Self.outerValues(values, groups, row: r))
                }
                guard let g, parts.outerHolds(r) else { continue }
                var n = Int(groups.counts[Int(g)])
                if ownExclusion {
                    // `id != outer.id` on the collection itself: the row leaves its own
                    // group; a row without an id is unequal to none.
                    if idValues?[r] == IntColumn.null { continue }
                    if groups.counted.contains(r), groups.groupOfRow[r] == g { n -= 1 }
                } else if parts.excluded != nil {
                    n = Self.correlatedCount(parts, groups, row: r, group: g)
                }
                out[r] = n
            }
            return .ints(out)
        }
    }
}
