// Checking a change against the constraints on the rows it can affect, not on every row.
//
// For each constraint, what it reads (`ConstraintDependencies`) is followed back from each
// row the change inserted, updated or deleted — in the store before the change (with the
// old values: the street a child left) and in the store after it (the new values: the
// street it joined) — to the rows of the constraint's collection whose value it can
// change. Those rows are checked in the store after the change; a row that breaks the
// constraint there is refused only if the row with its key did not break it before (a
// violation already in the data does not block an unrelated change), as with a full check.
// A constraint whose reads cannot be followed back, or that a change reaches on too many
// rows to be worth it, is checked on every row.

import Engine
import Foundation

/// A row a change inserted, updated or deleted, by key.
struct ChangedRow: Hashable {
    let collection: String
    let key: String
    /// The fields an update set; nil when the row was inserted or deleted (every field).
    var fields: Set<Int>?
    /// The change inserted the row (its key had no row before): no row the change did not
    /// write can refer to it.
    var isNew = false

    func touches(_ field: Int?) -> Bool {
        guard let fields else { return true }
        guard let field else { return false }
        return fields.contains(field)
    }
}

struct IncrementalCheck {
    let before: Store
    let after: Store
    let catalog: Catalog
    let today: Int32
    var useIndexes = true

    /// TUNING: past this share of a collection's rows a per-row check costs more than the
    /// vectorised full check of the constraint.
    static func rowLimit(_ rowCount: Int) -> Int { max(4096, rowCount / 8) }

    /// A planner for checking `rows` rows one by one: a few are read row by row (the
    /// blocks holding them, for columns still in the snapshot), more as whole columns.
    static func planner(_ store: Store, _ catalog: Catalog, _ today: Int32, rows: Int, buildsIndexes: Bool = true) -> Planner {
        let planner = Planner(store: store, catalog: catalog, today: today)
        // TUNING: as for the select items of a small result (Evaluator.ungrouped).
        planner.readsFewRows = rows <= 256
        planner.findsReferrersByPass = !buildsIndexes
        return planner
    }

    /// The rows the edits touched, by collection and key, with the fields they set.
    static func changedRows(_ edits: [RowEdit], in store: Store) -> [ChangedRow] {
        var order: [String] = []
        var byID: [String: ChangedRow] = [:]
        for edit in edits {
            let id = edit.collection + "\u{0}" + edit.key
            var fields: Set<Int>?
            if edit.kind == .update, let schema = store.table(edit.collection)?.schema {
                fields = Set(edit.cells.keys.compactMap { schema.fieldIndex($0) })
            }
            if var known = byID[id] {
                if let old = known.fields, let new = fields { known.fields = old.union(new) } else { known.fields = nil }
                byID[id] = known
            } else {
                order.append(id)
                // The key's first edit an insert: it had no row before (an insert of an
                // existing key is refused).
                byID[id] = ChangedRow(collection: edit.collection, key: edit.key, fields: fields, isNew: edit.kind == .insert)
            }
        }
        return order.map { byID[$0]! }
    }

    /// For each constraint, in the order written, the rows (of the store after the change)
    /// that break it after the change and did not before; constraints with none left out.
    func newlyBroken(_ changes: [ChangedRow]) -> [(constraint: DefineInfo, rows: [Int32])] {
        var out: [(DefineInfo, [Int32])] = []
        for info in catalog.constraints {
            guard let table = after.table(info.collection) else { continue }
            let dependencies = ConstraintDependencies(info, store: after)
            let broken: [Int32]
            if let candidates = affectedRows(dependencies, changes) {
                if candidates.isEmpty { continue }
                let planner = Self.planner(after, catalog, today, rows: candidates.count)
                let breaks = planner.compile(dependencies.broken).asBool
                broken = candidates.filter { breaks(Int($0)) }
            } else {
                broken = Planner(store: after, catalog: catalog, today: today)
                    .planFilter(dependencies.broken, table: table, useIndexes: useIndexes).run()
            }
            if broken.isEmpty { continue }
            let new = notBrokenBefore(broken, dependencies)
            if !new.isEmpty { out.append((info, new)) }
        }
        return out
    }

    /// Of `rows` (after the change), those whose key had no row before the change or a row
    /// that did not break the constraint.
    private func notBrokenBefore(_ rows: [Int32], _ dependencies: ConstraintDependencies) -> [Int32] {
        guard let afterTable = after.table(dependencies.constraint.collection),
              let beforeTable = before.table(dependencies.constraint.collection) else { return rows }
        var breaksBefore: ((Int) -> Bool)?
        return rows.filter { row in
            guard let old = beforeTable.row(editKey: afterTable.editKey(row: Int(row))) else { return true }
            if breaksBefore == nil {
                breaksBefore = Self.planner(before, catalog, today, rows: rows.count).compile(dependencies.broken).asBool
            }
            return !breaksBefore!(old)
        }
    }

    /// The rows of the constraint's collection (after the change) whose value the changes
    /// can have changed, in row order; nil when it must be checked on every row.
    func affectedRows(_ dependencies: ConstraintDependencies, _ changes: [ChangedRow]) -> [Int32]? {
        let collection = dependencies.constraint.collection
        guard let afterTable = after.table(collection), let beforeTable = before.table(collection),
              var rows = Self.reached(dependencies, changes, in: after),
              let old = Self.reached(dependencies, changes, in: before) else { return nil }
        for row in old {
            if let now = afterTable.row(editKey: beforeTable.editKey(row: Int(row))) { rows.insert(Int32(now)) }
        }
        if rows.count > Self.rowLimit(afterTable.rowCount) { return nil }
        return rows.sorted()
    }

    /// The rows of the constraint's collection in `store` that the changed rows `store`
    /// holds lead back to; nil when it must be checked on every row.
    static func reached(_ dependencies: ConstraintDependencies, _ changes: [ChangedRow], in store: Store,
                        buildsIndexes: Bool = true) -> Set<Int32>? {
        if dependencies.unanalysable { return nil }
        guard let table = store.table(dependencies.constraint.collection) else { return nil }
        let limit = rowLimit(table.rowCount)
        var rows = Set<Int32>()
        var written: [String: [Int32]]?
        for change in changes {
            guard let reads = dependencies.reads[change.collection] else { continue }
            let row = store.table(change.collection)?.row(editKey: change.key)
            for read in reads where change.touches(read.field) {
                if !read.path.bounded { return nil }
                guard let row else { continue }
                if change.isNew, written == nil { written = writtenRows(changes, in: store) }
                guard let found = Self.rows(leadingTo: read.path, from: [Int32(row)], in: store, limit: limit,
                                            buildsIndexes: buildsIndexes, referrersOfNew: change.isNew ? written : nil) else { return nil }
                rows.formUnion(found)
                if rows.count > limit { return nil }
            }
        }
        return rows
    }

    /// The rows of `store` the changes wrote (inserted or updated), by collection.
    static func writtenRows(_ changes: [ChangedRow], in store: Store) -> [String: [Int32]] {
        var out: [String: [Int32]] = [:]
        for change in changes {
            if let row = store.table(change.collection)?.row(editKey: change.key) { out[change.collection, default: []].append(Int32(row)) }
        }
        return out
    }

    /// A change about to be made to a store in place (`Store.applyInPlace`): what the
    /// check needs of the store before it, taken before it changes — for each constraint
    /// the keys of the rows the changed rows lead back to there.
    struct Prepared {
        let changes: [ChangedRow]
        let keysBefore: [(ConstraintDependencies, Set<String>)]
        /// False for a process that makes one change: a reference followed back without
        /// its index built is then one pass over the column, not an index for the next
        /// change (see `rows(leadingTo:)`).
        let buildsIndexes: Bool

        /// Nil when some constraint must be checked on every row (then the change is
        /// checked on a copy, the usual way).
        init?(before: Store, edits: [RowEdit], catalog: Catalog, buildsIndexes: Bool = true) {
            changes = IncrementalCheck.changedRows(edits, in: before)
            self.buildsIndexes = buildsIndexes
            var keys: [(ConstraintDependencies, Set<String>)] = []
            for info in catalog.constraints {
                guard let table = before.table(info.collection) else { continue }
                let dependencies = ConstraintDependencies(info, store: before)
                guard let rows = IncrementalCheck.reached(dependencies, changes, in: before, buildsIndexes: buildsIndexes) else { return nil }
                keys.append((dependencies, Set(rows.map { table.editKey(row: Int($0)) })))
            }
            keysBefore = keys
        }

        /// The rows the change can affect that break a constraint in `after` (the store
        /// changed in place), by key for each constraint; nil when too many to look at one
        /// by one. They are refused only if they did not break it before (`brokeBefore`).
        func broken(after: Store, catalog: Catalog, today: Int32) -> [(ConstraintDependencies, [String])]? {
            var out: [(ConstraintDependencies, [String])] = []
            for (dependencies, keys) in keysBefore {
                guard let table = after.table(dependencies.constraint.collection),
                      var rows = IncrementalCheck.reached(dependencies, changes, in: after, buildsIndexes: buildsIndexes) else { return nil }
                for key in keys { if let row = table.row(editKey: key) { rows.insert(Int32(row)) } }
                if rows.isEmpty { continue }
                if rows.count > IncrementalCheck.rowLimit(table.rowCount) { return nil }
                let breaks = IncrementalCheck.planner(after, catalog, today, rows: rows.count, buildsIndexes: buildsIndexes)
                    .compile(dependencies.broken).asBool
                let broken = rows.filter { breaks(Int($0)) }
                if !broken.isEmpty { out.append((dependencies, broken.map { table.editKey(row: Int($0)) })) }
            }
            return out
        }

        /// Whether every row of `broken` broke its constraint in `before` too (the store
        /// with the change taken back): the change then breaks nothing new.
        static func brokeBefore(_ broken: [(ConstraintDependencies, [String])], before: Store, catalog: Catalog, today: Int32,
                                buildsIndexes: Bool = true) -> Bool {
            for (dependencies, keys) in broken {
                guard let table = before.table(dependencies.constraint.collection) else { return false }
                let breaks = IncrementalCheck.planner(before, catalog, today, rows: keys.count, buildsIndexes: buildsIndexes)
                    .compile(dependencies.broken).asBool
                for key in keys {
                    guard let row = table.row(editKey: key), breaks(row) else { return false }
                }
            }
            return true
        }
    }

    /// The rows of the path's first collection (the constraint's) from which `path` leads
    /// to one of `rows` (rows of its last collection) in `store`; nil past `limit` rows or
    /// through a step that cannot be followed back. `referrersOfNew`, when `rows` are rows
    /// the change inserted: the rows it wrote (`writtenRows`), the only ones that can refer
    /// to them (an unchanged row refers to a key that had a row before).
    static func rows(leadingTo path: DependencyPath, from rows: Set<Int32>, in store: Store, limit: Int,
                     buildsIndexes: Bool = true, referrersOfNew: [String: [Int32]]? = nil) -> Set<Int32>? {
        var current = rows
        var step = path
        var written = referrersOfNew
        while let parent = step.parent {
            if current.isEmpty { return current }
            guard let parentTable = store.table(parent.collection) else { return nil }
            var next = Set<Int32>()
            let fromNewRows = written
            written = nil
            switch step.step {
            case .root, .whole:
                return nil
            case .forward(let field):
                if let fromNewRows, case .reference(let refs) = parentTable.columns[field] {
                    // A new pairing: its visits are among the rows the change wrote, not
                    // looked for among five million.
                    for row in fromNewRows[parent.collection] ?? [] where current.contains(refs.row(at: Int(row))) { next.insert(row) }
                } else if !buildsIndexes, parentTable.hasReadyPostings(field: field) || current.count <= 8 {
                    // One change in the process: the index's few blocks when it is at hand,
                    // else one pass over the column (less than building the index).
                    next.formUnion(parentTable.rowsReferring(field: field, toAny: Array(current)))
                    if next.count > limit { return nil }
                } else {
                    let postings = parentTable.postings(field: field)
                    for target in current {
                        next.formUnion(postings.rows(for: Int(target)))
                        if next.count > limit { return nil }
                    }
                }
            case .reverse(let source, let field):
                guard case .reference(let refs)? = store.table(source)?.columns[field] else { return nil }
                // Row by row: a few rows of a column still in the snapshot read a few blocks.
                for row in current {
                    let target = refs.row(at: Int(row))
                    if target >= 0 { next.insert(target) }
                }
            case .correlated(let source, let innerField, let outerField):
                guard let sourceTable = store.table(source) else { return nil }
                switch (sourceTable.columns[innerField], parentTable.columns[outerField]) {
                case (.text(let inner), .text(let outer)):
                    let postings = parentTable.postings(field: outerField)
                    for row in current {
                        let code = inner.code(at: Int(row))
                        guard code >= 0 else { continue }
                        let outerCode = inner.dictionary === outer.dictionary ? code : outer.dictionary.code(of: inner.dictionary.string(at: Int(code)))
                        guard let outerCode else { continue }
                        next.formUnion(postings.rows(for: Int(outerCode)))
                        if next.count > limit { return nil }
                    }
                case (.reference(let inner), .reference):
                    let postings = parentTable.postings(field: outerField)
                    for row in current {
                        let target = inner.row(at: Int(row))
                        guard target >= 0 else { continue }
                        next.formUnion(postings.rows(for: Int(target)))
                        if next.count > limit { return nil }
                    }
                default:
                    return nil
                }
            }
            current = next
            step = parent
        }
        if case .root = step.step { return current }
        return nil
    }

    /// The same answer by checking every row of every constraint before and after the
    /// change (what was done before incremental checking; `MQL_FULL_CHECK=1` uses it, and
    /// the property test compares the two).
    func newlyBrokenByFullCheck() -> [(constraint: DefineInfo, rows: [Int32])] {
        var out: [(DefineInfo, [Int32])] = []
        for info in catalog.constraints {
            guard let table = after.table(info.collection) else { continue }
            let dependencies = ConstraintDependencies(info, store: after)
            let broken = Planner(store: after, catalog: catalog, today: today)
                .planFilter(dependencies.broken, table: table, useIndexes: useIndexes).run()
            guard !broken.isEmpty else { continue }
            var already = Set<String>()
            if let beforeTable = before.table(info.collection) {
                let old = Planner(store: before, catalog: catalog, today: today)
                    .planFilter(dependencies.broken, table: beforeTable, useIndexes: useIndexes).run()
                already = Set(old.map { beforeTable.editKey(row: Int($0)) })
            }
            let new = broken.filter { !already.contains(table.editKey(row: Int($0))) }
            if !new.isEmpty { out.append((info, new)) }
        }
        return out
    }

    static let alwaysFull = ProcessInfo.processInfo.environment["MQL_FULL_CHECK"] != nil
}
