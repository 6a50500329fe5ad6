// `mql init DIR`: a new working dataset, a copy of the shipped example data (cli.md). The
// shipped examples are read-only — the README's outputs are computed from them — so this
// is where a user tries changes. Only the dataset's own files are copied (the CSV files
// and attachments), never a journal, snapshot or lock of earlier runs.

import ArgumentParser
import Engine
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a working dataset DIR, a copy of the shipped example data."
    )

    @OptionGroup var language: LanguageOption

    @Argument(help: "The directory to create (it must not exist, or be empty).")
    var directory: String

    func run() throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            let empty = isDirectory.boolValue && ((try? fm.contentsOfDirectory(atPath: directory))?.isEmpty ?? false)
            guard empty else {
                Terminal.error("\(directory): error: " + ReplMessage.initDirectoryNotEmpty())
                throw ExitCode(1)
            }
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let source = Defaults.dataDirectory
            for name in try fm.contentsOfDirectory(atPath: source).sorted() where Self.isDatasetFile(name) {
                try copy(source + "/" + name, to: directory + "/" + name)
            }
            let store = try Dataset(directory: directory).load()
            let children = store.table("children")?.rowCount ?? 0
            Terminal.error(ReplMessage.initCreated(directory, children))
        } catch let error as LoadError {
            Terminal.error(error.description)
            throw ExitCode(1)
        } catch {
            Terminal.error("\(directory): error: \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }

    static func isDatasetFile(_ name: String) -> Bool {
        name.hasSuffix(".csv") || name == "attachments"
    }

    /// Copies a file or a directory of files, readable by the owner only (the dataset holds
    /// personal data).
    func copy(_ from: String, to: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        _ = fm.fileExists(atPath: from, isDirectory: &isDirectory)
        if isDirectory.boolValue {
            try fm.createDirectory(atPath: to, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            for name in try fm.contentsOfDirectory(atPath: from) { try copy(from + "/" + name, to: to + "/" + name) }
        } else {
            let data = try Data(contentsOf: URL(fileURLWithPath: from))
            guard fm.createFile(atPath: to, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: to])
            }
        }
    }
}
