// `mql init DIR` and the read-only shipped examples (cli.md): a change without `--data` (or
// with `--data` naming the shipped examples) is refused with a hint and changes no file; a
// working copy made by `init` takes changes.

import Foundation
import Testing

@Suite struct InitCommandTests {
    func temporaryPath(_ label: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mql-init-\(label)-\(UUID().uuidString)")
    }

    /// The bytes of every file of the shipped examples (journal and locks included).
    func examplesSnapshot() throws -> [String: Data] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/data")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            files[name] = try? Data(contentsOf: dir.appendingPathComponent(name))
        }
        return files
    }

    @Test func changesToTheShippedExamplesAreRefused() throws {
        let before = try examplesSnapshot()
        for statement in ["update children where id = 17 set review = \"x\"", "pair mother 5 with child 17",
                          "insert streets {name: \"新区\", quota: 3}", "delete visits where id = 1",
                          "begin\nupdate children where id = 17 set review = \"x\"\ncommit",
                          "attach \"examples/forms/家访照片.png\" to visit 1 note \"x\""] {
            let run = try MQLProcess.run(["--today", "2019-11-30", "-c", statement])
            #expect(run.status == 1, "\(statement): \(run)")
            #expect(run.stderr.contains(":1:1: error: the shipped example data is read-only; make a working copy with 'mql init DIR'"), "\(run)")
        }
        let form = MQLProcess.root.appendingPathComponent("examples/forms/附件1-名额.csv").path
        let imported = try MQLProcess.run(["import", "附件1", form, "--today", "2019-11-30"])
        #expect(imported.status == 1, "\(imported)")
        #expect(imported.stderr.contains("read-only"), "\(imported)")
        #expect(try examplesSnapshot() == before, "no file of the shipped examples changed")
        // Queries still run on them.
        #expect(try MQLProcess.run(["-c", "count children"]).stdout == "180\n")
    }

    @Test func initMakesAWorkingCopyThatTakesChanges() throws {
        let dir = temporaryPath("copy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try MQLProcess.run(["init", dir.path])
        #expect(made.status == 0, "\(made)")
        #expect(made.stdout == "", "results only on stdout")
        #expect(made.stderr.contains("a copy of the example data (180 children)"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["attachments", "attachments.csv", "children.csv", "communities.csv", "exemplars.csv", "mothers.csv",
                          "pairings.csv", "reports.csv", "streets.csv", "visits.csv"])
        // The photos come along, readable by their owner only, and still match their rows.
        let photos = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("attachments").path)
        #expect(photos.count == 6)
        let photo = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("attachments/" + photos[0]).path)
        #expect((photo[.posixPermissions] as? Int) == 0o600)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("children.csv").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "personal data is readable by its owner only")
        let change = try MQLProcess.today(["--data", dir.path, "-c", "update children where id = 17 set review = \"入户核实\""])
        #expect(change.status == 0, "\(change)")
        #expect(try MQLProcess.today(["--data", dir.path, "-c", "children where id = 17 select review"]).stdout == "review\n入户核实\n")
        // The copy answers as the examples do.
        #expect(try MQLProcess.today(["--data", dir.path, "-c", "count mothers"]).stdout
                == MQLProcess.run(["-c", "count mothers"]).stdout)
    }

    @Test func initRefusesADirectoryThatHoldsFiles() throws {
        let dir = temporaryPath("full")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("keep".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let run = try MQLProcess.run(["init", dir.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("already exists and is not an empty directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["notes.txt"])
        #expect(try MQLProcess.run(["init"]).status == 2, "a missing DIR is bad usage")
    }
}
