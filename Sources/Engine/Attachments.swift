// The files of `attachments` (photos, scanned 台账 pages): kept in the dataset directory
// under attachments/, named by their content (the sha256 in hex and the original
// extension), so the same photo attached twice is one file and a file never changes under
// its name. Only `attach` (which adds a file) and `mql check` (which verifies them) read
// the bytes: loading a dataset reads attachments.csv, never the files.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum Attachments {
    /// The folder of the dataset directory the files live in.
    public static let folder = "attachments"
    /// TUNING: the longest extension kept from the original name (`.jpeg`, `.heic`, `.tiff`).
    static let maximumExtensionLength = 8

    public struct Stored: Equatable, Sendable {
        /// The name under attachments/, as the `file` column holds it.
        public let file: String
        public let sha256: String
        /// The same bytes were already there: nothing was written.
        public let reused: Bool
    }

    /// What is wrong with an attachment row's file (`mql check`).
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: Error, Equatable, Sendable {
            /// `file` is empty, absolute, or leaves attachments/ (`..`).
            case notAPathInside
            case missing
            case unreadable(String)
            case altered(expected: String, actual: String)
        }
        public let id: Int
        public let file: String
        public let kind: Kind

        /// The message after `PATH: error: ` (mql check).
        public var description: String {
            switch kind {
            case .notAPathInside: return EngineMessage.attachmentNotInside(id, file)
            case .missing: return EngineMessage.attachmentMissing(id)
            case .unreadable(let why): return EngineMessage.attachmentUnreadable(id, why)
            case .altered(let expected, let actual):
                return expected.isEmpty ? EngineMessage.attachmentWithoutHash(id, actual) : EngineMessage.attachmentAltered(id, expected, actual)
            }
        }
    }

    public static func path(of file: String, in directory: String) -> String {
        directory + "/" + folder + "/" + file
    }

    /// The content-addressed name of `bytes` read from a file named `original`.
    public static func name(sha256: String, original: String) -> String {
        let ext = (original as NSString).pathExtension.lowercased()
        let plain = !ext.isEmpty && ext.count <= maximumExtensionLength && ext.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return plain ? sha256 + "." + ext : sha256
    }

    /// Reads the file a user names (`attach FILE`): a regular file's bytes.
    public static func readSource(_ source: String) throws -> [UInt8] {
        var info = stat()
        guard stat(source, &info) == 0 else {
            throw ChangeError(errno == ENOENT ? EngineMessage.attachmentSourceMissing(source)
                              : EngineMessage.attachmentSourceUnreadable(source, String(cString: strerror(errno))))
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw ChangeError(EngineMessage.attachmentSourceNotAFile(source)) }
        do {
            guard let bytes = try DatasetLoader.readFile(source) else { throw ChangeError(EngineMessage.attachmentSourceMissing(source)) }
            return bytes
        } catch let error as LoadError {
            throw ChangeError(EngineMessage.attachmentSourceUnreadable(source, error.diagnostics.first?.message ?? ""))
        }
    }

    /// The content name and sha256 of `bytes` read from a file named `original`.
    public static func content(of bytes: [UInt8], original: String) -> (file: String, sha256: String) {
        let sha = SHA256.hex(bytes)
        return (name(sha256: sha, original: original), sha)
    }

    /// Puts `bytes` into `directory`/attachments/ under their content name `file`: written
    /// to a temporary file (0600), fsynced, renamed, and the folder fsynced — so when this
    /// returns the file survives a crash. A file already there with the same bytes is
    /// reused (nothing is written); one with the name but other bytes (damaged) is replaced.
    @discardableResult
    public static func write(_ bytes: [UInt8], as file: String, sha256: String, in directory: String) throws -> Bool {
        let folderPath = directory + "/" + folder
        var info = stat()
        if stat(folderPath, &info) != 0 {
            guard mkdir(folderPath, 0o700) == 0 || errno == EEXIST else {
                throw JournalError(message: EngineMessage.cannotCreateBecause(folderPath, String(cString: strerror(errno))))
            }
            try Journal.syncDirectory(directory)
        }
        let target = path(of: file, in: directory)
        if case .success(let existing) = hash(of: target), existing == sha256 { return false }
        try DatasetWriter.writeAtomically(bytes, to: target)
        return true
    }

    /// `content` and `write` in one: the stored file's name, hash and whether it was there.
    public static func store(_ bytes: [UInt8], original: String, in directory: String) throws -> Stored {
        let (file, sha) = content(of: bytes, original: original)
        let written = try write(bytes, as: file, sha256: sha, in: directory)
        return Stored(file: file, sha256: sha, reused: !written)
    }

    /// Whether a `file` cell names a file inside attachments/: relative, no `..`, no empty
    /// or `.` component.
    public static func isInside(_ file: String) -> Bool {
        guard !file.isEmpty, !file.hasPrefix("/"), !file.contains("\0") else { return false }
        return file.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// The sha256 of a regular file's bytes, or why there is none.
    static func hash(of path: String) -> Result<String, Problem.Kind> {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .failure(errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno))))
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.unreadable(EngineMessage.attachmentSourceNotAFile(path))) }
        do {
            guard let bytes = try DatasetLoader.readFile(path) else { return .failure(.missing) }
            return .success(SHA256.hex(bytes))
        } catch let error as LoadError {
            return .failure(.unreadable(error.diagnostics.first?.message ?? ""))
        } catch {
            return .failure(.unreadable(String(describing: error)))
        }
    }

    /// Every attachment row whose file is not what the row says: missing, unreadable, or
    /// bytes that do not hash to its `sha256`. Each distinct file is read and hashed once.
    public static func verify(_ store: Store, directory: String) -> [Problem] {
        guard let table = store.table("attachments"), table.rowCount > 0,
              case .text(let files)? = table.column(named: "file"), case .text(let hashes)? = table.column(named: "sha256") else { return [] }
        var hashOf: [String: Result<String, Problem.Kind>] = [:]
        var problems: [Problem] = []
        for row in 0..<table.rowCount {
            let id = table.id(row: row) ?? 0
            let file = files.text(at: row) ?? ""
            let expected = hashes.text(at: row) ?? ""
            guard isInside(file) else {
                problems.append(Problem(id: id, file: file, kind: .notAPathInside))
                continue
            }
            let actual: Result<String, Problem.Kind>
            if let known = hashOf[file] { actual = known } else {
                actual = hash(of: path(of: file, in: directory))
                hashOf[file] = actual
            }
            switch actual {
            case .success(let sha) where sha == expected.lowercased(): continue
            case .success(let sha): problems.append(Problem(id: id, file: file, kind: .altered(expected: expected, actual: sha)))
            case .failure(let kind): problems.append(Problem(id: id, file: file, kind: kind))
            }
        }
        return problems
    }
}
