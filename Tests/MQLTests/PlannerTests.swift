// The planner: for many generated conjunctions (indexable conditions on text, references,
// lists, sets, int and date ranges, mixed with conditions no index serves), the rows found
// with indexes equal the rows of a full scan — on the example data and on a generated
// dataset. Plus golden `plan` and `explain` output.

import Engine
import Foundation
@testable import MQL
import Testing

/// Conditions over one collection, built from the values found in a store.
struct ConditionPool {
    let conditions: [String: [String]]

    init(store: Store, rng: inout SplitMix) {
        func texts(_ collection: String, _ column: String) -> [String] {
            guard case .text(let c)? = store.table(collection)?.column(named: column) else { return [] }
            return c.dictionary.values
        }
        func setValues(_ collection: String, _ column: String) -> [String] {
            guard case .textSet(let c)? = store.table(collection)?.column(named: column) else { return [] }
            return c.dictionary.values
        }
        func keys(_ collection: String) -> [String] {
            guard let t = store.table(collection) else { return [] }
            return (0..<t.rowCount).map { t.keyText(row: $0) }
        }
        func q(_ s: String) -> String { Printer.quote(s) }
        func some(_ values: [String], _ extra: [String] = ["不存在"]) -> [String] {
            var out = extra
            for _ in 0..<6 where !values.isEmpty { out.append(rng.pick(values)) }
            return out
        }
        func list(_ values: [String]) -> String {
            "[" + (0..<(1 + rng.below(3))).map { _ in q(rng.pick(values)) }.joined(separator: ", ") + "]"
        }
        func int(_ lo: Int, _ hi: Int) -> Int { lo + rng.below(hi - lo + 1) }
        func date(_ fromYear: Int, _ toYear: Int) -> String {
            CivilDate.format(CivilDate.days(year: int(fromYear, toYear), month: int(1, 12), day: int(1, 28)))
        }
        let ops = ["=", "!=", "<", "<=", ">", ">="]
        let streets = some(keys("streets"))
        let communities = some(texts("communities", "name"))
        let names = some(texts("children", "name"))
        let tags = some(setValues("children", "tags"), ["不存在", "低保", "单亲"])
        let children = store.table("children")?.rowCount ?? 1
        let mothers = store.table("mothers")?.rowCount ?? 1
        let pairings = store.table("pairings")?.rowCount ?? 1
        var c: [String: [String]] = [:]
        c["children"] = (0..<40).map { i -> String in
            switch i % 20 {
            case 0: return "street = \(q(rng.pick(streets)))"
            case 1: return "\(q(rng.pick(streets))) = street"
            case 2: return "community = \(q(rng.pick(communities)))"
            case 3: return "name = \(q(rng.pick(names)))"
            case 4: return "status in \(list(["已审核", "待审核", "不通过", "x"]))"
            case 5: return "\(q(rng.pick(tags))) in tags"
            case 6: return "tags contains \(q(rng.pick(tags)))"
            case 7: return "household_size between \(int(0, 4)) and \(int(2, 8))"
            case 8: return "household_income \(rng.pick(ops)) \(int(0, 5000))"
            case 9: return "birth \(rng.pick(ops)) \(date(2003, 2018))"
            case 10: return "registered between \(date(2018, 2019)) and \(date(2019, 2020))"
            case 11: return "id \(rng.pick(ops)) \(int(0, children + 5))"
            case 12: return "street in \(list(streets))"
            case 13: return "gender = \(q(rng.pick(["男", "女"])))"
            case 14: return "\(int(0, 9)) < household_size"
            case 15: return "not (household_income > \(int(0, 3000)))"
            case 16: return rng.pick(["unpaired", "eligible", "age > \(int(3, 15))", "len(tags) >= 2", "name like \"王%\"", "household_income is null",
                                      "street = null", "household_income = null", "name in [null, \(q(rng.pick(names)))]", "street != \(q(rng.pick(streets)))",
                                      "not (\(q(rng.pick(tags))) in tags)", "status not in [\"已审核\"]", "id in [\(int(1, children)), \(int(1, children))]",
                                      "community in [\(q(rng.pick(communities))), \(q(rng.pick(communities)))]", "registered < today()",
                                      "birth between \(date(2012, 2014)) and \(date(2005, 2008))", "gender is null", "household_size = 3.0",
                                      "id between \(int(-3, children)) and \(int(-3, children + 5))"])
            case 17: return "medical_cost \(rng.pick(ops)) \(int(0, 100000))"
            case 18: return "(street = \(q(rng.pick(streets))) or \(q(rng.pick(tags))) in tags)"
            default: return "name in \(list(names))"
            }
        }
        c["mothers"] = (0..<20).map { i in
            switch i % 8 {
            case 0: return "level = \(q(rng.pick(["区", "街道", "社区", "x"])))"
            case 1: return "street = \(q(rng.pick(streets)))"
            case 2: return "community = \(q(rng.pick(communities)))"
            case 3: return "\(q(rng.pick(["主席", "副主席", "巾帼志愿者", "热心妇女", "x"]))) in roles"
            case 4: return "id between \(int(0, mothers)) and \(int(0, mothers + 3))"
            case 5: return rng.pick(["paired", "unpaired", "street is null", "community is not null"])
            case 6: return "level in [\"街道\", \"社区\"]"
            default: return "id \(rng.pick(ops)) \(int(0, mothers))"
            }
        }
        c["pairings"] = (0..<20).map { i in
            switch i % 8 {
            case 0: return "mother = \(int(0, mothers + 2))"
            case 1: return "child = \(int(0, children + 2))"
            case 2: return "since \(rng.pick(ops)) \(date(2019, 2019))"
            case 3: return rng.pick(["until is null", "until is not null", "active", "overdue", "due_soon", "since < today()", "until >= today()",
                                     "child in [\(int(1, children)), \(int(1, children)), \(int(1, children))]", "mother != \(int(1, mothers))", "mother = null"])
            case 4: return "until > \(date(2019, 2020))"
            case 5: return "\(q(rng.pick(["微信", "QQ", "电话", "x"]))) in channels"
            case 6: return "child.street = \(q(rng.pick(streets)))"
            default: return "id \(rng.pick(ops)) \(int(0, pairings))"
            }
        }
        c["visits"] = (0..<16).map { i in
            switch i % 6 {
            case 0: return "pairing = \(int(0, pairings + 2))"
            case 1: return "date between \(date(2019, 2019)) and \(date(2019, 2019))"
            case 2: return "kind = \(q(rng.pick(["家访", "线上", "电话", "x"])))"
            case 3: return "kind in [\"线上\", \"电话\"]"
            case 4: return "date \(rng.pick(ops)) \(date(2019, 2019))"
            default: return "pairing.child.street = \(q(rng.pick(streets)))"
            }
        }
        conditions = c
    }

    func conjunction(_ collection: String, rng: inout SplitMix) -> String {
        let pool = conditions[collection]!
        return (0..<(1 + rng.below(4))).map { _ in rng.pick(pool) }.joined(separator: " and ")
    }
}

func indexedAndScanned(_ session: Session, _ query: String) throws -> (indexed: [String], scanned: [String]) {
    session.useIndexes = true
    let indexed = try session.rows(query)
    session.useIndexes = false
    defer { session.useIndexes = true }
    let scanned = try session.rows(query)
    return (indexed, scanned)
}

func checkPlannerAgainstScans(_ session: Session, seed: UInt64, queries: Int) throws {
    var rng = SplitMix(seed: seed)
    let pool = ConditionPool(store: session.store, rng: &rng)
    var mismatches: [String] = []
    var nonEmpty = 0
    for i in 0..<queries {
        let collection = ["children", "children", "mothers", "pairings", "visits"][i % 5]
        let query = "\(collection) where \(pool.conjunction(collection, rng: &rng)) select id"
        let (indexed, scanned) = try indexedAndScanned(session, query)
        if indexed != scanned { mismatches.append("\(query)\n  indexed \(indexed.prefix(10))…\n  scanned \(scanned.prefix(10))…") }
        if !scanned.isEmpty { nonEmpty += 1 }
        let count = "count " + query.replacingOccurrences(of: " select id", with: "")
        session.useIndexes = true
        let n = try session.count(count)
        if n != scanned.count { mismatches.append("\(count): \(n), scan \(scanned.count)") }
    }
    #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(5).joined(separator: "\n"))")
    #expect(nonEmpty > queries / 5, "too few queries with rows (\(nonEmpty) of \(queries)): the generator is not testing much")
}

@Suite struct PlannerTests {
    @Test(arguments: [1, 2, 3, 4])
    func indexesAgreeWithScansOnExampleData(seed: UInt64) throws {
        let session = try Fixtures.exampleSession()
        try checkPlannerAgainstScans(session, seed: seed, queries: 150)
    }

    @Test func indexesAgreeWithScansOnGeneratedData() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-planner-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 3000, seed: 7).write(to: dir)
        let store = try DatasetLoader.load(directory: dir.path)
        let session = try Session(store: store, ruleSources: Fixtures.ruleSources, today: Fixtures.today)
        try checkPlannerAgainstScans(session, seed: 99, queries: 250)
    }

    /// Subqueries over a whole collection are planned like top-level queries.
    @Test func subqueriesAgreeWithScans() throws {
        let session = try Fixtures.exampleSession()
        for query in [
            "streets select name, count(children where status = \"已审核\" and street = \"布吉\")",
            "children where id in (pairings where since >= 2019-06-01 select child) select id",
            "children where exists(pairings where active and child.street = \"布吉\") select id",
            "mothers where id in (pairings where child in [1, 2, 3, 17] select mother) select id",
        ] {
            let (indexed, scanned) = try indexedAndScanned(session, query)
            #expect(indexed == scanned, "\(query)")
        }
    }

    /// Correlated subqueries (an index nested loop on text, int and reference fields)
    /// against the same question answered in Swift from plain rows.
    @Test func correlatedSubqueriesAgreeWithBruteForce() throws {
        let session = try Fixtures.exampleSession()
        func pairs(_ query: String) throws -> [(String, String)] {
            try session.rows(query).map { row in
                let parts = row.components(separatedBy: " | ")
                return (parts[0], parts[1])
            }
        }
        func ids(_ query: String) throws -> [String] { try session.rows(query) }
        func duplicated(_ rows: [(String, String)]) -> [String] {
            var count: [String: Int] = [:]
            for (_, v) in rows where v != "null" { count[v, default: 0] += 1 }
            return rows.filter { $0.1 != "null" && count[$0.1]! > 1 }.map(\.0)
        }
        // text
        #expect(try ids("children where count(children where guardian_phone = outer.guardian_phone) > 1 select id")
                == duplicated(try pairs("children select id, guardian_phone")))
        // int
        #expect(try ids("children where exists(children where household_size = outer.household_size and id != outer.id) select id")
                == duplicated(try pairs("children select id, household_size")))
        // reference
        #expect(try ids("pairings where count(pairings where mother = outer.mother) > 1 select id")
                == duplicated(try pairs("pairings select id, mother")))
        // the same with the condition the other way round, and a residual condition
        #expect(try ids("pairings where since >= 2019-06-01 and count(pairings where outer.child = child and since >= 2019-06-01) > 1 select id")
                == duplicated(try pairs("pairings where since >= 2019-06-01 select id, child")))
    }

    static let planQueries = [
        "plan children where street = \"布吉\" and unpaired",
        "plan children where age between 6 and 12 and \"低保\" in tags select name order by age desc limit 5",
        "plan children where id = 17",
        "plan mothers where id between 10 and 14 and level != \"区\"",
        "plan children where household_size between 3 and 4 and status = \"已审核\"",
        "plan pairings where mother = 116",
        "plan visits where date between 2019-09-01 and 2019-09-30 and kind = \"家访\"",
        "plan children where street in [\"龙岗\", \"园山\"] and gender != \"男\"",
        "plan children where unpaired",
        "plan streets",
        "plan children group by street select street, count() order by count() desc limit 3 offset 1",
        "plan children where suspected_duplicate",
    ]

    @Test func planGolden() throws {
        var out = "# `plan` output on the example data (step | detail | estimated | actual).\n"
        for query in Self.planQueries {
            let session = try Fixtures.exampleSession()
            out += "\n< \(query)\n" + render(try session.result(query)) + "\n"
        }
        Golden.check(out, "plan.txt")
    }

    @Test func planShowsTheIndexThatIsUsed() throws {
        let session = try Fixtures.exampleSession()
        let steps = try session.rows("plan children where street = \"布吉\" and unpaired")
        #expect(steps.first?.hasPrefix("SEARCH | children USING INDEX street") == true, "\(steps)")
        session.useIndexes = false
        let scan = try session.rows("plan children where street = \"布吉\" and unpaired")
        #expect(scan.first?.hasPrefix("SCAN | children") == true, "\(scan)")
        // The actual count of the last step is the number of result rows.
        session.useIndexes = true
        let n = try session.count("count children where street = \"布吉\" and unpaired")
        #expect(steps.last == "RESULT | 17 columns | null | \(n)")
    }

    @Test func explainGolden() throws {
        let session = try Fixtures.exampleSession()
        let query = "explain eligible for children where id in [1, 22, 79]"
        Golden.check("< \(query)\n" + render(try session.result(query)) + "\n", "explain.txt")
    }

    @Test func explainNamesEveryClause() throws {
        let session = try Fixtures.exampleSession()
        let r = try session.result("explain eligible for children where id = 22")
        let citations = Set(r.rows.compactMap { row -> String? in if case .text(let c) = row[3] { return c } else { return nil } })
        for clause in ["三(一)1", "三(一)2", "三(一)3", "三(一)4", "三(一)5", "三(一)6"] {
            #expect(citations.contains { $0.hasPrefix(clause) }, "no citation for \(clause)")
        }
        #expect(r.columns.map(\.name) == ["id", "node", "value", "citation", "note"])
    }

    /// The notes of an explained row: node → note.
    func notes(_ session: Session, _ statement: String) throws -> [(node: String, value: String, note: String)] {
        try session.result(statement).rows.map { row in
            (row[1].description, row[2].description, row[4].isNull ? "" : row[4].description)
        }
    }

    @Test func explainShowsEachFactOnce() throws {
        let session = try Fixtures.exampleSession()
        let lines = try notes(session, "explain eligible for children where id = 22")
        let tags = lines.filter { $0.note.contains("tags = 重大疾病;长期治疗") }
        #expect(tags.count == 1, "\(lines)")
        // Every fact of every note, across the row's lines, appears once.
        let facts = lines.flatMap { $0.note.components(separatedBy: "; ").filter { $0.contains(" = ") } }
        #expect(facts.count == Set(facts).count, "\(facts)")
    }

    @Test func explainPutsTheDecidingComparisonFirst() throws {
        let session = try Fixtures.exampleSession()
        let lines = try notes(session, "explain eligible for children where id = 22")
        #expect(lines.first?.node == "eligible")
        #expect(lines.first?.note == "medical_cost = 22000; household_income * 12 * medical_burden_ratio = 43800", "\(lines)")
        let comparison = lines.first { $0.node.hasSuffix("medical_cost > household_income * 12 * medical_burden_ratio") }
        #expect(comparison?.note == "difference -21800")
        // An eligible child's failing cost comparison did not decide anything.
        let eligible = try notes(session, "explain eligible for children where id = 1")
        #expect(eligible.first?.note == "", "\(eligible)")
    }

    @Test func explainListsNoFactAbsentByDesign() throws {
        let session = try Fixtures.exampleSession()
        // An active pairing's `until` is null by design: the rules test it with `is null`.
        let overdue = try notes(session, "explain overdue for pairings where id = 97")
        #expect(overdue.contains { $0.note.contains("missing: until") }, "\(overdue)")
        #expect(!overdue.contains { $0.node == "missing facts" }, "\(overdue)")
        // A street-level mother has no community: the community test cannot change in_scope.
        let scope = try notes(session, "explain in_scope for pairings where id = 2")
        #expect(scope.contains { $0.note.contains("missing: mother.community") }, "\(scope)")
        #expect(!scope.contains { $0.node == "missing facts" }, "\(scope)")
        // A fact whose absence decides is still asked for.
        var files = Fixtures.small
        files["children"]! += "6,陈静,女,2012-01-01,布吉,凤凰,陈父,,,重大疾病;长期治疗,,3,1000,,已审核,,2019-05-06\n"
        let small = try Fixtures.session(files)
        let missing = try notes(small, "explain 大病 for children where id = 6")
        #expect(missing.last?.node == "missing facts" && missing.last?.note == "medical_cost", "\(missing)")
    }
}

/// A statement run once (`mql -c`) on a large collection scans instead of building an
/// index it would use once — a sorted index or the postings of a text, reference or set
/// field — and a script, stdin or the REPL builds it; both find the same rows.
@Suite struct IndexOnFirstUseTests {
    static let files: [String: String] = {
        let rows = Planner.sortedIndexBuildRows + 1000
        var lines = ["id,name,gender,birth,street,community,guardian,guardian_phone,address,tags,reason,household_size,household_income,medical_cost,status,review,registered"]
        lines.reserveCapacity(rows + 1)
        let streets = ["布吉", "平湖", "坂田"], tags = ["低保", "单亲", "低保;单亲", ""], statuses = ["已审核", "待审核", "不通过"]
        for id in 1...rows {
            lines.append("\(id),王\(id % 97),,,\(streets[id % 3]),,,,,\(tags[id % 4]),,\(id % 7),\(id % 5000),,\(statuses[id % 3]),,")
        }
        var files = Fixtures.small
        files["children"] = lines.joined(separator: "\n") + "\n"
        files["pairings"] = nil
        files["visits"] = nil
        return files
    }()

    static let postingsConditions = [
        "street = \"布吉\"", "status = \"待审核\"", "street in [\"布吉\", \"坂田\"]", "\"低保\" in tags", "tags contains \"单亲\"",
    ]
    static let conditions = postingsConditions + ["household_income > 4990", "household_size between 2 and 3"]

    @Test(arguments: conditions)
    func onceScansAndAgainBuildsTheIndex(condition: String) throws {
        let session = try Fixtures.session(Self.files)  // its own: the indexes it builds stay in it
        func plan() throws -> String {
            render(try session.result("plan children where \(condition)"))
        }
        session.buildsSortedIndexOnFirstUse = false
        let once = try plan()
        let scanned = render(try session.result("children where \(condition) select id"))
        #expect(once.contains("SCAN | children"), "\(condition): \(once)")
        #expect(!once.contains("INDEX"), "\(condition): \(once)")
        session.buildsSortedIndexOnFirstUse = true
        let again = try plan()
        #expect(render(try session.result("children where \(condition) select id")) == scanned)
        // A wide range over numbers is scanned anyway (cheaper than the index's rows); the
        // postings of a value or an element are built and used.
        guard Self.postingsConditions.contains(condition) else { return }
        #expect(again.contains("INDEX"), "\(condition): \(again)")
        // Once built, the index is used even by a statement run once.
        session.buildsSortedIndexOnFirstUse = false
        #expect(try plan().contains("INDEX"), "\(condition)")
    }
}
