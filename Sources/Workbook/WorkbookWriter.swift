// Writing a workbook: the parts of a minimal SpreadsheetML package (content types,
// relationships, workbook, styles, shared strings, one worksheet per sheet) zipped with
// ZIPFoundation. Text is always a shared string, so a text that starts with = + - @ is
// text, never a formula: no cell we write has a formula. What a form needs for print is
// here too: a frozen heading row, merged title lines, column widths from the display
// width of the text (CJK counts 2), A4 paper, landscape for wide sheets and the heading
// rows repeated on every printed page (the _xlnm.Print_Titles defined name).

import Foundation
import ZIPFoundation

/// How a cell looks. Each is one entry of the styles part.
public enum CellStyle: Int, Sendable, CaseIterable {
    /// No border, no wrap: a header line above the table.
    case plain = 0
    /// Large and bold, centred: the form's title.
    case title
    /// Bold, centred, wrapped, bordered: a column heading.
    case heading
    /// Bordered and wrapped: a text cell of the table.
    case text
    /// Bordered, right-aligned: a number of the table.
    case number
    /// Bordered, `yyyy-mm-dd`: a date of the table.
    case date
}

public struct WorkbookCell: Equatable, Sendable {
    public var value: CellValue
    public var style: CellStyle

    public init(_ value: CellValue, style: CellStyle? = nil) {
        self.value = value
        switch value {
        case .number: self.style = style ?? .number
        case .date: self.style = style ?? .date
        default: self.style = style ?? .text
        }
    }

    public static func text(_ s: String, style: CellStyle = .text) -> WorkbookCell { WorkbookCell(s.isEmpty ? .empty : .text(s), style: style) }
}

/// One sheet to write: rows of cells from A1, and how it prints.
public struct WorkbookSheet: Sendable {
    public var name: String
    public var rows: [[WorkbookCell]]
    public var merged: [CellRange] = []
    /// Rows kept in view when scrolling (the title lines and the heading row); 0 for none.
    public var frozenRows = 0
    /// Rows printed at the top of every page (1-based, inclusive); nil for none.
    public var printTitleRows: ClosedRange<Int>?
    /// Rows whose text does not size the columns (merged title lines).
    public var rowsIgnoredForWidth: Set<Int> = []
    /// Printed across the page: nil to decide from the width of the columns.
    public var landscape: Bool?

    public init(name: String, rows: [[WorkbookCell]]) {
        self.name = name
        self.rows = rows
    }

    /// Column widths in Excel's units (characters of the default font): the widest text
    /// of the column by display width, plus a margin, within bounds (a long text wraps).
    public var columnWidths: [Double] {
        let count = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: count)
        for (r, row) in rows.enumerated() where !rowsIgnoredForWidth.contains(r + 1) {
            for (c, cell) in row.enumerated() {
                let text: String
                switch cell.value {
                case .date: text = "2019-05-08"
                default: text = cell.value.text
                }
                widths[c] = max(widths[c], DisplayWidth.of(text))
            }
        }
        return widths.map { min(60, max(6, Double($0) + 2)) }
    }

    /// Wider than an A4 page in portrait (about 95 characters at the default font).
    public var isWide: Bool { columnWidths.reduce(0, +) > 95 }
}

public enum WorkbookWriter {
    /// The .xlsx bytes of the sheets (at least one).
    public static func write(_ sheets: [WorkbookSheet]) throws -> [UInt8] {
        precondition(!sheets.isEmpty, "a workbook has at least one sheet")
        for sheet in sheets where sheet.rows.count > 1_048_576 || sheet.rows.contains(where: { $0.count > 16_384 }) {
            throw WorkbookError.beyondExcelLimits(sheet: sheet.name)
        }
        var strings = SharedStrings()
        let names = uniqueSheetNames(sheets.map(\.name))
        var parts: [(String, String)] = []
        for (i, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(i + 1).xml", worksheet(sheet, strings: &strings)))
        }
        parts.insert(contentsOf: [
            ("[Content_Types].xml", contentTypes(sheets.count)),
            ("_rels/.rels", rootRelationships),
            ("docProps/app.xml", appProperties),
            ("docProps/core.xml", coreProperties),
            ("xl/workbook.xml", workbook(sheets, names: names)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships(sheets.count)),
            ("xl/styles.xml", styles),
            ("xl/sharedStrings.xml", strings.xml),
        ], at: 0)
        let archive: Archive
        do { archive = try Archive(data: Data(), accessMode: .create) } catch {
            throw WorkbookError.notAWorkbook("\(error)")
        }
        let stamp = Date(timeIntervalSince1970: 1_546_300_800)  // fixed, so the same workbook gives the same bytes
        for (path, text) in parts {
            let data = Data(text.utf8)
            do {
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: stamp,
                                     compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            } catch {
                throw WorkbookError.notAWorkbook("\(error)")
            }
        }
        guard let bytes = archive.data else { throw WorkbookError.notAWorkbook("no archive data") }
        return [UInt8](bytes)
    }

    /// Sheet names as Excel allows them: at most 31 characters, none of []:*?/\, unique.
    static func uniqueSheetNames(_ names: [String]) -> [String] {
        var out: [String] = []
        for (i, raw) in names.enumerated() {
            var name = String(raw.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(31))
            if name.trimmingCharacters(in: .whitespaces).isEmpty || name.hasPrefix("'") { name = "Sheet\(i + 1)" }
            var candidate = name
            var n = 2
            while out.contains(where: { $0.lowercased() == candidate.lowercased() }) {
                let suffix = " (\(n))"
                candidate = String(name.prefix(31 - suffix.count)) + suffix
                n += 1
            }
            out.append(candidate)
        }
        return out
    }

    static let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static func contentTypes(_ count: Int) -> String {
        header + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + (1...count).map { "<Override PartName=\"/xl/worksheets/sheet\($0).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined()
            + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
            + "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
            + "<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
            + "</Types>"
    }

    static let rootRelationships = header
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>"
        + "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/>"
        + "</Relationships>"

    static let appProperties = header
        + "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>mql</Application></Properties>"

    static let coreProperties = header
        + "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
        + "<dc:creator>mql</dc:creator></cp:coreProperties>"

    static func workbook(_ sheets: [WorkbookSheet], names: [String]) -> String {
        var xml = header + "<workbook xmlns=\"\(mainNS)\" xmlns:r=\"\(relNS)\"><bookViews><workbookView/></bookViews><sheets>"
        for (i, name) in names.enumerated() {
            xml += "<sheet name=\"\(escape(name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }
        xml += "</sheets>"
        let titles = sheets.enumerated().compactMap { i, sheet in sheet.printTitleRows.map { (i, $0) } }
        if !titles.isEmpty {
            xml += "<definedNames>"
            for (i, rows) in titles {
                let quoted = "'" + names[i].replacingOccurrences(of: "'", with: "''") + "'"
                xml += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(i)\">\(escape(quoted))!$\(rows.lowerBound):$\(rows.upperBound)</definedName>"
            }
            xml += "</definedNames>"
        }
        return xml + "</workbook>"
    }

    static func workbookRelationships(_ count: Int) -> String {
        var xml = header + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for i in 1...count {
            xml += "<Relationship Id=\"rId\(i)\" Type=\"\(relNS)/worksheet\" Target=\"worksheets/sheet\(i).xml\"/>"
        }
        xml += "<Relationship Id=\"rId\(count + 1)\" Type=\"\(relNS)/styles\" Target=\"styles.xml\"/>"
        xml += "<Relationship Id=\"rId\(count + 2)\" Type=\"\(relNS)/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        return xml + "</Relationships>"
    }

    /// One cellXfs entry per CellStyle, in its order.
    static let styles = header + "<styleSheet xmlns=\"\(mainNS)\">"
        + "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\"/></numFmts>"
        + "<fonts count=\"3\"><font><sz val=\"11\"/><name val=\"宋体\"/><family val=\"3\"/><charset val=\"134\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"宋体\"/><family val=\"3\"/><charset val=\"134\"/></font>"
        + "<font><b/><sz val=\"16\"/><name val=\"宋体\"/><family val=\"3\"/><charset val=\"134\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"2\"><border><left/><right/><top/><bottom/><diagonal/></border>"
        + "<border><left style=\"thin\"><color auto=\"1\"/></left><right style=\"thin\"><color auto=\"1\"/></right><top style=\"thin\"><color auto=\"1\"/></top><bottom style=\"thin\"><color auto=\"1\"/></bottom><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"6\">"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"2\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyAlignment=\"1\"><alignment horizontal=\"center\" vertical=\"center\"/></xf>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"1\" xfId=\"0\" applyFont=\"1\" applyBorder=\"1\" applyAlignment=\"1\"><alignment horizontal=\"center\" vertical=\"center\" wrapText=\"1\"/></xf>"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"1\" xfId=\"0\" applyBorder=\"1\" applyAlignment=\"1\"><alignment vertical=\"center\" wrapText=\"1\"/></xf>"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"1\" xfId=\"0\" applyBorder=\"1\" applyAlignment=\"1\"><alignment vertical=\"center\"/></xf>"
        + "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"1\" xfId=\"0\" applyNumberFormat=\"1\" applyBorder=\"1\" applyAlignment=\"1\"><alignment vertical=\"center\"/></xf>"
        + "</cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>"

    struct SharedStrings {
        var index: [String: Int] = [:]
        var items: [String] = []
        var uses = 0

        mutating func id(_ s: String) -> Int {
            uses += 1
            if let i = index[s] { return i }
            index[s] = items.count
            items.append(s)
            return items.count - 1
        }

        var xml: String {
            var out = WorkbookWriter.header + "<sst xmlns=\"\(WorkbookWriter.mainNS)\" count=\"\(uses)\" uniqueCount=\"\(items.count)\">"
            for s in items { out += "<si>" + WorkbookWriter.textElement(s) + "</si>" }
            return out + "</sst>"
        }
    }

    /// `<t>`, keeping leading and trailing spaces and newlines.
    static func textElement(_ s: String) -> String {
        let keep = s.first.map { $0.isWhitespace } == true || s.last.map { $0.isWhitespace } == true
        return (keep ? "<t xml:space=\"preserve\">" : "<t>") + escapeText(s) + "</t>"
    }

    static func worksheet(_ sheet: WorkbookSheet, strings: inout SharedStrings) -> String {
        let widths = sheet.columnWidths
        let columnCount = max(1, widths.count)
        let rowCount = max(1, sheet.rows.count)
        let landscape = sheet.landscape ?? sheet.isWide
        var xml = header + "<worksheet xmlns=\"\(mainNS)\" xmlns:r=\"\(relNS)\">"
        xml += "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>"
        xml += "<dimension ref=\"A1:\(CellReference(column: columnCount, row: rowCount))\"/>"
        xml += "<sheetViews><sheetView workbookViewId=\"0\">"
        if sheet.frozenRows > 0 {
            let top = CellReference(column: 1, row: sheet.frozenRows + 1)
            xml += "<pane ySplit=\"\(sheet.frozenRows)\" topLeftCell=\"\(top)\" activePane=\"bottomLeft\" state=\"frozen\"/>"
            xml += "<selection pane=\"bottomLeft\" activeCell=\"\(top)\" sqref=\"\(top)\"/>"
        }
        xml += "</sheetView></sheetViews>"
        xml += "<sheetFormatPr defaultRowHeight=\"15\"/>"
        if !widths.isEmpty {
            xml += "<cols>"
            for (i, w) in widths.enumerated() {
                xml += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(w)\" customWidth=\"1\"/>"
            }
            xml += "</cols>"
        }
        xml += "<sheetData>"
        for (r, row) in sheet.rows.enumerated() {
            xml += "<row r=\"\(r + 1)\">"
            for (c, cell) in row.enumerated() {
                let ref = CellReference(column: c + 1, row: r + 1)
                let s = cell.style.rawValue
                let style = s == 0 ? "" : " s=\"\(s)\""
                switch cell.value {
                case .empty:
                    if s != 0 { xml += "<c r=\"\(ref)\"\(style)/>" }
                case .text(let t):
                    xml += "<c r=\"\(ref)\"\(style) t=\"s\"><v>\(strings.id(t))</v></c>"
                case .number(let d):
                    if d.isFinite {
                        xml += "<c r=\"\(ref)\"\(style)><v>\(CellValue.format(d))</v></c>"
                    } else {
                        xml += "<c r=\"\(ref)\"\(style) t=\"s\"><v>\(strings.id(CellValue.format(d)))</v></c>"
                    }
                case .date(let date):
                    let dateStyle = cell.style == .plain || cell.style == .text ? CellStyle.date.rawValue : s
                    xml += "<c r=\"\(ref)\" s=\"\(dateStyle)\"><v>\(CellValue.format(date.serial))</v></c>"
                case .bool(let b):
                    xml += "<c r=\"\(ref)\"\(style) t=\"b\"><v>\(b ? 1 : 0)</v></c>"
                }
            }
            xml += "</row>"
        }
        xml += "</sheetData>"
        if !sheet.merged.isEmpty {
            xml += "<mergeCells count=\"\(sheet.merged.count)\">" + sheet.merged.map { "<mergeCell ref=\"\($0)\"/>" }.joined() + "</mergeCells>"
        }
        xml += "<printOptions horizontalCentered=\"1\"/>"
        xml += "<pageMargins left=\"0.5\" right=\"0.5\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>"
        xml += "<pageSetup paperSize=\"9\" orientation=\"\(landscape ? "landscape" : "portrait")\" fitToWidth=\"1\" fitToHeight=\"0\"/>"
        return xml + "</worksheet>"
    }

    /// XML text content: & < > escaped; characters XML 1.0 cannot hold (most C0 controls,
    /// U+FFFE/U+FFFF) written as Excel's `_xHHHH_`, and an `_x` that would read as such an
    /// escape protected as `_x005F_`.
    static func escapeText(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let ch = scalars[i]
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\t", "\n": out.unicodeScalars.append(ch)
            case "\r": out += "&#13;"
            case "_" where looksLikeEscape(scalars, at: i): out += "_x005F_"
            default:
                if ch.value < 0x20 || ch.value == 0xFFFE || ch.value == 0xFFFF {
                    out += "_x" + hex4(ch.value) + "_"
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
            i += 1
        }
        return out
    }

    static func looksLikeEscape(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        guard i + 6 < s.count, s[i + 1] == "x", s[i + 6] == "_" else { return false }
        return s[(i + 2)...(i + 5)].allSatisfy { $0.properties.isASCIIHexDigit }
    }

    static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// An attribute value.
    static func escape(_ s: String) -> String {
        escapeText(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;").replacingOccurrences(of: "\t", with: "&#9;")
    }
}
