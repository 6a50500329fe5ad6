// `mql suggest [--where CONDITION] [--out pairs.mql]`: the pairing round (cycle.md §2) as a
// script to review, edit and run — one `begin … commit` of `pair` statements, the
// children left without a suggestion as comments. Without --out the script goes to
// stdout; a one-line summary goes to stderr either way.

import ArgumentParser
import Engine
import Foundation
import MQL

struct SuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Suggest a maximum set of valid pairings (closest level first) as a script of pair statements to review and run."
    )

    @OptionGroup var session: SessionOptions

    @Option(name: .long, help: "Only children matching CONDITION (an MQL condition on children, e.g. 'street = \"布吉\"').")
    var `where`: String?

    @Option(name: .long, help: "Write the script to FILE instead of stdout.")
    var out: String?

    func run() throws {
        let session = self.session.makeSession()
        let report: PairingRoundReport
        do {
            report = try session.suggestPairings(where: self.where)
        } catch let error as DiagnosticError {
            Terminal.report(error)
            throw ExitCode(1)
        }
        Terminal.error(ReplMessage.suggestSummary(report.result.suggestions.count, report.candidates, report.result.unmatched.count))
        guard let out else {
            Terminal.write(report.script)
            return
        }
        do { try DatasetWriter.writeAtomically(Array(report.script.utf8), to: out) } catch {
            Terminal.error("\(out): error: \(error)")
            throw ExitCode(1)
        }
    }
}
