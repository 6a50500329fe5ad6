// `mql report --period P [--street S] [--format json|html|xlsx|table] [--out FILE]`: runs
// the ledger report file (examples/reports/ledger.mql, or --report FILE) for one period of
// the bi-monthly report and renders it (the cycle contract, §1, docs/reports.md). What the ledger
// holds is written in the report file; this command only sets the period, runs it and
// renders its sections.

import ArgumentParser
import Engine
import Foundation
import MQL

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case json, html, xlsx, table
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The ledger (台账) of one bi-monthly report period, per street and for the district, as json, html, xlsx or a table."
    )

    @OptionGroup var session: SessionOptions

    @Option(name: .long, help: "The report period: the even month the report is due in, YYYY-MM (2019-10).")
    var period: String

    @Option(name: .long, help: "That street only (its own 台账).")
    var street: String?

    @Option(name: .long, help: "json, html (a printable A4 page), xlsx or table (default: table on a terminal, json otherwise).")
    var format: ReportFormat?

    @Option(name: .long, help: "Write to FILE instead of stdout.")
    var out: String?

    @Option(name: .long, help: "The report file (default: the shipped examples/reports/ledger.mql).")
    var report: String?

    @Flag(name: .long, help: "Print the time the report took (after loading) to stderr.")
    var timer = false

    func validate() throws {
        if ReportPeriod(period) == nil {
            throw ValidationError(MessageID.badPeriod(period))
        }
        if format == .xlsx, out == nil {
            throw ValidationError(ReplMessage.workbookNeedsOut())
        }
    }

    func run() throws {
        let path = report ?? Defaults.reportFile
        let file: SourceFile
        do { file = try RuleFiles.readSource(path) } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        let session = self.session.makeSession(extraRules: [path])
        if let street, let message = Self.unknownStreet(street, in: session.store) {
            throw ValidationError(message)
        }
        let report: Report
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            report = try ReportRunner.run(session, file: file, period: ReportPeriod(period)!, street: street)
        } catch let error as DiagnosticError {
            Terminal.report(error)
            throw ExitCode(1)
        }
        if timer {
            let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            Terminal.error(ReplMessage.statementTimer("report", period, String(format: "%.3f", ms)))
        }
        let chosen = format ?? (Terminal.stdoutIsTerminal && out == nil ? .table : .json)
        let renderer = ReportRenderer(report: report, unmask: self.session.unmask, asOf: session.today, dataDirectory: self.session.dataDirectory)
        let text: String
        switch chosen {
        case .json: text = renderer.json()
        case .table: text = renderer.table()
        case .html: text = ReportHTML(renderer: renderer).page()
        case .xlsx:
            // validate() made sure there is a file to write the workbook to.
            do { try DatasetWriter.writeAtomically(try renderer.workbook(), to: out!) } catch {
                Terminal.error("\(out!): error: " + WorkbookOutput.describe(error))
                throw ExitCode(1)
            }
            return
        }
        if let out {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                Terminal.error("\(out): error: " + ReplMessage.cannotWriteFile(error.localizedDescription))
                throw ExitCode(1)
            }
        } else {
            Terminal.write(text)
        }
    }

    /// Why `street` names no street of the dataset (with the closest name), or nil.
    static func unknownStreet(_ street: String, in store: Store) -> String? {
        guard let table = store.table("streets") else { return nil }
        let names = (0..<table.rowCount).map { table.keyText(row: $0) }
        if names.contains(street) { return nil }
        return ReplMessage.reportUnknownStreet(street) + (Suggest.closest(street, among: names).map { ReplMessage.reportDidYouMean($0) } ?? "")
    }
}
