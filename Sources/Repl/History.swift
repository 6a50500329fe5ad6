// The REPL's history: kept in readline's list for the arrow keys and in a file across
// sessions. One entry per statement, however many lines it took; dot commands are entries
// too. It does not read lines or decide when a statement ends.
//
// The file holds one entry per line, a newline inside an entry written as U+0001 (psql
// does the same), so that a multi-line statement comes back as one entry. It is created
// with mode 0600 (queries name children) and each entry is appended as soon as it is
// entered, so two sessions at once both keep theirs and a killed session loses nothing.
//
// Settings, from the environment:
// - `MQL_HISTORY`: the file (default `~/.mql_history`; empty: no file).
// - `MQL_HISTSIZE`: entries kept, in memory and in the file (default 1000; 0: none).
// - `MQL_HISTCONTROL` (else `HISTCONTROL`), like bash: `ignoredups` (the default: an entry
//   equal to the one before is not added), `ignorespace` (an entry typed with a leading
//   space is not added), `ignoreboth`, `erasedups` (earlier copies are removed), `none`.

@preconcurrency import CReadline
import Foundation

struct HistorySettings: Equatable {
    var path: String?
    var size: Int
    var ignoreDuplicates: Bool
    var ignoreSpace: Bool
    var eraseDuplicates: Bool

    /// TUNING: psql and bash keep 500–1000; a statement is short, a thousand costs nothing.
    static let defaultSize = 1000

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> HistorySettings {
        var path: String?
        if let explicit = env["MQL_HISTORY"] {
            path = explicit.isEmpty ? nil : explicit
        } else if let home = env["HOME"], !home.isEmpty {
            path = (home as NSString).appendingPathComponent(".mql_history")
        }
        let size = env["MQL_HISTSIZE"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { max(0, $0) } ?? defaultSize
        let control = (env["MQL_HISTCONTROL"] ?? env["HISTCONTROL"] ?? "ignoredups")
            .split(whereSeparator: { $0 == ":" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }
        let both = control.contains("ignoreboth")
        return HistorySettings(
            path: path, size: size,
            ignoreDuplicates: both || control.contains("ignoredups") || control.contains("erasedups"),
            ignoreSpace: both || control.contains("ignorespace"),
            eraseDuplicates: control.contains("erasedups"))
    }
}

final class History {
    let settings: HistorySettings
    /// The entries in readline's list, oldest first.
    private(set) var entries: [String] = []

    init(settings: HistorySettings) {
        self.settings = settings
        stifle_history(Int32(clamping: settings.size))
    }

    static func encode(_ entry: String) -> String { entry.replacingOccurrences(of: "\n", with: "\u{01}") }
    static func decode(_ line: String) -> String { line.replacingOccurrences(of: "\u{01}", with: "\n") }

    /// The file's entries, oldest first.
    static func readFile(_ path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map { decode(String($0)) }
    }

    /// Loads the file into readline's list.
    func load() {
        guard let path = settings.path, settings.size > 0 else { return }
        for entry in History.readFile(path).suffix(settings.size) { remember(entry) }
    }

    /// Whether an entry should be kept, by the HISTCONTROL settings.
    func accepts(_ entry: String) -> Bool {
        if settings.size == 0 || entry.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return false }
        if settings.ignoreSpace, let first = entry.first, first == " " || first == "\t" { return false }
        if settings.ignoreDuplicates && !settings.eraseDuplicates, entries.last == entry { return false }
        return true
    }

    /// Adds a statement (all its lines) as one entry, in memory and at the end of the file.
    func add(_ entry: String) {
        guard accepts(entry) else { return }
        if settings.eraseDuplicates && entries.contains(entry) {
            entries.removeAll { $0 == entry }
            clear_history()
            for e in entries { add_history(e) }
        }
        remember(entry)
        append(toFile: entry)
    }

    private func remember(_ entry: String) {
        if settings.eraseDuplicates { entries.removeAll { $0 == entry } }
        entries.append(entry)
        if entries.count > settings.size { entries.removeFirst(entries.count - settings.size) }
        add_history(entry)
    }

    private func append(toFile entry: String) {
        guard let path = settings.path else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let bytes = Array((History.encode(entry) + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// At the end of a session: cut the file to the size (and remove duplicates with
    /// erasedups), rewriting it through a temporary file so it is never half-written.
    func save() {
        guard let path = settings.path else { return }
        let original = History.readFile(path)
        var fileEntries = original
        if settings.eraseDuplicates {
            var seen = Set<String>()
            fileEntries = fileEntries.reversed().filter { seen.insert($0).inserted }.reversed()
        }
        let kept = Array(fileEntries.suffix(settings.size))
        guard kept != original else { return }
        let temporary = path + ".tmp\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array(kept.map { History.encode($0) + "\n" }.joined().utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o600)
        close(fd)
        if rename(temporary, path) != 0 { unlink(temporary) }
    }
}
