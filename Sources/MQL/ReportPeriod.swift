// Report periods of the bi-monthly report (the cycle contract, §1, 四(四)). A period is named by its
// due month, an even month written `YYYY-MM`; the report is due on the 25th of it. Its
// window — the work it reports — runs from the 26th of month P−2 to the 25th of P, both
// inclusive, so consecutive windows neither overlap nor leave gaps; the first window starts
// at the programme's start (param `programme_start`) instead.

import Engine

public struct ReportPeriod: Equatable, Sendable {
    public let year: Int
    public let month: Int

    /// The day reports are due on, and the last day of a window.
    public static let dueDay = 25

    /// Parses `YYYY-MM` with an even month; nil for anything else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
              bytes.enumerated().allSatisfy({ $0.offset == 4 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) }) else { return nil }
        let digits = bytes.map { Int($0) - Int(UInt8(ascii: "0")) }
        let year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
        let month = digits[5] * 10 + digits[6]
        guard year >= 1, (1...12).contains(month), month % 2 == 0 else { return nil }
        self.year = year
        self.month = month
    }

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// Why `text` is not a period, in the user's language.
    public static func problem(_ text: String) -> String {
        MessageID.badPeriod(text)
    }

    public var text: String {
        let y = String(year), m = String(month)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + (m.count < 2 ? "0" : "") + m
    }

    /// The 25th of the due month.
    public var due: Int32 { CivilDate.days(year: year, month: month, day: Self.dueDay) }

    /// The 26th of month P−2, or `programmeStart` when that is later (the first window).
    public func windowStart(programmeStart: Int32?) -> Int32 {
        let start = CivilDate.days(year: month > 2 ? year : year - 1, month: month > 2 ? month - 2 : month + 10, day: Self.dueDay + 1)
        guard let programmeStart, programmeStart > start, programmeStart <= due else { return start }
        return programmeStart
    }

    /// The period whose window holds `date`: a date after the 25th belongs to the next
    /// month's count, and an odd month to the even month after it.
    public static func containing(_ date: Int32) -> ReportPeriod {
        let c = CivilDate.components(date)
        var year = c.year, month = c.month
        if c.day > dueDay { month += 1 }
        if month % 2 == 1 { month += 1 }
        if month > 12 { month -= 12; year += 1 }
        return ReportPeriod(year: year, month: month)
    }

    /// The period before this one.
    public var previous: ReportPeriod {
        month > 2 ? ReportPeriod(year: year, month: month - 2) : ReportPeriod(year: year - 1, month: 12)
    }

    /// The periods of a calendar year: 02, 04, …, 12.
    public static func ofYear(_ year: Int) -> [ReportPeriod] {
        stride(from: 2, through: 12, by: 2).map { ReportPeriod(year: year, month: $0) }
    }
}
