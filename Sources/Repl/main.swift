// The `mql` executable: parses the command line and runs a subcommand. Exit codes are
// fixed (cli.md): 0 success, 1 a statement, data or rule error, 2 bad usage.

import ArgumentParser
import Engine
import Foundation

struct MQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mql",
        abstract: "MQL: questions and rules over the 妇联妈妈 programme's data.",
        subcommands: [RunCommand.self, TestCommand.self, CheckCommand.self, GenCommand.self, FmtCommand.self, ImportCommand.self, ExportCommand.self, ImpactCommand.self, InitCommand.self, SuggestCommand.self, ReportCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

// The locale's language first; `--lang` overrides it while the command line is parsed.
Language.current = Language.fromEnvironment(ProcessInfo.processInfo.environment)

do {
    var command = try MQLCommand.parseAsRoot()
    try command.run()
} catch let exit as ExitCode {
    Foundation.exit(exit.rawValue)
} catch {
    let code = MQLCommand.exitCode(for: error)
    let message = MQLCommand.fullMessage(for: error)
    if code == .success {
        print(message)
        Foundation.exit(0)
    }
    FileHandle.standardError.write(Data((message + "\n").utf8))
    Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
}
