// One collection in memory: its schema, its columns (parallel arrays, one entry per row),
// the key index, and lazily built secondary indexes. Rows are kept in key order (id
// ascending; streets and communities by name in pinyin order), so a scan in row order is
// the collection's natural order and ties in `order by` fall back to it for free.

import Collections
import Foundation

public final class Table {
    public let schema: CollectionSchema
    public let columns: [Column]
    public internal(set) var rowCount: Int = 0

    /// For collections keyed by `id`: rows `0..<idSortedCount` hold strictly ascending ids
    /// (rows are kept in key order), so an id is found by position — directly when ids are
    /// dense, else by binary search — with no hash table (a dictionary of five million ids
    /// was 100 MB). Rows appended out of order by a change, until it reorders the table,
    /// are in `appendedRowOfID`.
    var idSortedCount = 0
    var appendedRowOfID: [Int: Int32] = [:]
    /// Key text → rows: for streets the name; for communities the name (several streets
    /// may share one); used to resolve a literal compared with a reference.
    var rowsOfKeyText: [String: [Int32]] = [:]
    /// For communities: the street names, by street row, that scope each community's key.
    var scopeNames: [String]?

    /// The store this table belongs to (set by `Store.init`), whose audit trail the id
    /// high-water mark is derived from.
    weak var owner: Store?
    /// The highest id the collection has ever held, once derived (`Store.idHighWater`);
    /// copies carry it, inserts raise it, deletes leave it.
    var idHighWater: Int?

    var postingsCache: [Int: Postings] = [:]
    var sortedCache: [Int: SortedIndex] = [:]
    /// Indexes of the snapshot the table was loaded from, by field: read a few blocks at a
    /// time while their column is as loaded (`persistedIndex(field:)`, SnapshotIndexes.swift).
    var persistedIndexes: [Int: PersistedIndex] = [:]
    /// Guards the indexes built on first use by a read (`postings`, `sortedIndex`, the
    /// key text index), so that several threads may read the table at once (`mql check`
    /// runs constraints on every core). Changes stay single-threaded.
    private let readCacheLock = NSLock()
    /// How much of the table each cached index reflects: the rows there were and the
    /// length of `updateLog` when it was built or last brought up to date.
    var postingsCoverage: [Int: (rows: Int, updates: Int)] = [:]
    var sortedCoverage: [Int: (rows: Int, updates: Int)] = [:]
    /// Cells changed in place since the indexes were brought up to date, with the value
    /// (text code, target row, number or day) each held before; kept only for fields with
    /// a cached index (an index built later reads the new values).
    var updateLog: [(row: Int32, field: Int, old: Int)] = []

    public init(schema: CollectionSchema) {
        self.schema = schema
        self.columns = schema.fields.map { Column.empty(for: $0.type) }
    }

    init(schema: CollectionSchema, columns: [Column]) {
        self.schema = schema
        self.columns = columns
    }

    /// Set when rows were removed or keys changed, so the key index must be rebuilt.
    var keyIndexStale = false

    /// Keeps the key index current after appending a row; an id that does not come after
    /// every other marks the table for reordering.
    func noteAppended(row: Int) {
        if isKeyedByID, case .int(let ids) = columns[0] {
            // Read alone: a row appended to ids still in the snapshot does not read them.
            let id = ids.value(at: row)
            if appendedRowOfID.isEmpty && row == idSortedCount && (row == 0 || ids.value(at: row - 1) < id) {
                idSortedCount += 1
            } else {
                appendedRowOfID[id] = Int32(row)
            }
        } else {
            // Streets and communities are found by their name postings: rebuild them.
            keyIndexStale = true
            invalidateIndexes()
        }
    }

    /// The permutation that puts rows in key order, or nil when they already are.
    func keyOrderIfUnsorted() -> [Int]? {
        if isKeyedByID, case .int(let ids) = columns[0] {
            // The key index knows: every row appended so far came after the one before.
            if idSortedCount == rowCount && appendedRowOfID.isEmpty { return nil }
            let v = ids.values
            var sorted = true
            for i in 1..<max(rowCount, 1) where v[i - 1] > v[i] { sorted = false; break }
            if sorted { return nil }
            return (0..<rowCount).sorted { v[$0] != v[$1] ? v[$0] < v[$1] : $0 < $1 }
        }
        let keys = (0..<rowCount).map { (keyTextOfScope(row: $0) ?? "", keyText(row: $0)) }
        let all = Array(Set(keys.map(\.0) + keys.map(\.1)))
        var rank: [String: Int] = [:]
        for (r, i) in PinyinCollation.sortedIndices(all).enumerated() { rank[all[i]] = r }
        let order = (0..<rowCount).sorted { a, b in
            let x = (rank[keys[a].0]!, rank[keys[a].1]!), y = (rank[keys[b].0]!, rank[keys[b].1]!)
            return x != y ? x < y : a < b
        }
        return order == Array(0..<rowCount) ? nil : order
    }

    public var name: String { schema.name }

    public func column(named name: String) -> Column? {
        schema.fieldIndex(name).map { columns[$0] }
    }

    public var isKeyedByID: Bool { schema.key == ["id"] }

    // MARK: - Keys

    /// The row with id `id`.
    public func row(id: Int) -> Int? {
        guard isKeyedByID, case .int(let ids) = columns[0] else { return nil }
        // Ids still in the snapshot are read alone: a lookup reads a block or a few, not
        // the column.
        let found = ids.isLoaded
            ? ids.values.withUnsafeBufferPointer { v in Self.position(of: id, sortedCount: idSortedCount) { v[$0] } }
            : Self.position(of: id, sortedCount: idSortedCount) { ids.value(at: $0) }
        if let row = found { return row }
        return appendedRowOfID.isEmpty ? nil : appendedRowOfID[id].map(Int.init)
    }

    /// Where `id` is among the first `sortedCount` (strictly ascending) ids: first where it
    /// would be if ids are dense, else by binary search.
    @inline(__always)
    static func position(of id: Int, in ids: UnsafeBufferPointer<Int>, sortedCount: Int) -> Int? {
        position(of: id, sortedCount: sortedCount) { ids[$0] }
    }

    /// The same, reading the id at a position through `ids`.
    @inline(__always)
    static func position(of id: Int, sortedCount: Int, _ ids: (Int) -> Int) -> Int? {
        guard sortedCount > 0 else { return nil }
        let guess = id &- ids(0)
        if guess >= 0 && guess < sortedCount {
            if ids(guess) == id { return guess }
        } else if guess < 0 || id > ids(sortedCount - 1) {
            return nil
        }
        var low = 0, high = sortedCount
        while low < high {
            let mid = (low + high) >> 1
            if ids(mid) < id { low = mid + 1 } else { high = mid }
        }
        return low < sortedCount && ids(low) == id ? low : nil
    }

    /// Rows whose key, as text, is `text` (a street's name, a community's name, an id's digits).
    public func rows(keyText text: String) -> [Int32] {
        if isKeyedByID {
            guard let id = Int(text), let row = row(id: id) else { return [] }
            return [Int32(row)]
        }
        readCacheLock.lock()
        defer { readCacheLock.unlock() }
        // Mid-change (several edits applied in one batch, as a journal replays them) a row
        // inserted or renamed by an earlier edit must be found by the next one.
        if keyIndexStale {
            rebuildKeyIndex()
            keyIndexStale = false
        }
        return rowsOfKeyText[text] ?? []
    }

    /// The key of a row as it is printed and compared: the id, or the name.
    public func keyText(row: Int) -> String {
        // Read alone: a column still in the snapshot is not read for one key.
        if isKeyedByID, case .int(let ids) = columns[0] { return String(ids.value(at: row)) }
        if case .text(let names) = column(named: "name")! { return names.text(at: row) ?? "" }
        return ""
    }

    /// The id of a row, for collections keyed by id.
    public func id(row: Int) -> Int? {
        guard isKeyedByID, case .int(let ids) = columns[0] else { return nil }
        return ids.value(at: row)
    }

    /// The id a new row takes: one past the highest the collection has ever held (ids are
    /// never reused; see `Store.idHighWater`). It may be past `ProgrammeSchema.maximumID`
    /// once every id is used; the row parser then refuses it.
    public var nextFreeID: Int {
        guard isKeyedByID else { return 1 }
        let highest = owner?.idHighWater(of: self) ?? idHighWater ?? largestID
        return highest < ProgrammeSchema.maximumID ? highest + 1 : ProgrammeSchema.maximumID &+ 1
    }

    /// The largest id of the rows the table holds now (0 when empty).
    var largestID: Int {
        guard case .int(let ids) = columns[0] else { return 0 }
        // Ids in key order: the last is the largest (read alone, not the column).
        if isKeyedByID && idSortedCount == rowCount && appendedRowOfID.isEmpty {
            return rowCount == 0 ? 0 : max(ids.value(at: rowCount - 1), 0)
        }
        return max(ids.values.max() ?? 0, 0)
    }

    /// The key index of a table whose ids are known to be strictly ascending (a snapshot
    /// is written so): nothing to read.
    func keyIndexIsSorted() {
        idSortedCount = rowCount
        appendedRowOfID = [:]
        rowsOfKeyText = [:]
    }

    func rebuildKeyIndex() {
        idSortedCount = 0
        appendedRowOfID = [:]
        rowsOfKeyText = [:]
        if isKeyedByID, case .int(let ids) = columns[0] {
            let v = ids.values
            var sorted = 0
            while sorted < v.count && (sorted == 0 || v[sorted - 1] < v[sorted]) { sorted += 1 }
            idSortedCount = sorted
            // Only after a failed load or mid-change are rows out of order; later rows win,
            // as they did in a hash index.
            for row in sorted..<v.count { appendedRowOfID[v[row]] = Int32(row) }
        } else {
            for row in 0..<rowCount { rowsOfKeyText[keyText(row: row), default: []].append(Int32(row)) }
        }
    }

    /// Reads fields `fields` now where they are still to be read from a snapshot (and the
    /// key index, should a change have left it stale), so that several threads may then
    /// read them at once: columns are read on first use, by whichever thread uses them.
    public func loadForConcurrentReads(fields: some Sequence<Int>) {
        for field in fields where field >= 0 && field < columns.count { columns[field].load() }
        if keyIndexStale {
            rebuildKeyIndex()
            keyIndexStale = false
        }
    }

    // MARK: - Secondary indexes

    /// Rows by value of a text column, by element of a set column, or by target row of a
    /// reference column. Built on first use.
    public func postings(field: Int) -> Postings {
        readCacheLock.lock()
        defer { readCacheLock.unlock() }
        if let cached = postingsCache[field] { return grownToTarget(cached, field: field) }
        let built: Postings
        if let persisted = persistedIndex(field: field), let read = persisted.postings() {
            built = read
        } else {
            switch columns[field] {
            case .text(let c): built = Postings(keys: c.codes, keyCount: c.dictionary.count)
            case .textSet(let c): built = Postings(sets: c, rowCount: rowCount)
            case .reference(let c): built = Postings(keys: c.rows, keyCount: targetRowCount[field] ?? 0)
            case .int, .date: preconditionFailure("postings on a numeric column")
            }
        }
        postingsCache[field] = built
        postingsCoverage[field] = (rowCount, updateLog.count)
        return grownToTarget(built, field: field)
    }

    /// The cached postings of a reference column, once its target has more rows than when
    /// they were built (rows inserted there since): listed with no rows.
    private func grownToTarget(_ postings: Postings, field: Int) -> Postings {
        guard case .reference = columns[field], let targets = targetRowCount[field], postings.keyCount < targets else { return postings }
        let grown = postings.moving([], keyCount: targets)
        postingsCache[field] = grown
        return grown
    }

    public func hasCachedPostings(field: Int) -> Bool {
        readCacheLock.lock()
        defer { readCacheLock.unlock() }
        return postingsCache[field] != nil
    }

    public func hasCachedSortedIndex(field: Int) -> Bool {
        readCacheLock.lock()
        defer { readCacheLock.unlock() }
        return sortedCache[field] != nil
    }

    /// Non-null rows of an int or date column in value order. Built on first use.
    public func sortedIndex(field: Int) -> SortedIndex {
        readCacheLock.lock()
        defer { readCacheLock.unlock() }
        if let cached = sortedCache[field] { return cached }
        let built: SortedIndex
        if let persisted = persistedIndex(field: field), let read = persisted.sortedIndex() {
            built = read
        } else {
            switch columns[field] {
            case .int(let c): built = SortedIndex(values: c.values, null: IntColumn.null)
            case .date(let c): built = SortedIndex(days: c.values)
            default: preconditionFailure("sorted index on a non-numeric column")
            }
        }
        sortedCache[field] = built
        sortedCoverage[field] = (rowCount, updateLog.count)
        return built
    }

    /// Whether a cell change must be logged for the indexes (see `updateLog`).
    func hasCachedIndex(field: Int) -> Bool { postingsCache[field] != nil || sortedCache[field] != nil }

    /// TUNING: past this many changed rows one rebuild is cheaper than moving each.
    static let indexMovesLimit = 64

    /// Brings the cached indexes up to date with rows appended and cells changed in place
    /// since they were built (`updateLog`), by moving those rows in them rather than
    /// rebuilding them; an index with too many to move is dropped (rebuilt on next use).
    func bringIndexesUpToDate() {
        defer { updateLog = [] }
        func moves(_ field: Int, _ coverage: (rows: Int, updates: Int), key: (Int) -> Int?) -> [(row: Int32, old: Int?, new: Int?)]? {
            guard coverage.rows <= rowCount else { return nil }
            var firstOld: [Int32: Int?] = [:]
            var order: [Int32] = []
            for entry in updateLog[min(coverage.updates, updateLog.count)...] where entry.field == field && Int(entry.row) < coverage.rows {
                if firstOld[entry.row] == nil {
                    order.append(entry.row)
                    firstOld[entry.row] = .some(key(entry.old).map { $0 })
                }
            }
            if order.count + rowCount - coverage.rows > Self.indexMovesLimit { return nil }
            var result: [(row: Int32, old: Int?, new: Int?)] = order.map { ($0, firstOld[$0]!, key(currentValue(row: Int($0), field: field))) }
            for row in coverage.rows..<rowCount { result.append((Int32(row), nil, key(currentValue(row: row, field: field)))) }
            return result
        }
        for (field, postings) in postingsCache {
            let coverage = postingsCoverage[field] ?? (0, 0)
            if coverage.rows == rowCount && coverage.updates >= updateLog.count { continue }
            let keyed: Bool
            switch columns[field] { case .text, .reference: keyed = true; default: keyed = false }
            guard keyed, let found = moves(field, coverage, key: { $0 >= 0 ? $0 : nil }) else {
                postingsCache[field] = nil
                postingsCoverage[field] = nil
                continue
            }
            var keyCount = postings.keyCount
            if case .text(let c) = columns[field] { keyCount = max(keyCount, c.dictionary.count) }
            if case .reference = columns[field] { keyCount = max(keyCount, targetRowCount[field] ?? 0) }
            postingsCache[field] = postings.moving(found.map { ($0.row, Int32($0.old ?? -1), Int32($0.new ?? -1)) }, keyCount: keyCount)
            postingsCoverage[field] = (rowCount, 0)
        }
        for (field, index) in sortedCache {
            let coverage = sortedCoverage[field] ?? (0, 0)
            if coverage.rows == rowCount && coverage.updates >= updateLog.count { continue }
            let null: Int
            switch columns[field] {
            case .int: null = IntColumn.null
            case .date: null = Int(DateColumn.null)
            default: null = 0
            }
            guard let found = moves(field, coverage, key: { $0 == null ? nil : $0 }) else {
                sortedCache[field] = nil
                sortedCoverage[field] = nil
                continue
            }
            sortedCache[field] = index.moving(found)
            sortedCoverage[field] = (rowCount, 0)
        }
    }

    /// A cell as `updateLog` keeps it: text code, target row, number or day.
    func currentValue(row: Int, field: Int) -> Int {
        switch columns[field] {
        case .text(let c): return Int(c.code(at: row))
        case .reference(let c): return Int(c.row(at: row))
        case .int(let c): return c.value(at: row)
        case .date(let c): return Int(c.value(at: row))
        case .textSet: return 0
        }
    }

    /// What a change made in place alters, to put back (`Store.undo`).
    struct SavedState {
        let rowCount: Int
        let idSortedCount: Int
        let appendedRowOfID: [Int: Int32]
        let idHighWater: Int?
        let keyIndexStale: Bool
        let postingsCache: [Int: Postings]
        let sortedCache: [Int: SortedIndex]
        let postingsCoverage: [Int: (rows: Int, updates: Int)]
        let sortedCoverage: [Int: (rows: Int, updates: Int)]
        let updateLog: [(row: Int32, field: Int, old: Int)]
        /// False for a change that removes rows: its indexes change in place (holding
        /// them here would make them copies) and are put back by `insertRow`.
        let keepsIndexes: Bool
    }

    func savedState(keepingIndexes: Bool = true) -> SavedState {
        SavedState(rowCount: rowCount, idSortedCount: idSortedCount, appendedRowOfID: appendedRowOfID, idHighWater: idHighWater,
                   keyIndexStale: keyIndexStale, postingsCache: keepingIndexes ? postingsCache : [:], sortedCache: keepingIndexes ? sortedCache : [:],
                   postingsCoverage: keepingIndexes ? postingsCoverage : [:], sortedCoverage: keepingIndexes ? sortedCoverage : [:],
                   updateLog: keepingIndexes ? updateLog : [], keepsIndexes: keepingIndexes)
    }

    /// Back to `state`: rows appended since are removed, indexes and key index as they were.
    func restore(_ state: SavedState) {
        if rowCount > state.rowCount { for column in columns { column.truncate(to: state.rowCount) } }
        rowCount = state.rowCount
        idSortedCount = state.idSortedCount
        appendedRowOfID = state.appendedRowOfID
        idHighWater = state.idHighWater
        keyIndexStale = state.keyIndexStale
        guard state.keepsIndexes else { return }
        postingsCache = state.postingsCache
        sortedCache = state.sortedCache
        postingsCoverage = state.postingsCoverage
        sortedCoverage = state.sortedCoverage
        updateLog = state.updateLog
    }

    /// A cell as the row parser gives it, to set it back.
    func cell(row: Int, field: Int) -> ParsedCell {
        switch columns[field] {
        // Read alone: a column still in the snapshot is not read for one cell.
        case .int(let c): let v = c.value(at: row); return v == IntColumn.null ? .null : .int(v)
        case .date(let c): let v = c.value(at: row); return v == DateColumn.null ? .null : .date(v)
        case .text(let c): let v = c.code(at: row); return v < 0 ? .null : .code(v)
        case .reference(let c): let v = c.row(at: row); return v < 0 ? .null : .reference(v)
        case .textSet(let c): return .codes(Array(c.codes(at: row)))
        }
    }

    /// The indexes a copy of the table starts with: this one's (they share the arrays).
    func shareIndexes(with copy: Table) {
        copy.postingsCache = postingsCache
        copy.sortedCache = sortedCache
        copy.postingsCoverage = postingsCoverage
        copy.sortedCoverage = sortedCoverage
        copy.updateLog = updateLog
        copy.persistedIndexes = persistedIndexes
    }

    /// Row count of the collection each reference column points to (set by the store).
    var targetRowCount: [Int: Int] = [:]

    /// Forgets every secondary index (after rows change).
    public func invalidateIndexes() {
        postingsCache = [:]
        sortedCache = [:]
        postingsCoverage = [:]
        sortedCoverage = [:]
        updateLog = []
        persistedIndexes = [:]
    }

    /// Reorders rows so that row order is key order.
    func reorder(_ order: [Int]) {
        for column in columns { column.permute(order) }
    }
}
