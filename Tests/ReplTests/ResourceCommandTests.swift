// The real binary on statements that used to crash it or run without end: a long chain of
// defines piped on stdin, a statement past --timeout.

import Foundation
import Testing

@Suite struct ResourceCommandTests {
    static func chain(_ n: Int) -> String {
        var text = "define children.d0 = household_size\n"
        for i in 1...n { text += "define children.d\(i) = d\(i - 1) + 1\n" }
        return text + "count children where d\(n) > 5\n"
    }

    @Test(arguments: [20_000, 100_000])
    func chainedDefinesOnStdinStopWithAnError(length: Int) throws {
        let run = try MQLProcess.run(["--today", "2019-11-30"], input: Self.chain(length))
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.hasPrefix("<stdin>:501:17: error: define 'children.d500' nests 1002 levels deep"), "\(run)")
        #expect(run.stdout.isEmpty)
    }

    @Test func aSlowStatementStopsAtTheTimeout() throws {
        let slow = "children select id, count(children where household_income > outer.household_income + 0 * len(name)) as n order by n\n"
        let statements = "count children\n" + String(repeating: slow, count: 1)
        let run = try MQLProcess.run(["--timeout", "0.000001", "--keep-going"], input: statements)
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("<stdin>:2:1: error: statement stopped after its time limit of 1e-06 s (--timeout)"), "\(run)")
        let bad = try MQLProcess.run(["--timeout", "-1", "-c", "count children"])
        #expect(bad.status == 2, "\(bad)")
        let off = try MQLProcess.run(["--keep-going"], input: ".timeout 0.000001\ncount children\n.timeout off\ncount children\n")
        #expect(off.status == 1, "\(off)")
        #expect(off.stdout.contains("180"), "\(off)")
    }
}
