// The evaluator: runs a checked query with the planner's closures — select rows, group
// and aggregate, sort (pinyin for text, nulls last, ties in key order), cut to limit and
// offset, and build result rows. It also produces the steps of `plan`.

import Engine

public struct ResultColumn: Sendable, Equatable {
    public let name: String
    public let type: MType
    public let masking: FieldSchema.Masking

    public init(name: String, type: MType, masking: FieldSchema.Masking = .none) {
        self.name = name
        self.type = type
        self.masking = masking
    }
}

public struct QueryResult: Sendable, Equatable {
    public var columns: [ResultColumn]
    public var rows: [[Value]]

    public init(columns: [ResultColumn], rows: [[Value]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// The rows of one group-by query: which group each selected row is in, and a first row
/// per group from which the keys are read.
final class GroupContext {
    let rows: [Int32]
    let groupOfRow: [Int32]
    let representatives: [Int]
    let keys: [TExpr]
    let rowPlanner: Planner
    private var keyCache: [Int: Compiled] = [:]

    /// The collection the rows are of, when the keys and aggregates may be read as whole
    /// columns (`Planner+Vectors`).
    let table: Table?

    init(rows: [Int32], keys: [TExpr], rowPlanner: Planner, singleGroup: Bool, table: Table? = nil) {
        self.rows = rows
        self.keys = keys
        self.rowPlanner = rowPlanner
        self.table = table
        if singleGroup {
            groupOfRow = [Int32](repeating: 0, count: rows.count)
            representatives = [rows.first.map(Int.init) ?? -1]
            return
        }
        if let table, let dense = GroupContext.denseGroups(rows: rows, keys: keys, planner: rowPlanner, table: table) {
            groupOfRow = dense.groupOf
            representatives = dense.firsts
            if Planner.checkVectors {
                let check = GroupContext(rows: rows, keys: keys, rowPlanner: rowPlanner, singleGroup: false)
                precondition(check.groupOfRow == groupOfRow && check.representatives == representatives,
                             "MQL_CHECK_VECTORS: dense group keys differ from hashed ones")
            }
            return
        }
        let encoders = keys.map { GroupContext.encoder(rowPlanner.compile($0), planner: rowPlanner, expr: $0) }
        var groupOf = [Int32](repeating: 0, count: rows.count)
        var firsts: [Int] = []
        let cancelled = rowPlanner.cancelled
        if encoders.count == 1 {
            let encode = encoders[0]
            var index: [Int64: Int32] = [:]
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled, cancelled() { break }
                let key = encode(Int(row))
                if let g = index[key] { groupOf[i] = g } else {
                    let g = Int32(firsts.count)
                    index[key] = g
                    firsts.append(Int(row))
                    groupOf[i] = g
                }
            }
        } else {
            var index: [[Int64]: Int32] = [:]
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled, cancelled() { break }
                let key = encoders.map { $0(Int(row)) }
                if let g = index[key] { groupOf[i] = g } else {
                    let g = Int32(firsts.count)
                    index[key] = g
                    firsts.append(Int(row))
                    groupOf[i] = g
                }
            }
        }
        groupOfRow = groupOf
        representatives = firsts
    }

    var groupCount: Int { representatives.count }

    /// Groups found by array index: every key a stored text code, a reference, a bool or an
    /// int or date of narrow range, combined into one small integer. Groups are numbered in
    /// the order their first row comes, as with hashed keys.
    static func denseGroups(rows: [Int32], keys: [TExpr], planner: Planner, table: Table) -> (groupOf: [Int32], firsts: [Int])? {
        // TUNING: past this many combined key values a hash of the keys is the smaller table.
        let maximumSlots = 1 << 22
        var combined = [Int32](repeating: 0, count: rows.count)
        var slots = 1
        for key in keys {
            var size = 0
            if key.type == .bool {
                guard let form = planner.vectorBits(key, table: table) else { return nil }
                let bits = form.make()
                size = 2
                rows.withUnsafeBufferPointer { r in
                    combined.withUnsafeMutableBufferPointer { c in
                        for i in r.indices { c[i] = c[i] &* 2 &+ (bits.contains(Int(r[i])) ? 1 : 0) }
                    }
                }
            } else {
                guard let produce = planner.vectorValues(key, table: table) else { return nil }
                func fold<T: FixedWidthInteger>(_ v: [T], _ id: (T) -> Int) {
                    let stride = Int32(size)
                    v.withUnsafeBufferPointer { v in
                        rows.withUnsafeBufferPointer { r in
                            combined.withUnsafeMutableBufferPointer { c in
                                let out = UncheckedBox(c)
                                Parallel.forEach(Parallel.ranges(r.count, workers: Parallel.workers(for: r.count))) { _, range in
                                    let c = out.value
                                    for i in range { c[i] = c[i] &* stride &+ Int32(truncatingIfNeeded: id(v[Int(r[i])])) }
                                }
                            }
                        }
                    }
                }
                func narrow<T: FixedWidthInteger>(_ v: [T], null: T) -> (low: Int, span: Int)? {
                    var low = Int.max, high = Int.min
                    for row in rows { let x = v[Int(row)]; if x != null { low = min(low, Int(x)); high = max(high, Int(x)) } }
                    if low > high { return (0, 0) }
                    let (span, overflow) = high.subtractingReportingOverflow(low)
                    return overflow || span >= maximumSlots ? nil : (low, span + 1)
                }
                switch produce() {
                case .codes(let v, let d):
                    guard planner.textColumnAccess(key) != nil else { return nil }
                    size = d.count + 1
                    fold(v) { Int($0) + 1 }
                case .refs(let v, let target):
                    guard let t = planner.store.table(target) else { return nil }
                    size = t.rowCount + 1
                    fold(v) { Int($0) + 1 }
                case .ints(let v):
                    guard let (low, span) = narrow(v, null: IntColumn.null) else { return nil }
                    size = span + 1
                    fold(v) { $0 == IntColumn.null ? 0 : $0 - low + 1 }
                case .dates(let v):
                    guard let (low, span) = narrow(v, null: DateColumn.null) else { return nil }
                    size = span + 1
                    fold(v) { $0 == DateColumn.null ? 0 : Int($0) - low + 1 }
                }
            }
            let (product, overflow) = slots.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maximumSlots else { return nil }
            slots = product
        }
        if let numbered = numberInParallel(combined, slots: slots, rows: rows) { return numbered }
        var groupOfSlot = [Int32](repeating: -1, count: slots)
        var groupOf = [Int32](repeating: 0, count: rows.count)
        var firsts: [Int] = []
        combined.withUnsafeBufferPointer { c in
            groupOfSlot.withUnsafeMutableBufferPointer { slot in
                groupOf.withUnsafeMutableBufferPointer { out in
                    for i in c.indices {
                        let k = Int(c[i])
                        var g = slot[k]
                        if g < 0 {
                            g = Int32(firsts.count)
                            slot[k] = g
                            firsts.append(Int(rows[i]))
                        }
                        out[i] = g
                    }
                }
            }
        }
        return (groupOf, firsts)
    }

    /// `denseGroups`' numbering on both cores: each range finds where each slot first
    /// comes in it; a slot's first row overall is in the first range that has it; groups
    /// are numbered by that row, as the single pass numbers them. Nil when one pass is as
    /// good (few rows, or too many slots to give each range a table).
    static func numberInParallel(_ combined: [Int32], slots: Int, rows: [Int32]) -> (groupOf: [Int32], firsts: [Int])? {
        let ranges = Parallel.ranges(combined.count, workers: Parallel.workers(for: combined.count))
        // TUNING: a table per range of this many slots costs less than a tenth of the pass.
        guard ranges.count > 1, slots * 8 <= combined.count / ranges.count else { return nil }
        let firstInRange: [[Int32]] = combined.withUnsafeBufferPointer { c in
            Parallel.map(ranges) { range in
                var first = [Int32](repeating: -1, count: slots)
                first.withUnsafeMutableBufferPointer { f in
                    for i in range where f[Int(c[i])] < 0 { f[Int(c[i])] = Int32(i) }
                }
                return first
            }
        }
        var starts: [(position: Int32, slot: Int)] = []
        for slot in 0..<slots {
            for first in firstInRange where first[slot] >= 0 {
                starts.append((first[slot], slot))
                break
            }
        }
        starts.sort { $0.position < $1.position }
        var groupOfSlot = [Int32](repeating: -1, count: slots)
        for (g, start) in starts.enumerated() { groupOfSlot[start.slot] = Int32(g) }
        var groupOf = [Int32](repeating: 0, count: combined.count)
        combined.withUnsafeBufferPointer { c in
            groupOfSlot.withUnsafeBufferPointer { slot in
                groupOf.withUnsafeMutableBufferPointer { out in
                    let box = UncheckedBox(out)
                    Parallel.forEach(ranges) { _, range in
                        let out = box.value
                        for i in range { out[i] = slot[Int(c[i])] }
                    }
                }
            }
        }
        return (groupOf, starts.map { Int(rows[Int($0.position)]) })
    }

    /// A group key as one integer per row: codes, row numbers and values as they are;
    /// computed text is interned.
    static func encoder(_ c: Compiled, planner: Planner, expr: TExpr) -> (Int) -> Int64 {
        let null = Int64.min
        if let (column, baseRow) = planner.textColumnAccess(expr) {
            let codes = column.codes
            if let b = baseRow { return { r in let x = b(r); return x < 0 ? null : Int64(codes[Int(x)]) } }
            return { r in Int64(codes[r]) }
        }
        switch c {
        case .bool(let f): return { f($0) ? 1 : 0 }
        case .int(let f): return { r in f(r).map(Int64.init) ?? null }
        case .date(let f): return { r in f(r).map(Int64.init) ?? null }
        case .number(let f): return { r in f(r).map { Int64(bitPattern: $0.bitPattern) } ?? null }
        case .row(_, let f): return { r in Int64(f(r)) }
        default:
            let get = c.valueGetter(store: planner.store)
            let interned = Interner()
            return { r in let v = get(r); return v.isNull ? null : interned.code(v) }
        }
    }

    final class Interner {
        var codes: [Value: Int64] = [:]
        func code(_ v: Value) -> Int64 {
            if let c = codes[v] { return c }
            let c = Int64(codes.count)
            codes[v] = c
            return c
        }
    }

    /// An aggregate of a value read as a whole column: the same sums, counts and extremes
    /// as row by row, in the same order, without a closure per row.
    func wholeColumnAggregate(_ f: AggregateFunction, _ argument: TExpr, table: Table, site: FaultSite) -> Compiled? {
        guard argument.type == .int || argument.type == .date, let produce = rowPlanner.vectorValues(argument, table: table) else { return nil }
        let n = groupCount
        let values = produce()
        let ranges = aggregateRanges
        /// Calls `body(group, value)` for each selected row of `range`, in row order.
        func each<T>(_ v: [T], _ range: Range<Int>, _ body: (Int, T) -> Void) {
            v.withUnsafeBufferPointer { v in
                rows.withUnsafeBufferPointer { r in
                    groupOfRow.withUnsafeBufferPointer { g in
                        for i in range { body(Int(g[i]), v[Int(r[i])]) }
                    }
                }
            }
        }
        /// Counts of non-null values per group, on both cores.
        func nonNullCounts<T: FixedWidthInteger>(_ v: [T], null: T) -> [Int] {
            Self.addedUp(rowsAndGroups(v) { v, r, g in Parallel.map(ranges) { Self.counts(v, r, g, $0, groups: n, null: null) } }, n)
        }
        /// The least or greatest non-null value per group (`null` where none), on both cores.
        func extremes<T: FixedWidthInteger>(_ v: [T], null: T, wantMax: Bool) -> [T] {
            let parts = rowsAndGroups(v) { v, r, g in
                Parallel.map(ranges) { Self.extremes(v, r, g, $0, groups: n, null: null, wantMax: wantMax) }
            }
            var best = parts[0]
            for part in parts.dropFirst() {
                for g in 0..<n where part[g] != null {
                    if best[g] == null || (wantMax ? part[g] > best[g] : part[g] < best[g]) { best[g] = part[g] }
                }
            }
            return best
        }
        /// Exact sums per group when no running sum of a range passes `bound` in magnitude
        /// (then no running sum of the whole pass passes `bound` times the ranges either, so
        /// one pass adding in row order gives the same); nil otherwise.
        func boundedSums(_ v: [Int], bound: Int) -> [Int]? {
            let parts = rowsAndGroups(v) { v, r, g in Parallel.map(ranges) { Self.sums(v, r, g, $0, groups: n, bound: bound) } }
            guard parts.allSatisfy({ $0 != nil }) else { return nil }
            return Self.addedUp(parts.map { $0! }, n)
        }
        switch values {
        case .ints(let v):
            switch f {
            case .count:
                let counts = nonNullCounts(v, null: IntColumn.null)
                return .int { counts[$0] }
            case .sum:
                if ranges.count > 1, let sums = boundedSums(v, bound: Int.max / ranges.count) { return .int { sums[$0] } }
                var sums = [Int](repeating: 0, count: n)
                var faulted = false
                sums.withUnsafeMutableBufferPointer { s in
                    each(v, 0..<rows.count) { g, x in
                        guard x != IntColumn.null else { return }
                        let (total, overflow) = s[g].addingReportingOverflow(x)
                        if overflow || total == Int.min { faulted = true } else { s[g] = total }
                    }
                }
                if faulted { site.integerOverflow("sum") }
                return .int { sums[$0] }
            case .min, .max:
                let best = extremes(v, null: IntColumn.null, wantMax: f == .max)
                return .int { let b = best[$0]; return b == IntColumn.null ? nil : b }
            case .avg:
                let counts = nonNullCounts(v, null: IntColumn.null)
                // Sums of whole numbers below 2^53 are exact in a Double whatever the order.
                if ranges.count > 1, let sums = boundedSums(v, bound: (1 << 53) / ranges.count) {
                    return .number { counts[$0] == 0 ? nil : Double(sums[$0]) / Double(counts[$0]) }
                }
                var sums = [Double](repeating: 0, count: n)
                sums.withUnsafeMutableBufferPointer { s in
                    each(v, 0..<rows.count) { g, x in if x != IntColumn.null { s[g] += Double(x) } }
                }
                return .number { counts[$0] == 0 ? nil : sums[$0] / Double(counts[$0]) }
            }
        case .dates(let v):
            switch f {
            case .count:
                let counts = nonNullCounts(v, null: DateColumn.null)
                return .int { counts[$0] }
            case .min, .max:
                let best = extremes(v, null: DateColumn.null, wantMax: f == .max)
                return .date { let b = best[$0]; return b == DateColumn.null ? nil : b }
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// The ranges of the selected rows aggregated at once: several when there are many rows
    /// and few enough groups that a partial per range is cheap.
    var aggregateRanges: [Range<Int>] {
        let workers = Parallel.workers(for: rows.count)
        // TUNING: partial arrays per range under an eighth of the rows.
        guard workers > 1, groupCount * 8 * workers <= rows.count else { return [0..<rows.count] }
        return Parallel.ranges(rows.count, workers: workers)
    }

    /// The values, the selected rows and their groups as buffers (read by every worker).
    func rowsAndGroups<T, R>(_ v: [T], _ body: (UnsafeBufferPointer<T>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>) -> R) -> R {
        v.withUnsafeBufferPointer { v in
            rows.withUnsafeBufferPointer { r in
                groupOfRow.withUnsafeBufferPointer { g in body(v, r, g) }
            }
        }
    }

    // One range's partial aggregates: static and generic over the column's integer type so
    // each is compiled for Int and Int32 and its loop is tight.

    static func counts<T: FixedWidthInteger>(_ v: UnsafeBufferPointer<T>, _ r: UnsafeBufferPointer<Int32>, _ g: UnsafeBufferPointer<Int32>,
                                             _ range: Range<Int>, groups n: Int, null: T) -> [Int] {
        var counts = [Int](repeating: 0, count: n)
        counts.withUnsafeMutableBufferPointer { c in
            for i in range where v[Int(r[i])] != null { c[Int(g[i])] += 1 }
        }
        return counts
    }

    static func extremes<T: FixedWidthInteger>(_ v: UnsafeBufferPointer<T>, _ r: UnsafeBufferPointer<Int32>, _ g: UnsafeBufferPointer<Int32>,
                                               _ range: Range<Int>, groups n: Int, null: T, wantMax: Bool) -> [T] {
        var best = [T](repeating: null, count: n)
        best.withUnsafeMutableBufferPointer { b in
            if wantMax {
                for i in range {
                    let x = v[Int(r[i])], k = Int(g[i])
                    if x != null && (b[k] == null || x > b[k]) { b[k] = x }
                }
            } else {
                for i in range {
                    let x = v[Int(r[i])], k = Int(g[i])
                    if x != null && (b[k] == null || x < b[k]) { b[k] = x }
                }
            }
        }
        return best
    }

    static func sums(_ v: UnsafeBufferPointer<Int>, _ r: UnsafeBufferPointer<Int32>, _ g: UnsafeBufferPointer<Int32>,
                     _ range: Range<Int>, groups n: Int, bound: Int) -> [Int]? {
        var sums = [Int](repeating: 0, count: n)
        let within: Bool = sums.withUnsafeMutableBufferPointer { s in
            for i in range {
                let x = v[Int(r[i])]
                guard x != IntColumn.null else { continue }
                let k = Int(g[i])
                let (total, overflow) = s[k].addingReportingOverflow(x)
                if overflow || total > bound || total < -bound { return false }
                s[k] = total
            }
            return true
        }
        return within ? sums : nil
    }

    static func addedUp(_ parts: [[Int]], _ n: Int) -> [Int] {
        var total = parts[0]
        for part in parts.dropFirst() { for g in 0..<n { total[g] += part[g] } }
        return total
    }

    func key(_ i: Int, planner: Planner) -> Compiled {
        if let done = keyCache[i] { return done }
        let reps = representatives
        let compiled = rowPlanner.compile(keys[i]).remapped { reps[$0] }
        keyCache[i] = compiled
        return compiled
    }

    /// Computes an aggregate for every group at once, then reads it per group.
    func aggregate(_ f: AggregateFunction, _ argument: TExpr?, planner: Planner, site: FaultSite) -> Compiled {
        let n = groupCount
        guard let argument else {
            let parts = groupOfRow.withUnsafeBufferPointer { groups in
                Parallel.map(aggregateRanges) { range -> [Int] in
                    var counts = [Int](repeating: 0, count: n)
                    counts.withUnsafeMutableBufferPointer { c in for i in range { c[Int(groups[i])] += 1 } }
                    return counts
                }
            }
            let counts = Self.addedUp(parts, n)
            return .int { counts[$0] }
        }
        if let table, let done = wholeColumnAggregate(f, argument, table: table, site: site) { return done }
        let value = rowPlanner.compile(argument)
        if f == .count {
            let isNull = rowPlanner.nullTest(value)
            var counts = [Int](repeating: 0, count: n)
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled = rowPlanner.cancelled, cancelled() { break }
                if !isNull(Int(row)) { counts[Int(groupOfRow[i])] += 1 }
            }
            return .int { counts[$0] }
        }
        switch value {
        case .int(let get) where f != .avg:
            var results = [Int?](repeating: f == .sum ? 0 : nil, count: n)
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled = rowPlanner.cancelled, cancelled() { break }
                guard let v = get(Int(row)) else { continue }
                let g = Int(groupOfRow[i])
                switch f {
                case .sum:
                    guard let sum = results[g] else { continue }
                    let (total, overflow) = sum.addingReportingOverflow(v)
                    if overflow || total == Int.min { site.integerOverflow("sum"); results[g] = nil } else { results[g] = total }
                case .min: if results[g] == nil || v < results[g]! { results[g] = v }
                default: if results[g] == nil || v > results[g]! { results[g] = v }
                }
            }
            return .int { results[$0] }
        case .int, .number:
            let get = value.asNumber!
            var sums = [Double](repeating: 0, count: n)
            var counts = [Int](repeating: 0, count: n)
            var best = [Double?](repeating: nil, count: n)
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled = rowPlanner.cancelled, cancelled() { break }
                guard let v = get(Int(row)) else { continue }
                let g = Int(groupOfRow[i])
                sums[g] += v
                counts[g] += 1
                if best[g] == nil || (f == .min ? v < best[g]! : v > best[g]!) { best[g] = v }
            }
            if sums.contains(where: { !$0.isFinite }) { site.notFinite() }
            switch f {
            case .sum: return .number { sums[$0] }
            case .avg: return .number { counts[$0] == 0 ? nil : sums[$0] / Double(counts[$0]) }
            default: return .number { best[$0] }
            }
        case .date(let get):
            var best = [Int32?](repeating: nil, count: n)
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled = rowPlanner.cancelled, cancelled() { break }
                guard let v = get(Int(row)) else { continue }
                let g = Int(groupOfRow[i])
                if best[g] == nil || (f == .min ? v < best[g]! : v > best[g]!) { best[g] = v }
            }
            return .date { best[$0] }
        case .text(let get):
            var best = [String?](repeating: nil, count: n)
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled = rowPlanner.cancelled, cancelled() { break }
                guard let v = get(Int(row)) else { continue }
                let g = Int(groupOfRow[i])
                if let b = best[g] {
                    let order = PinyinCollation.compare(v, b)
                    if (f == .min && order == .orderedAscending) || (f == .max && order == .orderedDescending) { best[g] = v }
                } else {
                    best[g] = v
                }
            }
            return .text { best[$0] }
        case .bool(let get):
            var best = [Bool?](repeating: nil, count: n)
            for (i, row) in rows.enumerated() {
                if i & 255 == 0, let cancelled = rowPlanner.cancelled, cancelled() { break }
                let v = get(Int(row))
                let g = Int(groupOfRow[i])
                if best[g] == nil { best[g] = v } else if f == .min { best[g] = best[g]! && v } else { best[g] = best[g]! || v }
            }
            return .int { best[$0].map { $0 ? 1 : 0 } }
        default:
            return .null
        }
    }
}

/// Runs checked queries.
struct Evaluator {
    let store: Store
    let catalog: Catalog
    let today: Int32
    let source: SourceFile?
    /// Full scans only (the property test compares this with indexed plans).
    /// Off: result rows built row by row only (tests compare the two; `Evaluator+ColumnRows`).
    var buildsRowsColumnwise = true
    var useIndexes = true
    /// See `Planner.buildsSortedIndexOnFirstUse`.
    var buildsSortedIndexOnFirstUse = false

    /// Polled by scans; see `Session.cancellationCheck`.
    var cancelled: (() -> Bool)?
    /// Shared by every planner of the statement: a define or a value that does not depend
    /// on the row is computed once for the whole statement, in its rows and its groups.
    var caches = CompileCaches()
    /// Counts cells of the result as it is built; true once past the statement's budget
    /// (see `Session.cellBudget`), and the result is then discarded.
    var charge: ((Int) -> Bool)?

    func makePlanner() -> Planner {
        let p = Planner(store: store, catalog: catalog, today: today, caches: caches)
        p.source = source
        p.cancelled = cancelled
        p.buildsSortedIndexOnFirstUse = buildsSortedIndexOnFirstUse
        caches.wholeCollectionDefines = useIndexes
        return p
    }

    struct Selection {
        let plan: Planner.FilterPlan
        let rows: [Int32]
    }

    func select(_ q: TQuery, planner: Planner) -> Selection {
        let table = store.table(q.collection)!
        let plan = planner.planFilter(q.filter, table: table, useIndexes: useIndexes)
        return Selection(plan: plan, rows: plan.run())
    }

    func count(_ q: TQuery) -> Int {
        if !q.grouped && q.limit == nil && q.offset == nil {
            let table = store.table(q.collection)!
            return makePlanner().planFilter(q.filter, table: table, useIndexes: useIndexes).count()
        }
        return run(q).rows.count
    }

    func run(_ q: TQuery) -> QueryResult {
        let planner = makePlanner()
        if q.filter == nil, !q.grouped, !q.orderBy.isEmpty, q.limit != nil, useIndexes {
            // `order by … limit` over the whole collection: no list of every row needed.
            return ungrouped(q, nil, planner: planner)
        }
        let selection = select(q, planner: planner)
        return q.grouped ? grouped(q, selection.rows, rowPlanner: planner) : ungrouped(q, selection.rows, planner: planner)
    }

    func columns(_ q: TQuery) -> [ResultColumn] {
        q.select.map { item in
            var type = item.expr.type
            // Rows show as the list of their keys, selected values as a list.
            if case .values = type { type = .textSet }
            if case .rows = type { type = .textSet }
            return ResultColumn(name: item.name, type: type, masking: item.expr.masking)
        }
    }

    /// `rows` nil: every row of the collection.
    func ungrouped(_ q: TQuery, _ selected: [Int32]?, planner: Planner) -> QueryResult {
        // TUNING: a result of up to 256 rows reads its fields row by row (a few blocks of a
        // column still in the snapshot); a column read past an eighth of its blocks so is
        // then read whole anyway. Items are compiled when first needed: an order key naming
        // an item, or the row-by-row getters (rows built from the columns themselves need none).
        let resultBound = min(selected?.count ?? Int.max, q.limit.map { $0 + (q.offset ?? 0) } ?? Int.max)
        let items = CompiledItems(q.select.map(\.expr), planner: planner, readsFewRows: resultBound <= 256)
        planner.selectItemCompiled = { items[$0] }
        let table = store.table(q.collection)!
        var ordered: [Int32]
        if !q.orderBy.isEmpty {
            // TUNING: keys for at least an eighth of the collection are read as whole columns
            // (a define such as `last_home_visit` computed once for every row, not per row).
            let many = useIndexes && (selected?.count ?? table.rowCount) * 8 >= table.rowCount
            let limit = q.limit.map { $0 + (q.offset ?? 0) }
            // TUNING: the keys of a top 256 taken from a sorted index already at hand (one
            // in the snapshot, read a few blocks at a time) are read row by row for the few
            // candidates, so a column still in the snapshot is not read whole for them.
            let fewKeys = useIndexes && limit.map { $0 <= 256 && readsTopFromIndex(q, selected, limit: $0, planner: planner) } ?? false
            let readsFewEnclosingRows = planner.readsFewRows
            if fewKeys { planner.readsFewRows = true }
            let keys = q.orderBy.map { key in
                (many && !fewKeys ? SortKey.columnar(key.expr, descending: key.descending, planner: planner, table: table) : nil)
                    ?? SortKey(planner.compile(key.expr), expr: key.expr, descending: key.descending, planner: planner)
            }
            planner.readsFewRows = readsFewEnclosingRows
            if useIndexes, let limit, let top = topBySortedIndex(q, selected, limit: limit, keys: keys, planner: planner) {
                ordered = top
            } else {
                let rows = selected ?? (0..<Int32(table.rowCount)).map { $0 }
                ordered = Sorter.sort(rows.map(Int.init), keys: keys, limit: limit, cancelled: cancelled).map { Int32($0) }
            }
        } else {
            ordered = selected ?? (0..<Int32(table.rowCount)).map { $0 }
        }
        ordered = window(ordered, q)
        if buildsRowsColumnwise, let rows = columnwiseRows(q, ordered, table: table) {
            return QueryResult(columns: columns(q), rows: rows)
        }
        let getters = q.select.indices.map { i in
            Self.nullableBool(q.select[i].expr, planner: planner) ?? items[i].valueGetter(store: store)
        }
        return QueryResult(columns: columns(q), rows: resultRows(ordered.lazy.map(Int.init), count: ordered.count, getters))
    }

    /// A boolean select item written `if(c, x, null)` (or `if(c, null, x)`): null where the
    /// null branch is taken. Inside conditions a boolean is true or false (null makes a
    /// comparison false); a result column may still say "not applicable" — a report not
    /// yet due is neither on time nor late.
    static func nullableBool(_ e: TExpr, planner: Planner) -> ((Int) -> Value)? {
        guard e.type == .bool, case .call(.if, let args) = e.node, args.count == 3 else { return nil }
        func isNull(_ x: TExpr) -> Bool { if case .constant(.null) = x.node { return true }; return false }
        guard isNull(args[1]) != isNull(args[2]) else { return nil }
        let condition = planner.compile(args[0]).asBool
        let nullWhenTrue = isNull(args[1])
        let other = planner.compile(nullWhenTrue ? args[2] : args[1]).asBool
        return { r in
            let c = condition(r)
            return c == nullWhenTrue ? .null : .bool(other(r))
        }
    }

    /// Whether `topBySortedIndex` takes the top from a sorted index still in the snapshot
    /// (one in memory is read as arrays, and the keys as columns).
    func readsTopFromIndex(_ q: TQuery, _ selected: [Int32]?, limit: Int, planner: Planner) -> Bool {
        guard let (table, field) = topIndexField(q, selected, limit: limit, planner: planner) else { return false }
        return readsSortedIndexInPlace(table, field: field)
    }

    /// The int or date field whose sorted index `topBySortedIndex` reads for the first key.
    func topIndexField(_ q: TQuery, _ selected: [Int32]?, limit: Int, planner: Planner) -> (Table, Int)? {
        let table = store.table(q.collection)!
        // TUNING: a sort of everything wins when the limit is a good part of the rows.
        guard limit > 0, limit <= 10_000, limit * 8 < (selected?.count ?? table.rowCount),
              let field = planner.directField(q.orderBy[0].expr, table: table) else { return nil }
        switch table.columns[field] {
        case .int, .date: return (table, field)
        default: return nil
        }
    }

    /// Whether a sorted index is read a few blocks at a time from the snapshot: for a single
    /// statement; statements that follow (a REPL, a script) read it whole once and keep it,
    /// as they would build it.
    func readsSortedIndexInPlace(_ table: Table, field: Int) -> Bool {
        !buildsSortedIndexOnFirstUse && !table.hasCachedSortedIndex(field: field) && table.hasReadySortedIndex(field: field)
    }

    /// `order by FIELD … limit N` with an int or date field of the collection: its sorted
    /// index read from the right end, whole runs of equal values at a time, until N of the
    /// selected rows are in; those (and only those) are then sorted by every key. The first
    /// N of that order are the first N of the whole order, ties in row order as ever.
    func topBySortedIndex(_ q: TQuery, _ selected: [Int32]?, limit: Int, keys: [SortKey], planner: Planner) -> [Int32]? {
        guard let (table, field) = topIndexField(q, selected, limit: limit, planner: planner) else { return nil }
        let isNull: (Int) -> Bool
        switch table.columns[field] {
        case .int(let c): isNull = { c.value(at: $0) == IntColumn.null }
        case .date(let c): isNull = { c.value(at: $0) == DateColumn.null }
        default: return nil
        }
        var member: RowBits?
        if let selected, selected.count != table.rowCount {
            var bits = RowBits(count: table.rowCount)
            for row in selected { bits.insert(Int(row)) }
            member = bits
        }
        let descending = q.orderBy[0].descending
        var candidates: [Int] = []
        var valueOf: [Int: Int]?
        if !readsSortedIndexInPlace(table, field: field) {
            // In memory (built now if need be): the index's own arrays, nothing copied.
            let index = table.sortedIndex(field: field)
            let n = index.values.count
            var position = descending ? n - 1 : 0
            while candidates.count < limit && position >= 0 && position < n {
                let value = index.values[position]
                var end = position
                if descending {
                    while end > 0 && index.values[end - 1] == value { end -= 1 }
                    for row in index.rows[end...position] where member?.contains(Int(row)) ?? true { candidates.append(Int(row)) }
                    position = end - 1
                } else {
                    while end + 1 < n && index.values[end + 1] == value { end += 1 }
                    for row in index.rows[position...end] where member?.contains(Int(row)) ?? true { candidates.append(Int(row)) }
                    position = end + 1
                }
            }
        } else {
            // Still in the snapshot: read from the chosen end a run of positions at a time
            // (only the blocks of those: `Table.sortedValues`), doubling the run each time;
            // whole runs of equal values are taken, up to the one holding the last of the
            // `limit` rows.
            let n = table.sortedIndexCount(field: field)
            var taken = 0, chunk = max(64, limit * 2)
            var lastValue: Int?
            // The first key's value of each candidate, as the index gives it: the sort below
            // need not read the column for it (runs of equal values may hold many rows).
            var values: [Int: Int] = [:]
            scan: while taken < n {
                let range = descending ? max(0, n - taken - chunk)..<(n - taken) : taken..<min(n, taken + chunk)
                let sortedValues = table.sortedValues(field: field, positions: range)
                let rows = table.sortedRows(field: field, positions: range)
                for i in (descending ? Array(sortedValues.indices.reversed()) : Array(sortedValues.indices)) {
                    if let lastValue, candidates.count >= limit, sortedValues[i] != lastValue { break scan }
                    lastValue = sortedValues[i]
                    if member?.contains(Int(rows[i])) ?? true {
                        candidates.append(Int(rows[i]))
                        values[Int(rows[i])] = sortedValues[i]
                    }
                }
                taken += range.count
                chunk *= 2
            }
            valueOf = values
        }
        if candidates.count < limit {
            // Null values come last in either direction.
            if let selected {
                for row in selected where isNull(Int(row)) { candidates.append(Int(row)) }
            } else {
                for row in 0..<table.rowCount where isNull(row) { candidates.append(row) }
            }
        }
        candidates.sort()
        var keys = keys
        if let valueOf {
            // The same value the compiled key gives (the number, the day; nil for a null).
            keys[0] = SortKey(value: { valueOf[$0] }, descending: keys[0].descending)
        }
        return Sorter.sort(candidates, keys: keys, limit: limit, cancelled: cancelled).map { Int32($0) }
    }

    func grouped(_ q: TQuery, _ rows: [Int32], rowPlanner: Planner) -> QueryResult {
        let context = GroupContext(rows: rows, keys: q.groupBy, rowPlanner: rowPlanner, singleGroup: q.groupBy.isEmpty,
                                   table: useIndexes ? store.table(q.collection) : nil)
        let groupPlanner = makePlanner()
        groupPlanner.groupContext = context
        let items = q.select.map { groupPlanner.compile($0.expr) }
        groupPlanner.selectItemCompiled = { items[$0] }
        var groups = Array(0..<context.groupCount)
        if q.groupBy.isEmpty && rows.isEmpty { groups = [0] }
        if !q.groupBy.isEmpty {
            // Groups that tie on every order key (or all groups, without one) come in the
            // order of their keys.
            var keys = q.orderBy.map { SortKey(groupPlanner.compile($0.expr), expr: $0.expr, descending: $0.descending, planner: groupPlanner) }
            for (i, key) in q.groupBy.enumerated() {
                keys.append(SortKey(context.key(i, planner: groupPlanner), expr: key, descending: false, planner: rowPlanner, remap: context.representatives))
            }
            groups = Sorter.sort(groups, keys: keys, limit: q.limit.map { $0 + (q.offset ?? 0) }, cancelled: cancelled)
        }
        groups = window(groups, q)
        let getters = items.map { $0.valueGetter(store: store) }
        return QueryResult(columns: columns(q), rows: resultRows(groups, count: groups.count, getters))
    }

    /// Result rows, stopping early when the statement is cancelled or its result passes
    /// the cell budget (a set counts its elements); the caller then discards them.
    func resultRows<S: Sequence>(_ items: S, count: Int, _ getters: [(Int) -> Value]) -> [[Value]] where S.Element == Int {
        var out: [[Value]] = []
        out.reserveCapacity(count)
        for (i, item) in items.enumerated() {
            if i & 255 == 0, let cancelled, cancelled() { break }
            let row = getters.map { $0(item) }
            if let charge {
                var cells = 0
                for v in row { if case .set(let elements) = v { cells += max(1, elements.count) } else { cells += 1 } }
                if charge(cells) { break }
            }
            out.append(row)
        }
        return out
    }

    func window<T>(_ items: [T], _ q: TQuery) -> [T] {
        let start = min(q.offset ?? 0, items.count)
        let end = q.limit.map { min(items.count, start + $0) } ?? items.count
        return Array(items[start..<end])
    }
}

/// One `order by` key, materialised as an optional integer per item so sorting compares
/// integers: text by pinyin rank, numbers by an order-preserving bit pattern, references
/// by row (rows are in key order).
struct SortKey {
    let value: (Int) -> Int?
    let descending: Bool

    init(_ c: Compiled, expr: TExpr, descending: Bool, planner: Planner, remap: [Int]? = nil) {
        self.descending = descending
        if let (column, baseRow) = planner.textColumnAccess(expr) {
            let ranks = column.dictionary.collationRanks()
            let codes = column.codes
            if let remap {
                // A group key read from each group's first row.
                let b = baseRow ?? { Int32($0) }
                value = { g in let x = b(remap[g]); guard x >= 0 else { return nil }; let code = codes[Int(x)]; return code < 0 ? nil : Int(ranks[Int(code)]) }
            } else if let b = baseRow {
                value = { r in let x = b(r); guard x >= 0 else { return nil }; let code = codes[Int(x)]; return code < 0 ? nil : Int(ranks[Int(code)]) }
            } else {
                value = { r in let code = codes[r]; return code < 0 ? nil : Int(ranks[Int(code)]) }
            }
            return
        }
        switch c {
        case .int(let f): value = f
        case .date(let f): value = { r in f(r).map(Int.init) }
        case .bool(let f): value = { f($0) ? 1 : 0 }
        case .number(let f):
            value = { r in
                guard let d = f(r), !d.isNaN else { return nil }
                let bits = Int64(bitPattern: (d == 0 ? 0.0 : d).bitPattern)
                return Int(bits ^ ((bits >> 63) & Int64.max))
            }
        case .row(_, let f): value = { r in let x = f(r); return x < 0 ? nil : Int(x) }
        case .text(let f):
            // Computed text: rank the distinct values once.
            let dictionary = TextDictionary()
            let cache = Memo<[Int32]>()
            value = { r in
                guard let s = f(r) else { return nil }
                let code = dictionary.intern(s)
                _ = cache
                return Int(code)
            }
            self.rankDictionary = dictionary
            return
        default:
            value = { _ in nil }
        }
    }

    /// For computed text keys: values are dictionary codes to be turned into ranks after
    /// every item's key is known.
    var rankDictionary: TextDictionary?

    init(value: @escaping (Int) -> Int?, descending: Bool) {
        self.value = value
        self.descending = descending
    }

    /// A key of ints, dates or references read from its values for the whole collection
    /// (`Planner+Vectors`): the same integers the row-by-row closures give, nulls as nil.
    static func columnar(_ expr: TExpr, descending: Bool, planner: Planner, table: Table) -> SortKey? {
        guard planner.textColumnAccess(expr) == nil, let produce = planner.vectorValues(expr, table: table) else { return nil }
        switch produce() {
        case .ints(let v):
            return SortKey(value: { let x = v[$0]; return x == IntColumn.null ? nil : x }, descending: descending)
        case .dates(let v):
            return SortKey(value: { let x = v[$0]; return x == DateColumn.null ? nil : Int(x) }, descending: descending)
        case .refs(let v, _):
            return SortKey(value: { let x = v[$0]; return x < 0 ? nil : Int(x) }, descending: descending)
        case .codes:
            return nil
        }
    }
}

enum Sorter {
    /// Sorts items by keys, nulls last in either direction, ties by item (key order).
    /// With a limit, keeps only the first `limit` items.
    static func sort(_ items: [Int], keys: [SortKey], limit: Int?, cancelled: (() -> Bool)? = nil) -> [Int] {
        var stopped = false
        var columns: [[Int?]] = keys.map { key in
            var values: [Int?] = []
            values.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                if i & 255 == 0, !stopped, let cancelled, cancelled() { stopped = true }
                values.append(stopped ? nil : key.value(item))
            }
            return values
        }
        if stopped { return items }
        for (k, key) in keys.enumerated() {
            if let dictionary = key.rankDictionary {
                let ranks = dictionary.collationRanks()
                columns[k] = columns[k].map { $0.map { Int(ranks[$0]) } }
            }
        }
        let descending = keys.map(\.descending)
        func before(_ a: Int, _ b: Int) -> Bool {
            for k in 0..<columns.count {
                let x = columns[k][a], y = columns[k][b]
                if x == y { continue }
                guard let x else { return false }
                guard let y else { return true }
                return descending[k] ? x > y : x < y
            }
            return items[a] < items[b]
        }
        var positions = Array(items.indices)
        if let limit, limit < positions.count / 8, limit <= 1000 {
            positions = topK(positions, limit, before)
        } else {
            positions.sort(by: before)
        }
        return positions.map { items[$0] }
    }

    /// The `k` smallest by `before`, in order: one pass keeping a sorted buffer.
    static func topK(_ positions: [Int], _ k: Int, _ before: (Int, Int) -> Bool) -> [Int] {
        guard k > 0 else { return [] }
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for p in positions {
            if best.count == k, !before(p, best[k - 1]) { continue }
            var low = 0, high = best.count
            while low < high {
                let mid = (low + high) / 2
                if before(p, best[mid]) { high = mid } else { low = mid + 1 }
            }
            best.insert(p, at: low)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
