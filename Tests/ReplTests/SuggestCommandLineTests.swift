// `mql suggest --out pairs.mql` end to end through the real binary (cycle.md §2): on a
// generated dataset with more mothers than children, the script it writes runs, adds no
// violation to `mql check`, and leaves nothing more to suggest (the set was maximum).

import Foundation
import Testing

@Suite struct SuggestCommandLineTests {
    @Test func theSuggestedScriptRunsAndAddsNoViolation() throws {
        let dir = try temporaryDirectory("suggest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let made = try MQLProcess.run(["gen", "--children", "400", "--mothers-per-child", "1.2", "--seed", "5", "--out", data])
        #expect(made.status == 0, "\(made)")
        let before = try MQLProcess.run(["check", "--today", "2019-11-30", "--data", data])
        #expect(before.status == 1, "the generated data has its deliberate violations: \(before)")
        let script = dir.appendingPathComponent("pairs.mql").path
        let suggested = try MQLProcess.run(["suggest", "--today", "2019-11-30", "--data", data, "--out", script])
        #expect(suggested.status == 0, "\(suggested)")
        let text = try String(contentsOfFile: script, encoding: .utf8)
        let pairs = text.components(separatedBy: "\n").filter { $0.hasPrefix("pair mother ") }
        #expect(pairs.count > 10, "\(text)")
        #expect(text.contains("begin\n") && text.contains("commit\n"))
        let ran = try MQLProcess.today(["--data", data, script])
        #expect(ran.status == 0, "\(ran)")
        let after = try MQLProcess.run(["check", "--today", "2019-11-30", "--data", data])
        // The same violations; the journal now has the script's entry.
        let violations = { (run: MQLRun) in run.stdout.components(separatedBy: "\n").filter { !$0.hasPrefix("journal: ") } }
        #expect(after.stdout.contains("journal: 1 entry"), "\(after)")
        #expect(violations(after) == violations(before), "no violation added")
        #expect(try MQLProcess.today(["--data", data, "-c", "count pairings where active and since = today()"]).stdout == "\(pairs.count)\n")
        // A maximum set: once it is paired, no valid pair is left.
        let again = try MQLProcess.run(["suggest", "--today", "2019-11-30", "--data", data])
        #expect(again.status == 0 && !again.stdout.contains("pair mother "), "\(again)")
    }
}
