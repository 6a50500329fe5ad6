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

    @Option(name: .long, help: "Output format: table, csv, tsv or json (default: table on a terminal, else tsv).")
    var format: OutputFormat?

    @Flag(name: .long, help: "After a failing statement, run the rest (and still exit 1).")
    var keepGoing = false

    @Flag(name: .long, help: "Report each statement's time (parse, check, plan, run; not printing) on stderr.")
    var timer = false

    @Option(name: .customShort("c"), help: "Statements to run, then exit.")
    var command: String?

    @Argument(help: "MQL files to run in order.")
    var files: [String] = []

    func run() throws {
        let session = self.session.makeSession()
        var runner = ScriptRunner(
            session: session,
            writer: OutputWriter(format: format ?? (Terminal.stdoutIsTerminal ? .table : .tsv), unmask: self.session.unmask),
            keepGoing: keepGoing, timer: timer)
        if let command {
            runner.run(source: command, name: "<command>")
        } else if !files.isEmpty {
            for path in files {
                guard let data = FileManager.default.contents(atPath: path) else {
                    Terminal.error("\(path): error: cannot read file")
                    throw ExitCode(1)
                }
                runner.run(bytes: [UInt8](data), name: path)
                if runner.failed && !keepGoing { break }
            }
        } else if Terminal.stdinIsTerminal {
            var interactive = Interactive(runner: runner)
            interactive.loop()
            return
        } else {
            // Statements run as they arrive, so a pipe gets each result (and each change is
            // durable) before the next statement is read.
            var chunks = StatementStream(fileDescriptor: STDIN_FILENO)
            while let chunk = chunks.next() {
                runner.run(bytes: chunk.bytes, name: "<stdin>", firstLine: chunk.firstLine)
                if runner.failed && !keepGoing { break }
            }
        }
        if session.inTransaction {
            // All or none: a transaction the script did not commit changes nothing.
            session.abandonTransaction()
            Terminal.error("warning: the script ended inside 'begin' without 'commit'; nothing of the transaction was applied")
            throw ExitCode(1)
        }
        if runner.failed { throw ExitCode(1) }
    }
}

/// Runs sources statement by statement, printing results and errors.
struct ScriptRunner {
    let session: Session
    var writer: OutputWriter
    let keepGoing: Bool
    let timer: Bool
    private(set) var failed = false
    private(set) var stopped = false

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
            Terminal.error("\(name):\(line):\(column): error: source is not valid UTF-8 (byte \(bad))")
            failed = true
            return
        }
        run(source: String(decoding: bytes, as: UTF8.self), name: name, firstLine: firstLine)
    }

    mutating func run(source: String, name: String, firstLine: Int = 1) {
        guard !stopped else { return }
        let file = SourceFile(name: name, text: source, firstLine: firstLine)
        for parsed in Parser.parseStatements(file) {
            let start = DispatchTime.now()
            let outcome: Result<StatementOutcome, DiagnosticError> = parsed.flatMap { statement in
                do { return .success(try session.execute(statement)) } catch let e as DiagnosticError {
                    return .failure(e)
                } catch {
                    return .failure(DiagnosticError(Diagnostic(file, statement.range, "\(error)")))
                }
            }
            if timer {
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
                if case .success(let statement) = parsed {
                    let (line, _) = file.location(of: statement.range.start)
                    Terminal.error(String(format: "timer: %@:%d: %.3f ms", name, line, ms))
                }
            }
            switch outcome {
            case .success(let result):
                if let text = writer.render(result) { Terminal.write(text) }
            case .failure(let error):
                Terminal.report(error)
                failed = true
                if !keepGoing {
                    stopped = true
                    return
                }
            }
        }
    }
}

/// Statements typed at a terminal, read line by line until each is complete. (The full
/// readline REPL replaces this loop; see docs/repl.md.)
struct Interactive {
    var runner: ScriptRunner

    mutating func loop() {
        var buffer = ""
        var lineNumber = 0
        while true {
            FileHandle.standardError.write(Data((buffer.isEmpty ? "mql> " : "...> ").utf8))
            guard let line = readLine(strippingNewline: true) else { break }
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if buffer.isEmpty && trimmed.isEmpty { continue }
            if buffer.isEmpty && (trimmed == ".quit" || trimmed == ".exit") { break }
            buffer += buffer.isEmpty ? line : "\n" + line
            if Lexer.isIncomplete(buffer) { continue }
            runner.run(source: buffer, name: "<repl>")
            runner.resetAfterStatement()
            buffer = ""
        }
    }
}

extension ScriptRunner {
    /// In the interactive loop an error does not end the session.
    mutating func resetAfterStatement() {
        stopped = false
        failed = false
    }
}
