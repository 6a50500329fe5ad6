// Runs the built `mql` executable as a subprocess, the way scripts and the contract tests
// call it. The binary is the one built next to this test bundle (so `swift test` with any
// --scratch-path tests the binary it just built); MQL_BINARY overrides.

import Foundation
import Testing

struct MQLRun: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

enum MQLProcess {
    /// The package root (this file is Tests/ReplTests/MQLProcess.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binary: URL? = {
        let fm = FileManager.default
        if let path = ProcessInfo.processInfo.environment["MQL_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        // The test bundle (…/debug/MQLPackageTests.xctest) sits next to the products.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("mql"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("mql"))
        candidates.append(root.appendingPathComponent(".build-tests/debug/mql"))
        candidates.append(root.appendingPathComponent(".build/debug/mql"))
        return candidates.first { fm.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `mql ARGS` with stdin from `input` (an empty, non-terminal stdin when nil), in
    /// `workingDirectory` when given (for relative paths).
    /// `locale` replaces LC_ALL, LC_MESSAGES and LANG: those it does not name are removed, so
    /// messages are English whatever the machine's locale unless a test asks for Chinese
    /// (["LANG": "zh_CN.UTF-8"]).
    static func run(_ arguments: [String], input: String? = nil, workingDirectory: String? = nil, locale: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> MQLRun {
        guard let binary else {
            Issue.record("no mql binary found; build it first (swift build) or set MQL_BINARY", sourceLocation: sourceLocation)
            return MQLRun(status: -1, stdout: "", stderr: "")
        }
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("mql-run-\(UUID().uuidString)")
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr"), inURL = scratch.appendingPathComponent("stdin")
        try Data((input ?? "").utf8).write(to: inURL)
        var environment = ProcessInfo.processInfo.environment
        environment["MQL_HOME"] = nil
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] { environment[name] = locale[name] }
        let status = try spawnAndWait(binary.path, arguments: arguments, environment: environment,
                                      stdin: inURL.path, stdout: outURL.path, stderr: errURL.path,
                                      workingDirectory: workingDirectory)
        return MQLRun(status: status,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// posix_spawn and waitpid, with the standard streams redirected to files. (Not
    /// Foundation's Process: its waitUntilExit spins a run loop and relies on a shared
    /// SIGCHLD source, and many concurrent subprocesses made it miss exits.) Returns the
    /// exit status, or 128 + the signal that ended the process.
    static func spawnAndWait(_ path: String, arguments: [String], environment: [String: String],
                             stdin: String, stdout: String, stderr: String, workingDirectory: String? = nil) throws -> Int32 {
        // Glibc's posix_spawn_file_actions_addchdir_np is not imported into Swift: a shell
        // changes directory and then becomes the program.
        if let workingDirectory {
            return try spawnAndWait("/bin/sh", arguments: ["-c", "cd \"$0\" && exec \"$@\"", workingDirectory, path] + arguments,
                                    environment: environment, stdin: stdin, stdout: stdout, stderr: stderr)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw SpawnError(description: "posix_spawn \(path): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SpawnError(description: "waitpid: errno \(errno)") }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// A private copy of the example dataset's CSV files: running on the shipped directory
    /// would see (and could leave) journals of changes made by people trying things out.
    static let exampleCopy: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-example-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["streets", "communities", "children", "mothers", "pairings", "visits"] {
            let from = root.appendingPathComponent("examples/data/\(name).csv")
            try? FileManager.default.copyItem(at: from, to: dir.appendingPathComponent("\(name).csv"))
        }
        return dir.path
    }()

    /// `mql --today 2019-11-30 ARGS`, on a copy of the example data unless ARGS name one.
    static func today(_ arguments: [String], input: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> MQLRun {
        let data = arguments.contains("--data") ? [] : ["--data", exampleCopy]
        return try run(["--today", "2019-11-30"] + data + arguments, input: input, sourceLocation: sourceLocation)
    }
}

func temporaryDirectory(_ label: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes a dataset directory from CSV texts by collection name.
func writeDataset(_ files: [String: String], label: String) throws -> URL {
    let dir = try temporaryDirectory(label)
    for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name + ".csv")) }
    return dir
}

/// Golden files of the command line live with the other golden files in
/// Tests/MQLTests/Golden (a directory of ReplTests would be an undeclared resource).
enum ReplGolden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MQLTests/Golden")

    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do { try actual.write(to: url, atomically: true, encoding: .utf8) } catch { Issue.record("\(error)", sourceLocation: sourceLocation) }
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden file \(name); run with RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
            let i = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
            Issue.record("Golden/\(name) differs at line \(i + 1):\n- \(i < e.count ? e[i] : "<end>")\n+ \(i < a.count ? a[i] : "<end>")", sourceLocation: sourceLocation)
        }
    }
}
