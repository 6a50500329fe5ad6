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
        switch table.columns[field] {
        case .int(let c): return c.values[row] == IntColumn.null ? "" : String(c.values[row])
        case .date(let c): return c.values[row] == DateColumn.null ? "" : CivilDate.format(c.values[row])
        case .text(let c): return c.text(at: row) ?? ""
        case .textSet(let c): return c.texts(at: row).joined(separator: ";")
        case .reference(let c):
            let target = c.rows[row]
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
    /// a megabyte: cells go from the columns to bytes directly (no String per cell), and a
    /// checkpoint of a 400 MB file never holds it whole.
    public static func streamCSV(_ table: Table, store: Store, to sink: ([UInt8]) throws -> Void) throws {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20 + 4096)
        out.append(contentsOf: table.schema.fields.map(\.name).joined(separator: ",").utf8)
        out.append(0x0A)
        let writers = table.columns.map { CellWriter($0, store: store) }
        var scratch: [UInt8] = []
        for row in 0..<table.rowCount {
            for (i, writer) in writers.enumerated() {
                if i > 0 { out.append(0x2C) }
                writer.append(row, to: &out, scratch: &scratch)
            }
            out.append(0x0A)
            if out.count >= 1 << 20 {
                try sink(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { try sink(out) }
    }

    /// One column's cells as CSV bytes (see `cell` and `quote`, which this agrees with).
    struct CellWriter {
        enum Source {
            case int([Int])
            case date([Int32])
            case text([Int32], TextDictionary)
            case set(SetColumn)
            /// A reference written as the target's id.
            case id([Int32], [Int])
            /// A reference written as the target's name.
            case name([Int32], [Int32], TextDictionary)
            /// Anything else, through `cell`.
            case other(Table, Int, Store)
        }
        let source: Source

        init(_ column: Column, store: Store) {
            switch column {
            case .int(let c): source = .int(c.values)
            case .date(let c): source = .date(c.values)
            case .text(let c): source = .text(c.codes, c.dictionary)
            case .textSet(let c): source = .set(c)
            case .reference(let c):
                let target = store.table(c.target)
                if let target, target.isKeyedByID, case .int(let ids) = target.columns[0] {
                    source = .id(c.rows, ids.values)
                } else if let target, let nameField = target.schema.fieldIndex("name"), case .text(let names) = target.columns[nameField] {
                    source = .name(c.rows, names.codes, names.dictionary)
                } else {
                    source = .id(c.rows, [])
                }
            }
        }

        @inline(__always) static func appendInt(_ v: Int, to out: inout [UInt8]) {
            if v < 0 { out.append(contentsOf: String(v).utf8); return }
            if v < 10 { out.append(UInt8(48 + v)); return }
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            var n = 0
            var x = v
            withUnsafeMutableBytes(of: &digits) { d in
                while x > 0 { d[23 - n] = UInt8(48 + x % 10); x /= 10; n += 1 }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - n)...]))
            }
        }

        /// Text bytes, quoted when they hold a comma, a quote or a line break.
        static func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
            var needs = false
            for b in bytes where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { needs = true; break }
            guard needs else { out.append(contentsOf: bytes); return }
            out.append(0x22)
            for b in bytes {
                if b == 0x22 { out.append(0x22) }
                out.append(b)
            }
            out.append(0x22)
        }

        func append(_ row: Int, to out: inout [UInt8], scratch: inout [UInt8]) {
            switch source {
            case .int(let v):
                if v[row] != IntColumn.null { Self.appendInt(v[row], to: &out) }
            case .date(let v):
                let day = v[row]
                guard day != DateColumn.null else { return }
                let (y, m, d) = CivilDate.components(day)
                guard (1000...9999).contains(y) else { out.append(contentsOf: CivilDate.format(day).utf8); return }
                out.append(UInt8(48 + y / 1000)); out.append(UInt8(48 + y / 100 % 10)); out.append(UInt8(48 + y / 10 % 10)); out.append(UInt8(48 + y % 10))
                out.append(0x2D); out.append(UInt8(48 + m / 10)); out.append(UInt8(48 + m % 10))
                out.append(0x2D); out.append(UInt8(48 + d / 10)); out.append(UInt8(48 + d % 10))
            case .text(let codes, let dictionary):
                let code = codes[row]
                guard code >= 0 else { return }
                Self.appendQuoted(dictionary.bytes(at: Int(code)), to: &out)
            case .set(let c):
                scratch.removeAll(keepingCapacity: true)
                for (i, code) in c.codes(at: row).enumerated() {
                    if i > 0 { scratch.append(0x3B) }
                    scratch.append(contentsOf: c.dictionary.bytes(at: Int(code)))
                }
                scratch.withUnsafeBufferPointer { Self.appendQuoted($0, to: &out) }
            case .id(let rows, let ids):
                let target = rows[row]
                guard target >= 0, Int(target) < ids.count else { return }
                Self.appendInt(ids[Int(target)], to: &out)
            case .name(let rows, let codes, let dictionary):
                let target = rows[row]
                guard target >= 0 else { return }
                let code = codes[Int(target)]
                guard code >= 0 else { return }
                Self.appendQuoted(dictionary.bytes(at: Int(code)), to: &out)
            case .other(let table, let field, let store):
                out.append(contentsOf: DatasetWriter.quote(DatasetWriter.cell(table, row: row, field: field, store: store)).utf8)
            }
        }
    }

    /// Writes a file atomically, readable by the owner only, from bytes given in pieces.
    public static func writeAtomically(to path: String, syncDirectory: Bool = true, _ produce: (([UInt8]) throws -> Void) throws -> Void) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: EngineMessage.cannotCreateBecause(temporary, String(cString: strerror(errno)))) }
        do {
            try produce { try Journal.writeAll(fd, $0, path: temporary) }
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

    /// Writes `bytes` to `path` atomically, readable by the owner only.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, syncDirectory: Bool = true) throws {
        try writeAtomically(to: path, syncDirectory: syncDirectory) { write in try write(bytes) }
    }
}
