// Output that cannot hurt: user-given paths written relative to the working directory,
// data that cannot drive the terminal, results whose column names are unambiguous.

import Foundation
import MQL
@testable import Repl
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

/// Values with ESC (a colour and a title sequence), BEL, a C1 control (CSI, U+009B), DEL,
/// a tab and a newline, next to plain and CJK ones.
let hostileDataset: [String: String] = [
    "streets": "name,quota\n布吉,5\n",
    "communities": "name,street\n凤凰,布吉\n",
    "children": "id,name,street,community,reason\n"
        + "1,\u{1B}[31mred\u{1B}]0;pwned\u{7},布吉,凤凰,\"a\tb\nc\"\n"
        + "2,王小明,布吉,凤凰,x\u{9B}2Jy\u{7F}\n",
]

@Suite struct TerminalInjectionTests {
    func run(_ arguments: [String]) throws -> MQLRun {
        let data = try writeDataset(hostileDataset, label: "hostile")
        defer { try? FileManager.default.removeItem(at: data) }
        return try MQLProcess.today(["--data", data.path] + arguments)
    }

    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 != "\n" && OutputWriter.isControl($0) }
    }

    @Test func tableShowsControlCharactersEscaped() throws {
        let r = try run(["--format", "table", "-c", "children select id, name, reason order by id"])
        #expect(r.status == 0, "\(r)")
        #expect(!Self.hasControl(r.stdout), "\(r)")
        #expect(r.stdout.contains("\\u{1b}[31mred\\u{1b}]0;pwned\\u{7}"), "\(r)")
        #expect(r.stdout.contains("a\\tb\\nc"), "\(r)")
        #expect(r.stdout.contains("x\\u{9b}2Jy\\u{7f}"), "\(r)")
        // Widths count the escapes: every line of the table is as wide as its dashes.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let dashes = lines[1]
        let nameColumn = dashes.split(separator: " ", omittingEmptySubsequences: true)[1]
        #expect(nameColumn.count == OutputWriter.visible("\u{1B}[31mred\u{1B}]0;pwned\u{7}").count, "\(r)")
        #expect(DisplayWidth.of(lines[3]) <= DisplayWidth.of(dashes), "\(r)")
    }

    @Test func lineFormatShowsControlCharactersEscaped() throws {
        let r = try run(["-c", ".format line\nchildren where id = 1 select name, reason"])
        #expect(r.status == 0, "\(r)")
        #expect(!Self.hasControl(r.stdout), "\(r)")
        #expect(r.stdout == "  name = \\u{1b}[31mred\\u{1b}]0;pwned\\u{7}\nreason = a\\tb\\nc\n", "\(r)")
    }

    @Test func escapesC0DelAndC1Only() throws {
        #expect(OutputWriter.visible("a\u{1B}b\u{85}") == "a\\u{1b}b\\u{85}")
        #expect(OutputWriter.visible("布吉 plain") == "布吉 plain")
    }

    @Test func messagesOnStderrEscapeDataToo() throws {
        var files = hostileDataset
        files["children"] = "id,name,street\n1,a,\u{1B}]0;pwned\u{7}\n"
        let data = try writeDataset(files, label: "hostile-stderr")
        defer { try? FileManager.default.removeItem(at: data) }
        let r = try MQLProcess.today(["--data", data.path, "-c", "count children"])
        #expect(r.status == 1, "\(r)")
        #expect(!Self.hasControl(r.stderr), "\(r)")
        #expect(r.stderr.contains("unknown street '\\u{1b}]0;pwned\\u{7}'"), "\(r)")
    }

    @Test func replTableEscapesAndAligns() throws {
        let result = QueryResult(columns: [ResultColumn(name: "n\u{1B}", type: .text), ResultColumn(name: "v", type: .text)],
                                 rows: [[.text("\u{1B}[2J"), .text("x")], [.text("布吉"), .text("y")]])
        let text = TerminalTable.render(result, writer: OutputWriter(format: .table, unmask: false), width: 80, maxRows: 0,
                                        colour: false, messages: Messages(chinese: false))
        #expect(!Self.hasControl(text), "\(text)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "n\\u{1b}    v")
        #expect(lines[2] == "\\u{1b}[2J  x")
        #expect(lines[3] == "布吉       y")
    }

    @Test func machineFormatsStayExact() throws {
        let csv = try run(["--format", "csv", "-c", "children where id = 1 select name, reason"])
        #expect(csv.stdout == "name,reason\r\n\u{1B}[31mred\u{1B}]0;pwned\u{7},\"a\tb\nc\"\r\n", "\(csv)")
        let json = try run(["--format", "json", "-c", "children where id = 1 select name, reason"])
        #expect(json.stdout == "[{\"name\":\"\\u001b[31mred\\u001b]0;pwned\\u0007\",\"reason\":\"a\\tb\\nc\"}]\n", "\(json)")
        // TSV has no quoting: a tab, newline or backslash in a value is escaped, so every
        // row stays one line of as many fields as the header.
        let tsv = try run(["--format", "tsv", "-c", "children select id, reason order by id"])
        #expect(tsv.stdout == "id\treason\n1\ta\\tb\\nc\n2\tx\u{9B}2Jy\u{7F}\n", "\(tsv)")
    }
}

@Suite struct DuplicateColumnTests {
    @Test func repeatedColumnNamesAreRefusedAtTheSecondItem() throws {
        let cases: [(String, String)] = [
            ("children select name as x, id as x", "<command>:1:28: error: column 'x' is already selected; name this one with 'as' (… as x_2)"),
            ("children select name, name", "<command>:1:23: error: column 'name' is already selected; name this one with 'as' (… as name_2)"),
            ("children group by street select street, count(), count()", "<command>:1:50: error: column 'count()' is already selected; name this one with 'as' (… as NAME)"),
            ("children select id as name, name", "<command>:1:29: error: column 'name' is already selected; name this one with 'as' (… as name_2)"),
        ]
        for (statement, message) in cases {
            let r = try MQLProcess.today(["--format", "json", "-c", statement])
            #expect(r.status == 1, "\(statement)\n\(r)")
            #expect(r.stdout == "", "\(statement)\n\(r)")
            #expect(r.stderr.hasPrefix(message), "\(statement)\n\(r)")
        }
        let renamed = try MQLProcess.today(["--format", "json", "-c", "children where id = 1 select name, name as name_2"])
        #expect(renamed.status == 0, "\(renamed)")
        #expect(renamed.stdout.hasPrefix("[{\"name\":"), "\(renamed)")
        #expect(renamed.stdout.contains(",\"name_2\":"), "\(renamed)")
    }
}

@Suite struct ImportHeaderTests {
    @Test func importRefusesAnUnknownOrRepeatedColumn() throws {
        let dir = try temporaryDirectory("import-header")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try writeDataset(formatDataset, label: "import-header-data")
        defer { try? FileManager.default.removeItem(at: data) }
        try Data("Name,street\n新,布吉\n".utf8).write(to: dir.appendingPathComponent("typo.csv"))
        try Data("name,name,street\n新,旧,布吉\n".utf8).write(to: dir.appendingPathComponent("twice.csv"))
        let typo = try MQLProcess.run(["--data", data.path, "-c", ".import children typo.csv"], workingDirectory: dir.path)
        #expect(typo.status == 1, "\(typo)")
        #expect(typo.stderr.contains("typo.csv:1: error: unknown column 'Name' in the header of children; did you mean 'name'?"), "\(typo)")
        let twice = try MQLProcess.run(["--data", data.path, "-c", ".import children twice.csv"], workingDirectory: dir.path)
        #expect(twice.status == 1, "\(twice)")
        #expect(twice.stderr.contains("twice.csv:1: error: column 'name' appears twice in the header"), "\(twice)")
        let count = try MQLProcess.today(["--data", data.path, "-c", "count children"])
        #expect(count.stdout == "3\n", "\(count)")
    }
}
