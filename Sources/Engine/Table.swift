// One collection in memory: its schema, its columns (parallel arrays, one entry per row),
// the key index, and lazily built secondary indexes. Rows are kept in key order (id
// ascending; streets and communities by name in pinyin order), so a scan in row order is
// the collection's natural order and ties in `order by` fall back to it for free.

import Collections

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

    private var postingsCache: [Int: Postings] = [:]
    private var sortedCache: [Int: SortedIndex] = [:]

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
            let id = ids.values[row]
            if appendedRowOfID.isEmpty && row == idSortedCount && (row == 0 || ids.values[row - 1] < id) {
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
        if let row = ids.values.withUnsafeBufferPointer({ Self.position(of: id, in: $0, sortedCount: idSortedCount) }) {
            return row
        }
        return appendedRowOfID.isEmpty ? nil : appendedRowOfID[id].map(Int.init)
    }

    /// Where `id` is among the first `sortedCount` (strictly ascending) ids: first where it
    /// would be if ids are dense, else by binary search.
    @inline(__always)
    static func position(of id: Int, in ids: UnsafeBufferPointer<Int>, sortedCount: Int) -> Int? {
        guard sortedCount > 0 else { return nil }
        let guess = id &- ids[0]
        if guess >= 0 && guess < sortedCount {
            if ids[guess] == id { return guess }
        } else if guess < 0 || id > ids[sortedCount - 1] {
            return nil
        }
        var low = 0, high = sortedCount
        while low < high {
            let mid = (low + high) >> 1
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < sortedCount && ids[low] == id ? low : nil
    }

    /// Rows whose key, as text, is `text` (a street's name, a community's name, an id's digits).
    public func rows(keyText text: String) -> [Int32] {
        if isKeyedByID {
            guard let id = Int(text), let row = row(id: id) else { return [] }
            return [Int32(row)]
        }
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
        if isKeyedByID, case .int(let ids) = columns[0] { return String(ids.values[row]) }
        if case .text(let names) = column(named: "name")! { return names.text(at: row) ?? "" }
        return ""
    }

    /// The id of a row, for collections keyed by id.
    public func id(row: Int) -> Int? {
        guard isKeyedByID, case .int(let ids) = columns[0] else { return nil }
        return ids.values[row]
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

    // MARK: - Secondary indexes

    /// Rows by value of a text column, by element of a set column, or by target row of a
    /// reference column. Built on first use.
    public func postings(field: Int) -> Postings {
        if let cached = postingsCache[field] { return cached }
        let built: Postings
        switch columns[field] {
        case .text(let c): built = Postings(keys: c.codes, keyCount: c.dictionary.count)
        case .textSet(let c): built = Postings(sets: c, rowCount: rowCount)
        case .reference(let c): built = Postings(keys: c.rows, keyCount: targetRowCount[field] ?? 0)
        case .int, .date: preconditionFailure("postings on a numeric column")
        }
        postingsCache[field] = built
        return built
    }

    public func hasCachedPostings(field: Int) -> Bool { postingsCache[field] != nil }

    public func hasCachedSortedIndex(field: Int) -> Bool { sortedCache[field] != nil }

    /// Non-null rows of an int or date column in value order. Built on first use.
    public func sortedIndex(field: Int) -> SortedIndex {
        if let cached = sortedCache[field] { return cached }
        let built: SortedIndex
        switch columns[field] {
        case .int(let c): built = SortedIndex(values: c.values, null: IntColumn.null)
        case .date(let c): built = SortedIndex(days: c.values)
        default: preconditionFailure("sorted index on a non-numeric column")
        }
        sortedCache[field] = built
        return built
    }

    /// Row count of the collection each reference column points to (set by the store).
    var targetRowCount: [Int: Int] = [:]

    /// Forgets every secondary index (after rows change).
    public func invalidateIndexes() {
        postingsCache = [:]
        sortedCache = [:]
    }

    /// Reorders rows so that row order is key order.
    func reorder(_ order: [Int]) {
        for column in columns { column.permute(order) }
    }
}
