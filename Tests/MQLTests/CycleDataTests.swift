// The collections of the bi-monthly cycle (cycle.md §1, data.md): reports, exemplars and
// attachments load from their optional files, answer to their Chinese names, and are
// changed like every other collection — journalled, audited, replayed, checkpointed and
// snapshotted.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct CycleDataTests {
    @Test func theExampleDataHasReportsExemplarsAndAttachments() throws {
        let w = try DatasetWorkspace(label: "cycle", cycle: true)
        #expect(w.count("reports") == 31)
        #expect(w.count("exemplars") == 8)
        #expect(w.count("attachments") == 10)
        // Two periods have a street missing: 园山 in 2019-08, 坪地 in 2019-10.
        #expect(w.rows(#"streets where count(reports where period = "2019-08") = 0 select name"#) == "园山")
        #expect(w.rows(#"streets where count(reports where period = "2019-10") = 0 select name"#) == "坪地")
        // Some were received after the 25th.
        #expect(w.rows(#"reports where period = "2019-10" and submitted > 2019-10-25 select street order by street"#) == "宝龙\n横岗\n龙城")
        // References resolve both ways, in English and in Chinese.
        #expect(w.rows(#"exemplars where id = 1 select report.street, pairing.child.name"#) == "宝龙|曹锦程")
        #expect(w.rows(#"双月报 where 街道 = "宝龙" and 期次 = "2019-06" select count(先进典型), count(附件资料)"#) == "1|1")
        #expect(w.rows(#"附件资料 where 走访 is not null select 走访.结对.儿童.姓名, 拍摄日期 order by id limit 1"#) == "曹锦程|2019-06-09")
        #expect(w.rows(#"visits where id = 580 select count(attachments)"#) == "1")
    }

    @Test func missingFilesAreEmptyCollections() throws {
        let w = try DatasetWorkspace(label: "cycle-missing")
        #expect(w.count("reports") == 0 && w.count("exemplars") == 0 && w.count("attachments") == 0)
        #expect(!FileManager.default.fileExists(atPath: w.directory + "/reports.csv"))
    }

    @Test func changesToTheCycleAreJournalledAuditedAndSurviveACheckpoint() throws {
        let w = try DatasetWorkspace(label: "cycle-change", cycle: true)
        #expect(w.insertedID(#"insert reports {street: "园山", period: "2019-08", submitted: 2019-09-02, results: "补报：暑期家访6次"}"#) == 32)
        #expect(w.insertedID(#"insert 先进典型 {双月报: 32, 结对: 42, 事迹: "坚持每周线上辅导"}"#) == 9)
        #expect(w.error(#"update 双月报 where id = 32 set 存在问题 = "报送延误""#) == "")
        #expect(w.error(#"delete attachments where id = 10"#) == "")
        // A report an exemplar names cannot go; a reference to a missing row is refused.
        #expect(w.error("delete reports where id = 32").contains("referred to by exemplars 9"))
        #expect(w.error(#"insert exemplars {report: 99, note: "x"}"#).contains("99"))
        #expect(w.count(#"changes where collection in ["reports", "exemplars", "attachments"]"#) == 4)
        // Replayed from the journal by the next process.
        var next = try w.reopened()
        let journalled = "32|园山|报送延误"
        #expect(rows(next, #"reports where id = 32 select id, street, problems"#) == journalled)
        // Written to the CSV files and the snapshot by a checkpoint, read back from both.
        try next.checkpoint()
        let csv = try String(contentsOfFile: w.directory + "/exemplars.csv", encoding: .utf8)
        #expect(csv.contains("9,32,42,坚持每周线上辅导\n"))
        next = try w.reopened()
        #expect(rows(next, #"reports where id = 32 select id, street, problems"#) == journalled)
        #expect(next.store.table("attachments")?.rowCount == 9)
        try FileManager.default.removeItem(atPath: w.directory + "/snapshot.mqls")
        next = try w.reopened()
        #expect(next.store.table("exemplars")?.rowCount == 9)
        #expect(rows(next, #"reports where id = 32 select id, street, problems"#) == journalled)
    }

    func rows(_ session: Session, _ query: String) -> String {
        guard case .success(.rows(let r))? = session.run(query).first else { return "" }
        return r.rows.map { $0.map(\.description).joined(separator: "|") }.joined(separator: "\n")
    }
}
