// Output that cannot hurt: user-given paths written relative to the working directory,
// data that cannot drive the terminal, results whose column names are unambiguous.

import Foundation
import Testing

@Suite struct RelativePathTests {
    /// A working directory of its own, holding a writable copy of the example data in `data`.
    func workspace(_ label: String) throws -> URL {
        let dir = try temporaryDirectory(label)
        let data = dir.appendingPathComponent("data")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: MQLProcess.exampleCopy), to: data)
        return dir
    }

    func contents(_ dir: URL, _ name: String) -> String? {
        (try? Data(contentsOf: dir.appendingPathComponent(name))).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func exportToABareFileName() throws {
        let dir = try workspace("rel-export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let form = try MQLProcess.run(["export", "附件2", "--street", "布吉", "--data", "data", "--out", "rel.csv"], workingDirectory: dir.path)
        #expect(form.status == 0, "\(form)")
        #expect(form.stderr == "", "\(form)")
        #expect(contents(dir, "rel.csv")?.contains("序号") == true)
        let query = try MQLProcess.run(["export", "streets select name", "--data", "data", "--out", "streets.csv"], workingDirectory: dir.path)
        #expect(query.status == 0, "\(query)")
        #expect(contents(dir, "streets.csv")?.contains("name\r\n") == true)
    }

    @Test func importSkipBadToABareFileName() throws {
        let dir = try workspace("rel-import")
        defer { try? FileManager.default.removeItem(at: dir) }
        let form = MQLProcess.root.appendingPathComponent("examples/forms/附件2-有错误的行.csv").path
        let r = try MQLProcess.run(["import", "附件2", form, "--street", "布吉", "--data", "data", "--today", "2019-11-30", "--skip-bad", "bad.csv"],
                                   workingDirectory: dir.path)
        #expect(r.status == 0, "\(r)")
        #expect(!r.stderr.contains("cannot open"), "\(r)")
        #expect(contents(dir, "bad.csv")?.contains("错误") == true)
    }

    @Test func dotCommandsWithBareFileNames() throws {
        let dir = try workspace("rel-dot")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("count streets\n".utf8).write(to: dir.appendingPathComponent("script.mql"))
        let r = try MQLProcess.run(["--data", "data", "--today", "2019-11-30"], input: ".export streets out.csv\n.read script.mql\n", workingDirectory: dir.path)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "11\n", "\(r)")
        #expect(contents(dir, "out.csv")?.contains("name,quota") == true)
    }

    @Test func relativeDataDirectoryRulesAndCheckpoint() throws {
        let dir = try workspace("rel-data")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("define streets.big = quota > 1\n".utf8).write(to: dir.appendingPathComponent("rules.mql"))
        let change = try MQLProcess.run(["--data", "data", "--rules", "rules.mql", "-c", "update streets where name = \"布吉\" set quota = 99"],
                                        workingDirectory: dir.path)
        #expect(change.status == 0, "\(change)")
        let checkpoint = try MQLProcess.run(["--data", "data"], input: ".checkpoint\n", workingDirectory: dir.path)
        #expect(checkpoint.status == 0, "\(checkpoint)")
        // From inside the dataset: its files are bare names.
        let inside = try MQLProcess.run(["--data", ".", "--rules", "../rules.mql", "-c", "count streets where big and quota = 99"],
                                        workingDirectory: dir.appendingPathComponent("data").path)
        #expect(inside.stdout == "1\n", "\(inside)")
        let again = try MQLProcess.run(["--data", "."], input: ".checkpoint\n", workingDirectory: dir.appendingPathComponent("data").path)
        #expect(again.status == 0, "\(again)")
    }
}
