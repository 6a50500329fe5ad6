// Calendar arithmetic on dates stored as whole days since 1970-01-01 (proleptic Gregorian).
// Dates in MQL have no time of day and no time zone, so an Int32 day number is the whole
// value; this file converts between day numbers and year/month/day and adds calendar months.
// It does not parse or print: see `CivilDate.parse` callers in the loader and the lexer.

public enum CivilDate {
    /// 0001-01-01 and 9999-12-31: the dates MQL holds.
    public static let earliest = days(year: 1, month: 1, day: 1)
    public static let latest = days(year: 9999, month: 12, day: 31)

    /// Day number for a year/month/day (Howard Hinnant's days_from_civil).
    public static func days(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int32(era * 146097 + doe - 719468)
    }

    /// Year, month, day of a day number (civil_from_days).
    public static func components(_ days: Int32) -> (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        (1...9999).contains(year) && (1...12).contains(month)
            && day >= 1 && day <= daysInMonth(year: year, month: month)
    }

    /// Adds calendar months, clamping the day to the end of the target month
    /// (2019-12-31 + 2 months = 2020-02-29).
    public static func addingMonths(_ days: Int32, _ months: Int) -> Int32 {
        let (y, m, d) = components(days)
        let total = y * 12 + (m - 1) + months
        let ny = total >= 0 ? total / 12 : (total - 11) / 12
        let nm = total - ny * 12 + 1
        return self.days(year: ny, month: nm, day: min(d, daysInMonth(year: ny, month: nm)))
    }

    /// Full calendar months from `from` to `to` (negative when `to` is earlier).
    public static func monthsBetween(_ from: Int32, _ to: Int32) -> Int {
        if to < from { return -monthsBetween(to, from) }
        let a = components(from), b = components(to)
        var months = (b.year - a.year) * 12 + (b.month - a.month)
        if b.day < a.day { months -= 1 }
        return max(months, 0)
    }

    /// Full years from `birth` to `on` — a person's age.
    public static func fullYears(from birth: Int32, to on: Int32) -> Int {
        let a = components(birth), b = components(on)
        var years = b.year - a.year
        if (b.month, b.day) < (a.month, a.day) { years -= 1 }
        return years
    }

    /// `YYYY-MM-DD`, or `YYYY-MM` meaning the 1st when `allowMonth`; nil when malformed or invalid.
    public static func parse<S: Collection>(_ text: S, allowMonth: Bool = true) -> Int32? where S.Element == UInt8 {
        let count = text.count
        guard count == 10 || (allowMonth && count == 7) else { return nil }
        var y = 0, m = 0, d = 0
        for (i, byte) in text.enumerated() {
            if i == 4 || i == 7 {
                guard byte == 0x2D else { return nil }
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let digit = Int(byte - 0x30)
            if i < 4 { y = y * 10 + digit } else if i < 7 { m = m * 10 + digit } else { d = d * 10 + digit }
        }
        if count == 7 { d = 1 }
        return isValid(year: y, month: m, day: d) ? days(year: y, month: m, day: d) : nil
    }

    public static func parse(_ text: String, allowMonth: Bool = true) -> Int32? {
        parse(Array(text.utf8), allowMonth: allowMonth)
    }

    /// `YYYY-MM-DD`.
    public static func format(_ days: Int32) -> String {
        let (y, m, d) = components(days)
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}
