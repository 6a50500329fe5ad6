// The pairing round's preference among maximum sets (cycle.md §2), against an exhaustive
// oracle: on tiny random instances every subset of mothers and of children is tried, and
// the round must pair a maximum number, with the greedy-best set of mothers (closest level
// first, then lowest id: for every k as many of the first k as any maximum set) and the
// greedy-best set of children (registered earliest, then lowest id). Both on the matching
// alone (random groups, laminar or not, through both the count check and the search) and
// through `suggest pairings` with the shipped scope rule and with edited ones whose sets
// overlap without nesting.

import Engine
import Foundation
@testable import MQL
import Testing

/// Exhaustive answers on a bipartite graph of at most a dozen vertices a side.
struct BruteForceMatching {
    let mothers: Int, children: Int
    let allowed: (Int, Int) -> Bool

    /// Whether some matching pairs every mother of `ms` (with any children).
    func pairsMothers(_ ms: [Int]) -> Bool {
        var used = [Bool](repeating: false, count: children)
        func go(_ i: Int) -> Bool {
            if i == ms.count { return true }
            for c in 0..<children where !used[c] && allowed(ms[i], c) {
                used[c] = true
                if go(i + 1) { return true }
                used[c] = false
            }
            return false
        }
        return go(0)
    }

    /// Whether some matching pairs every child of `cs` (with any mothers).
    func pairsChildren(_ cs: [Int]) -> Bool {
        var used = [Bool](repeating: false, count: mothers)
        func go(_ i: Int) -> Bool {
            if i == cs.count { return true }
            for m in 0..<mothers where !used[m] && allowed(m, cs[i]) {
                used[m] = true
                if go(i + 1) { return true }
                used[m] = false
            }
            return false
        }
        return go(0)
    }

    /// Whether the mothers `ms` can be paired with exactly the children `cs`.
    func pairsExactly(_ ms: [Int], _ cs: [Int]) -> Bool {
        guard ms.count == cs.count else { return false }
        var used = [Bool](repeating: false, count: cs.count)
        func go(_ i: Int) -> Bool {
            if i == ms.count { return true }
            for j in cs.indices where !used[j] && allowed(ms[i], cs[j]) {
                used[j] = true
                if go(i + 1) { return true }
                used[j] = false
            }
            return false
        }
        return go(0)
    }

    /// Of the largest subsets of 0..<n that `pairs` accepts, the one whose positions in the
    /// preference order (`position[v]`, 0 best), sorted, are lexicographically least.
    static func best(_ n: Int, position: [Int], pairs: ([Int]) -> Bool) -> Set<Int> {
        var best: [Int] = [], bestKey: [Int] = []
        for mask in 0..<(1 << n) {
            let set = (0..<n).filter { mask & (1 << $0) != 0 }
            guard set.count >= best.count, pairs(set) else { continue }
            let key = set.map { position[$0] }.sorted()
            if set.count > best.count || key.lexicographicallyPrecedes(bestKey) { best = set; bestKey = key }
        }
        return Set(best)
    }

    static func positions(_ n: Int, by less: (Int, Int) -> Bool) -> [Int] {
        var position = [Int](repeating: 0, count: n)
        for (i, v) in (0..<n).sorted(by: less).enumerated() { position[v] = i }
        return position
    }
}

@Suite struct MatcherPreferenceTests {
    /// Random groups over at most 6 children and 7 mothers: half of them laminar (sets
    /// taken from a hierarchy of blocks), half any subsets.
    func randomGroups(_ g: inout SplitMix) -> (groups: [MatchGroup], childRows: Int, rank: [Int32]) {
        let childRows = Int.random(in: 1...6, using: &g)
        var rank = (0..<Int32(childRows)).map { $0 }
        rank.shuffle(using: &g)
        let laminar = Bool.random(using: &g)
        let blocks: [[Int32]] = {
            let all = Array(0..<Int32(childRows)), half = childRows / 2
            let a = Array(all[..<half]), b = Array(all[half...])
            return [all, a, b, Array(a.prefix(1)), Array(b.prefix(2)), Array(b.suffix(1)), []]
        }()
        var groups: [MatchGroup] = []
        var row: Int32 = 0
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            var children: [Int32]
            if laminar { children = blocks.randomElement(using: &g)! } else {
                children = (0..<Int32(childRows)).filter { _ in Int.random(in: 0..<2, using: &g) == 0 }
            }
            children.sort { rank[Int($0)] < rank[Int($1)] }
            var mothers: [(Int32, Int)] = []
            for _ in 0..<Int.random(in: 0...3, using: &g) where row < 7 {
                mothers.append((row, Int.random(in: 0...3, using: &g)))
                row += 1
            }
            mothers.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            groups.append(MatchGroup(mothers: mothers.map(\.0), children: children, levelRank: mothers.first?.1 ?? 3,
                                     motherLevels: mothers.map(\.1)))
        }
        return (groups, childRows, rank)
    }

    @Test func groupMatchingIsMaximumAndGreedyBestOnBothSidesAgainstBruteForce() {
        var laminarSeen = 0, otherSeen = 0
        for seed in UInt64(1)...1500 {
            var g = SplitMix(seed: seed)
            let (groups, childRows, rank) = randomGroups(&g)
            // Mothers flattened: (row, level, group).
            var mothers: [(row: Int32, level: Int, group: Int)] = []
            for (k, group) in groups.enumerated() { for (i, m) in group.mothers.enumerated() { mothers.append((m, group.level(i), k)) } }
            let oracle = BruteForceMatching(mothers: mothers.count, children: childRows) { m, c in groups[mothers[m].group].children.contains(Int32(c)) }
            let motherPosition = BruteForceMatching.positions(mothers.count) {
                mothers[$0].level != mothers[$1].level ? mothers[$0].level < mothers[$1].level : mothers[$0].row < mothers[$1].row
            }
            let childPosition = BruteForceMatching.positions(childRows) { rank[$0] < rank[$1] }
            let bestMothers = BruteForceMatching.best(mothers.count, position: motherPosition, pairs: oracle.pairsMothers)
            let bestChildren = BruteForceMatching.best(childRows, position: childPosition, pairs: oracle.pairsChildren)
            #expect(bestMothers.count == bestChildren.count)
            #expect(oracle.pairsExactly(bestMothers.sorted(), bestChildren.sorted()), "Mendelsohn–Dulmage (seed \(seed))")
            for searchAlways in [false, true] {
                let (taken, laminar) = GroupMatching.assign(groups, childRows: childRows, rank: rank, searchAlways: searchAlways)
                if !searchAlways { if laminar { laminarSeen += 1 } else { otherSeen += 1 } }
                var pairedMothers = Set<Int>(), pairedChildren = Set<Int>()
                for (k, list) in taken.enumerated() {
                    #expect(list.count <= groups[k].mothers.count, "seed \(seed)")
                    #expect(list == list.sorted { rank[Int($0)] < rank[Int($1)] }, "in preference order (seed \(seed))")
                    for c in list {
                        #expect(groups[k].children.contains(c), "a child of the group's set (seed \(seed))")
                        #expect(pairedChildren.insert(Int(c)).inserted, "each child once (seed \(seed))")
                    }
                    for i in 0..<min(list.count, groups[k].mothers.count) {
                        pairedMothers.insert(mothers.firstIndex { $0.row == groups[k].mothers[i] }!)
                    }
                }
                let how = "seed \(seed), laminar \(laminar), search \(searchAlways)"
                #expect(pairedMothers == bestMothers, "greedy-best mothers (\(how))")
                #expect(pairedChildren == bestChildren, "greedy-best children (\(how))")
                #expect(GroupMatching.assign(groups, childRows: childRows, rank: rank, searchAlways: searchAlways).taken == taken, "deterministic (\(how))")
            }
        }
        #expect(laminarSeen > 300 && otherSeen > 200, "both kinds of family: \(laminarSeen) laminar, \(otherSeen) not")
    }

    @Test func closestLevelBeatsNarrowestSet() {
        // Two 社区 mothers whose set {1, 2} is wider than a 街道 mother's {1}: narrowest
        // first would pair the 街道 mother with 1 and one 社区 mother with 2; the closest
        // level pairs both 社区 mothers.
        let groups = [
            MatchGroup(mothers: [0, 1], children: [1, 2], levelRank: 0, motherLevels: [0, 0]),
            MatchGroup(mothers: [2], children: [1], levelRank: 1, motherLevels: [1]),
        ]
        let rank: [Int32] = [0, 1, 2]
        for searchAlways in [false, true] {
            let (taken, laminar) = GroupMatching.assign(groups, childRows: 3, rank: rank, searchAlways: searchAlways)
            #expect(laminar)
            #expect(taken == [[1, 2], []])
        }
    }

    /// The scope rule as shipped, and edited so that sets overlap without nesting.
    enum Scope: CaseIterable {
        case shipped, streetOrEarly, communityOrPinghu, districtOnlyLate
        var replacement: (old: String, new: String)? {
            switch self {
            case .shipped: return nil
            case .streetOrEarly:
                return ("(mother.level = \"街道\" and child.street = mother.street)",
                        "(mother.level = \"街道\" and (child.street = mother.street or child.registered < 2019-07-01))")
            case .communityOrPinghu:
                return ("(mother.level = \"社区\" and child.community = mother.community)",
                        "(mother.level = \"社区\" and (child.community = mother.community or child.street = \"平湖\"))")
            case .districtOnlyLate:
                return ("mother.level = \"区\"\n", "(mother.level = \"区\" and child.registered >= 2019-07-01)\n")
            }
        }

        /// The same, written directly over the raw data.
        func allows(_ m: RandomRound.Mother, _ c: RandomRound.Child) -> Bool {
            switch self {
            case .shipped: return RandomRound.inScope(m, c)
            case .streetOrEarly: return RandomRound.inScope(m, c) || (m.level == "街道" && c.registered < "2019-07-01")
            case .communityOrPinghu: return RandomRound.inScope(m, c) || (m.level == "社区" && c.street == "平湖")
            case .districtOnlyLate: return m.level == "区" ? c.registered >= "2019-07-01" : RandomRound.inScope(m, c)
            }
        }

        var rules: [SourceFile] {
            guard let (old, new) = replacement else { return Fixtures.ruleSources }
            return Fixtures.ruleSources.map { source in
                guard source.name.hasSuffix("30_pairing.mql") else { return source }
                let text = source.text.replacingOccurrences(of: old, with: new)
                precondition(text != source.text, "the scope rule's text changed: \(old)")
                return SourceFile(name: source.name, text: text)
            }
        }
    }

    @Test func suggestPairingsIsMaximumAndGreedyBestUnderEditedScopeRules() throws {
        for seed in UInt64(1)...240 {
            let scope = Scope.allCases[Int(seed) % Scope.allCases.count]
            let round = RandomRound(seed: seed &* 7919)
            let session = try Fixtures.session(round.files, rules: scope.rules)
            guard case .rows(let result) = try session.one("suggest pairings") else { Issue.record("no rows"); continue }
            let rows = result.rows.map { $0.map(\.description) }
            let ms = round.candidateMothers, cs = round.candidateChildren
            let oracle = BruteForceMatching(mothers: ms.count, children: cs.count) { scope.allows(ms[$0], cs[$1]) }
            let level = { (m: RandomRound.Mother) in LevelPreference.rank(m.level) }
            let motherPosition = BruteForceMatching.positions(ms.count) {
                level(ms[$0]) != level(ms[$1]) ? level(ms[$0]) < level(ms[$1]) : ms[$0].id < ms[$1].id
            }
            let childPosition = BruteForceMatching.positions(cs.count) {
                cs[$0].registered != cs[$1].registered ? cs[$0].registered < cs[$1].registered : cs[$0].id < cs[$1].id
            }
            let bestMothers = Set(BruteForceMatching.best(ms.count, position: motherPosition, pairs: oracle.pairsMothers).map { String(ms[$0].id) })
            let bestChildren = Set(BruteForceMatching.best(cs.count, position: childPosition, pairs: oracle.pairsChildren).map { String(cs[$0].id) })
            let how = "seed \(seed), \(scope)"
            #expect(rows.count == bestMothers.count, "maximum (\(how))")
            #expect(Set(rows.map { $0[0] }) == bestMothers, "closest level first, then lowest id (\(how))")
            #expect(Set(rows.map { $0[1] }) == bestChildren, "registered earliest, then lowest id (\(how))")
            for row in rows {
                guard let m = ms.first(where: { String($0.id) == row[0] }), let c = cs.first(where: { String($0.id) == row[1] }) else {
                    Issue.record("not a candidate: \(row) (\(how))"); continue
                }
                #expect(scope.allows(m, c) && row[2] == m.level, "valid, level is the mother's (\(how)): \(row)")
            }
            if case .rows(let again) = try Fixtures.session(round.files, rules: scope.rules).one("suggest pairings") {
                #expect(again.rows.map { $0.map(\.description) } == rows, "deterministic (\(how))")
            }
            guard !rows.isEmpty else { continue }
            let script = (["begin"] + rows.map { "pair mother \($0[0]) with child \($0[1])" } + ["commit"]).joined(separator: "\n")
            #expect(session.run(script).allSatisfy { if case .success = $0 { return true }; return false }, "the batch commits (\(how))")
        }
    }
}
