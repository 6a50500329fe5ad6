// Reading one row's cells, as they appear in a dataset file, into typed values — shared by
// the loader, by changes (`insert`, `update`) and by imports, so a value means the same
// wherever it comes from. Cells are bytes in the data.md formats (dates YYYY-MM-DD or
// YYYY-MM, sets joined with `;`, references by key, a community within the row's street).

public enum ParsedCell: Equatable, Sendable {
    case null
    case int(Int)
    case date(Int32)
    case text(String)
    case set([String])
    case reference(Int32)
}

public struct RowProblems: Error, Sendable {
    public let messages: [String]
}

public struct RowParser {
    let schema: CollectionSchema
    let tables: [String: Table]

    public init(schema: CollectionSchema, tables: [String: Table]) {
        self.schema = schema
        self.tables = tables
    }

    /// Parses one cell per field (nil or empty = null; an empty set cell = the empty set).
    public func parse(_ cells: [ArraySlice<UInt8>?], street: String?) -> Result<[ParsedCell], RowProblems> {
        var values = [ParsedCell](repeating: .null, count: schema.fields.count)
        var problems: [String] = []
        for (fieldIndex, field) in schema.fields.enumerated() {
            let bytes = cells[fieldIndex] ?? []
            if bytes.isEmpty {
                if field.required { problems.append("empty \(field.name)") }
                values[fieldIndex] = field.type == .textSet ? .set([]) : .null
                continue
            }
            switch parseCell(field, bytes, street: street) {
            case .success(let v): values[fieldIndex] = v
            case .failure(let p): problems.append(contentsOf: p.messages)
            }
        }
        return problems.isEmpty ? .success(values) : .failure(RowProblems(messages: problems))
    }

    public func parseCell(_ field: FieldSchema, _ bytes: ArraySlice<UInt8>, street: String?) -> Result<ParsedCell, RowProblems> {
        func fail(_ message: String) -> Result<ParsedCell, RowProblems> { .failure(RowProblems(messages: [message])) }
        let text = { String(decoding: bytes, as: UTF8.self) }
        switch field.type {
        case .int:
            guard let value = Self.parseInt(bytes) else { return fail("bad int '\(text())' in column \(field.name)") }
            return .success(.int(value))
        case .date:
            guard let day = CivilDate.parse(bytes, allowMonth: field.acceptsMonth) else {
                let form = field.acceptsMonth ? "YYYY-MM-DD or YYYY-MM" : "YYYY-MM-DD"
                return fail("bad date '\(text())' in column \(field.name) (expected \(form))")
            }
            return .success(.date(day))
        case .text:
            return .success(.text(text()))
        case .textSet:
            let elements = bytes.split(separator: 0x3B).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
            return .success(.set(elements.filter { !$0.isEmpty }))
        case .reference(let target):
            let key = text()
            guard let targetTable = tables[target] else { return fail("no collection \(target) to resolve \(field.name) '\(key)' in") }
            if let scope = field.scopedBy {
                guard let street, !street.isEmpty else { return fail("\(field.name) '\(key)' needs a \(scope) to be resolved in") }
                let candidates = targetTable.rows(keyText: key).filter { targetTable.keyTextOfScope(row: Int($0)) == street }
                guard let row = candidates.first else { return fail("unknown \(field.name) '\(key)' in \(scope) '\(street)'") }
                return .success(.reference(row))
            }
            guard let row = targetTable.rows(keyText: key).first else {
                return fail("unknown \(field.name) '\(key)' (no such key in \(target))")
            }
            return .success(.reference(row))
        }
    }

    public static func parseInt(_ bytes: ArraySlice<UInt8>) -> Int? {
        var i = bytes.startIndex
        var negative = false
        if bytes[i] == 0x2D { negative = true; i += 1 }
        guard i < bytes.endIndex, bytes.endIndex - i <= 18 else { return nil }
        var value = 0
        while i < bytes.endIndex {
            let b = bytes[i]
            guard b >= 48 && b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
            i += 1
        }
        return negative ? -value : value
    }
}

extension Table {
    /// Appends a parsed row (no key order or index maintenance: see `finishChanges`).
    public func append(_ values: [ParsedCell]) {
        for (fieldIndex, value) in values.enumerated() {
            switch (columns[fieldIndex], value) {
            case (.int(let c), .int(let v)): c.values.append(v)
            case (.int(let c), _): c.values.append(IntColumn.null)
            case (.date(let c), .date(let v)): c.values.append(v)
            case (.date(let c), _): c.values.append(DateColumn.null)
            case (.text(let c), .text(let v)): c.codes.append(c.dictionary.intern(v))
            case (.text(let c), _): c.codes.append(TextColumn.null)
            case (.textSet(let c), .set(let v)): c.append(v.map { c.dictionary.intern($0) })
            case (.textSet(let c), _): c.append([])
            case (.reference(let c), .reference(let v)): c.rows.append(v)
            case (.reference(let c), _): c.rows.append(RefColumn.null)
            }
        }
        rowCount += 1
    }

    /// Sets one field of one row.
    public func set(row: Int, field: Int, _ value: ParsedCell) {
        switch (columns[field], value) {
        case (.int(let c), .int(let v)): c.values[row] = v
        case (.int(let c), _): c.values[row] = IntColumn.null
        case (.date(let c), .date(let v)): c.values[row] = v
        case (.date(let c), _): c.values[row] = DateColumn.null
        case (.text(let c), .text(let v)): c.codes[row] = c.dictionary.intern(v)
        case (.text(let c), _): c.codes[row] = TextColumn.null
        case (.reference(let c), .reference(let v)): c.rows[row] = v
        case (.reference(let c), _): c.rows[row] = RefColumn.null
        case (.textSet(let c), let v):
            let codes: [Int32]
            if case .set(let items) = v { codes = items.map { c.dictionary.intern($0) } } else { codes = [] }
            c.replace(row: row, with: codes)
        }
    }
}

extension SetColumn {
    /// Replaces one row's elements (shifting the rows after it).
    func replace(row: Int, with codes: [Int32]) {
        let start = Int(offsets[row]), end = Int(offsets[row + 1])
        elements.replaceSubrange(start..<end, with: codes)
        let delta = Int32(codes.count - (end - start))
        if delta != 0 { for r in (row + 1)..<offsets.count { offsets[r] += delta } }
    }
}
