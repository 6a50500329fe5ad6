// Column storage for one collection: one typed array per stored field, with nulls as
// sentinels so a column is a flat array of machine words. Text is dictionary-encoded (each
// row holds an Int32 code into a per-column dictionary), sets are a flat element array with
// per-row offsets, and references hold the row number of the target. Nothing here knows
// about queries; readers index the arrays directly.

import Foundation

/// Interned text values of one column. Codes are dense, in first-seen order.
public final class TextDictionary {
    public private(set) var values: [String] = []
    private var codeOf: [String: Int32] = [:]
    private var cachedRanks: [Int32]?

    public init() {}

    public var count: Int { values.count }

    /// The code of `text`, adding it when new.
    public func intern(_ text: String) -> Int32 {
        if let code = codeOf[text] { return code }
        let code = Int32(values.count)
        values.append(text)
        codeOf[text] = code
        cachedRanks = nil
        return code
    }

    public func code(of text: String) -> Int32? { codeOf[text] }

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
