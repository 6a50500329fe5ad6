// The workbook paths of the `mql` binary: a form exported as .xlsx is laid out as printed
// and reads back; a workbook's bad rows are named by their cell; a workbook never goes
// to stdout. (tests/workbooks/ checks the same files with openpyxl and LibreOffice.)

import Foundation
import Testing
import Workbook

@Suite struct WorkbookCommandTests {
    @Test func aFormExportedAsAWorkbookIsLaidOutAsPrinted() throws {
        let out = try temporaryDirectory("xlsx-export").appendingPathComponent("附件2.xlsx").path
        let r = try MQLProcess.run(["export", "--data", MQLProcess.exampleCopy, "--today", "2019-11-30", "附件2", "--street", "布吉", "--out", out])
        #expect(r.status == 0, "\(r)")
        let sheet = try WorkbookReader.read([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(sheet.name == "附件2")
        #expect(sheet.cell(CellReference("A1")!) == .text("附件2"))
        #expect(sheet.cell(CellReference("A2")!) == .text("贫困儿童基本情况报送表"))
        #expect(sheet.cell(CellReference("A3")!) == .text("街道妇联（盖章）：布吉街道妇联"))
        #expect(sheet.cell(CellReference("E3")!) == .text("日期：2019年11月30日"))
        #expect(sheet.rows[3].cells == ["序号", "姓名", "年龄（出生年月）", "所在社区", "监护人及联系方式", "家庭住址", "贫困原因"].map { CellValue.text($0) })
        let numbers = sheet.rows.dropFirst(4).compactMap { row -> Double? in if case .number(let n) = row.cells[0] { return n } else { return nil } }
        #expect(numbers == (1...numbers.count).map(Double.init) && numbers.count > 10)
        #expect(sheet.rows.last?.cells.first == .text("街道妇联审核意见"))
        #expect(sheet.merged.contains(CellRange("A2:G2")!))
    }

    @Test func aWorkbooksBadRowsAreNamedByTheirCell() throws {
        let dir = try temporaryDirectory("xlsx-import")
        let path = dir.appendingPathComponent("附件2.xlsx").path
        let rows: [[CellValue]] = [
            ["附件2"].map { .text($0) },
            ["序号", "姓名", "年龄（出生年月）", "所在社区", "监护人及联系方式", "家庭住址", "贫困原因"].map { .text($0) },
            [.number(1), .text("甲"), .date(WorkbookDate(year: 2010, month: 3, day: 1)), .text("大芬"), .text("乙 13912340001"), .text("a"), .text("低保")],
            [.number(2), .text("丙"), .text("不详"), .text("大芬"), .text("丁 13912340002"), .text("a"), .text("低保")],
        ]
        try Data(WorkbookWriter.write([WorkbookSheet(name: "Sheet1", rows: rows.map { $0.map { WorkbookCell($0) } })])).write(to: URL(fileURLWithPath: path))
        let r = try MQLProcess.run(["import", "--data", MQLProcess.exampleCopy, "--today", "2019-11-30", "附件2", path, "--street", "布吉", "--dry-run"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("\(path):Sheet1!C4: error: 年龄（出生年月）'不详' has no year and month"), "\(r)")
        let legacy = dir.appendingPathComponent("old.xls").path
        try Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)).write(to: URL(fileURLWithPath: legacy))
        let old = try MQLProcess.run(["import", "--data", MQLProcess.exampleCopy, "附件2", legacy, "--street", "布吉"])
        #expect(old.status == 1 && old.stderr.contains("save it as .xlsx"), "\(old)")
    }

    @Test func aWorkbookNeverGoesToStdout() throws {
        let r = try MQLProcess.run(["--format", "xlsx", "-c", "count children"])
        #expect(r.status == 2 && r.stdout.isEmpty, "\(r)")
        #expect(r.stderr.contains("--format xlsx writes a workbook: give --out FILE.xlsx"), "\(r)")
        let dot = try MQLProcess.run(["-c", ".format xlsx"])
        #expect(dot.status == 1 && dot.stderr.contains("xlsx is written to a file"), "\(dot)")
        let out = try temporaryDirectory("xlsx-out").appendingPathComponent("q.xlsx").path
        let q = try MQLProcess.run(["--out", out, "-c", "streets select name, quota order by name limit 2"])
        #expect(q.status == 0 && q.stdout.isEmpty, "\(q)")
        let sheet = try WorkbookReader.read([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(sheet.rows.map(\.cells) == [[.text("name"), .text("quota")], [.text("坂田"), .number(15)], [.text("宝龙"), .number(10)]])
    }
}
