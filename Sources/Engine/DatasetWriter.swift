// Writing tables back as CSV in the data.md format (checkpoints, exports), and writing
// files atomically: a temporary file, fsync, rename over the old one, fsync the directory
// — so a crash at any instant leaves either the old file or the new one, never half.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum DatasetWriter {
    /// The cell text of one field of one row, as the loader reads it back.
    public static func cell(_ table: Table, row: Int, field: Int, store: Store) -> String {
        // Each value read alone: a column still in the snapshot is not read for one cell
        // (an update compares the cells it sets with the row's: `droppingUnchangedUpdates`).
        switch table.columns[field] {
        case .int(let c): let v = c.value(at: row); return v == IntColumn.null ? "" : String(v)
        case .date(let c): let v = c.value(at: row); return v == DateColumn.null ? "" : CivilDate.format(v)
        case .text(let c): return c.text(at: row) ?? ""
        case .textSet(let c): return c.texts(at: row).joined(separator: ";")
        case .reference(let c):
            let target = c.row(at: row)
            guard target >= 0, let t = store.table(c.target) else { return "" }
            return t.keyText(row: Int(target))
        }
    }

    /// All cells of a row by field name.
    public static func cells(_ table: Table, row: Int, store: Store) -> [String: String] {
        var out: [String: String] = [:]
        for i in table.schema.fields.indices { out[table.schema.fields[i].name] = cell(table, row: row, field: i, store: store) }
        return out
    }

    public static func quote(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// A whole table as CSV bytes (header, then rows in key order).
    public static func csv(_ table: Table, store: Store) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: table.schema.fields.map(\.name).joined(separator: ",").utf8)
        out.append(0x0A)
        for row in 0..<table.rowCount {
            var first = true
            for i in table.schema.fields.indices {
                if !first { out.append(0x2C) }
                first = false
                out.append(contentsOf: quote(cell(table, row: row, field: i, store: store)).utf8)
            }
            out.append(0x0A)
        }
        return out
    }

    /// A whole table as CSV, the same bytes as `csv`, handed to `sink` in pieces of about
    /// four megabytes: cells go from the columns to bytes directly (no String per cell,
    /// no reference counting per cell), and a checkpoint of a 400 MB file never holds it
    /// whole.
    public static func streamCSVBytes(_ table: Table, store: Store, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var writer = CSVRowWriter(table, store: store)
        defer { writer.deallocate() }
        try writer.write(to: sink)
    }

    /// `streamCSV` with each piece as an array.
    public static func streamCSV(_ table: Table, store: Store, to sink: ([UInt8]) throws -> Void) throws {
        try streamCSVBytes(table, store: store) { try sink(Array($0)) }
    }

    /// Writes a file atomically, readable by the owner only, from bytes given in pieces.
    public static func writeAtomically(to path: String, syncDirectory: Bool = true, _ produce: (([UInt8]) throws -> Void) throws -> Void) throws {
        try writeAtomicallyBytes(to: path, syncDirectory: syncDirectory) { write in
            try withoutActuallyEscaping(write) { write in
                try produce { bytes in try bytes.withUnsafeBytes { try write($0) } }
            }
        }
    }

    /// TUNING: bytes written between requests to start writing them out to the disk.
    static let writeBackStep = 32 << 20

    /// `writeAtomically` from raw pieces. Every `writeBackStep` bytes the kernel is asked to
    /// start writing out what it has (not to wait for it), so the disk works while the
    /// rest is produced and the fsync at the end finds little left to do; the fsync,
    /// rename and directory sync are as before.
    public static func writeAtomicallyBytes(to path: String, syncDirectory: Bool = true, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: EngineMessage.cannotCreateBecause(temporary, String(cString: strerror(errno)))) }
        do {
            var written = 0, started = 0
            try produce { bytes in
                try writeAll(fd, bytes, path: temporary)
                written += bytes.count
                if written - started >= writeBackStep {
                    startWriteBack(fd, from: started, count: written - started)
                    started = written
                }
            }
            guard fsync(fd) == 0 else { throw JournalError(message: EngineMessage.fsyncFailed(temporary, String(cString: strerror(errno)))) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw JournalError(message: EngineMessage.cannotReplace(path, String(cString: strerror(errno))))
        }
        if syncDirectory { try Journal.syncDirectory(containing: path) }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalError(message: EngineMessage.writeFailed(path, String(cString: strerror(errno))))
            }
            done += n
        }
    }

    /// Asks the kernel to start writing a range of a file to the disk, without waiting:
    /// only a head start for the fsync that follows, so failure is no error.
    static func startWriteBack(_ fd: Int32, from offset: Int, count: Int) {
        // sync_file_range(2) with SYNC_FILE_RANGE_WRITE (2); Linux only, and not in the
        // Glibc module Swift imports, so looked up by name.
        guard let start = syncFileRange else { return }
        _ = start(fd, Int64(offset), Int64(count), 2)
    }

    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    private static let syncFileRange: SyncFileRange? = {
        #if os(Linux)
        guard let symbol = dlsym(nil, "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
        #else
        return nil
        #endif
    }()

    /// Writes `bytes` to `path` atomically, readable by the owner only.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, syncDirectory: Bool = true) throws {
        try writeAtomically(to: path, syncDirectory: syncDirectory) { write in try write(bytes) }
    }
}
