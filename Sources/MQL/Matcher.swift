// The pairing round (cycle.md §2): a maximum set of valid (mother, child) suggestions.
//
// 1. Candidates: children that are eligible, approved and unpaired (narrowed by `where`);
//    mothers that are unpaired (`Session+PairingRound.swift` selects them with the rules'
//    own defines).
// 2. Mothers fall into classes by what the pairing constraints read of them, and each
//    class gets its candidate children from the constraints rewritten over children
//    (`Matcher+Candidates.swift`). Classes with the same candidates form one group.
// 3. Matching (`Matcher+Matching.swift`): a maximum matching over the groups, the best
//    one by the preference exactly — the most closest-level mothers, then the children
//    registered earliest — found on the small network of groups and regions of
//    interchangeable children; a count check per mother when the candidate sets are
//    nested (laminar, as the scope rule's district ⊃ street ⊃ community makes them).
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
    /// True when the candidate sets were laminar (nested or disjoint: keeping a mother was a count check).
    public var laminar = true
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
        // Sorted as plain integers (date, then row): a million rows sort several times faster
        // than through a comparison closure.
        var keys = (0..<children.rowCount).map { UInt64(UInt32(bitPattern: registered[$0]) ^ 0x8000_0000) << 32 | UInt64($0) }
        keys.sort()
        let order = keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
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
        var motherOf = [Int32](repeating: -1, count: rank.count)
        for pair in pairs { motherOf[Int(pair.child)] = pair.mother }
        pairs = Self.byRank(pairs.map(\.child), rank).map { PairingRoundResult.Suggestion(mother: motherOf[Int($0)], child: $0) }
        let (accepted, refused) = try validate(pairs, forms: forms)
        result.suggestions = accepted
        var reasons: [Int32: String] = [:]
        for (pair, constraint) in refused { reasons[pair.child] = MessageID.suggestionRefused(constraint.qualifiedName, constraint.citation ?? "") }
        let matched = Set(accepted.map(\.child))
        let left = candidates.filter { !matched.contains($0) }
        let levels = levelsOf(motherTable, mothers)
        let coverage = coveringLevels(groups, left: left, childRows: childTable.rowCount, motherTable: motherTable, levels: levels)
        for child in Self.byRank(left, rank) {
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
            set = Self.byRank(set, rank)
            groupOf[groupKey] = groups.count
            groups.append(MatchGroup(mothers: members, children: set, levelRank: 0))
        }
        // Each level text's rank once (by its code), then each group's mothers sorted as
        // plain integers (rank, then row).
        var rankOfCode: [Int: Int] = [:]
        let codes = levelColumn?.codes
        func level(_ m: Int32) -> Int {
            guard let levelColumn, let codes else { return LevelPreference.order.count }
            let code = Int(codes[Int(m)])
            if let known = rankOfCode[code] { return known }
            let rank = LevelPreference.rank(levelColumn.text(at: Int(m)))
            rankOfCode[code] = rank
            return rank
        }
        for g in groups.indices {
            var keys = groups[g].mothers.map { UInt64(level($0)) << 32 | UInt64(UInt32($0)) }
            keys.sort()
            groups[g].mothers = keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
            groups[g].motherLevels = keys.map { Int($0 >> 32) }
            groups[g].levelRank = groups[g].motherLevels.first ?? LevelPreference.order.count
        }
        return groups
    }

    /// Rows in preference order, sorted as plain integers (rank, then row).
    static func byRank(_ rows: [Int32], _ rank: [Int32]) -> [Int32] {
        var keys = rows.map { UInt64(UInt32(rank[Int($0)])) << 32 | UInt64(UInt32($0)) }
        keys.sort()
        return keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
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
