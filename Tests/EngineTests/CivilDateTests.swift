// CivilDate: day numbers ⇄ year/month/day, calendar-month arithmetic, ages, parsing and
// formatting. The round trip is checked day by day over two centuries and sampled over
// the whole supported range (years 1–9999).

import Engine
import Testing

@Suite struct CivilDateTests {
    @Test func epochAndKnownDays() {
        #expect(CivilDate.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.days(year: 1970, month: 1, day: 2) == 1)
        #expect(CivilDate.days(year: 1969, month: 12, day: 31) == -1)
        #expect(CivilDate.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilDate.days(year: 2019, month: 11, day: 30) == 18_230)
        #expect(CivilDate.days(year: 1, month: 1, day: 1) == -719_162)
    }

    @Test func roundTripDayByDayOverTwoCenturies() {
        let first = CivilDate.days(year: 1900, month: 1, day: 1)
        let last = CivilDate.days(year: 2100, month: 12, day: 31)
        var previous = CivilDate.components(first - 1)
        var failures = 0
        for day in first...last {
            let c = CivilDate.components(day)
            if CivilDate.days(year: c.year, month: c.month, day: c.day) != day { failures += 1 }
            // The next day follows the previous one on the calendar.
            let expected: (Int, Int, Int)
            if previous.day < CivilDate.daysInMonth(year: previous.year, month: previous.month) {
                expected = (previous.year, previous.month, previous.day + 1)
            } else if previous.month < 12 {
                expected = (previous.year, previous.month + 1, 1)
            } else {
                expected = (previous.year + 1, 1, 1)
            }
            if expected != (c.year, c.month, c.day) { failures += 1 }
            previous = c
        }
        #expect(failures == 0)
    }

    @Test func roundTripSampledOverTheWholeRange() {
        let first = CivilDate.days(year: 1, month: 1, day: 1)
        let last = CivilDate.days(year: 9999, month: 12, day: 31)
        var failures: [Int32] = []
        for day in stride(from: first, through: last, by: 97) {
            let c = CivilDate.components(day)
            guard CivilDate.isValid(year: c.year, month: c.month, day: c.day),
                  CivilDate.days(year: c.year, month: c.month, day: c.day) == day,
                  CivilDate.parse(CivilDate.format(day)) == day else {
                failures.append(day)
                continue
            }
        }
        #expect(failures.isEmpty)
        #expect(CivilDate.format(first) == "0001-01-01")
        #expect(CivilDate.format(last) == "9999-12-31")
    }

    @Test func leapYears() {
        #expect(CivilDate.isLeap(2020))
        #expect(CivilDate.isLeap(2000))
        #expect(!CivilDate.isLeap(1900))
        #expect(!CivilDate.isLeap(2019))
        #expect(CivilDate.daysInMonth(year: 2020, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2019, month: 2) == 28)
        #expect(CivilDate.daysInMonth(year: 2019, month: 4) == 30)
        #expect(CivilDate.daysInMonth(year: 2019, month: 12) == 31)
    }

    struct MonthCase: Sendable, CustomStringConvertible {
        let from: String
        let months: Int
        let to: String
        var description: String { "\(from) + \(months) months" }
    }

    static let monthCases: [MonthCase] = [
        .init(from: "2019-12-31", months: 2, to: "2020-02-29"),
        .init(from: "2019-01-31", months: 1, to: "2019-02-28"),
        .init(from: "2020-01-31", months: 1, to: "2020-02-29"),
        .init(from: "2019-03-31", months: -1, to: "2019-02-28"),
        .init(from: "2019-11-30", months: -2, to: "2019-09-30"),
        .init(from: "2019-05-15", months: 12, to: "2020-05-15"),
        .init(from: "2019-05-15", months: -17, to: "2017-12-15"),
        .init(from: "2000-02-29", months: 12, to: "2001-02-28"),
        .init(from: "2019-10-31", months: 1, to: "2019-11-30"),
        .init(from: "2019-05-15", months: 0, to: "2019-05-15"),
        .init(from: "2019-01-01", months: -1, to: "2018-12-01"),
        .init(from: "2019-12-01", months: 1, to: "2020-01-01"),
        .init(from: "0001-03-31", months: -1, to: "0001-02-28"),
    ]

    @Test(arguments: monthCases)
    func addingMonths(_ c: MonthCase) throws {
        let from = try #require(CivilDate.parse(c.from))
        #expect(CivilDate.format(CivilDate.addingMonths(from, c.months)) == c.to)
    }

    @Test func fullYears() throws {
        func age(_ birth: String, _ on: String) throws -> Int {
            CivilDate.fullYears(from: try #require(CivilDate.parse(birth)), to: try #require(CivilDate.parse(on)))
        }
        #expect(try age("2010-03-15", "2019-03-14") == 8)
        #expect(try age("2010-03-15", "2019-03-15") == 9)
        #expect(try age("2010-03-15", "2019-11-30") == 9)
        #expect(try age("2008-02-29", "2019-02-28") == 10)
        #expect(try age("2008-02-29", "2019-03-01") == 11)
        #expect(try age("2008-02-29", "2020-02-29") == 12)
        #expect(try age("2019-11-30", "2019-11-30") == 0)
        #expect(try age("2019-12-01", "2019-11-30") == -1)
    }

    @Test func monthsBetween() throws {
        func months(_ a: String, _ b: String) throws -> Int {
            CivilDate.monthsBetween(try #require(CivilDate.parse(a)), try #require(CivilDate.parse(b)))
        }
        #expect(try months("2019-05-25", "2019-11-30") == 6)
        #expect(try months("2019-05-31", "2019-06-30") == 0)
        #expect(try months("2019-05-15", "2019-07-15") == 2)
        #expect(try months("2019-07-15", "2019-05-15") == -2)
        #expect(try months("2019-05-15", "2019-05-15") == 0)
    }

    static let accepted: [(String, String)] = [
        ("2019-05-15", "2019-05-15"),
        ("2019-05", "2019-05-01"),
        ("2020-02-29", "2020-02-29"),
        ("0001-01-01", "0001-01-01"),
        ("9999-12-31", "9999-12-31"),
        ("2019-12", "2019-12-01"),
    ]

    @Test func parseAccepts() {
        for (text, expected) in Self.accepted {
            #expect(CivilDate.parse(text).map(CivilDate.format) == expected, "\(text)")
        }
    }

    static let rejected = [
        "2019-02-30", "2019-13-01", "2019-00-10", "2019-04-31", "2019-02-29", "2019-05-00", "2019-13",
        "2019-00", "0000-01-01", "2019-1-01", "2019-01-1", "20190515", "2019/05/15", "2019-05-15 ",
        " 2019-05-15", "2019-05-15-", "02019-05-15", "2019-05-155", "abc", "", "-", "2019", "2019-",
        "2019--05", "１９９９-01-01", "2019-05-15T00:00", "2019-+5-15",
    ]

    @Test(arguments: rejected)
    func parseRejects(_ text: String) {
        #expect(CivilDate.parse(text) == nil)
    }

    @Test func parseMonthOnlyWhenAllowed() {
        #expect(CivilDate.parse("2019-05", allowMonth: false) == nil)
        #expect(CivilDate.parse("2019-05-02", allowMonth: false) == CivilDate.days(year: 2019, month: 5, day: 2))
        #expect(CivilDate.parse(Array("2019-05".utf8)[...], allowMonth: true) == CivilDate.days(year: 2019, month: 5, day: 1))
    }

    @Test func format() {
        #expect(CivilDate.format(0) == "1970-01-01")
        #expect(CivilDate.format(CivilDate.days(year: 987, month: 6, day: 5)) == "0987-06-05")
        #expect(CivilDate.format(CivilDate.days(year: 2019, month: 11, day: 30)) == "2019-11-30")
    }
}
