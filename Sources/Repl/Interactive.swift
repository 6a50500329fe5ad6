// The REPL (cli.md, "stdin a terminal"): reads lines with readline until a statement is
// complete, runs it with the ScriptRunner in terminal mode, and keeps going whatever
// happens — an error, Ctrl-C while typing (the statement is dropped) or while a query runs
// (it is cancelled), until Ctrl-D or `.quit`. A multi-line statement is one history entry;
// the continuation prompt shows what is still open. Line editing is LineEditor's; history
// policy is History's; completion is Completer's.

import Engine
import Foundation
import MQL

struct Interactive {
    var runner: ScriptRunner
    let colourPrompt: Bool

    init(runner: ScriptRunner) {
        var runner = runner
        // The language is read before LineEditor may change LC_ALL for readline's sake.
        runner.messages = Messages.current
        runner.screen = Screen(maxRows: nil,
                               colourOut: Colour.enabled(fileDescriptor: STDOUT_FILENO),
                               colourErr: Colour.enabled(fileDescriptor: STDERR_FILENO))
        self.runner = runner
        self.colourPrompt = Colour.enabled(fileDescriptor: isatty(STDOUT_FILENO) == 1 ? STDOUT_FILENO : STDERR_FILENO)
    }

    mutating func loop() {
        let primary = Prompt.primary(colour: colourPrompt)
        let editor = LineEditor(primaryPrompt: primary)
        LineEditor.completer = Completer(session: runner.session)
        let history = History(settings: .fromEnvironment())
        history.load()
        Terminal.error(banner(), style: runner.screen?.colourErr == true ? .dim : nil)
        var buffer = ""
        while !runner.quitRequested {
            let prompt = buffer.isEmpty ? primary : Prompt.continuation(for: buffer, colour: colourPrompt)
            let input = editor.read(prompt: prompt, pendingStatement: buffer)
            if editor.inputWasDiscarded { buffer = "" }
            guard case .line(let line) = input else {
                // Ctrl-D: leave on a fresh line.
                FileHandle.standardError.write(Data("\n".utf8))
                break
            }
            if buffer.isEmpty && line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if buffer.isEmpty, DotCommand.isDotLine(line.drop { $0 == " " || $0 == "\t" }) {
                history.add(line)
                run { $0.runDot(line, name: "<repl>", lineNumber: 1) }
                continue
            }
            buffer = buffer.isEmpty ? line : buffer + "\n" + line
            if Lexer.isIncomplete(buffer) { continue }
            history.add(buffer)
            let statement = buffer
            buffer = ""
            run { $0.run(source: statement, name: "<repl>") }
        }
        history.save()
    }

    /// Runs one entry; whatever it did, the session goes on.
    mutating func run(_ body: (inout ScriptRunner) -> Void) {
        Interrupt.clear()
        runner.session.cancellationCheck = { Interrupt.isSet }
        body(&runner)
        runner.failed = false
        runner.stopped = false
    }

    func banner() -> String {
        let counts = ["children", "mothers", "pairings", "visits"].compactMap { name in
            runner.session.store.table(name).map { (name, $0.rowCount) }
        }
        return runner.messages.banner(counts: counts)
    }
}

/// The REPL's prompts: `mql> `, and while a statement is open a prompt naming what is open
/// — the innermost bracket or string, else the operator or keyword the line ended with —
/// right-aligned under `mql`: `  (> `, `and> `, `where> `.
enum Prompt {
    static func primary(colour: Bool) -> String {
        colour ? Colour.prompt("mql", code: "1;32") + "> " : "mql> "
    }

    static func continuation(for buffer: String, colour: Bool) -> String {
        let label = openLabel(buffer)
        let padded = String(repeating: " ", count: max(0, 3 - DisplayWidth.of(label))) + label
        return colour ? Colour.prompt(padded, code: "2") + "> " : padded + "> "
    }

    static func openBrackets(_ tokens: [Token]) -> [String] {
        var stack: [String] = []
        for token in tokens {
            if case .punct(let p) = token.kind {
                if p == "(" || p == "[" || p == "{" { stack.append(p) }
                if (p == ")" || p == "]" || p == "}") && !stack.isEmpty { stack.removeLast() }
            }
            // A real statement end (not the one the lexer adds at the end of input).
            if token.kind == .newline && token.range.end > token.range.start { stack = [] }
        }
        return stack
    }

    /// What keeps `buffer` open.
    static func openLabel(_ buffer: String) -> String {
        let file = SourceFile(name: "", text: buffer)
        let (tokens, diagnostics) = Lexer.tokenize(file)
        if let open = diagnostics.first(where: { $0.message.hasPrefix("unterminated") }) {
            return String(file.text(of: SourceRange(open.range.start, open.range.start + 4)).prefix(1))
        }
        if let open = openBrackets(tokens).last { return open }
        let significant = tokens.last { $0.kind != .newline && $0.kind != .eof }
        switch significant?.kind {
        case .keyword(let k)?: return k.rawValue
        case .punct(let p)?: return p
        default: return "..."
        }
    }
}
