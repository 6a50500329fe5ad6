// `mql report` end to end (the cycle contract, §1): the JSON's shape and figures on the shipped data,
// one street, the page's safety (escaped, no script, no network, masked), and the usage
// errors (a period that is not one, a misspelt street, xlsx not yet available).

import Foundation
import Testing

@Suite struct ReportCommandTests {
    func json(_ extra: [String] = []) throws -> [String: Any] {
        let r = try MQLProcess.run(["report", "--period", "2019-10", "--today", "2019-11-30", "--format", "json"] + extra)
        #expect(r.status == 0, "\(r)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func jsonAsCycleMdNamesIt() throws {
        let report = try json()
        #expect(report["period"] as? String == "2019-10")
        #expect(report["window_start"] as? String == "2019-08-26")
        #expect(report["window_end"] as? String == "2019-10-25")
        let rows = report["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 11)
        let keys = ["street", "quota", "registered", "approved", "paired", "new_pairings", "ended_pairings", "home_visits",
                    "visited_pairings", "overdue_pairings", "submitted", "on_time", "exemplars", "photos"]
        for row in rows { #expect(Set(row.keys) == Set(keys), "\(row.keys)") }
        // The total adds up the rows.
        let total = report["total"] as? [String: Any] ?? [:]
        for key in ["quota", "registered", "approved", "paired", "home_visits", "overdue_pairings"] {
            let sum = rows.reduce(0) { $0 + (($1[key] as? Int) ?? 0) }
            #expect(total[key] as? Int == sum, "\(key)")
        }
        // 坪地 sent no report for 2019-10 (due 10-25, the report made 11-30): not on time.
        let pingdi = rows.first { $0["street"] as? String == "坪地" }
        #expect(pingdi?["submitted"] is NSNull)
        #expect(pingdi?["on_time"] as? Bool == false)
        #expect(total["submitted"] as? Int == 10)
        let rate = total["reporting_rate"] as? Double ?? 0
        #expect(abs(rate - 10.0 / 11.0) < 1e-9)
    }

    /// Before the due date, a report not yet received is neither on time nor late.
    @Test func notYetDueIsNull() throws {
        let r = try MQLProcess.run(["report", "--period", "2019-12", "--today", "2019-12-01", "--format", "json"])
        #expect(r.status == 0, "\(r)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let rows = report["rows"] as? [[String: Any]] ?? []
        #expect(!rows.isEmpty && rows.allSatisfy { $0["on_time"] is NSNull })
        #expect(report["window_start"] as? String == "2019-10-26")
    }

    @Test func oneStreet() throws {
        let report = try json(["--street", "布吉"])
        let rows = report["rows"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["street"] as? String } == ["布吉"])
        #expect((report["total"] as? [String: Any])?["quota"] as? Int == rows.first?["quota"] as? Int)
        #expect(report["street"] as? String == "布吉")
    }

    @Test func usageErrors() throws {
        let odd = try MQLProcess.run(["report", "--period", "2019-07", "--format", "json"])
        #expect(odd.status == 2)
        #expect(odd.stderr.contains("'2019-07' is not a report period"), "\(odd)")
        let malformed = try MQLProcess.run(["report", "--period", "2019-1O"])
        #expect(malformed.status == 2)
        let street = try MQLProcess.run(["report", "--period", "2019-10", "--street", "布几", "--format", "json"])
        #expect(street.status == 2)
        #expect(street.stderr.contains("no street named '布几'"), "\(street)")
        let xlsx = try MQLProcess.run(["report", "--period", "2019-10", "--format", "xlsx"])
        #expect(xlsx.status == 2)
        #expect(xlsx.stderr.contains("xlsx"), "\(xlsx)")
        #expect(odd.stdout.isEmpty && street.stdout.isEmpty && xlsx.stdout.isEmpty)
    }

    @Test func thePageIsSelfContainedAndEscaped() throws {
        let r = try MQLProcess.run(["report", "--period", "2019-10", "--today", "2019-11-30", "--format", "html"])
        #expect(r.status == 0, "\(r)")
        let page = r.stdout
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("@page { size: A4"))
        #expect(!page.lowercased().contains("<script"))
        #expect(!page.contains("http://") && !page.contains("https://"))
        #expect(page.contains("<svg"))
        #expect(page.contains("data:image/png;base64,"))
        // The title's quotes are text, escaped once; exemplars' notes are on the page.
        #expect(page.contains("<h1>龙岗区“妇联妈妈”结对帮扶工作双月报台账</h1>"))
        #expect(page.contains("社区妈妈团队轮流到困难家庭辅导功课"))
    }

    @Test func htmlEscapesWhatTheDataHolds() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-report-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let initRun = try MQLProcess.run(["init", dir])
        #expect(initRun.status == 0, "\(initRun)")
        let change = try MQLProcess.run(["--data", dir, "--today", "2019-11-30", "-c", #"update exemplars where id = 8 set note = "<script>alert(1)</script> & \"x\"""#])
        #expect(change.status == 0, "\(change)")
        let r = try MQLProcess.run(["report", "--data", dir, "--period", "2019-10", "--today", "2019-11-30", "--format", "html"])
        #expect(r.status == 0, "\(r)")
        #expect(!r.stdout.contains("<script>"))
        #expect(r.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"))
    }

    @Test func toAFile() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mql-report-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try MQLProcess.run(["report", "--period", "2019-10", "--today", "2019-11-30", "--out", out])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("{\"period\":\"2019-10\""))
    }
}
