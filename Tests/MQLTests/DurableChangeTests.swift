// Changing data (issue 4): every statement, every kind of refusal, transactions, the
// journal (replay, torn tail, checkpoint), the audit collection, and the forms in and
// out. Process-level crash and two-writer tests are in tests/durability.py.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct DurableChangeTests {
    typealias Workspace = DatasetWorkspace

    @Test func insertAssignsTheNextIDAndReportsIt() throws {
        let w = try Workspace()
        let out = w.run(#"insert children {name: "王小明", birth: 2010-03, street: "布吉", community: "大芬", tags: ["低保"], status: "待审核"}"#)
        guard case .success(.changed(1, let id))? = out.first else { Issue.record("\(out)"); return }
        #expect(id == 181)
        #expect(w.rows("children where id = 181 select name, birth, community, tags, status") == "王小明|2010-03-01|大芬|低保|待审核")
        // Durable: a new process sees it.
        #expect(try Workspace.open(w.directory).run("count children where id = 181").first.map { "\($0)" }?.contains("count(1)") == true)
    }

    @Test func insertRefusals() throws {
        let w = try Workspace()
        #expect(w.error(#"insert children {id: 1, name: "重复"}"#).contains("already has a row with key 1"))
        #expect(w.error(#"insert children {name: "甲", street: "布吉", community: "白坭坑"}"#).contains("unknown community '白坭坑' in street '布吉'"))
        #expect(w.error(#"insert children {name: "甲", street: "不存在"}"#).contains("unknown street '不存在'"))
        #expect(w.error(#"insert children {name: "甲", nmae: "x"}"#).contains("unknown field 'nmae' in children; did you mean 'name'?"))
        #expect(w.error(#"insert children {name: "甲", household_size: "三"}"#).contains("children.household_size holds a whole number, not text"))
        #expect(w.error(#"insert childs {name: "甲"}"#).contains("unknown collection 'childs'"))
        #expect(w.count("children") == 180, "nothing changed")
    }

    @Test func updateSetsFieldsPerRowAndRefusesKeys() throws {
        let w = try Workspace()
        let out = w.run(#"update children where street = "园山" and household_size is not null set household_size = household_size + 1"#)
        guard case .success(.changed(let n, nil))? = out.first else { Issue.record("\(out)"); return }
        #expect(n == w.count(#"children where street = "园山" and household_size is not null"#))
        #expect(w.error("update children where id = 17 set id = 99").contains("cannot change the key field 'id'"))
        #expect(w.error("update children where id = 17 set eligible = true").contains("computed by a define"))
        #expect(w.error(#"update children where id = 17 set street = "坂田""#).contains("community"))
    }

    @Test func constraintRefusalNamesCitationAndRowsAndChangesNothing() throws {
        let w = try Workspace()
        let before = w.count("pairings")
        // Mother 2 already has an active pairing.
        let message = w.error("pair mother 2 with child 17")
        #expect(message.contains("refused by constraint pairings.one_child"))
        #expect(message.contains("三(四) 每名“妇联妈妈”与1名贫困儿童结对"))
        #expect(message.contains("pairings 108"))
        #expect(message.hasPrefix("<test>:1:1: error:"))
        #expect(w.count("pairings") == before)
        #expect(try w.reopened().store.table("pairings")!.rowCount == before, "nothing journalled")
    }

    @Test func dataThatAlreadyBreaksAConstraintCanStillChangeOtherwise() throws {
        let w = try Workspace()
        // Pairing 51 already breaks one_child (mother 116 has two active pairings).
        let out = w.run(#"update pairings where id = 51 set note = "已核实""#)
        guard case .success(.changed(1, nil))? = out.first else { Issue.record("\(out)"); return }
    }

    @Test func deleteKeepsReferentialIntegrity() throws {
        let w = try Workspace()
        let message = w.error("delete children where id = 16")
        #expect(message.contains("cannot delete children 16: it is referred to by pairings"))
        let out = w.run("delete visits where id = 3")
        guard case .success(.changed(1, nil))? = out.first else { Issue.record("\(out)"); return }
        #expect(w.count("visits where id = 3") == 0)
        // Rows after the deleted one keep their references.
        #expect(w.rows("visits where id = 4 select pairing") == w.rows("visits where id = 4 select pairing"))
    }

    @Test func pairEndAndVisit() throws {
        let w = try Workspace()
        // Child 100 is paired by pairing 25 (out of scope); end it, then record nothing on it.
        #expect(w.error("visit child 17 on 2019-11-20").contains("no active pairing"))
        guard case .success(.changed(1, nil))? = w.run(#"end pairing 25 on 2019-11-29 note "范围不符""#).first else { Issue.record("end"); return }
        #expect(w.rows("pairings where id = 25 select until, note") == "2019-11-29|范围不符")
        #expect(w.error("end pairing 25").contains("already ended"))
        // A district-level mother (116 has two active pairings; use a free one).
        let free = w.rows(#"mothers where level = "区" and unpaired select id limit 1"#)
        let out = w.run("pair mother \(free) with child 17 since 2019-11-01 channels [\"微信\"]")
        guard case .success(.changed(1, let pairing?))? = out.first else { Issue.record("\(out)"); return }
        let visit = w.run(#"visit child 17 on 2019-11-20 note "了解学习情况""#)
        guard case .success(.changed(1, let visitID?))? = visit.first else { Issue.record("\(visit)"); return }
        #expect(w.rows("visits where id = \(visitID) select pairing, date, kind, note") == "\(pairing)|2019-11-20|家访|了解学习情况")
        #expect(w.rows("pairings where id = \(pairing) select last_home_visit, overdue") == "2019-11-20|false")
    }

    @Test func transactionsAreAllOrNone() throws {
        let w = try Workspace()
        w.run("""
        begin
        insert streets {name: "甲街", quota: 4, liaison: "甲"}
        insert communities {name: "甲社区", street: "甲街"}
        commit
        """)
        #expect(w.count(#"communities where street = "甲街""#) == 1, "constraints checked at commit, not per statement")
        w.run("""
        begin
        insert streets {name: "乙街", quota: 9, liaison: "乙"}
        rollback
        """)
        #expect(w.count(#"streets where name = "乙街""#) == 0)
        // A refused commit applies nothing.
        let out = w.run("""
        begin
        insert streets {name: "丙街", quota: 3, liaison: "丙"}
        insert streets {name: "丁街", quota: 3}
        commit
        """)
        #expect(out.contains { if case .failure(let e) = $0 { return e.description.contains("has_liaison") }; return false })
        #expect(w.count(#"streets where name in ["丙街", "丁街"]"#) == 0)
        #expect(!w.session.inTransaction)
        #expect(try w.reopened().run(#"count streets where name = "甲街""#).first.map { "\($0)" }?.contains("count(1)") == true)
    }

    @Test func auditRecordsWhoWhatAndTheStatement() throws {
        let w = try Workspace()
        w.run(#"insert streets {name: "甲街", quota: 3, liaison: "甲"}"#)
        w.run(#"update streets where name = "甲街" set liaison = "乙""#)
        #expect(w.rows(#"changes select user, op, collection, key, statement"#) == """
        测试|insert|streets|甲街|insert streets {name: "甲街", quota: 3, liaison: "甲"}
        测试|update|streets|甲街|update streets where name = "甲街" set liaison = "乙"
        """)
        #expect(try w.reopened().store.table("changes")!.rowCount == 2)
    }

    @Test func journalReplayTornTailAndCheckpoint() throws {
        let w = try Workspace()
        w.run(#"insert streets {name: "甲街", quota: 3, liaison: "甲"}"#)
        let journal = w.directory + "/journal.mqlj"
        let attributes = try FileManager.default.attributesOfItem(atPath: journal)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A torn tail: dropped with a warning, the change before it kept.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data("MQLJ 500 12345678\n{\"at\":".utf8))
        try handle.close()
        let dataset = Dataset(directory: w.directory)
        let store = try dataset.load()
        #expect(dataset.warnings.first?.contains("torn or corrupt journal tail") == true)
        #expect(store.table("streets")!.row(editKey: "甲街") != nil)
        // A checkpoint writes the files and empties the journal; the data stays.
        let reopened = try w.reopened()
        try reopened.checkpoint()
        #expect((try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) == 0)
        let csv = try String(contentsOfFile: w.directory + "/streets.csv", encoding: .utf8)
        #expect(csv.contains("甲街,3,甲,"))
        let after = try w.reopened()
        #expect(after.store.table("streets")!.row(editKey: "甲街") != nil)
        #expect(after.store.table("changes")!.rowCount == 1)
        // Replaying the old journal over the new files (a crash before the journal was
        // emptied) changes nothing.
        let edits = [RowEdit(kind: .insert, collection: "streets", key: "甲街", cells: ["name": "甲街", "quota": "3", "liaison": "甲", "liaison_phone": ""])]
        let replayed = try after.store.applying(edits, replaying: true)
        #expect(replayed.table("streets")!.rowCount == after.store.table("streets")!.rowCount)
    }

    @Test func importChildrenFromGB18030AndMothersWithPairings() throws {
        let w = try Workspace()
        let forms = Fixtures.root.appendingPathComponent("examples/forms").path
        let f2 = try [UInt8](Data(contentsOf: URL(fileURLWithPath: forms + "/附件2-布吉.csv")))
        #expect(UTF8Validation.firstInvalidOffset(f2) != nil, "the example 附件2 is GB18030, as Excel writes it")
        let children = try FormImporter.read(.children, bytes: f2, street: "布吉", store: w.session.store, today: Fixtures.today)
        #expect(children.errors.isEmpty)
        #expect(children.edits.count == 4)
        let first = children.edits[0].cells
        #expect(first["name"] == "林小雨" && first["birth"] == "2010-03-01" && first["community"] == "大芬")
        #expect(first["guardian"] == "林国强" && first["guardian_phone"] == "13912340001")
        #expect(Set((first["tags"] ?? "").split(separator: ";").map(String.init)) == ["低保", "单亲", "无固定收入"])
        #expect(children.edits[1].cells["tags"]?.contains("重大疾病") == true)
        try w.session.apply(children.edits, description: "import 附件2")
        w.run("update children where id = 182 set medical_cost = 150000, household_income = 2500")
        w.run(#"update children where id in [181, 182] set status = "已审核""#)
        let f3 = try [UInt8](Data(contentsOf: URL(fileURLWithPath: forms + "/附件3-布吉.csv")))
        let mothers = try FormImporter.read(.mothers, bytes: f3, street: "布吉", store: w.session.store, today: Fixtures.today)
        #expect(mothers.errors.isEmpty)
        try w.session.apply(mothers.edits, description: "import 附件3")
        #expect(w.rows("pairings where id > 107 select mother.name, child.name") == "刘美华|林小雨\n郑晓燕|陈思远")
    }

    @Test func importReportsEveryBadRowAndAddsNothing() throws {
        let w = try Workspace()
        let bad = try [UInt8](Data(contentsOf: Fixtures.root.appendingPathComponent("examples/forms/附件2-有错误的行.csv")))
        let result = try FormImporter.read(.children, bytes: bad, street: "布吉", store: w.session.store, today: Fixtures.today)
        #expect(result.errors.map(\.line) == [3, 4])
        #expect(result.edits.count == 1)
        #expect(throws: ChangeError.self) {
            try FormImporter.read(.children, bytes: bad, street: nil, store: w.session.store, today: Fixtures.today)
        }
    }

    @Test(arguments: [
        ("9（2010.03）", "2010-03-01"), ("2010年3月", "2010-03-01"), ("2010.3", "2010-03-01"), ("2010-03", "2010-03-01"),
        ("9(2010.03)", "2010-03-01"), ("2010年3月15日", "2010-03-15"), ("不详", ""), ("2010", ""),
    ])
    func birthInTheFormsPeopleWrite(_ text: String, _ expected: String) {
        #expect(FormImporter.birth(text).map(CivilDate.format) ?? "" == expected)
    }

    @Test func exportNeutralisesFormulasAndWritesABOM() {
        let bytes = FormExporter.csv(header: ["a", "b"], rows: [["=1+1", "@SUM(A1)"], ["-3", "正常, 带逗号"]])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(text == "\u{FEFF}a,b\r\n'=1+1,'@SUM(A1)\r\n'-3,\"正常, 带逗号\"\r\n")
    }

    @Test func exportedFormReadsBack() throws {
        let w = try Workspace()
        let bytes = FormExporter.children(street: "园山", store: w.session.store, today: Fixtures.today, unmask: true).csv
        let back = try FormImporter.read(.children, bytes: bytes, street: "园山", store: w.session.store, today: Fixtures.today)
        #expect(back.errors.isEmpty)
        #expect(back.edits.count == w.count(#"children where street = "园山""#))
        let names = back.edits.map { $0.cells["name"] ?? "" }
        #expect(names == w.rows(#"children where street = "园山" select name"#).split(separator: "\n").map(String.init))
    }
}
