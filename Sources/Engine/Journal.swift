// The write-ahead journal of a dataset directory (`journal.mqlj`). Every change is one
// entry — who, when, the statement, and the row edits — appended and fsynced before the
// change is reported done. Loading a dataset is its CSV files plus a replay of the
// journal. Each entry carries its length and a CRC-32, so a torn or corrupt tail (a crash
// in the middle of a write) is recognised and dropped; everything before it stands.
//
// Entry layout: `MQLJ <payload bytes> <crc32 hex>\n<payload JSON>\n`.
//
// The entries form a hash chain, so that history edited afterwards is found (`mql check`,
// `verify`): each entry's `previous` is the SHA-256 of the previous entry's bytes (header
// line, payload, newline), and the first entry's is the SHA-256 of the chain anchor,
// `journal.anchor`, which every checkpoint writes anew once it has emptied the journal
// (and the first change writes when there is none) — so removing the journal's first
// entries is found too. Entries written before the chain existed have no `previous`: an
// unchained prefix, loaded as ever and reported by `check` as not verified. Loading does
// not verify the chain (a torn tail is not tampering); it refuses only entries no mql
// could have written (`JournalEntry.implausibility`).
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
    /// The hash chain's link (hex SHA-256 of the previous entry's bytes, or of the anchor);
    /// set by `Journal.append`. Nil in entries written before the journal was chained.
    public var previous: String?

    public init(at: String, user: String, statement: String, firstChangeID: Int, edits: [RowEdit], previous: String? = nil) {
        self.at = at
        self.user = user
        self.statement = statement
        self.firstChangeID = firstChangeID
        self.edits = edits
        self.previous = previous
    }

    /// The ids of the `changes` rows this entry adds, for people.
    public var changeIDs: String {
        edits.count == 1 ? "change \(firstChangeID)" : "changes \(firstChangeID)–\(firstChangeID &+ edits.count &- 1)"
    }

    /// Why no mql could have written this entry after `previous` (its numbers overflow or
    /// are out of range, it names an unknown collection or field, its date is not a date),
    /// or nil when it is plausible. Such an entry is treated like a torn tail: replaying
    /// it would trap or fail on every load.
    public func implausibility(following previous: JournalEntry?) -> String? {
        guard !edits.isEmpty else { return "no edits" }
        guard (1...ProgrammeSchema.maximumID).contains(firstChangeID) else { return "change id \(firstChangeID) out of range" }
        let (lastChangeID, overflow) = firstChangeID.addingReportingOverflow(edits.count - 1)
        guard !overflow, lastChangeID <= ProgrammeSchema.maximumID else { return "change ids from \(firstChangeID) overflow" }
        // Each entry's audit rows come right after the previous entry's: the next change id
        // is one past the largest, and the audit trail is never changed otherwise.
        if let previous {
            // `previous` may be an entry appended in this process without a check.
            let (expected, overflow) = previous.firstChangeID.addingReportingOverflow(previous.edits.count)
            if overflow || firstChangeID != expected { return Self.notFollowing(firstChangeID, expected: expected) }
        }
        let parts = at.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 10, CivilDate.parse(Array(parts[0].utf8), allowMonth: false) != nil,
              parts[1].utf8.count == 8 else { return "bad time '\(at)'" }
        for edit in edits {
            guard let schema = ProgrammeSchema.collection(named: edit.collection) else { return "unknown collection '\(edit.collection)'" }
            if schema.key == ["id"] {
                guard let id = Int(edit.key), (1...ProgrammeSchema.maximumID).contains(id) else { return "bad id '\(edit.key)' in \(edit.collection)" }
                if edit.kind == .insert, edit.cells["id"] != edit.key { return "insert of \(edit.collection) \(edit.key) with id '\(edit.cells["id"] ?? "")'" }
            }
            for name in edit.cells.keys where schema.fieldIndex(name) == nil { return "unknown field '\(name)' in \(edit.collection)" }
        }
        return nil
    }

    static func notFollowing(_ id: Int, expected: Int) -> String {
        "its change ids start at \(id), not at \(expected) after the entry before it"
    }

    /// The audit rows this entry adds to `changes`.
    public var auditEdits: [RowEdit] {
        let parts = at.split(separator: " ", maxSplits: 1).map(String.init)
        // Wrapping, not trapping: entries are checked (`implausibility`) before they are
        // journalled or replayed; an unchecked one with absurd ids gets ids the row parser
        // refuses, rather than stopping the program.
        return edits.enumerated().map { i, edit in
            RowEdit(kind: .insert, collection: "changes", key: String(firstChangeID &+ i), cells: [
                "id": String(firstChangeID &+ i), "at": parts.first ?? "", "time": parts.count > 1 ? parts[1] : "",
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
    public var anchorPath: String { directory + "/journal.anchor" }
    /// Bytes of the journal already applied to the caller's store.
    public private(set) var consumed = 0
    /// The hash of the last entry consumed (nil when none): the next entry's link.
    private var tip: String?
    /// The last entry consumed: the next one's change ids follow it.
    private(set) var lastEntry: JournalEntry?
    /// Which file `consumed` counts bytes of. A checkpoint by another process replaces the
    /// journal (rename), and an offset into the old file means nothing in the new one.
    private var identity: FileIdentity?
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
        /// The hash of the last entry read.
        var lastRecordHash: String?
        var identity: FileIdentity?
        /// The journal is not the file read before: another process checkpointed since.
        public var replaced = false
    }

    struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64

        init?(_ fd: Int32) {
            var info = stat()
            guard fstat(fd, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Entries from byte `offset` on; a torn, corrupt or implausible entry ends the read
    /// with a warning.
    public func read(from offset: Int = 0) -> ReadResult {
        // Only the part after `offset` is read: a writer catching up reads what is new.
        guard let handle = FileHandle(forReadingAtPath: path) else { return ReadResult(entries: [], validBytes: 0) }
        defer { try? handle.close() }
        let identity = FileIdentity(handle.fileDescriptor)
        if offset > 0, identity != self.identity {
            return ReadResult(entries: [], validBytes: 0, identity: identity, replaced: true)
        }
        guard (try? handle.seek(toOffset: UInt64(offset))) != nil, let data = try? handle.readToEnd() else {
            return ReadResult(entries: [], validBytes: offset, identity: identity)
        }
        let bytes = [UInt8](data)
        var entries: [JournalEntry] = []
        var position = 0, lastStart = 0
        // Catching up, the first new entry follows the last one consumed.
        let before = offset > 0 && offset == consumed ? lastEntry : nil
        func result(warn: Bool) -> ReadResult {
            ReadResult(entries: entries, validBytes: offset + position,
                       warning: warn ? tornWarning(offset + position, offset + bytes.count) : nil,
                       lastRecordHash: entries.isEmpty ? nil : SHA256.hex(bytes[lastStart..<position]), identity: identity)
        }
        let decoder = JSONDecoder()
        while position < bytes.count {
            guard let record = Self.record(in: bytes, at: position, decoder: decoder) else { return result(warn: true) }
            // A record with a good checksum is still refused when no mql could have written
            // it: replaying it would trap on its numbers or fail to apply, on every load.
            if record.entry.implausibility(following: entries.last ?? before) != nil { return result(warn: true) }
            entries.append(record.entry)
            lastStart = position
            position = record.end
        }
        return result(warn: false)
    }

    /// One framed record: its entry and where it ends (past its newline).
    struct Record {
        var entry: JournalEntry
        var end: Int
    }

    /// The record at `position`, or nil when its header, length, checksum or JSON is bad.
    /// Every number of the header is untrusted: the length is compared with what is left
    /// of the file before any arithmetic, so no value of it can overflow.
    static func record(in bytes: [UInt8], at position: Int, decoder: JSONDecoder = JSONDecoder()) -> Record? {
        // A header is short; a "line" longer than this is not one.
        let headerLimit = min(bytes.count, position + 64)
        guard let newline = bytes[position..<headerLimit].firstIndex(of: 0x0A) else { return nil }
        let header = String(decoding: bytes[position..<newline], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        guard header.count == 3, header[0] == "MQLJ", header[1].allSatisfy(\.isASCII), let length = Int(header[1]), length >= 0,
              header[2].count <= 8, let crc = UInt32(header[2], radix: 16) else { return nil }
        let start = newline + 1
        // The payload and its newline must fit in what is left: `length < count - start`.
        guard start < bytes.count, length < bytes.count - start else { return nil }
        let end = start + length
        guard bytes[end] == 0x0A, CRC32.checksum(bytes[start..<end]) == crc,
              let entry = try? decoder.decode(JournalEntry.self, from: Data(bytes[start..<end])) else { return nil }
        return Record(entry: entry, end: end + 1)
    }

    private func tornWarning(_ at: Int, _ total: Int) -> String {
        EngineMessage.journalTornTail(path, total - at, at)
    }

    /// Marks what `read` returned as applied by the caller.
    public func markConsumed(_ read: ReadResult) {
        consumed = read.validBytes
        identity = read.identity
        if let last = read.entries.last {
            lastEntry = last
            tip = read.lastRecordHash
        } else if read.validBytes == 0 {
            lastEntry = nil
            tip = nil
        }
    }

    // MARK: - Writing

    /// Takes the writer lock, waiting up to `writerWait`.
    public func lockForWriting() throws {
        if writerLock >= 0 { return }
        let fd = open(directory + "/.mql-writer.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: EngineMessage.cannotOpenLock(directory, String(cString: strerror(errno)))) }
        let deadline = Date().addingTimeInterval(Self.writerWait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if Date() > deadline {
                close(fd)
                throw JournalError(message: EngineMessage.writerBusy(directory))
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
        var entry = entry
        // Chained to the last entry, or to the anchor when the journal is (about to be) empty.
        entry.previous = consumed > 0 && tip != nil ? tip : try anchorHash(creating: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = [UInt8](try encoder.encode(entry))
        let header = "MQLJ \(payload.count) \(String(CRC32.checksum(payload), radix: 16))\n"
        let record = Array(header.utf8) + payload + [0x0A]
        let isNew = !FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: EngineMessage.cannotOpen(path, String(cString: strerror(errno)))) }
        defer { close(fd) }
        // A torn tail left by a crash must not sit in front of the new entry.
        let size = lseek(fd, 0, SEEK_END)
        if Int(size) > consumed, ftruncate(fd, off_t(consumed)) != 0 {
            throw JournalError(message: EngineMessage.cannotTruncate(path, String(cString: strerror(errno))))
        }
        try Self.writeAll(fd, record, path: path)
        guard fsync(fd) == 0 else { throw JournalError(message: EngineMessage.fsyncFailed(path, String(cString: strerror(errno)))) }
        if isNew {
            let lock = open(directory + "/.mql-checkpoint.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if lock >= 0 { close(lock) }
            try Self.syncDirectory(directory)
        }
        consumed += record.count
        tip = SHA256.hex(record)
        lastEntry = entry
        identity = FileIdentity(fd)
    }

    // MARK: - The chain anchor

    /// The hash of the anchor file's bytes; with `creating`, a missing anchor is written
    /// first (a journal's first change, or the first since an older mql).
    func anchorHash(creating: Bool) throws -> String? {
        if let bytes = FileManager.default.contents(atPath: anchorPath) { return SHA256.hex([UInt8](bytes)) }
        guard creating else { return nil }
        return try writeAnchor(after: nil)
    }

    /// Writes a new anchor (atomically, fsynced) that names the one it replaces and the
    /// last entry of the journal it follows; returns its hash. A random nonce makes every
    /// anchor distinct, so an old journal cannot be chained to a new anchor by accident.
    @discardableResult
    func writeAnchor(after lastEntryHash: String?) throws -> String {
        let previousAnchor = FileManager.default.contents(atPath: anchorPath).map { SHA256.hex([UInt8]($0)) }
        let nonce = (0..<2).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let fields = ["\"at\":\"\(formatter.string(from: Date()))\"", "\"nonce\":\"\(nonce)\"",
                      "\"previousAnchor\":" + (previousAnchor.map { "\"\($0)\"" } ?? "null"),
                      "\"journalTip\":" + (lastEntryHash.map { "\"\($0)\"" } ?? "null")]
        let bytes = Array(("MQLA 1 {" + fields.joined(separator: ",") + "}\n").utf8)
        try DatasetWriter.writeAtomically(bytes, to: anchorPath)
        return SHA256.hex(bytes)
    }

    /// After a checkpoint emptied the journal: a new anchor, chained to the old history.
    /// Written after the journal is emptied, so a crash between the two leaves the old
    /// anchor, which the next entry then chains to — never a journal whose entries belong
    /// to another anchor.
    public func startNewChain() throws {
        try writeAnchor(after: checkpointedTip)
        checkpointedTip = nil
    }

    /// The last entry's hash when the journal was emptied, for the next anchor.
    private var checkpointedTip: String?

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalError(message: EngineMessage.writeFailed(path, String(cString: strerror(errno))))
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
        guard fd >= 0 else { throw JournalError(message: EngineMessage.cannotOpen(directory, String(cString: strerror(errno)))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw JournalError(message: EngineMessage.fsyncFailed(directory, String(cString: strerror(errno)))) }
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
            throw JournalError(message: EngineMessage.cannotLock(directory, String(cString: strerror(errno))))
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
        guard fd >= 0 else { throw JournalError(message: EngineMessage.cannotCreate(temporary)) }
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else { throw JournalError(message: EngineMessage.cannotReplace(path, String(cString: strerror(errno)))) }
        try Self.syncDirectory(directory)
        checkpointedTip = tip
        consumed = 0
        tip = nil
        lastEntry = nil
        identity = nil
    }
}
