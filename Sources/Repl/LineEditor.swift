// Line editing for the REPL: GNU readline (through the CReadline system library), the
// Ctrl-C flag, and the bridge from readline's C callbacks to `Completer`. It reads one
// line at a time; deciding whether a statement is complete, history policy and running
// statements belong to `Interactive` and `History`.
//
// See ../shared/notes/readline.md for why things are done this way: readline's globals are
// set through inline C setters (Swift 6 refuses to assign them), C callbacks are closure
// literals that capture nothing, and the state they need sits in `nonisolated(unsafe)`
// statics. All of it is touched only from the main thread, and from readline's callbacks,
// which readline calls on that same thread.

@preconcurrency import CReadline
import Foundation
import Synchronization

/// Ctrl-C as a flag: the SIGINT handler only sets it; the REPL clears it before reading a
/// line and before running a statement, and checks it afterwards. A flag cleared before
/// each evaluation cannot leak into the next one (sqlite's shell once exited on a late
/// Ctrl-C that way).
enum Interrupt {
    static let flag = Atomic<Bool>(false)

    /// Installs the SIGINT handler for the life of the process. (readline installs its own
    /// while it waits for input and re-raises SIGINT to this one.)
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A parent may have left SIGINT blocked (the mask is inherited across exec).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    static var isSet: Bool { flag.load(ordering: .relaxed) }
    static func clear() { flag.store(false, ordering: .relaxed) }
    /// Whether Ctrl-C was pressed since the last clear; clears it.
    static func take() -> Bool { flag.exchange(false, ordering: .relaxed) }
}

final class LineEditor {
    enum Input: Equatable {
        case line(String)
        case endOfInput
    }

    // MARK: - State read by readline's callbacks

    /// Completes words; set once at start.
    nonisolated(unsafe) static var completer: Completer?
    /// The lines of the statement typed so far, before the one being edited (completion
    /// needs the whole statement: `children where\n  street = "bj`).
    nonisolated(unsafe) static var pendingStatement = ""
    /// Set by the signal hook when Ctrl-C discarded what was being typed.
    nonisolated(unsafe) static var discardedInput = false
    /// The primary prompt as a C string, for the signal hook to restore.
    nonisolated(unsafe) static var primaryPrompt: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var pendingMatches: [String] = []
    nonisolated(unsafe) static var matchIndex = 0

    /// TUNING: readline's defaults plus everything that ends an MQL word (`,` `[` `]` `+` `*` `:`),
    /// but not `.` (paths `child.name`, dot commands), `/` and `-` (file names, dates).
    static let wordBreaks = " \t\n\"'`=<>!;|&{}()[],+*:"

    init(primaryPrompt: String) {
        LineEditor.fixLocale()
        LineEditor.primaryPrompt = strdup(primaryPrompt)
        let out: UnsafeMutablePointer<FILE>? = isatty(STDOUT_FILENO) == 1 ? stdout : stderr
        mql_rl_install(
            { text, start, end in LineEditor.complete(text, start, end) },
            { LineEditor.signalEvent() },
            LineEditor.wordBreaks,
            out)
        // readline calls the signal-event hook only when Ctrl-C interrupts a read; a Ctrl-C
        // that lands while it is busy is acted on as the next key arrives (Ctrl-C Ctrl-D
        // typed at once: the line is dropped, then the session ends).
        mql_rl_set_getc { stream in
            let key = rl_getc(stream)
            rl_check_signals()  // a Ctrl-C caught with this key is handled before the key
            _ = LineEditor.signalEvent()
            return key
        }
        Interrupt.install()
    }

    /// readline picks its locale from the environment; under `LANG=C` a CJK character is
    /// several bytes to Backspace. When the codeset is not UTF-8, use C.UTF-8.
    static func fixLocale() {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        if codeset.uppercased().replacingOccurrences(of: "-", with: "") != "UTF8" {
            setenv("LC_ALL", "C.UTF-8", 1)
            setlocale(LC_ALL, "")
        }
    }

    /// One line from the terminal, with `prompt` (colour escapes already wrapped in
    /// \u{01}…\u{02}). Ctrl-C while typing is handled inside: see `signalEvent`.
    func read(prompt: String, pendingStatement: String) -> Input {
        LineEditor.pendingStatement = pendingStatement
        LineEditor.discardedInput = false
        Interrupt.clear()
        guard let raw = readline(prompt) else { return .endOfInput }
        defer { free(raw) }
        return .line(String(cString: raw))
    }

    /// Whether the last `read` saw Ctrl-C, so that the statement typed before is void.
    var inputWasDiscarded: Bool { LineEditor.discardedInput }

    // MARK: - Callbacks

    /// Called by readline after it handled a signal while waiting for a key. On Ctrl-C:
    /// forget the line and the statement being typed, and start again at the main prompt.
    static func signalEvent() -> Int32 {
        if Interrupt.take() {
            discardedInput = true
            pendingStatement = ""
            mql_rl_fresh_line(primaryPrompt)
        }
        return 0
    }

    /// readline's attempted-completion function: `text` is the word before the cursor,
    /// from byte `start` to `end` of the line.
    static func complete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard let completer, let text, let lineBuffer = mql_rl_line_buffer() else {
            mql_rl_completion_options(0, 0)
            return nil
        }
        let lineBytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(lineBuffer).assumingMemoryBound(to: UInt8.self), count: strlen(lineBuffer)))
        let startIndex = max(0, min(Int(start), lineBytes.count))
        let before = String(decoding: lineBytes[..<startIndex], as: UTF8.self)
        let word = String(cString: text)
        let result = completer.complete(pending: pendingStatement, linePrefix: before, word: word)
        if result.fileNames {
            mql_rl_completion_options(Int32(UInt8(ascii: " ")), 1)
            return nil
        }
        mql_rl_completion_options(result.append.map { Int32($0.asciiValue ?? 0) } ?? 0, 0)
        guard !result.candidates.isEmpty else { return nil }
        pendingMatches = result.candidates
        matchIndex = 0
        return rl_completion_matches(text) { _, state in
            if state == 0 { LineEditor.matchIndex = 0 }
            guard LineEditor.matchIndex < LineEditor.pendingMatches.count else { return nil }
            defer { LineEditor.matchIndex += 1 }
            return strdup(LineEditor.pendingMatches[LineEditor.matchIndex])
        }
    }
}
