// Result rows of many selected rows whose items are stored fields of the collection
// itself (`children where … select id, status, household_size`): each column is read for
// all the rows at once, in row order, then the rows are put together. Reading one column
// at a time is a tight loop whose loads the processor overlaps (the selected rows are
// scattered over a million, so each read misses the cache), where a closure per cell per
// row waited for one miss at a time; text is decoded once per distinct value. With
// enough rows, both cores each build a part of the rows.
//
// The values are those the row-by-row getters give (`Compiled.valueGetter` of
// `Planner.compileField`): null for the stored null, `.int`, `.date`, `.text`.

import Engine

extension Evaluator {
    /// TUNING: from this many rows each column is read for all the rows before the rows
    /// are put together; fewer are read row by row from the same columns.
    static let columnwiseMinimumRows = 512

    /// The result rows of `rows`, or nil when an item is not a stored field of the
    /// collection itself (int, date, text; a set of tags for a few rows).
    func columnwiseRows(_ q: TQuery, _ rows: [Int32], table: Table) -> [[Value]]? {
        guard !rows.isEmpty, !q.select.isEmpty else { return nil }
        var readers: [ColumnReader] = []
        let few = rows.count < Self.columnwiseMinimumRows
        for item in q.select {
            guard case .field(let base, let tableName, let field) = item.expr.node, case .this = base.node,
                  tableName == table.name, field < table.columns.count else { return nil }
            if few {
                // Cell by cell through the column, which reads a column still in the snapshot
                // block by block (`children where id = 777` reads a few blocks of each column).
                switch table.columns[field] {
                case .int(let c): readers.append(.intCell(c))
                case .date(let c): readers.append(.dateCell(c))
                case .text(let c): readers.append(.textCell(c))
                case .textSet(let c): readers.append(.set(c))
                default: return nil
                }
                continue
            }
            switch table.columns[field] {
            case .int(let c): readers.append(.int(c.values))
            case .date(let c): readers.append(.date(c.values))
            case .text(let c):
                // Decoded once here for a small dictionary; a large one is read by code (its
                // storage made ready now, before any worker reads it).
                let dictionary = c.dictionary
                if dictionary.count <= min(Self.decodedDictionaryLimit, rows.count) {
                    readers.append(.decoded(c.codes, (0..<dictionary.count).map { Value.text(dictionary.string(at: $0)) }))
                } else {
                    if dictionary.count > 0 { _ = dictionary.string(at: 0) }
                    readers.append(.text(c.codes, dictionary))
                }
            default:
                // A set of many rows among them: the row-by-row getters, which charge its
                // elements row by row.
                return nil
            }
        }
        if let cancelled, cancelled() { return [] }
        if rows.count < Self.columnwiseMinimumRows {
            let built = Self.rowByRow(rows, readers)
            if let charge {
                // A set is a cell per element (at least one).
                var cells = 0
                for row in built { for v in row { if case .set(let elements) = v { cells += max(1, elements.count) } else { cells += 1 } } }
                if charge(cells) { return [] }
            }
            return built
        }
        // Every cell is one cell (no sets here): the budget is charged at once.
        if let charge, charge(rows.count * readers.count) { return [] }
        let ranges = Parallel.ranges(rows.count, workers: Parallel.workers(for: rows.count * readers.count * 4))
        let parts: [[[Value]]] = rows.withUnsafeBufferPointer { selected in
            let box = UncheckedBox(selected)
            return Parallel.map(ranges) { range in Self.buildRows(box.value, range, readers) }
        }
        if parts.count == 1 { return parts[0] }
        var out: [[Value]] = []
        out.reserveCapacity(rows.count)
        for part in parts { out += part }
        return out
    }

    /// TUNING: up to this many distinct texts every value is decoded up front (cheaper than
    /// decoding the same status or street for every row).
    static let decodedDictionaryLimit = 4096

    enum ColumnReader {
        case int([Int])
        case date([Int32])
        case decoded([Int32], [Value])
        case text([Int32], TextDictionary)
        case set(SetColumn)
        case intCell(IntColumn)
        case dateCell(DateColumn)
        case textCell(TextColumn)

        @inline(__always) func value(_ row: Int) -> Value {
            switch self {
            case .intCell(let c): let x = c.value(at: row); return x == IntColumn.null ? .null : .int(x)
            case .dateCell(let c): let x = c.value(at: row); return x == DateColumn.null ? .null : .date(x)
            case .textCell(let c): return c.text(at: row).map(Value.text) ?? .null
            case .int(let v): let x = v[row]; return x == IntColumn.null ? .null : .int(x)
            case .date(let v): let x = v[row]; return x == DateColumn.null ? .null : .date(x)
            case .decoded(let codes, let texts): let code = codes[row]; return code < 0 ? .null : texts[Int(code)]
            case .text(let codes, let dictionary): let code = codes[row]; return code < 0 ? .null : .text(dictionary.string(at: Int(code)))
            case .set(let c): return .set(c.texts(at: row))
            }
        }
    }

    /// Few rows: each cell read straight from its column.
    static func rowByRow(_ rows: [Int32], _ readers: [ColumnReader]) -> [[Value]] {
        let width = readers.count
        return rows.map { row in
            [Value](unsafeUninitializedCapacity: width) { buffer, count in
                for c in 0..<width { (buffer.baseAddress! + c).initialize(to: readers[c].value(Int(row))) }
                count = width
            }
        }
    }

    static func buildRows(_ selected: UnsafeBufferPointer<Int32>, _ range: Range<Int>, _ readers: [ColumnReader]) -> [[Value]] {
        let n = range.count
        let columns: [[Value]] = readers.map { reader in
            var out = [Value](repeating: .null, count: n)
            out.withUnsafeMutableBufferPointer { o in
                switch reader {
                case .int(let values):
                    values.withUnsafeBufferPointer { v in
                        for i in 0..<n { let x = v[Int(selected[range.lowerBound + i])]; if x != IntColumn.null { o[i] = .int(x) } }
                    }
                case .date(let values):
                    values.withUnsafeBufferPointer { v in
                        for i in 0..<n { let x = v[Int(selected[range.lowerBound + i])]; if x != DateColumn.null { o[i] = .date(x) } }
                    }
                case .decoded(let codes, let texts):
                    codes.withUnsafeBufferPointer { c in
                        texts.withUnsafeBufferPointer { t in
                            for i in 0..<n { let code = c[Int(selected[range.lowerBound + i])]; if code >= 0 { o[i] = t[Int(code)] } }
                        }
                    }
                case .text(let codes, let dictionary):
                    codes.withUnsafeBufferPointer { c in
                        for i in 0..<n { let code = c[Int(selected[range.lowerBound + i])]; if code >= 0 { o[i] = .text(dictionary.string(at: Int(code))) } }
                    }
                case .set, .intCell, .dateCell, .textCell:  // few rows only (`columnwiseRows`)
                    for i in 0..<n { o[i] = reader.value(Int(selected[range.lowerBound + i])) }
                }
            }
            return out
        }
        let width = columns.count
        var rows: [[Value]] = []
        rows.reserveCapacity(n)
        for i in 0..<n {
            rows.append([Value](unsafeUninitializedCapacity: width) { buffer, count in
                for c in 0..<width { (buffer.baseAddress! + c).initialize(to: columns[c][i]) }
                count = width
            })
        }
        return rows
    }
}

/// The compiled select items of a query, each compiled on first use.
final class CompiledItems {
    private let exprs: [TExpr]
    /// The planner whose `selectItemCompiled` reads these (it outlives every call).
    private unowned let planner: Planner
    private var compiled: [Compiled?]
    /// Compiled to read their fields row by row (`Planner.readsFewRows`): a result of a few rows.
    private let readsFewRows: Bool

    init(_ exprs: [TExpr], planner: Planner, readsFewRows: Bool) {
        self.exprs = exprs
        self.planner = planner
        self.readsFewRows = readsFewRows
        compiled = Array(repeating: nil, count: exprs.count)
    }

    subscript(i: Int) -> Compiled {
        if let done = compiled[i] { return done }
        let before = planner.readsFewRows
        planner.readsFewRows = readsFewRows
        defer { planner.readsFewRows = before }
        let c = planner.compile(exprs[i])
        compiled[i] = c
        return c
    }
}
