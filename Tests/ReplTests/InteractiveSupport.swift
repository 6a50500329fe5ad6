// Drives the real `mql` REPL in a terminal: a private tmux server (its own socket) runs the
// binary in a pane of a fixed size; tests type into it with send-keys and read the screen
// with capture-pane (the whole scrollback, trailing blanks trimmed). Waits poll the
// screen, so the tests do not depend on timing beyond generous timeouts.
//
// tmux must be installed (scripts/setup installs it).

import Foundation
import Testing

final class TerminalSession {
    let socket = "mql-test-\(UUID().uuidString.prefix(8))"
    let directory: URL
    let tmux: String
    /// The directory was made here (and goes with the session).
    let ownsDirectory: Bool

    /// Starts `mql ARGS` (today fixed at 2019-11-30, on a copy of the example data) in a
    /// `width`×`height` pane, with a
    /// clean environment: HOME and the history file in a fresh directory, `LANG` as given.
    init(arguments: [String] = [], lang: String = "C.UTF-8", environment: [String: String] = [:],
         width: Int = 100, height: Int = 40, directory: URL? = nil) throws {
        self.directory = try directory ?? temporaryDirectory("repl")
        self.ownsDirectory = directory == nil
        guard let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TerminalError.noTmux
        }
        guard let binary = MQLProcess.binary else { throw TerminalError.noBinary }
        self.tmux = tmux
        var env: [String: String] = [
            "PATH": "/usr/bin:/bin", "HOME": self.directory.path, "LANG": lang, "TERM": "screen",
            "MQL_HISTORY": self.directory.appendingPathComponent("history").path,
        ]
        for (k, v) in environment { env[k] = v }
        let assignments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let data = arguments.contains("--data") ? [] : ["--data", MQLProcess.exampleCopy]
        // mql is the pane's only process (a wrapper such as `timeout` would pass Ctrl-C on
        // a second time).
        let command = ["env", "-i"] + assignments + [binary.path, "--today", "2019-11-30"] + data + arguments
        let config = self.directory.appendingPathComponent("tmux.conf")
        try Data("set -g history-limit 5000\nset -g status off\n".utf8).write(to: config)
        try run(["-f", config.path, "new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-c", self.directory.path,
                 command.map(shellQuote).joined(separator: " ")])
    }

    deinit {
        _ = try? run(["kill-server"])
        if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
    }

    enum TerminalError: Error, CustomStringConvertible {
        case noTmux, noBinary, tmuxFailed(String), timeout(String, String)
        var description: String {
            switch self {
            case .noTmux: return "tmux is not installed (scripts/setup installs it)"
            case .noBinary: return "no mql binary found; build first"
            case .tmuxFailed(let s): return "tmux failed: \(s)"
            case .timeout(let what, let screen): return "timed out waiting for \(what); screen:\n\(screen)"
            }
        }
    }

    /// Runs `tmux -L SOCKET ARGS` and returns what it printed. Spawned with posix_spawn and
    /// reaped with waitpid (bounded): `new-session` forks the tmux server, which keeps
    /// inherited descriptors, and Foundation's Process did not always see the client exit.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-out-\(UUID().uuidString)").path
        defer { unlink(outPath) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = [tmux, "-L", socket] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        // Signals as a terminal user has them: none blocked, default actions (the test
        // runner's threads may block SIGINT, and the mask would be inherited by mql).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tmux, &actions, &attributes, &cArgs, environ)
        guard spawned == 0 else { throw TerminalError.tmuxFailed("spawn failed: \(spawned)") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(20)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw TerminalError.tmuxFailed(arguments.joined(separator: " ") + ": no answer in 20 s")
            }
            usleep(5_000)
        }
        let text = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        if exited != 0 && arguments.first != "kill-server" && arguments.first != "has-session" {
            throw TerminalError.tmuxFailed(arguments.joined(separator: " ") + ": " + text)
        }
        if exited != 0 && arguments.first == "has-session" { throw TerminalError.tmuxFailed("no session") }
        return text
    }

    func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    // MARK: - Typing

    /// Types text literally.
    func type(_ text: String) throws { try run(["send-keys", "-t", "0", "-l", text]) }
    /// Presses keys by tmux name: Enter, Tab, C-c, C-d, Up.
    func press(_ keys: String...) throws { try run(["send-keys", "-t", "0"] + keys) }

    // MARK: - Reading

    /// The whole transcript: scrollback and screen, trailing blanks trimmed.
    func screen(escapes: Bool = false) throws -> String {
        let text = try run(["capture-pane", "-p", "-t", "0", "-S", "-5000"] + (escapes ? ["-e"] : []))
        var lines = text.components(separatedBy: "\n").map { line -> String in
            var l = line
            while l.hasSuffix(" ") { l.removeLast() }
            return l
        }
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Waits until `condition` holds for the transcript.
    @discardableResult
    func wait(_ what: String, timeout: Double = 30, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.03)
        }
        throw TerminalError.timeout(what, last)
    }

    func promptCount(_ text: String, prompt: String = "mql>") -> Int {
        text.components(separatedBy: "\n").filter { $0.hasPrefix(prompt) }.count
    }

    /// Waits for the first prompt.
    func ready() throws {
        try wait("the prompt") { promptCount($0) >= 1 && $0.hasSuffix("mql>\n") }
    }

    /// Types a line, presses Enter and waits for the next main prompt.
    func enter(_ line: String, timeout: Double = 30) throws {
        let before = promptCount(try screen())
        try type(line)
        try press("Enter")
        try wait("the prompt after \(line)", timeout: timeout) { promptCount($0) > before && $0.hasSuffix("mql>\n") }
    }

    /// Waits until the screen stops changing (after Tab, which prints no new prompt).
    func settle() throws {
        var previous = try screen()
        for _ in 0..<100 {
            Thread.sleep(forTimeInterval: 0.1)
            let now = try screen()
            if now == previous { return }
            previous = now
        }
    }

    /// Ctrl-D, then waits for the process (and so the pane) to end.
    func quit() throws {
        try press("C-d")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? run(["has-session"])) == nil { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The pane's process has exited.
    var ended: Bool { (try? run(["has-session"])) == nil }
}

/// Display width as a terminal shows it: CJK and full-width 2, others 1 (what the tests
/// measure tables with, independently of the code under test).
func terminalWidth(_ s: String) -> Int {
    s.unicodeScalars.reduce(0) { total, u in
        let v = u.value
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
        return total + (wide ? 2 : 1)
    }
}
