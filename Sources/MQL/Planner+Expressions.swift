// Compiles checked expressions into closures (`Compiled`). Each `compile` case builds the
// closure for one node kind from its children's closures; special cases for the common
// predicates read column arrays and dictionary codes directly (a text column compared with
// a constant compares Int32 codes; a predicate on one text column is decided once per
// distinct value).

import Engine
import Foundation

/// Thrown by evaluation: the only runtime errors are these.
public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let range: SourceRange
    public var description: String { message }
}

/// A lazily filled per-code answer for a predicate over one text column.
final class CodeAnswers {
    var answers: [UInt8]
    let decide: (String) -> Bool
    /// The same answer from the value's UTF-8 bytes where that is sure to agree (see
    /// `TextMatching`), nil where only `decide` on the String can say: a String per row
    /// through Foundation's search costs microseconds, nearly unique values (addresses)
    /// gain nothing from the memo.
    let decideBytes: ((UnsafeBufferPointer<UInt8>) -> Bool?)?
    let dictionary: TextDictionary
    init(dictionary: TextDictionary, decide: @escaping (String) -> Bool, decideBytes: ((UnsafeBufferPointer<UInt8>) -> Bool?)? = nil) {
        self.dictionary = dictionary
        self.decide = decide
        self.decideBytes = decideBytes
        self.answers = [UInt8](repeating: 0, count: dictionary.count)
    }
    func answer(_ code: Int32) -> Bool {
        if code < 0 { return false }
        let i = Int(code)
        if i >= answers.count { answers += [UInt8](repeating: 0, count: i + 1 - answers.count) }
        if answers[i] == 0 {
            let yes = decideBytes.flatMap { $0(dictionary.bytes(at: i)) } ?? decide(dictionary.string(at: i))
            answers[i] = yes ? 2 : 1
        }
        return answers[i] == 2
    }
}

/// A value computed once per statement on first use (a subquery that does not depend on
/// the current row).
final class Memo<T> {
    // Unchecked exclusivity (here, in `RowMemo` and `WorkCounters`): read per row by the
    // closures of one planner on one thread, never across a call that could read it again
    // (a value is stored after it is computed); the run-time check was a tenth of `mql
    // check` at a million children.
    @exclusivity(unchecked) var value: T?
}

/// Values per row of a collection, each computed on first use. Rows are kept in a hash
/// table while few have been asked for (a statement that reads a define on one row must
/// not allocate for a million), then in arrays indexed by row.
final class RowMemo<V> {
    @exclusivity(unchecked) private var sparse: [Int: V] = [:]
    @exclusivity(unchecked) private var values: [V] = []
    @exclusivity(unchecked) private var known: [UInt64] = []
    private let rowCount: Int
    private let filler: V

    init(rowCount: Int, filler: V) {
        self.rowCount = rowCount
        self.filler = filler
    }

    @inline(__always) func value(_ row: Int, _ compute: (Int) -> V) -> V {
        if !values.isEmpty, row >= 0, row < rowCount {
            let bit: UInt64 = 1 << UInt64(row & 63)
            if known[row >> 6] & bit != 0 { return values[row] }
            let v = compute(row)
            values[row] = v
            known[row >> 6] |= bit
            return v
        }
        if let v = sparse[row] { return v }
        let v = compute(row)
        sparse[row] = v
        // TUNING: past 1/64 of the rows the arrays cost less than the hash table.
        if values.isEmpty, sparse.count > max(64, rowCount >> 6) { promote() }
        return v
    }

    private func promote() {
        values = [V](repeating: filler, count: rowCount)
        known = [UInt64](repeating: 0, count: (rowCount + 63) >> 6)
        for (row, v) in sparse where row >= 0 && row < rowCount {
            values[row] = v
            known[row >> 6] |= 1 << UInt64(row & 63)
        }
        sparse = sparse.filter { $0.key < 0 || $0.key >= rowCount }
    }
}

/// Work done by statements, for tests that assert a computation happens once rather than
/// timing it.
final class WorkCounters: @unchecked Sendable {
    /// Values that do not depend on the row (`max(children select x)`), computed.
    @exclusivity(unchecked) var constantEvaluations = 0
    /// Subqueries and collections read (each call of their row producer).
    @exclusivity(unchecked) var subqueryRuns = 0
    /// A define's body evaluated on one row.
    @exclusivity(unchecked) var defineEvaluations = 0
    /// A define's whole-collection form built (`Planner+Vectors`).
    @exclusivity(unchecked) var definePlans = 0

    func reset() {
        constantEvaluations = 0
        subqueryRuns = 0
        defineEvaluations = 0
        definePlans = 0
    }
}

final class TextCache {
    var values: [String: String] = [:]
}

extension Planner {
    func compile(_ e: TExpr) -> Compiled {
        if isStatementConstant(e) { return statementConstant(e) }
        return compileNode(e)
    }

    /// A value that reads other rows (`max(children select household_income)`,
    /// `count(children) = 5`) but neither the current row nor `outer`: the same for every
    /// row, so computed once per statement wherever it stands (language.md).
    func isStatementConstant(_ e: TExpr) -> Bool {
        switch e.type {
        case .rows, .values, .null: return false
        default: break
        }
        switch e.node {
        case .constant, .this, .outer, .field, .define, .reverse, .collection, .aggregate, .groupKey, .selectItem: return false
        default: break
        }
        return readsCollection(e) && !dependsOnRow(e) && !containsOuter(e)
    }

    private func readsCollection(_ e: TExpr) -> Bool {
        switch e.node {
        case .subquery, .collection: return true
        case .constant, .this, .outer, .field, .define, .reverse, .aggregate, .groupKey, .selectItem: return false
        case .list(let items): return items.contains(where: readsCollection)
        case .unary(_, let x), .isNull(let x, _): return readsCollection(x)
        case .binary(_, let a, let b): return readsCollection(a) || readsCollection(b)
        case .between(let a, let b, let c, _): return readsCollection(a) || readsCollection(b) || readsCollection(c)
        case .call(_, let args): return args.contains(where: readsCollection)
        }
    }

    /// Shared by every part of the statement that compiles the same node (the row-by-row
    /// filter, its vector form, `MQL_CHECK_VECTORS`), so it is computed once in all.
    private func statementConstant(_ e: TExpr) -> Compiled {
        let key = ObjectIdentifier(e)
        if let done = caches.constants[key] { return done }
        let once = Self.computedOnce(compileNode(e), counters: caches.counters)
        caches.constants[key] = once
        return once
    }

    static func computedOnce(_ c: Compiled, counters: WorkCounters) -> Compiled {
        func once<T>(_ f: @escaping (Int) -> T) -> (Int) -> T {
            let memo = Memo<T>()
            return { r in
                if let v = memo.value { return v }
                counters.constantEvaluations += 1
                let v = f(r)
                memo.value = v
                return v
            }
        }
        switch c {
        case .bool(let f): return .bool(once(f))
        case .int(let f): return .int(once(f))
        case .number(let f): return .number(once(f))
        case .text(let f): return .text(once(f))
        case .date(let f): return .date(once(f))
        case .duration(let f): return .duration(once(f))
        case .textSet(let f): return .textSet(once(f))
        case .row(let t, let f): return .row(t, once(f))
        case .list(let items): return .list(items.map { computedOnce($0, counters: counters) })
        case .null, .rows, .values: return c
        }
    }

    func compileNode(_ e: TExpr) -> Compiled {
        switch e.node {
        case .constant(let v): return constant(v)
        case .list(let items): return .list(items.map(compile))
        case .this:
            guard case .row(let c) = e.type else { return .null }
            return .row(c) { Int32($0) }
        case .outer:
            guard case .row(let c) = e.type, let box = outerRows.last else { return .null }
            return .row(c) { _ in Int32(box.row) }
        case .field(let base, let table, let field): return compileField(base: base, table: table, field: field)
        case .define(let base, let info): return compileDefine(base: base, info: info)
        case .reverse(let base, let source, let field): return compileReverse(base: base, source: source, field: field)
        case .collection(let name):
            let count = store.table(name)!.rowCount
            let counters = caches.counters
            let poll = caches.scanPoll
            return .rows(name) { _, visit in
                counters.subqueryRuns += 1
                for start in stride(from: 0, to: count, by: 4096) {
                    if poll.shouldStop(beforeScanning: min(4096, count - start)) { return false }
                    for row in start..<min(count, start + 4096) where !visit(Int32(row)) { return false }
                }
                return true
            }
        case .subquery(let sub): return compileSubquery(sub)
        case .unary(.not, let x):
            let f = compile(x).asBool
            return .bool { !f($0) }
        case .unary(.negate, let x):
            let site = faultSite(e)
            switch compile(x) {
            case .int(let f):
                return .int { r in
                    guard let v = f(r) else { return nil }
                    // -Int.min is not an Int (and Int.min is the stored null).
                    guard v != Int.min else { site.integerOverflow("-"); return nil }
                    return -v
                }
            case .number(let f): return .number { r in f(r).map { -$0 } }
            default: return .null
            }
        case .binary(let op, let l, let r): return compileBinary(op, l, r, type: e.type, site: faultSite(e))
        case .isNull(let x, let negated):
            let isNull = nullTest(compile(x))
            return negated ? .bool { !isNull($0) } : .bool(isNull)
        case .between(let x, let lo, let hi, let negated):
            let low = comparison(.greaterOrEqual, x, lo)
            let high = comparison(.lessOrEqual, x, hi)
            if negated {
                let isNull = nullTest(compile(x))
                return .bool { r in !isNull(r) && !(low(r) && high(r)) }
            }
            return .bool { r in low(r) && high(r) }
        case .call(let builtin, let args): return compileCall(builtin, args, type: e.type, range: e.range)
        case .aggregate(let f, let argument): return groupContext?.aggregate(f, argument, planner: self, site: faultSite(e)) ?? .null
        case .groupKey(let i): return groupContext?.key(i, planner: self) ?? .null
        case .selectItem(let i): return selectItemCompiled?(i) ?? .null
        }
    }

    func constant(_ v: Value) -> Compiled {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool { _ in b }
        case .int(let i): return .int { _ in i }
        case .number(let d): return .number { _ in d }
        case .text(let s): return .text { _ in s }
        case .date(let d): return .date { _ in d }
        case .duration(let d): return .duration { _ in d }
        case .set(let s): return .textSet { _ in .literal(s) }
        }
    }

    /// The constant an expression folds to, if it does not depend on any row.
    func constantValue(_ e: TExpr) -> Value? {
        switch e.node {
        case .constant(let v): return v
        case .call(.today, _): return .date(today)
        default: return nil
        }
    }

    // MARK: - Fields, defines, references

    /// The row a base expression designates, as a closure (nil = the current row itself).
    func rowFunction(_ base: TExpr) -> ((Int) -> Int32)? {
        if case .this = base.node { return nil }
        if case .row(_, let f) = compile(base) { return f }
        return { _ in -1 }
    }

    func compileField(base: TExpr, table tableName: String, field: Int) -> Compiled {
        let table = store.table(tableName)!
        let baseRow = rowFunction(base)
        if readsFewRows { return compileFieldByRow(table.columns[field], baseRow) }
        switch table.columns[field] {
        case .int(let c):
            let values = c.values
            if let b = baseRow {
                return .int { r in let row = b(r); if row < 0 { return nil }; let v = values[Int(row)]; return v == IntColumn.null ? nil : v }
            }
            return .int { r in let v = values[r]; return v == IntColumn.null ? nil : v }
        case .date(let c):
            let values = c.values
            if let b = baseRow {
                return .date { r in let row = b(r); if row < 0 { return nil }; let v = values[Int(row)]; return v == DateColumn.null ? nil : v }
            }
            return .date { r in let v = values[r]; return v == DateColumn.null ? nil : v }
        case .text(let c):
            let codes = c.codes
            let dictionary = c.dictionary
            if let b = baseRow {
                return .text { r in let row = b(r); if row < 0 { return nil }; let code = codes[Int(row)]; return code < 0 ? nil : dictionary.string(at: Int(code)) }
            }
            return .text { r in let code = codes[r]; return code < 0 ? nil : dictionary.string(at: Int(code)) }
        case .textSet(let c):
            if let b = baseRow {
                return .textSet { r in let row = b(r); return row < 0 ? nil : .stored(c, Int(row)) }
            }
            return .textSet { r in .stored(c, r) }
        case .reference(let c):
            let rows = c.rows
            if let b = baseRow {
                return .row(c.target) { r in let row = b(r); return row < 0 ? -1 : rows[Int(row)] }
            }
            return .row(c.target) { r in rows[r] }
        }
    }

    /// A field read one row at a time, for a few rows: a column still in the snapshot is
    /// not read whole, only the blocks holding the rows asked for.
    func compileFieldByRow(_ column: Column, _ baseRow: ((Int) -> Int32)?) -> Compiled {
        let at: (Int) -> Int = baseRow.map { b in { Int(b($0)) } } ?? { $0 }
        switch column {
        case .int(let c):
            return .int { r in let row = at(r); if row < 0 { return nil }; let v = c.value(at: row); return v == IntColumn.null ? nil : v }
        case .date(let c):
            return .date { r in let row = at(r); if row < 0 { return nil }; let v = c.value(at: row); return v == DateColumn.null ? nil : v }
        case .text(let c):
            return .text { r in let row = at(r); return row < 0 ? nil : c.text(at: row) }
        case .textSet(let c):
            return .textSet { r in let row = at(r); return row < 0 ? nil : .stored(c, row) }
        case .reference(let c):
            return .row(c.target) { r in let row = at(r); return row < 0 ? -1 : c.row(at: row) }
        }
    }

    /// For a text field (directly or through references): its column and the row function.
    func textColumnAccess(_ e: TExpr) -> (TextColumn, ((Int) -> Int32)?)? {
        guard case .field(let base, let tableName, let field) = e.node,
              case .text(let column) = store.table(tableName)!.columns[field] else { return nil }
        return (column, rowFunction(base))
    }

    func setColumnAccess(_ e: TExpr) -> (SetColumn, ((Int) -> Int32)?)? {
        guard case .field(let base, let tableName, let field) = e.node,
              case .textSet(let column) = store.table(tableName)!.columns[field] else { return nil }
        return (column, rowFunction(base))
    }

    func compileDefine(base: TExpr, info: DefineInfo) -> Compiled {
        let body = compiledDefine(info)
        guard let b = rowFunction(base) else { return body }
        switch body {
        case .bool(let f): return .bool { r in let row = b(r); return row < 0 ? false : f(Int(row)) }
        case .int(let f): return .int { r in let row = b(r); return row < 0 ? nil : f(Int(row)) }
        case .number(let f): return .number { r in let row = b(r); return row < 0 ? nil : f(Int(row)) }
        case .text(let f): return .text { r in let row = b(r); return row < 0 ? nil : f(Int(row)) }
        case .date(let f): return .date { r in let row = b(r); return row < 0 ? nil : f(Int(row)) }
        case .duration(let f): return .duration { r in let row = b(r); return row < 0 ? nil : f(Int(row)) }
        case .textSet(let f): return .textSet { r in let row = b(r); return row < 0 ? nil : f(Int(row)) }
        case .row(let c, let f): return .row(c) { r in let row = b(r); return row < 0 ? -1 : f(Int(row)) }
        case .rows(let c, let p): return .rows(c) { r, visit in let row = b(r); return row < 0 ? true : p(Int(row), visit) }
        case .values(let p, let element): return .values({ r, visit in let row = b(r); return row < 0 ? true : p(Int(row), visit) }, element)
        case .list, .null: return body.remapped { r in Int(b(r)) }
        }
    }

    /// A define's body, compiled once per statement.
    func compiledDefine(_ info: DefineInfo) -> Compiled {
        let key = ObjectIdentifier(info)
        // Already computed for the whole collection by the filter: read it.
        if let whole = caches.vectors.compiled(key) { return whole }
        if let done = caches.defines[key] { return done }
        // For a few rows, neither the define for every row of its collection nor its fields
        // read whole: row by row.
        if readsFewRows, let done = caches.fewRowDefines[key] { return done }
        if !readsFewRows, let whole = wholeCollectionDefine(info) { return whole }
        guard let typed = info.typed else { return .null }
        // A fresh planner: a define's body never sees the enclosing query's groups.
        let planner = Planner(store: store, catalog: catalog, today: today, caches: caches)
        planner.source = info.file
        planner.readsFewRows = readsFewRows
        let compiled = planner.compile(typed)
        let body = Self.oncePerRow(compiled, rowCount: store.table(info.collection)?.rowCount ?? 0, counters: caches.counters)
        if readsFewRows { caches.fewRowDefines[key] = body } else { caches.defines[key] = body }
        return body
    }

    /// A define's body computed at most once per row in a statement, however many places
    /// read it (`d2 = d1 + d1` would otherwise double the work at every level).
    static func oncePerRow(_ c: Compiled, rowCount: Int, counters: WorkCounters) -> Compiled {
        func once<T>(_ f: @escaping (Int) -> T, _ filler: T) -> (Int) -> T {
            let memo = RowMemo<T>(rowCount: rowCount, filler: filler)
            return { r in memo.value(r) { counters.defineEvaluations += 1; return f($0) } }
        }
        switch c {
        case .bool(let f): return .bool(once(f, false))
        case .int(let f): return .int(once(f, nil))
        case .number(let f): return .number(once(f, nil))
        case .text(let f): return .text(once(f, nil))
        case .date(let f): return .date(once(f, nil))
        case .duration(let f): return .duration(once(f, nil))
        case .textSet(let f): return .textSet(once(f, nil))
        case .row(let t, let f): return .row(t, once(f, -1))
        case .null, .rows, .values, .list: return c
        }
    }

    func compileReverse(base: TExpr, source: String, field: Int) -> Compiled {
        if readsFewRows, findsReferrersByPass, let table = store.table(source), !table.hasCachedPostings(field: field) {
            return compileReverseByPass(base: base, table: table, field: field)
        }
        let postings = store.table(source)!.postings(field: field)
        let offsets = postings.offsets
        let rows = postings.rows
        let keyCount = postings.keyCount
        let b = rowFunction(base) ?? { Int32($0) }
        return .rows(source) { r, visit in
            let target = Int(b(r))
            guard target >= 0 && target < keyCount else { return true }
            var i = Int(offsets[target])
            let end = Int(offsets[target + 1])
            while i < end {
                if !visit(rows[i]) { return false }
                i += 1
            }
            return true
        }
    }

    /// The rows of `table` whose reference `field` points at the base row, for a few base
    /// rows in a process that makes one change (`findsReferrersByPass`): each target's rows
    /// found without building the column's index (`Table.rowsReferring`: the snapshot's
    /// postings, else one pass over the column), in row order, and kept for the next base
    /// row with that target; past a few passes the column's index is built after all (a pass
    /// per target would cost more).
    func compileReverseByPass(base: TExpr, table: Table, field: Int) -> Compiled {
        final class Found {
            @exclusivity(unchecked) var byTarget: [Int32: [Int32]] = [:]
            @exclusivity(unchecked) var postings: Postings?
        }
        // TUNING: a pass over 700k references is about a fiftieth of building their index.
        let passes = 8
        let found = Found()
        let b = rowFunction(base) ?? { Int32($0) }
        return .rows(table.name) { r, visit in
            let target = b(r)
            guard target >= 0 else { return true }
            if found.postings == nil, found.byTarget[target] == nil, found.byTarget.count >= passes, !table.hasReadyPostings(field: field) {
                found.postings = table.postings(field: field)
            }
            if let postings = found.postings {
                guard Int(target) < postings.keyCount else { return true }
                for row in postings.rows(for: Int(target)) where !visit(row) { return false }
                return true
            }
            let rows: [Int32]
            if let known = found.byTarget[target] {
                rows = known
            } else {
                rows = table.rowsReferring(field: field, toAny: [target])
                found.byTarget[target] = rows
            }
            for row in rows where !visit(row) { return false }
            return true
        }
    }

    func compileSubquery(_ sub: TSubquery) -> Compiled {
        // A subquery ranges over its own rows, however few the enclosing rows are: its
        // filter reads whole columns (`streets select count(children where …)` read each
        // child's status block by block, 6× slower).
        let readsFewEnclosingRows = readsFewRows
        readsFewRows = false
        defer { readsFewRows = readsFewEnclosingRows }
        let usesOuter = sub.filter.map(containsOuter) == true || sub.select.map(containsOuter) == true
        let box = OuterRow()
        if usesOuter { outerRows.append(box) }
        defer { if usesOuter { outerRows.removeLast() } }
        var source: RowsProducer
        if case .collection(let name) = sub.source.node, let filter = sub.filter {
            let table = store.table(name)!
            if !usesOuter {
                // A subquery over a whole collection that does not depend on the row: plan
                // it like a top-level query (indexes included) and compute it once.
                let plan = planFilter(filter, table: table)
                let memo = Memo<[Int32]>()
                source = { _, visit in
                    if memo.value == nil { memo.value = plan.run() }
                    for row in memo.value! where !visit(row) { return false }
                    return true
                }
            } else {
                source = correlatedSource(filter, table: table, box: box)
            }
        } else {
            // In the check of one change, the rows referring to a few enclosing rows
            // (`mother.pairings where active`) are read row by row and found without the
            // column's index. Elsewhere the filter reads whole columns, as above (a street's
            // children are a tenth of a million).
            if readsFewEnclosingRows, findsReferrersByPass, case .reverse = sub.source.node { readsFewRows = true }
            guard case .rows(_, let p) = compile(sub.source) else { return .null }
            if let filter = sub.filter {
                let f = compile(filter).asBool
                source = usesOuter
                    ? { r, visit in box.row = r; return p(r) { row in f(Int(row)) ? visit(row) : true } }
                    : { r, visit in p(r) { row in f(Int(row)) ? visit(row) : true } }
            } else {
                source = p
            }
        }
        let counters = caches.counters
        let unCounted = source
        source = { r, visit in counters.subqueryRuns += 1; return unCounted(r, visit) }
        if let limit = sub.limit {
            let inner = source
            source = { r, visit in
                var n = 0
                if limit == 0 { return true }
                return inner(r) { row in
                    n += 1
                    if !visit(row) { return false }
                    return n < limit
                } || n >= limit
            }
        }
        if let select = sub.select {
            let element = compile(select)
            if usesOuter {
                let inner = source
                return .values({ r, visit in inner(r) { row in box.row = r; return visit(row) } }, element)
            }
            return .values(source, element)
        }
        return .rows(sub.collection, source)
    }

    /// A subquery over a whole collection whose condition reads the enclosing row
    /// (`children where name = outer.name`). When a conjunct equates a stored field with a
    /// value of the enclosing row, the field's index finds the candidates for each
    /// enclosing row (an index nested loop) instead of scanning the collection every time.
    func correlatedSource(_ filter: TExpr, table: Table, box: OuterRow) -> RowsProducer {
        let parts = conjuncts(filter)
        for (i, part) in parts.enumerated() {
            guard case .binary(.equal, let l, let r) = part.node else { continue }
            var field: Int?
            var probe: TExpr?
            if let f = directField(l, table: table), containsOuter(r), !dependsOnRow(r) { field = f; probe = r }
            else if let f = directField(r, table: table), containsOuter(l), !dependsOnRow(l) { field = f; probe = l }
            guard let field, let probe, let lookup = keyLookup(field: field, probe: probe, table: table) else { continue }
            var residual: ((Int) -> Bool)?
            for (k, other) in parts.enumerated() where k != i {
                let f = compile(other).asBool
                if let previous = residual { residual = { previous($0) && f($0) } } else { residual = f }
            }
            return { r, visit in
                box.row = r
                for row in lookup() {
                    if let residual, !residual(Int(row)) { continue }
                    if !visit(row) { return false }
                }
                return true
            }
        }
        let f = compile(filter).asBool
        let count = table.rowCount
        let poll = caches.scanPoll
        return { r, visit in
            box.row = r
            for start in stride(from: 0, to: count, by: 4096) {
                if poll.shouldStop(beforeScanning: min(4096, count - start)) { return false }
                for row in start..<min(count, start + 4096) where f(row) && !visit(Int32(row)) { return false }
            }
            return true
        }
    }

    /// Rows whose `field` equals the probe's current value, through an index.
    func keyLookup(field: Int, probe: TExpr, table: Table) -> (() -> ArraySlice<Int32>)? {
        if case .text(let column) = table.columns[field], let (probeColumn, probeRow) = textColumnAccess(probe),
           probeColumn.dictionary === column.dictionary, let probeRow {
            // The enclosing row's value is a code of the same dictionary: look it up as is.
            let postings = table.postings(field: field)
            let codes = probeColumn.codes
            return {
                let row = probeRow(0)
                guard row >= 0 else { return [] }
                let code = codes[Int(row)]
                return code < 0 ? [] : postings.rows(for: Int(code))
            }
        }
        switch (table.columns[field], compile(probe)) {
        case (.text(let column), .text(let value)):
            let postings = table.postings(field: field)
            let dictionary = column.dictionary
            return {
                guard let v = value(0), let code = dictionary.code(of: v) else { return [] }
                return postings.rows(for: Int(code))
            }
        case (.reference, .row(_, let value)):
            let postings = table.postings(field: field)
            return {
                let target = value(0)
                return target < 0 ? [] : postings.rows(for: Int(target))
            }
        case (.int, .int(let value)):
            let index = table.sortedIndex(field: field)
            return {
                guard let v = value(0) else { return [] }
                let positions = index.positions(lower: v, upper: v)
                return ArraySlice(index.rows[positions].sorted())
            }
        default:
            return nil
        }
    }

    func nullTest(_ c: Compiled) -> (Int) -> Bool {
        switch c {
        case .null: return { _ in true }
        case .bool: return { _ in false }
        case .int(let f): return { f($0) == nil }
        case .number(let f): return { f($0) == nil }
        case .text(let f): return { f($0) == nil }
        case .date(let f): return { f($0) == nil }
        case .duration(let f): return { f($0) == nil }
        case .textSet(let f): return { f($0) == nil }
        case .row(_, let f): return { f($0) < 0 }
        case .rows, .values, .list: return { _ in false }
        }
    }
}
