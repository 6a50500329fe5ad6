// Issue 10: explain in a narrow terminal, and the papercuts of the command line — each
// checked against the real binary.

import Foundation
import MQL
@testable import Repl
import Testing

@Suite struct PapercutTests {
    /// A working copy of the example data made by `mql init`.
    func workingCopy(_ label: String) throws -> String {
        let dir = try temporaryDirectory(label).appendingPathComponent("data").path
        let made = try MQLProcess.run(["init", dir])
        #expect(made.status == 0, "\(made)")
        return dir
    }

    func form(_ name: String) -> String { MQLProcess.root.appendingPathComponent("examples/forms/\(name)").path }

    // MARK: - explain in a terminal

    @Test func explainWrapsAt80ColumnsKeepingTheDecidingFact() throws {
        let t = try TerminalSession(width: 80, height: 50)
        try t.ready()
        try t.enter(".maxrows 0")
        try t.enter("explain eligible for children where id = 22")
        let screen = try t.screen()
        try t.quit()
        let lines = screen.components(separatedBy: "\n")
        for line in lines { #expect(terminalWidth(line) <= 80, "\(line)") }
        guard let header = lines.firstIndex(where: { $0.hasPrefix("id  node") }), let end = lines.firstIndex(of: "(29 rows)") else {
            Issue.record("no explain table:\n\(screen)")
            return
        }
        #expect(!lines[header..<end].contains { $0.contains("…") }, "\(screen)")
        // The note column, read down the screen: every character of the deciding fact.
        let column = lines[header].range(of: "note").map { terminalWidth(String(lines[header][..<$0.lowerBound])) } ?? 0
        var notes = ""
        for line in lines[(header + 2)..<end] {
            var width = 0
            var rest = ""
            for ch in line {
                if width >= column { rest.append(ch) }
                width += terminalWidth(String(ch))
            }
            notes += rest
        }
        let squeezed = notes.filter { !$0.isWhitespace }
        #expect(squeezed.contains("medical_cost=22000;household_income*12*medical_burden_ratio=43800"), "\(notes)")
        #expect(squeezed.contains("difference-21800"), "\(notes)")
    }

    @Test func wrappedCellsKeepEveryCharacterWithinTheirColumn() {
        let long = "medical_cost = 22000; household_income * 12 * medical_burden_ratio = 43800; tags = 重大疾病;长期治疗"
        let pieces = TerminalTable.wrap(long, to: 20)
        for piece in pieces { #expect(DisplayWidth.of(piece) <= 20, "\(pieces)") }
        #expect(pieces.joined().filter { !$0.isWhitespace } == long.filter { !$0.isWhitespace })
        #expect(TerminalTable.wrap("short", to: 20) == ["short"])
    }

    // MARK: - help

    @Test func helpAlignsSummariesByDisplayWidth() throws {
        let r = try MQLProcess.today(["-c", ".help"])
        #expect(r.status == 0, "\(r)")
        let lines = r.stdout.components(separatedBy: "\n")
        guard let title = lines.firstIndex(of: "Dot commands:") else { Issue.record("\(r)"); return }
        let commands = lines[(title + 1)...].prefix { !$0.isEmpty }
        #expect(commands.contains { $0.contains("附件2") })
        // Each summary starts in the same display column, after two spaces of padding.
        let starts = Set(commands.map { line -> Int in
            let synopsisEnd = line.dropFirst(2).range(of: "  ")!.lowerBound
            let summary = line[synopsisEnd...].firstIndex { $0 != " " }!
            return terminalWidth(String(line[..<summary]))
        })
        #expect(starts.count == 1, "\(commands)")
    }

    // MARK: - import --dry-run

    @Test func dryRunReportsTheRefusalTheRealImportGets() throws {
        let data = try workingCopy("dry-run")
        let first = try MQLProcess.run(["import", "--data", data, "附件2", form("附件2-布吉.csv"), "--street", "布吉", "--dry-run"])
        #expect(first.status == 0, "\(first)")
        #expect(first.stderr.contains("4 of 4 rows would be imported (4 changes)"), "\(first)")
        let real = try MQLProcess.run(["import", "--data", data, "附件2", form("附件2-布吉.csv"), "--street", "布吉"])
        #expect(real.status == 0, "\(real)")
        let count = try MQLProcess.run(["--data", data, "-c", "count children; count changes"])
        let dry = try MQLProcess.run(["import", "--data", data, "附件2", form("附件2-布吉.csv"), "--street", "布吉", "--dry-run"])
        #expect(dry.status == 1, "\(dry)")
        #expect(dry.stderr.contains("refused by constraint children.no_duplicate"), "\(dry)")
        #expect(!dry.stderr.contains("would be imported"), "\(dry)")
        // The dry run changed nothing: the same counts, no journal entry.
        let after = try MQLProcess.run(["--data", data, "-c", "count children; count changes"])
        #expect(after.stdout == count.stdout, "\(count) \(after)")
        let again = try MQLProcess.run(["import", "--data", data, "附件2", form("附件2-布吉.csv"), "--street", "布吉"])
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr.contains("refused by constraint children.no_duplicate"), "\(again)")
    }

    // MARK: - mql test DIR

    @Test func testingAnEditedCopyOfTheRulesTestsItAlone() throws {
        let copy = try temporaryDirectory("rules-copy").appendingPathComponent("rules")
        try FileManager.default.copyItem(at: MQLProcess.root.appendingPathComponent("examples/rules"), to: copy)
        let shipped = try MQLProcess.run(["test", "--today", "2019-11-30", "--data", MQLProcess.exampleCopy])
        let tested = try MQLProcess.run(["test", "--today", "2019-11-30", "--data", MQLProcess.exampleCopy, copy.path])
        #expect(tested.status == 0, "\(tested)")
        #expect(!tested.stderr.contains("already defined"), "\(tested)")
        #expect(tested.stdout == shipped.stdout, "\(tested)")
        // A file of new tests alone runs them against the shipped rules.
        let extra = copy.deletingLastPathComponent().appendingPathComponent("extra.mql")
        try Data("""
            test "低保户的孩子符合条件" {
                given today 2019-11-30
                given children {id: 1, street: "布吉", tags: ["低保"]}
                expect eligible of children 1 = true
            }

            """.utf8).write(to: extra)
        let added = try MQLProcess.run(["test", "--today", "2019-11-30", "--data", MQLProcess.exampleCopy, extra.path])
        #expect(added.status == 0, "\(added)")
        #expect(added.stdout == "1 passed, 0 failed\n", "\(added)")
    }

    // MARK: - subcommands

    @Test func aSubcommandAfterOptionsOrMisspelledIsBadUsage() throws {
        let late = try MQLProcess.run(["--data", MQLProcess.exampleCopy, "check"])
        #expect(late.status == 2, "\(late)")
        #expect(late.stderr.contains("'check' is a subcommand") && late.stderr.contains("mql check --data"), "\(late)")
        let typo = try MQLProcess.run(["chek"])
        #expect(typo.status == 2, "\(typo)")
        #expect(typo.stderr.contains("did you mean 'check'?"), "\(typo)")
        // A file of statements still runs, and an unknown name far from any subcommand is a file.
        let none = try MQLProcess.run(["no-such-file.mql"])
        #expect(none.status == 1 && none.stderr.contains("cannot read file"), "\(none)")
    }

    // MARK: - streets, data directories, plurals

    @Test func exportNamesTheStreetMeant() throws {
        let out = try temporaryDirectory("export").appendingPathComponent("x.csv").path
        let r = try MQLProcess.run(["export", "--data", MQLProcess.exampleCopy, "附件2", "--street", "布吉街道", "--out", out])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("'布吉街道' is not a street; did you mean 布吉?"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aMissingDataDirectoryIsNamedWithoutAPosition() throws {
        let missing = try temporaryDirectory("none").appendingPathComponent("none").path
        let r = try MQLProcess.run(["--data", missing, "-c", "count children"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "\(missing): error: no such dataset directory ('mql init DIR' makes one)\n", "\(r)")
        let file = try temporaryDirectory("file").appendingPathComponent("plain.csv")
        try Data("x\n".utf8).write(to: file)
        let f = try MQLProcess.run(["--data", file.path, "-c", "count children"])
        #expect(f.status == 1, "\(f)")
        #expect(f.stderr.hasPrefix("\(file.path): error: not a dataset directory"), "\(f)")
    }

    @Test func oneChangeIsSingular() throws {
        let data = try workingCopy("plural")
        let csv = try temporaryDirectory("one-row").appendingPathComponent("one.csv")
        try Data("""
            序号,姓名,年龄（出生年月）,所在社区,监护人及联系方式,家庭住址,贫困原因
            1,林小雨,9（2010.03）,大芬社区,林国强 13912340001,龙岗区布吉街道大芬社区老围村12号,低保

            """.utf8).write(to: csv)
        let r = try MQLProcess.run(["import", "--data", data, "附件2", csv.path, "--street", "布吉"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("imported 1 of 1 row (1 change)"), "\(r)")
        let visit = csv.deletingLastPathComponent().appendingPathComponent("visit.csv")
        try Data("pairing,date,kind\n1,2019-11-29,家访\n".utf8).write(to: visit)
        let dot = try MQLProcess.run(["--data", data, "--today", "2019-11-30", "-c", ".import visits \(visit.path)"])
        #expect(dot.stderr.contains("imported 1 row into visits"), "\(dot)")
    }

    // MARK: - changes that change nothing

    @Test func anUnchangedReimportRecordsNothing() throws {
        let data = try workingCopy("reimport")
        let first = try MQLProcess.run(["import", "--data", data, "附件1", form("附件1-名额.csv")])
        #expect(first.status == 0, "\(first)")
        #expect(first.stderr.contains("(0 changes)"), "\(first)")
        let again = try MQLProcess.run(["import", "--data", data, "附件1", form("附件1-名额.csv")])
        #expect(again.stderr.contains("(0 changes)"), "\(again)")
        let none = try MQLProcess.run(["--data", data, "-c", "count changes"])
        #expect(none.stdout == "0\n", "\(none)")
        // A statement that sets what is there changes nothing and records nothing; one
        // that changes a cell is recorded.
        let same = try MQLProcess.run(["--data", data, "-c", "update streets where name = \"布吉\" set liaison = liaison"])
        #expect(same.stdout == "changed\n0\n", "\(same)")
        let real = try MQLProcess.run(["--data", data, "-c", "update streets where name = \"布吉\" set liaison = \"刘婷婷\""])
        #expect(real.stdout == "changed\n1\n", "\(real)")
        let audit = try MQLProcess.run(["--data", data, "-c", "count changes"])
        #expect(audit.stdout == "1\n", "\(audit)")
    }

    // MARK: - impact

    func editedRules(_ label: String) throws -> String {
        let copy = try temporaryDirectory(label).appendingPathComponent("rules")
        try FileManager.default.copyItem(at: MQLProcess.root.appendingPathComponent("examples/rules"), to: copy)
        let file = copy.appendingPathComponent("40_visits.mql")
        let text = try String(contentsOf: file, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "param visit_interval = 2 months", with: "param visit_interval = 1 months").utf8).write(to: file)
        return copy.path
    }

    @Test func impactOfAParamEditListsWhatChanges() throws {
        let rules = try editedRules("impact-param")
        let r = try MQLProcess.run(["impact", "--today", "2019-11-30", "--data", MQLProcess.exampleCopy, "--with", rules])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("children.eligible changes on no row"), "\(r)")
        #expect(r.stdout.hasPrefix("define\tchanged\tkeys\n"), "\(r)")
        #expect(r.stdout.contains("pairings.overdue\t"), "\(r)")
        #expect(!r.stdout.contains("(0 rows)"), "\(r)")
    }

    @Test func impactOnPairingsNamesAndPlacesEachRow() throws {
        let rules = try editedRules("impact-pairings")
        let r = try MQLProcess.run(["impact", "--today", "2019-11-30", "--data", MQLProcess.exampleCopy, "--with", rules, "--define", "pairings.overdue"])
        #expect(r.status == 0, "\(r)")
        let tables = r.stdout.components(separatedBy: "\n\n")
        let changes = tables[0].components(separatedBy: "\n").dropFirst().filter { !$0.isEmpty }
        #expect(!changes.isEmpty, "\(r)")
        for row in changes {
            let cells = row.components(separatedBy: "\t")
            #expect(cells[1].contains(" · ") && !cells[2].isEmpty, "\(row)")
        }
        let totals = tables.count > 1 ? tables[1].components(separatedBy: "\n").dropFirst().filter { !$0.isEmpty } : []
        #expect(!totals.isEmpty && totals.allSatisfy { !$0.hasPrefix("\t") }, "\(r)")
    }
}
