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
// The three variables are read with getenv: ProcessInfo's environment would build a
// dictionary of every variable, 2% of a whole `mql -c` process.
Language.current = Language.fromEnvironment(["LC_ALL", "LC_MESSAGES", "LANG"].reduce(into: [:]) { variables, name in
    if let value = getenv(name) { variables[name] = String(cString: value) }
})

do {
    // The common one-statement command line is read directly (QuickCommandLine.swift);
    // everything else by ArgumentParser.
    if var quick = QuickCommandLine.runCommand(Array(CommandLine.arguments.dropFirst())) {
        try quick.run()
    } else {
        var command = try MQLCommand.parseAsRoot()
        try command.run()
    }
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
