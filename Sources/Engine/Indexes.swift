// Indexes the planner can pick. All are built from the columns on first use and cached on
// the table (see `Table`): building a posting list is one counting pass, a sorted index one
// sort, so paying only for the indexes a workload touches keeps loading fast.
//
// - `Postings`: for each small integer key (a text code, a set element code, a target row
//   of a reference), the rows that hold it, in row order (compressed sparse rows).
// - `SortedIndex`: the non-null rows of an int or date column in value order, for ranges
//   and for `order by … limit`.

import Collections

public struct Postings: Sendable {
    /// Rows of key `k` are `rows[offsets[k]..<offsets[k+1]]`.
    public internal(set) var offsets: [Int32]
    public internal(set) var rows: [Int32]

    public var keyCount: Int { offsets.count - 1 }

    init(offsets: [Int32], rows: [Int32]) {
        self.offsets = offsets
        self.rows = rows
    }

    /// These postings after rows changed key (`old`/`new` negative: no key), with at least
    /// `keyCount` keys. Each move shifts the arrays once (a memory move, no rebuild), so a
    /// change of a few rows keeps the index of a million rows at the cost of copying it.
    func moving(_ moves: [(row: Int32, old: Int32, new: Int32)], keyCount: Int) -> Postings {
        var moved = self
        let needed = max(keyCount, moves.map { Int(max($0.old, $0.new)) + 1 }.max() ?? 0)
        if moved.keyCount < needed { moved.offsets += repeatElement(offsets.last ?? 0, count: needed - moved.keyCount) }
        for move in moves where move.old != move.new {
            if move.old >= 0 {
                let key = Int(move.old), at = moved.position(of: move.row, key: key)
                if at < Int(moved.offsets[key + 1]) && moved.rows[at] == move.row {
                    moved.rows.remove(at: at)
                    for k in (key + 1)..<moved.offsets.count { moved.offsets[k] -= 1 }
                }
            }
            if move.new >= 0 {
                let key = Int(move.new)
                moved.rows.insert(move.row, at: moved.position(of: move.row, key: key))
                for k in (key + 1)..<moved.offsets.count { moved.offsets[k] += 1 }
            }
        }
        return moved
    }

    public func rows(for key: Int) -> ArraySlice<Int32> {
        guard key >= 0 && key < keyCount else { return [] }
        return rows[Int(offsets[key])..<Int(offsets[key + 1])]
    }

    public func count(for key: Int) -> Int {
        guard key >= 0 && key < keyCount else { return 0 }
        return Int(offsets[key + 1] - offsets[key])
    }

    /// Builds postings from one key per row (negative = no key).
    public init(keys: [Int32], keyCount: Int) {
        var counts = [Int32](repeating: 0, count: keyCount + 1)
        for key in keys where key >= 0 { counts[Int(key) + 1] += 1 }
        for i in 0..<keyCount { counts[i + 1] += counts[i] }
        var fill = counts
        var rows = [Int32](repeating: 0, count: Int(counts[keyCount]))
        for (row, key) in keys.enumerated() where key >= 0 {
            rows[Int(fill[Int(key)])] = Int32(row)
            fill[Int(key)] += 1
        }
        self.offsets = counts
        self.rows = rows
    }

    /// Builds postings from a set column: a row is listed once under each element it holds.
    public init(sets: SetColumn, rowCount: Int) {
        self.init(setOffsets: sets.offsets, elements: sets.elements, keyCount: sets.dictionary.count, rowCount: rowCount)
    }

    /// The same from a set column's arrays (a snapshot writes its codes renumbered).
    init(setOffsets offsets: [Int32], elements: [Int32], keyCount: Int, rowCount: Int) {
        var counts = [Int32](repeating: 0, count: keyCount + 1)
        // A row is listed once per distinct element; rows hold a handful, so a linear
        // look back is cheaper than a set.
        func isFirst(_ i: Int, _ start: Int) -> Bool {
            var j = start
            while j < i { if elements[j] == elements[i] { return false }; j += 1 }
            return true
        }
        for row in 0..<rowCount {
            let start = Int(offsets[row]), end = Int(offsets[row + 1])
            for i in start..<end where isFirst(i, start) { counts[Int(elements[i]) + 1] += 1 }
        }
        for i in 0..<keyCount { counts[i + 1] += counts[i] }
        var fill = counts
        var rows = [Int32](repeating: 0, count: Int(counts[keyCount]))
        for row in 0..<rowCount {
            let start = Int(offsets[row]), end = Int(offsets[row + 1])
            for i in start..<end where isFirst(i, start) {
                let code = Int(elements[i])
                rows[Int(fill[code])] = Int32(row)
                fill[code] += 1
            }
        }
        self.offsets = counts
        self.rows = rows
    }
}

public struct SortedIndex: Sendable {
    /// Non-null rows ordered by value, ties by row.
    public internal(set) var rows: [Int32]
    /// `values[i]` is the value of `rows[i]`.
    public internal(set) var values: [Int]

    init(rows: [Int32], values: [Int]) {
        self.rows = rows
        self.values = values
    }

    /// This index after rows changed value (nil: null, not listed), each by a memory move.
    func moving(_ moves: [(row: Int32, old: Int?, new: Int?)]) -> SortedIndex {
        var moved = self
        for move in moves where move.old != move.new {
            if let old = move.old {
                let at = moved.position(old, move.row)
                if at < moved.values.count && moved.values[at] == old && moved.rows[at] == move.row {
                    moved.rows.remove(at: at)
                    moved.values.remove(at: at)
                }
            }
            if let new = move.new {
                let at = moved.position(new, move.row)
                moved.rows.insert(move.row, at: at)
                moved.values.insert(new, at: at)
            }
        }
        return moved
    }

    public init(values column: [Int], null: Int) {
        self.init(count: column.count) { body in column.withUnsafeBufferPointer { for (row, v) in $0.enumerated() where v != null { body(row, v) } } }
    }

    /// From a date column (Int32 days, `DateColumn.null` for null).
    public init(days column: [Int32]) {
        self.init(count: column.count) { body in
            column.withUnsafeBufferPointer { for (row, v) in $0.enumerated() where v != DateColumn.null { body(row, Int(v)) } }
        }
    }

    /// Sorts (value, row) pairs: by counting when the values span a narrow range (dates,
    /// sizes, small amounts: one pass to count, one to place, rows stay in order within a
    /// value), else by sorting packed 64-bit keys, else pairs.
    private init(count: Int, _ each: ((Int, Int) -> Void) -> Void) {
        var low = Int.max, high = Int.min, n = 0
        each { _, v in
            if v < low { low = v }
            if v > high { high = v }
            n += 1
        }
        guard n > 0 else {
            rows = []
            values = []
            return
        }
        let (span, overflow) = high.subtractingReportingOverflow(low)
        if !overflow && span < max(1 << 16, 2 * n) {
            var counts = [Int](repeating: 0, count: span + 2)
            counts.withUnsafeMutableBufferPointer { c in each { _, v in c[v - low + 1] += 1 } }
            for i in 1..<counts.count { counts[i] += counts[i - 1] }
            var rows = [Int32](repeating: 0, count: n)
            var values = [Int](repeating: 0, count: n)
            counts.withUnsafeMutableBufferPointer { c in
                rows.withUnsafeMutableBufferPointer { r in
                    values.withUnsafeMutableBufferPointer { out in
                        each { row, v in
                            let k = v - low
                            let at = c[k]
                            r[at] = Int32(truncatingIfNeeded: row)
                            out[at] = v
                            c[k] = at + 1
                        }
                    }
                }
            }
            self.rows = rows
            self.values = values
        } else if !overflow && span < (1 << 31) && count < (1 << 31) {
            var keys: [UInt64] = []
            keys.reserveCapacity(n)
            each { row, v in keys.append(UInt64(v - low) << 32 | UInt64(row)) }
            keys.sort()
            rows = keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
            values = keys.map { Int($0 >> 32) + low }
        } else {
            var pairs: [(Int, Int32)] = []
            pairs.reserveCapacity(n)
            each { row, v in pairs.append((v, Int32(truncatingIfNeeded: row))) }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            rows = pairs.map { $0.1 }
            values = pairs.map { $0.0 }
        }
    }

    /// Positions whose value lies in `lower...upper` (either side open when nil; `strict`
    /// excludes the bound itself).
    public func positions(lower: Int?, lowerStrict: Bool = false, upper: Int?, upperStrict: Bool = false) -> Range<Int> {
        let start = lower.map { bound in lowerStrict ? firstIndex { $0 > bound } : firstIndex { $0 >= bound } } ?? 0
        let end = upper.map { bound in upperStrict ? firstIndex { $0 >= bound } : firstIndex { $0 > bound } } ?? values.count
        return start..<max(start, end)
    }

    /// First position whose value satisfies a predicate that is false then true along the array.
    private func firstIndex(where predicate: (Int) -> Bool) -> Int {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if predicate(values[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

/// A set of row numbers of one collection.
public typealias RowSet = BitSet

extension BitSet {
    public init<S: Sequence>(rows: S) where S.Element == Int32 {
        self.init()
        for row in rows { insert(Int(row)) }
    }
}
