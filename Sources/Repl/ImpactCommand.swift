// `mql impact --with NEW [--rules OLD] [--define NAME]`: what an edit of the rules would
// change on the dataset — every row whose define changes, why (the rules whose values
// changed, with their clauses), and the totals per street.

import ArgumentParser
import Engine
import Foundation
import MQL

struct ImpactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impact",
        abstract: "Compare the rules in force (--rules, default the shipped ones) with edited rules (--with) on the dataset."
    )

    @OptionGroup var session: SessionOptions

    @Option(name: .long, help: "The edited rule file or directory (repeatable).")
    var with: [String]

    @Option(name: .long, help: "The define to compare, as COLLECTION.NAME or NAME (default: children.eligible; when it does not change, every define and rule that does).")
    var define: String?

    @Option(name: .long, help: "Output format: table, csv, tsv or json (default: table on a terminal, else tsv).")
    var format: OutputFormat?

    func run() throws {
        let current = session.makeSession()
        let define = self.define ?? "children.eligible"
        let parts = define.split(separator: ".", maxSplits: 1).map(String.init)
        let (collection, name) = parts.count == 2 ? (parts[0], parts[1]) : ("children", parts[0])
        let edited: Catalog
        do {
            var files: [String] = []
            for path in with { for f in try RuleFiles.files(at: path) where !files.contains(f) { files.append(f) } }
            edited = try RuleFiles.catalog(from: files.map(RuleFiles.readSource), store: current.store, paramOverrides: session.paramPairs)
        } catch let error as DiagnosticError {
            Terminal.report(error)
            throw ExitCode(1)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        let report: ImpactReport
        do {
            report = try Impact.compare(name, in: collection, store: current.store, old: current.catalog, new: edited, today: current.today)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        if format == .xlsx {
            Terminal.error("mql: error: " + ReplMessage.formatNotHere("xlsx"))
            throw ExitCode(2)
        }
        var writer = OutputWriter(format: format ?? (Terminal.stdoutIsTerminal ? .table : .tsv), unmask: session.unmask)
        func column(_ n: String, _ t: MType = .text) -> ResultColumn { ResultColumn(name: n, type: t) }
        // An edit (of a param, say) that leaves the default define as it is still changes
        // something: every define and rule that changes, with its rows, instead of two
        // empty tables.
        if self.define == nil && report.rows.isEmpty {
            Terminal.error(Messages.current.defineUnchanged(define))
            let changed = Impact.changedDefines(store: current.store, old: current.catalog, new: edited, today: current.today)
            let summary = QueryResult(columns: [column("define"), column("changed", .int), column("keys")], rows: changed.map { entry in
                [.text(entry.name), .int(entry.keys.count), .text(entry.keys.joined(separator: ", "))]
            })
            if let out = writer.render(.rows(summary)) { Terminal.write(out) }
            return
        }
        let changes = QueryResult(
            columns: [column("key"), column("name"), column("street"), column("old \(name)"), column("new \(name)"), column("because")],
            rows: report.rows.map { row in
                [.text(row.key), .text(row.label), row.street.map(Value.text) ?? .null, row.old, row.new,
                 .text(row.because.map { "\($0.name) \($0.old) → \($0.new) (\($0.citation))" }.joined(separator: "; ").ifEmpty("the definition of \(name) itself"))]
            })
        if let out = writer.render(.rows(changes)) { Terminal.write(out) }
        var gained: [String: Int] = [:], lost: [String: Int] = [:]
        var streets: [String] = []
        for row in report.rows {
            let street = row.street ?? ""
            if !streets.contains(street) { streets.append(street) }
            if row.new == .bool(true) { gained[street, default: 0] += 1 } else if row.old == .bool(true) { lost[street, default: 0] += 1 }
        }
        streets.sort { PinyinCollation.compare($0, $1) == .orderedAscending }
        let totals = QueryResult(columns: [column("street"), column("gained", .int), column("lost", .int)],
                                 rows: streets.map { [.text($0), .int(gained[$0] ?? 0), .int(lost[$0] ?? 0)] })
        if let out = writer.render(.rows(totals)) { Terminal.write(out) }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
