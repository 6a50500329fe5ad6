// The exact check of the round's suggestions: all of them inserted as pairings starting
// today, in one copy of the store, and every constraint that can see a new pairing
// evaluated as `pair` would (rows that newly break it). A suggestion a new violation is
// traced to is left out with the constraint that refused it; when a violation cannot be
// traced to one suggestion (a constraint over a street's pairings, say), the batch is
// halved until it can. Nothing invalid is suggested, whatever the rules say.

import Engine

extension Matcher {
    /// The edits `pair mother M with child C` makes, for each suggestion, with ids in order.
    func pairingEdits(_ pairs: [PairingRoundResult.Suggestion]) -> [RowEdit] {
        guard let pairings = store.table("pairings"), let mothers = store.table("mothers"), let children = store.table("children") else { return [] }
        var id = pairings.nextFreeID
        return pairs.map { pair in
            var cells: [String: String] = [:]
            for field in pairings.schema.fields { cells[field.name] = "" }
            cells["id"] = String(id)
            cells["mother"] = mothers.keyText(row: Int(pair.mother))
            cells["child"] = children.keyText(row: Int(pair.child))
            cells["since"] = CivilDate.format(today)
            defer { id += 1 }
            return RowEdit(kind: .insert, collection: "pairings", key: String(id), cells: cells)
        }
    }

    /// Whether a constraint can see pairings other than its own row: through a reverse
    /// reference or a scan of `pairings` (in it or in the defines it reads).
    static func seesOtherPairings(_ e: TExpr, visited: inout Set<ObjectIdentifier>) -> Bool {
        func sees(_ x: TExpr) -> Bool { seesOtherPairings(x, visited: &visited) }
        switch e.node {
        case .reverse(let base, let source, _): return source == "pairings" || sees(base)
        case .collection(let name): return name == "pairings"
        case .constant, .this, .outer, .groupKey, .selectItem: return false
        case .field(let base, _, _): return sees(base)
        case .define(let base, let info):
            if sees(base) { return true }
            guard let body = info.typed, visited.insert(ObjectIdentifier(info)).inserted else { return false }
            return sees(body)
        case .subquery(let sub):
            return sub.collection == "pairings" || sees(sub.source) || (sub.filter.map(sees) ?? false) || (sub.select.map(sees) ?? false)
        case .list(let items): return items.contains(where: sees)
        case .unary(_, let x), .isNull(let x, _): return sees(x)
        case .aggregate(_, let x): return x.map(sees) ?? false
        case .binary(_, let l, let r): return sees(l) || sees(r)
        case .between(let x, let lo, let hi, _): return sees(x) || sees(lo) || sees(hi)
        case .call(_, let args): return args.contains(where: sees)
        }
    }

    /// Whether a constraint of `pairings` sees other pairings only as the pairings of its own
    /// row's mother or child (`count(mother.pairings where active) <= 1`): a new pairing can
    /// then break it only on rows sharing its mother or child, and only those are checked.
    static func seesOnlyNeighbours(_ e: TExpr, depth: Int, forms: PairingConstraintForms, visited: inout Set<ObjectIdentifier>) -> Bool {
        func ok(_ x: TExpr, _ d: Int) -> Bool { seesOnlyNeighbours(x, depth: d, forms: forms, visited: &visited) }
        switch e.node {
        case .reverse(let base, let source, _):
            if source == "pairings" { return forms.isMotherOfPairing(base, depth: depth) || forms.isChildOfPairing(base, depth: depth) }
            return ok(base, depth)
        case .collection(let name): return name != "pairings"
        case .constant, .this, .outer, .groupKey, .selectItem: return true
        case .field(let base, _, _): return ok(base, depth)
        case .define(let base, let info):
            guard ok(base, depth), let body = info.typed else { return false }
            if forms.isPairing(base, depth: depth) {
                return !visited.insert(ObjectIdentifier(info)).inserted || ok(body, 0)
            }
            var seen: Set<ObjectIdentifier> = []
            return !seesOtherPairings(body, visited: &seen)
        case .subquery(let sub):
            return ok(sub.source, depth) && (sub.filter.map { ok($0, depth + 1) } ?? true) && (sub.select.map { ok($0, depth + 1) } ?? true)
        case .list(let items): return items.allSatisfy { ok($0, depth) }
        case .unary(_, let x), .isNull(let x, _): return ok(x, depth)
        case .aggregate(_, let x): return x.map { ok($0, depth) } ?? true
        case .binary(_, let l, let r): return ok(l, depth) && ok(r, depth)
        case .between(let x, let lo, let hi, _): return ok(x, depth) && ok(lo, depth) && ok(hi, depth)
        case .call(_, let args): return args.allSatisfy { ok($0, depth) }
        }
    }

    /// The constraints a new pairing can break: those of `pairings` (for its own row), and
    /// any that read other pairings (for every row of their collection).
    func affectedConstraints() -> (ownRow: [DefineInfo], allRows: [DefineInfo]) {
        var own: [DefineInfo] = [], all: [DefineInfo] = []
        for info in catalog.constraints {
            guard let body = info.typed else { continue }
            var visited: Set<ObjectIdentifier> = []
            if Self.seesOtherPairings(body, visited: &visited) { all.append(info) } else if info.collection == "pairings" { own.append(info) }
        }
        return (own, all)
    }

    /// Rows of `info.collection` breaking the constraint in `store`, by key.
    static func brokenKeys(_ info: DefineInfo, store: Store, catalog: Catalog, today: Int32, rows: [Int]? = nil) -> Set<String> {
        guard let table = store.table(info.collection) else { return [] }
        let planner = Planner(store: store, catalog: catalog, today: today)
        let range = info.definition.nameRange
        let this = TExpr(.this, .row(info.collection), range)
        let holds = TExpr(.define(base: this, info), .bool, range)
        if let rows {
            let test = planner.compile(holds).asBool
            return Set(rows.filter { !test($0) }.map { table.editKey(row: $0) })
        }
        let broken = TExpr(.unary(.not, holds), .bool, range)
        return Set(planner.planFilter(broken, table: table).run().map { table.editKey(row: Int($0)) })
    }

    /// The suggestions that pass, and those refused with the constraint that refused them.
    func validate(_ pairs: [PairingRoundResult.Suggestion], forms: PairingConstraintForms) throws
        -> (accepted: [PairingRoundResult.Suggestion], refused: [(PairingRoundResult.Suggestion, DefineInfo)]) {
        guard !pairs.isEmpty else { return ([], []) }
        let (own, all) = affectedConstraints()
        var before: [ObjectIdentifier: Set<String>] = [:]
        var neighbours: Set<ObjectIdentifier> = []
        for info in all {
            var visited: Set<ObjectIdentifier> = []
            if info.collection == "pairings", let body = info.typed, Self.seesOnlyNeighbours(body, depth: 0, forms: forms, visited: &visited) {
                neighbours.insert(ObjectIdentifier(info))
                continue
            }
            before[ObjectIdentifier(info)] = Self.brokenKeys(info, store: store, catalog: catalog, today: today)
        }
        var remaining = pairs
        var refused: [(PairingRoundResult.Suggestion, DefineInfo)] = []
        // Each pass leaves out what it traced; a pass that traces nothing ends it.
        while !remaining.isEmpty {
            if let cancelled, cancelled() { throw CancellationError() }
            let failures = try refusals(remaining, own: own, all: all, before: before, neighbours: neighbours)
            if failures.isEmpty { break }
            let out = Set(failures.keys)
            for (i, pair) in remaining.enumerated() where out.contains(i) { refused.append((pair, failures[i]!)) }
            remaining = remaining.enumerated().filter { !out.contains($0.offset) }.map(\.element)
        }
        return (remaining, refused)
    }

    /// The suggestions of `batch` (by index) that a new violation is traced to.
    func refusals(_ batch: [PairingRoundResult.Suggestion], own: [DefineInfo], all: [DefineInfo], before: [ObjectIdentifier: Set<String>],
                  neighbours: Set<ObjectIdentifier> = []) throws -> [Int: DefineInfo] {
        let edits = pairingEdits(batch)
        let after = try store.applying(edits)
        guard let pairings = after.table("pairings") else { return [:] }
        let newRows = edits.compactMap { pairings.row(editKey: $0.key) }
        var byPairing: [String: Int] = [:]
        for (i, edit) in edits.enumerated() { byPairing[edit.key] = i }
        var byMother: [Int32: [Int]] = [:], byChild: [Int32: [Int]] = [:]
        for (i, pair) in batch.enumerated() { byMother[pair.mother, default: []].append(i); byChild[pair.child, default: []].append(i) }
        var failures: [Int: DefineInfo] = [:]
        var untraced: DefineInfo?
        for info in own {
            for key in Self.brokenKeys(info, store: after, catalog: catalog, today: today, rows: newRows) {
                if let i = byPairing[key], failures[i] == nil { failures[i] = info }
            }
        }
        let motherColumn = pairings.schema.fieldIndex("mother").flatMap { i -> RefColumn? in if case .reference(let c) = pairings.columns[i] { return c }; return nil }
        let childColumn = pairings.schema.fieldIndex("child").flatMap { i -> RefColumn? in if case .reference(let c) = pairings.columns[i] { return c }; return nil }
        // The rows sharing a new pairing's mother or child (with the new rows themselves).
        var near: [Int] = []
        if !neighbours.isEmpty, let mf = pairings.schema.fieldIndex("mother"), let cf = pairings.schema.fieldIndex("child") {
            var rows = Set(newRows)
            let byMotherRows = pairings.postings(field: mf), byChildRows = pairings.postings(field: cf)
            for pair in batch {
                for r in byMotherRows.rows(for: Int(pair.mother)) { rows.insert(Int(r)) }
                for r in byChildRows.rows(for: Int(pair.child)) { rows.insert(Int(r)) }
            }
            near = rows.sorted()
        }
        let nearBefore: [Int] = {
            guard let old = store.table("pairings") else { return [] }
            return near.compactMap { old.row(editKey: pairings.editKey(row: $0)) }
        }()
        for info in all {
            let isNear = neighbours.contains(ObjectIdentifier(info))
            let already = isNear ? Self.brokenKeys(info, store: store, catalog: catalog, today: today, rows: nearBefore) : before[ObjectIdentifier(info)] ?? []
            guard let table = after.table(info.collection) else { continue }
            let broken = Self.brokenKeys(info, store: after, catalog: catalog, today: today, rows: isNear ? near : nil)
            for key in broken.subtracting(already) {
                var traced: [Int] = []
                switch info.collection {
                case "pairings":
                    if let i = byPairing[key] { traced = [i] } else if let row = table.row(editKey: key) {
                        traced = (motherColumn.map { byMother[$0.rows[row]] ?? [] } ?? []) + (childColumn.map { byChild[$0.rows[row]] ?? [] } ?? [])
                    }
                case "children": traced = table.row(editKey: key).map { byChild[Int32($0)] ?? [] } ?? []
                case "mothers": traced = table.row(editKey: key).map { byMother[Int32($0)] ?? [] } ?? []
                default: break
                }
                if traced.isEmpty { untraced = untraced ?? info }
                for i in traced where failures[i] == nil { failures[i] = info }
            }
        }
        guard let untraced, failures.isEmpty else { return failures }
        // A violation no single suggestion is named in: halve the batch until one is.
        if batch.count == 1 { return [0: untraced] }
        let half = batch.count / 2
        let first = try refusals(Array(batch[..<half]), own: own, all: all, before: before, neighbours: neighbours)
        if !first.isEmpty { return first }
        let second = try refusals(Array(batch[half...]), own: own, all: all, before: before, neighbours: neighbours)
        if !second.isEmpty { return Dictionary(uniqueKeysWithValues: second.map { ($0.key + half, $0.value) }) }
        // Each half alone passes: the two together break it; leave out the last one.
        return [batch.count - 1: untraced]
    }
}
