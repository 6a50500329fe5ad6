// `mql gen --children N [--mothers-per-child R] --seed S --out DIR`: writes a synthetic dataset in the data.md
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

    @Option(name: .long, help: "Mothers per child, from 0.1 to 10 with at most three decimals (default 0.9).")
    var mothersPerChild: String = "0.9"

    @Option(name: .long, help: "Random seed (same seed, same files).")
    var seed: UInt64 = 2019

    @Option(name: .long, help: "Output directory (created if missing).")
    var out: String

    func validate() throws {
        guard children >= 0 && children <= 100_000_000 else { throw ValidationError("--children must be between 0 and 100000000") }
        guard let perThousand = Self.thousandths(mothersPerChild), perThousand >= 100, perThousand <= 10_000 else {
            throw ValidationError("--mothers-per-child takes a number from 0.1 to 10 with at most three decimals (such as 1.2), not '\(mothersPerChild)'")
        }
        guard DatasetGenerator.motherCount(children: children, perThousand: perThousand) <= 100_000_000 else {
            throw ValidationError("--children times --mothers-per-child must be at most 100000000 mothers")
        }
    }

    /// "1.2" as 1200: a decimal read exactly (no binary rounding), so 0.9 writes
    /// `children * 9 / 10` mothers as before the option existed.
    static func thousandths(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 3, whole.allSatisfy({ $0.isASCII && $0.isNumber }), let w = Int(whole) else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 3, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }
        while fraction.count < 3 { fraction += "0" }
        return w * 1000 + Int(fraction)!
    }

    func run() throws {
        do {
            try DatasetGenerator(children: children, seed: seed, mothersPerThousandChildren: Self.thousandths(mothersPerChild) ?? 900).write(to: URL(fileURLWithPath: out))
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
