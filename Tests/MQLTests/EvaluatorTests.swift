// The evaluator, table-driven: queries on a small hand-made dataset whose answers are
// worked out by hand (see `Fixtures.small`), and on the shipped example dataset. Covers
// null semantics, text matching, ranges, dates, ordering (pinyin, nulls last, ties in key
// order), grouping and aggregates, subqueries, reverse references, navigation, `count`,
// and the names of select columns.

import Engine
import Foundation
@testable import MQL
import Testing

struct QueryCase: Sendable, CustomStringConvertible {
    let query: String
    let expected: [String]
    let note: String
    init(_ query: String, _ expected: [String], _ note: String = "") {
        self.query = query
        self.expected = expected
        self.note = note
    }
    var description: String { note.isEmpty ? query : "\(note): \(query)" }
}

struct ValueCase: Sendable, CustomStringConvertible {
    let expression: String
    let expected: String
    init(_ expression: String, _ expected: String) {
        self.expression = expression
        self.expected = expected
    }
    var description: String { expression }
}

struct CountCase: Sendable, CustomStringConvertible {
    let statement: String
    let expected: Int
    let note: String
    init(_ statement: String, _ expected: Int, _ note: String = "") {
        self.statement = statement
        self.expected = expected
        self.note = note
    }
    var description: String { note.isEmpty ? statement : "\(note): \(statement)" }
}

@Suite struct EvaluatorSmallTests {
    static let queries: [QueryCase] = [
        // Null semantics.
        QueryCase("children where household_income > 500 select id", ["1", "2", "5"], "null compares false"),
        QueryCase("children where not (household_income > 500) select id", ["3", "4"], "not of false is true"),
        QueryCase("children where household_income = null select id", [], "= null is false"),
        QueryCase("children where household_income != null select id", [], "!= null is false"),
        QueryCase("children where household_income != 1000 select id", ["2", "4", "5"], "!= skips null"),
        QueryCase("children where household_income is null select id", ["3"]),
        QueryCase("children where household_income is not null select id", ["1", "2", "4", "5"]),
        QueryCase("children where id = 3 select household_income + 1, household_income * 2, household_income / 2, -household_income", ["null | null | null | null"], "arithmetic with null"),
        QueryCase("children where household_income * 0 = 0 select id", ["1", "2", "4", "5"]),
        QueryCase("children where gender != \"男\" select id", ["2", "5"], "null gender is neither"),
        QueryCase("children where not (gender = \"男\") select id", ["2", "3", "5"]),
        QueryCase("children where name in [] select id", [], "x in [] is false"),
        QueryCase("children where not (name in []) select id", ["1", "2", "3", "4", "5"]),
        QueryCase("children where gender in [\"男\", null] select id", ["1", "4"], "null in a list matches nothing"),
        QueryCase("children where gender not in [\"男\"] select id", ["2", "5"], "not in is false for null"),
        QueryCase("children where \"低保\" in tags select id", ["1", "4", "5"]),
        QueryCase("children where tags contains \"单亲\" select id", ["1"]),
        QueryCase("children where \"x\" in tags or len(tags) = 0 select id", ["2"], "the empty set holds nothing"),
        QueryCase("children select id, len(tags), len(name) order by id", ["1 | 2 | 3", "2 | 0 | 2", "3 | 1 | 2", "4 | 1 | 2", "5 | 2 | 2"], "len of sets and CJK text"),
        // Text matching.
        QueryCase("children where name like \"王%\" select id", ["1", "2"]),
        QueryCase("children where name like \"王_\" select id", ["2"], "_ is one CJK character"),
        QueryCase("children where name like \"王__\" select id", ["1"]),
        QueryCase("children where name like \"%三\" select id", ["4"]),
        QueryCase("children where name like \"%\" select id", ["1", "2", "3", "4", "5"]),
        QueryCase("children where name like \"王\" select id", [], "like matches the whole text"),
        QueryCase("children where name like \"_\" select id", []),
        QueryCase("children where name not like \"王%\" select id", ["3", "4", "5"]),
        QueryCase("children where name contains \"小\" select id", ["1"]),
        QueryCase("children where address like \"%布吉%\" select id", ["1"]),
        QueryCase("children where guardian like \"王_\" or guardian like \"%母\" select id", ["2", "5"]),
        // Ranges.
        QueryCase("children where household_income between 1000 and 1500 select id", ["1", "5"], "between is inclusive"),
        QueryCase("children where household_income not between 1000 and 1500 select id", ["2", "4"], "not between skips null"),
        QueryCase("children where birth between 2010-03-15 and 2012-07 select id", ["1", "2"]),
        QueryCase("children where birth between 2012-07 and 2010-03-15 select id", [], "an inverted range is empty"),
        QueryCase("children where registered >= 2019-05-03 select id", ["3", "4", "5"]),
        // Dates and ages.
        QueryCase("children select id, age order by id", ["1 | 9", "2 | 7", "3 | null", "4 | 11", "5 | 4"], "age in full years; a birthday today counts"),
        QueryCase("children where birth + 10 years <= today() select id", ["4"]),
        QueryCase("children where id = 1 select birth + 1 month, birth - 2 weeks, today() - birth", ["2010-04-15 | 2010-03-01 | 3547"]),
        // Ordering.
        QueryCase("children select id order by household_income", ["4", "1", "5", "2", "3"], "nulls last ascending"),
        QueryCase("children select id order by household_income desc", ["2", "5", "1", "4", "3"], "nulls last descending"),
        QueryCase("children select id, status order by status", ["4 | 不通过", "2 | 待审核", "1 | 已审核", "3 | 已审核", "5 | null"], "pinyin; ties in id order"),
        QueryCase("children select id order by status desc", ["1", "3", "2", "4", "5"], "ties keep id order descending too"),
        QueryCase("children select id order by name", ["5", "3", "2", "1", "4"], "pinyin: chen li wang(fang) wang(xiaoming) zhang"),
        QueryCase("children select id order by gender, id desc", ["4", "1", "5", "2", "3"]),
        QueryCase("children select id order by street", ["4", "1", "3", "2", "5"], "a reference sorts by its key order"),
        QueryCase("children select id, household_income as inc order by inc desc limit 2", ["2 | 2000", "5 | 1500"], "order by a select name"),
        QueryCase("children select id order by birth limit 2 offset 1", ["1", "2"]),
        QueryCase("children select id order by id limit 0", []),
        QueryCase("children select id order by id offset 4", ["5"]),
        QueryCase("children select id order by id offset 10", []),
        QueryCase("streets select name order by quota desc", ["布吉", "平湖", "坂田"]),
        QueryCase("streets select name", ["坂田", "布吉", "平湖"], "key order is pinyin"),
        QueryCase("communities select street, name", ["布吉 | 凤凰", "布吉 | 可园", "平湖 | 凤凰"]),
        // Grouping and aggregates.
        QueryCase("children group by street select street, count() as n, sum(household_income), avg(household_income), min(birth), max(birth)",
                  ["坂田 | 1 | 0 | 0 | 2008-11-30 | 2008-11-30", "布吉 | 2 | 1000 | 1000 | 2010-03-15 | 2010-03-15", "平湖 | 2 | 3500 | 1750 | 2012-07-01 | 2015-01-01"]),
        QueryCase("children where id > 100 select count(), sum(household_income), avg(household_income), min(birth), max(birth)",
                  ["0 | 0 | null | null | null"], "aggregates over no rows"),
        QueryCase("children where id = 3 select count(), count(household_income), sum(household_income), avg(household_income), min(household_income)",
                  ["1 | 0 | 0 | null | null"], "aggregates over only nulls"),
        QueryCase("children group by gender select gender, count()", ["男 | 2", "女 | 2", "null | 1"], "a null key is its own group, last"),
        QueryCase("children group by gender select gender, count() as n order by n, gender desc", ["null | 1", "女 | 2", "男 | 2"]),
        QueryCase("children group by street select street, street.quota, count() order by count() desc, street", ["布吉 | 5 | 2", "平湖 | 3 | 2", "坂田 | null | 1"]),
        QueryCase("children select count(), min(name), max(name), sum(household_size), avg(household_size)", ["5 | 陈红 | 张三 | 14 | 3.5"], "text min/max by pinyin"),
        QueryCase("children group by status select status, count() order by status", ["不通过 | 1", "待审核 | 1", "已审核 | 2", "null | 1"]),
        QueryCase("children group by street, gender select street, gender, count()", ["坂田 | 男 | 1", "布吉 | 男 | 1", "布吉 | null | 1", "平湖 | 女 | 2"]),
        QueryCase("pairings group by active select active, count()", ["false | 1", "true | 2"]),
        // Subqueries, reverse references, navigation.
        QueryCase("children where id in (pairings where until is not null select child) select id", ["2", "3"]),
        QueryCase("children where id not in (pairings select child) select id", ["4", "5"]),
        QueryCase("children where exists(pairings) select id", ["1", "2", "3"]),
        QueryCase("children where unpaired select id", ["3", "4", "5"]),
        QueryCase("children where count(pairings where active) = 0 and exists(pairings) select id", ["3"]),
        QueryCase("streets select name, count(children) as n, count(communities), count(mothers)", ["坂田 | 1 | 0 | 0", "布吉 | 2 | 2 | 1", "平湖 | 2 | 1 | 1"]),
        QueryCase("streets select name, count(children where status = \"已审核\") as approved, approved as again", ["坂田 | 0 | 0", "布吉 | 2 | 2", "平湖 | 0 | 0"]),
        QueryCase("communities select name, street, count(children), count(mothers)", ["凤凰 | 布吉 | 1 | 0", "可园 | 布吉 | 1 | 0", "凤凰 | 平湖 | 2 | 1"]),
        QueryCase("pairings select id, child.street.quota, mother.name, child.community.street", ["1 | 5 | 苏颖 | 布吉", "2 | 5 | 冯桂英 | 布吉", "3 | 3 | 黄丽 | 平湖"]),
        QueryCase("pairings where child.street = \"布吉\" select id", ["1", "2"]),
        QueryCase("pairings where child = 3 or mother = 3 select id", ["2", "3"]),
        QueryCase("children where community = \"凤凰\" select id", ["1", "2", "5"], "both 凤凰"),
        QueryCase("children where street = \"平湖\" and community = \"凤凰\" select id", ["2", "5"]),
        QueryCase("children where street = \"不存在\" select id", []),
        QueryCase("children where count(children where street = outer.street) > 1 select id", ["1", "2", "3", "5"], "outer"),
        QueryCase("children where exists(children where id != outer.id and name like \"王%\" and outer.name like \"王%\") select id", ["1", "2"]),
        QueryCase("mothers select id, count(pairings), paired order by id", ["1 | 1 | true", "2 | 1 | false", "3 | 1 | true"]),
        QueryCase("children where id = 1 select pairings, (pairings select mother)", ["[1] | [1]"], "rows show as their keys"),
        QueryCase("pairings select id, max(visits select date), count(visits where kind = \"家访\")", ["1 | 2019-11-01 | 1", "2 | null | 0", "3 | 2019-10-01 | 0"]),
        QueryCase("streets where name = \"布吉\" select sum(children select household_size), avg(children select household_income), min(children select birth)", ["8 | 1000 | 2010-03-15"]),
        QueryCase("children where id = 1 select this, street, community", ["1 | 布吉 | 凤凰"]),
        // The shipped rules on these rows.
        QueryCase("pairings select id, active, last_home_visit, overdue order by id", ["1 | true | 2019-09-30 | false", "2 | false | null | false", "3 | true | null | true"], "a visit exactly on today − 2 months is in time; online contact does not count"),
        QueryCase("children where eligible select id", ["1", "4", "5"]),
        QueryCase("children select id, unknown_tags order by id", ["1 | []", "2 | []", "3 | []", "4 | []", "5 | []"]),
        // Personal data is compared unmasked.
        QueryCase("children where guardian_phone = \"13812345678\" select id", ["1"]),
    ]

    @Test(arguments: queries)
    func query(_ c: QueryCase) throws {
        let session = try Fixtures.smallSession()
        #expect(try session.rows(c.query) == c.expected)
    }

    static let values: [ValueCase] = [
        ValueCase("7 / 2", "3.5"),
        ValueCase("1 / 3", "0.3333333333"),
        ValueCase("7 / 0", "null"),
        ValueCase("6 / 3", "2"),
        ValueCase("1 + 2 * 3", "7"),
        ValueCase("(1 + 2) * 3", "9"),
        ValueCase("10 - 2 - 3", "5"),
        ValueCase("-3 + 1", "-2"),
        ValueCase("2.5 * 2", "5"),
        ValueCase("1 + null", "null"),
        ValueCase("null * 2", "null"),
        ValueCase("null = null", "false"),
        ValueCase("null != null", "false"),
        ValueCase("not (null = 1)", "true"),
        ValueCase("null is null", "true"),
        ValueCase("1 < 2 and 2 < 3", "true"),
        ValueCase("\"a\" in []", "false"),
        ValueCase("\"a\" in [\"a\", \"b\"]", "true"),
        ValueCase("2 in [1, 2.0]", "true"),
        ValueCase("\"布吉街道\" contains \"吉街\"", "true"),
        ValueCase("\"王小明\" like \"王%\"", "true"),
        ValueCase("\"100%\" like \"100%\"", "true"),
        ValueCase("len(\"布吉街道\")", "4"),
        ValueCase("len(\"\")", "0"),
        ValueCase("len([\"a\", \"b\", \"c\"])", "3"),
        ValueCase("lower(\"ABC\")", "abc"),
        ValueCase("coalesce(null, 2, 3)", "2"),
        ValueCase("\"布\" + \"吉\"", "布吉"),
        ValueCase("today()", "2019-11-30"),
        ValueCase("today() - 2 months", "2019-09-30"),
        ValueCase("2019-12-31 + 2 months", "2020-02-29"),
        ValueCase("2019-03-31 - 1 month", "2019-02-28"),
        ValueCase("2020-02-29 + 1 year", "2021-02-28"),
        ValueCase("2019-01-01 + 1 week", "2019-01-08"),
        ValueCase("2019-01-01 + 10 days", "2019-01-11"),
        ValueCase("2 days + 2019-01-01", "2019-01-03"),
        ValueCase("2019-01-31 - 3 days", "2019-01-28"),
        ValueCase("2019-11-30 - 2019-05-25", "189"),
        ValueCase("2019-05-25 - 2019-11-30", "-189"),
        ValueCase("2020-03-01 - 2020-02-01", "29"),
        ValueCase("2019-05 = 2019-05-01", "true"),
        ValueCase("age(2010-03-15)", "9"),
        ValueCase("age(2008-11-30)", "11"),
        ValueCase("months_between(2019-05-25, 2019-11-30)", "6"),
        ValueCase("year(2019-05-15) + month(2019-05-15) + day(2019-05-15)", "2039"),
        ValueCase("2019-05-15 between 2019-05 and 2019-06", "true"),
        ValueCase("3 between 3 and 3", "true"),
        ValueCase("null between 1 and 2", "false"),
    ]

    @Test(arguments: values)
    func value(_ c: ValueCase) throws {
        let session = try Fixtures.smallSession()
        #expect(try session.value(c.expression) == c.expected)
    }

    static let counts: [CountCase] = [
        CountCase("count children", 5),
        CountCase("count children where street = \"布吉\"", 2),
        CountCase("count children where household_income > 500", 3),
        CountCase("count children limit 2", 2),
        CountCase("count children group by street select street", 3, "count of a grouped query counts groups"),
        CountCase("count children where id > 100", 0),
        CountCase("count pairings where overdue", 1),
        CountCase("count mothers where unpaired", 1),
    ]

    @Test(arguments: counts)
    func count(_ c: CountCase) throws {
        let session = try Fixtures.smallSession()
        #expect(try session.count(c.statement) == c.expected)
    }

    static let columnNames: [(String, [String])] = [
        ("children select name as n, guardian as g, pairings", ["n", "g", "pairings"]),
        ("pairings select mother.name, child.street.quota, id", ["mother.name", "child.street.quota", "id"]),
        ("children select count(pairings   where active)", ["count(pairings where active)"]),
        ("children select household_size   *   2, len( tags )", ["household_size * 2", "len( tags )"]),
        ("children select count(pairings\n    where active)", ["count(pairings where active)"]),
        ("children group by street select street, count()", ["street", "count()"]),
        ("children select  count() ,  max(birth)", ["count()", "max(birth)"]),
        ("children select “x” + name", ["“x” + name"]),
        ("children where id = 1", ["id", "name", "gender", "birth", "street", "community", "guardian", "guardian_phone", "address", "tags", "reason",
                                   "household_size", "household_income", "medical_cost", "status", "review", "registered"]),
        ("visits", ["id", "pairing", "date", "kind", "note"]),
        ("streets", ["name", "quota", "liaison", "liaison_phone"]),
    ]

    @Test func columnNaming() throws {
        let session = try Fixtures.smallSession()
        for (query, names) in Self.columnNames {
            #expect(try session.columnNames(query) == names, "\(query)")
        }
        #expect(try session.one("1 + 2") == .value(.int(3), ResultColumn(name: "1 + 2", type: .int)))
    }

    @Test func resultTypesAndMasking() throws {
        let session = try Fixtures.smallSession()
        let r = try session.result("children where id = 1 select id, name, birth, tags, guardian_phone, address, household_income / 2, street")
        #expect(r.columns.map(\.type) == [.int, .text, .date, .textSet, .text, .text, .number, .row("streets")])
        #expect(r.columns.map(\.masking) == [.none, .none, .none, .none, .phone, .address, .none, .none])
        #expect(r.rows == [[.int(1), .text("王小明"), .date(CivilDate.days(year: 2010, month: 3, day: 15)), .set(["低保", "单亲"]),
                            .text("13812345678"), .text("龙岗区布吉街道凤凰社区1号"), .number(500), .text("布吉")]])
        #expect(Masking.apply(.phone, to: "13812345678") == "138****5678")
        #expect(Masking.apply(.address, to: "龙岗区布吉街道凤凰社区1号") == "龙岗区布****")
    }

    @Test func statementsAfterAFailureDoNotRun() throws {
        let session = try Fixtures.smallSession()
        let outcomes = session.run("count children\nchildren where nosuch = 1\ncount streets")
        #expect(outcomes.count == 2)
        let all = session.run("count children\nchildren where nosuch = 1\ncount streets", keepGoing: true)
        #expect(all.count == 3)
        if case .success(.count(let n)) = all[2] { #expect(n == 3) } else { Issue.record("third statement did not run") }
    }

    @Test func definesAndParamsInASession() throws {
        let session = try Fixtures.smallSession()
        _ = try session.one("define children.big = household_size >= 4")
        #expect(try session.rows("children where big select id") == ["3", "4"])
        #expect(try session.count("count pairings where overdue") == 1)
        try session.setParam("visit_interval", "3 months")
        #expect(try session.count("count pairings where overdue") == 0)
        try session.setParam("visit_interval", "1 month")
        #expect(try session.count("count pairings where overdue") == 2)
        #expect(throws: (any Error).self) { try session.setParam("nosuch", "1") }
        #expect(throws: (any Error).self) { try session.setParam("visit_interval", "\"abc\"") }
    }
}

@Suite struct EvaluatorExampleTests {
    @Test func streetsInPinyinOrder() throws {
        let session = try Fixtures.exampleSession()
        let pinyin = ["坂田", "宝龙", "布吉", "横岗", "吉华", "龙城", "龙岗", "南湾", "平湖", "坪地", "园山"]
        #expect(try session.rows("streets select name") == pinyin)
        #expect(try session.rows("streets select name order by name") == pinyin)
        #expect(try session.rows("streets select name order by name desc") == pinyin.reversed())
        #expect(try session.rows("children group by street select street") == pinyin)
    }

    @Test func countsMatchTheFiles() throws {
        let session = try Fixtures.exampleSession()
        for (collection, lines) in [("streets", 11), ("communities", 100), ("children", 180), ("mothers", 162), ("pairings", 107), ("visits", 872)] {
            #expect(try session.count("count \(collection)") == lines, "\(collection)")
        }
    }

    /// Counts worked out from the CSV files by a separate script.
    static let counts: [CountCase] = [
        CountCase("count children where street = \"布吉\"", 25),
        CountCase("count children where status = \"已审核\"", 143),
        CountCase("count children where \"低保\" in tags", 43),
        CountCase("count children where birth is null", 0),
        CountCase("count pairings where until is null", 99),
        CountCase("count visits where kind = \"家访\"", 381),
        CountCase("count mothers where level = \"社区\"", 98),
        CountCase("count children where unpaired", 81),
        CountCase("count children where street = \"布吉\" and unpaired", 17),
    ]

    @Test(arguments: counts)
    func count(_ c: CountCase) throws {
        let session = try Fixtures.exampleSession()
        #expect(try session.count(c.statement) == c.expected)
    }

    /// Queries on the example data against the same answer computed in Swift from rows.
    @Test func queriesAgreeWithBruteForce() throws {
        let session = try Fixtures.exampleSession()
        let all = try session.result("children select id, name, community, age, tags, street, status")
        func int(_ v: Value) -> Int? { if case .int(let i) = v { return i } else { return nil } }
        func tags(_ v: Value) -> [String] { if case .set(let s) = v { return s } else { return [] } }
        // where + order by desc + ties by id + limit
        let expected = all.rows
            .filter { row in (int(row[3]).map { (6...12).contains($0) } ?? false) && tags(row[4]).contains("低保") }
            .sorted { (int($0[3])!, -int($0[0])!) > (int($1[3])!, -int($1[0])!) }
            .prefix(5)
            .map { [$0[1], $0[2], $0[3]].map(show).joined(separator: " | ") }
        #expect(try session.rows(specQueries[1]) == Array(expected))
        // group by with count, ordered by count desc, ties by key order
        var perStreet: [String: Int] = [:]
        for row in all.rows { perStreet[show(row[5]), default: 0] += 1 }
        let streetOrder = try session.rows("streets select name")
        let grouped = streetOrder.filter { perStreet[$0] != nil }
            .enumerated().sorted { (perStreet[$0.element]!, -$0.offset) > (perStreet[$1.element]!, -$1.offset) }
            .map { "\($0.element) | \(perStreet[$0.element]!)" }
        #expect(try session.rows(specQueries[2]) == grouped)
        // a subquery per street
        var approved: [String: Int] = [:]
        for row in all.rows where row[6] == .text("已审核") { approved[show(row[5]), default: 0] += 1 }
        let perStreetApproved = try session.rows("streets select name, count(children where status = \"已审核\")")
        #expect(perStreetApproved == streetOrder.map { "\($0) | \(approved[$0] ?? 0)" })
        #expect(try session.rows("streets select name, approved") == perStreetApproved)
    }

    @Test func namesSortInPinyinOrder() throws {
        let session = try Fixtures.exampleSession()
        let names = try session.rows("children select name order by name")
        let locale = Locale(identifier: "zh_CN")
        for (a, b) in zip(names, names.dropFirst()) {
            #expect(a.compare(b, locale: locale) != .orderedDescending, "\(a) before \(b)")
        }
        let desc = try session.rows("mothers select name order by name desc")
        for (a, b) in zip(desc, desc.dropFirst()) {
            #expect(a.compare(b, locale: locale) != .orderedAscending, "\(a) before \(b)")
        }
    }

    @Test func nullsLastAndTiesInKeyOrderOnExampleData() throws {
        let session = try Fixtures.exampleSession()
        let asc = try session.result("children select id, household_income order by household_income")
        let desc = try session.result("children select id, household_income order by household_income desc")
        for r in [asc, desc] {
            let incomes = r.rows.map { $0[1] }
            let firstNull = incomes.firstIndex(of: .null) ?? incomes.count
            #expect(incomes[firstNull...].allSatisfy { $0 == .null }, "nulls last")
            // Within equal incomes, ids ascend.
            for i in 1..<r.rows.count where r.rows[i][1] == r.rows[i - 1][1] {
                guard case .int(let a) = r.rows[i - 1][0], case .int(let b) = r.rows[i][0] else { continue }
                #expect(a < b)
            }
        }
    }
}
