// The workbook module on its own: what it writes reads back cell for cell; dates in both
// systems; shared, inline and rich strings; formulas read as their saved values or
// refused; merged cells; and every kind of bad input (legacy .xls, not a zip, truncated,
// damaged bytes, missing parts, broken XML, a DOCTYPE, a zip bomb, too many cells) is a
// WorkbookError, never a crash.

import Foundation
import Testing
@testable import Workbook
import ZIPFoundation

@Suite struct WorkbookTests {
    /// A zip of the given parts (what other programs write, made by hand).
    static func archive(_ parts: [(String, String)]) throws -> [UInt8] {
        let zipped = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try zipped.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return [UInt8](zipped.data!)
    }

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    /// A one-sheet workbook around a sheetData body, with optional shared strings,
    /// styles and workbook properties.
    static func book(sheet body: String, shared: String? = nil, styles: String? = nil, workbookPr: String = "", extra: String = "") throws -> [UInt8] {
        var rels = "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        var parts: [(String, String)] = [
            ("_rels/.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
            ("xl/workbook.xml", "<workbook xmlns=\"\(main)\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\(workbookPr)<sheets><sheet name=\"数据\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
            ("xl/worksheets/sheet1.xml", "<worksheet xmlns=\"\(main)\"><sheetData>\(body)</sheetData>\(extra)</worksheet>"),
        ]
        if let shared {
            rels += "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
            parts.append(("xl/sharedStrings.xml", "<sst xmlns=\"\(main)\">\(shared)</sst>"))
        }
        if let styles {
            rels += "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
            parts.append(("xl/styles.xml", "<styleSheet xmlns=\"\(main)\">\(styles)</styleSheet>"))
        }
        parts.append(("xl/_rels/workbook.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(rels)</Relationships>"))
        return try archive(parts)
    }

    func error(_ body: () throws -> Any) -> WorkbookError? {
        do { _ = try body() } catch let e as WorkbookError { return e } catch { Issue.record("not a WorkbookError: \(error)") }
        return nil
    }

    @Test func whatIsWrittenReadsBackCellForCell() throws {
        let texts = ["姓名", "  leading and trailing  ", "two\nlines", "cr\rhere", "bell\u{7}", "_x0041_ stays", "=1+1", "+86 138", "-3", "@SUM(A1)", "a & b < c > d \"q\" 'a'", "𠮷野家"]
        let rows: [[CellValue]] = [
            texts.map { .text($0) },
            [.number(1), .number(-2.5), .number(1e-7), .number(123456789012), .bool(true), .bool(false), .empty, .text("x")],
            [.date(WorkbookDate(year: 2019, month: 5, day: 8)), .date(WorkbookDate(year: 1900, month: 1, day: 1)),
             .date(WorkbookDate(year: 1900, month: 3, day: 1)), .date(WorkbookDate(year: 9999, month: 12, day: 31))],
        ]
        let bytes = try WorkbookWriter.write([WorkbookSheet(name: "表一", rows: rows.map { $0.map { WorkbookCell($0) } })])
        let back = try WorkbookReader.read(bytes)
        #expect(back.name == "表一")
        #expect(back.rows.map(\.number) == [1, 2, 3])
        for (got, want) in zip(back.rows.map(\.cells), rows) {
            var trimmed = want
            while trimmed.last == .empty { trimmed.removeLast() }
            #expect(got.count == want.count || got == trimmed)
            for (a, b) in zip(got, want) { #expect(a == b) }
        }
    }

    @Test func textThatLooksLikeAFormulaIsNeverOne() throws {
        let bytes = try WorkbookWriter.write([WorkbookSheet(name: "S", rows: [[WorkbookCell(.text("=HYPERLINK(\"http://x\")"))]])])
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        var sheet = Data()
        _ = try archive.extract(archive["xl/worksheets/sheet1.xml"]!) { sheet.append($0) }
        let xml = String(decoding: sheet, as: UTF8.self)
        #expect(!xml.contains("<f>") && !xml.contains("<f "))
        #expect(xml.contains("t=\"s\""))
        #expect(try WorkbookReader.read(bytes).cell(CellReference("A1")!) == .text("=HYPERLINK(\"http://x\")"))
    }

    @Test func theLayoutParts() throws {
        var sheet = WorkbookSheet(name: "附件2", rows: [[WorkbookCell.text("贫困儿童基本情况报送表", style: .title)], ["序号", "姓名"].map { WorkbookCell.text($0, style: .heading) },
                                                      [WorkbookCell(.number(1)), WorkbookCell(.text("林小雨林小雨林小雨"))]])
        sheet.merged = [CellRange("A1:B1")!]
        sheet.frozenRows = 2
        sheet.printTitleRows = 2...2
        sheet.rowsIgnoredForWidth = [1]
        // CJK counts two: nine characters are 18 columns, plus the margin.
        #expect(sheet.columnWidths == [6, 20])
        let bytes = try WorkbookWriter.write([sheet])
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        func part(_ path: String) throws -> String {
            var d = Data()
            _ = try archive.extract(archive[path]!) { d.append($0) }
            return String(decoding: d, as: UTF8.self)
        }
        let xml = try part("xl/worksheets/sheet1.xml")
        #expect(xml.contains("<pane ySplit=\"2\" topLeftCell=\"A3\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(xml.contains("<mergeCell ref=\"A1:B1\"/>"))
        #expect(xml.contains("paperSize=\"9\""))
        #expect(try part("xl/workbook.xml").contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'附件2'!$2:$2</definedName>"))
        let back = try WorkbookReader.read(bytes)
        #expect(back.merged == [CellRange("A1:B1")!])
        #expect(try back.fillingMergedCells().cell(CellReference("B1")!) == .text("贫困儿童基本情况报送表"))
    }

    @Test(arguments: [(1.0, "1900-01-01"), (59, "1900-02-28"), (61, "1900-03-01"), (43593, "2019-05-08"), (43593.75, "2019-05-08"), (2958465, "9999-12-31")])
    func datesOfThe1900System(_ serial: Double, _ date: String) {
        let d = WorkbookDate.fromSerial(serial, date1904: false)
        #expect(d?.description == date)
        if serial == serial.rounded() { #expect(d?.serial == serial) }
    }

    @Test func serialsNoDateHas() {
        #expect(WorkbookDate.fromSerial(60, date1904: false) == nil)  // 1900-02-29, which never was
        #expect(WorkbookDate.fromSerial(-1, date1904: false) == nil)
        #expect(WorkbookDate.fromSerial(.nan, date1904: false) == nil)
        #expect(WorkbookDate.fromSerial(3e6, date1904: false) == nil)
        #expect(WorkbookDate.fromSerial(0, date1904: true)?.description == "1904-01-01")
        #expect(WorkbookDate.fromSerial(42131, date1904: true)?.description == "2019-05-08")
    }

    static let dateStyles = "<numFmts><numFmt numFmtId=\"170\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;\"/><numFmt numFmtId=\"171\" formatCode=\"0.00&quot;d&quot;\"/></numFmts><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"170\"/><xf numFmtId=\"171\"/><xf numFmtId=\"20\"/></cellXfs>"

    @Test func datesAreNumbersWithADateFormat() throws {
        let body = "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>43593</v></c><c r=\"B1\" s=\"2\"><v>43593</v></c><c r=\"C1\" s=\"3\"><v>43593</v></c><c r=\"D1\" s=\"4\"><v>0.5</v></c><c r=\"E1\"><v>43593</v></c><c r=\"F1\" t=\"d\"><v>2019-05-08T00:00:00</v></c></row>"
        let row = try WorkbookReader.read(try Self.book(sheet: body, styles: Self.dateStyles)).rows[0].cells
        let may8 = CellValue.date(WorkbookDate(year: 2019, month: 5, day: 8))
        #expect(row == [may8, may8, .number(43593), .number(0.5), .number(43593), may8])
        let in1904 = try WorkbookReader.read(try Self.book(sheet: body, styles: Self.dateStyles, workbookPr: "<workbookPr date1904=\"1\"/>")).rows[0].cells
        #expect(in1904[0] == .date(WorkbookDate(year: 2023, month: 5, day: 9)))
    }

    @Test func sharedInlineAndRichStrings() throws {
        let shared = "<si><t>街道</t></si><si><r><t>布</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">吉 </t></r><rPh sb=\"0\" eb=\"1\"><t>ぶ</t></rPh></si><si><t>a_x000D_b</t></si>"
        let body = "<row r=\"2\"><c r=\"B2\" t=\"s\"><v>0</v></c><c r=\"C2\" t=\"s\"><v>1</v></c><c r=\"D2\" t=\"inlineStr\"><is><t>内联</t></is></c><c r=\"E2\" t=\"s\"><v>2</v></c><c t=\"inlineStr\"><is><r><t>富</t></r><r><t>文本</t></r></is></c></row>"
        let content = try WorkbookReader.read(try Self.book(sheet: body, shared: shared))
        #expect(content.rows == [SheetRow(number: 2, cells: [.empty, .text("街道"), .text("布吉 "), .text("内联"), .text("a\rb"), .text("富文本")])])
    }

    @Test func formulasGiveTheirSavedValueOrAreRefused() throws {
        let saved = "<row r=\"1\"><c r=\"A1\"><f>1+1</f><v>2</v></c><c r=\"B1\" t=\"str\"><f>\"a\"&amp;\"b\"</f><v>ab</v></c><c r=\"C1\" t=\"b\"><f>TRUE()</f><v>1</v></c></row>"
        #expect(try WorkbookReader.read(try Self.book(sheet: saved)).rows[0].cells == [.number(2), .text("ab"), .bool(true)])
        let unsaved = "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"7\"><c r=\"C7\"><f>A1*2</f></c></row>"
        #expect(error { try WorkbookReader.read(try Self.book(sheet: unsaved)) } == .formulaWithoutValue(sheet: "数据", cell: "C7"))
        let failed = "<row r=\"1\"><c r=\"A1\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c></row>"
        #expect(error { try WorkbookReader.read(try Self.book(sheet: failed)) } == .errorValue(sheet: "数据", cell: "A1", value: "#DIV/0!"))
    }

    @Test func badCells() throws {
        let cases: [(String, String)] = [
            ("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row>", "A1"),
            ("<row r=\"1\"><c r=\"B1\"><v>twelve</v></c></row>", "B1"),
            ("<row r=\"1\"><c r=\"C1\" t=\"b\"><v>maybe</v></c></row>", "C1"),
            ("<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>", "1A"),
        ]
        for (body, cell) in cases {
            guard case .badCell(_, let at, _)? = error({ try WorkbookReader.read(try Self.book(sheet: body, shared: "<si><t>x</t></si>")) }) else {
                Issue.record("\(body) was not refused as a bad cell")
                continue
            }
            #expect(at == cell)
        }
        #expect(error { try WorkbookReader.read(try Self.book(sheet: "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>60</v></c></row>", styles: Self.dateStyles)) }
                == .badCell(sheet: "数据", cell: "A1", detail: "60 is not a date serial"))
    }

    @Test func theSheetIsTheFirstOrTheNamedOne() throws {
        let bytes = try WorkbookWriter.write([WorkbookSheet(name: "说明", rows: [[WorkbookCell(.text("a"))]]), WorkbookSheet(name: "附件2", rows: [[WorkbookCell(.text("b"))]])])
        #expect(try WorkbookReader.sheetNames(bytes) == ["说明", "附件2"])
        #expect(try WorkbookReader.read(bytes).cell(CellReference("A1")!) == .text("a"))
        #expect(try WorkbookReader.read(bytes, sheet: "附件2").cell(CellReference("A1")!) == .text("b"))
        #expect(error { try WorkbookReader.read(bytes, sheet: "Sheet9") } == .noSuchSheet(name: "Sheet9", available: ["说明", "附件2"]))
        #expect(WorkbookWriter.uniqueSheetNames(["a/b", "A/B", String(repeating: "长", count: 40), ""]) == ["a_b", "A_B (2)", String(repeating: "长", count: 31), "Sheet4"])
    }

    @Test func aLegacyXlsIsRefused() {
        let xls: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)
        #expect(error { try WorkbookReader.read(xls) } == .legacyExcel)
    }

    @Test func malformedInputIsAnErrorNeverACrash() throws {
        let good = try WorkbookWriter.write([WorkbookSheet(name: "S", rows: (1...50).map { r in [WorkbookCell(.number(Double(r))), WorkbookCell(.text("行\(r)"))] })])
        #expect(error { try WorkbookReader.read([]) } != nil)
        #expect(error { try WorkbookReader.read(Array("a,b\n1,2\n".utf8)) } == .notAWorkbook("no zip signature"))
        #expect(error { try WorkbookReader.read(Array(good.prefix(good.count / 2))) } != nil)
        #expect(error { try WorkbookReader.read(try Self.archive([("hello.txt", "hi")])) } == .missingPart("xl/workbook.xml"))
        #expect(error { try WorkbookReader.read(try Self.book(sheet: "<row><c><v>1</v></row>")) } != nil)
        #expect(error { try WorkbookReader.read(try Self.book(sheet: "<row r=\"1\">")) } != nil)
        // Damaged bytes anywhere: an error or (where only data bytes changed) a result.
        var generator = SplitMix64(seed: 13)
        let rounds = Int(ProcessInfo.processInfo.environment["WORKBOOK_FUZZ_ROUNDS"] ?? "") ?? 400
        for _ in 0..<rounds {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? WorkbookReader.read(bytes)
        }
    }

    @Test func aDoctypeIsRefused() throws {
        let bomb = "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><worksheet xmlns=\"\(Self.main)\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&b;</t></is></c></row></sheetData></worksheet>"
        let bytes = try Self.archive([
            ("xl/workbook.xml", "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>"),
            ("xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\" Type=\"x/worksheet\"/></Relationships>"),
            ("xl/worksheets/sheet1.xml", bomb),
        ])
        #expect(error { try WorkbookReader.read(bytes) } == .doctypeRefused(part: "xl/worksheets/sheet1.xml"))
    }

    @Test func theBudgetRefusesAZipBombAndAnOversizedSheet() throws {
        // 4 MB of one row's cells packs into a few KB.
        let body = "<row r=\"1\">" + String(repeating: "<c t=\"inlineStr\"><is><t>x</t></is></c>", count: 100_000) + "</row>"
        let bytes = try Self.book(sheet: body)
        #expect(bytes.count < 100_000)
        var budget = WorkbookBudget()
        budget.partBytes = 1 << 20
        #expect(error { try WorkbookReader.read(bytes, budget: budget) } == .tooLarge(part: "xl/worksheets/sheet1.xml", limit: 1 << 20))
        budget = WorkbookBudget()
        budget.cells = 1000
        #expect(error { try WorkbookReader.read(bytes, budget: budget) } == .sheetTooLarge(sheet: "数据", limit: 1000))
        // A cell far to the right counts for the row it makes.
        #expect(error { try WorkbookReader.read(try Self.book(sheet: "<row r=\"1\"><c r=\"XFD1\"><v>1</v></c></row>"), budget: budget) } == .sheetTooLarge(sheet: "数据", limit: 1000))
        // A merged area fills only within the cells there are.
        let merged = try WorkbookReader.read(try Self.book(sheet: "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>", extra: "<mergeCells><mergeCell ref=\"A1:XFD1048576\"/></mergeCells>"))
        #expect(try merged.fillingMergedCells(budget: 1000).rows == [SheetRow(number: 1, cells: [.number(1)])])
        // A zip whose declared sizes lie is still cut at the budget while unpacking.
        var lying = bytes
        let centralSignature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        var i = 0
        while i + 46 < lying.count {
            if Array(lying[i..<i + 4]) == centralSignature {
                // uncompressed size at offset 24 of a central directory header
                lying[i + 24] = 0x10; lying[i + 25] = 0; lying[i + 26] = 0; lying[i + 27] = 0
            }
            i += 1
        }
        budget = WorkbookBudget()
        budget.partBytes = 1 << 20
        #expect(error { try WorkbookReader.read(lying, budget: budget) } != nil)
    }

    @Test func cellReferences() {
        #expect(CellReference("C7") == CellReference(column: 3, row: 7))
        #expect(CellReference("$AA$10") == CellReference(column: 27, row: 10))
        #expect(CellReference(column: 16384, row: 1).description == "XFD1")
        #expect(CellReference("7C") == nil && CellReference("A0") == nil && CellReference("") == nil && CellReference("ABCD1") == nil)
        #expect(DisplayWidth.of("林小雨 ab") == 9)
    }
}

/// A seeded generator, so the damaged-bytes cases are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct WorkbookLimitTests {
    @Test func aSheetBeyondExcelsColumnsIsNotWritten() {
        let wide = WorkbookSheet(name: "宽", rows: [[WorkbookCell]](repeating: [WorkbookCell](repeating: WorkbookCell(.number(1)), count: 16_385), count: 1))
        #expect(throws: WorkbookError.beyondExcelLimits(sheet: "宽")) { try WorkbookWriter.write([wide]) }
    }
}
