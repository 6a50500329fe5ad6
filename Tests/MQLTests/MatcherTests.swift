// The pairing round (cycle.md §2): on hundreds of small random datasets the suggestions
// are as many as an independent maximum matching over the pairs the scope rule allows
// (worked out here from the raw data, not from the rules), every one is valid (the whole
// batch commits as `pair` statements), the closest level comes first, and the result is
// deterministic. An edited scope rule changes the suggestions.

import Engine
import Foundation
@testable import MQL
import Testing

/// A random dataset and, worked out directly from it, which pairs the shipped rules allow.
struct RandomRound {
    struct Child { let id: Int; let street: String; let community: String; let approved: Bool; let eligible: Bool; let registered: String }
    struct Mother { let id: Int; let level: String; let street: String; let community: String }
    // Two communities named 凤凰, in different streets: a community is its street and name.
    static let places = [("布吉", "凤凰"), ("布吉", "可园"), ("平湖", "凤凰"), ("坂田", "岗头")]
    var children: [Child] = []
    var mothers: [Mother] = []
    /// Existing pairings: (mother, child, until) — until "" is active.
    var pairings: [(Int, Int, String)] = []

    init(seed: UInt64) {
        var g = SplitMix(seed: seed)
        let childCount = Int.random(in: 0...9, using: &g), motherCount = Int.random(in: 0...8, using: &g)
        for id in 1...max(1, childCount) where childCount > 0 {
            let (street, community) = Self.places.randomElement(using: &g)!
            children.append(Child(id: id, street: street, community: community, approved: Int.random(in: 0..<6, using: &g) > 0,
                                  eligible: Int.random(in: 0..<6, using: &g) > 0, registered: "2019-0\(Int.random(in: 5...9, using: &g))-1\(Int.random(in: 0...9, using: &g))"))
        }
        for id in 1...max(1, motherCount) where motherCount > 0 {
            let (street, community) = Self.places.randomElement(using: &g)!
            let level = ["区", "街道", "社区", "社区"].randomElement(using: &g)!
            mothers.append(Mother(id: id, level: level, street: level == "区" ? "" : street, community: level == "社区" ? community : ""))
        }
        // Some existing pairings, active or ended, each mother and child at most once.
        for m in mothers where Int.random(in: 0..<4, using: &g) == 0 {
            guard let c = children.filter({ c in !pairings.contains { $0.1 == c.id } }).randomElement(using: &g) else { break }
            pairings.append((m.id, c.id, Bool.random(using: &g) ? "" : "2019-08-01"))
        }
    }

    var files: [String: String] {
        var children = "id,name,gender,birth,street,community,guardian,guardian_phone,address,tags,reason,household_size,household_income,medical_cost,status,review,registered\n"
        for c in self.children {
            children += "\(c.id),童\(c.id),男,2012-01-01,\(c.street),\(c.community),,,,\(c.eligible ? "低保" : ""),,3,100,0,\(c.approved ? "已审核" : "待审核"),,\(c.registered)\n"
        }
        var mothers = "id,name,org,title,phone,level,street,community,roles\n"
        for m in self.mothers { mothers += "\(m.id),妈\(m.id),妇联,主席,,\(m.level),\(m.street),\(m.community),主席\n" }
        var pairings = "id,mother,child,since,until,channels,note\n"
        for (i, p) in self.pairings.enumerated() { pairings += "\(i + 1),\(p.0),\(p.1),2019-05-25,\(p.2),,\n" }
        return [
            "streets": "name,quota,liaison,liaison_phone\n布吉,100,刘婷,15204904588\n平湖,100,张慧敏,13543202355\n坂田,100,李娜,13543202356\n",
            "communities": "name,street\n凤凰,布吉\n可园,布吉\n凤凰,平湖\n岗头,坂田\n",
            "children": children, "mothers": mothers, "pairings": pairings, "visits": "id,pairing,date,kind,note\n",
        ]
    }

    func active(_ until: String) -> Bool { until.isEmpty }
    var candidateChildren: [Child] {
        children.filter { c in c.approved && c.eligible && !pairings.contains { $0.1 == c.id && active($0.2) } }
    }
    var candidateMothers: [Mother] {
        mothers.filter { m in !pairings.contains { $0.0 == m.id && active($0.2) } }
    }

    /// 三(四) as the shipped rule says it, written directly.
    static func inScope(_ m: Mother, _ c: Child) -> Bool {
        switch m.level {
        case "区": return true
        case "街道": return c.street == m.street
        case "社区": return c.street == m.street && c.community == m.community
        default: return false
        }
    }

    /// The size of a maximum matching (Kuhn's augmenting paths) over allowed pairs.
    func maximum(levels: Set<String>) -> Int {
        let ms = candidateMothers.filter { levels.contains($0.level) }, cs = candidateChildren
        var owner = [Int: Int]()  // child index → mother index
        func tryMother(_ m: Int, _ seen: inout Set<Int>) -> Bool {
            for (ci, c) in cs.enumerated() where Self.inScope(ms[m], c) && seen.insert(ci).inserted {
                if owner[ci] == nil || tryMother(owner[ci]!, &seen) { owner[ci] = m; return true }
            }
            return false
        }
        var n = 0
        for m in ms.indices { var seen = Set<Int>(); if tryMother(m, &seen) { n += 1 } }
        return n
    }
}

@Suite struct MatcherTests {
    func suggestions(_ session: Session) throws -> [[String]] {
        guard case .rows(let r) = try session.one("suggest pairings") else { return [] }
        return r.rows.map { $0.map(\.description) }
    }

    @Test func maximumValidDeterministicAndClosestLevelFirstOnRandomData() throws {
        for seed in UInt64(1)...300 {
            let round = RandomRound(seed: seed)
            let session = try Fixtures.session(round.files)
            let rows = try suggestions(session)
            #expect(try suggestions(Fixtures.session(round.files)) == rows, "deterministic (seed \(seed))")
            #expect(rows.count == round.maximum(levels: ["区", "街道", "社区"]), "maximum (seed \(seed))")
            let levels = rows.map { $0[2] }
            #expect(levels.filter { $0 == "社区" }.count == round.maximum(levels: ["社区"]), "社区 first (seed \(seed))")
            #expect(levels.filter { $0 != "区" }.count == round.maximum(levels: ["社区", "街道"]), "then 街道 (seed \(seed))")
            var usedMothers = Set<String>(), usedChildren = Set<String>()
            for row in rows {
                let mother = round.mothers.first { String($0.id) == row[0] }!, child = round.children.first { String($0.id) == row[1] }!
                #expect(RandomRound.inScope(mother, child) && round.candidateChildren.contains { $0.id == child.id }
                        && round.candidateMothers.contains { $0.id == mother.id }, "valid (seed \(seed)): \(row)")
                #expect(usedMothers.insert(row[0]).inserted && usedChildren.insert(row[1]).inserted, "each once (seed \(seed))")
            }
            // Every suggestion passes the constraints as `pair` checks them: the batch commits.
            guard !rows.isEmpty else { continue }
            let script = (["begin"] + rows.map { "pair mother \($0[0]) with child \($0[1])" } + ["commit"]).joined(separator: "\n")
            let outcomes = session.run(script)
            #expect(outcomes.allSatisfy { if case .success = $0 { return true }; return false }, "commits (seed \(seed)): \(outcomes)")
            #expect(try suggestions(session).isEmpty, "a maximum set leaves no valid pair behind (seed \(seed))")
        }
    }

    @Test func groupMatchingIsMaximumOnOverlappingSets() {
        // Not laminar: {1,2} and {2,3} overlap. Greedy alone gives group 0 child 1, group 1
        // child 2, group 2 nothing; augmenting moves child 2 so that all three are paired.
        let groups = [
            MatchGroup(mothers: [0], children: [1, 2], levelRank: 0),
            MatchGroup(mothers: [1], children: [2, 3], levelRank: 0),
            MatchGroup(mothers: [2], children: [2], levelRank: 0),
        ]
        let rank: [Int32] = [0, 1, 2, 3]
        let (taken, laminar) = GroupMatching.assign(groups, childRows: 4, rank: rank)
        #expect(!laminar)
        #expect(taken.map(\.count).reduce(0, +) == 3)
        #expect(Set(taken.flatMap { $0 }) == [1, 2, 3])
        #expect(GroupMatching.isLaminar([MatchGroup(mothers: [0], children: [1, 2, 3], levelRank: 0),
                                         MatchGroup(mothers: [1], children: [2], levelRank: 0)], childRows: 4, order: [1, 0]))
    }

    @Test func childrenRegisteredEarliestComeFirst() throws {
        var files = RandomRound(seed: 0).files
        files["children"] = """
            id,name,gender,birth,street,community,guardian,guardian_phone,address,tags,reason,household_size,household_income,medical_cost,status,review,registered
            1,甲,男,2012-01-01,布吉,可园,,,,低保,,3,100,0,已审核,,2019-09-01
            2,乙,男,2012-01-01,布吉,可园,,,,低保,,3,100,0,已审核,,2019-06-01

            """
        files["mothers"] = "id,name,org,title,phone,level,street,community,roles\n1,妈1,妇联,主席,,区,,,主席\n"
        files["pairings"] = "id,mother,child,since,until,channels,note\n"
        let session = try Fixtures.session(files)
        #expect(try suggestions(session).map { $0[1] } == ["2"])
        guard case .rows(let left) = try session.one("suggest pairings unmatched") else { Issue.record("no rows"); return }
        #expect(left.rows.map { $0[0].description } == ["1"])
        #expect(left.rows[0][4].description.contains("区 1"), "the reason counts the mothers who may pair with it by level")
    }

    @Test func anEditedScopeRuleChangesTheSuggestions() throws {
        var files = RandomRound(seed: 0).files
        files["children"] = """
            id,name,gender,birth,street,community,guardian,guardian_phone,address,tags,reason,household_size,household_income,medical_cost,status,review,registered
            1,甲,男,2012-01-01,布吉,可园,,,,低保,,3,100,0,已审核,,2019-06-01
            2,乙,男,2012-01-01,布吉,凤凰,,,,低保,,3,100,0,已审核,,2019-07-01

            """
        // A street-level mother of 布吉, registered through the 凤凰 community.
        files["mothers"] = "id,name,org,title,phone,level,street,community,roles\n1,妈1,妇联,主席,,街道,布吉,凤凰,主席\n"
        files["pairings"] = "id,mother,child,since,until,channels,note\n"
        #expect(try suggestions(Fixtures.session(files)).map { $0[1] } == ["1"], "the shipped rule: her street, earliest child first")
        // Policy staff narrow 街道 mothers to their own community.
        let edited = Fixtures.ruleSources.map { source -> SourceFile in
            guard source.name.hasSuffix("30_pairing.mql") else { return source }
            let text = source.text.replacingOccurrences(of: "(mother.level = \"街道\" and child.street = mother.street)",
                                                        with: "(mother.level = \"街道\" and child.community = mother.community)")
            #expect(text != source.text)
            return SourceFile(name: source.name, text: text)
        }
        let session = try Fixtures.session(files, rules: edited)
        #expect(try suggestions(session).map { $0[1] } == ["2"], "the edited rule: only her community")
        guard case .rows(let left) = try session.one("suggest pairings unmatched") else { Issue.record("no rows"); return }
        #expect(left.rows.map { $0[0].description } == ["1"])
        #expect(left.rows[0][4].description.hasPrefix("no unpaired mother may pair with this child"))
    }

    @Test func aConstraintOverAllPairingsIsStillNeverBroken() throws {
        // A cap the matcher cannot read as a condition on children: the exact check of the
        // batch keeps every suggestion it makes within it.
        let capped = Fixtures.ruleSources + [SourceFile(name: "rules/99_cap.mql", text: "constraint pairings.cap \"试点：同时进行的结对不超过 3 对\" = not active or count(pairings where active) <= 3\n")]
        let round = RandomRound(seed: 7)
        let session = try Fixtures.session(round.files, rules: capped)
        let rows = try suggestions(session)
        let script = (["begin"] + rows.map { "pair mother \($0[0]) with child \($0[1])" } + ["commit"]).joined(separator: "\n")
        #expect(session.run(script).allSatisfy { if case .success = $0 { return true }; return false })
        #expect(try session.count("count pairings where active") <= 3 || rows.isEmpty)
    }

    @Test func whereNarrowsTheChildrenAndIsChecked() throws {
        let session = try Fixtures.exampleSession()
        guard case .rows(let all) = try session.one("suggest pairings"),
              case .rows(let some) = try session.one("suggest pairings where street = \"布吉\"") else { Issue.record("no rows"); return }
        #expect(!some.rows.isEmpty && some.rows.count < all.rows.count)
        #expect(some.rows.allSatisfy { $0[3] == .text("布吉") })
        #expect(throws: (any Error).self) { try session.one("suggest pairings where stret = \"布吉\"") }
        do {
            _ = try session.one("suggest pairings where stret = \"布吉\"")
        } catch {
            #expect("\(error)".contains("<test>:1:24: error: unknown field 'stret' in children"))
        }
    }

    @Test func explainPairShowsEveryConstraintWithItsCitation() throws {
        let session = try Fixtures.smallSession()
        // Mother 2 (街道 布吉, her pairing ended) with child 5 (平湖/凤凰, not reviewed yet).
        guard case .rows(let r) = try session.one("explain pair mother 2 with child 5") else { Issue.record("no rows"); return }
        let lines = r.rows.map { $0.map(\.description).joined(separator: " | ") }
        #expect(lines.contains { $0.hasPrefix("pairings.in_scope | in_scope | false | 三(四) 区妇联与全区范围内贫困儿童结对") })
        #expect(lines.contains { $0.hasPrefix("pairings.one_child | one_child | true | 三(四) 每名“妇联妈妈”与1名贫困儿童结对") })
        #expect(lines.contains { $0.hasPrefix("pairings.approved_child | approved_child | false") })
        #expect(lines.contains { $0.contains("child.street = mother.street | false") && $0.contains("child.street = 平湖; mother.street = 布吉") })
        #expect(throws: (any Error).self) { try session.one("explain pair mother 99 with child 3") }
    }
}
