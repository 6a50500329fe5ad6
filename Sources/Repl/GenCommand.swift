// `mql gen --children N --seed S --out DIR`: writes a synthetic dataset in the data.md
// format with the example data's distributions — the bi-monthly reports, exemplars and
// attachments (with their image files) included — for tests and benchmarks.

import ArgumentParser
import Engine
import Foundation

struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Generate a realistic synthetic dataset of any size."
    )

    @OptionGroup var language: LanguageOption

    @Option(name: .long, help: "Number of children.")
    var children: Int

    @Option(name: .long, help: "Random seed (same seed, same files).")
    var seed: UInt64 = 2019

    @Option(name: .long, help: "Output directory (created if missing).")
    var out: String

    func validate() throws {
        guard children >= 0 && children <= 100_000_000 else { throw ValidationError("--children must be between 0 and 100000000") }
    }

    func run() throws {
        do {
            try DatasetGenerator(children: children, seed: seed).write(to: URL(fileURLWithPath: out))
        } catch let error as JournalError {
            // Writing an attachment's file (Engine's Attachments) says what failed itself.
            Terminal.error("\(out): error: cannot write the dataset: \(error.message)")
            throw ExitCode(1)
        } catch {
            // Foundation's errors print as their domain and code; say what went wrong.
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = underlying.map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription
            Terminal.error("\(out): error: cannot write the dataset: \(reason)")
            throw ExitCode(1)
        }
    }
}
