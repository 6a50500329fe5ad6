// The matching of the pairing round: a maximum set of (mother, child) pairs over the
// candidate sets, the best one by cycle.md §2's preference, exactly.
//
// What "best" means. The level of a suggestion is its mother's level (`mother.level`, the
// `level` column of the result): the level she is registered through, which is what the
// scope rule reads. Mothers are ordered closest level first (社区, 街道, 区, any other
// level last), then by lowest id; children registered earliest first (unknown last), then
// by lowest id. Among all maximum valid sets, the round returns one whose set of mothers is
// the greedy-best in the mothers' order — for every k, as many of the first k mothers are
// paired as in any maximum set, so the most 社区 mothers possible, then (with those) the
// most 街道 mothers — and whose set of children is the greedy-best in the children's order
// — for every k, as many of the k earliest-registered children as any maximum set pairs.
//
// Why both at once, and why exactly:
// - The sets of mothers that some matching pairs are the independent sets of a
//   (transversal) matroid, and maximum matchings pair exactly its bases. The greedy
//   algorithm — take each mother in order, keep her if the mothers kept so far and she can
//   all be paired, i.e. if an augmenting path starts at her — yields the base that is best
//   for every prefix of the order (Gale). Augmenting never unpairs a paired vertex, so one
//   matching is carried along. The same holds for children on the other side.
// - Mendelsohn–Dulmage: if one matching covers the mothers A and another the children B,
//   some matching covers both. With A and B the two greedy bases (both of maximum size),
//   a maximum flow that must use exactly A and B finds it.
//
// The scale. Mothers with the same candidate children (a group) are interchangeable, and so
// are children that lie in the same groups (a region: under the shipped scope rule, one
// community). The search runs on the small network of groups and regions, with counts:
// at a million children a few hundred nodes instead of a million. When the candidate sets
// are nested or disjoint (laminar, as district ⊃ street ⊃ community), a set of mothers can
// be paired exactly when no set of the family holds fewer children than the kept mothers
// whose sets lie inside it, so keeping a mother is a count check on her set and the sets
// containing it, narrowest first: no search at all.

/// The level order of mothers (cycle.md §2): 社区 before 街道 before 区, others last.
enum LevelPreference {
    static let order = ["社区", "街道", "区"]
    static func rank(_ level: String?) -> Int {
        guard let level, let i = order.firstIndex(of: level) else { return order.count }
        return i
    }
}

/// Mothers with the same candidate children.
struct MatchGroup {
    /// Mother rows, closest level first, then lowest id (row order is id order).
    var mothers: [Int32]
    /// Candidate child rows in preference order.
    var children: [Int32]
    /// The closest level among the mothers.
    var levelRank: Int
    /// Each mother's level rank, parallel to `mothers` (empty: every mother at `levelRank`).
    var motherLevels: [Int] = []

    func level(_ i: Int) -> Int { i < motherLevels.count ? motherLevels[i] : levelRank }
}

/// The matching itself, on groups: independent of how the groups were found, so tests can
/// compare it with a brute force on small cases.
enum GroupMatching {
    /// Assigns children to groups: per group, the children paired with its first mothers
    /// (as many as it pairs), in preference order; and whether the sets were laminar.
    /// `searchAlways` takes the search path even for laminar sets (tests compare the two).
    static func assign(_ groups: [MatchGroup], childRows: Int, rank: [Int32], cancelled: (() -> Bool)? = nil,
                       searchAlways: Bool = false) -> (taken: [[Int32]], laminar: Bool) {
        let narrowestFirst = groups.indices.sorted {
            let a = groups[$0], b = groups[$1]
            if a.children.count != b.children.count { return a.children.count < b.children.count }
            if a.levelRank != b.levelRank { return a.levelRank < b.levelRank }
            return (a.mothers.first ?? 0) < (b.mothers.first ?? 0)
        }
        let parent = laminarParents(groups, childRows: childRows, order: narrowestFirst)
        var network = RegionNetwork(groups, childRows: childRows, rank: rank)
        let mothers = network.bestMothers(groups, laminarParents: searchAlways ? nil : parent, cancelled: cancelled)
        let children = network.bestChildren(maximum: mothers.reduce(0, +), cancelled: cancelled)
        let taken = network.pairs(groups, mothers: mothers, children: children, rank: rank)
        return (taken, parent != nil)
    }

    /// Nested or disjoint: visiting the sets widest first, all members of a set had the
    /// same narrowest set so far (then it lies inside that one).
    static func isLaminar(_ groups: [MatchGroup], childRows: Int, order: [Int]) -> Bool {
        laminarParents(groups, childRows: childRows, order: order) != nil
    }

    /// For a laminar family, each set's parent: the narrowest other set containing it (for
    /// equal sets, the one later in `order`), or -1. Nil when the family is not laminar.
    static func laminarParents(_ groups: [MatchGroup], childRows: Int, order: [Int]) -> [Int]? {
        var narrowest = [Int32](repeating: -1, count: childRows)
        var parent = [Int](repeating: -1, count: groups.count)
        for g in order.reversed() {
            let children = groups[g].children
            guard let first = children.first else { continue }
            let above = narrowest[Int(first)]
            for child in children {
                if narrowest[Int(child)] != above { return nil }
                narrowest[Int(child)] = Int32(g)
            }
            parent[g] = Int(above)
        }
        return parent
    }
}

/// Groups (interchangeable mothers) and regions (interchangeable children: those in the
/// same groups) with a flow between them: a group sends to a region inside its set.
struct RegionNetwork {
    /// Per region, its children in preference order.
    var regionChildren: [[Int32]] = []
    /// Edges (group, region), by group and by region.
    var edgeGroup: [Int32] = []
    var edgeRegion: [Int32] = []
    var groupEdges: [[Int32]]
    var regionEdges: [[Int32]] = []
    /// The current flow: per edge, out of each group, into each region.
    var flow: [Int] = []
    var groupFlow: [Int]
    var regionFlow: [Int] = []
    var groupCapacity: [Int]
    var regionCapacity: [Int] = []
    /// Search marks, by stamp.
    var groupSeen: [Int]
    var regionSeen: [Int] = []
    var groupVia: [Int32]
    var regionVia: [Int32] = []
    var stamp = 0
    /// Each group's number of mothers, and each child row's preference rank.
    let motherCounts: [Int]
    let childRank: [Int32]

    var groupCount: Int { groupEdges.count }
    var regionCount: Int { regionChildren.count }

    init(_ groups: [MatchGroup], childRows: Int, rank: [Int32]) {
        let g = groups.count
        motherCounts = groups.map(\.mothers.count)
        childRank = rank
        groupEdges = Array(repeating: [], count: g)
        groupFlow = Array(repeating: 0, count: g)
        groupCapacity = Array(repeating: 0, count: g)
        groupSeen = Array(repeating: -1, count: g)
        groupVia = Array(repeating: -1, count: g)
        // Refine: a child's region is the list of groups holding it, numbered as met.
        var region = [Int32](repeating: -1, count: childRows)
        var remap: [Int32] = [-1], remapOwner: [Int32] = [-1]
        var made: Int32 = 0
        for (k, group) in groups.enumerated() {
            for c in group.children {
                let old = Int(region[Int(c)] + 1)
                if remapOwner[old] != Int32(k) {
                    remapOwner[old] = Int32(k)
                    remap[old] = made
                    made += 1
                    remap.append(-1)
                    remapOwner.append(-1)
                }
                region[Int(c)] = remap[old]
            }
        }
        // Number the final regions by their earliest child, and list their children.
        var byRank = [Int32](repeating: -1, count: childRows)
        for group in groups { for c in group.children { byRank[Int(rank[Int(c)])] = c } }
        var final = [Int32](repeating: -1, count: Int(made))
        for c in byRank where c >= 0 {
            let r = Int(region[Int(c)])
            if final[r] < 0 { final[r] = Int32(regionChildren.count); regionChildren.append([]) }
            regionChildren[Int(final[r])].append(c)
        }
        let regions = regionChildren.count
        regionEdges = Array(repeating: [], count: regions)
        regionFlow = Array(repeating: 0, count: regions)
        regionCapacity = regionChildren.map(\.count)
        regionSeen = Array(repeating: -1, count: regions)
        regionVia = Array(repeating: -1, count: regions)
        var lastGroup = [Int32](repeating: -1, count: regions)
        for (k, group) in groups.enumerated() {
            for c in group.children {
                let r = Int(final[Int(region[Int(c)])])
                guard lastGroup[r] != Int32(k) else { continue }
                lastGroup[r] = Int32(k)
                let e = Int32(edgeGroup.count)
                edgeGroup.append(Int32(k))
                edgeRegion.append(Int32(r))
                groupEdges[k].append(e)
                regionEdges[r].append(e)
            }
        }
        flow = Array(repeating: 0, count: edgeGroup.count)
    }

    mutating func resetFlow() {
        for i in flow.indices { flow[i] = 0 }
        for i in groupFlow.indices { groupFlow[i] = 0 }
        for i in regionFlow.indices { regionFlow[i] = 0 }
    }

    // MARK: Augmenting paths

    /// A path from group `start` to a region with room, through regions full and groups
    /// sending to them (whose flow may move elsewhere): the last region, or -1.
    mutating func searchFromGroup(_ start: Int) -> Int {
        stamp += 1
        var queue = [Int32(start)]
        groupSeen[start] = stamp
        groupVia[start] = -1
        var head = 0
        while head < queue.count {
            let x = Int(queue[head]); head += 1
            for e in groupEdges[x] {
                let r = Int(edgeRegion[Int(e)])
                guard regionSeen[r] != stamp else { continue }
                regionSeen[r] = stamp
                regionVia[r] = e
                if regionFlow[r] < regionCapacity[r] { return r }
                for e2 in regionEdges[r] where flow[Int(e2)] > 0 {
                    let y = Int(edgeGroup[Int(e2)])
                    guard groupSeen[y] != stamp else { continue }
                    groupSeen[y] = stamp
                    groupVia[y] = e2
                    queue.append(Int32(y))
                }
            }
        }
        return -1
    }

    /// Pushes `amount` along the path `searchFromGroup` found ending at region `end`.
    mutating func pushFromGroup(to end: Int, amount: Int) {
        var r = end
        regionFlow[r] += amount
        while true {
            let e = Int(regionVia[r])
            flow[e] += amount
            let g = Int(edgeGroup[e])
            let back = Int(groupVia[g])
            if back < 0 { groupFlow[g] += amount; return }
            flow[back] -= amount
            r = Int(edgeRegion[back])
        }
    }

    /// The most that path can carry: the room at both ends and the flow it moves.
    func capacityFromGroup(to end: Int) -> Int {
        var amount = regionCapacity[end] - regionFlow[end]
        var r = end
        while true {
            let e = Int(regionVia[r])
            let g = Int(edgeGroup[e])
            let back = Int(groupVia[g])
            if back < 0 { return min(amount, groupCapacity[g] - groupFlow[g]) }
            amount = min(amount, flow[back])
            r = Int(edgeRegion[back])
        }
    }

    /// A path into region `start` from a group with room (the mirror of `searchFromGroup`):
    /// the first group, or -1. On failure every region it reached is marked in `regionSeen`.
    mutating func searchIntoRegion(_ start: Int) -> Int {
        stamp += 1
        var queue = [Int32(start)]
        regionSeen[start] = stamp
        regionVia[start] = -1
        var head = 0
        while head < queue.count {
            let y = Int(queue[head]); head += 1
            for e in regionEdges[y] {
                let g = Int(edgeGroup[Int(e)])
                guard groupSeen[g] != stamp else { continue }
                groupSeen[g] = stamp
                groupVia[g] = e
                if groupFlow[g] < groupCapacity[g] { return g }
                for e2 in groupEdges[g] where flow[Int(e2)] > 0 {
                    let r = Int(edgeRegion[Int(e2)])
                    guard regionSeen[r] != stamp else { continue }
                    regionSeen[r] = stamp
                    regionVia[r] = e2
                    queue.append(Int32(r))
                }
            }
        }
        return -1
    }

    /// Pushes one unit along the path `searchIntoRegion` found starting at group `begin`.
    mutating func pushIntoRegion(from begin: Int) {
        var g = begin
        groupFlow[g] += 1
        while true {
            let e = Int(groupVia[g])
            flow[e] += 1
            let r = Int(edgeRegion[e])
            let back = Int(regionVia[r])
            if back < 0 { regionFlow[r] += 1; return }
            flow[back] -= 1
            g = Int(edgeGroup[back])
        }
    }

    // MARK: The three steps

    /// Per group, how many of its mothers (a prefix of its list) the greedy-best set of
    /// mothers keeps: mothers in order closest level, then lowest id, each kept when she
    /// can be paired along with those kept before her.
    mutating func bestMothers(_ groups: [MatchGroup], laminarParents parent: [Int]?, cancelled: (() -> Bool)?) -> [Int] {
        // Every mother once, in the global order: by level, then row (rows are counted
        // out, not sorted: a million mothers are a few passes over an array).
        var lastRow: Int32 = -1
        for group in groups where !group.children.isEmpty { for m in group.mothers { lastRow = max(lastRow, m) } }
        var groupOfRow = [Int32](repeating: -1, count: Int(lastRow) + 1)
        var levelOfRow = [Int](repeating: 0, count: Int(lastRow) + 1)
        var levels = Set<Int>()
        for (g, group) in groups.enumerated() where !group.children.isEmpty {
            for (i, m) in group.mothers.enumerated() {
                groupOfRow[Int(m)] = Int32(g)
                levelOfRow[Int(m)] = group.level(i)
                levels.insert(group.level(i))
            }
        }
        var order: [Int32] = []
        for level in levels.sorted() {
            for row in groupOfRow.indices where groupOfRow[row] >= 0 && levelOfRow[row] == level { order.append(groupOfRow[row]) }
        }
        var kept = [Int](repeating: 0, count: groupCount)
        var alive = [Bool](repeating: true, count: groupCount)
        var room = regionCapacity.reduce(0, +)
        resetFlow()
        for (n, slot) in order.enumerated() {
            if n & 4095 == 0, let cancelled, cancelled() { break }
            if room == 0 { break }
            let g = Int(slot)
            guard alive[g] else { continue }
            if let parent {
                // Laminar: the kept mothers whose sets lie inside each set fit in it.
                var t = g, fits = true
                while t >= 0 { if kept[t] >= groups[t].children.count { fits = false; break }; t = parent[t] }
                guard fits else { alive[g] = false; continue }
                kept[g] += 1
                room -= 1
                // `kept[t]` counts the mothers of t and of the sets inside it.
                t = parent[g]
                while t >= 0 { kept[t] += 1; t = parent[t] }
                continue
            }
            groupCapacity[g] += 1
            let end = searchFromGroup(g)
            if end < 0 { groupCapacity[g] -= 1; alive[g] = false; continue }
            pushFromGroup(to: end, amount: 1)
            kept[g] += 1
            room -= 1
        }
        guard let parent else { return kept }
        // Back from "inside each set" to each group's own mothers.
        var own = kept
        for g in kept.indices where parent[g] >= 0 { own[parent[g]] -= kept[g] }
        return own
    }

    /// Per region, how many of its children (a prefix of its list) the greedy-best set of
    /// children keeps: children registered earliest first, each kept when she can be
    /// paired along with those kept before her. `maximum` is the size of a maximum
    /// matching: once reached, no further child can be kept.
    mutating func bestChildren(maximum: Int, cancelled: (() -> Bool)?) -> [Int] {
        resetFlow()
        // Any maximum matching's children: every group may use all its mothers.
        groupCapacity = motherCounts
        var kept = [Int](repeating: 0, count: regionCount)
        var dead = [Bool](repeating: false, count: regionCount)
        var total = 0
        // Children by rank across regions: merge the regions' lists.
        var order: [(rank: Int32, region: Int32)] = []
        for (r, list) in regionChildren.enumerated() { for c in list { order.append((childRank[Int(c)], Int32(r))) } }
        order.sort { $0.rank < $1.rank }
        for (n, item) in order.enumerated() {
            if n & 4095 == 0, let cancelled, cancelled() { break }
            if total == maximum { break }
            let r = Int(item.region)
            guard !dead[r] else { continue }
            let begin = searchIntoRegion(r)
            if begin < 0 {
                // Every region this search reached is as stuck as r.
                for y in 0..<regionCount where regionSeen[y] == stamp { dead[y] = true }
                continue
            }
            pushIntoRegion(from: begin)
            kept[r] += 1
            total += 1
        }
        return kept
    }

    /// The pairs: a flow that uses exactly the kept mothers of each group and the kept
    /// children of each region (one exists by Mendelsohn–Dulmage), turned into each
    /// group's children in preference order.
    mutating func pairs(_ groups: [MatchGroup], mothers: [Int], children: [Int], rank: [Int32]) -> [[Int32]] {
        resetFlow()
        groupCapacity = mothers
        regionCapacity = children
        for g in 0..<groupCount {
            for e in groupEdges[g] where groupFlow[g] < groupCapacity[g] {
                let r = Int(edgeRegion[Int(e)])
                let amount = min(groupCapacity[g] - groupFlow[g], regionCapacity[r] - regionFlow[r])
                guard amount > 0 else { continue }
                flow[Int(e)] += amount
                groupFlow[g] += amount
                regionFlow[r] += amount
            }
            while groupFlow[g] < groupCapacity[g] {
                let end = searchFromGroup(g)
                guard end >= 0 else { break }
                pushFromGroup(to: end, amount: capacityFromGroup(to: end))
            }
        }
        var next = [Int](repeating: 0, count: regionCount)
        var taken = [[Int32]](repeating: [], count: groupCount)
        for g in 0..<groupCount {
            for e in groupEdges[g] where flow[Int(e)] > 0 {
                let r = Int(edgeRegion[Int(e)]), f = flow[Int(e)]
                taken[g] += regionChildren[r][next[r]..<(next[r] + f)]
                next[r] += f
            }
            taken[g] = Matcher.byRank(taken[g], rank)
        }
        return taken
    }
}
