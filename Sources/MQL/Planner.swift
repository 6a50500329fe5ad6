// The planner: chooses how a query's rows are found and compiles every expression of a
// statement into closures (see `Planner+Expressions.swift`).
//
// Row selection: the `where` clause is split into its `and`-ed conjuncts. A conjunct that
// compares a stored field of the collection with a constant can be answered by an index:
//   text = c, text in [..]            posting list of the text column
//   ref = key, ref in [..]            posting list of the reference column (reverse index)
//   "x" in set, set contains "x"      posting list of the set's elements
//   int/date (= < <= > >=) c, between sorted index
//   id = n                            the key index
// The conjunct with the fewest rows drives the scan; every other conjunct is evaluated on
// the rows it yields. Without such a conjunct the collection is scanned in row order.

import Engine

/// The row of an enclosing query, set by a subquery before it visits its rows.
final class OuterRow {
    var row = -1
}

final class CompileCaches {
    var defines: [ObjectIdentifier: Compiled] = [:]
    /// Defines compiled to read their fields row by row (`Planner.readsFewRows`), kept
    /// apart so that a scan of the same statement does not take them.
    var fewRowDefines: [ObjectIdentifier: Compiled] = [:]
    /// Where closures report values they cannot represent (see `EvaluationFaults`).
    let faults = EvaluationFaults.current ?? EvaluationFaults()
    /// Values of the statement that do not depend on the row, by node (see
    /// `Planner.isStatementConstant`).
    var constants: [ObjectIdentifier: Compiled] = [:]
    var counters = WorkCounters()
    var cancelled: (() -> Bool)? {
        didSet { scanPoll.cancelled = cancelled }
    }
    /// Rows scanned by every loop of the statement, for loops too short to poll on their own.
    let scanPoll = ScanPoll()
    /// Defines computed for a whole collection at once (see `Planner+Vectors`).
    let vectors = VectorCache()
    /// False for full scans (`useIndexes = false`): no define is computed for a whole
    /// collection ahead of its rows (`Planner.wholeCollectionDefine`).
    var wholeCollectionDefines = true
    /// False to evaluate correlated subqueries by searching per row (the property test's
    /// reference for `Planner+Decorrelation`).
    var decorrelate = true
    /// Correlated subqueries' collections grouped by their keys (`Planner+Decorrelation`).
    let correlated = CorrelatedCache()
    /// See `Planner.findsReferrersByPass`.
    var findsReferrersByPass = false
}

/// Polls the statement's cancellation by rows scanned across all its loops. A subquery over
/// a small collection never reaches a loop's own polling interval, yet run for each row of
/// an enclosing subquery (and that one for each row of its own) it can take minutes; and
/// once stopped, every loop returns at its next step, so nested loops unwind at once
/// rather than each running to its end.
final class ScanPoll {
    var cancelled: (() -> Bool)?
    private var rowsSincePoll = 0
    private(set) var stopped = false

    /// True when the statement must stop; called before scanning `rows` rows.
    func shouldStop(beforeScanning rows: Int) -> Bool {
        if stopped { return true }
        guard let cancelled else { return false }
        rowsSincePoll &+= rows
        // TUNING: as often as a long scan polls (every 4,096 rows).
        guard rowsSincePoll >= 4096 else { return false }
        rowsSincePoll = 0
        stopped = cancelled()
        return stopped
    }
}

public final class Planner {
    let store: Store
    let catalog: Catalog
    let today: Int32
    let caches: CompileCaches
    /// Set while compiling the select and order of a grouped query.
    var groupContext: GroupContext?
    /// Set while compiling `order by` of an ungrouped query (a key naming a select item).
    var selectItemCompiled: ((Int) -> Compiled)?
    /// For plan output: the text of a conjunct.
    var source: SourceFile?
    /// The enclosing rows of the subqueries being compiled, innermost last (`outer`).
    var outerRows: [OuterRow] = []
    /// Polled by long scans (see `Session.cancellationCheck`); shared with the planners of
    /// the statement's defines and subqueries, so their loops stop too.
    var cancelled: (() -> Bool)? {
        get { caches.cancelled }
        set { caches.cancelled = newValue }
    }

    /// Where a closure compiled for `e` reports an unrepresentable value.
    func faultSite(_ e: TExpr) -> FaultSite {
        FaultSite(log: caches.faults, file: source, range: e.range)
    }

    /// True when more statements are expected to follow (a REPL, a script file, stdin): a
    /// sorted index built on first use then pays for itself over the statements that
    /// follow. False for a single `mql -c` statement and for the checks, which scan instead.
    var buildsSortedIndexOnFirstUse = false

    /// True while compiling what is read of a few rows only (the select items of a small
    /// result): fields are then read row by row, so a column still in the snapshot gives
    /// the blocks holding those rows instead of being read whole (`compileFieldByRow`).
    var readsFewRows = false

    /// True for the check of a change in a process that makes one change: the rows that
    /// refer to a few rows are found by a pass over the reference column, not by building
    /// its index for changes that will not follow (`compileReverseByPass`).
    var findsReferrersByPass: Bool {
        get { caches.findsReferrersByPass }
        set { caches.findsReferrersByPass = newValue }
    }

    init(store: Store, catalog: Catalog, today: Int32, caches: CompileCaches = CompileCaches()) {
        self.store = store
        self.catalog = catalog
        self.today = today
        self.caches = caches
    }

    /// One way to find candidate rows through an index.
    struct IndexChoice {
        let description: String
        let estimate: Int
        let rows: () -> [Int32]
        /// Work per row to list them in row order (a range or several keys are merged).
        var listCost = 1
    }

    /// Rows in row order, merging unsorted pieces: by sorting when few, through a bitset
    /// when many.
    static func inRowOrder<S: Sequence>(_ rows: S, count: Int, tableRows: Int) -> [Int32] where S.Element == Int32 {
        if count * 64 < tableRows { return rows.sorted() }
        var bits = RowBits(count: tableRows)
        for row in rows { bits.insert(Int(row)) }
        return bits.rows()
    }

    struct FilterPlan {
        let table: Table
        let driver: IndexChoice?
        let residual: ((Int) -> Bool)?
        let residualText: [String]
        /// Polled while rows are filtered; when it says so the scan stops early (the caller
        /// then discards the statement, see `Session.cancellationCheck`).
        var cancelled: (() -> Bool)? = nil
        /// The whole condition for all rows at once, when that beats the driver (see
        /// `Planner+Vectors`); the same rows either way.
        var vector: (() -> RowBits)? = nil

        /// Rows that pass, in row order.
        func run() -> [Int32] {
            if let vector { return vector().rows() }
            var result: [Int32] = []
            if let driver {
                let candidates = driver.rows()
                guard let residual else { return candidates }
                result.reserveCapacity(candidates.count)
                for (i, row) in candidates.enumerated() {
                    // TUNING: every 256 rows keeps Ctrl-C prompt even when each row runs a subquery.
                    if i & 255 == 0, let cancelled, cancelled() { return result }
                    if residual(Int(row)) { result.append(row) }
                }
                return result
            }
            let count = table.rowCount
            guard let residual else { return (0..<Int32(count)).map { $0 } }
            for row in 0..<count {
                if row & 255 == 0, let cancelled, cancelled() { return result }
                if residual(row) { result.append(Int32(row)) }
            }
            return result
        }

        var readEstimate: Int { driver?.estimate ?? table.rowCount }

        /// How many rows pass, without listing them where that can be avoided.
        func count() -> Int {
            if let vector { return vector().cardinality }
            if let driver, residual == nil { return driver.estimate }
            if driver == nil, residual == nil { return table.rowCount }
            return run().count
        }
    }

    func conjuncts(_ e: TExpr) -> [TExpr] {
        if case .binary(.and, let l, let r) = e.node { return conjuncts(l) + conjuncts(r) }
        return [e]
    }

    func describe(_ e: TExpr) -> String {
        source.map { $0.text(of: e.range) } ?? "condition"
    }

    func planFilter(_ filter: TExpr?, table: Table, useIndexes: Bool = true) -> FilterPlan {
        guard let filter else { return FilterPlan(table: table, driver: nil, residual: nil, residualText: []) }
        let parts = conjuncts(filter)
        var best: (index: Int, choice: IndexChoice)?
        // An index not built yet costs a sort of the column, or a pass that groups its rows
        // by value; on a large collection a pass over the column for the whole condition
        // costs less, so a statement run once (`mql -c`'s) does not pay for an index it
        // uses once (`count children where street = "布吉"`: 14 ms building the street's
        // postings from the snapshot's column, against a pass of about 1 ms).
        let scanInstead = useIndexes && !buildsSortedIndexOnFirstUse && table.rowCount >= Self.sortedIndexBuildRows && vectorBits(filter, table: table) != nil
        if useIndexes {
            for (i, part) in parts.enumerated() {
                if scanInstead, readsIndexNotBuilt(part, table: table) { continue }
                if let choice = indexChoice(part, table: table), best == nil || choice.estimate < best!.choice.estimate {
                    best = (i, choice)
                }
            }
        }
        let rest = parts.enumerated().filter { $0.offset != best?.index }.map(\.element)
        var residual: ((Int) -> Bool)?
        for part in rest {
            let f = compile(part).asBool
            if let previous = residual { residual = { previous($0) && f($0) } } else { residual = f }
        }
        var plan = FilterPlan(table: table, driver: best?.choice, residual: residual, residualText: rest.map(describe), cancelled: cancelled)
        // The condition over all rows at once (`Planner+Vectors`) when that is less work
        // than visiting the driver's rows and testing the rest of it on each.
        if useIndexes, residual != nil || best == nil, let form = vectorBits(filter, table: table) {
            let byDriver = (best?.choice.estimate ?? table.rowCount) * rest.reduce(best?.choice.listCost ?? 1) { $0 + rowCost($1) }
            if form.cost < byDriver { plan.vector = form.make }
        }
        return plan
    }

    /// TUNING: from this many rows a column pass (on both cores) beats sorting the column
    /// for an index that one statement uses once. A constant, not `Parallel.minimumItems`
    /// (which tests lower while other tests compare plans' text).
    static let sortedIndexBuildRows = 1 << 17

    /// The int or date field whose sorted index `indexChoice` would read for a conjunct.
    func sortedIndexField(_ e: TExpr, table: Table) -> Int? {
        var field: Int?
        switch e.node {
        case .binary(let op, let l, let r) where op.isComparison:
            if constantValue(r) != nil { field = directField(l, table: table) } else if constantValue(l) != nil { field = directField(r, table: table) }
            if let f = field, op == .equal, table.schema.fields[f].name == "id", table.isKeyedByID { return nil }
        case .between(let x, let lo, let hi, false):
            field = directField(x, table: table)
            if let f = field, let a = constantValue(lo), let b = constantValue(hi),
               let low = orderedKey(a, field: f, table: table), let high = orderedKey(b, field: f, table: table),
               isSmallKeyRange(field: f, lower: low, upper: high, table: table) { return nil }
        default:
            return nil
        }
        guard let f = field else { return nil }
        switch table.columns[f] {
        case .int, .date: return f
        default: return nil
        }
    }

    /// Whether the index `indexChoice` would read for a conjunct is still to be built.
    func readsIndexNotBuilt(_ e: TExpr, table: Table) -> Bool {
        // An index in the snapshot is at hand: a few of its blocks answer (SnapshotIndexes.swift).
        if let field = sortedIndexField(e, table: table) { return !table.hasReadySortedIndex(field: field) }
        if let field = postingsField(e, table: table) { return !table.hasReadyPostings(field: field) }
        return false
    }

    /// The text, set or reference field whose postings `indexChoice` would read for a
    /// conjunct (equality with a constant, a list of constants, an element of a set).
    func postingsField(_ e: TExpr, table: Table) -> Int? {
        switch e.node {
        case .binary(.equal, let l, let r):
            guard let field = constantValue(r) != nil ? directField(l, table: table) : constantValue(l) != nil ? directField(r, table: table) : nil
            else { return nil }
            switch table.columns[field] {
            case .text, .reference: return field  // `street = "布吉"`: a reference to a street by its name
            default: return nil
            }
        case .binary(.in, let l, let r):
            if let field = directField(l, table: table), case .list = r.node {
                switch table.columns[field] {
                case .text, .reference: return field
                default: return nil
                }
            }
            if let field = directField(r, table: table), case .textSet = table.columns[field], constantValue(l) != nil { return field }
            return nil
        case .binary(.contains, let l, let r):
            if let field = directField(l, table: table), case .textSet = table.columns[field], constantValue(r) != nil { return field }
            return nil
        default:
            return nil
        }
    }

    /// The field of the current row that an expression reads directly, if any.
    func directField(_ e: TExpr, table: Table) -> Int? {
        guard case .field(let base, let name, let field) = e.node, case .this = base.node, name == table.name else { return nil }
        return field
    }

    func indexChoice(_ e: TExpr, table: Table) -> IndexChoice? {
        let text = describe(e)
        switch e.node {
        case .binary(let op, let l, let r) where op.isComparison:
            if let field = directField(l, table: table), let c = constantValue(r) {
                return comparisonIndex(op, field: field, constant: c, table: table, text: text)
            }
            if let field = directField(r, table: table), let c = constantValue(l) {
                return comparisonIndex(op.mirrored, field: field, constant: c, table: table, text: text)
            }
        case .binary(.in, let l, let r):
            if let field = directField(l, table: table), case .list(let items) = r.node {
                let constants = items.compactMap { constantValue($0) }
                guard constants.count == items.count else { return nil }
                return listIndex(field: field, constants: constants, table: table, text: text)
            }
            if let field = directField(r, table: table), case .text(let s)? = constantValue(l) {
                return setIndex(field: field, element: s, table: table, text: text)
            }
        case .binary(.contains, let l, let r):
            if let field = directField(l, table: table), l.type == .textSet, case .text(let s)? = constantValue(r) {
                return setIndex(field: field, element: s, table: table, text: text)
            }
        case .between(let x, let lo, let hi, false):
            if let field = directField(x, table: table), let a = constantValue(lo), let b = constantValue(hi),
               let low = orderedKey(a, field: field, table: table), let high = orderedKey(b, field: field, table: table) {
                if let keys = keyRange(field: field, lower: low, upper: high, table: table, text: text) { return keys }
                return rangeIndex(field: field, lower: low, upper: high, table: table, text: text)
            }
        default:
            break
        }
        return nil
    }

    /// TUNING: a range of at most this many ids is looked up id by id in the key index.
    static let keyRangeLookups = 4096

    /// `id between a and b` over a few ids: each id looked up in the key index (which every
    /// keyed collection has), so no sorted index of the ids is built and no column scanned.
    func keyRange(field: Int, lower: Int, upper: Int, table: Table, text: String) -> IndexChoice? {
        guard isSmallKeyRange(field: field, lower: lower, upper: upper, table: table) else { return nil }
        var rows: [Int32] = []
        if lower <= upper {
            for id in lower...upper { if let row = table.row(id: id) { rows.append(Int32(row)) } }
            rows.sort()
        }
        return IndexChoice(description: "KEY id (\(text))", estimate: rows.count) { rows }
    }

    func isSmallKeyRange(field: Int, lower: Int, upper: Int, table: Table) -> Bool {
        guard table.schema.fields[field].name == "id", table.isKeyedByID else { return false }
        let (width, overflow) = upper.subtractingReportingOverflow(lower)
        return upper < lower || (!overflow && width < Self.keyRangeLookups)
    }

    /// An int or date constant as the sorted index's key type.
    func orderedKey(_ v: Value, field: Int, table: Table) -> Int? {
        switch (table.columns[field], v) {
        case (.int, .int(let i)): return i
        case (.date, .date(let d)): return Int(d)
        default: return nil
        }
    }

    func comparisonIndex(_ op: BinaryOperator, field: Int, constant: Value, table: Table, text: String) -> IndexChoice? {
        let name = table.schema.fields[field].name
        switch table.columns[field] {
        case .text(let column):
            guard op == .equal, case .text(let s) = constant else { return nil }
            let code = column.dictionary.code(of: s).map(Int.init) ?? -1
            return IndexChoice(description: "INDEX \(name) (\(text))", estimate: table.postingsCount(field: field, key: code)) {
                table.postingsRows(field: field, key: code)
            }
        case .reference(let column):
            guard op == .equal, let target = store.table(column.target) else { return nil }
            return listIndex(field: field, constants: [constant], table: table, text: text, targetTable: target)
        case .int, .date:
            guard let key = orderedKey(constant, field: field, table: table) else { return nil }
            if name == "id", op == .equal, table.isKeyedByID {
                let row = table.row(id: key)
                return IndexChoice(description: "KEY id (\(text))", estimate: row == nil ? 0 : 1) { row.map { [Int32($0)] } ?? [] }
            }
            switch op {
            case .equal: return rangeIndex(field: field, lower: key, upper: key, table: table, text: text)
            case .less: return rangeIndex(field: field, lower: nil, upper: key, upperStrict: true, table: table, text: text)
            case .lessOrEqual: return rangeIndex(field: field, lower: nil, upper: key, table: table, text: text)
            case .greater: return rangeIndex(field: field, lower: key, lowerStrict: true, upper: nil, table: table, text: text)
            case .greaterOrEqual: return rangeIndex(field: field, lower: key, upper: nil, table: table, text: text)
            default: return nil
            }
        case .textSet:
            return nil
        }
    }

    func rangeIndex(field: Int, lower: Int?, lowerStrict: Bool = false, upper: Int?, upperStrict: Bool = false,
                    table: Table, text: String) -> IndexChoice {
        let positions = table.sortedPositions(field: field, lower: lower, lowerStrict: lowerStrict, upper: upper, upperStrict: upperStrict)
        let name = table.schema.fields[field].name
        var choice = IndexChoice(description: "RANGE \(name) (\(text))", estimate: positions.count) {
            Self.inRowOrder(table.sortedRows(field: field, positions: positions), count: positions.count, tableRows: table.rowCount)
        }
        choice.listCost = 8
        return choice
    }

    func listIndex(field: Int, constants: [Value], table: Table, text: String, targetTable: Table? = nil) -> IndexChoice? {
        let name = table.schema.fields[field].name
        var keys: [Int] = []
        switch table.columns[field] {
        case .text(let column):
            keys = constants.compactMap { v -> Int? in
                if case .text(let s) = v { return column.dictionary.code(of: s).map(Int.init) }
                return nil
            }
        case .reference(let column):
            let target = targetTable ?? store.table(column.target)!
            keys = constants.flatMap { target.rows(keyText: $0.description).map(Int.init) }
        default:
            return nil
        }
        let unique = Array(Set(keys)).sorted()
        let estimate = unique.reduce(0) { $0 + table.postingsCount(field: field, key: $1) }
        var choice = IndexChoice(description: "INDEX \(name) (\(text))", estimate: estimate) {
            if unique.count == 1 { return table.postingsRows(field: field, key: unique[0]) }
            return Self.inRowOrder(unique.lazy.flatMap { table.postingsRows(field: field, key: $0) }, count: estimate, tableRows: table.rowCount)
        }
        if unique.count > 1 { choice.listCost = 8 }
        return choice
    }

    func setIndex(field: Int, element: String, table: Table, text: String) -> IndexChoice? {
        guard case .textSet(let column) = table.columns[field] else { return nil }
        let code = column.dictionary.code(of: element).map(Int.init) ?? -1
        let name = table.schema.fields[field].name
        return IndexChoice(description: "INDEX \(name) (\(text))", estimate: table.postingsCount(field: field, key: code)) {
            table.postingsRows(field: field, key: code)
        }
    }
}
