// Command-line options shared by `mql`, `mql check` and `mql test`, and turning them into
// a loaded session. Every failure here is reported on stderr with the exit code cli.md
// fixes: 1 for bad data or rules, 2 for bad usage.

import ArgumentParser
import Engine
import Foundation
import MQL

struct SessionOptions: ParsableArguments {
    @OptionGroup var language: LanguageOption

    @Option(name: .long, help: "The dataset directory (default: the shipped example data).")
    var data: String?

    @Option(name: .long, help: "A rule file or directory of them; repeatable; replaces the shipped rules.")
    var rules: [String] = []

    @Option(name: .long, help: "Fix today's date (YYYY-MM-DD) for the whole run.")
    var today: String?

    @Option(name: .long, help: "Override a param of the rule files: NAME=VALUE (repeatable).")
    var param: [String] = []

    @Flag(name: .long, help: "Show personal data (phones, addresses) unmasked.")
    var unmask = false

    @Option(name: .long, help: "Who changes are recorded as made by (default: the OS user).")
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Stop a statement that runs longer than SECONDS, with an error naming it; it changes nothing.", valueName: "seconds"))
    var timeout: Double?

    @Option(name: .customLong("max-cells"), help: ArgumentHelp("Stop a statement whose result would hold more than N cells (rows × columns, set elements counted; default 64000000).", valueName: "n"))
    var maxCells: Int?

    func validate() throws {
        if let today, CivilDate.parse(today, allowMonth: false) == nil {
            throw ValidationError("--today takes a date YYYY-MM-DD, not '\(today)'")
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout takes a number of seconds above 0, not '\(timeout)'")
        }
        if let maxCells, maxCells <= 0 {
            throw ValidationError("--max-cells takes a whole number above 0, not '\(maxCells)'")
        }
        for p in param where !p.contains("=") || p.hasPrefix("=") {
            throw ValidationError("--param takes NAME=VALUE, not '\(p)'")
        }
    }

    var todayDays: Int32 {
        today.flatMap { CivilDate.parse($0, allowMonth: false) } ?? Session.systemToday()
    }

    var paramPairs: [(String, String)] {
        param.map { p in
            let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]).trimmingCharacters(in: .whitespaces), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    var dataDirectory: String { data ?? Defaults.dataDirectory }

    /// The shipped example data, named or by default: read-only, since the docs' outputs
    /// are computed from it.
    var usesShippedExamples: Bool {
        guard let data else { return true }
        func canonical(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path }
        return canonical(data) == canonical(Defaults.dataDirectory)
    }

    static var shippedExamplesAreReadOnly: String { ReplMessage.shippedExamplesAreReadOnly() }

    /// `replacingShipped`: the extra files are a rule set of their own (`mql test DIR`),
    /// so the shipped rules are not loaded beside them (they would define everything twice).
    func ruleFilePaths(extra: [String] = [], replacingShipped: Bool = false) throws -> [String] {
        let roots = rules.isEmpty ? (replacingShipped ? [] : [Defaults.rulesDirectory]) : rules
        var files: [String] = []
        for root in roots + extra {
            for f in try RuleFiles.files(at: root) where !files.contains(f) { files.append(f) }
        }
        return files
    }

    /// Loads data and rules; on failure prints why and exits.
    func makeSession(extraRules: [String] = [], replacingShipped: Bool = false) -> Session {
        let store: Store
        let dataset = Dataset(directory: dataDirectory)
        do {
            store = try Terminal.withProgress("loading \(dataDirectory)") { try dataset.load() }
            for warning in dataset.warnings { Terminal.error(warning) }
        } catch let error as LoadError {
            Terminal.error(error.description)
            Foundation.exit(1)
        } catch {
            Terminal.error("error: \(error)")
            Foundation.exit(1)
        }
        do {
            let sources = try ruleFilePaths(extra: extraRules, replacingShipped: replacingShipped).map(RuleFiles.readSource)
            let session = try Session(store: store, ruleSources: sources, today: todayDays, params: paramPairs)
            session.dataset = dataset
            if usesShippedExamples { session.readOnlyReason = Self.shippedExamplesAreReadOnly }
            if let user { session.user = user }
            session.timeout = timeout
            if let maxCells { session.cellBudget = maxCells }
            return session
        } catch let error as DiagnosticError {
            Terminal.report(error)
            Foundation.exit(1)
        } catch let error as RuleFileError {
            Terminal.error(error.description)
            if case .unknownParam = error { Foundation.exit(2) }
            if case .badParam = error { Foundation.exit(2) }
            Foundation.exit(1)
        } catch {
            Terminal.error("error: \(error)")
            Foundation.exit(1)
        }
    }
}

enum Terminal {
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    static let stdinIsTerminal = isatty(STDIN_FILENO) == 1

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func write(bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// A message on stderr. Messages quote data (a bad cell, a refused row), so control
    /// characters in them are escaped as in tables; `style` (colour) is applied after.
    static func error(_ text: String, style: Colour.Style? = nil) {
        let visible = OutputWriter.visible(text, keepingLayout: true)
        let styled = style?.apply(visible) ?? visible
        FileHandle.standardError.write(Data((styled.hasSuffix("\n") ? styled : styled + "\n").utf8))
    }

    /// Diagnostics on stderr; with the source line and a caret when stderr is a terminal.
    static func report(_ error: DiagnosticError) {
        for d in error.diagnostics {
            Self.error(stderrIsTerminal ? d.renderWithSource() : d.description)
        }
    }

    /// Runs work, telling a terminal user on stderr when it takes a while.
    static func withProgress<T>(_ what: String, _ work: () throws -> T) rethrows -> T {
        guard stderrIsTerminal else { return try work() }
        let start = Date()
        let result = try work()
        let seconds = Date().timeIntervalSince(start)
        if seconds > 0.5 { Self.error(ReplMessage.loadingTook(what, String(format: "%.1f", seconds))) }
        return result
    }
}
