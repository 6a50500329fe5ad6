// A street's 双月报 as it sends it (ReportForm): the report rows and the 先进典型 section
// found by their headings, each bad row reported with its line, a period reported again
// updated rather than doubled, and the district's export importing back unchanged.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct ReportFormTests {
    static let example = Fixtures.root.appendingPathComponent("examples/forms/双月报-园山.csv").path

    func read(_ text: String, street: String, _ w: DatasetWorkspace) throws -> FormImport {
        try FormImporter.read(.reports, bytes: Array(text.utf8), street: street, store: w.session.store, today: Fixtures.today)
    }

    @Test func theExampleFormAddsTheMissingReportAndItsExemplars() throws {
        let w = try DatasetWorkspace(label: "report-form", cycle: true)
        let bytes = [UInt8](FileManager.default.contents(atPath: Self.example)!)
        let form = try FormImporter.read(.reports, bytes: bytes, street: "园山", store: w.session.store, today: Fixtures.today)
        #expect(form.errors.isEmpty)
        #expect(form.rows == 3)
        #expect(form.edits.map(\.collection) == ["reports", "exemplars", "exemplars"])
        let report = form.edits[0].cells
        #expect(report["id"] == "32" && report["street"] == "园山" && report["period"] == "2019-08" && report["submitted"] == "2019-11-28")
        #expect(report["problems"]?.hasPrefix("因联络员调整") == true)
        // By the names of mother and child, and by 结对编号.
        #expect(form.edits[1].cells["report"] == "32" && form.edits[1].cells["pairing"] == "42")
        #expect(form.edits[2].cells["pairing"] == "56")
        try w.session.apply(form.edits, description: "import 双月报")
        #expect(w.rows(#"双月报 where 街道 = "园山" and 期次 = "2019-08" select 报送日期, count(先进典型)"#) == "2019-11-28|2")
        // The same file again changes nothing: the report is as it says, the exemplars are there.
        let again = try FormImporter.read(.reports, bytes: bytes, street: "园山", store: w.session.store, today: Fixtures.today)
        #expect(again.errors.isEmpty)
        #expect(try w.session.apply(again.edits, description: "import 双月报 again").isEmpty)
        #expect(w.count("exemplars") == 10)
    }

    @Test func eachBadRowIsReportedWithItsLine() throws {
        let w = try DatasetWorkspace(label: "report-form-bad", cycle: true)
        let form = try read("""
            龙岗区“妇联妈妈”结对帮扶工作情况双月报
            期次,报送日期,成效,经验,存在问题
            2019-09,2019-09-20,家访5次,,
            十月,2019-10-20,家访5次,,
            2019-12,2019-12-32,家访5次,,
            2020-02,,,,
            2019-12,2019-12-20,家访7次,,
            2019-12,2019-12-21,重复,,
            先进典型
            期次,结对编号,妈妈姓名,儿童姓名,事迹
            2019-12,,,韦思琪,
            2019-12,16,,,事迹一
            2019-12,,沈琳,不存在,事迹二
            2018-12,,,,事迹三
            """, street: "园山", w)
        #expect(form.errors.map { "\($0.line): \($0.message)" } == [
            "3: 期次 '2019-09' is not an even month: reports are due every two months, in 6月, 8月, 10月, 12月, 2月 and 4月",
            "4: 期次 '十月' is not a year and month (2019-10)",
            "5: 报送日期 '2019-12-32' is not a date (2019-10-24)",
            "6: 成效 is empty",
            "8: 期次 2019-12 is reported twice (first on line 7)",
            "11: 先进典型 without 事迹",
            "12: 结对编号 '16' is not a pairing of 园山",
            "13: no pairing of 园山 matches 沈琳—不存在",
            "14: 先进典型 期次 '2018-12' is not a period this form reports",
        ])
        #expect(form.rows == 10)
        // With more than one period reported, an exemplar must say which.
        let two = try read("期次,报送日期,成效\n2019-12,2019-12-20,家访\n2020-02,2020-02-20,家访\n先进典型\n儿童姓名,事迹\n韦思琪,坚持家访\n", street: "园山", w)
        #expect(two.errors.map(\.message) == ["先进典型 needs its 期次: the form reports more than one period"])
        // An empty 报送日期 is the day the district receives it: today.
        let undated = try read("期次,报送日期,成效\n2019年12月,,家访\n", street: "园山", w)
        #expect(undated.errors.isEmpty && undated.edits.first?.cells["submitted"] == "2019-11-30" && undated.edits.first?.cells["period"] == "2019-12")
    }

    @Test func aPeriodReportedAgainIsUpdated() throws {
        let w = try DatasetWorkspace(label: "report-form-update", cycle: true)
        let form = try read("期次,报送日期,成效,经验,存在问题\n2019-10,2019-10-26,更正：家访13次,,\n", street: "宝龙", w)
        #expect(form.errors.isEmpty)
        #expect(form.edits.count == 1 && form.edits[0].kind == .update && form.edits[0].key == "29")
        try w.session.apply(form.edits, description: "import 双月报")
        #expect(w.rows(#"reports where id = 29 select results, experience"#) == "更正：家访13次|")
        #expect(w.count(#"reports where street = "宝龙""#) == 3)
    }

    @Test func theExportImportsBackUnchanged() throws {
        let w = try DatasetWorkspace(label: "report-form-export", cycle: true)
        let exported = ReportForm.export(street: "宝龙", store: w.session.store)
        let text = String(decoding: exported, as: UTF8.self)
        #expect(text.hasPrefix("\u{FEFF}期次,报送日期,成效,经验,存在问题\r\n2019-06,2019-06-24,"))
        #expect(text.contains("\r\n先进典型\r\n期次,结对编号,妈妈姓名,儿童姓名,事迹\r\n2019-06,71,邓晓红,曹锦程,"))
        let form = try FormImporter.read(.reports, bytes: exported, street: "宝龙", store: w.session.store, today: Fixtures.today)
        #expect(form.errors.isEmpty && form.rows == 5)
        #expect(try w.session.apply(form.edits, description: "import").isEmpty)
    }
}
