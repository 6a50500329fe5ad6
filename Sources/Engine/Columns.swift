// Column storage for one collection: one typed array per stored field, with nulls as
// sentinels so a column is a flat array of machine words. Text is dictionary-encoded (each
// row holds an Int32 code into a per-column dictionary), sets are a flat element array with
// per-row offsets, and references hold the row number of the target. Nothing here knows
// about queries; readers index the arrays directly.

import Foundation

/// Interned text values of one column. Codes are dense, in first-seen order. Lookup is by
/// UTF-8 bytes in an open-addressing table of our own, so loading a cell costs a hash of
/// its bytes and no String at all unless the value is new (Swift's String hashing
/// normalises Unicode, which dominated load time). Equality is byte equality.
public final class TextDictionary {
    public private(set) var values: [String] = []
    private var hashes: [UInt32] = []
    /// Codes by hash slot; -1 is empty. Its size is a power of two, at most half full.
    private var slots = [Int32](repeating: -1, count: 16)
    private var cachedRanks: [Int32]?

    public init() {}

    public var count: Int { values.count }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    private func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (slot: Int, code: Int32?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        let short = UInt32(truncatingIfNeeded: hash)
        while true {
            let code = slots[slot]
            if code < 0 { return (slot, nil) }
            if hashes[Int(code)] == short && Self.equal(values[Int(code)], bytes) { return (slot, code) }
            slot = (slot + 1) & mask
        }
    }

    private static func equal(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var s = s
        return s.withUTF8 { stored in
            stored.count == bytes.count && (bytes.count == 0 || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
    }

    /// The code of the text in `bytes` (valid UTF-8), adding it when new.
    public func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = Self.hash(bytes)
        let (slot, found) = find(bytes, hash: h)
        if let found { return found }
        let code = Int32(values.count)
        values.append(String(decoding: bytes, as: UTF8.self))
        hashes.append(UInt32(truncatingIfNeeded: h))
        slots[slot] = code
        cachedRanks = nil
        if values.count * 2 > slots.count { grow() }
        return code
    }

    public func code(of bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        find(bytes, hash: Self.hash(bytes)).code
    }

    public func intern(_ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { intern($0) }
    }

    public func code(of text: String) -> Int32? {
        var text = text
        return text.withUTF8 { code(of: $0) }
    }

    public func intern<C: Collection>(bytes: C) -> Int32 where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ intern($0) }) { return done }
        return Array(bytes).withUnsafeBufferPointer { intern($0) }
    }

    public func code<C: Collection>(ofBytes bytes: C) -> Int32? where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ code(of: $0) }) { return done }
        return Array(bytes).withUnsafeBufferPointer { code(of: $0) }
    }

    private func grow() {
        var bigger = [Int32](repeating: -1, count: slots.count * 2)
        let mask = bigger.count - 1
        for code in 0..<values.count {
            var s = values[code]
            let h = s.withUTF8 { Self.hash($0) }
            var slot = Int(truncatingIfNeeded: h) & mask
            while bigger[slot] >= 0 { slot = (slot + 1) & mask }
            bigger[slot] = Int32(code)
        }
        slots = bigger
    }

    /// Rank of each code in Chinese pinyin order (ICU's zh collation via Foundation), so
    /// sorting rows compares two integers. Computed once per distinct value and cached
    /// until the dictionary grows.
    public func collationRanks() -> [Int32] {
        if let ranks = cachedRanks, ranks.count == values.count { return ranks }
        let order = PinyinCollation.sortedIndices(values)
        var ranks = [Int32](repeating: 0, count: values.count)
        var rank: Int32 = 0
        for (position, code) in order.enumerated() {
            if position > 0 && values[order[position - 1]] != values[code] { rank += 1 }
            ranks[code] = rank
        }
        cachedRanks = ranks
        return ranks
    }
}

/// Pinyin order of text, as Excel and WPS sort Chinese.
public enum PinyinCollation {
    public static let locale = Locale(identifier: "zh_CN")

    public static func compare(_ a: String, _ b: String) -> ComparisonResult {
        if a == b { return .orderedSame }
        let result = a.compare(b, locale: locale)
        if result != .orderedSame { return result }
        return a < b ? .orderedAscending : .orderedDescending
    }

    public static func sortedIndices(_ values: [String]) -> [Int] {
        Array(values.indices).sorted { compare(values[$0], values[$1]) == .orderedAscending }
    }
}

public final class IntColumn {
    public static let null = Int.min
    public var values: [Int]
    public init(values: [Int] = []) { self.values = values }
}

public final class DateColumn {
    public static let null = Int32.min
    public var values: [Int32]
    public init(values: [Int32] = []) { self.values = values }
}

public final class TextColumn {
    public static let null: Int32 = -1
    public var codes: [Int32]
    public let dictionary: TextDictionary
    public init(codes: [Int32] = [], dictionary: TextDictionary = TextDictionary()) {
        self.codes = codes
        self.dictionary = dictionary
    }

    public func text(at row: Int) -> String? {
        let code = codes[row]
        return code < 0 ? nil : dictionary.values[Int(code)]
    }
}

/// A set of text per row: row `r` holds `elements[offsets[r]..<offsets[r+1]]`.
public final class SetColumn {
    public var offsets: [Int32] = [0]
    public var elements: [Int32] = []
    public let dictionary: TextDictionary
    public init(dictionary: TextDictionary = TextDictionary()) { self.dictionary = dictionary }

    public func codes(at row: Int) -> ArraySlice<Int32> {
        elements[Int(offsets[row])..<Int(offsets[row + 1])]
    }

    public func texts(at row: Int) -> [String] {
        codes(at: row).map { dictionary.values[Int($0)] }
    }

    public func append(_ codes: [Int32]) {
        elements.append(contentsOf: codes)
        offsets.append(Int32(elements.count))
    }
}

public final class RefColumn {
    public static let null: Int32 = -1
    public var rows: [Int32]
    public let target: String
    public init(target: String, rows: [Int32] = []) {
        self.target = target
        self.rows = rows
    }
}

public enum Column {
    case int(IntColumn)
    case date(DateColumn)
    case text(TextColumn)
    case textSet(SetColumn)
    case reference(RefColumn)

    public static func empty(for type: FieldType) -> Column {
        switch type {
        case .int: return .int(IntColumn())
        case .date: return .date(DateColumn())
        case .text: return .text(TextColumn())
        case .textSet: return .textSet(SetColumn())
        case .reference(let target): return .reference(RefColumn(target: target))
        }
    }

    public func isNull(at row: Int) -> Bool {
        switch self {
        case .int(let c): return c.values[row] == IntColumn.null
        case .date(let c): return c.values[row] == DateColumn.null
        case .text(let c): return c.codes[row] < 0
        case .textSet: return false
        case .reference(let c): return c.rows[row] < 0
        }
    }

    /// Reorders every row: new row `i` is old row `order[i]`.
    func permute(_ order: [Int]) {
        switch self {
        case .int(let c): c.values = order.map { c.values[$0] }
        case .date(let c): c.values = order.map { c.values[$0] }
        case .text(let c): c.codes = order.map { c.codes[$0] }
        case .reference(let c): c.rows = order.map { c.rows[$0] }
        case .textSet(let c):
            var offsets: [Int32] = [0]
            var elements: [Int32] = []
            elements.reserveCapacity(c.elements.count)
            for old in order {
                elements.append(contentsOf: c.codes(at: old))
                offsets.append(Int32(elements.count))
            }
            c.offsets = offsets
            c.elements = elements
        }
    }
}
