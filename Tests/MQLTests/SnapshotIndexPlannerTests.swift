// Index scan = full scan on a store opened from a snapshot that holds indexes (format 3):
// right after opening (the planner reads the snapshot's indexes a few blocks at a time),
// after changes in the same process (columns written: their indexes built and maintained
// in memory instead), and in a new process that replays the journal of those changes on
// top of the snapshot.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct SnapshotIndexPlannerTests {
    static let ordered = [
        "children order by household_income desc limit 7 select id, household_income",
        "children order by medical_cost desc, household_income limit 25 select id",
        "children order by registered limit 9 select id",
        "children order by birth desc limit 3 select id",
        #"children where status = "待审核" order by household_income limit 5 select id"#,
        "visits order by date desc limit 11 select id",
        "pairings order by since limit 6 select id",
    ]

    static func check(_ session: Session, seed: UInt64) throws {
        try checkPlannerAgainstScans(session, seed: seed, queries: 200)
        for query in ordered {
            let (indexed, scanned) = try indexedAndScanned(session, query)
            #expect(indexed == scanned, "\(query)")
        }
    }

    @Test func indexesFromTheSnapshotAgreeWithScansBeforeAndAfterChanges() throws {
        let directory = NSTemporaryDirectory() + "mql-snapidx-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try DatasetGenerator(children: 3000, seed: 12).write(to: URL(fileURLWithPath: directory))
        let dataset = Dataset(directory: directory)
        try dataset.journal.lockForWriting()
        try dataset.checkpoint(try DatasetLoader.load(directory: directory))
        dataset.endChange()

        // Straight from the snapshot.
        var session = try DatasetWorkspace.open(directory)
        let children = session.store.table("children")!
        let status = children.schema.fieldIndex("status")!
        #expect(children.hasReadyPostings(field: status) && !children.hasCachedPostings(field: status), "a snapshot with indexes")
        try Self.check(session, seed: 31)

        // Changes in this process: updated, inserted and deleted rows.
        session = try DatasetWorkspace.open(directory)
        let statements = [
            "update children where id <= 60 set household_income = 7",
            #"update children where id between 100 and 200 and count(pairings) = 0 set status = "待审核", tags = ["单亲", "低保"]"#,
            "update children where id between 200 and 210 set registered = 2019-05-21, medical_cost = 999999",
            #"insert children {name: "王小明", birth: 2010-03-01, street: "布吉", community: "大芬", tags: ["低保"], status: "待审核", household_income: 1}"#,
            "delete visits where id <= 30 and count(attachments) = 0",
            "update visits where id between 40 and 80 set date = 2019-11-29",
        ]
        for statement in statements {
            let outcome = session.run(statement, name: "<test>")
            guard case .success? = outcome.first else {
                Issue.record("\(statement): \(outcome)")
                continue
            }
        }
        let changed = session.store.table("children")!, income = changed.schema.fieldIndex("household_income")!
        #expect(changed.hasReadySortedIndex(field: income) == changed.hasCachedSortedIndex(field: income), "a written column's index is not used")
        try Self.check(session, seed: 32)

        // A new process: the journal replayed on top of the snapshot.
        let reopened = try DatasetWorkspace.open(directory)
        #expect(reopened.store.table("children")!.rowCount == session.store.table("children")!.rowCount)
        try Self.check(reopened, seed: 33)
        for query in Self.ordered {
            #expect(try reopened.rows(query) == session.rows(query), "\(query)")
        }
    }
}
