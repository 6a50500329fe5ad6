// Removing a row from a table in place, and putting it back. Rows are positions: with one
// gone, every row after it moves up one, in each column and in each index listing it. So a
// delete is one pass over each array the table holds — a memory move of the columns after
// the row, and a pass that drops the row from each index and renumbers the rows after it
// — and nothing is copied: a visit deleted from five million costs those passes alone,
// spread over both cores. Putting the row back (`insertRow`, when the check refuses the
// change) is the exact inverse, so the table, its indexes and the references to it are as
// they were.

import Foundation

extension Postings {
    /// Drops `row` from the lists of `keys` (the keys it is listed under: its text code,
    /// target row or set elements, ascending) and renumbers the rows after it, in place;
    /// the keys it was found under.
    mutating func removeRow(_ row: Int32, keys: [Int]) -> [Int] {
        var positions: [Int] = []
        var found: [Int] = []
        for key in keys where key >= 0 && key < keyCount {
            let at = position(of: row, key: key)
            if at < Int(offsets[key + 1]) && rows[at] == row {
                positions.append(at)
                found.append(key)
            }
        }
        // One pass: each stretch between two dropped entries moves down by the number
        // dropped before it, renumbered on the way.
        rows.withUnsafeMutableBufferPointer { r in
            guard let base = r.baseAddress else { return }
            var read = 0, write = 0
            for end in positions + [r.count] {
                Self.renumber(from: base + read, to: base + write, count: end - read, after: row)
                write += end - read
                read = end + 1
            }
        }
        rows.removeLast(positions.count)
        offsets.withUnsafeMutableBufferPointer { o in
            for (i, key) in found.enumerated() {
                let end = i + 1 < found.count ? found[i + 1] + 1 : o.count
                let dropped = Int32(i + 1)
                for k in (key + 1)..<end { o[k] -= dropped }
            }
        }
        return found
    }

    /// Puts `row` back under `keys` (what `removeRow` returned), the rows from it on moving
    /// down one: `removeRow` undone.
    mutating func insertRow(_ row: Int32, keys: [Int]) {
        rows.withUnsafeMutableBufferPointer { r in
            for i in r.indices { let v = r[i]; r[i] = v &+ (v >= row ? 1 : 0) }
        }
        for key in keys {
            rows.insert(row, at: position(of: row, key: key))
            offsets.withUnsafeMutableBufferPointer { o in for k in (key + 1)..<o.count { o[k] += 1 } }
        }
    }

    /// Where `row` is, or would go, in the list of `key`.
    func position(of row: Int32, key: Int) -> Int {
        var low = Int(offsets[key]), high = Int(offsets[key + 1])
        while low < high {
            let mid = (low + high) >> 1
            if rows[mid] < row { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Copies `count` rows from `source` to `target` (which may be the same place or
    /// before it), each row after `removed` one less. Branch-free, so it vectorises.
    @inline(__always)
    static func renumber(from source: UnsafeMutablePointer<Int32>, to target: UnsafeMutablePointer<Int32>, count: Int, after removed: Int32) {
        var i = 0
        while i < count {
            let v = source[i]
            target[i] = v &- (v > removed ? 1 : 0)
            i += 1
        }
    }

    /// The postings of a reference after its target row `key` was removed, in place (no
    /// row refers to it; the keys after it move down one): whether it was listed; nil,
    /// with nothing changed, when some row is still listed under it.
    mutating func removeKey(_ key: Int) -> Bool? {
        guard key < keyCount else { return false }
        guard offsets[key] == offsets[key + 1] else { return nil }
        offsets.remove(at: key + 1)
        return true
    }

    /// `removeKey` undone: an empty list for `key` again.
    mutating func insertKey(_ key: Int) {
        offsets.insert(offsets[key], at: key + 1)
    }
}

extension SortedIndex {
    /// Drops `row` (whose value is `value`; nil when null, so not listed) and renumbers the
    /// rows after it, in place; whether it was listed.
    mutating func removeRow(_ row: Int32, value: Int?) -> Bool {
        var at = -1
        if let value {
            let p = position(value, row)
            if p < values.count && values[p] == value && rows[p] == row { at = p }
        }
        rows.withUnsafeMutableBufferPointer { r in
            guard let base = r.baseAddress else { return }
            if at < 0 {
                Postings.renumber(from: base, to: base, count: r.count, after: row)
            } else {
                Postings.renumber(from: base, to: base, count: at, after: row)
                Postings.renumber(from: base + at + 1, to: base + at, count: r.count - at - 1, after: row)
            }
        }
        guard at >= 0 else { return false }
        rows.removeLast()
        values.remove(at: at)
        return true
    }

    /// Puts `row` back with `value` (nil: it was not listed): `removeRow` undone.
    mutating func insertRow(_ row: Int32, value: Int?) {
        rows.withUnsafeMutableBufferPointer { r in
            for i in r.indices { let v = r[i]; r[i] = v &+ (v >= row ? 1 : 0) }
        }
        guard let value else { return }
        let at = position(value, row)
        rows.insert(row, at: at)
        values.insert(value, at: at)
    }

    /// Where (`value`, `row`) is, or would go.
    func position(_ value: Int, _ row: Int32) -> Int {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) >> 1
            if values[mid] < value || (values[mid] == value && rows[mid] < row) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension Column {
    /// Puts a cell back at `row`, the rows from it on moving down one (`remove` undone).
    func insert(_ cell: ParsedCell, at row: Int) {
        switch (self, cell) {
        case (.int(let c), .int(let v)): c.values.insert(v, at: row)
        case (.int(let c), _): c.values.insert(IntColumn.null, at: row)
        case (.date(let c), .date(let v)): c.values.insert(v, at: row)
        case (.date(let c), _): c.values.insert(DateColumn.null, at: row)
        case (.text(let c), .code(let v)): c.codes.insert(v, at: row)
        case (.text(let c), _): c.codes.insert(TextColumn.null, at: row)
        case (.reference(let c), .reference(let v)): c.rows.insert(v, at: row)
        case (.reference(let c), _): c.rows.insert(RefColumn.null, at: row)
        case (.textSet(let c), let value):
            var codes: [Int32] = []
            if case .codes(let given) = value { codes = given }
            let start = Int(c.offsets[row])
            c.elements.insert(contentsOf: codes, at: start)
            c.offsets.insert(Int32(start), at: row + 1)
            let n = Int32(codes.count)
            if n != 0 { c.offsets.withUnsafeMutableBufferPointer { o in for i in (row + 1)..<o.count { o[i] += n } } }
        }
    }

    /// Bytes a removal at `row` of a column of `count` rows moves (to share the work out).
    func bytesMoved(removing row: Int, of count: Int) -> Int {
        switch self {
        case .int: return (count - row) * 8
        case .date, .text, .reference: return (count - row) * 4
        case .textSet(let c): return (count - row) * 4 + (c.elements.count - Int(c.offsets[row])) * 4
        }
    }
}

/// What removing a row from a table did, to undo it exactly (`Table.insertRow`).
struct RemovedRow {
    let row: Int
    let cells: [ParsedCell]
    /// For each postings kept in place, the keys the row was listed under.
    var postingKeys: [Int: [Int]] = [:]
    /// For each sorted index kept in place, the row's value (nil: not listed).
    var sortedValues: [Int: Int?] = [:]
}

extension Table {
    /// TUNING: a removal that moves more bytes than this is shared between both cores.
    static let parallelRemovalBytes = 4 << 20

    /// The keys a row is listed under in the postings of `field`, ascending and distinct.
    func postingKeys(row: Int, field: Int) -> [Int] {
        switch columns[field] {
        case .text(let c): return c.codes[row] >= 0 ? [Int(c.codes[row])] : []
        case .reference(let c): return c.rows[row] >= 0 ? [Int(c.rows[row])] : []
        case .textSet(let c): return Array(Set(c.codes(at: row).map(Int.init))).sorted()
        case .int, .date: return []
        }
    }

    /// The value a row has in the sorted index of `field`; nil when null.
    func sortedValue(row: Int, field: Int) -> Int? {
        switch columns[field] {
        case .int(let c): return c.values[row] == IntColumn.null ? nil : c.values[row]
        case .date(let c): return c.values[row] == DateColumn.null ? nil : Int(c.values[row])
        default: return nil
        }
    }

    /// Removes a row in place, the rows after it moving up one: from each column, and
    /// from each index when they are up to date (else the indexes are dropped, rebuilt on
    /// next use). The columns and indexes are independent arrays, so a large removal runs
    /// on both cores. Returns what `insertRow` needs to put it back.
    @discardableResult
    func removeRow(_ row: Int, parallelAbove threshold: Int = Table.parallelRemovalBytes) -> RemovedRow {
        var removed = RemovedRow(row: row, cells: columns.indices.map { cell(row: row, field: $0) })
        let current = updateLog.isEmpty && postingsCoverage.values.allSatisfy { $0.rows == rowCount } && sortedCoverage.values.allSatisfy { $0.rows == rowCount }
        if !current { invalidateIndexes() }
        // Each index is taken out of its cache while it changes, so that its arrays have
        // one owner and change in place.
        let postings = postingsCache.map { (field: $0.key, keys: postingKeys(row: row, field: $0.key), box: IndexBox($0.value)) }
        let sorted = sortedCache.map { (field: $0.key, value: sortedValue(row: row, field: $0.key), box: IndexBox($0.value)) }
        postingsCache = [:]
        sortedCache = [:]
        var jobs: [(bytes: Int, run: () -> Void)] = []
        for column in columns { jobs.append((column.bytesMoved(removing: row, of: rowCount), { column.remove(row: row) })) }
        var postingResults: [Int: IndexBox<[Int]>] = [:]
        for (field, keys, box) in postings {
            let result = IndexBox<[Int]>([])
            postingResults[field] = result
            jobs.append((box.value.rows.count * 4, { result.value = box.value.removeRow(Int32(row), keys: keys) }))
        }
        var sortedResults: [Int: IndexBox<Bool>] = [:]
        for (field, value, box) in sorted {
            let result = IndexBox(false)
            sortedResults[field] = result
            jobs.append((box.value.rows.count * 4 + (value == nil ? 0 : box.value.values.count * 4), { result.value = box.value.removeRow(Int32(row), value: value) }))
        }
        Self.run(jobs, parallelAbove: threshold)
        rowCount -= 1
        for (field, _, box) in postings {
            postingsCache[field] = box.value
            postingsCoverage[field] = (rowCount, 0)
            removed.postingKeys[field] = postingResults[field]!.value
        }
        for (field, value, box) in sorted {
            sortedCache[field] = box.value
            sortedCoverage[field] = (rowCount, 0)
            removed.sortedValues.updateValue(sortedResults[field]!.value ? value : nil, forKey: field)
        }
        // Ids in order stay in order with one gone; other keys are looked up by name.
        if isKeyedByID && appendedRowOfID.isEmpty && idSortedCount == rowCount + 1 {
            idSortedCount = rowCount
        } else {
            rebuildKeyIndex()
        }
        return removed
    }

    /// Puts back a row `removeRow` took out, the tables's state otherwise as it left it:
    /// the columns and the indexes it kept are as before the removal. (The key index is
    /// the caller's to restore.)
    func insertRow(_ removed: RemovedRow) {
        for (field, column) in columns.enumerated() { column.insert(removed.cells[field], at: removed.row) }
        rowCount += 1
        for (field, keys) in removed.postingKeys {
            guard var postings = postingsCache.removeValue(forKey: field) else { continue }
            postings.insertRow(Int32(removed.row), keys: keys)
            postingsCache[field] = postings
            postingsCoverage[field] = (rowCount, 0)
        }
        for (field, value) in removed.sortedValues {
            guard var index = sortedCache.removeValue(forKey: field) else { continue }
            index.insertRow(Int32(removed.row), value: value)
            sortedCache[field] = index
            sortedCoverage[field] = (rowCount, 0)
        }
        // Indexes dropped or built since the removal do not hold it: rebuilt on next use.
        for field in postingsCache.keys where removed.postingKeys[field] == nil { postingsCache[field] = nil; postingsCoverage[field] = nil }
        for field in sortedCache.keys where removed.sortedValues[field] == nil { sortedCache[field] = nil; sortedCoverage[field] = nil }
    }

    /// After row `key` of the collection reference `field` points to was removed (no row
    /// referred to it): its postings with the keys after it moved down one, in place.
    /// Whether they were kept (nil: there were none, false: dropped).
    func removeKeyFromPostings(field: Int, key: Int) -> Bool? {
        guard postingsCache[field] != nil else { return nil }
        // Changes of this batch not yet moved in the index are in the old numbering.
        guard let current = upToDatePostings(field: field), current.count(for: key) == 0 else {
            invalidateIndexes()
            return false
        }
        return postingsCache[field]!.removeKey(key)
    }

    /// The cached postings of `field` when they reflect every row and change (nil when
    /// there are none, or changes of a batch are still to be moved in them).
    func upToDatePostings(field: Int) -> Postings? {
        guard let postings = postingsCache[field], updateLog.isEmpty, postingsCoverage[field]?.rows == rowCount else { return nil }
        return postings
    }

    /// `removeKeyFromPostings` undone (when it returned true).
    func insertKeyInPostings(field: Int, key: Int) {
        postingsCache[field]?.insertKey(key)
    }

    /// Runs independent jobs, on both cores when together they move more than `threshold`
    /// bytes (largest first, each worker taking the next).
    static func run(_ jobs: [(bytes: Int, run: () -> Void)], parallelAbove threshold: Int) {
        let total = jobs.reduce(0) { $0 + $1.bytes }
        let workers = min(2, ProcessInfo.processInfo.activeProcessorCount, jobs.count)
        guard total > threshold, workers > 1 else {
            for job in jobs { job.run() }
            return
        }
        let ordered = jobs.sorted { $0.bytes > $1.bytes }.map(\.run)
        let queue = JobQueue(count: ordered.count)
        let box = UncheckedSendable(ordered)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let next = queue.take() { box.value[next]() }
        }
    }
}

/// A value changed by one job while others change other values.
final class IndexBox<T> {
    var value: T
    init(_ value: T) { self.value = value }
}

/// Hands out job numbers 0..<count, each once, to any thread.
final class JobQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    init(count: Int) { self.count = count }
    func take() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
