// The audit trail cannot be rewritten (issue 9): `changes` is read-only to every
// statement and import, and the journal's hash chain makes an edited, reordered or
// truncated history visible to `mql check` (`Journal.verify`). Ids are positive, bounded
// and never reused, across restarts and checkpoints.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct AuditAndIdTests {
    typealias Workspace = DatasetWorkspace

    // MARK: - changes is read-only

    @Test(arguments: [
        ("delete changes where true", 8),
        ("update changes set user = \"别人\"", 8),
        ("update changes where id = 1 set statement = \"\"", 8),
        ("insert changes {id: 999, op: \"insert\", collection: \"children\", key: \"1\"}", 8),
    ])
    func statementsCannotChangeTheAuditTrail(_ statement: String, _ column: Int) throws {
        let w = try Workspace()
        w.run(#"update children where id = 1 set review = "甲""#)
        let journal = w.journalBytes
        #expect(w.error(statement) == "<test>:1:\(column): error: changes is read-only: it is the audit trail")
        // In a transaction too; nothing of it is applied or journalled.
        #expect(w.error("begin\n\(statement)\ncommit").hasPrefix("<test>:2:\(column): error: changes is read-only"))
        w.run("rollback")
        #expect(w.rows("changes select id, op, key") == "1|update|1")
        #expect(w.journalBytes == journal)
    }

    @Test func importsCannotChangeTheAuditTrail() throws {
        let w = try Workspace()
        #expect(throws: DiagnosticError.self) {
            try w.session.apply([RowEdit(kind: .insert, collection: "changes", key: "5", cells: ["id": "5", "op": "insert"])], description: ".import changes x.csv")
        }
        #expect(w.session.store.table("changes")?.rowCount == 0)
        #expect(w.journalBytes.isEmpty)
    }

    // MARK: - Ids

    @Test(arguments: ["999999999999999999", "1000000000000000000", "0", "-1", "2147483648", "1.5"])
    func anIDOutOfRangeIsRefusedAtTheValue(_ id: String) throws {
        let w = try Workspace()
        let message = w.error("insert children {name: \"甲\", id: \(id)}")
        let expected = id == "1.5" ? "<test>:1:33: error: children.id holds whole numbers; 1.5 is not one (use round(…) to round it)"
            : "<test>:1:33: error: id \(id) is out of range: ids are whole numbers from 1 to 2147483647"
        #expect(message == expected, "\(message)")
        // Nothing changed, and the next insert still takes the next id.
        #expect(w.insertedID(#"insert children {name: "乙", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 181)
    }

    @Test func theLargestIDIsTheLast() throws {
        let w = try Workspace()
        #expect(w.insertedID(#"insert children {id: 2147483647, name: "甲", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 2147483647)
        #expect(w.error(#"insert children {name: "乙", birth: 2012-05, street: "布吉", community: "大芬"}"#) == "<test>:1:1: error: children has used every id up to 2147483647")
        #expect(w.insertedID(#"insert mothers {name: "丙", level: "区"}"#) != nil, "other collections are not affected")
    }

    @Test func deletedIDsAreNeverReused() throws {
        let w = try Workspace()
        #expect(w.insertedID(#"insert children {name: "甲", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 181)
        w.run("delete children where id = 181")
        #expect(w.insertedID(#"insert children {name: "乙", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 182)
        let reused = w.error(#"insert children {id: 181, name: "丙", birth: 2012-05, street: "布吉", community: "大芬"}"#)
        #expect(reused.hasPrefix("<test>:1:22: error: id 181 was used before in children and is never reused"), "\(reused)")
        #expect(reused.contains("the next, 183"))
        // In one transaction: delete the largest, insert.
        #expect(w.run("begin\ndelete children where id = 182\ninsert children {name: \"丁\", birth: 2012-05, street: \"布吉\", community: \"大芬\"}\ncommit").allSatisfy { (try? $0.get()) != nil })
        #expect(w.rows("children where id > 180 select id, name") == "183|丁")
        // After a restart, and after a checkpoint, still not reused.
        w.run("delete children where id = 183")
        try w.reopen()
        #expect(w.insertedID(#"insert children {name: "戊", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 184)
        w.run("delete children where id = 184")
        try w.session.checkpoint()
        try w.reopen()
        #expect(w.insertedID(#"insert children {name: "己", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 185)
        // So every audit key names one child.
        #expect(w.rows(#"changes where collection = "children" and op = "insert" select key"#) == "181\n182\n183\n184\n185")
    }

    /// `pair` and `visit` take `nextFreeID` too.
    @Test func visitsTakeIDsNeverUsed() throws {
        let w = try Workspace()
        let largest = w.session.store.table("visits")!.nextFreeID - 1
        w.run("delete visits where id = \(largest)")
        #expect(w.session.store.table("visits")!.row(id: largest) == nil)
        #expect(w.session.store.table("visits")!.nextFreeID == largest + 1)
        try w.reopen()
        #expect(w.session.store.table("visits")!.nextFreeID == largest + 1)
    }

    /// A form's rows take ids never used, and past the last id an import is refused.
    @Test func formsTakeIDsNeverUsed() throws {
        let w = try Workspace()
        let form = [UInt8](FileManager.default.contents(atPath: Fixtures.root.appendingPathComponent("examples/forms/附件2-布吉.csv").path)!)
        #expect(w.insertedID(#"insert children {name: "甲", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 181)
        w.run("delete children where id = 181")
        let imported = try FormImporter.read(.children, bytes: form, street: "布吉", store: w.session.store, today: Fixtures.today)
        #expect(imported.edits.map(\.key) == ["182", "183", "184", "185"])
        #expect(w.insertedID(#"insert children {id: 2147483646, name: "乙", birth: 2012-05, street: "布吉", community: "大芬"}"#) == 2147483646)
        let full = try FormImporter.read(.children, bytes: form, street: "布吉", store: w.session.store, today: Fixtures.today)
        #expect(full.edits.map(\.key) == ["2147483647", "2147483648", "2147483649", "2147483650"])
        do {
            try w.session.apply(full.edits, description: "import 附件2")
            Issue.record("ids past the last were imported")
        } catch let error as DiagnosticError {
            #expect(error.description.contains("id 2147483648 is out of range"), "\(error)")
        }
        #expect(w.session.store.table("children")!.row(id: 2147483647) == nil, "all or nothing")
    }

    // MARK: - The hash chain

    /// The journal's records as byte arrays.
    static func records(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var position = 0
        while position < bytes.count {
            let newline = bytes[position...].firstIndex(of: 0x0A)!
            let header = String(decoding: bytes[position..<newline], as: UTF8.self).split(separator: " ")
            let end = newline + 1 + Int(header[1])! + 1
            out.append(Array(bytes[position..<end]))
            position = end
        }
        return out
    }

    /// A record with its payload changed and its length and CRC recomputed: what someone
    /// editing the journal with care would write.
    static func rewritten(_ record: [UInt8], _ change: (String) -> String) -> [UInt8] {
        let newline = record.firstIndex(of: 0x0A)!
        let payload = Array(change(String(decoding: record[(newline + 1)..<(record.count - 1)], as: UTF8.self)).utf8)
        return Array("MQLJ \(payload.count) \(String(CRC32.checksum(payload), radix: 16))\n".utf8) + payload + [0x0A]
    }

    /// Five changes, one entry each (change ids 1…5).
    static func chainedWorkspace() throws -> Workspace {
        let w = try Workspace()
        for id in 1...5 { w.run("update children where id = \(id) set review = \"第\(id)次\"") }
        #expect(records(w.journalBytes).count == 5)
        return w
    }

    @Test func anUntouchedJournalIsClean() throws {
        let w = try Self.chainedWorkspace()
        let report = w.verify()
        #expect(report.problem == nil)
        #expect(report.entries == 5 && report.unchained == 0)
        #expect(report.head?.count == 64)
        // A torn tail is a crash, not tampering.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: w.journalPath))
        handle.seekToEndOfFile()
        handle.write(Data("MQLJ 300 abc\n{\"at\":".utf8))
        try handle.close()
        #expect(w.verify().problem == nil)
        #expect(w.verify().entries == 5)
    }

    @Test func anEditedEntryIsNamed() throws {
        let w = try Self.chainedWorkspace()
        var records = Self.records(w.journalBytes)
        records[2] = Self.rewritten(records[2]) { $0.replacingOccurrences(of: "第3次", with: "改过的") }
        try Data(records.joined()).write(to: URL(fileURLWithPath: w.journalPath))
        // It still loads (its checksum is good) …
        try w.reopen()
        #expect(w.rows("children where id = 3 select review") == "改过的")
        // … and check names it.
        let problem = w.verify().problem ?? ""
        #expect(problem.hasPrefix("entry 3 (byte "), "\(problem)")
        #expect(problem.contains("change 3, ") && problem.contains("update children where id = 3") && problem.contains("was edited"), "\(problem)")
    }

    @Test func swappedEntriesAreNamed() throws {
        let w = try Self.chainedWorkspace()
        var records = Self.records(w.journalBytes)
        records.swapAt(1, 3)
        try Data(records.joined()).write(to: URL(fileURLWithPath: w.journalPath))
        let problem = w.verify().problem ?? ""
        #expect(problem.hasPrefix("entry 2 (byte ") && problem.contains("change 4,") && problem.contains("out of place"), "\(problem)")
    }

    @Test func removedEntriesAreNamed() throws {
        let w = try Self.chainedWorkspace()
        let records = Self.records(w.journalBytes)
        // The first two removed: the head no longer links to the anchor.
        try Data(records.dropFirst(2).joined()).write(to: URL(fileURLWithPath: w.journalPath))
        let head = w.verify().problem ?? ""
        #expect(head.hasPrefix("entry 1 (byte 0, change 3,") && head.contains("does not link to the chain anchor"), "\(head)")
        // One in the middle removed.
        try Data((records[0..<2] + records[3...]).joined()).write(to: URL(fileURLWithPath: w.journalPath))
        let middle = w.verify().problem ?? ""
        #expect(middle.hasPrefix("entry 3 (byte ") && middle.contains("change 4,") && middle.contains("out of place"), "\(middle)")
        // The anchor removed.
        try Data(records.joined()).write(to: URL(fileURLWithPath: w.journalPath))
        #expect(w.verify().problem == nil)
        try FileManager.default.removeItem(atPath: w.directory + "/journal.anchor")
        #expect(w.verify().problem?.contains("journal.anchor is missing") == true)
    }

    @Test func damageWithGoodEntriesAfterItIsNotATornTail() throws {
        let w = try Self.chainedWorkspace()
        var records = Self.records(w.journalBytes)
        records[1][records[1].count - 3] ^= 0x01  // inside the payload: the CRC no longer matches
        try Data(records.joined()).write(to: URL(fileURLWithPath: w.journalPath))
        let problem = w.verify().problem ?? ""
        #expect(problem.hasPrefix("entry 2 (byte ") && problem.contains("good entries follow it"), "\(problem)")
    }

    /// A journal written before the chain existed loads as ever; check says it cannot be
    /// verified; new entries chain on from it, and a checkpoint starts a clean chain.
    @Test func aLegacyJournalIsAnUnchainedPrefix() throws {
        let w = try Self.chainedWorkspace()
        let legacy = Self.records(w.journalBytes).map { Self.rewritten($0) { $0.replacingOccurrences(of: #","previous":"[0-9a-f]{64}""#, with: "", options: .regularExpression) } }
        #expect(!String(decoding: legacy[0], as: UTF8.self).contains("previous"))
        try Data(legacy.joined()).write(to: URL(fileURLWithPath: w.journalPath))
        try FileManager.default.removeItem(atPath: w.directory + "/journal.anchor")
        try w.reopen()
        #expect(w.session.dataset?.warnings == [])
        #expect(w.rows("children where id = 5 select review") == "第5次")
        var report = w.verify()
        #expect(report.problem == nil && report.unchained == 5 && report.entries == 5)
        w.run(#"update children where id = 6 set review = "新的""#)
        report = w.verify()
        #expect(report.problem == nil && report.unchained == 5 && report.entries == 6, "\(report)")
        // Editing the last legacy entry now breaks the link the first chained entry holds.
        var records = Self.records(w.journalBytes)
        records[4] = Self.rewritten(records[4]) { $0.replacingOccurrences(of: "第5次", with: "改过的") }
        try Data(records.joined()).write(to: URL(fileURLWithPath: w.journalPath))
        #expect(w.verify().problem?.hasPrefix("entry 5 (") == true)
        try w.reopen()
        try w.session.checkpoint()
        w.run(#"update children where id = 7 set review = "检查点之后""#)
        report = w.verify()
        #expect(report.problem == nil && report.unchained == 0 && report.entries == 1, "\(report)")
    }

    /// Another process's checkpoint empties the journal under a session that loaded
    /// before it: the session's next change reloads, and chains to the new anchor.
    @Test func aCheckpointByAnotherProcessStartsANewChain() throws {
        let w = try Self.chainedWorkspace()
        let other = try Workspace.open(w.directory)
        _ = other.run(#"update children where id = 8 set review = "另一个进程""#, name: "<other>")
        try other.checkpoint()
        w.run(#"update children where id = 9 set review = "之后""#)
        let report = w.verify()
        #expect(report.problem == nil && report.entries == 1, "\(report)")
        try w.reopen()
        #expect(w.rows("children where id in [8, 9] select review") == "另一个进程\n之后")
        #expect(w.session.store.table("changes")?.rowCount == 7)
    }
}
