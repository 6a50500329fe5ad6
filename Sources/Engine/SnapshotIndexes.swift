// Indexes kept in the snapshot (format 3, see Snapshot.swift): the postings of text, set
// and reference fields and the sorted indexes of int and date fields, written at a
// checkpoint after each field's arrays, so that a process answering one statement reads
// the few blocks of an index it needs instead of reading (and verifying) a whole column:
// a count of one value reads two offsets, a range count a binary search over the sorted
// values (about log n blocks), `order by … limit k` the k entries at one end.
//
// An index from the snapshot answers for its table only while the column it indexes has
// not been written since it was loaded (`Column.writes`: a change, a journal replayed on
// top, rows removed or reordered elsewhere that renumber a reference) and the table has
// as many rows as it had; after that the table builds and maintains its in-memory indexes
// as without a snapshot. Read whole (`Table.postings`, `Table.sortedIndex`) it becomes an
// ordinary cached index, maintained by changes like one built from the column.
//
// Its blocks are verified against the block checksums as they are read; an index found
// damaged is built from the column instead (with a warning): never a wrong answer.

import Foundation

extension Snapshot {
    /// The tag of a field's index record: none, postings, or a sorted index.
    enum IndexTag: UInt64 { case none = 0, postings = 1, sorted = 2 }

    /// Whether a text field's postings are written: when it holds fewer distinct values
    /// than half its rows. A name, a phone number or an address is nearly one value a row:
    /// its postings would be as large as the column and rarely read (an equality on one is
    /// answered by a pass over the column, as without a snapshot).
    static func persistsTextPostings(distinct: Int, rows: Int) -> Bool { distinct * 2 <= rows }

    static func writeNoIndex(into w: inout SnapshotWriter) throws {
        try w.u64(IndexTag.none.rawValue)
    }

    /// Record: tag, key count, row count, i32 offsets[keys + 1], i32 rows[count].
    static func writePostings(_ postings: Postings, into w: inout SnapshotWriter) throws {
        try w.u64(IndexTag.postings.rawValue)
        try w.u64(UInt64(postings.keyCount))
        try w.u64(UInt64(postings.rows.count))
        try postings.offsets.withUnsafeBytes { try w.array($0) }
        try postings.rows.withUnsafeBytes { try w.array($0) }
    }

    /// Record: tag, count, i32 rows[count], then the values in index order: i64 for an int
    /// field, i32 days for a date field.
    static func writeSorted(_ index: SortedIndex, days: Bool, into w: inout SnapshotWriter) throws {
        try w.u64(IndexTag.sorted.rawValue)
        try w.u64(UInt64(index.rows.count))
        try index.rows.withUnsafeBytes { try w.array($0) }
        if days {
            try index.values.map { Int32(truncatingIfNeeded: $0) }.withUnsafeBytes { try w.array($0) }
        } else {
            try index.values.withUnsafeBytes { try w.array($0) }
        }
    }
}

extension SnapshotReader {
    /// The index record following a field's arrays (its kind checked against the field's:
    /// postings for text, set and reference fields, sorted for int and date fields).
    mutating func indexLayout(rows: Int, type: FieldType) throws -> PersistedIndex.Layout? {
        let tag = try u64()
        switch (Snapshot.IndexTag(rawValue: tag), type) {
        case (.none?, _):
            return nil
        case (.postings?, .text), (.postings?, .textSet), (.postings?, .reference):
            let keyCount = try count()
            let rowCount = try count()
            let offsets = try array(Int32.self, keyCount + 1)
            let listed = try array(Int32.self, rowCount)
            return .postings(keyCount: keyCount, offsets: offsets, rows: listed)
        case (.sorted?, .int), (.sorted?, .date):
            let n = try count()
            guard n <= rows else { throw Snapshot.SnapshotError(message: "bad index count \(n)") }
            let listed = try array(Int32.self, n)
            var wide = false
            if case .int = type { wide = true }
            let values = wide ? try array(Int.self, n) : try array(Int32.self, n)
            return .sorted(count: n, rows: listed, values: values, wide: wide)
        default:
            throw Snapshot.SnapshotError(message: "index of a \(type) field")
        }
    }
}

/// One index of an opened snapshot, read a few verified blocks at a time.
final class PersistedIndex: @unchecked Sendable {
    enum Layout {
        case postings(keyCount: Int, offsets: SnapshotSection, rows: SnapshotSection)
        /// `wide`: values are i64 (an int field), else i32 days.
        case sorted(count: Int, rows: SnapshotSection, values: SnapshotSection, wide: Bool)
    }

    let layout: Layout
    let source: SnapshotSource
    /// `collection.field`, for the warning.
    let what: String
    /// The rows the table had when written: the index answers for that many.
    let tableRows: Int
    private let lock = NSLock()
    /// Single blocks read for small reads (offsets, a binary search's probes), by number.
    private var blocks: [Int: SnapshotBuffer] = [:]
    private var damaged = false

    init(layout: Layout, source: SnapshotSource, what: String, tableRows: Int) {
        self.layout = layout
        self.source = source
        self.what = what
        self.tableRows = tableRows
    }

    var isDamaged: Bool {
        lock.lock()
        defer { lock.unlock() }
        return damaged
    }

    /// Says once that the index is damaged; from then on the table builds it from the column.
    private func markDamaged() {
        if !damaged {
            damaged = true
            blocks = [:]
            source.warn(EngineMessage.damagedSnapshotIndex(source.path, what))
        }
    }

    /// Payload bytes `start ..< start + count`, verified, given to `body`; nil when a block
    /// holding them does not match its checksum.
    private func withBytes<R>(_ start: Int, _ count: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        lock.lock()
        defer { lock.unlock() }
        if damaged { return nil }
        guard count > 0 else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let size = Snapshot.checkBlockSize
        let first = start / size, last = (start + count - 1) / size
        if last - first >= 2 {
            // A long run (the rows of one value, the whole index): read alone, not kept.
            guard let buffer = source.read(SnapshotSection(offset: start, count: count)) else {
                markDamaged()
                return nil
            }
            return withExtendedLifetime(buffer) { body(buffer.slice(SnapshotSection(offset: start, count: count))) }
        }
        // TUNING: a binary search probes a few dozen blocks; more are not worth keeping.
        if blocks.count > 256 { blocks = [:] }
        for block in first...last where blocks[block] == nil {
            guard let buffer = source.read(SnapshotSection(offset: block * size, count: 1)) else {
                markDamaged()
                return nil
            }
            blocks[block] = buffer
        }
        if first == last { return body(blocks[first]!.slice(SnapshotSection(offset: start, count: count))) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for block in first...last {
            let buffer = blocks[block]!
            let from = max(start, buffer.start), to = min(start + count, buffer.start + buffer.memory.count)
            bytes += buffer.slice(SnapshotSection(offset: from, count: to - from))
        }
        return bytes.withUnsafeBytes(body)
    }

    private func int32s(_ section: SnapshotSection, _ range: Range<Int>) -> [Int32]? {
        withBytes(section.offset + range.lowerBound * 4, range.count * 4) { raw in
            (0..<range.count).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        }
    }

    private func bad(_ what: String) -> Never {
        preconditionFailure("\(Snapshot.fileName): \(what) in the index of \(self.what)")
    }

    /// Rows listed must be rows of the table, ascending within one key.
    private func checkedRows(_ rows: [Int32], ascending: Bool) -> [Int32] {
        var last: Int32 = -1
        for row in rows {
            if row < 0 || Int(row) >= tableRows || (ascending && row <= last) { bad("a row out of range") }
            last = row
        }
        return rows
    }

    // MARK: Postings

    /// Where the rows of `key` are among the listed rows.
    private func span(of key: Int) -> Range<Int>? {
        guard case .postings(let keyCount, let offsets, let rows) = layout else { return nil }
        guard key >= 0 && key < keyCount else { return 0..<0 }
        guard let ends = int32s(offsets, key..<(key + 2)) else { return nil }
        let start = Int(ends[0]), end = Int(ends[1])
        if start < 0 || start > end || end > rows.count / 4 { bad("bad offsets") }
        return start..<end
    }

    /// How many rows hold `key`: two offsets read. Nil when the index is damaged.
    func count(for key: Int) -> Int? { span(of: key)?.count }

    /// The rows holding `key`, in row order. Nil when the index is damaged.
    func rows(for key: Int) -> [Int32]? {
        guard case .postings(_, _, let rows) = layout, let span = span(of: key) else { return nil }
        return int32s(rows, span).map { checkedRows($0, ascending: true) }
    }

    /// The whole postings, read and checked. Nil when damaged.
    func postings() -> Postings? {
        guard case .postings(let keyCount, let offsetSection, let rowSection) = layout,
              let offsets = int32s(offsetSection, 0..<(keyCount + 1)),
              let rows = int32s(rowSection, 0..<(rowSection.count / 4)) else { return nil }
        var last: Int32 = 0
        for offset in offsets {
            if offset < last { bad("bad offsets") }
            last = offset
        }
        if offsets.first != 0 || Int(last) != rows.count { bad("bad offsets") }
        _ = checkedRows(rows, ascending: false)
        return Postings(offsets: offsets, rows: rows)
    }

    // MARK: Sorted index

    /// How many rows the sorted index lists (the non-null ones).
    var sortedCount: Int {
        if case .sorted(let count, _, _, _) = layout { return count }
        return 0
    }

    /// Values at positions `range`, in index order. Nil when damaged.
    func values(_ range: Range<Int>) -> [Int]? {
        guard case .sorted(_, _, let values, let wide) = layout else { return nil }
        let width = wide ? 8 : 4
        return withBytes(values.offset + range.lowerBound * width, range.count * width) { raw in
            (0..<range.count).map { i in
                wide ? Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
                    : Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
            }
        }
    }

    /// Rows at positions `range`, in index order. Nil when damaged.
    func sortedRows(_ range: Range<Int>) -> [Int32]? {
        guard case .sorted(_, let rows, _, _) = layout else { return nil }
        return int32s(rows, range).map { checkedRows($0, ascending: false) }
    }

    /// Positions whose value lies in `lower...upper` (as `SortedIndex.positions`), by a
    /// binary search reading about log n blocks. Nil when damaged.
    func positions(lower: Int?, lowerStrict: Bool, upper: Int?, upperStrict: Bool) -> Range<Int>? {
        var failed = false
        func firstIndex(where predicate: (Int) -> Bool) -> Int {
            var low = 0, high = sortedCount
            while low < high && !failed {
                let mid = (low + high) / 2
                guard let v = values(mid..<(mid + 1))?.first else {
                    failed = true
                    break
                }
                if predicate(v) { high = mid } else { low = mid + 1 }
            }
            return low
        }
        let start = lower.map { bound in lowerStrict ? firstIndex { $0 > bound } : firstIndex { $0 >= bound } } ?? 0
        let end = upper.map { bound in upperStrict ? firstIndex { $0 >= bound } : firstIndex { $0 > bound } } ?? sortedCount
        return failed ? nil : start..<max(start, end)
    }

    /// The whole sorted index, read and checked. Nil when damaged.
    func sortedIndex() -> SortedIndex? {
        let n = sortedCount
        guard let rows = sortedRows(0..<n), let values = values(0..<n) else { return nil }
        for i in 1..<max(n, 1) where values[i - 1] > values[i] || (values[i - 1] == values[i] && rows[i - 1] >= rows[i]) {
            bad("values out of order")
        }
        return SortedIndex(rows: rows, values: values)
    }
}

extension Table {
    /// The snapshot's index of `field` while it answers for the table: its column not
    /// written since it was loaded, as many rows as were written, not found damaged.
    func persistedIndex(field: Int) -> PersistedIndex? {
        guard let index = persistedIndexes[field], rowCount == index.tableRows, columns[field].writes == 0, !index.isDamaged else {
            return nil
        }
        return index
    }

    /// Whether the postings of `field` are at hand without building them: cached, or in
    /// the snapshot (a few blocks read per value).
    public func hasReadyPostings(field: Int) -> Bool {
        hasCachedPostings(field: field) || persistedIndex(field: field) != nil
    }

    /// The same for the sorted index of an int or date field.
    public func hasReadySortedIndex(field: Int) -> Bool {
        hasCachedSortedIndex(field: field) || persistedIndex(field: field) != nil
    }

    /// How many rows hold `key` in the postings of `field` (`Postings.count(for:)`): from
    /// the snapshot's index while it is not cached.
    public func postingsCount(field: Int, key: Int) -> Int {
        if !hasCachedPostings(field: field), let index = persistedIndex(field: field), let n = index.count(for: key) { return n }
        return postings(field: field).count(for: key)
    }

    /// The rows holding `key` in the postings of `field`, in row order.
    public func postingsRows(field: Int, key: Int) -> [Int32] {
        if !hasCachedPostings(field: field), let index = persistedIndex(field: field), let rows = index.rows(for: key) { return rows }
        return Array(postings(field: field).rows(for: key))
    }

    /// The rows whose reference `field` holds one of `targets` (distinct), in row order,
    /// without building the field's index — for a process that makes one change: from the
    /// postings when they are at hand (cached, or a few blocks of the snapshot's), else one
    /// pass over the column.
    public func rowsReferring(field: Int, toAny targets: [Int32]) -> [Int32] {
        guard !hasReadyPostings(field: field), case .reference(let refs) = columns[field] else {
            if targets.count == 1 { return postingsRows(field: field, key: Int(targets[0])) }
            return targets.flatMap { postingsRows(field: field, key: Int($0)) }.sorted()
        }
        return refs.rows.withUnsafeBufferPointer { r in
            var out: [Int32] = []
            if targets.count == 1 {
                let target = targets[0]
                for i in r.indices where r[i] == target { out.append(Int32(i)) }
            } else {
                for i in r.indices where targets.contains(r[i]) { out.append(Int32(i)) }
            }
            return out
        }
    }

    /// How many rows the sorted index of `field` lists.
    public func sortedIndexCount(field: Int) -> Int {
        if !hasCachedSortedIndex(field: field), let index = persistedIndex(field: field) { return index.sortedCount }
        return sortedIndex(field: field).values.count
    }

    /// `SortedIndex.positions` of the sorted index of `field`.
    public func sortedPositions(field: Int, lower: Int?, lowerStrict: Bool = false, upper: Int?, upperStrict: Bool = false) -> Range<Int> {
        if !hasCachedSortedIndex(field: field), let index = persistedIndex(field: field),
           let found = index.positions(lower: lower, lowerStrict: lowerStrict, upper: upper, upperStrict: upperStrict) {
            return found
        }
        return sortedIndex(field: field).positions(lower: lower, lowerStrict: lowerStrict, upper: upper, upperStrict: upperStrict)
    }

    /// Rows at positions `range` of the sorted index of `field`, in index order.
    public func sortedRows(field: Int, positions range: Range<Int>) -> [Int32] {
        if !hasCachedSortedIndex(field: field), let index = persistedIndex(field: field), let rows = index.sortedRows(range) { return rows }
        return Array(sortedIndex(field: field).rows[range])
    }

    /// Values at positions `range` of the sorted index of `field`, in index order.
    public func sortedValues(field: Int, positions range: Range<Int>) -> [Int] {
        if !hasCachedSortedIndex(field: field), let index = persistedIndex(field: field), let values = index.values(range) { return values }
        return Array(sortedIndex(field: field).values[range])
    }
}
