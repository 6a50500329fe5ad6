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

    /// Writes `bytes` to `path` atomically, readable by the owner only.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, syncDirectory: Bool = true) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        do {
            try Journal.writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw JournalError(message: "fsync \(temporary): \(String(cString: strerror(errno)))") }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw JournalError(message: "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        if syncDirectory { try Journal.syncDirectory((path as NSString).deletingLastPathComponent) }
    }
}
