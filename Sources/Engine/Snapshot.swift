// A binary snapshot of the store (`snapshot.mqls` in the dataset directory): the columns
// and text dictionaries exactly as they are in memory, so opening a dataset is a few large
// copies instead of parsing every CSV cell. A checkpoint writes it after the CSV files; a
// load opens it when it describes the CSV files as they are now (the same sizes and
// modification times it recorded, and it is newer than each), then replays the journal on
// top as after a CSV load. Anything else — no snapshot, CSV files edited since, another
// format version — loads the CSV files; a damaged snapshot (wrong length, checksum,
// structure) does too, with a warning.
//
// The CSV files stay the data of record: the snapshot can always be deleted.
//
// Layout (little-endian; every array starts on an 8-byte boundary):
//
//     header   "MQLSNAP\0", format version u32, 0 u32, payload bytes u64, block count u64,
//              checksum u64, 24 bytes of zero                                  (64 bytes)
//     payload  sources: count, then per CSV file: name, present u64, size u64, mtime ns i64
//              tables:  count, then per table: name, row count, field count, and per
//                       field: name, type tag u64 (+ target name), then its arrays:
//                       int i64[rows] · date i32[rows] · reference i32[rows] ·
//                       text i32[rows] + dictionary · set i32[rows+1] offsets, u64 count,
//                       i32[count] elements + dictionary
//                       dictionary: u64 count, u64 bytes, u32[count] ends, u8[bytes]
//                       then the field's index record (format 3, SnapshotIndexes.swift):
//                       u64 0 (none) · u64 1 postings: u64 keys, u64 count,
//                       i32[keys+1] offsets, i32[count] rows · u64 2 sorted: u64 count,
//                       i32[count] rows, values in that order (i64, or i32 for a date)
//              strings: u64 length, bytes (padded)
//     blocks   u64[block count]: the XXH64 of each 16 KiB block of the payload (format 2)
//
// Format 3 added the index records: an index is read a few blocks at a time, so a
// process answering one statement reads the blocks it needs rather than a column.
// The header's checksum is the XXH64 of the block checksums. Opening verifies it and the
// blocks holding the layout (names, types, counts: a few per column); a column's blocks
// are verified when the column is first read, so a statement pays for the columns it
// reads, not for the whole file. A column found damaged then is read from the CSV files
// (with a warning), as a snapshot found damaged on opening is; an index found damaged is
// built from its column. Dictionaries are written compacted — values in first-seen row
// order, none that no row holds — so a snapshot loads to exactly the store a CSV load of
// the checkpointed files gives (which is also why a dictionary may be read before its
// codes: codes read from the CSV files instead number the values alike, checked).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum Snapshot {
    public static let fileName = "snapshot.mqls"
    static let magic: [UInt8] = Array("MQLSNAP".utf8) + [0]
    /// Bumped whenever the layout or the schema's representation changes.
    static let formatVersion: UInt32 = 3
    static let headerSize = 64
    /// The writer's buffer: the payload is written in pieces of this size.
    static let blockSize = 8 << 20
    /// The payload is checksummed in blocks of this size (a divisor of `blockSize`), so a
    /// reader verifies only the blocks it reads.
    static let checkBlockSize = 16 << 10

    public static func path(in directory: String) -> String { directory + "/" + fileName }

    // MARK: - Writing

    /// Writes a snapshot of `store` atomically (temporary file, fsync, rename; 0600). The
    /// CSV files of `directory` must already hold the same data: their sizes and times
    /// are recorded so a later load can tell whether they changed since.
    public static func write(_ store: Store, directory: String, syncDirectory: Bool = true) throws {
        let final = path(in: directory)
        let temporary = final + ".tmp-\(getpid())"
        let fd = openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(message: EngineMessage.cannotCreateBecause(temporary, String(cString: strerror(errno)))) }
        do {
            var writer = SnapshotWriter(fd: fd, path: temporary)
            defer { writer.deallocate() }
            try writer.writeHeaderPlaceholder()
            try writePayload(store, directory: directory, into: &writer)
            try writer.finish()
            guard fsync(fd) == 0 else { throw JournalError(message: EngineMessage.fsyncFailed(temporary, String(cString: strerror(errno)))) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, final) == 0 else {
            unlink(temporary)
            throw JournalError(message: EngineMessage.cannotReplace(final, String(cString: strerror(errno))))
        }
        if syncDirectory { try Journal.syncDirectory(directory) }
    }

    private static func writePayload(_ store: Store, directory: String, into w: inout SnapshotWriter) throws {
        let sources = ProgrammeSchema.collections.map { $0.name + ".csv" }
        try w.u64(UInt64(sources.count))
        for name in sources {
            try w.string(name)
            let stat = fileStat(directory + "/" + name)
            try w.u64(stat == nil ? 0 : 1)
            try w.u64(UInt64(stat?.size ?? 0))
            try w.u64(UInt64(bitPattern: Int64(stat?.mtime ?? 0)))
        }
        // Readers trust the key order (they index ids by position without reading them).
        for table in store.tables where table.isKeyedByID {
            guard case .int(let ids) = table.columns[0] else { continue }
            let v = ids.values
            for i in 1..<max(v.count, 1) where v[i - 1] >= v[i] {
                throw JournalError(message: EngineMessage.notInKeyOrder(table.name))
            }
        }
        try w.u64(UInt64(store.tables.count))
        for table in store.tables {
            try w.string(table.name)
            try w.u64(UInt64(table.rowCount))
            try w.u64(UInt64(table.columns.count))
            for (i, column) in table.columns.enumerated() {
                let field = table.schema.fields[i]
                try w.string(field.name)
                // Each field's arrays are followed by its index record (SnapshotIndexes.swift),
                // built from the arrays as written, or the table's own when up to date.
                let cachedSorted = table.updateLog.isEmpty && table.sortedCoverage[i]?.rows == table.rowCount ? table.sortedCache[i] : nil
                switch column {
                case .int(let c):
                    try w.u64(0)
                    try c.values.withUnsafeBytes { try w.array($0) }
                    // Rows are in id order: the ids need no index.
                    if i == 0 && table.isKeyedByID {
                        try writeNoIndex(into: &w)
                    } else {
                        try writeSorted(cachedSorted ?? SortedIndex(values: c.values, null: IntColumn.null), days: false, into: &w)
                    }
                case .date(let c):
                    try w.u64(1)
                    try c.values.withUnsafeBytes { try w.array($0) }
                    try writeSorted(cachedSorted ?? SortedIndex(days: c.values), days: true, into: &w)
                case .text(let c):
                    try w.u64(2)
                    let (codes, order) = compacted(c.codes, dictionaryCount: c.dictionary.count)
                    try codes.withUnsafeBytes { try w.array($0) }
                    try writeDictionary(c.dictionary, order: order, into: &w)
                    if persistsTextPostings(distinct: order.count, rows: table.rowCount) {
                        try writePostings(Postings(keys: codes, keyCount: order.count), into: &w)
                    } else {
                        try writeNoIndex(into: &w)
                    }
                case .textSet(let c):
                    try w.u64(3)
                    try c.offsets.withUnsafeBytes { try w.array($0) }
                    let (elements, order) = compacted(c.elements, dictionaryCount: c.dictionary.count)
                    try w.u64(UInt64(elements.count))
                    try elements.withUnsafeBytes { try w.array($0) }
                    try writeDictionary(c.dictionary, order: order, into: &w)
                    try writePostings(Postings(setOffsets: c.offsets, elements: elements, keyCount: order.count, rowCount: table.rowCount), into: &w)
                case .reference(let c):
                    try w.u64(4)
                    try w.string(c.target)
                    try c.rows.withUnsafeBytes { try w.array($0) }
                    try writePostings(table.upToDatePostings(field: i) ?? Postings(keys: c.rows, keyCount: store.table(c.target)?.rowCount ?? 0), into: &w)
                }
            }
        }
    }

    /// Codes renumbered in first-seen order, and the old code of each new one.
    static func compacted(_ codes: [Int32], dictionaryCount: Int) -> ([Int32], [Int32]) {
        var newCode = [Int32](repeating: -1, count: dictionaryCount)
        var order: [Int32] = []
        var out = codes
        out.withUnsafeMutableBufferPointer { out in
            newCode.withUnsafeMutableBufferPointer { newCode in
                for i in out.indices {
                    let code = out[i]
                    guard code >= 0 else { continue }
                    var mapped = newCode[Int(code)]
                    if mapped < 0 {
                        mapped = Int32(order.count)
                        newCode[Int(code)] = mapped
                        order.append(code)
                    }
                    out[i] = mapped
                }
            }
        }
        return (out, order)
    }

    private static func writeDictionary(_ dictionary: TextDictionary, order: [Int32], into w: inout SnapshotWriter) throws {
        var ends: [UInt32] = []
        ends.reserveCapacity(order.count)
        var total = 0
        for code in order {
            total += dictionary.storage.bytes(at: Int(code)).count
            ends.append(UInt32(total))
        }
        try w.u64(UInt64(order.count))
        try w.u64(UInt64(total))
        try ends.withUnsafeBytes { try w.array($0) }
        for code in order { try w.raw(UnsafeRawBufferPointer(dictionary.storage.bytes(at: Int(code)))) }
        try w.pad()
    }

    // MARK: - Reading

    public enum Outcome {
        /// The store the snapshot holds.
        case loaded(Store)
        /// No snapshot, or one that does not describe the CSV files as they are: load them.
        case stale
        /// A snapshot that cannot be read: load the CSV files, and say why.
        case damaged(String)
    }

    /// Where a column found damaged after opening is reported (it is then read from the CSV
    /// files): standard error.
    public static let printWarning: @Sendable (String) -> Void = { text in
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Opens the snapshot of `directory` if it describes the CSV files as they are now.
    ///
    /// Only the header, the table of block checksums and the blocks holding the layout
    /// (names, types, counts) are read and verified here; each column's blocks are
    /// verified when the column is first read. A column whose blocks do not match their
    /// checksums is read from the CSV files instead (said through `warn`), so a damaged
    /// snapshot never gives a wrong answer and never stops a statement that the CSV files
    /// can answer.
    public static func open(directory: String, warn: @escaping @Sendable (String) -> Void = printWarning) -> Outcome {
        let file = path(in: directory)
        let fd = openFile(file, O_RDONLY | O_CLOEXEC, 0)
        guard fd >= 0 else { return .stale }
        // The size and time of the file opened (a checkpoint may rename a new one in).
        guard let snapshotStat = fileStat(descriptor: fd) else {
            close(fd)
            return .stale
        }
        // Read with pread, not mapped: the page cache may hold the file in 2 MB folios, and
        // touching one byte of a mapping maps (and counts as resident) a whole folio.
        do {
            return try read(fd: fd, size: snapshotStat.size, directory: directory, snapshotTime: snapshotStat.mtime, warn: warn)
        } catch let error as SnapshotError {
            return error.stale ? .stale : .damaged(error.message)
        } catch {
            return .damaged("\(error)")
        }
    }

    struct SnapshotError: Error {
        let message: String
        var stale = false
    }

    /// Reads the snapshot open as `fd`, which it takes (closed once every column is read).
    static func read(fd: Int32, size: Int, directory: String, snapshotTime: Int,
                     warn: @escaping @Sendable (String) -> Void = printWarning) throws -> Outcome {
        var fdOwned = true
        defer { if fdOwned { close(fd) } }
        guard size >= headerSize else { throw SnapshotError(message: "truncated (\(size) bytes)") }
        var header = [UInt8](repeating: 0, count: headerSize)
        guard header.withUnsafeMutableBytes({ SnapshotSource.readFully(fd, $0, at: 0) }) else {
            throw SnapshotError(message: "cannot read it: \(String(cString: strerror(errno)))")
        }
        guard Array(header[0..<8]) == magic else { throw SnapshotError(message: "not a snapshot") }
        let field = { (at: Int) in header.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt64.self)) } }
        let version = UInt32(truncatingIfNeeded: field(8))
        guard version == formatVersion else { throw SnapshotError(message: "format \(version)", stale: true) }
        let payloadField = field(16), blockField = field(24), checksum = field(32)
        // Both fields bounded by the file before any arithmetic on them.
        guard payloadField <= UInt64(size), blockField <= UInt64(size / 8) else {
            throw SnapshotError(message: "truncated or extended: \(size) bytes")
        }
        let payloadLength = Int(payloadField), blockCount = Int(blockField)
        guard headerSize + payloadLength + blockCount * 8 == size, payloadLength % 8 == 0 else {
            throw SnapshotError(message: "truncated or extended: \(size) bytes, expected \(headerSize + payloadLength + blockCount * 8)")
        }
        guard blockCount == (payloadLength + checkBlockSize - 1) / checkBlockSize else { throw SnapshotError(message: "bad block count") }
        var blockHashes = [UInt64](repeating: 0, count: blockCount)
        guard blockHashes.withUnsafeMutableBytes({ SnapshotSource.readFully(fd, $0, at: headerSize + payloadLength) }) else {
            throw SnapshotError(message: "cannot read it: \(String(cString: strerror(errno)))")
        }
        guard blockHashes.withUnsafeBytes({ XXH64.hash($0) }) == checksum else { throw SnapshotError(message: "checksum mismatch") }
        let source = SnapshotSource(fd: fd, payloadLength: payloadLength, blockHashes: blockHashes.map { UInt64(littleEndian: $0) },
                                    directory: directory, warn: warn)
        fdOwned = false

        var r = SnapshotReader(source)
        // The CSV files it was written with must be the ones there now, and not newer.
        let sourceCount = try r.u64()
        guard sourceCount == UInt64(ProgrammeSchema.collections.count) else { throw SnapshotError(message: "sources", stale: true) }
        var files: [SnapshotSource.FileState] = []
        for schema in ProgrammeSchema.collections {
            let name = try r.string()
            let present = try r.u64() == 1
            let size = try r.u64()
            let mtime = Int64(bitPattern: try r.u64())
            guard name == schema.name + ".csv", size <= UInt64(Int.max) else { throw SnapshotError(message: "sources", stale: true) }
            let recorded = SnapshotSource.FileState(name: name, present: present, size: Int(size), mtime: Int(mtime))
            guard recorded.matches(directory: directory, notAfter: snapshotTime) else {
                throw SnapshotError(message: "\(name) \(present ? "changed" : "added")", stale: true)
            }
            files.append(recorded)
        }
        source.files = files

        // Tables: read the layout and the arrays' places; the arrays are verified and
        // copied out when first read.
        let tableCount = try r.u64()
        guard tableCount == UInt64(ProgrammeSchema.collections.count) else { throw SnapshotError(message: "tables", stale: true) }
        var plans: [TablePlan] = []
        for schema in ProgrammeSchema.collections {
            guard try r.string() == schema.name else { throw SnapshotError(message: "tables", stale: true) }
            let rows = try r.count()
            guard try r.u64() == UInt64(schema.fields.count) else { throw SnapshotError(message: "fields of \(schema.name)", stale: true) }
            var columns: [ColumnPlan] = []
            var indexes: [PersistedIndex.Layout?] = []
            for field in schema.fields {
                guard try r.string() == field.name else { throw SnapshotError(message: "fields of \(schema.name)", stale: true) }
                let tag = try r.u64()
                switch (tag, field.type) {
                case (0, .int): columns.append(.int(try r.array(Int.self, rows)))
                case (1, .date): columns.append(.date(try r.array(Int32.self, rows)))
                case (2, .text):
                    let codes = try r.array(Int32.self, rows)
                    columns.append(.text(codes, try r.dictionary()))
                case (3, .textSet):
                    let offsets = try r.array(Int32.self, rows + 1)
                    let elements = try r.array(Int32.self, try r.count())
                    columns.append(.textSet(offsets, elements, try r.dictionary()))
                case (4, .reference(let target)):
                    guard try r.string() == target else { throw SnapshotError(message: "references of \(schema.name)", stale: true) }
                    columns.append(.reference(target, try r.array(Int32.self, rows)))
                default:
                    throw SnapshotError(message: "type of \(schema.name).\(field.name)", stale: true)
                }
                indexes.append(try r.indexLayout(rows: rows, type: field.type))
            }
            plans.append(TablePlan(schema: schema, rows: rows, columns: columns, indexes: indexes))
        }
        guard r.atEnd else { throw SnapshotError(message: "trailing bytes") }
        let rowCounts = Dictionary(uniqueKeysWithValues: plans.map { ($0.schema.name, $0.rows) })
        source.rowCounts = plans.map(\.rows)
        source.layoutRead()

        // Columns are verified and copied out of the mapping when first read, checking then
        // that codes and rows are in range (a snapshot with good checksums was written by
        // us, but a bug must not become a wrong answer).
        var tables: [Table] = []
        for (t, plan) in plans.enumerated() {
            let columns = plan.columns.enumerated().map { c, column in
                column.lazyColumn(rows: plan.rows, rowCounts: rowCounts,
                                  source: SnapshotColumnSource(source: source, table: t, column: c,
                                                               what: plan.schema.name + "." + plan.schema.fields[c].name,
                                                               sections: column.sections))
            }
            let table = Table(schema: plan.schema, columns: columns)
            table.rowCount = plan.rows
            for (c, layout) in plan.indexes.enumerated() {
                guard let layout else { continue }
                table.persistedIndexes[c] = PersistedIndex(layout: layout, source: source, what: plan.schema.name + "." + plan.schema.fields[c].name,
                                                           tableRows: plan.rows)
            }
            // Written in key order (checked by `write`): ids strictly ascending.
            if table.isKeyedByID { table.keyIndexIsSorted() } else { table.rebuildKeyIndex() }
            tables.append(table)
        }
        let store = Store(tables: tables)
        store.snapshotSource = source
        return .loaded(store)
    }

    struct TablePlan {
        let schema: CollectionSchema
        let rows: Int
        let columns: [ColumnPlan]
        /// The index record of each field (nil: none written).
        let indexes: [PersistedIndex.Layout?]
    }

    struct DictionaryPlan {
        let ends: SnapshotSection
        let bytes: SnapshotSection

        /// Parts `part` (ends) and `part + 1` (bytes) of the column's sections.
        func lazy(_ source: SnapshotColumnSource, part: Int) -> TextDictionary {
            let endsSection = ends, bytesSection = bytes
            return TextDictionary(count: ends.count / 4) {
                // Read alone while the column's other parts are not read: looking a value
                // up (`status = "待审核"` answered from an index) does not read the codes.
                if let buffers = source.dictionaryAlone(part) {
                    return withExtendedLifetime(buffers) {
                        Self.storage(source, ends: buffers.0.array(UInt32.self, endsSection), bytes: buffers.1.slice(bytesSection))
                    }
                }
                switch source.take(part, part + 1) {
                case .csv(.text(let c)): return TextStorage(copying: c.dictionary)
                case .csv(.textSet(let c)): return TextStorage(copying: c.dictionary)
                case .csv: source.unusable("kind")
                case .snapshot(let buffers):
                    // The buffers must outlive the pointers into them.
                    return withExtendedLifetime(buffers) {
                        Self.storage(source, ends: buffers[0].array(UInt32.self, endsSection), bytes: buffers[1].slice(bytesSection))
                    }
                }
            }
        }

        static func storage(_ source: SnapshotColumnSource, ends: UnsafeBufferPointer<UInt32>, bytes: UnsafeRawBufferPointer) -> TextStorage {
            var last: UInt32 = 0
            for end in ends {
                precondition(end >= last, "\(Snapshot.fileName): bad dictionary of \(source.what)")
                last = end
            }
            precondition(Int(last) == bytes.count, "\(Snapshot.fileName): bad dictionary of \(source.what)")
            return TextStorage(bytes: bytes, ends: ends)
        }
    }

    /// Value `code` of the dictionary whose ends are part `dictionaryPart` of the column
    /// (its bytes the next part), read alone: its end and the one before, then its bytes.
    static func peekValue(_ source: SnapshotColumnSource, dictionaryPart part: Int, code: Int) -> SnapshotColumnSource.Peeked<String> {
        let ends = source.peek(part, at: max(code - 1, 0) * 4, count: code == 0 ? 4 : 8) { raw -> (Int, Int) in
            let last = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 4, as: UInt32.self)))
            return (code == 0 ? 0 : Int(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self))), last)
        }
        let start: Int, end: Int
        switch ends {
        case .value(let e): (start, end) = e
        case .csv(let c): return .csv(c)
        case .whole: return .whole
        }
        precondition(start <= end, "\(Snapshot.fileName): bad dictionary of \(source.what)")
        if start == end { return .value("") }
        return source.peek(part + 1, at: start, count: end - start) { String(decoding: $0, as: UTF8.self) }
    }

    enum ColumnPlan {
        case int(SnapshotSection)
        case date(SnapshotSection)
        case text(SnapshotSection, DictionaryPlan)
        case textSet(SnapshotSection, SnapshotSection, DictionaryPlan)
        case reference(String, SnapshotSection)

        /// The payload bytes this column is read from: verified together before any of
        /// them is used, so a column is read whole from the snapshot or whole from CSV.
        var sections: [SnapshotSection] {
            switch self {
            case .int(let v), .date(let v), .reference(_, let v): return [v]
            case .text(let codes, let d): return [codes, d.ends, d.bytes]
            case .textSet(let offsets, let elements, let d): return [offsets, elements, d.ends, d.bytes]
            }
        }

        /// The column, read from the file when first used.
        func lazyColumn(rows: Int, rowCounts: [String: Int], source: SnapshotColumnSource) -> Column {
            let what = source.what
            switch self {
            case .int(let values):
                return .int(IntColumn(loading: {
                    switch source.take(0) {
                    case .csv(.int(let c)): return c.values
                    case .csv: source.unusable("kind")
                    case .snapshot(let b): return withExtendedLifetime(b) { Array(b[0].array(Int.self, values)) }
                    }
                }, count: rows, peek: { row in
                    switch source.peek(0, element: row, as: Int.self) {
                    case .value(let v): return .value(Int(littleEndian: v))
                    case .csv(.int(let c)): return .value(c.values[row])
                    case .csv: source.unusable("kind")
                    case .whole: return .whole
                    }
                }))
            case .date(let values):
                return .date(DateColumn(loading: {
                    switch source.take(0) {
                    case .csv(.date(let c)): return c.values
                    case .csv: source.unusable("kind")
                    case .snapshot(let b): return withExtendedLifetime(b) { Array(b[0].array(Int32.self, values)) }
                    }
                }, count: rows, peek: { row in
                    switch source.peek(0, element: row, as: Int32.self) {
                    case .value(let v): return .value(Int32(littleEndian: v))
                    case .csv(.date(let c)): return .value(c.values[row])
                    case .csv: source.unusable("kind")
                    case .whole: return .whole
                    }
                }))
            case .text(let codes, let dictionary):
                let d = dictionary.lazy(source, part: 1)
                let count = Int32(dictionary.ends.count / 4)
                return .text(TextColumn(loading: {
                    switch source.take(0) {
                    case .csv(.text(let c)): return c.codes
                    case .csv: source.unusable("kind")
                    case .snapshot(let b):
                        // The buffer must outlive the pointers into it.
                        return withExtendedLifetime(b) {
                            let codes = b[0].array(Int32.self, codes)
                            precondition(inRange(codes, -1, count - 1), "\(Snapshot.fileName): a text code out of range in \(what)")
                            return Array(codes)
                        }
                    }
                }, count: rows, peekCode: { row in
                    Self.peekRow(source, row, below: count, "a text code out of range in \(what)") { column in
                        if case .text(let c) = column { return c.codes[row] } else { return nil }
                    }
                }, dictionary: d, peekText: { row, code in
                    switch Snapshot.peekValue(source, dictionaryPart: 1, code: Int(code)) {
                    case .value(let text): return .value(text)
                    case .csv(.text(let c)): return .value(c.text(at: row))
                    case .csv: source.unusable("kind")
                    case .whole: return .whole
                    }
                }))
            case .textSet(let offsets, let elements, let dictionary):
                let d = dictionary.lazy(source, part: 2)
                let count = Int32(dictionary.ends.count / 4)
                let elementCount = elements.count / 4
                let peekPart = { (part: Int) in { (i: Int) -> Peek<Int32> in
                    switch source.peek(part, element: i, as: Int32.self) {
                    case .value(let v): return .value(Int32(littleEndian: v))
                    case .csv(.textSet(let c)): return .value(part == 0 ? c.offsets[i] : c.elements[i])
                    case .csv: source.unusable("kind")
                    case .whole: return .whole
                    }
                } }
                return .textSet(SetColumn(offsets: {
                    switch source.take(0) {
                    case .csv(.textSet(let c)): return c.offsets
                    case .csv: source.unusable("kind")
                    case .snapshot(let b):
                        return withExtendedLifetime(b) {
                            let offsets = b[0].array(Int32.self, offsets)
                            var ok = offsets.first == 0 && offsets.last.map(Int.init) == elementCount
                            for i in 1..<max(offsets.count, 1) where offsets[i - 1] > offsets[i] { ok = false }
                            precondition(ok, "\(Snapshot.fileName): bad set offsets in \(what)")
                            return Array(offsets)
                        }
                    }
                }, offsetCount: rows + 1, peekOffset: peekPart(0), elements: {
                    switch source.take(1) {
                    case .csv(.textSet(let c)): return c.elements
                    case .csv: source.unusable("kind")
                    case .snapshot(let b):
                        return withExtendedLifetime(b) {
                            let elements = b[0].array(Int32.self, elements)
                            precondition(inRange(elements, 0, count - 1), "\(Snapshot.fileName): a set element out of range in \(what)")
                            return Array(elements)
                        }
                    }
                }, elementCount: elementCount, peekElement: peekPart(1), dictionary: d, peekTexts: { row in
                    // Where the row's elements are, then each element's code and value.
                    let bounds = source.peek(0, at: row * 4, count: 8) {
                        (Int32(littleEndian: $0.loadUnaligned(as: Int32.self)),
                         Int32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: Int32.self)))
                    }
                    let start: Int32, end: Int32
                    switch bounds {
                    case .value(let b): (start, end) = b
                    case .csv(.textSet(let c)): return .value(c.texts(at: row))
                    case .csv: source.unusable("kind")
                    case .whole: return .whole
                    }
                    precondition(start >= 0 && start <= end && Int(end) <= elementCount, "\(Snapshot.fileName): bad set offsets in \(what)")
                    var texts: [String] = []
                    for i in Int(start)..<Int(end) {
                        let code: Int32
                        switch source.peek(1, element: i, as: Int32.self) {
                        case .value(let v): code = Int32(littleEndian: v)
                        case .csv(.textSet(let c)): return .value(c.texts(at: row))
                        case .csv: source.unusable("kind")
                        case .whole: return .whole
                        }
                        precondition(code >= 0 && code < count, "\(Snapshot.fileName): a set element out of range in \(what)")
                        switch Snapshot.peekValue(source, dictionaryPart: 2, code: Int(code)) {
                        case .value(let text): texts.append(text)
                        case .csv(.textSet(let c)): return .value(c.texts(at: row))
                        case .csv: source.unusable("kind")
                        case .whole: return .whole
                        }
                    }
                    return .value(texts)
                }))
            case .reference(let target, let targetRows):
                let count = Int32(rowCounts[target] ?? 0)
                return .reference(RefColumn(target: target, loading: {
                    switch source.take(0) {
                    case .csv(.reference(let c)): return c.rows
                    case .csv: source.unusable("kind")
                    case .snapshot(let b):
                        return withExtendedLifetime(b) {
                            let rows = b[0].array(Int32.self, targetRows)
                            precondition(inRange(rows, -1, count - 1), "\(Snapshot.fileName): a reference out of range in \(what)")
                            return Array(rows)
                        }
                    }
                }, count: rows, peek: { row in
                    Self.peekRow(source, row, below: count, "a reference out of range in \(what)") { column in
                        if case .reference(let c) = column { return c.rows[row] } else { return nil }
                    }
                }))
            }
        }

        /// Element `row` of a column's first part — a text code or a target row, -1 for
        /// none, below `count` — read alone; from the CSV files' column (`fromCSV`) when
        /// the snapshot's is damaged.
        static func peekRow(_ source: SnapshotColumnSource, _ row: Int, below count: Int32, _ outOfRange: @autoclosure () -> String,
                            fromCSV: (Column) -> Int32?) -> Peek<Int32> {
            switch source.peek(0, element: row, as: Int32.self) {
            case .value(let v):
                let value = Int32(littleEndian: v)
                precondition(value >= -1 && value < count, "\(Snapshot.fileName): \(outOfRange())")
                return .value(value)
            case .csv(let column):
                guard let value = fromCSV(column) else { source.unusable("kind") }
                return .value(value)
            case .whole: return .whole
            }
        }

        private func inRange(_ values: UnsafeBufferPointer<Int32>, _ low: Int32, _ high: Int32) -> Bool {
            var lo = Int32.max, hi = Int32.min
            for v in values {
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
            }
            return values.isEmpty || (lo >= low && hi <= high)
        }
    }

    // MARK: - Checksums and files

    // MARK: - Files

    /// Size and modification time (nanoseconds) of a regular file, nil when absent.
    static func fileStat(_ path: String) -> (size: Int, mtime: Int)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return regularFileStat(info)
    }

    /// The same of an open file.
    static func fileStat(descriptor fd: Int32) -> (size: Int, mtime: Int)? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return regularFileStat(info)
    }

    private static func regularFileStat(_ info: stat) -> (size: Int, mtime: Int)? {
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if os(Linux)
        let time = info.st_mtim
        #else
        let time = info.st_mtimespec
        #endif
        return (Int(info.st_size), Int(time.tv_sec) * 1_000_000_000 + Int(time.tv_nsec))
    }
}

private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

/// A byte range of the payload.
struct SnapshotSection {
    let offset: Int
    let count: Int
}

/// Payload bytes read into memory and verified: offsets `start ..< start + memory.count`.
final class SnapshotBuffer {
    let start: Int
    let memory: UnsafeMutableRawBufferPointer

    init(start: Int, count: Int) {
        self.start = start
        memory = .allocate(byteCount: max(count, 8), alignment: 16)
    }

    deinit { memory.deallocate() }

    func slice(_ section: SnapshotSection) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: memory.baseAddress! + (section.offset - start), count: section.count)
    }

    /// The section as `T`s (sections start on 8-byte boundaries: aligned for T).
    func array<T>(_ type: T.Type, _ section: SnapshotSection) -> UnsafeBufferPointer<T> {
        let raw = slice(section)
        return UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: T.self), count: section.count / MemoryLayout<T>.stride)
    }
}

/// An opened snapshot and what is known of its blocks: each `checkBlockSize` block of the
/// payload is read and hashed when something first needs bytes in it, and compared with
/// the checksum the writer stored for it.
final class SnapshotSource: @unchecked Sendable {
    struct FileState {
        let name: String
        let present: Bool
        let size: Int
        let mtime: Int

        /// The file is as recorded (and, present, not newer than `notAfter`).
        func matches(directory: String, notAfter: Int) -> Bool {
            let now = Snapshot.fileStat(directory + "/" + name)
            guard present else { return now == nil }
            guard let now else { return false }
            return now.size == size && now.mtime == mtime && now.mtime <= notAfter
        }
    }

    let fd: Int32
    let payloadLength: Int
    let blockHashes: [UInt64]
    let directory: String
    let warn: @Sendable (String) -> Void
    /// The CSV files the snapshot was written from, and each table's row count.
    var files: [FileState] = []
    var rowCounts: [Int] = []
    /// Guards `csvStore` and the column sources' states: columns may be read from several
    /// threads.
    let lock = NSLock()
    /// Blocks of the layout read while opening (dropped once it is read).
    private var layoutBlocks: [Int: SnapshotBuffer] = [:]
    /// The CSV files loaded, once a damaged column had to be read from them.
    private var csvStore: Store?
    /// Set while several threads read the store (`Store.readConcurrently`): no column may
    /// then be read for the first time (checked in debug builds).
    var concurrentReaders = 0

    init(fd: Int32, payloadLength: Int, blockHashes: [UInt64], directory: String, warn: @escaping @Sendable (String) -> Void) {
        self.fd = fd
        self.payloadLength = payloadLength
        self.blockHashes = blockHashes
        self.directory = directory
        self.warn = warn
    }

    deinit { close(fd) }

    var path: String { Snapshot.path(in: directory) }

    static func readFully(_ fd: Int32, _ into: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        var done = 0
        while done < into.count {
            let n = pread(fd, into.baseAddress! + done, into.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// The blocks holding payload bytes `section`, read and verified; nil when one does
    /// not match its checksum (or cannot be read).
    func read(_ section: SnapshotSection) -> SnapshotBuffer? {
        let size = Snapshot.checkBlockSize
        guard section.count > 0 else { return SnapshotBuffer(start: section.offset, count: 0) }
        let first = section.offset / size, last = (section.offset + section.count - 1) / size
        let start = first * size, end = min(payloadLength, (last + 1) * size)
        let buffer = SnapshotBuffer(start: start, count: end - start)
        guard Self.readFully(fd, UnsafeMutableRawBufferPointer(rebasing: buffer.memory[0..<(end - start)]), at: Snapshot.headerSize + start) else {
            return nil
        }
        let blocks = last - first + 1
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: blocks)
        defer { results.deallocate() }
        let box = UncheckedSendable((results, UnsafeRawBufferPointer(rebasing: buffer.memory[0..<(end - start)])))
        // TUNING: two workers pay past a few hundred blocks (a few MB).
        let workers = blocks >= 256 ? 2 : 1
        let hashes = blockHashes
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let (results, bytes) = box.value
            var i = worker
            while i < blocks {
                let from = i * size
                results[i] = XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[from..<min(bytes.count, from + size)])) == hashes[first + i]
                i += workers
            }
        }
        return results.allSatisfy { $0 } ? buffer : nil
    }

    /// `count` bytes of the layout at payload offset `offset`, verified (while opening).
    func layoutBytes(_ offset: Int, _ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var at = offset
        while at < offset + count {
            let block = at / Snapshot.checkBlockSize
            if layoutBlocks[block] == nil {
                guard let buffer = read(SnapshotSection(offset: block * Snapshot.checkBlockSize, count: 1)) else {
                    throw Snapshot.SnapshotError(message: "checksum mismatch")
                }
                layoutBlocks[block] = buffer
            }
            let buffer = layoutBlocks[block]!
            let upTo = min(offset + count, buffer.start + buffer.memory.count)
            out += UnsafeRawBufferPointer(rebasing: buffer.memory[(at - buffer.start)..<(upTo - buffer.start)])
            at = upTo
        }
        return out
    }

    /// The layout is read: its blocks are no longer needed.
    func layoutRead() { layoutBlocks = [:] }

    /// Column `column` of table `table` as the CSV files give it, for a column whose
    /// snapshot bytes are damaged (the caller holds `lock`). The CSV files must still be
    /// those the snapshot was written from; when they are not (a checkpoint replaced them
    /// since this process opened the snapshot), or cannot be loaded, there is no right
    /// answer to give: the process says so and stops.
    func csvColumn(table: Int, column: Int, what: String) -> Column {
        warn(EngineMessage.damagedSnapshotColumn(path, what))
        if csvStore == nil {
            guard files.allSatisfy({ $0.matches(directory: directory, notAfter: Int.max) }) else {
                unusable(what, EngineMessage.snapshotCSVChanged())
            }
            do { csvStore = try DatasetLoader.load(directory: directory) } catch { unusable(what, "\(error)") }
            guard files.allSatisfy({ $0.matches(directory: directory, notAfter: Int.max) }) else {
                unusable(what, EngineMessage.snapshotCSVChanged())
            }
        }
        let csv = csvStore!.tables[table]
        guard csv.rowCount == rowCounts[table], column < csv.columns.count else {
            unusable(what, EngineMessage.snapshotCSVChanged())
        }
        return csv.columns[column]
    }

    func unusable(_ what: String, _ why: String) -> Never {
        FileHandle.standardError.write(Data((EngineMessage.snapshotColumnUnusable(path, what, why) + "\n").utf8))
        exit(1)
    }
}

/// One column of an opened snapshot: its sections are read and verified together before
/// any of them is used, and the column is read from the CSV files instead when damaged.
final class SnapshotColumnSource: @unchecked Sendable {
    enum Parts {
        /// The verified buffers of the parts asked for.
        case snapshot([SnapshotBuffer])
        /// The column as the CSV files give it.
        case csv(Column)
    }

    let source: SnapshotSource
    let table: Int
    let column: Int
    /// `collection.field`, for messages.
    let what: String
    private let sections: [SnapshotSection]
    private enum State { case unchecked, verified([SnapshotBuffer?]), replaced(Column) }
    private var state = State.unchecked
    /// Blocks read and verified one at a time for single values (`peek`), by block number.
    private var blocks: [Int: SnapshotBuffer] = [:]
    /// How many blocks `peek` reads before the column is better read whole: an eighth of
    /// the column's blocks (at least 16).
    private let blockBudget: Int

    init(source: SnapshotSource, table: Int, column: Int, what: String, sections: [SnapshotSection]) {
        self.source = source
        self.table = table
        self.column = column
        self.what = what
        self.sections = sections
        let size = Snapshot.checkBlockSize
        let columnBlocks = sections.reduce(0) { $0 + ($1.count + size - 1) / size + 1 }
        // TUNING: one 16 KiB block costs a pread and a hash (≈ 10 µs); a whole column is
        // read and hashed at a few GB/s, so past an eighth of its blocks it is cheaper whole.
        blockBudget = max(16, columnBlocks / 8)
    }

    enum Peeked<R> {
        /// What the body made of the verified bytes.
        case value(R)
        /// The column is damaged in the snapshot: the CSV files' column, to read instead.
        case csv(Column)
        /// Read the column whole instead (it was, or enough of its blocks were read).
        case whole
    }

    /// Bytes `offset ..< offset + count` of part `part`, reading and verifying only the
    /// 16 KiB blocks that hold them (kept for the next value), given to `body`. A block
    /// that does not match its checksum makes the column read from the CSV files, as a
    /// whole-column read does: never a wrong value.
    func peek<R>(_ part: Int, at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) -> R) -> Peeked<R> {
        source.lock.lock()
        defer { source.lock.unlock() }
        switch state {
        case .replaced(let column): return .csv(column)
        case .verified(let buffers):
            guard let buffer = buffers[part] else { return .whole }
            let section = sections[part]
            guard offset >= 0, count >= 0, offset + count <= section.count else { return .whole }
            return .value(body(buffer.slice(SnapshotSection(offset: section.offset + offset, count: count))))
        case .unchecked: break
        }
        let section = sections[part]
        guard offset >= 0, count > 0, offset + count <= section.count else { return .whole }
        let size = Snapshot.checkBlockSize
        let start = section.offset + offset
        let first = start / size, last = (start + count - 1) / size
        for block in first...last where blocks[block] == nil {
            if blocks.count >= blockBudget { return .whole }
            guard let buffer = source.read(SnapshotSection(offset: block * size, count: 1)) else {
                blocks = [:]
                let replaced = source.csvColumn(table: table, column: column, what: what)
                state = .replaced(replaced)
                return .csv(replaced)
            }
            blocks[block] = buffer
        }
        if first == last {
            let buffer = blocks[first]!
            return .value(body(buffer.slice(SnapshotSection(offset: start, count: count))))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var at = start
        while at < start + count {
            let buffer = blocks[at / size]!
            let upTo = min(start + count, buffer.start + buffer.memory.count)
            bytes += buffer.slice(SnapshotSection(offset: at, count: upTo - at))
            at = upTo
        }
        return .value(bytes.withUnsafeBytes(body))
    }

    /// Element `index` of part `part` read as a `T` (see `peek`).
    func peek<T>(_ part: Int, element index: Int, as type: T.Type) -> Peeked<T> {
        let stride = MemoryLayout<T>.stride
        return peek(part, at: index * stride, count: stride) { $0.loadUnaligned(as: T.self) }
    }

    /// Set when the dictionary (parts `part` and `part + 1`) was read alone, before the
    /// rest of the column: its number of values and the hash of its ends and bytes. Should
    /// the rest be found damaged, the CSV files' column must number its values alike (a
    /// CSV load and a snapshot both number them in first-seen row order).
    private var dictionaryReadAlone: (part: Int, count: Int, hash: UInt64)?

    /// The verified ends and bytes of the dictionary at parts `part`, `part + 1`, read
    /// alone while the column is not read (nil otherwise, or when they are damaged: the
    /// column is then read whole, from CSV if need be).
    func dictionaryAlone(_ part: Int) -> (SnapshotBuffer, SnapshotBuffer)? {
        source.lock.lock()
        defer { source.lock.unlock() }
        assert(source.concurrentReaders == 0, "\(what) read for the first time while several threads read the store")
        guard case .unchecked = state, let ends = source.read(sections[part]), let bytes = source.read(sections[part + 1]) else { return nil }
        let count = sections[part].count / 4
        dictionaryReadAlone = (part, count, Self.dictionaryHash(ends.slice(sections[part]), bytes.slice(sections[part + 1])))
        return (ends, bytes)
    }

    static func dictionaryHash(_ ends: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        XXH64.hash(ends) &* 31 &+ XXH64.hash(bytes)
    }

    /// The buffers of sections `parts` (each taken once: the column part built from it
    /// keeps its own copy), or the column from CSV.
    func take(_ parts: Int...) -> Parts {
        source.lock.lock()
        defer { source.lock.unlock() }
        assert(source.concurrentReaders == 0, "\(what) read for the first time while several threads read the store")
        if case .unchecked = state {
            blocks = [:]
            var buffers: [SnapshotBuffer?] = []
            for (i, section) in sections.enumerated() {
                // A dictionary read alone is not read again.
                if let alone = dictionaryReadAlone, i == alone.part || i == alone.part + 1 {
                    buffers.append(nil)
                    continue
                }
                guard let buffer = source.read(section) else { break }
                buffers.append(buffer)
            }
            if buffers.count == sections.count {
                state = .verified(buffers)
            } else {
                let replaced = source.csvColumn(table: table, column: column, what: what)
                if let alone = dictionaryReadAlone {
                    let dictionary: TextDictionary
                    switch replaced {
                    case .text(let c): dictionary = c.dictionary
                    case .textSet(let c): dictionary = c.dictionary
                    default: source.unusable(what, "kind")
                    }
                    let same = dictionary.count >= alone.count && dictionary.withValueBytes { bytes, ends in
                        let n = alone.count
                        return Self.dictionaryHash(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(ends)[0..<(n * 4)]),
                                                   UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[0..<(n == 0 ? 0 : Int(ends[n - 1]))])) == alone.hash
                    }
                    if !same { source.unusable(what, EngineMessage.snapshotCSVChanged()) }
                }
                state = .replaced(replaced)
            }
        }
        switch state {
        case .replaced(let column): return .csv(column)
        case .verified(var buffers):
            let taken = parts.map { buffers[$0]! }
            for part in parts { buffers[part] = nil }
            state = .verified(buffers)
            return .snapshot(taken)
        case .unchecked: fatalError("unreachable")
        }
    }

    func unusable(_ why: String) -> Never { source.unusable(what, why) }
}

/// Streams the payload to the file in 8 MiB pieces, hashing each 16 KiB block as it is
/// written.
struct SnapshotWriter {
    let fd: Int32
    let path: String
    private let buffer: UnsafeMutablePointer<UInt8>
    private var filled = 0
    private var blockHashes: [UInt64] = []
    private var payloadLength = 0

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer = .allocate(capacity: Snapshot.blockSize)
    }

    func deallocate() { buffer.deallocate() }

    mutating func writeHeaderPlaceholder() throws {
        let zeros = [UInt8](repeating: 0, count: Snapshot.headerSize)
        try zeros.withUnsafeBytes { try writeAll($0) }
    }

    mutating func raw(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, Snapshot.blockSize - filled)
            UnsafeMutableRawPointer(buffer + filled).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            filled += n
            offset += n
            if filled == Snapshot.blockSize { try flush() }
        }
    }

    mutating func u64(_ v: UInt64) throws {
        var v = v.littleEndian
        try withUnsafeBytes(of: &v) { try raw($0) }
    }

    /// Zeros up to the next 8-byte boundary of the payload.
    mutating func pad() throws {
        let rest = (payloadLength + filled) % 8
        guard rest != 0 else { return }
        var zero: UInt64 = 0
        try withUnsafeBytes(of: &zero) { try raw(UnsafeRawBufferPointer(rebasing: $0[0..<(8 - rest)])) }
    }

    mutating func array(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count > 0 { try raw(bytes) }
        try pad()
    }

    mutating func string(_ s: String) throws {
        var s = s
        try u64(UInt64(s.utf8.count))
        try s.withUTF8 { try raw(UnsafeRawBufferPointer($0)) }
        try pad()
    }

    private mutating func flush() throws {
        guard filled > 0 else { return }
        let block = UnsafeRawBufferPointer(start: buffer, count: filled)
        // Every flush but the last is a whole `blockSize`: the check blocks stay aligned.
        var start = 0
        while start < filled {
            let end = min(filled, start + Snapshot.checkBlockSize)
            blockHashes.append(XXH64.hash(UnsafeRawBufferPointer(rebasing: block[start..<end])))
            start = end
        }
        try writeAll(block)
        payloadLength += filled
        filled = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        try DatasetWriter.writeAll(fd, bytes, path: path)
    }

    /// Writes the last block, the block checksums and the header.
    mutating func finish() throws {
        try flush()
        blockHashes = blockHashes.map(\.littleEndian)
        try blockHashes.withUnsafeBytes { try writeAll($0) }
        let checksum = blockHashes.withUnsafeBytes { XXH64.hash($0) }
        var header = [UInt8](repeating: 0, count: Snapshot.headerSize)
        header.replaceSubrange(0..<8, with: Snapshot.magic)
        header.withUnsafeMutableBytes { h in
            h.storeBytes(of: Snapshot.formatVersion.littleEndian, toByteOffset: 8, as: UInt32.self)
            h.storeBytes(of: UInt64(payloadLength).littleEndian, toByteOffset: 16, as: UInt64.self)
            h.storeBytes(of: UInt64(blockHashes.count).littleEndian, toByteOffset: 24, as: UInt64.self)
            h.storeBytes(of: checksum.littleEndian, toByteOffset: 32, as: UInt64.self)
        }
        let n = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard n == Snapshot.headerSize else { throw JournalError(message: EngineMessage.writeFailed(path, String(cString: strerror(errno)))) }
    }
}

/// Reads the layout of the payload, checking every length against what is left. The
/// layout (counts, names, types) is verified against the block checksums as it is read;
/// arrays are only located, and verified when their column is first read.
struct SnapshotReader {
    let source: SnapshotSource
    let length: Int
    private var offset = 0

    init(_ source: SnapshotSource) {
        self.source = source
        length = source.payloadLength
    }

    var atEnd: Bool { offset == length }

    mutating func u64() throws -> UInt64 {
        guard length - offset >= 8 else { throw Snapshot.SnapshotError(message: "truncated") }
        let bytes = try source.layoutBytes(offset, 8)
        offset += 8
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// A count that must fit what is left of the file.
    mutating func count() throws -> Int {
        let n = try u64()
        guard n <= UInt64(length) else { throw Snapshot.SnapshotError(message: "bad count \(n)") }
        return Int(n)
    }

    private mutating func take(_ n: Int) throws -> SnapshotSection {
        guard n >= 0, length - offset >= n else { throw Snapshot.SnapshotError(message: "truncated") }
        let taken = SnapshotSection(offset: offset, count: n)
        offset += n
        let rest = offset % 8
        if rest != 0 {
            guard length - offset >= 8 - rest else { throw Snapshot.SnapshotError(message: "truncated") }
            offset += 8 - rest
        }
        return taken
    }

    mutating func array<T>(_ type: T.Type, _ count: Int) throws -> SnapshotSection {
        let (total, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw Snapshot.SnapshotError(message: "bad count \(count)") }
        return try take(total)
    }

    mutating func string() throws -> String {
        let n = try count()
        let section = try take(n)
        return String(decoding: try source.layoutBytes(section.offset, n), as: UTF8.self)
    }

    mutating func dictionary() throws -> Snapshot.DictionaryPlan {
        let count = try self.count()
        let byteCount = try self.count()
        let ends = try array(UInt32.self, count)
        let raw = try take(byteCount)
        return Snapshot.DictionaryPlan(ends: ends, bytes: raw)
    }
}

/// XXH64 (Yann Collet's xxHash, 64-bit), seed 0.
enum XXH64 {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always) static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* p1 &+ p4
    }

    static func hash(_ data: UnsafeRawBufferPointer) -> UInt64 {
        let n = data.count
        var h: UInt64
        var i = 0
        guard let p = data.baseAddress else { return avalanche(p5) }
        @inline(__always) func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        if n >= 32 {
            var v1 = p1 &+ p2, v2 = p2, v3: UInt64 = 0, v4: UInt64 = 0 &- p1
            while i + 32 <= n {
                v1 = round(v1, u64(i))
                v2 = round(v2, u64(i + 8))
                v3 = round(v3, u64(i + 16))
                v4 = round(v4, u64(i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1)
            h = merge(h, v2)
            h = merge(h, v3)
            h = merge(h, v4)
        } else {
            h = p5
        }
        h = h &+ UInt64(n)
        while i + 8 <= n {
            h ^= round(0, u64(i))
            h = rotl(h, 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= n {
            h ^= UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* p1
            h = rotl(h, 23) &* p2 &+ p3
            i += 4
        }
        while i < n {
            h ^= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) &* p5
            h = rotl(h, 11) &* p1
            i += 1
        }
        return avalanche(h)
    }

    @inline(__always) static func avalanche(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* p2
        h ^= h >> 29
        h = h &* p3
        h ^= h >> 32
        return h
    }
}
