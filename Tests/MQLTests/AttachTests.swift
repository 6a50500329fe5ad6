// `attach FILE to visit N | report N`: the file is copied into the dataset's attachments/
// under its content name (0600, fsynced) before its row is journalled; bad statements are
// refused at their position and leave no file and no row; `Attachments.verify` (what
// `mql check` prints) finds missing and altered files without the load ever reading them.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct AttachTests {
    static let photo = Fixtures.root.appendingPathComponent("examples/forms/家访照片.png").path
    static var photoBytes: [UInt8] { [UInt8](FileManager.default.contents(atPath: photo)!) }
    static var photoName: String { SHA256.hex(photoBytes) + ".png" }

    func files(_ w: DatasetWorkspace) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: w.directory + "/attachments")) ?? []).sorted()
    }

    @Test func attachCopiesTheFileAndRecordsItsRow() throws {
        let w = try DatasetWorkspace(label: "attach", cycle: true)
        let before = files(w)
        #expect(w.insertedID(#"attach "\#(Self.photo)" to visit 19 note "期中考试后家访" taken 2019-11-18"#) == 11)
        #expect(files(w) == (before + [Self.photoName]).sorted())
        let stored = w.directory + "/attachments/" + Self.photoName
        #expect([UInt8](FileManager.default.contents(atPath: stored)!) == Self.photoBytes)
        let mode = try FileManager.default.attributesOfItem(atPath: stored)[.posixPermissions] as? Int
        #expect(mode == 0o600, "a photo of a child's home is personal data")
        let sha = SHA256.hex(Self.photoBytes)
        #expect(w.rows("attachments where id = 11 select file, sha256, report, visit, taken, note")
                == "\(Self.photoName)|\(sha)||19|2019-11-18|期中考试后家访")
        // Journalled and audited like any insert; the next process replays it.
        #expect(w.rows(#"changes where collection = "attachments" select op, key"#) == "insert|11")
        let next = try w.reopened()
        guard case .success(.rows(let r))? = next.run("attachments where id = 11 select visit.pairing.child.name").first else {
            Issue.record("no row after a reload")
            return
        }
        #expect(r.rows.map { $0.map(\.description) } == [["严子轩"]])
        #expect(Attachments.verify(next.store, directory: w.directory).isEmpty)
    }

    @Test func theSameContentTwiceIsOneFile() throws {
        let w = try DatasetWorkspace(label: "attach-twice", cycle: true)
        #expect(w.insertedID(#"attach "\#(Self.photo)" to visit 19"#) == 11)
        let once = files(w)
        // Another name, the same bytes: the same file.
        let copy = NSTemporaryDirectory() + "mql-photo-\(UUID().uuidString).PNG"
        FileManager.default.createFile(atPath: copy, contents: Data(Self.photoBytes))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        #expect(w.insertedID(#"attach "\#(copy)" to report 3 note "同一张照片""#) == 12)
        #expect(files(w) == once)
        #expect(w.rows("attachments where id in [11, 12] select file") == Self.photoName + "\n" + Self.photoName)
        // A damaged copy under the name is replaced by attaching the bytes again.
        let stored = w.directory + "/attachments/" + Self.photoName
        FileManager.default.createFile(atPath: stored, contents: Data("damaged".utf8))
        #expect(Attachments.verify(w.session.store, directory: w.directory).map(\.id) == [11, 12])
        #expect(w.insertedID(#"attach "\#(Self.photo)" to report 4"#) == 13)
        #expect([UInt8](FileManager.default.contents(atPath: stored)!) == Self.photoBytes)
        #expect(Attachments.verify(w.session.store, directory: w.directory).isEmpty)
    }

    @Test func badStatementsAreRefusedWhereTheyAreWrittenAndChangeNothing() throws {
        let w = try DatasetWorkspace(label: "attach-bad", cycle: true)
        let before = files(w)
        let cases: [(String, String)] = [
            (#"attach "/no/such/photo.jpg" to visit 19"#, "<test>:1:8: error: no file '/no/such/photo.jpg' to attach"),
            (#"attach "\#(w.directory)" to visit 19"#, "<test>:1:8: error: '\(w.directory)' is not a file (attach takes one file)"),
            (#"attach "\#(Self.photo)" to visit 9999"#, "no visit has id 9999"),
            (#"attach "\#(Self.photo)" to report 99"#, "no report has id 99"),
            (#"attach 3 to report 1"#, "<test>:1:8: error: attachments.file holds text, not int"),
            (#"attach "\#(Self.photo)" to report "1""#, "attachments.report holds a reference to reports (an id), not text"),
            (#"attach "\#(Self.photo)" to visit 1 taken "2019-06-01""#, "attachments.taken holds a date, not text"),
            (#"attach "\#(Self.photo)" visit 1"#, "expected 'to visit ID' or 'to report ID', found 'visit'"),
            (#"attach "\#(Self.photo)" to child 1"#, "expected 'visit' or 'report', found 'child'"),
            (#"attach "\#(Self.photo)" to visit 1 note "a" note "b""#, "note"),
        ]
        for (statement, message) in cases {
            let error = w.error(statement)
            #expect(error.contains(message), "\(statement): \(error)")
        }
        // The unknown id is pointed at, not the statement.
        let column = #"attach "\#(Self.photo)" to visit "#.count + 1
        #expect(w.error(#"attach "\#(Self.photo)" to visit 9999"#).hasPrefix("<test>:1:\(column): error: no visit has id 9999"))
        #expect(w.count("attachments") == 10)
        #expect(w.count("changes") == 0)
        #expect(files(w) == before)
        #expect(w.journalBytes.isEmpty)
    }

    @Test func aTransactionCopiesTheFileOnlyWhenItCommits() throws {
        let w = try DatasetWorkspace(label: "attach-transaction", cycle: true)
        let before = files(w)
        w.run("begin\nattach \"\(Self.photo)\" to visit 19\nrollback")
        #expect(files(w) == before && w.count("attachments") == 10)
        w.run("begin\ninsert reports {street: \"园山\", period: \"2019-08\", submitted: 2019-09-02}\nattach \"\(Self.photo)\" to report 32 note \"补报\"\ncommit")
        #expect(files(w) == (before + [Self.photoName]).sorted())
        #expect(w.rows("attachments where report.street = \"园山\" select id, note") == "11|补报")
    }

    @Test func anInMemorySessionHasNowhereToKeepTheFile() throws {
        let session = try Fixtures.exampleSession()
        guard case .failure(let error)? = session.run(#"attach "\#(Self.photo)" to visit 19"#, name: "<test>").first else {
            Issue.record("attach without a dataset directory ran")
            return
        }
        #expect(error.description.contains("attach keeps the file in the dataset directory: run with --data DIR"))
    }

    @Test func attachPrintsAsWritten() throws {
        for text in [#"attach "照片 1.jpg" to report 3 note "台账" taken 2019-06-01"#, #"attach "a.png" to visit 19"#] {
            let (statements, diagnostics) = Parser.parse(SourceFile(name: "<test>", text: text))
            #expect(diagnostics.isEmpty)
            #expect(statements.map { Printer.statement($0) } == [text])
        }
    }

    @Test func verifyFindsMissingAlteredAndOutsideFilesAndLoadingNeverReadsThem() throws {
        let w = try DatasetWorkspace(label: "attach-verify", cycle: true)
        #expect(Attachments.verify(w.session.store, directory: w.directory).isEmpty)
        let folder = w.directory + "/attachments/"
        let names = files(w)
        // Altered: one byte more. Missing: removed. Both still load — the load never opens them.
        let first = folder + names[0]
        var bytes = [UInt8](FileManager.default.contents(atPath: first)!)
        let expected = SHA256.hex(bytes)
        bytes.append(0)
        FileManager.default.createFile(atPath: first, contents: Data(bytes))
        try FileManager.default.removeItem(atPath: folder + names[1])
        #expect(w.insertedID(#"insert attachments {file: "../children.csv", sha256: "00"}"#) == 11)
        let session = try w.reopened()
        #expect(session.store.table("attachments")?.rowCount == 11)
        let problems = Attachments.verify(session.store, directory: w.directory)
        let altered = problems.filter { $0.file == names[0] }
        #expect(!altered.isEmpty && altered.allSatisfy { $0.kind == .altered(expected: expected, actual: SHA256.hex(bytes)) })
        #expect(problems.contains { $0.file == names[1] && $0.kind == .missing })
        #expect(problems.contains { $0.id == 11 && $0.kind == .notAPathInside })
        #expect(altered.first?.description.hasPrefix("attachment \(altered.first!.id): the file was altered: sha256 expected \(expected), actual ") == true)
        #expect(problems.count == problems.map(\.id).count)
    }
}
