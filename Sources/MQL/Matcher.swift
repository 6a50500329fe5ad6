// The pairing round (cycle.md §2): a maximum set of valid (mother, child) suggestions.
//
// 1. Candidates: children that are eligible, approved and unpaired (narrowed by `where`);
//    mothers that are unpaired (`Session+PairingRound.swift` selects them with the rules'
//    own defines).
// 2. Mothers fall into classes by what the pairing constraints read of them, and each
//    class gets its candidate children from the constraints rewritten over children
//    (`Matcher+Candidates.swift`). Classes with the same candidates form one group.
// 3. Matching: the groups are filled narrowest first, each taking its free children in
//    preference order (registered earliest, then lowest id). When the groups' candidate
//    sets are nested or disjoint (a laminar family, as the scope rule's district ⊃ street
//    ⊃ community makes them), this is a maximum matching, and it puts the closest level
//    first. Otherwise augmenting paths (Ford–Fulkerson over group capacities) complete it
//    to a maximum one; children once matched stay matched.
// 4. The batch is checked exactly as `pair` checks a change (`Matcher+Validation.swift`);
//    a suggestion refused there is left out, with the constraint that refused it.

import Engine

/// What the round suggests: rows of `mothers` and `children` in the store it ran on.
public struct PairingRoundResult: Sendable {
    public struct Suggestion: Sendable, Equatable {
        public let mother: Int32
        public let child: Int32
    }

    public struct Unmatched: Sendable, Equatable {
        public let child: Int32
        public let reason: String
    }

    /// In the children's preference order (registered earliest, then lowest id).
    public var suggestions: [Suggestion] = []
    /// Candidate children left without a suggestion, in the same order.
    public var unmatched: [Unmatched] = []
    /// Constraints of `pairings` that could not be read as conditions on children: the
    /// exact check still applies them, but the round may then not be maximum.
    public var unsplitConstraints: [String] = []
    /// True when the candidate sets were laminar (greedy narrowest-first was exact).
    public var laminar = true
}

/// The preference among mothers of one group: 社区 before 街道 before 区 (cycle.md §2).
enum LevelPreference {
    static let order = ["社区", "街道", "区"]
    static func rank(_ level: String?) -> Int {
        guard let level, let i = order.firstIndex(of: level) else { return order.count }
        return i
    }
}

/// Mothers with the same candidate children.
struct MatchGroup {
    /// Mother rows, closest level first, then lowest id.
    var mothers: [Int32]
    /// Candidate child rows in preference order.
    var children: [Int32]
    /// The closest level among the mothers (the group's rank among equally narrow ones).
    var levelRank: Int
}

/// The matching itself, on groups: independent of how the groups were found, so tests
/// can compare it with a brute force on small cases.
enum GroupMatching {
    /// Assigns children to groups (at most `mothers.count` each): a maximum assignment.
    /// Returns, per group, the children it takes in preference order, and whether the
    /// candidate sets were laminar.
    static func assign(_ groups: [MatchGroup], childRows: Int, rank: [Int32], cancelled: (() -> Bool)? = nil) -> (taken: [[Int32]], laminar: Bool) {
        let order = groups.indices.sorted {
            let a = groups[$0], b = groups[$1]
            if a.children.count != b.children.count { return a.children.count < b.children.count }
            if a.levelRank != b.levelRank { return a.levelRank < b.levelRank }
            return (a.mothers.first ?? 0) < (b.mothers.first ?? 0)
        }
        var owner = [Int32](repeating: -1, count: childRows)
        var taken: [[Int32]] = Array(repeating: [], count: groups.count)
        for g in order {
            let capacity = groups[g].mothers.count
            guard capacity > 0 else { continue }
            for child in groups[g].children where owner[Int(child)] < 0 {
                owner[Int(child)] = Int32(g)
                taken[g].append(child)
                if taken[g].count == capacity { break }
            }
        }
        let laminar = isLaminar(groups, childRows: childRows, order: order)
        if !laminar { augment(groups, taken: &taken, owner: &owner, rank: rank, cancelled: cancelled) }
        return (taken, laminar)
    }

    /// Nested or disjoint: visiting the sets widest first, all members of a set had the
    /// same narrowest set so far (then it lies inside that one).
    static func isLaminar(_ groups: [MatchGroup], childRows: Int, order: [Int]) -> Bool {
        var narrowest = [Int32](repeating: -1, count: childRows)
        for g in order.reversed() {
            let children = groups[g].children
            guard let first = children.first else { continue }
            let parent = narrowest[Int(first)]
            for child in children {
                if narrowest[Int(child)] != parent { return false }
                narrowest[Int(child)] = Int32(g)
            }
        }
        return true
    }

    /// Completes the greedy assignment to a maximum one: for each child still free (in
    /// preference order), a breadth-first search for a group with room, through groups
    /// that are full and the children they hold, each of which may move to another of its
    /// groups. A search that fails leaves its groups marked until the next success (no
    /// augmenting path can pass through them meanwhile).
    static func augment(_ groups: [MatchGroup], taken: inout [[Int32]], owner: inout [Int32], rank: [Int32], cancelled: (() -> Bool)?) {
        let childRows = owner.count
        // Groups of each child (compressed rows).
        var degree = [Int32](repeating: 0, count: childRows + 1)
        for group in groups { for c in group.children { degree[Int(c) + 1] += 1 } }
        for i in 0..<childRows { degree[i + 1] += degree[i] }
        var fill = degree
        var groupsOf = [Int32](repeating: 0, count: Int(degree[childRows]))
        for (g, group) in groups.enumerated() {
            for c in group.children { groupsOf[Int(fill[Int(c)])] = Int32(g); fill[Int(c)] += 1 }
        }
        var position = [Int32](repeating: -1, count: childRows)
        for list in taken { for (i, c) in list.enumerated() { position[Int(c)] = Int32(i) } }
        var free = groups.enumerated().map { $0.element.mothers.count - taken[$0.offset].count }
        var visitedStamp = [Int](repeating: -1, count: groups.count)
        var via = [Int32](repeating: -1, count: groups.count)
        var stamp = 0
        var candidates = Set<Int32>()
        for group in groups { for c in group.children where owner[Int(c)] < 0 { candidates.insert(c) } }
        let waiting = candidates.sorted { rank[Int($0)] < rank[Int($1)] }
        for (n, start) in waiting.enumerated() {
            if n & 255 == 0, let cancelled, cancelled() { return }
            var queue: [Int32] = []
            var found: Int32 = -1
            func reach(from child: Int32) {
                for k in Int(degree[Int(child)])..<Int(degree[Int(child) + 1]) where found < 0 {
                    let g = Int(groupsOf[k])
                    guard visitedStamp[g] != stamp, owner[Int(child)] != Int32(g) else { continue }
                    visitedStamp[g] = stamp
                    via[g] = child
                    if free[g] > 0 { found = Int32(g) } else { queue.append(Int32(g)) }
                }
            }
            reach(from: start)
            var head = 0
            while found < 0 && head < queue.count {
                let g = Int(queue[head]); head += 1
                for child in taken[g] where found < 0 { reach(from: child) }
            }
            guard found >= 0 else { continue }
            // Move each child along the path into the group that reached it.
            var g = Int(found)
            free[g] -= 1
            while true {
                let child = via[g]
                let old = Int(owner[Int(child)])
                if old >= 0 {
                    let i = Int(position[Int(child)])
                    let last = taken[old].removeLast()
                    if last != child { taken[old][i] = last; position[Int(last)] = Int32(i) }
                }
                owner[Int(child)] = Int32(g)
                position[Int(child)] = Int32(taken[g].count)
                taken[g].append(child)
                if old < 0 { break }
                g = old
            }
            stamp += 1
        }
        // Each group's children back in preference order.
        for g in taken.indices { taken[g].sort { rank[Int($0)] < rank[Int($1)] } }
    }
}

struct Matcher {
    let store: Store
    let catalog: Catalog
    let today: Int32
    var cancelled: (() -> Bool)?

    /// The preference rank of every child row: registered earliest (unknown last), then
    /// lowest id (row order is id order).
    func preferenceRanks(_ children: Table) -> [Int32] {
        var registered: [Int32] = Array(repeating: Int32.max, count: children.rowCount)
        if case .date(let column)? = children.column(named: "registered") {
            for i in 0..<children.rowCount where column.values[i] != DateColumn.null { registered[i] = column.values[i] }
        }
        let order = (0..<Int32(children.rowCount)).sorted { (a: Int32, b: Int32) -> Bool in
            let x = registered[Int(a)], y = registered[Int(b)]
            return x != y ? x < y : a < b
        }
        var rank = [Int32](repeating: 0, count: children.rowCount)
        for (i, row) in order.enumerated() { rank[Int(row)] = Int32(i) }
        return rank
    }

    /// The round over candidate rows (children eligible, approved, unpaired and matching
    /// `where`; mothers unpaired), in row order.
    func run(children candidates: [Int32], mothers: [Int32]) throws -> PairingRoundResult {
        guard let childTable = store.table("children"), let motherTable = store.table("mothers"),
              let forms = PairingConstraintForms(store: store, catalog: catalog) else { return PairingRoundResult() }
        var result = PairingRoundResult()
        result.unsplitConstraints = forms.opaque.map(\.qualifiedName)
        let rank = preferenceRanks(childTable)
        let groups = candidates.isEmpty || mothers.isEmpty ? [] : try candidateGroups(forms: forms, children: candidates, mothers: mothers, rank: rank)
        let (taken, laminar) = GroupMatching.assign(groups, childRows: childTable.rowCount, rank: rank, cancelled: cancelled)
        result.laminar = laminar
        var pairs: [PairingRoundResult.Suggestion] = []
        for (g, children) in taken.enumerated() {
            for (mother, child) in zip(groups[g].mothers, children) { pairs.append(.init(mother: mother, child: child)) }
        }
        pairs.sort { rank[Int($0.child)] < rank[Int($1.child)] }
        let (accepted, refused) = try validate(pairs, forms: forms)
        result.suggestions = accepted
        var reasons: [Int32: String] = [:]
        for (pair, constraint) in refused { reasons[pair.child] = MessageID.suggestionRefused(constraint.qualifiedName, constraint.citation ?? "") }
        let matched = Set(accepted.map(\.child))
        let left = candidates.filter { !matched.contains($0) }
        let levels = levelsOf(motherTable, mothers)
        let coverage = coveringLevels(groups, left: left, childRows: childTable.rowCount, motherTable: motherTable, levels: levels)
        for child in left.sorted(by: { rank[Int($0)] < rank[Int($1)] }) {
            if let refusal = reasons[child] { result.unmatched.append(.init(child: child, reason: refusal)); continue }
            let counts = coverage[child] ?? Array(repeating: 0, count: levels.count)
            let byLevel = zip(levels, counts).map { "\($0.0.isEmpty ? "?" : $0.0) \($0.1)" }.joined(separator: ", ")
            let reason = counts.reduce(0, +) == 0 ? MessageID.noMotherCoversChild(byLevel) : MessageID.coveringMothersTaken(byLevel)
            result.unmatched.append(.init(child: child, reason: reason))
        }
        return result
    }

    /// The distinct levels of the candidate mothers, closest first.
    func levelsOf(_ mothers: Table, _ rows: [Int32]) -> [String] {
        guard case .text(let column)? = mothers.column(named: "level") else { return [""] }
        var seen = Set<String>()
        for r in rows { seen.insert(column.text(at: Int(r)) ?? "") }
        return seen.sorted { LevelPreference.rank($0) != LevelPreference.rank($1) ? LevelPreference.rank($0) < LevelPreference.rank($1) : $0 < $1 }
    }

    /// For each child left over: how many candidate mothers of each level may pair with it.
    func coveringLevels(_ groups: [MatchGroup], left: [Int32], childRows: Int, motherTable: Table, levels: [String]) -> [Int32: [Int]] {
        var isLeft = [Bool](repeating: false, count: childRows)
        for c in left { isLeft[Int(c)] = true }
        var out: [Int32: [Int]] = [:]
        let column: TextColumn? = { if case .text(let c)? = motherTable.column(named: "level") { return c }; return nil }()
        for group in groups {
            var perLevel = Array(repeating: 0, count: levels.count)
            for m in group.mothers {
                let level = column?.text(at: Int(m)) ?? ""
                if let i = levels.firstIndex(of: level) { perLevel[i] += 1 }
            }
            for child in group.children where isLeft[Int(child)] {
                var counts = out[child] ?? Array(repeating: 0, count: levels.count)
                for i in counts.indices { counts[i] += perLevel[i] }
                out[child] = counts
            }
        }
        return out
    }

    /// Mothers in classes, each class's candidate children, classes with the same
    /// children merged into one group.
    func candidateGroups(forms: PairingConstraintForms, children: [Int32], mothers: [Int32], rank: [Int32]) throws -> [MatchGroup] {
        let motherTable = store.table("mothers")!
        let classes = motherClasses(forms: forms, mothers: mothers, table: motherTable)
        // One hypothetical pairing per class, all in one copy of the store.
        let pairings = forms.pairings
        var edits: [RowEdit] = []
        var id = pairings.nextFreeID
        let childKey = store.table("children")!.keyText(row: Int(children[0]))
        for members in classes {
            var cells: [String: String] = [:]
            for field in pairings.schema.fields { cells[field.name] = "" }
            cells["id"] = String(id)
            cells["mother"] = motherTable.keyText(row: Int(members[0]))
            cells["child"] = childKey
            cells["since"] = CivilDate.format(today)
            edits.append(RowEdit(kind: .insert, collection: "pairings", key: String(id), cells: cells))
            id += 1
        }
        let hypothetical = try store.applying(edits)
        let hypotheticalPairings = hypothetical.table("pairings")!
        let hypotheticalPlanner = Planner(store: hypothetical, catalog: catalog, today: today)
        let childTable = store.table("children")!
        let planner = Planner(store: store, catalog: catalog, today: today)
        planner.cancelled = cancelled
        var isCandidate = RowBits(count: childTable.rowCount)
        for c in children { isCandidate.insert(Int(c)) }
        let levelColumn: TextColumn? = { if case .text(let c)? = motherTable.column(named: "level") { return c }; return nil }()
        let compiled = ChildConditionBuilder.CompiledParts()
        var byCondition: [String: [Int32]] = [:]
        // The condition of a constraint that reads nothing of the mother, from the first class.
        var classFree: [ObjectIdentifier: TExpr?] = [:]
        var printed: [ObjectIdentifier: String] = [:]
        var groupOf: [String: Int] = [:]
        var groups: [MatchGroup] = []
        for (k, members) in classes.enumerated() {
            if let cancelled, cancelled() { throw CancellationError() }
            let row = hypotheticalPairings.row(editKey: edits[k].key)!
            let builder = ChildConditionBuilder(forms: forms, hypothetical: hypothetical, planner: hypotheticalPlanner, pairingRow: row, compiled: compiled)
            var keys: [String] = []
            var sets: [[Int32]] = []
            var none = false
            for info in forms.splittable {
                let id = ObjectIdentifier(info)
                let made: TExpr?
                if forms.classFree.contains(id), let known = classFree[id] { made = known } else {
                    made = builder.condition(info)
                    if forms.classFree.contains(id) { classFree[id] = made }
                }
                guard let condition = made else { continue }
                if case .constant(.bool(true)) = condition.node { continue }
                if case .constant(.bool(false)) = condition.node { none = true; break }
                let key = printed[ObjectIdentifier(condition)] ?? ConditionPrint.of(condition)
                if forms.classFree.contains(id) { printed[ObjectIdentifier(condition)] = key }
                keys.append(key)
                if let known = byCondition[key] { sets.append(known); continue }
                let rows = planner.planFilter(condition, table: childTable).run().filter { isCandidate.contains(Int($0)) }
                byCondition[key] = rows
                sets.append(rows)
            }
            if none { continue }
            let groupKey = keys.sorted().joined(separator: "\u{1}")
            if let g = groupOf[groupKey] { groups[g].mothers += members; continue }
            var set = children
            for s in sets.sorted(by: { $0.count < $1.count }) { set = Self.intersect(set, s) }
            set.sort { rank[Int($0)] < rank[Int($1)] }
            groupOf[groupKey] = groups.count
            groups.append(MatchGroup(mothers: members, children: set, levelRank: 0))
        }
        for g in groups.indices {
            let level: (Int32) -> Int = { LevelPreference.rank(levelColumn?.text(at: Int($0))) }
            groups[g].mothers.sort { level($0) != level($1) ? level($0) < level($1) : $0 < $1 }
            groups[g].levelRank = groups[g].mothers.first.map(level) ?? LevelPreference.order.count
        }
        return groups
    }

    static func intersect(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        var out: [Int32] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { out.append(a[i]); i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return out
    }

    /// Mothers by the values the pairing constraints read of them, in row order within a
    /// class.
    func motherClasses(forms: PairingConstraintForms, mothers: [Int32], table: Table) -> [[Int32]] {
        if forms.motherWhole { return mothers.map { [$0] } }
        let fields = forms.motherFields.sorted()
        let planner = Planner(store: store, catalog: catalog, today: today)
        let defines = forms.motherDefines.compactMap { info -> ((Int) -> Value)? in
            let this = TExpr(.this, .row("mothers"), info.definition.nameRange)
            return planner.compile(TExpr(.define(base: this, info), info.type ?? .bool, info.definition.nameRange)).valueGetter(store: store)
        }
        let reverses = forms.motherReverses.compactMap { r -> Postings? in
            guard let source = store.table(r.source) else { return nil }
            return source.postings(field: r.field)
        }
        var index: [[Int]: Int] = [:]
        var defineIndex: [[Value]: Int] = [:]
        var classes: [[Int32]] = []
        var key: [Int] = []
        for m in mothers {
            key.removeAll(keepingCapacity: true)
            for f in fields { Self.appendCode(table.columns[f], Int(m), to: &key) }
            for postings in reverses { key.append(postings.count(for: Int(m))) }
            if !defines.isEmpty {
                key.append(defineIndex.count)
                let values = defines.map { $0(Int(m)) }
                if let known = defineIndex[values] { key[key.count - 1] = known } else { defineIndex[values] = defineIndex.count }
            }
            if let c = index[key] { classes[c].append(m) } else { index[key] = classes.count; classes.append([m]) }
        }
        return classes
    }

    /// A cell as integers that two cells share exactly when they hold the same value.
    static func appendCode(_ column: Column, _ row: Int, to key: inout [Int]) {
        switch column {
        case .int(let c): key.append(c.values[row])
        case .date(let c): key.append(Int(c.values[row]))
        case .text(let c): key.append(Int(c.codes[row]))
        case .reference(let c): key.append(Int(c.rows[row]))
        case .textSet(let c):
            let codes = c.codes(at: row).sorted()
            key.append(codes.count)
            key.append(contentsOf: codes.map(Int.init))
        }
    }
}
