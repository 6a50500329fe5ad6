// The values a workbook cell holds, cell references (`C7`), Excel's date serials and the
// display width of text. This module reads and writes Office Open XML workbooks (.xlsx)
// and knows nothing of MQL or its engine: the forms and query results are laid out by
// the callers.

import Foundation

/// A cell's value as the workbook means it: typed, never a formula.
public enum CellValue: Equatable, Sendable {
    case empty
    case text(String)
    case number(Double)
    case date(WorkbookDate)
    case bool(Bool)

    /// The value as a person reads it in a cell: numbers without a needless `.0`, dates
    /// `YYYY-MM-DD`, booleans `TRUE`/`FALSE` as Excel shows them.
    public var text: String {
        switch self {
        case .empty: return ""
        case .text(let s): return s
        case .number(let d): return CellValue.format(d)
        case .date(let d): return d.description
        case .bool(let b): return b ? "TRUE" : "FALSE"
        }
    }

    public static func format(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}

/// A calendar date (proleptic Gregorian), as a cell shows it.
public struct WorkbookDate: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(daysSince1970 z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// 1899-12-30: serial 0 of the 1900 system once its fictitious 1900-02-29 (serial 60,
    /// kept for Lotus 1-2-3) is past.
    static let epoch1900 = WorkbookDate(year: 1899, month: 12, day: 30).daysSince1970
    static let epoch1904 = WorkbookDate(year: 1904, month: 1, day: 1).daysSince1970

    /// The date of a serial (its time of day dropped); nil for serials no date has
    /// (negative, the fictitious 1900-02-29, past 9999-12-31).
    public static func fromSerial(_ serial: Double, date1904: Bool) -> WorkbookDate? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        let whole = Int(serial.rounded(.down))
        if date1904 { return WorkbookDate(daysSince1970: epoch1904 + whole) }
        if whole == 60 { return nil }
        if whole == 0 { return nil }
        return WorkbookDate(daysSince1970: epoch1900 + whole + (whole < 60 ? 1 : 0))
    }

    /// The 1900-system serial Excel stores for this date.
    public var serial: Double {
        let n = daysSince1970 - WorkbookDate.epoch1900
        return Double(n <= 60 ? n - 1 : n)
    }
}

/// A cell's place: column 1 is A, row 1 is the first row.
public struct CellReference: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let column: Int
    public let row: Int

    public init(column: Int, row: Int) {
        self.column = column
        self.row = row
    }

    /// `C7`, `AA10`; nil for anything else.
    public init?(_ text: String) {
        var letters = 0, column = 0, row = 0
        var digits = 0
        for ch in text.utf8 {
            switch ch {
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where digits == 0:
                column = column * 26 + Int(ch - UInt8(ascii: "A") + 1)
                letters += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z") where digits == 0:
                column = column * 26 + Int(ch - UInt8(ascii: "a") + 1)
                letters += 1
            case UInt8(ascii: "$") where digits == 0:
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9") where letters > 0:
                row = row * 10 + Int(ch - UInt8(ascii: "0"))
                digits += 1
            default: return nil
            }
            if letters > 3 || digits > 7 { return nil }
        }
        guard letters > 0, digits > 0, row >= 1, column >= 1 else { return nil }
        self.column = column
        self.row = row
    }

    public static func columnName(_ column: Int) -> String {
        var n = column
        var out: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            out.insert(Character(Unicode.Scalar(UInt8(65 + r))), at: 0)
            n = (n - 1) / 26
        }
        return String(out)
    }

    public var description: String { CellReference.columnName(column) + String(row) }
}

/// A rectangle of cells (`A1:G1`), as merged cells are given.
public struct CellRange: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let first: CellReference
    public let last: CellReference

    public init(first: CellReference, last: CellReference) {
        self.first = CellReference(column: min(first.column, last.column), row: min(first.row, last.row))
        self.last = CellReference(column: max(first.column, last.column), row: max(first.row, last.row))
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let a = CellReference(String(parts[0])),
              let b = CellReference(String(parts.last!)) else { return nil }
        self.init(first: a, last: b)
    }

    public func contains(_ r: CellReference) -> Bool {
        (first.column...last.column).contains(r.column) && (first.row...last.row).contains(r.row)
    }

    public var description: String { first == last ? first.description : "\(first):\(last)" }
}

public enum DisplayWidth {
    /// Columns a text takes in a cell: two for CJK and other wide characters, one for the
    /// rest; the widest line of a text of several lines.
    public static func of(_ text: String) -> Int {
        var widest = 0, current = 0
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                widest = max(widest, current)
                current = 0
                continue
            }
            current += isWide(scalar) ? 2 : 1
        }
        return max(widest, current)
    }

    static func isWide(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

/// Why a workbook cannot be read or written. The cases carry what a message needs; the
/// caller words them (in the user's language).
public enum WorkbookError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A legacy Excel 97–2003 file (BIFF in an OLE2 container).
    case legacyExcel
    /// Not a zip archive, or a damaged one.
    case notAWorkbook(String)
    /// A part the workbook needs is missing.
    case missingPart(String)
    /// A part (or the whole) is bigger, unpacked, than the budget allows.
    case tooLarge(part: String, limit: Int)
    /// A sheet with more rows, columns or cells than the budget allows.
    case sheetTooLarge(sheet: String, limit: Int)
    /// A part whose XML is malformed (line given by the parser).
    case malformedXML(part: String, line: Int, detail: String)
    /// A part with a DOCTYPE (never in a workbook; entities could expand without bound).
    case doctypeRefused(part: String)
    case noSuchSheet(name: String, available: [String])
    case noSheets
    /// A formula cell saved without its value: formulas are never evaluated.
    case formulaWithoutValue(sheet: String, cell: String)
    /// A cell holding an Excel error (`#N/A`, `#DIV/0!`).
    case errorValue(sheet: String, cell: String, value: String)
    /// A cell whose stored value does not fit its type (a number that is not one, a
    /// shared string index out of range, a date serial no date has).
    case badCell(sheet: String, cell: String, detail: String)
    /// A sheet to write with more rows (1,048,576) or columns (16,384) than Excel opens.
    case beyondExcelLimits(sheet: String)

    public var description: String {
        switch self {
        case .legacyExcel: return "a legacy .xls (Excel 97-2003) workbook: save it as .xlsx"
        case .notAWorkbook(let why): return "not an .xlsx workbook (\(why))"
        case .missingPart(let part): return "the workbook has no \(part)"
        case .tooLarge(let part, let limit): return "\(part) unpacks to more than \(limit) bytes"
        case .sheetTooLarge(let sheet, let limit): return "sheet \(sheet) is larger than \(limit) cells"
        case .malformedXML(let part, let line, let detail): return "\(part):\(line): malformed XML (\(detail))"
        case .doctypeRefused(let part): return "\(part) has a DOCTYPE"
        case .noSuchSheet(let name, let available): return "no sheet \(name) (sheets: \(available.joined(separator: ", ")))"
        case .noSheets: return "the workbook has no sheets"
        case .formulaWithoutValue(let sheet, let cell): return "\(sheet)!\(cell): a formula without a saved value"
        case .errorValue(let sheet, let cell, let value): return "\(sheet)!\(cell): the cell holds the error \(value)"
        case .badCell(let sheet, let cell, let detail): return "\(sheet)!\(cell): \(detail)"
        case .beyondExcelLimits(let sheet): return "sheet \(sheet) has more rows or columns than Excel opens"
        }
    }
}
