// Reading one row's cells, as they appear in a dataset file, into typed values — shared by
// the loader, by changes (`insert`, `update`) and by imports, so a value means the same
// wherever it comes from. Cells are bytes in the data.md formats (dates YYYY-MM-DD or
// YYYY-MM, sets joined with `;`, references by key, a community within the row's street).

/// A cell read into its column's representation: text already interned in the column's
/// dictionary, a reference already resolved to the target's row.
public enum ParsedCell: Equatable, Sendable {
    case null
    case int(Int)
    case date(Int32)
    case code(Int32)
    case codes([Int32])
    case reference(Int32)
}

public struct RowProblems: Error, Sendable {
    public let messages: [String]
}

public struct RowParser {
    let table: Table
    let tables: [String: Table]
    /// Fields in parsing order: a community after the street it is resolved in.
    let order: [Int]
    let streetField: Int?

    public init(table: Table, tables: [String: Table]) {
        self.table = table
        self.tables = tables
        let fields = table.schema.fields
        order = fields.indices.filter { fields[$0].scopedBy == nil } + fields.indices.filter { fields[$0].scopedBy != nil }
        streetField = table.schema.fieldIndex("street")
    }

    /// Parses one cell per field into `values` (nil or empty = null; an empty set cell is
    /// the empty set). Returns the problems, empty when the row is good.
    public func parse(_ cells: [UnsafeBufferPointer<UInt8>?], into values: inout [ParsedCell]) -> [String] {
        var problems: [String] = []
        for fieldIndex in order {
            let field = table.schema.fields[fieldIndex]
            guard let bytes = cells[fieldIndex], bytes.count > 0 else {
                if field.required { problems.append(EngineMessage.emptyRequiredField(field.name)) }
                values[fieldIndex] = field.type == .textSet ? .codes([]) : .null
                continue
            }
            var streetRow: Int32 = -1
            if field.scopedBy != nil, let s = streetField, case .reference(let row) = values[s] { streetRow = row }
            switch parseCell(fieldIndex, bytes, streetRow: streetRow, streetText: streetField.flatMap { cells[$0] }) {
            case .success(let v): values[fieldIndex] = v
            case .failure(let p): problems.append(contentsOf: p.messages)
            }
        }
        return problems
    }

    /// Parses cells given as text by field name (a change or a test's given row).
    public func parse(texts: [String: String]) -> Result<[ParsedCell], RowProblems> {
        var storage: [UInt8] = []
        var ranges = [Range<Int>?](repeating: nil, count: table.schema.fields.count)
        for (name, text) in texts {
            guard let i = table.schema.fieldIndex(name) else { return .failure(RowProblems(messages: [EngineMessage.unknownField(name, table.name)])) }
            let start = storage.count
            storage.append(contentsOf: text.utf8)
            ranges[i] = start..<storage.count
        }
        var values = [ParsedCell](repeating: .null, count: table.schema.fields.count)
        let problems = storage.withUnsafeBufferPointer { buffer in
            parse(ranges.map { $0.map { UnsafeBufferPointer(rebasing: buffer[$0]) } }, into: &values)
        }
        return problems.isEmpty ? .success(values) : .failure(RowProblems(messages: problems))
    }

    /// Parses one field's text.
    public func parseCell(_ fieldIndex: Int, text: String, streetRow: Int32, streetText: String?) -> Result<ParsedCell, RowProblems> {
        var text = text, street = streetText ?? ""
        return text.withUTF8 { bytes in
            street.withUTF8 { streetBytes in
                parseCell(fieldIndex, bytes, streetRow: streetRow, streetText: streetText == nil ? nil : streetBytes)
            }
        }
    }

    public func parseCell(_ fieldIndex: Int, _ bytes: UnsafeBufferPointer<UInt8>, streetRow: Int32, streetText: UnsafeBufferPointer<UInt8>?) -> Result<ParsedCell, RowProblems> {
        let field = table.schema.fields[fieldIndex]
        func fail(_ message: String) -> Result<ParsedCell, RowProblems> { .failure(RowProblems(messages: [message])) }
        let text = { String(decoding: bytes, as: UTF8.self) }
        switch table.columns[fieldIndex] {
        case .int:
            let isID = fieldIndex == 0 && table.isKeyedByID
            guard let value = Self.parseInt(bytes) else {
                // All digits, just too many of them: say so rather than "bad int".
                if isID, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 || $0 == 0x2D }) { return fail(Self.idOutOfRange(text())) }
                return fail(EngineMessage.badInt(text(), field.name))
            }
            if isID, !(1...ProgrammeSchema.maximumID).contains(value) { return fail(Self.idOutOfRange(text())) }
            return .success(.int(value))
        case .date:
            guard let day = CivilDate.parse(bytes, allowMonth: field.acceptsMonth) else {
                let form = field.acceptsMonth ? "YYYY-MM-DD or YYYY-MM" : "YYYY-MM-DD"
                return fail(EngineMessage.badDate(text(), field.name, form))
            }
            return .success(.date(day))
        case .text(let column):
            return .success(.code(column.dictionary.intern(bytes)))
        case .textSet(let column):
            var codes: [Int32] = []
            var start = bytes.startIndex
            var i = bytes.startIndex
            while i <= bytes.endIndex {
                if i == bytes.endIndex || bytes[i] == 0x3B {
                    var a = start, b = i
                    while a < b && (bytes[a] == 0x20 || bytes[a] == 0x09) { a += 1 }
                    while b > a && (bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09) { b -= 1 }
                    if a < b { codes.append(column.dictionary.intern(UnsafeBufferPointer(rebasing: bytes[a..<b]))) }
                    start = i + 1
                }
                i += 1
            }
            return .success(.codes(codes))
        case .reference(let column):
            guard let target = tables[column.target] else { return fail(EngineMessage.noCollectionToResolve(column.target, field.name)) }
            if let scope = field.scopedBy {
                guard streetRow >= 0 else {
                    return fail(EngineMessage.referenceNeedsScope(field.name, text(), scope))
                }
                guard let row = target.row(name: bytes, scope: streetRow) else {
                    return fail(EngineMessage.unknownReferenceInScope(field.name, text(), scope, streetText.map { String(decoding: $0, as: UTF8.self) } ?? ""))
                }
                return .success(.reference(row))
            }
            guard let row = target.row(keyBytes: bytes) else {
                return fail(EngineMessage.unknownReferenceKey(field.name, text(), column.target))
            }
            return .success(.reference(row))
        }
    }

    /// Why an id is refused: ids are whole numbers from 1 to `ProgrammeSchema.maximumID`.
    public static func idOutOfRange(_ text: String) -> String {
        EngineMessage.idOutOfRange(text, ProgrammeSchema.maximumID)
    }

    public static func parseInt<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        guard !bytes.isEmpty else { return nil }
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
            // Columns still in the snapshot are appended to without being read.
            case (.int(let c), .int(let v)): c.append(v)
            case (.int(let c), _): c.append(IntColumn.null)
            case (.date(let c), .date(let v)): c.append(v)
            case (.date(let c), _): c.append(DateColumn.null)
            case (.text(let c), .code(let v)): c.append(v)
            case (.text(let c), _): c.append(TextColumn.null)
            case (.textSet(let c), .codes(let v)): c.append(v)
            case (.textSet(let c), _): c.append([])
            case (.reference(let c), .reference(let v)): c.append(v)
            case (.reference(let c), _): c.append(RefColumn.null)
            }
        }
        rowCount += 1
    }

    /// Sets one field of one row.
    public func set(row: Int, field: Int, _ value: ParsedCell) {
        if hasCachedIndex(field: field) { updateLog.append((Int32(row), field, currentValue(row: row, field: field))) }
        switch (columns[field], value) {
        // Columns still in the snapshot are set without being read.
        case (.int(let c), .int(let v)): c.set(row, v)
        case (.int(let c), _): c.set(row, IntColumn.null)
        case (.date(let c), .date(let v)): c.set(row, v)
        case (.date(let c), _): c.set(row, DateColumn.null)
        case (.text(let c), .code(let v)): c.set(row, v)
        case (.text(let c), _): c.set(row, TextColumn.null)
        case (.reference(let c), .reference(let v)): c.set(row, v)
        case (.reference(let c), _): c.set(row, RefColumn.null)
        case (.textSet(let c), let v):
            if case .codes(let codes) = v { c.replace(row: row, with: codes) } else { c.replace(row: row, with: []) }
        }
    }
}

extension Table {
    /// The row whose key is `bytes`: an id, or a street's name.
    func row<C: Collection>(keyBytes bytes: C) -> Int32? where C.Element == UInt8, C.Index == Int {
        if isKeyedByID {
            return RowParser.parseInt(bytes).flatMap { row(id: $0) }.map { Int32($0) }
        }
        guard case .text(let names) = column(named: "name")!, let code = names.dictionary.code(ofBytes: bytes) else { return nil }
        return rowOfNameCode(code)
    }

    /// A community's row by its name within a street's row.
    func row(name bytes: UnsafeBufferPointer<UInt8>, scope: Int32) -> Int32? {
        guard case .text(let names) = column(named: "name")!, let code = names.dictionary.code(of: bytes),
              case .reference(let streets) = column(named: "street")! else { return nil }
        for row in postings(field: schema.fieldIndex("name")!).rows(for: Int(code)) where streets.rows[Int(row)] == scope {
            return row
        }
        return nil
    }

    func rowOfNameCode(_ code: Int32) -> Int32? {
        postings(field: schema.fieldIndex("name")!).rows(for: Int(code)).first
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
