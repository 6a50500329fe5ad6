// The REPL end to end, through a real terminal (tmux): completion, history across two
// sessions, multi-line statements, Ctrl-C at the prompt and during a query, CJK table
// alignment measured by display width, the error caret, Chinese messages, colour. Screens
// are compared with golden transcripts, Interactive-*.txt among the golden files of
// ReplGolden (Tests/MQLTests/Golden; re-record with
// RECORD_GOLDEN=1). Also batch-mode checks of what the REPL work added: dot commands in
// scripts, the `line` format, `.save-test`, and every `.help` topic's examples running.

import Foundation
import Testing

@Suite(.serialized) struct InteractiveTests {
    // MARK: - Completion

    @Test func completionByContext() throws {
        let t = try TerminalSession()
        try t.ready()
        // A value inside a string, by pinyin initials; a define; a keyword.
        try t.type("children where street = \"bj")
        try t.press("Tab")
        try t.type(" and unp")
        try t.press("Tab")
        try t.type("sel")
        try t.press("Tab")
        try t.type("name, age limit 3")
        try t.wait("the completed line") { $0.contains("children where street = \"布吉\" and unpaired select name, age limit 3") }
        try t.press("Enter")
        try t.wait("the result") { t.promptCount($0) == 2 }
        // After `child.`: the child's fields; then the child's street's values.
        try t.type("pairings where child.stre")
        try t.press("Tab")
        try t.type("= \"布")
        try t.press("Tab")
        try t.type(" select id, child.name limit 2")
        try t.wait("the completed line") { $0.contains("pairings where child.street = \"布吉\" select id, child.name limit 2") }
        try t.press("Enter")
        try t.wait("the result") { t.promptCount($0) == 3 }
        // Two Tabs list the choices: values starting with pinyin b.
        try t.type("count children where street = \"b")
        try t.press("Tab")
        try t.press("Tab")
        try t.wait("the choices, then the line again") { $0.hasSuffix("坂田  宝龙  布吉\nmql> count children where street = \"b\n") }
        try t.press("C-c")
        try t.wait("a fresh prompt") { t.promptCount($0) >= 5 }
        // Dot commands and their arguments.
        try t.type(".for")
        try t.press("Tab")
        try t.type("li")
        try t.press("Tab")
        try t.press("Enter")
        try t.wait("the prompt") { t.promptCount($0) >= 6 && $0.hasSuffix("mql>\n") }
        try t.enter("streets select name, quota limit 2")
        let screen = try t.screen()
        #expect(screen.contains(".format line"))
        #expect(screen.contains(" name = 坂田"))
        ReplGolden.check(screen, "Interactive-completion.txt")
        try t.quit()
    }

    /// Chinese names complete like English ones (data.md); a warning shows above the result.
    @Test func chineseNamesCompleteAndWarningsShowAboveTheResult() throws {
        let t = try TerminalSession()
        try t.ready()
        try t.type("儿")
        try t.press("Tab")
        try t.type("where 街")
        try t.press("Tab")
        try t.type("= \"布几\" select 姓")
        try t.press("Tab")
        try t.wait("the completed line") { $0.contains("儿童 where 街道 = \"布几\" select 姓名") }
        try t.press("Enter")
        try t.wait("the result") { t.promptCount($0) == 2 }
        let screen = try t.screen()
        let warning = try #require(screen.range(of: "warning: no children have street \"布几\"; did you mean \"布吉\"?"), "\(screen)")
        // The empty result (its header and row count) comes after the warning.
        #expect(screen.range(of: "(0 rows)").map { warning.upperBound < $0.lowerBound } == true, "\(screen)")
        try t.quit()
    }

    // MARK: - History

    @Test func historyAcrossTwoSessions() throws {
        let directory = try temporaryDirectory("history")
        defer { try? FileManager.default.removeItem(at: directory) }
        let historyFile = directory.appendingPathComponent("history")
        do {
            let first = try TerminalSession(directory: directory)
            try first.ready()
            // A multi-line statement is one entry; a repeated entry is kept once.
            try first.type("count children where")
            try first.press("Enter")
            try first.wait("the continuation prompt") { $0.contains("where>") }
            try first.enter("street = \"布吉\"")
            try first.enter("count streets")
            try first.enter("count streets")
            try first.enter(".timer off")
            try first.quit()
            #expect(first.ended)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: historyFile.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let entries = String(decoding: try Data(contentsOf: historyFile), as: UTF8.self).split(separator: "\n")
        #expect(entries.count == 3, "\(entries)")
        #expect(entries.first == "count children where\u{01}street = \"布吉\"")

        let second = try TerminalSession(directory: directory)
        try second.ready()
        try second.press("Up")
        try second.press("Up")
        try second.press("Up")
        try second.settle()
        try second.press("Enter")
        try second.wait("the recalled statement's result") { second.promptCount($0) == 2 && $0.hasSuffix("mql>\n") }
        let screen = try second.screen()
        ReplGolden.check(screen, "Interactive-history.txt")
        try second.quit()
        let after = String(decoding: try Data(contentsOf: historyFile), as: UTF8.self).split(separator: "\n")
        #expect(after.count == 4, "the recalled statement is an entry again: \(after)")
    }

    // MARK: - Multi-line, Ctrl-C, Ctrl-D

    @Test func multiLineStatementsShowWhatIsOpen() throws {
        let t = try TerminalSession()
        try t.ready()
        try t.type("children where (street = \"布吉\" and")
        try t.press("Enter")
        try t.type("age > 12")
        try t.press("Enter")
        try t.type(") select name, age,")
        try t.press("Enter")
        try t.enter("community order by age desc limit 3")
        try t.type("streets select name, \"平")
        try t.press("Enter")
        try t.enter("湖\" as s limit 1")
        let screen = try t.screen()
        #expect(screen.contains("  (> age > 12"))
        #expect(screen.contains("and> age > 12") == false)
        ReplGolden.check(screen, "Interactive-multiline.txt")
        try t.quit()
    }

    @Test func ctrlCClearsTheInputAndCtrlDQuits() throws {
        let t = try TerminalSession()
        try t.ready()
        try t.type("children where street = ")
        try t.press("C-c")
        try t.wait("a fresh prompt") { t.promptCount($0) == 2 }
        // In the middle of a multi-line statement: the whole statement goes.
        try t.type("count children where")
        try t.press("Enter")
        try t.wait("the continuation prompt") { $0.contains("where>") }
        try t.type("street = ")
        try t.press("C-c")
        try t.wait("a fresh prompt") { t.promptCount($0) == 3 && $0.hasSuffix("mql>\n") }
        try t.enter("count streets")
        // An empty line does nothing.
        try t.press("Enter")
        try t.wait("another prompt") { t.promptCount($0) == 5 }
        let screen = try t.screen()
        #expect(screen.contains("11\n"))
        ReplGolden.check(screen, "Interactive-ctrl-c.txt")
        // Ctrl-C and Ctrl-D typed at once: the line goes, then the session ends.
        try t.type("children where")
        try t.press("C-c", "C-d")
        let deadline = Date().addingTimeInterval(10)
        while !t.ended && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(t.ended)
    }

    @Test func ctrlCDuringALongQueryKeepsTheREPL() throws {
        let t = try TerminalSession()
        try t.ready()
        // Seconds of nested subqueries on the example data.
        try t.type("count children where count(children where id != outer.id and count(visits where id != outer.id) > 100) > 100")
        try t.press("Enter")
        Thread.sleep(forTimeInterval: 0.5)
        try t.press("C-c")
        try t.wait("the cancellation", timeout: 120) { $0.contains("cancelled") && $0.hasSuffix("mql>\n") }
        try t.enter("count streets")
        let screen = try t.screen()
        #expect(screen.hasSuffix("count streets\n11\nmql>\n"), "\(screen)")
        #expect(!screen.contains("\n180\n"), "the cancelled query's result is not shown")
        try t.quit()
    }

    // MARK: - Tables and errors

    @Test func cjkTableIsAlignedByDisplayWidth() throws {
        let t = try TerminalSession()
        try t.ready()
        try t.enter("children where street = \"布吉\" select id, name, community, tags, household_income limit 6")
        let screen = try t.screen()
        let lines = screen.components(separatedBy: "\n")
        guard let dashes = lines.firstIndex(where: { $0.hasPrefix("--") }) else {
            Issue.record("no table in \(screen)")
            return
        }
        // Column starts, in display columns, from the dashes under the header.
        var starts: [Int] = []
        var column = 0
        var previous: Character = " "
        for ch in lines[dashes] {
            if ch == "-" && previous == " " { starts.append(column) }
            previous = ch
            column += 1
        }
        #expect(starts.count == 5)
        let rows = lines[(dashes + 1)...].prefix { !$0.hasPrefix("(") }
        #expect(rows.count == 6)
        for row in [lines[dashes - 1]] + rows {
            // Where each run of text begins, in display columns.
            var position = 0
            var beginnings: [Int] = []
            var before: Character = " "
            for ch in row {
                if ch != " " && before == " " { beginnings.append(position) }
                before = ch
                position += terminalWidth(String(ch))
            }
            // name, community and tags are text, left-aligned: each starts at its column.
            for start in starts.prefix(4).dropFirst() {
                #expect(beginnings.contains(start), "column at \(start) misaligned in: \(row)")
            }
        }
        ReplGolden.check(screen, "Interactive-cjk-table.txt")
        try t.quit()
    }

    @Test func longAndWideResultsFitTheTerminal() throws {
        let t = try TerminalSession(width: 80, height: 30)
        try t.ready()
        try t.enter(".maxrows 6")
        try t.enter("children select id, name, street, community, tags, reason")
        let screen = try t.screen()
        #expect(screen.contains("… 174 more rows"))
        #expect(screen.contains("(180 rows)"))
        for line in screen.components(separatedBy: "\n") { #expect(terminalWidth(line) <= 80, "\(line)") }
        ReplGolden.check(screen, "Interactive-fit.txt")
        try t.quit()
    }

    @Test func errorsShowTheLineAndACaretUnderTheRightColumn() throws {
        let t = try TerminalSession()
        try t.ready()
        try t.enter("children where stret = \"布吉\"")
        try t.enter("children where street = \"布吉\" and 年纪 > 10")
        try t.enter("count children")
        let screen = try t.screen()
        #expect(screen.contains("<repl>:1:16: error: unknown field 'stret' in children; did you mean 'street'?\n  children where stret = \"布吉\"\n                 ^~~~~\n"))
        // 年纪 starts after two CJK characters: the caret is two columns further right.
        #expect(screen.contains("\n  children where street = \"布吉\" and 年纪 > 10\n                                     ^~~~\n"), "\(screen)")
        #expect(screen.hasSuffix("180\nmql>\n"))
        ReplGolden.check(screen, "Interactive-errors.txt")
        try t.quit()
    }

    // MARK: - Language and colour

    @Test func chineseMessagesUnderAChineseLocale() throws {
        let t = try TerminalSession(lang: "zh_CN.UTF-8")
        try t.ready()
        try t.enter(".foramt csv")
        try t.enter("streets select name, quota limit 2")
        try t.enter(".today 2019-13-01")
        try t.enter(".help rules")
        let screen = try t.screen()
        #expect(screen.contains("输入 .help 查看帮助"))
        #expect(screen.contains("未知的点命令“.foramt”；是不是要输入“.format”？"))
        #expect(screen.contains("(共 2 行)"))
        #expect(screen.contains("define C.名称 = 表达式"))
        ReplGolden.check(screen, "Interactive-chinese.txt")
        try t.quit()
    }

    @Test func colourOnlyWithoutNoColor() throws {
        let coloured = try TerminalSession()
        try coloured.ready()
        try coloured.enter("streets select name limit 1")
        #expect(try coloured.screen(escapes: true).contains("\u{1B}[1m"), "bold header on a terminal")
        try coloured.quit()
        let plain = try TerminalSession(environment: ["NO_COLOR": "1"])
        try plain.ready()
        try plain.enter("streets select name limit 1")
        try plain.enter("children where nosuch")
        #expect(!(try plain.screen(escapes: true).contains("\u{1B}[")), "no escapes with NO_COLOR")
        try plain.quit()
    }

    @Test func startupIsQuick() throws {
        let start = Date()
        let t = try TerminalSession()
        try t.ready()
        let seconds = Date().timeIntervalSince(start)
        // A debug build under a test runner: generous; the release build is measured in docs/repl.md.
        #expect(seconds < 2, "prompt after \(seconds) s")
        try t.quit()
    }

    // MARK: - Batch mode: dot commands, formats, help, .save-test

    @Test func dotCommandsRunInScripts() throws {
        let script = """
            count streets
            .format csv
            streets select name, quota order by quota desc limit 2
            .format line
            streets select name, quota order by quota desc limit 1
            .timer off
            """
        let r = try MQLProcess.today([], input: script)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "11\n\r\nname,quota\r\n布吉,20\r\n南湾,17\r\n\n name = 布吉\nquota = 20\n", "\(r)")
        #expect(r.stderr == "")
    }

    @Test func dotCommandErrorsArePositionedAndStopTheScript() throws {
        let r = try MQLProcess.today([], input: "count streets\n.import children x.csv\ncount children\n")
        #expect(r.status == 1)
        #expect(r.stdout == "11\n")
        #expect(r.stderr.hasSuffix("<stdin>:2:9: error: import failed; nothing was added\n"), "\(r)")
        let k = try MQLProcess.today(["--keep-going", "-c", ".fromat csv\ncount streets"])
        #expect(k.status == 1)
        #expect(k.stdout == "11\n")
        #expect(k.stderr == "<command>:1:1: error: unknown dot command '.fromat'; did you mean '.format'? (.help lists them)\n", "\(k)")
    }

    @Test func everyHelpTopicsExamplesRun() throws {
        let overview = try MQLProcess.today(["-c", ".help"])
        #expect(overview.status == 0)
        var topics: [String] = []
        var inTopics = false
        for line in overview.stdout.components(separatedBy: "\n") {
            if line.hasPrefix("Help topics") { inTopics = true; continue }
            if inTopics {
                guard line.hasPrefix("  "), let word = line.split(separator: " ").first else { break }
                topics.append(String(word))
            }
        }
        #expect(topics.count >= 10, "\(topics)")
        for topic in topics {
            let help = try MQLProcess.today(["-c", ".help \(topic)"])
            #expect(help.status == 0, "\(help)")
            guard let range = help.stdout.range(of: "Examples:\n") else {
                Issue.record("topic \(topic) has no examples")
                continue
            }
            let examples = help.stdout[range.upperBound...].components(separatedBy: "\n").filter { !$0.isEmpty }.map { String($0.dropFirst(2)) }
            #expect(!examples.isEmpty, "topic \(topic)")
            let r = try MQLProcess.today([], input: examples.joined(separator: "\n") + "\n")
            #expect(r.status == 0, "examples of .help \(topic):\n\(examples.joined(separator: "\n"))\n\(r)")
        }
    }

    @Test func saveTestWritesATestThatPasses() throws {
        let directory = try temporaryDirectory("save-test")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("布吉.mql").path
        let script = """
            children where street = "布吉" and unpaired select name, eligible
            .save-test 布吉未结对儿童 \(file)
            pairings where overdue select id
            .save-test 逾期未家访 \(file)
            """
        let r = try MQLProcess.today([], input: script)
        #expect(r.status == 0, "\(r)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("test \"布吉未结对儿童\" {\n    given today 2019-11-30\n"))
        #expect(text.contains("    expect count children where street = \"布吉\" and unpaired = "))
        #expect(text.contains("    expect eligible of children "))
        #expect(text.contains("test \"逾期未家访\" {"))
        #expect(text.contains("    expect overdue of pairings "))
        #expect(!text.contains("guardian_phone"), "personal data stays out")
        let tested = try MQLProcess.run(["test", "--today", "2019-11-30", "--data", MQLProcess.exampleCopy, file])
        #expect(tested.status == 0, "\(tested)")
        #expect(tested.stdout.hasSuffix("2 passed, 0 failed\n"), "\(tested)")
        let none = try MQLProcess.today(["-c", ".save-test x"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no query to save yet"))
    }
}
