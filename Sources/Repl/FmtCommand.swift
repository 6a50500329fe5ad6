// `mql fmt [--check] FILE…`: rewrites rule files in canonical layout (see `Formatter`).

import ArgumentParser
import Foundation
import MQL

struct FmtCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Rewrite rule files in canonical layout; --check only reports files that would change."
    )

    @OptionGroup var language: LanguageOption

    @Flag(name: .long, help: "Change nothing; exit 1 if a file is not in canonical layout.")
    var check = false

    @Argument(help: "Rule files.")
    var files: [String]

    func run() throws {
        var unformatted = 0
        var failed = false
        for path in files {
            let source: SourceFile
            do { source = try RuleFiles.readSource(path) } catch {
                Terminal.error("\(error)")
                failed = true
                continue
            }
            switch Formatter.format(source) {
            case .failure(let error):
                Terminal.report(error)
                failed = true
            case .success(let text):
                guard text != source.text else { continue }
                unformatted += 1
                if check {
                    Terminal.write("\(path): " + ReplMessage.notFormatted() + "\n")
                } else {
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                }
            }
        }
        if failed || (check && unformatted > 0) { throw ExitCode(1) }
    }
}
