// Decorrelated counts (Planner+Decorrelation) give exactly what searching per row gives:
// random datasets with many equal names (and names equal but for case), births, phones and
// nulls, random correlated conditions — keys of text, dates, ints, references and computed
// text, the row itself left out, conditions on either row alone — read row by row (through
// the index until a build pays, then the groups) and for every row at once (a filter's
// column pass), against a session whose subqueries are searched per row.

@testable import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct DecorrelationTests {
    static let names = ["王芳", "王芳", "李四", "Ab", "ab", "AB", ""]
    static let phones = ["13900000001", "13900000002", "13900000003", ""]

    /// Equalities of a child with the enclosing child, and their mirror.
    static let childKeys = [
        "name = outer.name", "outer.name = name", "guardian_phone = outer.guardian_phone", "street = outer.street",
        "year(birth) = year(outer.birth)", "month(birth) = month(outer.birth)", "birth = outer.birth",
        "lower(name) = lower(outer.name)", "household_size = outer.household_size", "community = outer.community",
        "upper(guardian_phone) = outer.guardian_phone",
    ]
    static let exclusions = ["id != outer.id", "outer.id != id"]
    static let innerFilters = ["status = \"已审核\"", "household_size > 2", "gender is not null", "not (name like \"王%\")"]
    static let outerFilters = ["outer.gender = \"男\"", "outer.household_size is not null"]
    /// Equalities of a child with an enclosing mother (other dictionaries, other collection).
    static let motherKeys = ["name = outer.name", "street = outer.street", "guardian_phone = outer.phone", "community = outer.community"]

    static func children(_ random: inout SplitMix, count: Int) -> String {
        var lines = ["id,name,gender,birth,street,community,guardian,guardian_phone,address,tags,reason,household_size,household_income,medical_cost,status,review,registered"]
        for id in 1...count {
            let (street, community) = random.chance(10) ? ("", "") : (random.pick(IncrementalCheckTests.streets), random.pick(["凤凰", "可园", ""]))
            let birth = random.chance(10) ? "" : String(format: "%04d-%02d-%02d", 2010 + random.below(2), 1 + random.below(3), 1 + random.below(3))
            let cells = [String(id), random.pick(names), random.pick(["男", "女", ""]), birth, street, community, "",
                         random.pick(phones), "", "", "", random.pick(["", "2", "3", "4"]), "", "", random.pick(["已审核", "待审核", ""]), "", ""]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func mothers(_ random: inout SplitMix, count: Int) -> String {
        var lines = ["id,name,org,title,phone,level,street,community,roles"]
        for id in 1...count {
            let street = random.chance(10) ? "" : random.pick(IncrementalCheckTests.streets)
            let community = street.isEmpty ? "" : random.pick(["凤凰", "可园", ""])
            lines.append([String(id), random.pick(names), "", "", random.pick(phones), "区", street, community, ""].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A random correlated condition: one to three keys, maybe the row itself left out,
    /// maybe conditions on either row.
    static func condition(_ random: inout SplitMix, keys: [String], exclusion: Bool) -> String {
        var parts: [String] = []
        for _ in 0...random.below(3) { parts.append(random.pick(keys)) }
        if exclusion, random.chance(60) { parts.append(random.pick(exclusions)) }
        if random.chance(40) { parts.append(random.pick(innerFilters)) }
        if exclusion, random.chance(25) { parts.append(random.pick(outerFilters)) }
        // The order of the conjuncts decides which one the per-row search drives with.
        for i in stride(from: parts.count - 1, to: 0, by: -1) { parts.swapAt(i, random.below(i + 1)) }
        return parts.joined(separator: " and ")
    }

    static func session(_ files: [String: String], rules: SourceFile, decorrelate: Bool) throws -> Session {
        let store = try DatasetLoader.load(files: files.mapValues { Array($0.utf8) }, directory: "random")
        let session = try Session(store: store, ruleSources: Fixtures.ruleSources + [rules], today: Fixtures.today)
        if !decorrelate {
            let caches = CompileCaches()
            caches.decorrelate = false
            session.sharedCaches = caches
        }
        return session
    }

    @Test func decorrelatedCountsAreTheSearchedOnes() throws {
        var random = SplitMix(seed: 14)
        var decorrelated = 0
        for round in 0..<60 {
            var generator = IncrementalCheckTests.Generator(random: SplitMix(seed: UInt64(round)))
            var files = generator.dataset()
            files["children"] = Self.children(&random, count: 10 + random.below(50))
            files["mothers"] = Self.mothers(&random, count: 4 + random.below(8))
            var rules = ""
            for i in 0..<4 {
                let condition = Self.condition(&random, keys: Self.childKeys, exclusion: true)
                switch random.below(3) {
                case 0: rules += "define children.c\(i) = count(children where \(condition))\n"
                case 1: rules += "define children.c\(i) = if(exists(children where \(condition)), 1, 0)\n"
                default: rules += "define children.c\(i) = if(count(children where \(condition)) > 0, 1, 0)\n"
                }
                rules += "define children.b\(i) = c\(i) > 0\n"
            }
            rules += "define mothers.m0 = count(children where \(Self.condition(&random, keys: Self.motherKeys, exclusion: false)))\n"
            let file = SourceFile(name: "random.mql", text: rules)
            let fast = try Self.session(files, rules: file, decorrelate: true)
            let searched = try Self.session(files, rules: file, decorrelate: false)
            let context = "round \(round):\n\(rules)"
            // Row by row (a select reads each row's value).
            let select = "children select id, c0, c1, c2, c3 order by id"
            let (a, b) = (try fast.rows(select), try searched.rows(select))
            #expect(a == b, "\(context)\(zip(a, b).filter { $0 != $1 }.prefix(3))\n\(files["children"]!)")
            #expect(try fast.rows("mothers select id, m0 order by id") == searched.rows("mothers select id, m0 order by id"), "\(context)")
            // Every row at once (a filter), and mixed with other conditions.
            for i in 0..<4 {
                for query in ["children where b\(i) select id", "children where c\(i) > 1 select id",
                              "children where status = \"已审核\" or not b\(i) select id"] {
                    #expect(try fast.rows(query) == searched.rows(query), "\(context)\(query)")
                }
                if try fast.rows("plan children where b\(i)").contains(where: { $0.hasPrefix("DECORRELATE") }) { decorrelated += 1 }
            }
            // Checked as constraints, in full and after a change.
            #expect(try fast.count("count mothers where m0 >= 1") == searched.count("count mothers where m0 >= 1"), "\(context)")
        }
        // Most generated conditions have the decorrelated form (the rest compute the same
        // through the per-row search: a condition with `lower` on the driving key only…).
        #expect(decorrelated >= 200, "\(decorrelated) of 240 conditions decorrelated")
    }

    @Test func theDuplicateRuleIsDecorrelatedAndExplained() throws {
        let session = try Fixtures.exampleSession()
        let steps = try session.rows("plan children where suspected_duplicate")
        let decorrelations = steps.filter { $0.hasPrefix("DECORRELATE") }
        #expect(decorrelations.count == 2, "\(steps)")
        #expect(decorrelations.first?.contains("GROUPED BY name, year(birth), month(birth); less the row whose id = outer.id") == true, "\(steps)")
        let searched = try Fixtures.exampleSession()
        let caches = CompileCaches()
        caches.decorrelate = false
        searched.sharedCaches = caches
        let query = "children where suspected_duplicate select id, same_person_registered, same_guardian_phone"
        #expect(try session.rows(query) == searched.rows(query))
        #expect(try !session.rows(query).isEmpty)
    }

    @Test func anIDMissingOrNullLeavesNothingToCount() throws {
        // A child whose own id is the one left out, another child's, or none at all.
        let rules = SourceFile(name: "r.mql", text: """
            define children.others = count(children where name = outer.name and id != outer.household_size)
            define children.same = count(children where name = outer.name and id != outer.id)

            """)
        var generator = IncrementalCheckTests.Generator(random: SplitMix(seed: 3))
        var files = generator.dataset()
        files["children"] = """
            id,name,gender,birth,street,community,guardian,guardian_phone,address,tags,reason,household_size,household_income,medical_cost,status,review,registered
            1,王芳,,,,,,,,,,1,,,,,
            2,王芳,,,,,,,,,,1,,,,,
            3,王芳,,,,,,,,,,,,,,,
            4,李四,,,,,,,,,,9,,,,,
            5,,,,,,,,,,,,,,,,

            """
        let fast = try Self.session(files, rules: rules, decorrelate: true)
        let searched = try Self.session(files, rules: rules, decorrelate: false)
        let query = "children select id, others, same order by id"
        #expect(try fast.rows(query) == searched.rows(query))
        #expect(try fast.rows(query) == ["1 | 2 | 2", "2 | 2 | 2", "3 | 0 | 2", "4 | 1 | 0", "5 | 0 | 0"])
        #expect(try fast.rows("children where others > 0 select id") == ["1", "2", "4"])
    }
}

@Suite struct ConstantSetDifferenceTests {
    /// `difference(tags, tag_vocabulary)` decides each distinct element once: the same
    /// elements, in the same order, as taking them one by one.
    @Test func aConstantRightSideGivesTheElementwiseAnswer() throws {
        let session = try Fixtures.exampleSession()
        let vocabulary = Set(try session.rows("children select tag_vocabulary limit 1")[0].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            .components(separatedBy: ", ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) })
        #expect(vocabulary.count == 17)
        let query = "children select id, tags, difference(tags, tag_vocabulary), intersection(tags, tag_vocabulary), difference(tags, [\"低保\"]) order by id"
        let result = try session.result(query)
        for row in result.rows {
            guard case .set(let tags) = row[1], case .set(let outside) = row[2], case .set(let inside) = row[3], case .set(let notPoor) = row[4] else {
                Issue.record("not sets: \(row)"); continue
            }
            #expect(outside == tags.filter { !vocabulary.contains($0) })
            #expect(inside == tags.filter { vocabulary.contains($0) })
            #expect(notPoor == tags.filter { $0 != "低保" })
        }
        #expect(try session.count("count children where not known_tags") == result.rows.filter { if case .set(let s) = $0[2] { return !s.isEmpty }; return false }.count)
    }
}

@Suite struct ParamSetMembershipTests {
    /// `kind in visit_kinds` (a param's set of text) as one pass over the column's codes
    /// selects what the row-by-row test selects, values outside the set and nulls included.
    @Test func aColumnPassSelectsWhatRowByRowSelects() throws {
        let rules = SourceFile(name: "p.mql", text: """
            param kinds = ["家访", "线上", "不存在"]
            param statuses = ["已审核"]
            param nothing = ["不存在"]

            """)
        let session = try Session(store: Fixtures.exampleStore(), ruleSources: [rules], today: Fixtures.today)
        for query in ["visits where kind in kinds select id", "visits where not (kind in kinds) select id",
                      "children where status in statuses select id", "children where not (status in statuses) select id",
                      "children where name in nothing select id", "visits where pairing.child.status in statuses select id"] {
            let indexed = try session.rows(query)
            session.useIndexes = false
            let scanned = try session.rows(query)
            session.useIndexes = true
            #expect(indexed == scanned, "\(query)")
        }
        let inside = try session.count("count visits where kind in kinds")
        let all = try session.count("count visits")
        #expect(inside > 0 && inside < all)
        let plan = try session.rows("plan visits where kind in kinds")
        #expect(plan.first?.hasPrefix("SCAN") == true, "\(plan)")
    }
}
