// `attach` and the attachment checks through the binary: a relative FILE resolves against
// the current directory, the copy lands in DIR/attachments/ under its content name, and
// `mql check` names a missing or altered file (path, row, expected and actual sha256) and
// exits 1 — on a dataset that is otherwise clean, so the exit is the attachments' doing.

import Foundation
import Testing

@Suite struct AttachCommandLineTests {
    let photo = MQLProcess.root.appendingPathComponent("examples/forms/家访照片.png")

    @Test func attachThenCheckFindsAnAlteredAndAMissingFile() throws {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("mql-attach-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: base) }
        let data = base.appendingPathComponent("data"), work = base.appendingPathComponent("work")
        try fm.createDirectory(at: data, withIntermediateDirectories: true)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        try Data("name,quota,liaison\n布吉,3,刘婷\n".utf8).write(to: data.appendingPathComponent("streets.csv"))
        try Data("id,street,period,submitted\n1,布吉,2019-06,2019-06-20\n".utf8).write(to: data.appendingPathComponent("reports.csv"))
        try fm.copyItem(at: photo, to: work.appendingPathComponent("台账 第1页.PNG"))

        let attached = try MQLProcess.run(["--data", data.path, "--today", "2019-11-30", "-c", #"attach "台账 第1页.PNG" to report 1 note "台账""#],
                                          workingDirectory: work.path)
        #expect(attached.status == 0, "\(attached)")
        #expect(attached.stdout == "changed\tid\n1\t1\n")
        let bytes = try Data(contentsOf: photo)
        let sha = try MQLProcess.run(["--data", data.path, "-c", "attachments select sha256"]).stdout
            .split(separator: "\n").last.map(String.init) ?? ""
        let name = sha + ".png"
        let stored = data.appendingPathComponent("attachments/" + name)
        #expect(try Data(contentsOf: stored) == bytes)
        #expect(sha.count == 64)

        let clean = try MQLProcess.run(["check", "--data", data.path, "--today", "2019-11-30"])
        #expect(clean.status == 0, "\(clean)")
        #expect(!clean.stdout.contains("attachment"))

        // Altered: check reports it with both hashes and exits 1.
        var altered = bytes
        altered.append(0x0A)
        try altered.write(to: stored)
        let check = try MQLProcess.run(["check", "--data", data.path, "--today", "2019-11-30"])
        #expect(check.status == 1, "\(check)")
        #expect(check.stdout.contains("\(stored.path): error: attachment 1: the file was altered: sha256 expected \(sha), actual "), "\(check)")
        let json = try MQLProcess.run(["check", "--json", "--data", data.path, "--today", "2019-11-30"])
        #expect(json.status == 1)
        #expect(json.stdout.contains(#"{"attachment":1,"file":"\#(name)","problem":"altered","expected":"\#(sha)","actual":"#), "\(json)")

        // Missing: reported, and the dataset still loads and answers.
        try fm.removeItem(at: stored)
        let missing = try MQLProcess.run(["check", "--data", data.path, "--today", "2019-11-30"])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("\(stored.path): error: attachment 1: the file is missing"), "\(missing)")
        #expect(try MQLProcess.run(["--data", data.path, "-c", "count attachments"]).stdout == "1\n")

        // Attaching the same content again puts the file back; check is clean again.
        let again = try MQLProcess.run(["--data", data.path, "-c", #"attach "\#(photo.path)" to report 1"#])
        #expect(again.status == 0, "\(again)")
        #expect(try MQLProcess.run(["check", "--data", data.path, "--today", "2019-11-30"]).status == 0)

        // A missing FILE is an error at its position, in Chinese too.
        let wrong = try MQLProcess.run(["--data", data.path, "-c", #"attach "没有.jpg" to report 1"#], workingDirectory: work.path)
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "<command>:1:8: error: no file '没有.jpg' to attach\n")
        let chinese = try MQLProcess.run(["--data", data.path, "-c", #"attach "没有.jpg" to report 1"#], workingDirectory: work.path, locale: ["LANG": "zh_CN.UTF-8"])
        #expect(chinese.stderr.contains("没有要附加的文件“没有.jpg”"), "\(chinese)")
    }
}
