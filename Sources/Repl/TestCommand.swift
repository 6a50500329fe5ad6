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
        let session = self.session.makeSession(extraRules: paths, replacingShipped: !paths.isEmpty && !onlyAdd(paths))
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

    /// Whether the paths only add to the rules in force (the shipped ones by default):
    /// files whose tests, defines and rules all have new names (docs/rules.md §7). A
    /// directory, or a file that defines a name again, is a rule set of its own — an edited
    /// copy of the rules (§6) — and is tested alone.
    func onlyAdd(_ paths: [String]) -> Bool {
        func names(in path: String) -> Set<String>? {
            guard let source = try? RuleFiles.readSource(path) else { return nil }
            var names = Set<String>()
            for parsed in Parser.parseStatements(source) {
                guard case .success(let statement) = parsed else { continue }
                switch statement.kind {
                case .definition(let d): names.insert(d.collection + "." + d.name)
                case .param(let name, _, _): names.insert(name)
                default: break
                }
            }
            return names
        }
        var inForce = Set<String>()
        for file in (try? self.session.ruleFilePaths()) ?? [] { inForce.formUnion(names(in: file) ?? []) }
        return paths.allSatisfy { path in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let added = names(in: path) else { return false }
            return added.isDisjoint(with: inForce)
        }
    }
}
