// Where the shipped example data and rules are, so that `mql` alone starts on them: the
// `MQL_HOME` environment variable, else the project this binary was built from (its
// sources' path), else next to the executable.

import Foundation

enum Defaults {
    /// Worked out once: a process asks for it several times (the data, the rules, whether
    /// the data is the shipped examples), and each answer asks the file system.
    static let projectRoot: String = {
        if let home = getenv("MQL_HOME").map({ String(cString: $0) }), !home.isEmpty { return home }
        // This file is Sources/Repl/Defaults.swift of the project.
        let built = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: built + "/examples/data") { return built }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.fileExists(atPath: dir.path + "/examples/data") { return dir.path }
            dir = dir.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }()

    static var dataDirectory: String { projectRoot + "/examples/data" }
    static var rulesDirectory: String { projectRoot + "/examples/rules" }
    static var reportFile: String { projectRoot + "/examples/reports/ledger.mql" }
}
