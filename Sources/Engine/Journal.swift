// The write-ahead journal of a dataset directory (`journal.mqlj`). Every change is one
// entry — who, when, the statement, and the row edits — appended and fsynced before the
// change is reported done. Loading a dataset is its CSV files plus a replay of the
// journal. Each entry carries its length and a CRC-32, so a torn or corrupt tail (a crash
// in the middle of a write) is recognised and dropped; everything before it stands.
//
// Entry layout: `MQLJ <payload bytes> <crc32 hex>\n<payload JSON>\n`.
//
// One writer at a time: a writer holds an exclusive `flock` on `.mql-writer.lock` while
// it catches up with the journal, appends and fsyncs. A checkpoint (rewriting the CSV
// files and emptying the journal) also holds `.mql-checkpoint.lock` exclusively; loading
// holds it shared, so a reader never reads CSV files and a journal from different sides
// of a checkpoint.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct JournalEntry: Codable, Equatable, Sendable {
    /// Local time of the change, `YYYY-MM-DD HH:MM:SS`.
    public var at: String
    public var user: String
    public var statement: String
    /// The id of the first `changes` row this entry adds (one per edit).
    public var firstChangeID: Int
    public var edits: [RowEdit]

    public init(at: String, user: String, statement: String, firstChangeID: Int, edits: [RowEdit]) {
        self.at = at
        self.user = user
        self.statement = statement
        self.firstChangeID = firstChangeID
        self.edits = edits
    }

    /// The audit rows this entry adds to `changes`.
    public var auditEdits: [RowEdit] {
        let parts = at.split(separator: " ", maxSplits: 1).map(String.init)
        return edits.enumerated().map { i, edit in
            RowEdit(kind: .insert, collection: "changes", key: String(firstChangeID + i), cells: [
                "id": String(firstChangeID + i), "at": parts.first ?? "", "time": parts.count > 1 ? parts[1] : "",
                "user": user, "op": edit.kind.rawValue, "collection": edit.collection, "key": edit.key, "statement": statement,
            ])
        }
    }
}

public struct JournalError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

public final class Journal {
    public let directory: String
    public var path: String { directory + "/journal.mqlj" }
    /// Bytes of the journal already applied to the caller's store.
    public private(set) var consumed = 0
    private var writerLock: Int32 = -1

    /// TUNING: how long a second writer waits for the first before giving up.
    public static let writerWait: TimeInterval = 2.0
    /// TUNING: past this size a change triggers an automatic checkpoint.
    public static let checkpointBytes = 256 << 20

    public init(directory: String) {
        // Paths are built as directory + "/name"; "" would make them absolute.
        self.directory = directory.isEmpty ? "." : directory
    }

    // MARK: - Reading

    public struct ReadResult {
        public var entries: [JournalEntry]
        public var validBytes: Int
        public var warning: String?
    }

    /// Entries from byte `offset` on; a torn or corrupt entry ends the read with a warning.
    public func read(from offset: Int = 0) -> ReadResult {
        // Only the part after `offset` is read: a writer catching up reads what is new.
        guard let handle = FileHandle(forReadingAtPath: path) else { return ReadResult(entries: [], validBytes: 0) }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(offset))) != nil, let data = try? handle.readToEnd() else {
            return ReadResult(entries: [], validBytes: offset)
        }
        let bytes = [UInt8](data)
        var entries: [JournalEntry] = []
        var position = 0
        let decoder = JSONDecoder()
        while position < bytes.count {
            guard let newline = bytes[position...].firstIndex(of: 0x0A) else {
                return ReadResult(entries: entries, validBytes: offset + position, warning: tornWarning(offset + position, offset + bytes.count))
            }
            let header = String(decoding: bytes[position..<newline], as: UTF8.self).split(separator: " ")
            guard header.count == 3, header[0] == "MQLJ", let length = Int(header[1]), length >= 0,
                  let crc = UInt32(header[2], radix: 16) else {
                return ReadResult(entries: entries, validBytes: offset + position, warning: tornWarning(offset + position, offset + bytes.count))
            }
            let start = newline + 1, end = start + length
            guard end < bytes.count, bytes[end] == 0x0A, CRC32.checksum(bytes[start..<end]) == crc,
                  let entry = try? decoder.decode(JournalEntry.self, from: Data(bytes[start..<end])) else {
                return ReadResult(entries: entries, validBytes: offset + position, warning: tornWarning(offset + position, offset + bytes.count))
            }
            entries.append(entry)
            position = end + 1
        }
        return ReadResult(entries: entries, validBytes: offset + position)
    }

    private func tornWarning(_ at: Int, _ total: Int) -> String {
        "warning: \(path): dropping a torn or corrupt journal tail (\(total - at) bytes from byte \(at)); the changes before it are kept"
    }

    /// Marks bytes as applied by the caller.
    public func markConsumed(_ bytes: Int) { consumed = bytes }

    // MARK: - Writing

    /// Takes the writer lock, waiting up to `writerWait`.
    public func lockForWriting() throws {
        if writerLock >= 0 { return }
        let fd = open(directory + "/.mql-writer.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: "cannot open \(directory)/.mql-writer.lock: \(String(cString: strerror(errno)))") }
        let deadline = Date().addingTimeInterval(Self.writerWait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if Date() > deadline {
                close(fd)
                throw JournalError(message: "another mql process is changing \(directory); try again when it has finished")
            }
            usleep(20_000)
        }
        writerLock = fd
    }

    public func unlockWriting() {
        guard writerLock >= 0 else { return }
        flock(writerLock, LOCK_UN)
        close(writerLock)
        writerLock = -1
    }

    /// Appends an entry and fsyncs it (and the directory, when the journal is new). The
    /// caller holds the writer lock.
    public func append(_ entry: JournalEntry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = [UInt8](try encoder.encode(entry))
        let header = "MQLJ \(payload.count) \(String(CRC32.checksum(payload), radix: 16))\n"
        let record = Array(header.utf8) + payload + [0x0A]
        let isNew = !FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // A torn tail left by a crash must not sit in front of the new entry.
        let size = lseek(fd, 0, SEEK_END)
        if Int(size) > consumed, ftruncate(fd, off_t(consumed)) != 0 {
            throw JournalError(message: "cannot truncate \(path): \(String(cString: strerror(errno)))")
        }
        try Self.writeAll(fd, record, path: path)
        guard fsync(fd) == 0 else { throw JournalError(message: "fsync \(path): \(String(cString: strerror(errno)))") }
        if isNew {
            let lock = open(directory + "/.mql-checkpoint.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if lock >= 0 { close(lock) }
            try Self.syncDirectory(directory)
        }
        consumed += record.count
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalError(message: "write \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }

    /// Fsyncs the directory that holds `path`, so a rename into it is durable. A bare name
    /// (`--out rel.csv`) lies in the working directory; NSString's parent of it is "".
    public static func syncDirectory(containing path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    public static func syncDirectory(_ directory: String) throws {
        // "" is the working directory: a bare file name has no directory part.
        let directory = directory.isEmpty ? "." : directory
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError(message: "cannot open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw JournalError(message: "fsync \(directory): \(String(cString: strerror(errno)))") }
    }

    // MARK: - Checkpoint coordination

    /// Runs `body` holding the checkpoint lock shared (loading) or exclusive (checkpoint).
    public func withCheckpointLock<T>(exclusive: Bool, _ body: () throws -> T) throws -> T {
        // Readers never create the lock file: loading writes nothing. Writers create it with
        // their first journal entry, so whenever there is a journal to lose, the file exists.
        let fd = exclusive ? open(directory + "/.mql-checkpoint.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            : open(directory + "/.mql-checkpoint.lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // No lock file (never written) or a read-only directory: nobody is checkpointing.
            if !exclusive { return try body() }
            throw JournalError(message: "cannot lock \(directory): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            if errno != EINTR { break }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Empties the journal atomically (after a checkpoint wrote its contents to the files).
    public func reset() throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: "cannot create \(temporary)") }
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else { throw JournalError(message: "cannot replace \(path): \(String(cString: strerror(errno)))") }
        try Self.syncDirectory(directory)
        consumed = 0
    }
}
