// Key lookups run again: a query that finds rows by key and shows stored fields of its
// collection (`children where id = 777`, `mothers where id between 100 and 105`), once
// its checked form is in the statement cache, is planned once and answered straight from
// the key index and the columns — no planner, no compiled getters, no filter plan.
//
// Why: such a statement takes microseconds, and run among statements that read whole
// columns its time was the processor's caches refilling for everything the general path
// touches on its way to one row (the evaluator's caches, the planner, a closure compiled
// per item, the filter plan). This path touches the key index and one cell per column.
//
// It gives what the general path gives (`Evaluator.ungrouped` with the rows of the key
// index, `Planner.keyRange`; the items read row by row, `Planner.compileFieldByRow` and
// `Compiled.valueGetter`): the same rows in row order, null for a stored null, a reference
// as its target's id or key text, a set as its elements. Nothing is kept but the shape
// (the collection, the ids, the fields): the rows and the columns are found in the store
// each time, so a change to the data cannot make it stale.

import Engine

struct KeyLookup {
    let collection: String
    /// The ids asked for: `lower...upper` (none when `upper < lower`).
    let lower: Int
    let upper: Int
    /// The stored field each result column shows.
    let fields: [Int]
    let columns: [ResultColumn]

    /// TUNING: the general path reads a result of up to 256 rows row by row (a few blocks
    /// of a column still in the snapshot) and a larger one by whole columns; this path
    /// reads row by row, so it takes ranges of at most that many ids.
    static let maximumIDs = 256

    /// The key lookup `q` is, or nil when it is anything else (another filter, grouping,
    /// order, a window, an item other than a stored field of the collection).
    static func make(_ q: TQuery, store: Store, columns: () -> [ResultColumn]) -> KeyLookup? {
        guard !q.grouped, q.groupBy.isEmpty, q.orderBy.isEmpty, q.limit == nil, q.offset == nil, !q.select.isEmpty,
              let filter = q.filter, let table = store.table(q.collection), table.isKeyedByID else { return nil }
        func isID(_ e: TExpr) -> Bool {
            guard case .field(let base, let name, let field) = e.node, case .this = base.node, name == table.name,
                  field < table.schema.fields.count else { return false }
            return table.schema.fields[field].name == "id"
        }
        func whole(_ e: TExpr) -> Int? {
            if case .constant(.int(let i)) = e.node { return i }
            return nil
        }
        let lower: Int, upper: Int
        switch filter.node {
        case .binary(.equal, let l, let r):
            if isID(l), let k = whole(r) { (lower, upper) = (k, k) } else if isID(r), let k = whole(l) { (lower, upper) = (k, k) } else { return nil }
        case .between(let x, let lo, let hi, false):
            guard isID(x), let a = whole(lo), let b = whole(hi) else { return nil }
            (lower, upper) = (a, b)
            if upper >= lower {
                let (width, overflow) = upper.subtractingReportingOverflow(lower)
                guard !overflow, width < maximumIDs else { return nil }
            }
        default:
            return nil
        }
        var fields: [Int] = []
        for item in q.select {
            guard case .field(let base, let name, let field) = item.expr.node, case .this = base.node, name == table.name,
                  field < table.columns.count else { return nil }
            fields.append(field)
        }
        return KeyLookup(collection: table.name, lower: lower, upper: upper, fields: fields, columns: columns())
    }

    /// The result, or nil when the store no longer has the collection as planned (the
    /// caller then takes the general path). `charge` counts the result's cells as the
    /// general path does (a set a cell per element, at least one); once it says the
    /// statement's budget is spent the rows built are dropped, as there.
    func run(store: Store, charge: ((Int) -> Bool)?) -> QueryResult? {
        guard let table = store.table(collection), table.isKeyedByID, fields.allSatisfy({ $0 < table.columns.count }) else { return nil }
        var rows: [Int] = []
        if lower == upper {
            if let row = table.row(id: lower) { rows.append(row) }
        } else if lower < upper {
            for id in lower...upper { if let row = table.row(id: id) { rows.append(row) } }
            // Rows are in key order, except rows a change appended until the table is reordered.
            rows.sort()
        }
        // Each column found once, and a reference's target with the column its key is read from.
        let readers = fields.map { field -> Reader in
            let column = table.columns[field]
            guard case .reference(let refs) = column, let target = store.table(refs.target) else { return .stored(column) }
            if target.isKeyedByID, case .int(let ids) = target.columns[0] { return .id(refs, ids) }
            if !target.isKeyedByID, case .text(let names)? = target.column(named: "name") { return .keyText(refs, names) }
            return .keyOf(refs, target)
        }
        var out: [[Value]] = []
        out.reserveCapacity(rows.count)
        for row in rows {
            var cells = 0
            let values = [Value](unsafeUninitializedCapacity: readers.count) { buffer, count in
                for (i, reader) in readers.enumerated() {
                    let v = reader.value(row)
                    if case .set(let elements) = v { cells += max(1, elements.count) } else { cells += 1 }
                    (buffer.baseAddress! + i).initialize(to: v)
                }
                count = readers.count
            }
            if let charge, charge(cells) { break }
            out.append(values)
        }
        return QueryResult(columns: columns, rows: out)
    }

    /// How one result column is read: a stored value, or a reference shown as its target's
    /// key (`Compiled.valueGetter` of a row: the id, else the key text).
    enum Reader {
        case stored(Column)
        case id(RefColumn, IntColumn)
        case keyText(RefColumn, TextColumn)
        case keyOf(RefColumn, Table)

        /// One cell, read alone (a column still in the snapshot gives the block holding it).
        func value(_ row: Int) -> Value {
            switch self {
            case .stored(let column):
                switch column {
                case .int(let c): let x = c.value(at: row); return x == IntColumn.null ? .null : .int(x)
                case .date(let c): let x = c.value(at: row); return x == DateColumn.null ? .null : .date(x)
                case .text(let c): return c.text(at: row).map(Value.text) ?? .null
                case .textSet(let c): return .set(c.texts(at: row))
                case .reference: return .null  // never: references are read through their target
                }
            case .id(let refs, let ids):
                let target = refs.row(at: row)
                return target < 0 ? .null : .int(ids.value(at: Int(target)))
            case .keyText(let refs, let names):
                let target = refs.row(at: row)
                return target < 0 ? .null : .text(names.text(at: Int(target)) ?? "")
            case .keyOf(let refs, let table):
                let target = refs.row(at: row)
                return target < 0 ? .null : .text(table.keyText(row: Int(target)))
            }
        }
    }
}
