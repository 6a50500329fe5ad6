// `mql [options] [-c STATEMENTS] [FILE.mql ...]`: runs statements from -c, files, or stdin
// (a terminal gets the interactive loop), printing one result per statement.

import ArgumentParser
import Engine
import Foundation
import MQL

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run MQL statements from -c, files or stdin (the default command)."
    )

    @OptionGroup var session: SessionOptions

    @Option(name: .long, help: "Output format: table, csv, tsv, json, line or xlsx (default: from --out's extension, else table on a terminal, else tsv).")
    var format: OutputFormat?

    @Option(name: .long, help: "Write the results to FILE instead of stdout (needed for xlsx: a workbook, one sheet per result).")
    var out: String?

    @Flag(name: .long, help: "After a failing statement, run the rest (and still exit 1).")
    var keepGoing = false

    @Flag(name: .long, help: "Report each statement's time (parse, check, plan, run; not printing) on stderr.")
    var timer = false

    @Option(name: .customShort("c"), help: "Statements to run, then exit.")
    var command: String?

    @Argument(help: "MQL files to run in order.")
    var files: [String] = []

    /// A subcommand written after options (`mql --data X check`) or misspelled (`mql chek`)
    /// lands here as a file to run; say so, as bad usage, before loading anything.
    func rejectMisplacedSubcommand() throws {
        guard command == nil, let first = files.first, !FileManager.default.fileExists(atPath: first) else { return }
        let names = MQLCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        if names.contains(first) {
            Terminal.error("mql: error: " + Messages.current.subcommandAfterOptions(first))
            throw ExitCode(2)
        }
        guard !first.contains("/"), !first.contains("."),
              let near = HeaderCheck.suggestion(for: first, among: names.filter { $0 != "run" }) else { return }
        Terminal.error("mql: error: " + Messages.current.unknownSubcommand(first, suggestion: near))
        throw ExitCode(2)
    }

    /// The format asked for, or named by --out's extension, or the default for stdout.
    var chosenFormat: OutputFormat {
        format ?? out.flatMap(OutputFormat.forFile) ?? (out == nil && Terminal.stdoutIsTerminal ? .table : .tsv)
    }

    func run() throws {
        try rejectMisplacedSubcommand()
        // A workbook is binary: it goes to a file, never to a terminal or a pipe.
        if chosenFormat == .xlsx && out == nil {
            Terminal.error("mql: error: " + ReplMessage.workbookNeedsOut())
            throw ExitCode(2)
        }
        if let out, chosenFormat != .xlsx {
            // Text formats: stdout becomes the file, so results land there as they come.
            let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else {
                Terminal.error("\(out): error: " + ReplMessage.cannotWriteFile(String(cString: strerror(errno))))
                throw ExitCode(1)
            }
            dup2(fd, STDOUT_FILENO)
            close(fd)
        }
        // The REPL's user sees that a large dataset is loading (the line is then erased; cut
        // to the terminal's width, since erasing reaches back only to the start of a line
        // and a long path would wrap and leave its first part above the banner).
        let repl = command == nil && files.isEmpty && Terminal.stdinIsTerminal && Terminal.stderrIsTerminal
        if repl {
            let line = TerminalTable.cut(Messages.current.loading(self.session.dataDirectory), to: Screen.size().columns - 1)
            FileHandle.standardError.write(Data((line + "\r").utf8))
        }
        let session = self.session.makeSession()
        if repl { FileHandle.standardError.write(Data("\u{1B}[K".utf8)) }
        var runner = ScriptRunner(
            session: session,
            writer: OutputWriter(format: chosenFormat, unmask: self.session.unmask),
            keepGoing: keepGoing, timer: timer)
        // The workbook of the results is written once the run is over, whatever its status.
        var ending: Error?
        do { try runInput(&runner, session: session) } catch { ending = error }
        if chosenFormat == .xlsx, let out, !writeWorkbook(runner.writer, to: out), ending == nil { ending = ExitCode(1) }
        if let ending { throw ending }
    }

    /// Runs -c, the files, the REPL or stdin.
    func runInput(_ runner: inout ScriptRunner, session: Session) throws {
        // Files, stdin and the REPL run statement after statement: an index built on first
        // use is read again. A -c statement is usually all a process runs.
        session.buildsSortedIndexOnFirstUse = command == nil
        if let command {
            runner.run(source: command, name: "<command>")
        } else if !files.isEmpty {
            for path in files {
                guard let data = FileManager.default.contents(atPath: path) else {
                    Terminal.error("\(path): error: " + ReplMessage.cannotReadFile())
                    throw ExitCode(1)
                }
                runner.run(bytes: [UInt8](data), name: path)
                if (runner.failed && !keepGoing) || runner.quitRequested { break }
            }
        } else if Terminal.stdinIsTerminal {
            var interactive = Interactive(runner: runner)
            interactive.loop()
            runner = interactive.runner
            if session.inTransaction {
                session.abandonTransaction()
                Terminal.error(Messages.current.transactionAbandoned)
            }
            return
        } else {
            // Statements run as they arrive, so a pipe gets each result (and each change is
            // durable) before the next statement is read.
            var chunks = StatementStream(fileDescriptor: STDIN_FILENO)
            while let chunk = chunks.next() {
                runner.run(bytes: chunk.bytes, name: "<stdin>", firstLine: chunk.firstLine)
                if (runner.failed && !keepGoing) || runner.quitRequested { break }
            }
        }
        if session.inTransaction {
            // All or none: a transaction the script did not commit changes nothing.
            session.abandonTransaction()
            Terminal.error("warning: " + ReplMessage.scriptEndedInTransaction())
            throw ExitCode(1)
        }
        if runner.failed { throw ExitCode(1) }
    }
}

extension RunCommand {
    /// The collected results as a workbook at `path` (written atomically); false, said on
    /// stderr, when it could not be.
    func writeWorkbook(_ writer: OutputWriter, to path: String) -> Bool {
        do {
            try DatasetWriter.writeAtomically(WorkbookOutput.workbook(writer.collected, writer: writer), to: path)
            return true
        } catch {
            Terminal.error("\(path): error: " + WorkbookOutput.describe(error))
            return false
        }
    }
}

/// Runs sources statement by statement, printing results and errors. A line starting with
/// `.` where no statement is open is a dot command (DotCommands.swift), in scripts as in
/// the REPL. In the REPL (`screen` set) tables fit the terminal, messages follow the
/// locale, and Ctrl-C cancels; in batch mode output is exactly the formats of cli.md.
struct ScriptRunner {
    let session: Session
    var writer: OutputWriter
    let keepGoing: Bool
    var timer: Bool
    /// The terminal, in the REPL; nil in batch mode.
    var screen: Screen?
    /// `.maxrows`: nil to fit the terminal, 0 for all rows.
    var maxRows: Int?
    var messages = Messages.current
    /// The last query or count that succeeded (`.save-test`).
    var lastQuery: LastQuery?
    /// `.read` nesting.
    var readDepth = 0
    var failed = false
    var stopped = false
    /// `.quit` was run.
    var quitRequested = false

    init(session: Session, writer: OutputWriter, keepGoing: Bool, timer: Bool) {
        self.session = session
        self.writer = writer
        self.keepGoing = keepGoing
        self.timer = timer
    }

    mutating func run(bytes: [UInt8], name: String, firstLine: Int = 1) {
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            let prefix = SourceFile(name: name, text: String(decoding: bytes[..<bad], as: UTF8.self), firstLine: firstLine)
            let (line, column) = prefix.location(of: prefix.bytes.count)
            Terminal.error("\(name):\(line):\(column): error: " + ReplMessage.invalidUTF8Byte(bad))
            failed = true
            return
        }
        run(source: String(decoding: bytes, as: UTF8.self), name: name, firstLine: firstLine)
    }

    /// Runs a source: its statements, and its dot-command lines in order among them.
    mutating func run(source: String, name: String, firstLine: Int = 1) {
        for piece in ScriptPieces.split(source, firstLine: firstLine) {
            guard !stopped else { return }
            switch piece {
            case .statements(let text, let line): runStatements(source: text, name: name, firstLine: line)
            case .dot(let text, let line): runDot(text, name: name, lineNumber: line)
            }
        }
    }

    mutating func runStatements(source: String, name: String, firstLine: Int) {
        guard !stopped else { return }
        let file = SourceFile(name: name, text: source, firstLine: firstLine)
        for parsed in Parser.parseStatements(file) {
            if screen != nil, Interrupt.take() {
                // Ctrl-C between the statements of a `.read` file: the rest is not run.
                Terminal.error(messages.cancelledScript)
                noteFailure()
                return
            }
            let start = DispatchTime.now()
            let outcome: Result<StatementOutcome, DiagnosticError> = parsed.flatMap { statement in
                do { return .success(try session.execute(statement)) } catch let e as DiagnosticError {
                    return .failure(e)
                } catch {
                    return .failure(DiagnosticError(Diagnostic(file, statement.range, "\(error)")))
                }
            }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
            // Warnings come before the result (in the REPL: above it).
            let warnings = session.takeWarnings()
            if !warnings.isEmpty { report(DiagnosticError(warnings)) }
            if timer, screen == nil, case .success(let statement) = parsed {
                let (line, _) = file.location(of: statement.range.start)
                Terminal.error(ReplMessage.statementTimer(name, line, String(format: "%.3f", ms)))
            }
            if screen != nil, Interrupt.take(), case .success(let result) = outcome, !result.isChange {
                // Ctrl-C while the query ran (until the evaluator can stop mid-way, it runs
                // to its end): its result is not wanted.
                Terminal.error(messages.cancelledDiscarded)
                noteFailure()
                return
            }
            switch outcome {
            case .success(let result):
                if case .success(let statement) = parsed {
                    switch statement.kind {
                    case .query(let q): lastQuery = LastQuery(query: q, isCount: false)
                    case .count(let q): lastQuery = LastQuery(query: q, isCount: true)
                    default: break
                    }
                }
                emit(result)
            case .failure(let error):
                report(error)
                noteFailure()
            }
            if timer, let screen { Terminal.error(messages.elapsed(ms), style: screen.colourErr ? .dim : nil) }
            if stopped { return }
        }
    }

    /// After a failure: remember it, and stop unless --keep-going.
    mutating func noteFailure() {
        failed = true
        if !keepGoing { stopped = true }
    }

    /// Errors on stderr: as cli.md says in batch mode; in the REPL with the source line
    /// and caret (colour when allowed).
    func report(_ error: DiagnosticError) {
        guard let screen else {
            Terminal.report(error)
            return
        }
        for d in error.diagnostics {
            let text = Terminal.stderrIsTerminal ? d.renderWithSource() : d.description
            Terminal.error(text, style: screen.colourErr ? .error : nil)
        }
    }

    /// A statement's result on stdout.
    mutating func emit(_ outcome: StatementOutcome) {
        if writer.format == .xlsx {
            _ = writer.render(outcome)  // collected for the workbook
            return
        }
        guard let screen else {
            if let text = writer.render(outcome) { Terminal.write(text) }
            return
        }
        switch (outcome, writer.format) {
        case (.rows(let result), .table):
            Terminal.write(TerminalTable.render(result, writer: writer, width: Screen.size().columns,
                                                maxRows: maxRows ?? screen.effectiveMaxRows, colour: screen.colourOut, messages: messages))
        case (.value(let value, let column), .table):
            Terminal.write(TerminalTable.render(QueryResult(columns: [column], rows: [[value]]), writer: writer, width: Screen.size().columns,
                                                maxRows: 0, colour: screen.colourOut, messages: messages))
        case (.rows(let result), .line):
            if let text = writer.body(outcome), !text.isEmpty { Terminal.write(text) }
            Terminal.write((screen.colourOut ? Colour.dim(messages.rowCount(result.rows.count)) : messages.rowCount(result.rows.count)) + "\n")
        case (.done(let text), _):
            confirm(text)
        default:
            if let text = writer.body(outcome) { Terminal.write(text) }
        }
    }

    /// Text that is a dot command's result (help, .check) on stdout.
    func emitText(_ text: String) {
        Terminal.write(text)
    }
}

extension StatementOutcome {
    var isChange: Bool {
        if case .changed = self { return true }
        return false
    }
}

/// A source cut into runs of statements and dot-command lines. A line is a dot command
/// when it starts with `.` and a letter (after blanks) and no statement is open before it
/// (an open bracket or string, a trailing operator or keyword). A source without dot
/// commands is one piece, so plain scripts run exactly as they always did.
enum ScriptPieces {
    enum Piece: Equatable {
        case statements(String, firstLine: Int)
        case dot(String, line: Int)
    }

    static func split(_ source: String, firstLine: Int = 1) -> [Piece] {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.contains(where: { DotCommand.isDotLine($0.drop { $0 == " " || $0 == "\t" }) }) else {
            return [.statements(source, firstLine: firstLine)]
        }
        var pieces: [Piece] = []
        var pending: [Substring] = []
        var pendingStart = firstLine
        func flush() {
            let text = pending.joined(separator: "\n")
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { pieces.append(.statements(text, firstLine: pendingStart)) }
            pending = []
        }
        for (i, line) in lines.enumerated() {
            let number = firstLine + i
            let body = line.drop { $0 == " " || $0 == "\t" }
            if DotCommand.isDotLine(body), pending.isEmpty || !Lexer.isIncomplete(pending.joined(separator: "\n")) {
                flush()
                var text = String(line)
                if text.hasSuffix("\r") { text.removeLast() }
                pieces.append(.dot(text, line: number))
                pendingStart = number + 1
                continue
            }
            if pending.isEmpty { pendingStart = number }
            pending.append(line)
        }
        flush()
        return pieces
    }
}
