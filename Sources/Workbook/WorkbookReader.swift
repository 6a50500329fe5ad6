// Reading a workbook as people fill it in, within a budget: the container is read by
// ZipReader, every part is unpacked with a cap on its size (the sizes a zip declares are
// checked first, and the stream is cut at the cap, since they can lie), and
// parsed with Foundation's XMLParser, refusing a DOCTYPE (no entity expansion). Cells
// come typed: shared strings, inline strings (WPS and other writers use them), numbers,
// booleans, and dates — a number whose style is a date format, in the 1900 system or
// the 1904 one. Formulas are never evaluated: a formula cell gives its saved value, or
// is refused when it has none. Anything malformed gives a WorkbookError, never a crash.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// How much a workbook may take when read.
public struct WorkbookBudget: Sendable {
    /// The .xlsx file itself.
    public var fileBytes = 64 << 20
    /// One part, unpacked.
    public var partBytes = 128 << 20
    /// All the parts read, unpacked.
    public var totalBytes = 256 << 20
    /// Cells of the sheet (merged areas filled count too).
    public var cells = 2_000_000

    public init() {}
}

/// A row of a sheet: its number and its cells from column A (missing ones empty).
public struct SheetRow: Equatable, Sendable {
    public let number: Int
    public var cells: [CellValue]

    public init(number: Int, cells: [CellValue]) {
        self.number = number
        self.cells = cells
    }
}

/// A sheet's content: the rows that have cells, in order, and its merged areas.
public struct SheetContent: Equatable, Sendable {
    public let name: String
    public var rows: [SheetRow]
    public let merged: [CellRange]

    public func cell(_ ref: CellReference) -> CellValue {
        guard let row = rows.first(where: { $0.number == ref.row }), ref.column <= row.cells.count else { return .empty }
        return row.cells[ref.column - 1]
    }

    /// Every cell of a merged area holds the area's value (a 社区 merged down the rows of
    /// its children, a title across the columns), within the extent of the sheet's cells.
    public func fillingMergedCells(budget: Int = WorkbookBudget().cells) throws -> SheetContent {
        guard !merged.isEmpty else { return self }
        let lastRow = rows.last?.number ?? 0
        let lastColumn = rows.map(\.cells.count).max() ?? 0
        var byNumber: [Int: [CellValue]] = [:]
        for row in rows { byNumber[row.number] = row.cells }
        var cellCount = rows.reduce(0) { $0 + $1.cells.count }
        for area in merged {
            let value = byNumber[area.first.row].flatMap { area.first.column <= $0.count ? $0[area.first.column - 1] : nil } ?? .empty
            guard value != .empty, area.first.row <= lastRow, area.first.column <= lastColumn else { continue }
            for r in area.first.row...min(area.last.row, lastRow) {
                var cells = byNumber[r] ?? []
                let width = min(area.last.column, lastColumn)
                if cells.count < width {
                    cellCount += width - cells.count
                    if cellCount > budget { throw WorkbookError.sheetTooLarge(sheet: name, limit: budget) }
                    cells += [CellValue](repeating: .empty, count: width - cells.count)
                }
                for c in area.first.column...width { cells[c - 1] = value }
                byNumber[r] = cells
            }
        }
        var out = self
        out.rows = byNumber.keys.sorted().map { SheetRow(number: $0, cells: byNumber[$0]!) }
        return out
    }
}

public enum WorkbookReader {
    static let oleMagic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    /// Whether bytes are a legacy .xls (an OLE2 compound file, as Excel 97–2003 wrote).
    public static func isLegacyExcel(_ bytes: [UInt8]) -> Bool { bytes.starts(with: oleMagic) }

    /// Whether bytes are a zip archive (an .xlsx, whatever its name says).
    public static func isZip(_ bytes: [UInt8]) -> Bool { bytes.starts(with: zipMagic) }

    /// The names of the sheets, in order.
    public static func sheetNames(_ bytes: [UInt8], budget: WorkbookBudget = WorkbookBudget()) throws -> [String] {
        var package = try Package(bytes, budget: budget)
        return try package.workbook().sheets.map(\.name)
    }

    /// The first sheet, or the one named (exactly, else ignoring case).
    public static func read(_ bytes: [UInt8], sheet wanted: String? = nil, budget: WorkbookBudget = WorkbookBudget()) throws -> SheetContent {
        var package = try Package(bytes, budget: budget)
        let book = try package.workbook()
        guard !book.sheets.isEmpty else { throw WorkbookError.noSheets }
        let chosen: WorkbookPart.Sheet
        if let wanted {
            guard let found = book.sheets.first(where: { $0.name == wanted })
                    ?? book.sheets.first(where: { $0.name.lowercased() == wanted.lowercased() }) else {
                throw WorkbookError.noSuchSheet(name: wanted, available: book.sheets.map(\.name))
            }
            chosen = found
        } else {
            chosen = book.sheets[0]
        }
        guard let target = book.targets[chosen.relationship] else { throw WorkbookError.missingPart("worksheet of sheet \(chosen.name)") }
        let shared: [String]
        if let path = book.sharedStringsPath, package.has(path) {
            let parser = SharedStringsPart()
            try package.parse(path, parser)
            shared = parser.items
        } else {
            shared = []
        }
        var dateStyles: Set<Int> = []
        if let path = book.stylesPath, package.has(path) {
            let parser = StylesPart()
            try package.parse(path, parser)
            dateStyles = parser.dateStyles
        }
        let sheet = SheetPart(name: chosen.name, shared: shared, dateStyles: dateStyles, date1904: book.date1904, cellBudget: budget.cells)
        try package.parse(target, sheet)
        if let failure = sheet.failure { throw failure }
        return SheetContent(name: chosen.name,
                            rows: sheet.rows.keys.sorted().map { r in SheetRow(number: r, cells: sheet.rows[r]!) },
                            merged: sheet.merged)
    }

    /// The unpacked parts of a zip, read within the budget.
    struct Package {
        let zip: ZipReader
        let budget: WorkbookBudget
        var unpacked = 0

        init(_ bytes: [UInt8], budget: WorkbookBudget) throws {
            if WorkbookReader.isLegacyExcel(bytes) { throw WorkbookError.legacyExcel }
            guard bytes.count <= budget.fileBytes else { throw WorkbookError.tooLarge(part: "the file", limit: budget.fileBytes) }
            guard bytes.starts(with: WorkbookReader.zipMagic) else { throw WorkbookError.notAWorkbook("no zip signature") }
            zip = try ZipReader(bytes)
            self.budget = budget
        }

        func has(_ path: String) -> Bool { entry(path) != nil }

        func entry(_ path: String) -> ZipReader.Entry? {
            if let e = zip.entries[path] { return e }
            let lowered = path.lowercased()
            return zip.entries.first { $0.key.lowercased() == lowered }?.value
        }

        mutating func bytes(_ path: String) throws -> Data {
            guard let entry = entry(path) else { throw WorkbookError.missingPart(path) }
            let left = budget.totalBytes - unpacked
            let limit = min(budget.partBytes, left)
            if entry.uncompressedSize > UInt64(max(0, limit)) {
                throw WorkbookError.tooLarge(part: path, limit: budget.partBytes <= left ? budget.partBytes : budget.totalBytes)
            }
            let data = try zip.data(entry, limit: limit)
            unpacked += data.count
            return data
        }

        mutating func parse(_ path: String, _ handler: PartParser) throws {
            let data = try bytes(path)
            // A DOCTYPE has no place in a workbook part, and its entities could expand.
            if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!doctype".utf8)) != nil {
                throw WorkbookError.doctypeRefused(part: path)
            }
            // Workbook parts are UTF-8; anything else is refused here, since Foundation's
            // parser traps on a name that is not valid UTF-8.
            guard String(validating: data, as: UTF8.self) != nil else {
                throw WorkbookError.malformedXML(part: path, line: 1, detail: "not UTF-8")
            }
            let parser = XMLParser(data: data)
            parser.shouldResolveExternalEntities = false
            parser.delegate = handler
            let ok = parser.parse()
            if let failure = handler.failure { throw failure }
            if let error = handler.parseError ?? parser.parserError {
                throw WorkbookError.malformedXML(part: path, line: parser.lineNumber, detail: "error \((error as NSError).code)")
            }
            if !ok || !handler.rootClosed {
                throw WorkbookError.malformedXML(part: path, line: parser.lineNumber, detail: "incomplete")
            }
        }

        mutating func workbook() throws -> WorkbookPart {
            var bookPath = "xl/workbook.xml"
            if has("_rels/.rels") {
                let rels = RelationshipsPart()
                try parse("_rels/.rels", rels)
                if let target = rels.items.first(where: { $0.type.hasSuffix("/officeDocument") })?.target {
                    bookPath = Package.resolve(target, from: "")
                }
            }
            guard has(bookPath) else { throw WorkbookError.missingPart(bookPath) }
            let book = WorkbookPart()
            try parse(bookPath, book)
            let directory = bookPath.split(separator: "/").dropLast().joined(separator: "/")
            let relsPath = (directory.isEmpty ? "" : directory + "/") + "_rels/" + (bookPath.split(separator: "/").last.map(String.init) ?? "") + ".rels"
            guard has(relsPath) else { throw WorkbookError.missingPart(relsPath) }
            let rels = RelationshipsPart()
            try parse(relsPath, rels)
            for item in rels.items {
                let path = Package.resolve(item.target, from: directory)
                book.targets[item.id] = path
                if item.type.hasSuffix("/sharedStrings") { book.sharedStringsPath = path }
                if item.type.hasSuffix("/styles") { book.stylesPath = path }
            }
            return book
        }

        /// A relationship's target as a path in the zip: absolute (`/xl/…`) or relative
        /// to the directory of the part whose relationships name it.
        static func resolve(_ target: String, from directory: String) -> String {
            var parts: [Substring] = target.hasPrefix("/") ? [] : directory.split(separator: "/")
            for piece in target.split(separator: "/") {
                if piece == "." { continue }
                if piece == ".." { _ = parts.popLast() } else { parts.append(piece) }
            }
            return parts.joined(separator: "/")
        }
    }
}

/// A SAX handler of one part, keeping the first failure.
class PartParser: NSObject, XMLParserDelegate {
    var failure: WorkbookError?

    func stop(_ error: WorkbookError, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }

    /// Elements open; a document is whole when its root element has closed.
    var depth = 0
    var rootClosed = false
    /// The parser's first complaint: XMLParser on Linux can report an error and still
    /// return true from parse(), so errors are collected here.
    var parseError: Error?

    // The delegate methods are witnessed here (a subclass's own method would not be seen
    // through the protocol); the subclasses override start, end and text.
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if rootClosed { return }
        depth += 1
        start(parser, name, attributes)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        if depth == 0 { rootClosed = true }
        end(parser, name)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text(parser, string) }

    func parser(_ parser: XMLParser, parseErrorOccurred error: Error) {
        if parseError == nil { parseError = error }
    }

    func parser(_ parser: XMLParser, validationErrorOccurred error: Error) {
        if parseError == nil { parseError = error }
    }

    func start(_ parser: XMLParser, _ name: String, _ attributes: [String: String]) {}
    func end(_ parser: XMLParser, _ name: String) {}
    func text(_ parser: XMLParser, _ string: String) {}

    static func local(_ name: String) -> Substring {
        name.lastIndex(of: ":").map { name[name.index(after: $0)...] } ?? Substring(name)
    }

    /// Excel's `_xHHHH_` escapes of characters XML cannot hold.
    static func unescape(_ s: String) -> String {
        guard s.contains("_x") else { return s }
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "_", i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_",
               let v = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)...(i + 5)])), radix: 16), let u = Unicode.Scalar(v) {
                out.append(u)
                i += 7
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }
}

final class RelationshipsPart: PartParser {
    var items: [(id: String, type: String, target: String)] = []

    override func start(_ parser: XMLParser, _ name: String, _ attributes: [String: String]) {
        guard Self.local(name) == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else { return }
        if attributes["TargetMode"] == "External" { return }
        items.append((id, attributes["Type"] ?? "", target))
    }
}

final class WorkbookPart: PartParser {
    struct Sheet {
        let name: String
        let relationship: String
    }
    var sheets: [Sheet] = []
    var date1904 = false
    var targets: [String: String] = [:]
    var sharedStringsPath: String?
    var stylesPath: String?

    override func start(_ parser: XMLParser, _ name: String, _ attributes: [String: String]) {
        switch Self.local(name) {
        case "sheet":
            guard let sheetName = attributes["name"],
                  let id = attributes.first(where: { $0.key == "id" || $0.key.hasSuffix(":id") })?.value else {
                return stop(.notAWorkbook("a sheet without a name or relationship"), parser)
            }
            sheets.append(Sheet(name: sheetName, relationship: id))
        case "workbookPr":
            if let v = attributes["date1904"] { date1904 = v == "1" || v.lowercased() == "true" }
        default: break
        }
    }
}

final class SharedStringsPart: PartParser {
    var items: [String] = []
    var current = ""
    var inItem = false, inText = false, phonetic = 0

    override func start(_ parser: XMLParser, _ name: String, _ attributes: [String: String]) {
        switch Self.local(name) {
        case "si": inItem = true; current = ""
        case "rPh": phonetic += 1
        case "t": inText = inItem && phonetic == 0
        default: break
        }
    }

    override func end(_ parser: XMLParser, _ name: String) {
        switch Self.local(name) {
        case "si": items.append(Self.unescape(current)); inItem = false
        case "rPh": phonetic -= 1
        case "t": inText = false
        default: break
        }
    }

    override func text(_ parser: XMLParser, _ string: String) {
        if inText { current += string }
    }
}

final class StylesPart: PartParser {
    var formats: [Int: String] = [:]
    var cellFormats: [Int] = []
    var inCellXfs = false

    override func start(_ parser: XMLParser, _ name: String, _ attributes: [String: String]) {
        switch Self.local(name) {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap({ Int($0) }) { formats[id] = attributes["formatCode"] ?? "" }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs: cellFormats.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
        default: break
        }
    }

    override func end(_ parser: XMLParser, _ name: String) {
        if Self.local(name) == "cellXfs" { inCellXfs = false }
    }

    /// Indexes of the cell styles whose number format shows a date.
    var dateStyles: Set<Int> {
        Set(cellFormats.enumerated().filter { Self.isDate(id: $0.element, code: formats[$0.element]) }.map(\.offset))
    }

    /// Built-in date formats (14–17, 22; the CJK ones 27–31, 36, 50–58), or a custom code
    /// with a year, day or month (not minutes: an `m` with `h` or `s`) outside quoted text.
    static func isDate(id: Int, code: String?) -> Bool {
        if let code, id >= 164 || !(0...163).contains(id) {
            var plain = ""
            var quoted = false, bracket = false, escaped = false
            for ch in code {
                if escaped { escaped = false; continue }
                switch ch {
                case "\\": escaped = true
                case "\"": quoted.toggle()
                case "[" where !quoted: bracket = true
                case "]" where !quoted: bracket = false
                default: if !quoted && !bracket { plain.append(ch) }
                }
            }
            let lower = plain.lowercased()
            if lower.contains("y") || lower.contains("d") { return true }
            return lower.contains("m") && !lower.contains("h") && !lower.contains("s")
        }
        return (14...17).contains(id) || id == 22 || (27...31).contains(id) || id == 36 || (50...58).contains(id)
    }
}

final class SheetPart: PartParser {
    let name: String
    let shared: [String]
    let dateStyles: Set<Int>
    let date1904: Bool
    let cellBudget: Int

    var rows: [Int: [CellValue]] = [:]
    var merged: [CellRange] = []
    var cellCount = 0

    var rowNumber = 0
    var column = 0
    var ref = CellReference(column: 1, row: 1)
    var type = "n"
    var style = 0
    var hasFormula = false
    var value: String?
    var inline: String?
    var collecting: Collecting = .none
    var phonetic = 0

    enum Collecting { case none, value, inlineText }

    init(name: String, shared: [String], dateStyles: Set<Int>, date1904: Bool, cellBudget: Int) {
        self.name = name
        self.shared = shared
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.cellBudget = cellBudget
    }

    override func start(_ parser: XMLParser, _ element: String, _ attributes: [String: String]) {
        switch Self.local(element) {
        case "row":
            if let r = attributes["r"] {
                guard let n = Int(r), n >= 1, n <= 1_048_576 else { return stop(.badCell(sheet: name, cell: "row \(r)", detail: "not a row number"), parser) }
                rowNumber = n
            } else {
                rowNumber += 1
            }
            column = 0
        case "c":
            if let r = attributes["r"] {
                guard let parsed = CellReference(r), parsed.column <= 16_384, parsed.row <= 1_048_576 else {
                    return stop(.badCell(sheet: name, cell: r, detail: "not a cell reference"), parser)
                }
                ref = parsed
                rowNumber = parsed.row
            } else {
                ref = CellReference(column: column + 1, row: max(rowNumber, 1))
            }
            column = ref.column
            type = attributes["t"] ?? "n"
            style = attributes["s"].flatMap { Int($0) } ?? 0
            hasFormula = false
            value = nil
            inline = nil
        case "f": hasFormula = true
        case "v": value = ""; collecting = .value
        case "is": inline = ""
        case "rPh": phonetic += 1
        case "t" where inline != nil && phonetic == 0: collecting = .inlineText
        case "mergeCell":
            guard let r = attributes["ref"], let area = CellRange(r) else {
                return stop(.badCell(sheet: name, cell: attributes["ref"] ?? "?", detail: "not a merged area"), parser)
            }
            merged.append(area)
        default: break
        }
    }

    override func text(_ parser: XMLParser, _ string: String) {
        switch collecting {
        case .value: value? += string
        case .inlineText: inline? += string
        case .none: break
        }
    }

    override func end(_ parser: XMLParser, _ element: String) {
        switch Self.local(element) {
        case "v", "t": collecting = .none
        case "rPh": phonetic -= 1
        case "c":
            do {
                let cell = try cellValue()
                guard cell != .empty else { return }
                cellCount += 1
                if cellCount > cellBudget { return stop(.sheetTooLarge(sheet: name, limit: cellBudget), parser) }
                var row = rows[ref.row] ?? []
                if row.count < ref.column {
                    // A sparse row far to the right counts for the cells it makes.
                    cellCount += ref.column - 1 - row.count
                    if cellCount > cellBudget { return stop(.sheetTooLarge(sheet: name, limit: cellBudget), parser) }
                    row += [CellValue](repeating: .empty, count: ref.column - row.count)
                }
                row[ref.column - 1] = cell
                rows[ref.row] = row
            } catch let error as WorkbookError {
                stop(error, parser)
            } catch {
                stop(.badCell(sheet: name, cell: ref.description, detail: "\(error)"), parser)
            }
        default: break
        }
    }

    func cellValue() throws -> CellValue {
        let cell = ref.description
        if type == "inlineStr" {
            if let inline { return .text(Self.unescape(inline)) }
            if hasFormula && value == nil { throw WorkbookError.formulaWithoutValue(sheet: name, cell: cell) }
            return value.map { .text(Self.unescape($0)) } ?? .empty
        }
        guard let raw = value else {
            if hasFormula { throw WorkbookError.formulaWithoutValue(sheet: name, cell: cell) }
            return .empty
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        switch type {
        case "s":
            guard let i = Int(text), i >= 0, i < shared.count else {
                throw WorkbookError.badCell(sheet: name, cell: cell, detail: "shared string \(text) out of range")
            }
            return .text(shared[i])
        case "str":
            return .text(Self.unescape(raw))
        case "b":
            switch text.lowercased() {
            case "1", "true": return .bool(true)
            case "0", "false": return .bool(false)
            default: throw WorkbookError.badCell(sheet: name, cell: cell, detail: "'\(text)' is not a boolean")
            }
        case "e":
            throw WorkbookError.errorValue(sheet: name, cell: cell, value: text)
        case "d":
            let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
                throw WorkbookError.badCell(sheet: name, cell: cell, detail: "'\(text)' is not a date")
            }
            return .date(WorkbookDate(year: parts[0], month: parts[1], day: parts[2]))
        case "n":
            if text.isEmpty {
                if hasFormula { throw WorkbookError.formulaWithoutValue(sheet: name, cell: cell) }
                return .empty
            }
            guard let d = Double(text), d.isFinite else {
                throw WorkbookError.badCell(sheet: name, cell: cell, detail: "'\(text)' is not a number")
            }
            if dateStyles.contains(style) {
                guard let date = WorkbookDate.fromSerial(d, date1904: date1904) else {
                    throw WorkbookError.badCell(sheet: name, cell: cell, detail: "\(text) is not a date serial")
                }
                return .date(date)
            }
            return .number(d)
        default:
            throw WorkbookError.badCell(sheet: name, cell: cell, detail: "unknown cell type '\(type)'")
        }
    }
}
