// Changing a store: row edits (insert, update, delete) applied to a copy, so the original
// stays untouched until the caller adopts the result — a change is all or nothing. Each
// edit is checked the way the loader checks a row (types, references, keys) and deletes
// keep referential integrity. Edits are plain data (cells in the dataset file format) so
// the journal can store and replay them.

public struct RowEdit: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case insert, update, delete }
    public var kind: Kind
    public var collection: String
    /// The row's key as text: the id, a street's name, or `street/name` for a community.
    public var key: String
    /// Field → cell text in the dataset file format ("" = null). All fields for an
    /// insert, the changed ones for an update, none for a delete.
    public var cells: [String: String]

    public init(kind: Kind, collection: String, key: String, cells: [String: String] = [:]) {
        self.kind = kind
        self.collection = collection
        self.key = key
        self.cells = cells
    }
}

public struct ChangeError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Table {
    /// A table sharing this one's arrays until either is written (copy on write).
    func copy() -> Table {
        let t = Table(schema: schema, columns: columns.map { $0.copy() })
        t.rowCount = rowCount
        t.idSortedCount = idSortedCount
        t.appendedRowOfID = appendedRowOfID
        t.rowsOfKeyText = rowsOfKeyText
        t.scopeNames = scopeNames
        t.targetRowCount = targetRowCount
        t.idHighWater = idHighWater
        shareIndexes(with: t)
        return t
    }

    /// The row of a key as edits name it.
    public func row(editKey key: String) -> Int? {
        if isKeyedByID { return Int(key).flatMap { row(id: $0) } }
        if schema.name == "communities" {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            return rows(keyText: parts[1]).first { keyTextOfScope(row: Int($0)) == parts[0] }.map(Int.init)
        }
        return rows(keyText: key).first.map(Int.init)
    }

    /// The key of a row as edits name it.
    public func editKey(row: Int) -> String {
        if schema.name == "communities" { return "\(keyTextOfScope(row: row) ?? "")/\(keyText(row: row))" }
        return keyText(row: row)
    }
}

extension Column {
    func copy() -> Column {
        // Columns still in the snapshot stay there (read once, for both, when needed).
        switch self {
        case .int(let c): return .int(c.copy())
        case .date(let c): return .date(c.copy())
        case .text(let c): return .text(c.copy())
        case .reference(let c): return .reference(c.copy())
        case .textSet(let c): return .textSet(c.copy())
        }
    }
}

/// What `Store.applyInPlace` changed: each table's state before, the cells updates
/// overwrote, and the rows deletes removed (with the references renumbered for them).
public final class InPlaceChange {
    var tables: [String: (table: Table, state: Table.SavedState)] = [:]
    var cells: [(table: Table, row: Int, field: Int, old: ParsedCell)] = []
    var removals: [RowRemoval] = []
}

/// One row a delete removed, to put back: the row, and each reference to its table that
/// was renumbered (and whether that reference's postings dropped the row's key in place).
struct RowRemoval {
    let table: Table
    let removed: RemovedRow
    var referrers: [(source: Table, field: Int, keyRemoved: Bool)] = []
}

extension Store {
    /// The collection holding the audit trail.
    public static let auditCollection = "changes"
    public static var auditTrailIsReadOnly: String { EngineMessage.auditTrailIsReadOnly() }
    public static func idUsedBefore(_ id: Int, _ collection: String, next: Int) -> String {
        EngineMessage.idUsedBefore(id, collection, next)
    }

    /// `edits` without the updates that would change nothing (every cell already as
    /// given), so an unchanged re-import or `set x = x` records nothing in the audit trail.
    /// An update of a row an earlier edit of the batch touched is kept: it is compared
    /// with the row as that edit leaves it, which this store does not hold.
    public func droppingUnchangedUpdates(_ edits: [RowEdit]) -> [RowEdit] {
        var touched = Set<String>()
        var kept: [RowEdit] = []
        for edit in edits {
            let id = edit.collection + "\u{0}" + edit.key
            defer { touched.insert(id) }
            if edit.kind == .update, !touched.contains(id), let table = table(edit.collection), let row = table.row(editKey: edit.key) {
                let unchanged = edit.cells.allSatisfy { name, text in
                    guard let field = table.schema.fieldIndex(name) else { return false }
                    return DatasetWriter.cell(table, row: row, field: field, store: self) == text
                }
                if unchanged { continue }
            }
            kept.append(edit)
        }
        return kept
    }

    /// A store sharing this one's data until written.
    public func copy() -> Store {
        Store(tables: tables.map { $0.copy() })
    }

    /// This store with `edits` applied, in order; self is unchanged. With `replaying`, an
    /// edit is made to apply whatever the current state (insert of an existing key
    /// overwrites it, update or delete of a missing row does nothing), so replaying a
    /// journal over a dataset that already holds some of it converges to the same state.
    public func applying(_ edits: [RowEdit], replaying: Bool = false) throws -> Store {
        // The high-water marks of the collections changed, derived before any row goes:
        // once the largest row is deleted the table alone no longer shows it.
        var derived = Set<String>()
        for edit in edits where !derived.contains(edit.collection) {
            derived.insert(edit.collection)
            if let table = table(edit.collection), table.isKeyedByID { _ = idHighWater(of: table) }
        }
        let result = copy()
        var touched = Set<String>()
        for edit in edits {
            try result.apply(edit, replaying: replaying)
            touched.insert(edit.collection)
            // Communities are found by their street's name: the next edit of the batch must
            // see a street this one added or renamed.
            if edit.collection == "streets" { result.linkReferences() }
        }
        result.finishChanges(touched)
        return result
    }

    /// TUNING: a delete in place moves every row after it in every array of its table;
    /// past this many rows in one change, removing them on a copy is no dearer.
    static let deletesInPlaceLimit = 16

    /// Whether `applyInPlace` can take `edits`: inserts of an id past every id of their
    /// collection, in ascending order, and updates of fields that are not keys; or deletes
    /// alone (a few); all of collections keyed by id (a street or community is a name
    /// other rows are found by).
    public func canApplyInPlace(_ edits: [RowEdit]) -> Bool {
        var largest: [String: Int] = [:]
        let deletes = edits.filter { $0.kind == .delete }.count
        if deletes > 0 && (deletes != edits.count || deletes > Self.deletesInPlaceLimit) { return false }
        for edit in edits {
            guard let table = table(edit.collection), table.isKeyedByID, table.name != Self.auditCollection else { return false }
            switch edit.kind {
            case .delete: continue
            case .update: if edit.cells["id"] != nil { return false }
            case .insert:
                // Appended after rows in key order, so nothing is reordered.
                guard table.idSortedCount == table.rowCount, table.appendedRowOfID.isEmpty else { return false }
                let highest = largest[edit.collection] ?? idHighWater(of: table)
                guard let id = Int(edit.key), id > highest else { return false }
                largest[edit.collection] = id
            }
        }
        return true
    }

    /// Applies `edits` (see `canApplyInPlace`) to this store itself: no column is copied, so
    /// a row appended to five million costs what appending one does. Checked as `applying`
    /// checks; on an error nothing is left changed. `undo` takes the change back.
    public func applyInPlace(_ edits: [RowEdit]) throws -> InPlaceChange {
        let change = InPlaceChange()
        // A delete changes the indexes of its table and of the tables referring to it in
        // place; they are put back by the undo's inverse steps, not kept.
        var removing = Set<String>()
        for edit in edits where edit.kind == .delete {
            removing.insert(edit.collection)
            for (source, _) in referencesTo(edit.collection) { removing.insert(source.name) }
        }
        for edit in edits where change.tables[edit.collection] == nil {
            guard let table = table(edit.collection) else { throw ChangeError(EngineMessage.unknownCollection(edit.collection)) }
            _ = idHighWater(of: table)
            change.tables[edit.collection] = (table, table.savedState(keepingIndexes: !removing.contains(table.name)))
        }
        for name in removing where change.tables[name] == nil {
            if let table = table(name) { change.tables[name] = (table, table.savedState(keepingIndexes: false)) }
        }
        do {
            for edit in edits {
                if edit.kind == .update, let table = table(edit.collection), let row = table.row(editKey: edit.key) {
                    for name in edit.cells.keys {
                        if let field = table.schema.fieldIndex(name) { change.cells.append((table, row, field, table.cell(row: row, field: field))) }
                    }
                }
                if let removal = try apply(edit, replaying: false) { change.removals.append(removal) }
            }
            finishChanges(Set(edits.map(\.collection)))
        } catch {
            undo(change)
            throw error
        }
        return change
    }

    /// This store with the audit rows of a journalled change: appended to this store
    /// itself when they come after every row of the audit trail (they do: their ids follow
    /// its high-water mark), so that recording a change copies no table — a copy of the
    /// store would also read in every column a snapshot has not loaded yet. Else, or if
    /// they do not apply, on a copy as `applying` does.
    public func addingAuditRows(_ edits: [RowEdit]) throws -> Store {
        guard let audit = table(Self.auditCollection), audit.isKeyedByID, audit.idSortedCount == audit.rowCount, audit.appendedRowOfID.isEmpty,
              edits.allSatisfy({ $0.kind == .insert && $0.collection == Self.auditCollection }) else {
            return try applying(edits, replaying: true)
        }
        var highest = idHighWater(of: audit)
        for edit in edits {
            guard let id = Int(edit.key), id > highest else { return try applying(edits, replaying: true) }
            highest = id
        }
        let state = audit.savedState()
        do {
            for edit in edits { try apply(edit, replaying: true) }
            finishChanges([Self.auditCollection])
        } catch {
            audit.restore(state)
            linkReferences()
            return try applying(edits, replaying: true)
        }
        return self
    }

    /// Takes back a change `applyInPlace` made.
    public func undo(_ change: InPlaceChange) {
        for removal in change.removals.reversed() { putBack(removal) }
        for (table, row, field, old) in change.cells.reversed() { table.set(row: row, field: field, old) }
        for (table, state) in change.tables.values { table.restore(state) }
        linkReferences()
    }

    func tablesByName() -> [String: Table] {
        var byName: [String: Table] = [:]
        for t in tables { byName[t.name] = t }
        return byName
    }

    @discardableResult
    private func apply(_ edit: RowEdit, replaying: Bool) throws -> RowRemoval? {
        guard let table = table(edit.collection) else { throw ChangeError(EngineMessage.unknownCollection(edit.collection)) }
        // The audit trail is written only by the journal (`JournalEntry.auditEdits`, applied
        // replaying): no statement or import may insert, change or remove its rows.
        if table.name == Self.auditCollection && !replaying { throw ChangeError(Self.auditTrailIsReadOnly) }
        let parser = RowParser(table: table, tables: tablesByName())
        switch edit.kind {
        case .insert:
            if let existing = table.row(editKey: edit.key) {
                guard replaying else { throw ChangeError(EngineMessage.rowExists(edit.collection, edit.key)) }
                try update(table, row: existing, cells: edit.cells, parser: parser)
                return nil
            }
            switch parser.parse(texts: edit.cells) {
            case .failure(let problems): throw ChangeError(problems.messages.joined(separator: "; "))
            case .success(let values):
                if table.isKeyedByID, case .int(let id) = values[0] {
                    let highest = idHighWater(of: table)
                    // A replayed insert may be one the high-water mark already counts.
                    if !replaying && id <= highest { throw ChangeError(Self.idUsedBefore(id, table.name, next: highest + 1)) }
                    table.idHighWater = max(highest, id)
                }
                table.append(values)
                table.noteAppended(row: table.rowCount - 1)
            }
        case .update:
            guard let row = table.row(editKey: edit.key) else {
                if replaying { return nil }
                throw ChangeError(EngineMessage.noRowWithKey(edit.collection, edit.key))
            }
            try update(table, row: row, cells: edit.cells, parser: parser)
        case .delete:
            guard let row = table.row(editKey: edit.key) else {
                if replaying { return nil }
                throw ChangeError(EngineMessage.noRowWithKey(edit.collection, edit.key))
            }
            var referrers: [String] = []
            for (source, field) in referencesTo(table.name) {
                guard case .reference(let refs) = source.columns[field] else { continue }
                let rows = Self.rows(referringTo: Int32(row), in: refs, postings: source.upToDatePostings(field: field))
                if !rows.isEmpty {
                    let keys = rows.prefix(10).map { source.keyText(row: $0) }.joined(separator: ", ")
                    referrers.append("\(source.name) \(keys)\(rows.count > 10 ? " and \(rows.count - 10) more" : "")")
                }
            }
            if !referrers.isEmpty {
                if replaying { return nil }
                throw ChangeError(EngineMessage.cannotDeleteReferredRow(edit.collection, edit.key, referrers.joined(separator: "; ")))
            }
            return remove(row: row, from: table)
        }
        return nil
    }

    /// The rows of a reference column that refer to `target`: from its postings when they
    /// are built, else by one pass over the column.
    static func rows(referringTo target: Int32, in refs: RefColumn, postings: Postings?) -> [Int] {
        if let postings { return postings.rows(for: Int(target)).map(Int.init) }
        return refs.rows.withUnsafeBufferPointer { r in r.indices.filter { r[$0] == target } }
    }

    private func update(_ table: Table, row: Int, cells: [String: String], parser: RowParser) throws {
        let keyFields = table.schema.name == "communities" ? ["street", "name"] : table.schema.key
        // A community is resolved in the row's street: the new one, or the one it has.
        var streetRow: Int32 = -1
        var streetText: String?
        if let streetField = table.schema.fieldIndex("street"), case .reference(let refs) = table.columns[streetField] {
            streetRow = refs.row(at: row)
            if let given = cells["street"] {
                streetText = given
                streetRow = given.isEmpty ? -1 : (self.table("streets")?.row(keyBytes: Array(given.utf8)) ?? -1)
            } else if streetRow >= 0 {
                streetText = self.table("streets")?.keyText(row: Int(streetRow))
            }
        }
        var parsed: [(Int, ParsedCell)] = []
        var problems: [String] = []
        for (name, text) in cells.sorted(by: { $0.key < $1.key }) {
            guard let i = table.schema.fieldIndex(name) else { throw ChangeError(EngineMessage.unknownField(name, table.name)) }
            let field = table.schema.fields[i]
            if keyFields.contains(name) {
                let current = name == "street" ? (table.editKey(row: row).split(separator: "/").first.map(String.init) ?? "") : table.keyText(row: row)
                if text != current { problems.append(EngineMessage.cannotChangeKeyField(name, table.name)); continue }
                continue
            }
            if text.isEmpty {
                if field.required { problems.append(EngineMessage.emptyRequiredField(name)) }
                parsed.append((i, field.type == .textSet ? .codes([]) : .null))
                continue
            }
            switch parser.parseCell(i, text: text, streetRow: streetRow, streetText: streetText) {
            case .success(let v): parsed.append((i, v))
            case .failure(let p): problems.append(contentsOf: p.messages)
            }
        }
        // A street changed without its community leaves the community in the old street.
        if cells["street"] != nil, cells["community"] == nil, let communityField = table.schema.fieldIndex("community"),
           case .reference(let refs) = table.columns[communityField], refs.rows[row] >= 0 {
            problems.append(EngineMessage.streetChangeNeedsCommunity())
        }
        if !problems.isEmpty { throw ChangeError(problems.joined(separator: "; ")) }
        for (i, v) in parsed { table.set(row: row, field: i, v) }
    }

    /// Removes a row (no row refers to it), renumbering references to the rows after it;
    /// what `putBack` needs to undo it.
    private func remove(row: Int, from table: Table) -> RowRemoval {
        // Rows after the removed one move up: the key index follows now, not at the end of
        // the batch, or the next edit of the batch finds the wrong row by key.
        var removal = RowRemoval(table: table, removed: table.removeRow(row))
        for (source, field) in referencesTo(table.name) {
            guard case .reference(let refs) = source.columns[field] else { continue }
            let removed = Int32(row)
            refs.rows.withUnsafeMutableBufferPointer { r in
                for i in r.indices { let v = r[i]; r[i] = v &- (v > removed ? 1 : 0) }
            }
            removal.referrers.append((source, field, source.removeKeyFromPostings(field: field, key: row) == true))
        }
        return removal
    }

    /// A removal undone: the references renumbered back, the row put back in its table.
    private func putBack(_ removal: RowRemoval) {
        let row = Int32(removal.removed.row)
        for (source, field, keyRemoved) in removal.referrers.reversed() {
            guard case .reference(let refs) = source.columns[field] else { continue }
            refs.rows.withUnsafeMutableBufferPointer { r in
                for i in r.indices { let v = r[i]; r[i] = v &+ (v >= row ? 1 : 0) }
            }
            if keyRemoved { source.insertKeyInPostings(field: field, key: Int(row)) }
        }
        removal.table.insertRow(removal.removed)
    }

    /// Restores key order, key indexes and links after edits.
    func finishChanges(_ touched: Set<String>) {
        // In load order, so a table is sorted after the tables its key refers to (a
        // community's key holds its street's row): a set's order differs between processes,
        // and sorting communities before their streets left them in an order of chance.
        var reordered = Set<String>()
        for table in tables {
            let keyRefersToReordered = table.schema.key.contains { field in
                if case .reference(let target)? = table.schema.field(named: field)?.type { return reordered.contains(target) }
                return false
            }
            guard touched.contains(table.name) || keyRefersToReordered else { continue }
            // The names a community's key is read through follow its streets' new rows.
            if keyRefersToReordered { linkReferences() }
            if let order = table.keyOrderIfUnsorted() {
                reordered.insert(table.name)
                var newRowOfOld = [Int32](repeating: -1, count: order.count)
                for (new, old) in order.enumerated() { newRowOfOld[old] = Int32(new) }
                table.reorder(order)
                for (source, field) in referencesTo(table.name) {
                    guard case .reference(let refs) = source.columns[field] else { continue }
                    for i in refs.rows.indices where refs.rows[i] >= 0 { refs.rows[i] = newRowOfOld[Int(refs.rows[i])] }
                    source.invalidateIndexes()
                }
                table.keyIndexStale = true
            }
            if table.keyIndexStale { table.rebuildKeyIndex() }
            table.keyIndexStale = false
            // Reordered rows invalidate every index; else the rows changed are moved in them.
            if reordered.contains(table.name) { table.invalidateIndexes() } else { table.bringIndexesUpToDate() }
        }
        linkReferences()
    }
}
