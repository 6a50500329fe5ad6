// `mql test [PATH ...]`: runs the test cases in rule files. Prints each failure with
// file:line:col and expected vs got, then `N passed, M failed`; exit 1 on any failure.
// `--coverage` lists the rules and constraints the tests never saw both true and false.

import ArgumentParser
import Foundation
import MQL

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the test cases written in rule files; exit 1 if any fails."
    )

    @OptionGroup var session: SessionOptions

    @Flag(name: .long, help: "List rules never exercised both true and false.")
    var coverage = false

    @Argument(help: "Rule files or directories whose tests to run (default: all loaded rule files).")
    var paths: [String] = []

    func run() throws {
        let session = self.session.makeSession(extraRules: paths)
        var selected: Set<String> = []
        for path in paths {
            for f in (try? RuleFiles.files(at: path)) ?? [] { selected.insert(f) }
        }
        let tests = session.catalog.tests.filter { paths.isEmpty || selected.contains($0.file.name) }
        let report = TestRunner(catalog: session.catalog, today: session.today).run(tests)
        for failure in report.failures { Terminal.write("FAIL \(failure)\n") }
        if coverage {
            for (name, seen) in report.ruleValues.sorted(by: { $0.key < $1.key }) where seen.count < 2 {
                let what = seen.isEmpty ? ReplMessage.coverageNeverEvaluated() : ReplMessage.coverageOnlyEver(seen.first! ? "true" : "false")
                Terminal.write("coverage: \(name) \(what)\n")
            }
        }
        Terminal.write(ReplMessage.testSummary(report.passed, report.failed) + "\n")
        if report.failed > 0 { throw ExitCode(1) }
    }
}
