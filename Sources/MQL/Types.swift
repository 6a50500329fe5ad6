// Types and values of MQL. `MType` is what the checker assigns to every expression;
// `Value` is a result cell handed to output formats and embedders (not used while
// evaluating rows, which works on typed closures over columns).

import Engine

public indirect enum MType: Equatable, Sendable, CustomStringConvertible {
    case bool, int, number, text, date, duration, textSet, null
    /// A row of a collection (a reference, or `this`).
    case row(String)
    /// A set of rows of a collection (a collection, a reverse reference, a subquery).
    case rows(String)
    /// The values a subquery selects (`children where … select birth`).
    case values(MType)
    /// A list literal.
    case list(MType)

    public var description: String {
        switch self {
        case .bool: return "boolean"
        case .int: return "int"
        case .number: return "number"
        case .text: return "text"
        case .date: return "date"
        case .duration: return "duration"
        case .textSet: return "set of text"
        case .null: return "null"
        case .row(let c): return "a row of \(c)"
        case .rows(let c): return "rows of \(c)"
        case .values(let t): return "values of \(t)"
        case .list(let t): return "list of \(t)"
        }
    }

    var isNumeric: Bool { self == .int || self == .number }
    var isOrdered: Bool { self == .int || self == .number || self == .date || self == .text }

    static func from(_ field: FieldType) -> MType {
        switch field {
        case .int: return .int
        case .date: return .date
        case .text: return .text
        case .textSet: return .textSet
        case .reference(let target): return .row(target)
        }
    }
}

public struct Duration: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var amount: Int
    public var unit: DurationUnit

    /// The date `amount` units after (or before, with sign -1) `day`; nil past the years
    /// 1–9999 that dates can hold.
    public func added(to day: Int32, sign: Int = 1) -> Int32? {
        let (n, o1) = amount.multipliedReportingOverflow(by: sign)
        guard !o1 else { return nil }
        let result: Int
        switch unit {
        case .day, .week:
            let (days, o2) = n.multipliedReportingOverflow(by: unit == .week ? 7 : 1)
            let (sum, o3) = Int(day).addingReportingOverflow(days)
            guard !o2, !o3 else { return nil }
            result = sum
        case .month, .year:
            let (months, o2) = n.multipliedReportingOverflow(by: unit == .year ? 12 : 1)
            // Past ±120,000 months every date leaves the years a date can hold.
            guard !o2, abs(months) <= 120_000 else { return nil }
            result = Int(CivilDate.addingMonths(day, months))
        }
        guard result >= Int(CivilDate.earliest) && result <= Int(CivilDate.latest) else { return nil }
        return Int32(result)
    }

    public var description: String { "\(amount) \(unit.rawValue)\(amount == 1 ? "" : "s")" }
}

/// A result cell.
public enum Value: Equatable, Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case text(String)
    case date(Int32)
    case duration(Duration)
    case set([String])

    public var description: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let d): return Value.formatNumber(d)
        case .text(let s): return s
        case .date(let d): return CivilDate.format(d)
        case .duration(let d): return d.description
        case .set(let s): return s.joined(separator: ";")
        }
    }

    /// Numbers print without a trailing `.0` when whole, else with up to 10 significant decimals.
    public static func formatNumber(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        var s = String(format: "%.10g", d)
        if s.contains("e") { s = String(d) }
        return s
    }

    public var isNull: Bool { self == .null }
}

import Foundation
