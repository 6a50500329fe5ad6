// The journal against untrusted bytes (issue 9): an entry whose header or JSON holds huge,
// negative or inconsistent numbers is a torn tail — dropped with a warning, every earlier
// entry kept — never a trap on overflow. Also the id bounds of loaded CSV files, the
// audit trail's refusal of every change but the journal's own, and the SHA-256 the
// journal's hash chain is built on.

import Engine
import Foundation
import Testing

@Suite struct JournalHardeningTests {
    /// A generated dataset with one good journal entry (child 1 renamed, change id 1).
    static func datasetWithOneEntry(_ label: String) throws -> URL {
        let dir = try temporaryDirectory(label)
        try DatasetGenerator(children: 30, seed: 3).write(to: dir)
        let dataset = Dataset(directory: dir.path)
        var store = try dataset.load()
        store = try dataset.beginChange(store)
        defer { dataset.endChange() }
        let edit = RowEdit(kind: .update, collection: "children", key: "1", cells: ["name": "日志里的名字"])
        _ = try dataset.commit(JournalEntry(at: "2019-11-30 10:00:00", user: "t", statement: "update", firstChangeID: 1, edits: [edit]),
                               changed: try store.applying([edit]))
        return dir
    }

    /// A framed record with a correct length and CRC around `payload`.
    static func record(_ payload: String) -> [UInt8] {
        let bytes = Array(payload.utf8)
        return Array("MQLJ \(bytes.count) \(String(CRC32.checksum(bytes), radix: 16))\n".utf8) + bytes + [0x0A]
    }

    static func entryJSON(firstChangeID: String = "2", at: String = "2019-11-30 10:01:00", collection: String = "children",
                          key: String = "2", kind: String = "update", cells: String = #"{"name":"乙"}"#) -> String {
        #"{"at":"\#(at)","edits":[{"cells":\#(cells),"collection":"\#(collection)","key":"\#(key)","kind":"\#(kind)"}],"firstChangeID":\#(firstChangeID),"statement":"s","user":"u"}"#
    }

    static func append(_ bytes: [UInt8], to dir: URL) throws {
        let handle = try FileHandle(forWritingTo: dir.appendingPathComponent("journal.mqlj"))
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        try handle.close()
    }

    static func nameOfChild(_ id: Int, _ store: Store) -> String? {
        let children = store.table("children")!
        guard case .text(let names)? = children.column(named: "name"), let row = children.row(id: id) else { return nil }
        return names.text(at: row)
    }

    /// Every numeric field of the header and of the entry, made huge, negative or
    /// inconsistent: each is a tail dropped with one warning, the first entry kept.
    @Test(arguments: [
        ("length Int64.max", Array("MQLJ 9223372036854775807 0\n{}\n".utf8)),
        ("length UInt64.max", Array("MQLJ 18446744073709551615 0\n{}\n".utf8)),
        ("length negative", Array("MQLJ -5 0\n{}\n".utf8)),
        ("length past the file", Array("MQLJ 4096 0\n{}\n".utf8)),
        ("length Int64.max - 1", Array("MQLJ 9223372036854775806 ffffffff\n".utf8)),
        ("crc too long", Array("MQLJ 2 fffffffffffffffffffff\n{}\n".utf8)),
        ("no newline after a header", Array("MQLJ 2 0".utf8)),
        ("a header that never ends", Array(repeating: UInt8(0x41), count: 5000)),
        ("firstChangeID Int64.max", record(entryJSON(firstChangeID: "9223372036854775807"))),
        ("firstChangeID overflows with two edits", record(#"{"at":"2019-11-30 10:01:00","edits":[{"cells":{},"collection":"children","key":"2","kind":"delete"},{"cells":{},"collection":"children","key":"3","kind":"delete"}],"firstChangeID":9223372036854775807,"statement":"s","user":"u"}"#)),
        ("firstChangeID Int64.min", record(entryJSON(firstChangeID: "-9223372036854775808"))),
        ("firstChangeID zero", record(entryJSON(firstChangeID: "0"))),
        ("firstChangeID past the id bound", record(entryJSON(firstChangeID: "2147483648"))),
        ("firstChangeID beyond Int64", record(entryJSON(firstChangeID: "99999999999999999999999"))),
        ("firstChangeID fractional", record(entryJSON(firstChangeID: "2.5"))),
        ("firstChangeID not following", record(entryJSON(firstChangeID: "7"))),
        ("key Int64.max", record(entryJSON(key: "9223372036854775807"))),
        ("key negative", record(entryJSON(key: "-1"))),
        ("key beyond Int64", record(entryJSON(key: "99999999999999999999999"))),
        ("insert id unlike its key", record(entryJSON(key: "500", kind: "insert", cells: #"{"id":"501"}"#))),
        ("insert id Int64.max", record(entryJSON(key: "9223372036854775807", kind: "insert", cells: #"{"id":"9223372036854775807"}"#))),
        ("unknown collection", record(entryJSON(collection: "nothing"))),
        ("unknown field", record(entryJSON(cells: #"{"nmae":"x"}"#))),
        ("time not a time", record(entryJSON(at: "yesterday"))),
        ("no edits", record(#"{"at":"2019-11-30 10:01:00","edits":[],"firstChangeID":2,"statement":"s","user":"u"}"#)),
    ])
    func implausibleEntriesAreATornTail(_ what: String, _ tail: [UInt8]) throws {
        let dir = try Self.datasetWithOneEntry("journal-tail")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.append(tail, to: dir)
        let dataset = Dataset(directory: dir.path)
        let store = try dataset.load()
        #expect(dataset.warnings.count == 1, "\(what): \(dataset.warnings)")
        #expect(dataset.warnings.first?.contains("dropping a torn or corrupt journal tail") == true, "\(what)")
        #expect(Self.nameOfChild(1, store) == "日志里的名字", "\(what): the entry before it is kept")
        #expect(store.table("changes")?.rowCount == 1, "\(what)")
        // The next change overwrites the tail; loading is clean again.
        var current = try dataset.beginChange(store)
        let edit = RowEdit(kind: .update, collection: "children", key: "2", cells: ["name": "丙"])
        current = try dataset.commit(JournalEntry(at: "2019-11-30 11:00:00", user: "t", statement: "update", firstChangeID: 2, edits: [edit]),
                                     changed: try current.applying([edit]))
        dataset.endChange()
        let again = Dataset(directory: dir.path)
        let reloaded = try again.load()
        #expect(again.warnings.isEmpty, "\(what): \(again.warnings)")
        #expect(Self.nameOfChild(2, reloaded) == "丙", "\(what)")
    }

    /// A plausible entry after the first one still loads (the checks refuse only what no
    /// mql writes).
    @Test func aPlausibleEntryLoads() throws {
        let dir = try Self.datasetWithOneEntry("journal-plausible")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.append(Self.record(Self.entryJSON()), to: dir)
        let dataset = Dataset(directory: dir.path)
        let store = try dataset.load()
        #expect(dataset.warnings.isEmpty, "\(dataset.warnings)")
        #expect(Self.nameOfChild(2, store) == "乙")
    }

    /// An entry that would be dropped on the next load is not journalled at all.
    @Test func anImplausibleEntryIsNotWritten() throws {
        let dir = try temporaryDirectory("journal-refuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 10, seed: 1).write(to: dir)
        let dataset = Dataset(directory: dir.path)
        let store = try dataset.beginChange(try dataset.load())
        defer { dataset.endChange() }
        let edit = RowEdit(kind: .update, collection: "children", key: "1", cells: ["name": "甲"])
        #expect(throws: JournalError.self) {
            try dataset.commit(JournalEntry(at: "2019-11-30 10:00:00", user: "t", statement: "s", firstChangeID: Int.max, edits: [edit]),
                               changed: try store.applying([edit]))
        }
        let written = FileManager.default.contents(atPath: dir.appendingPathComponent("journal.mqlj").path) ?? Data()
        #expect(written.isEmpty)
    }

    /// An entry appended without the commit's check (the API allows it) makes the next
    /// entry implausible, never an overflow in comparing their change ids.
    @Test func anUncheckedAppendDoesNotTrapTheNextRead() throws {
        let dir = try temporaryDirectory("journal-unchecked")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 10, seed: 1).write(to: dir)
        let journal = Journal(directory: dir.path)
        try journal.lockForWriting()
        defer { journal.unlockWriting() }
        let edit = RowEdit(kind: .update, collection: "children", key: "1", cells: ["name": "甲"])
        try journal.append(JournalEntry(at: "2019-11-30 10:00:00", user: "t", statement: "s", firstChangeID: Int.max, edits: [edit]))
        try Self.append(Self.record(Self.entryJSON()), to: dir)
        let read = journal.read(from: journal.consumed)
        #expect(read.entries.isEmpty && read.warning != nil)
        #expect(Journal(directory: dir.path).read().warning != nil)
    }

    // MARK: - Ids in loaded files

    @Test(arguments: ["0", "-4", "2147483648", "999999999999999999", "1000000000000000000", "99999999999999999999999"])
    func anIDOutOfRangeInAFileIsReportedWithItsLine(_ id: String) throws {
        let dir = try temporaryDirectory("ids-csv")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name,quota\n布吉,4\n".write(to: dir.appendingPathComponent("streets.csv"), atomically: true, encoding: .utf8)
        try "id,name,street\n1,甲,布吉\n\(id),乙,布吉\n".write(to: dir.appendingPathComponent("children.csv"), atomically: true, encoding: .utf8)
        do {
            _ = try DatasetLoader.load(directory: dir.path)
            Issue.record("id \(id) loaded")
        } catch let error as LoadError {
            #expect(error.description == "\(dir.path)/children.csv:3: error: id \(id) is out of range: ids are whole numbers from 1 to 2147483647",
                    "\(error)")
        }
        // A reference to a child by such an id is an unknown child, not a crash.
        try "id,name,street\n1,甲,布吉\n".write(to: dir.appendingPathComponent("children.csv"), atomically: true, encoding: .utf8)
        try "id,mother,child\n1,,\(id)\n".write(to: dir.appendingPathComponent("pairings.csv"), atomically: true, encoding: .utf8)
        #expect(throws: LoadError.self) { try DatasetLoader.load(directory: dir.path) }
    }

    @Test func theLargestIDLoads() throws {
        let store = try DatasetLoader.load(files: ["streets": Array("name\n布吉\n".utf8), "children": Array("id,name\n2147483647,甲\n1,乙\n".utf8)])
        #expect(store.table("children")?.row(id: 2147483647) != nil)
        // And no id is left after it.
        #expect(store.table("children")?.nextFreeID == 2147483648)
        #expect(throws: ChangeError.self) {
            try store.applying([RowEdit(kind: .insert, collection: "children", key: "2147483648", cells: ["id": "2147483648"])])
        }
    }

    // MARK: - The audit trail and ids in the engine

    @Test func onlyTheJournalWritesTheAuditTrail() throws {
        let store = try DatasetLoader.load(files: ["streets": Array("name\n布吉\n".utf8)])
        let audit = RowEdit(kind: .insert, collection: "changes", key: "1", cells: ["id": "1", "op": "insert"])
        #expect(throws: ChangeError.self) { try store.applying([audit]) }
        let replayed = try store.applying([audit], replaying: true)
        #expect(replayed.table("changes")?.rowCount == 1)
        for edit in [RowEdit(kind: .update, collection: "changes", key: "1", cells: ["op": "delete"]),
                     RowEdit(kind: .delete, collection: "changes", key: "1")] {
            do {
                _ = try replayed.applying([edit])
                Issue.record("\(edit.kind) of changes accepted")
            } catch let error as ChangeError {
                #expect(error.message == "changes is read-only: it is the audit trail")
            }
        }
    }

    /// A deleted id is not handed out again: not by the same store, not after a restart,
    /// not after a checkpoint (the audit trail names it).
    @Test func deletedIDsAreNeverReused() throws {
        let dir = try temporaryDirectory("ids-reuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 10, seed: 1).write(to: dir)
        func change(_ edits: (Store) -> [RowEdit]) throws -> Store {
            let dataset = Dataset(directory: dir.path)
            var store = try dataset.beginChange(try dataset.load())
            defer { dataset.endChange() }
            let made = edits(store)
            store = try dataset.commit(JournalEntry(at: "2019-11-30 10:00:00", user: "t", statement: "s",
                                                    firstChangeID: store.table("changes")!.nextFreeID, edits: made),
                                       changed: try store.applying(made))
            return store
        }
        let first = try Dataset(directory: dir.path).load()
        // A new child, the one with the largest id, then deleted: the next id is still past it.
        let largest = first.table("children")!.nextFreeID
        _ = try change { _ in [RowEdit(kind: .insert, collection: "children", key: String(largest), cells: ["id": String(largest)])] }
        var store = try change { _ in [RowEdit(kind: .delete, collection: "children", key: String(largest))] }
        #expect(store.table("children")!.nextFreeID == largest + 1)
        #expect(try Dataset(directory: dir.path).load().table("children")!.nextFreeID == largest + 1, "after a restart")
        let checkpointing = Dataset(directory: dir.path)
        store = try checkpointing.beginChange(try checkpointing.load())
        try checkpointing.checkpoint(store)
        checkpointing.endChange()
        let reloaded = try Dataset(directory: dir.path).load()
        #expect(reloaded.table("children")!.row(id: largest) == nil)
        #expect(reloaded.table("children")!.nextFreeID == largest + 1, "after a checkpoint")
        #expect(throws: ChangeError.self) {
            try reloaded.applying([RowEdit(kind: .insert, collection: "children", key: String(largest), cells: ["id": String(largest)])])
        }
        // Insert, then delete in one batch, then insert: three different ids.
        let batch = try reloaded.applying([
            RowEdit(kind: .insert, collection: "children", key: String(largest + 1), cells: ["id": String(largest + 1)]),
            RowEdit(kind: .delete, collection: "children", key: String(largest + 1)),
        ])
        #expect(batch.table("children")!.nextFreeID == largest + 2)
    }

    // MARK: - SHA-256

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        ("中文", "72726d8818f693066ceb69afa364218b692e62ea92b385782363780f47529c21"),
    ])
    func sha256MatchesKnownVectors(_ input: String, _ digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func sha256OfAMillionAs() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
