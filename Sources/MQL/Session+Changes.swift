// Changing data from MQL statements: `insert`, `update … set`, `delete`, `pair`, `end
// pairing`, `visit`, and `begin … commit | rollback`. A statement becomes row edits
// (Engine's `RowEdit`), applied to a copy of the store; the copy is checked — types,
// references, keys, referential integrity, and every constraint of the rules for rows it
// newly breaks — and only then journalled (fsynced) and adopted. A refusal names the
// statement's position, the constraint with its citation, and the rows; nothing changes.

import Engine
import Foundation

struct Transaction {
    /// The store when the transaction began (constraints compare against it).
    let base: Store
    var edits: [RowEdit] = []
    var statements: [String] = []
    let range: SourceRange
    let file: SourceFile
    /// Where the statement that failed inside the transaction is: after a failure the
    /// transaction can only end, and `commit` applies nothing.
    var failure: (file: SourceFile, range: SourceRange)?
    /// Files `attach` statements of the transaction copy in when it commits.
    var attachments: [PendingAttachment] = []
}

/// A file an `attach` statement read, to be put into the dataset's attachments/ (fsynced)
/// before its row is journalled — only once the change is accepted, so a refused or
/// rolled-back `attach` leaves no file behind.
struct PendingAttachment {
    let bytes: [UInt8]
    let file: String
    let sha256: String
}

extension Session {
    static func osUser() -> String {
        // getenv, not ProcessInfo's environment (a dictionary of every variable, built for two).
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return variable("USER") ?? variable("LOGNAME") ?? NSUserName()
    }

    func fail(_ statement: Statement, _ message: String, at range: SourceRange? = nil) -> DiagnosticError {
        DiagnosticError(Diagnostic(statement.file, range ?? statement.range, message))
    }

    // MARK: - Statements to edits

    func execute(_ change: Change, statement: Statement) throws -> StatementOutcome {
        if let readOnlyReason { throw fail(statement, readOnlyReason) }
        try refuseChangingTheAuditTrail(change, statement: statement)
        // Outside a transaction each statement is one: catch up with other writers first,
        // so ids and checks see the newest data.
        let standalone = transaction == nil
        let current: Store
        if standalone, let dataset {
            do { current = try dataset.beginChange(store) } catch let e as JournalError { throw fail(statement, e.message) }
        } else {
            current = store
        }
        defer { if standalone { dataset?.endChange() } }
        var attachments: [PendingAttachment] = []
        let (allEdits, insertedID) = try edits(for: change, statement: statement, on: current, attaching: &attachments)
        let edits = current.droppingUnchangedUpdates(allEdits)
        if let check = cancellationCheck, check() { throw fail(statement, Message.cancelled) }
        // A value the statement computed that cannot be represented refuses the change.
        try EvaluationFaults.current?.throwIfAny(fallback: statement.file, range: statement.range)
        let text = statement.file.text(of: statement.range)
        if transaction == nil, let outcome = try changeInPlace(edits, of: current, text: text, statement: statement, insertedID: insertedID, attachments: attachments) {
            return outcome
        }
        let changed: Store
        do {
            changed = try current.applying(edits)
        } catch let e as ChangeError {
            throw fail(statement, e.message)
        }
        if var open = transaction {
            open.edits += edits
            open.statements.append(text)
            open.attachments += attachments
            transaction = open
            store = changed
        } else {
            try checkConstraints(before: current, after: changed, edits: edits, statement: statement)
            try EvaluationFaults.current?.throwIfAny(fallback: statement.file, range: statement.range)
            try keep(attachments, statement: statement)
            store = try durable(edits, statementText: text, changed: changed, statement: statement)
        }
        return .changed(edits.count, id: insertedID)
    }

    /// A statement's change made to the store itself rather than to a copy (no column of a
    /// million rows copied for one row), when it is of a kind `Store.applyInPlace` takes
    /// and the rows it can affect break no constraint afterwards; else it is taken back
    /// and nil returned, and the change is made on a copy and checked the usual way (which
    /// names the rows). Nil too, with nothing done, for a change it cannot take.
    func changeInPlace(_ edits: [RowEdit], of current: Store, text: String, statement: Statement, insertedID: Int?,
                       attachments: [PendingAttachment] = []) throws -> StatementOutcome? {
        guard !edits.isEmpty, !IncrementalCheck.alwaysFull, current === store, current.canApplyInPlace(edits),
              let prepared = IncrementalCheck.Prepared(before: current, edits: edits, catalog: catalog,
                                                       buildsIndexes: buildsSortedIndexOnFirstUse) else { return nil }
        var change: InPlaceChange
        do { change = try current.applyInPlace(edits) } catch let e as ChangeError { throw fail(statement, e.message) }
        do {
            guard let broken = prepared.broken(after: current, catalog: catalog, today: today) else {
                current.undo(change)
                return nil
            }
            if !broken.isEmpty {
                // Rows that broke a constraint before the change as well do not refuse it;
                // only the store before can tell, so the change is taken back to look.
                current.undo(change)
                guard IncrementalCheck.Prepared.brokeBefore(broken, before: current, catalog: catalog, today: today,
                                                                      buildsIndexes: buildsSortedIndexOnFirstUse) else { return nil }
                do { change = try current.applyInPlace(edits) } catch let e as ChangeError { throw fail(statement, e.message) }
            }
            try EvaluationFaults.current?.throwIfAny(fallback: statement.file, range: statement.range)
            // An attach's file is in place, fsynced, before its row is journalled.
            try keep(attachments, statement: statement)
            store = try durable(edits, statementText: text, changed: current, statement: statement)
        } catch {
            current.undo(change)
            throw error
        }
        return .changed(edits.count, id: insertedID)
    }

    /// Journals the edits (when the session has a dataset) and returns the store to adopt.
    func durable(_ edits: [RowEdit], statementText: String, changed: Store, statement: Statement) throws -> Store {
        guard let dataset, !edits.isEmpty else { return changed }
        let entry = JournalEntry(at: Self.timestamp(), user: user, statement: statementText,
                                 firstChangeID: changed.table("changes")?.nextFreeID ?? 1, edits: edits)
        do {
            let adopted = try dataset.commit(entry, changed: changed)
            if dataset.journalBytes > Journal.checkpointBytes { try dataset.checkpoint(adopted) }
            return adopted
        } catch let e as JournalError {
            throw fail(statement, e.message)
        } catch let e as ChangeError {
            throw fail(statement, e.message)
        }
    }

    /// Puts the files of `attach` statements into the dataset's attachments/, each fsynced
    /// with its folder, before their rows are journalled: a row never names a file that a
    /// crash could lose.
    func keep(_ attachments: [PendingAttachment], statement: Statement) throws {
        guard !attachments.isEmpty else { return }
        guard let dataset else { throw fail(statement, MessageID.attachNeedsDataset()) }
        do {
            for attachment in attachments {
                try Attachments.write(attachment.bytes, as: attachment.file, sha256: attachment.sha256, in: dataset.directory)
            }
        } catch let e as JournalError {
            throw fail(statement, e.message)
        }
    }

    /// The audit trail is written by the journal alone (四(三) 严禁弄虚作假): a statement
    /// naming `changes` is refused at the name, before any lock is taken or row read.
    func refuseChangingTheAuditTrail(_ change: Change, statement: Statement) throws {
        let target: (collection: String, range: SourceRange)?
        switch change {
        case .insert(let collection, let range, _): target = (collection, range)
        case .update(let q, _), .delete(let q): target = (try check(q, file: statement.file, on: store).collection, q.source.range)
        case .pair, .endPairing, .visit, .attach: target = nil
        }
        if let target, store.table(target.collection)?.name == Store.auditCollection {
            throw fail(statement, Message.auditTrailIsReadOnly, at: target.range)
        }
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: Date())
    }

    func edits(for change: Change, statement: Statement, on store: Store, attaching: inout [PendingAttachment]) throws -> ([RowEdit], Int?) {
        switch change {
        case .insert(let written, let collectionRange, let fields):
            let collection = ChineseNames.collection(written)
            guard let table = store.table(collection) else {
                throw fail(statement, Message.unknownCollection(written, suggestion: Suggest.closest(written, among: store.collectionNames)), at: collectionRange)
            }
            var cells: [String: String] = [:]
            for field in fields {
                guard let schema = storedField(field.name, of: table) else {
                    throw fail(statement, Message.unknownField(field.name, in: collection, suggestion: Suggest.closest(field.name, among: table.schema.fields.map(\.name))), at: field.range)
                }
                if cells[schema.name] != nil { throw fail(statement, MessageID.fieldGivenTwice(field.name), at: field.range) }
                cells[schema.name] = try constantCell(field.value, for: schema, of: collection, statement: statement, store: store)
            }
            var id: Int?
            if table.isKeyedByID {
                if let given = cells["id"], !given.isEmpty, let written = fields.first(where: { $0.name == "id" }) {
                    id = try checkedID(given, of: table, in: store, at: written.value.range, statement)
                } else {
                    id = try nextID(of: table, statement)
                    cells["id"] = String(id!)
                }
            }
            for field in table.schema.fields where cells[field.name] == nil { cells[field.name] = "" }
            let key = table.isKeyedByID ? cells["id"]! : (collection == "communities" ? "\(cells["street"] ?? "")/\(cells["name"] ?? "")" : cells["name"] ?? "")
            return ([RowEdit(kind: .insert, collection: collection, key: key, cells: cells)], id)
        case .update(let q, let assignments):
            let checked = try check(q, file: statement.file, on: store)
            guard let table = store.table(checked.collection) else { return ([], nil) }
            let checker = Checker(store: store, catalog: catalog)
            var scope = Checker.Scope(file: statement.file, collection: checked.collection)
            scope.clause = "set"
            var setters: [(FieldSchema, TExpr, SourceRange)] = []
            for a in assignments {
                guard let schema = storedField(a.name, of: table) else {
                    let names = table.schema.fields.map(\.name)
                    let isDefine = catalog.define(checked.collection, a.name) != nil
                    throw fail(statement, isDefine ? MessageID.computedByDefine(a.name)
                               : Message.unknownField(a.name, in: checked.collection, suggestion: Suggest.closest(a.name, among: names)), at: a.range)
                }
                if setters.contains(where: { $0.0.name == schema.name }) { throw fail(statement, MessageID.fieldSetTwice(a.name), at: a.range) }
                setters.append((schema, checker.check(a.value, scope: scope), a.value.range))
            }
            if !checker.diagnostics.isEmpty { throw DiagnosticError(checker.diagnostics) }
            for (schema, typed, range) in setters {
                if let problem = storageMismatch(typed.type, for: schema, of: checked.collection, store: store) {
                    throw fail(statement, problem, at: range)
                }
            }
            let evaluator = Evaluator(store: store, catalog: catalog, today: today, source: statement.file)
            let planner = evaluator.makePlanner()
            let rows = evaluator.select(checked, planner: planner).rows
            let getters = setters.map { (schema, typed, range) in (schema, planner.compile(typed).valueGetter(store: store), range) }
            var edits: [RowEdit] = []
            for row in rows {
                var cells: [String: String] = [:]
                for (schema, get, range) in getters {
                    switch storedCell(get(Int(row)), for: schema, of: checked.collection) {
                    case .success(let cell): cells[schema.name] = cell
                    case .failure(let problem):
                        throw fail(statement, MessageID.changedRow(problem.message, checked.collection, table.editKey(row: Int(row))), at: range)
                    }
                }
                edits.append(RowEdit(kind: .update, collection: checked.collection, key: table.editKey(row: Int(row)), cells: cells))
            }
            return (edits, nil)
        case .delete(let q):
            let checked = try check(q, file: statement.file, on: store)
            guard let table = store.table(checked.collection) else { return ([], nil) }
            let evaluator = Evaluator(store: store, catalog: catalog, today: today, source: statement.file)
            let rows = evaluator.select(checked, planner: evaluator.makePlanner()).rows
            return (rows.map { RowEdit(kind: .delete, collection: checked.collection, key: table.editKey(row: Int($0))) }, nil)
        case .pair(let mother, let child, let since, let channels, let note):
            let pairings = store.table("pairings")!
            let id = try nextID(of: pairings, statement)
            var cells = ["id": String(id), "until": ""]
            func cell(_ e: Expr, _ field: String) throws -> String {
                try constantCell(e, field: field, of: "pairings", statement: statement, store: store)
            }
            cells["mother"] = try cell(mother, "mother")
            cells["child"] = try cell(child, "child")
            cells["since"] = try since.map { try cell($0, "since") } ?? CivilDate.format(today)
            cells["channels"] = try channels.map { try cell($0, "channels") } ?? ""
            cells["note"] = try note.map { try cell($0, "note") } ?? ""
            return ([RowEdit(kind: .insert, collection: "pairings", key: String(id), cells: cells)], id)
        case .endPairing(let pairing, let on, let note):
            let key = try constantCell(pairing, field: "id", of: "pairings", statement: statement, store: store)
            guard let pairings = store.table("pairings"), let row = pairings.row(editKey: key) else {
                throw fail(statement, MessageID.noPairingWithID(key), at: pairing.range)
            }
            if case .date(let until) = pairings.column(named: "until")!, until.value(at: row) != DateColumn.null {
                throw fail(statement, MessageID.pairingAlreadyEnded(key, CivilDate.format(until.value(at: row))), at: pairing.range)
            }
            var cells = ["until": try on.map { try constantCell($0, field: "until", of: "pairings", statement: statement, store: store) } ?? CivilDate.format(today)]
            if cells["until"]!.isEmpty { throw fail(statement, MessageID.endPairingNeedsDate(), at: on?.range) }
            if let note { cells["note"] = try constantCell(note, field: "note", of: "pairings", statement: statement, store: store) }
            return ([RowEdit(kind: .update, collection: "pairings", key: key, cells: cells)], nil)
        case .visit(let child, let on, let kind, let note):
            let childKey = try constantCell(child, field: "child", of: "pairings", statement: statement, store: store)
            guard let children = store.table("children"), let childRow = children.row(editKey: childKey) else {
                throw fail(statement, MessageID.noChildWithID(childKey), at: child.range)
            }
            let pairingRows = activePairings(ofChild: childRow, store: store)
            guard pairingRows.count == 1 else {
                throw fail(statement, pairingRows.isEmpty ? MessageID.childHasNoActivePairing(childKey)
                           : MessageID.childHasSeveralActivePairings(childKey, pairingRows.count), at: child.range)
            }
            let pairings = store.table("pairings")!
            let visits = store.table("visits")!
            let id = try nextID(of: visits, statement)
            var cells = ["id": String(id), "pairing": pairings.keyText(row: pairingRows[0])]
            cells["date"] = try constantCell(on, field: "date", of: "visits", statement: statement, store: store)
            if cells["date"]!.isEmpty { throw fail(statement, MessageID.visitNeedsDate(), at: on.range) }
            cells["kind"] = try kind.map { try constantCell($0, field: "kind", of: "visits", statement: statement, store: store) } ?? "家访"
            cells["note"] = try note.map { try constantCell($0, field: "note", of: "visits", statement: statement, store: store) } ?? ""
            return ([RowEdit(kind: .insert, collection: "visits", key: String(id), cells: cells)], id)
        case .attach(let file, let target, let idExpr, let note, let taken):
            guard dataset != nil else { throw fail(statement, MessageID.attachNeedsDataset()) }
            func cell(_ e: Expr, _ field: String) throws -> String {
                try constantCell(e, field: field, of: "attachments", statement: statement, store: store)
            }
            let source = try cell(file, "file")
            if source.isEmpty { throw fail(statement, MessageID.attachNeedsFile(), at: file.range) }
            let key = try cell(idExpr, target.rawValue)
            guard let owner = store.table(target == .visit ? "visits" : "reports"), owner.row(editKey: key) != nil else {
                throw fail(statement, target == .visit ? MessageID.noVisitWithID(key) : MessageID.noReportWithID(key), at: idExpr.range)
            }
            var cells = ["visit": "", "report": ""]
            cells[target.rawValue] = key
            cells["note"] = try note.map { try cell($0, "note") } ?? ""
            cells["taken"] = try taken.map { try cell($0, "taken") } ?? ""
            // The file is read last, once the statement is known to be good.
            let bytes: [UInt8]
            do { bytes = try Attachments.readSource(source) } catch let e as ChangeError { throw fail(statement, e.message, at: file.range) }
            let content = Attachments.content(of: bytes, original: source)
            cells["file"] = content.file
            cells["sha256"] = content.sha256
            let attachments = store.table("attachments")!
            let id = try nextID(of: attachments, statement)
            cells["id"] = String(id)
            attaching.append(PendingAttachment(bytes: bytes, file: content.file, sha256: content.sha256))
            return ([RowEdit(kind: .insert, collection: "attachments", key: String(id), cells: cells)], id)
        }
    }

    /// A stored field named in English or Chinese.
    func storedField(_ name: String, of table: Table) -> FieldSchema? {
        table.schema.field(named: name) ?? ChineseNames.member(name, of: table.name).flatMap { table.schema.field(named: $0) }
    }

    /// An id written in an insert, refused where it is written when it is out of range or
    /// one the collection has had before (ids are never reused: see `Store.idHighWater`).
    func checkedID(_ text: String, of table: Table, in store: Store, at range: SourceRange, _ statement: Statement) throws -> Int {
        guard let id = Int(text), (1...ProgrammeSchema.maximumID).contains(id) else { throw fail(statement, Message.idOutOfRange(text), at: range) }
        if table.row(id: id) == nil, id <= store.idHighWater(of: table) {
            throw fail(statement, Message.idUsedBefore(id, table.name, next: table.nextFreeID), at: range)
        }
        return id
    }

    /// The id a new row of `table` takes.
    func nextID(of table: Table, _ statement: Statement) throws -> Int {
        let id = table.nextFreeID
        guard id <= ProgrammeSchema.maximumID else { throw fail(statement, Message.noIDsLeft(table.name)) }
        return id
    }

    func activePairings(ofChild child: Int, store: Store) -> [Int] {
        guard let pairings = store.table("pairings"), let childField = pairings.schema.fieldIndex("child"),
              case .date(let until) = pairings.column(named: "until")! else { return [] }
        // A child's few pairings (one pass over the column for a process that makes one
        // change, rather than building its index); their ends read alone (a few blocks of
        // a column still in the snapshot).
        let rows = buildsSortedIndexOnFirstUse
            ? pairings.postingsRows(field: childField, key: child)
            : pairings.rowsReferring(field: childField, toAny: [Int32(child)])
        return rows.map(Int.init).filter {
            let end = until.value(at: $0)
            return end == DateColumn.null || end > today
        }
    }

    func check(_ q: Query, file: SourceFile, on store: Store) throws -> TQuery {
        let checker = Checker(store: store, catalog: catalog)
        checker.warningFile = file
        guard let checked = checker.checkQuery(q, file: file) else { throw DiagnosticError(checker.diagnostics) }
        warnings += checker.warnings
        return checked
    }

    // MARK: - Constraints

    /// Refuses a change after which a row that satisfied a constraint no longer does. Only
    /// the rows the edits can affect are checked (`IncrementalCheck`); `MQL_FULL_CHECK=1`
    /// checks every row of every constraint instead, for comparison.
    func checkConstraints(before: Store, after: Store, edits: [RowEdit], statement: Statement) throws {
        var check = IncrementalCheck(before: before, after: after, catalog: catalog, today: today)
        check.useIndexes = useIndexes
        let newlyBroken = IncrementalCheck.alwaysFull
            ? check.newlyBrokenByFullCheck()
            : check.newlyBroken(IncrementalCheck.changedRows(edits, in: after))
        guard !newlyBroken.isEmpty else { return }
        let new = Session(store: after, catalog: catalog, today: today)
        var problems: [String] = []
        for (constraint, broken) in newlyBroken {
            let rows = broken.prefix(10).map { "\(constraint.collection) \(new.describeRow(constraint.collection, Int($0)))" }
            problems.append(MessageID.refusedByConstraint(constraint.qualifiedName, constraint.citation ?? "", rows.joined(separator: "; "))
                             + (broken.count > 10 ? MessageID.andMoreRows(broken.count - 10) : ""))
        }
        throw fail(statement, problems.joined(separator: "\n  "))
    }

    /// Applies edits made outside MQL statements (an import) as one change: checked like a
    /// statement, refused as a whole, journalled under `description`. Updates that change
    /// nothing are left out; the edits applied are returned. A `dryRun` checks exactly the
    /// same (keys, references, constraints) and changes nothing: no journal, no adoption.
    @discardableResult
    public func apply(_ givenEdits: [RowEdit], description: String, dryRun: Bool = false) throws -> [RowEdit] {
        let file = SourceFile(name: "<import>", text: description)
        let statement = Statement(kind: .begin, range: SourceRange(0, file.bytes.count), file: file)
        guard transaction == nil else { throw fail(statement, MessageID.finishTransactionFirst()) }
        if let readOnlyReason { throw fail(statement, readOnlyReason) }
        var current = store
        if let dataset {
            do { current = try dataset.beginChange(store) } catch let e as JournalError { throw fail(statement, e.message) }
        }
        defer { dataset?.endChange() }
        let edits = current.droppingUnchangedUpdates(givenEdits)
        if !dryRun, try EvaluationFaults.checking(statement.file, statement.range, {
            try changeInPlace(edits, of: current, text: description, statement: statement, insertedID: nil) != nil
        }) {
            return edits
        }
        let changed: Store
        do { changed = try current.applying(edits) } catch let e as ChangeError { throw fail(statement, e.message) }
        try EvaluationFaults.checking(statement.file, statement.range) {
            try checkConstraints(before: current, after: changed, edits: edits, statement: statement)
        }
        if dryRun { return edits }
        store = try durable(edits, statementText: description, changed: changed, statement: statement)
        return edits
    }

    // MARK: - Transactions

    func begin(_ statement: Statement) throws -> StatementOutcome {
        guard transaction == nil else { throw fail(statement, MessageID.transactionAlreadyOpen()) }
        if let readOnlyReason { throw fail(statement, readOnlyReason) }
        var base = store
        if let dataset {
            do { base = try dataset.beginChange(store) } catch let e as JournalError { throw fail(statement, e.message) }
        }
        store = base
        transaction = Transaction(base: base, range: statement.range, file: statement.file)
        return .done("begin")
    }

    func commit(_ statement: Statement) throws -> StatementOutcome {
        guard let open = transaction else { throw fail(statement, MessageID.commitWithoutBegin()) }
        if let failure = open.failure {
            store = open.base
            transaction = nil
            dataset?.endChange()
            throw fail(statement, Message.commitOfAbortedTransaction(Self.position(failure.file, failure.range)))
        }
        do {
            try checkConstraints(before: open.base, after: store, edits: open.edits, statement: statement)
            try EvaluationFaults.current?.throwIfAny(fallback: statement.file, range: statement.range)
            try keep(open.attachments, statement: statement)
            store = try durable(open.edits, statementText: (["begin"] + open.statements + ["commit"]).joined(separator: "\n"), changed: store, statement: statement)
        } catch {
            // A refused commit rolls the whole transaction back: all or none.
            store = open.base
            transaction = nil
            dataset?.endChange()
            throw error
        }
        transaction = nil
        dataset?.endChange()
        return .changed(open.edits.count, id: nil)
    }

    func rollback(_ statement: Statement) throws -> StatementOutcome {
        guard let open = transaction else { throw fail(statement, MessageID.rollbackWithoutBegin()) }
        store = open.base
        transaction = nil
        dataset?.endChange()
        return .done("rollback")
    }

    /// Abandons an open transaction (end of a script or session): nothing of it applies.
    public func abandonTransaction() {
        guard let open = transaction else { return }
        store = open.base
        transaction = nil
        dataset?.endChange()
    }

    public var inTransaction: Bool { transaction != nil }

    /// Marks the open transaction as failed by `statement` (see `Transaction.failure`).
    func abortTransaction(failedAt statement: Statement) {
        guard var open = transaction, open.failure == nil else { return }
        open.failure = (statement.file, statement.range)
        transaction = open
    }

    static func position(_ file: SourceFile, _ range: SourceRange) -> String {
        let (line, column) = file.location(of: range.start)
        return "\(file.name):\(line):\(column)"
    }

    /// Writes the dataset files anew and empties the journal (`.checkpoint`).
    public func checkpoint() throws {
        guard let dataset else { throw ChangeError(MessageID.noDatasetToCheckpoint()) }
        if let readOnlyReason { throw ChangeError(readOnlyReason) }
        guard transaction == nil else { throw ChangeError(MessageID.finishTransactionFirst()) }
        let current = try dataset.beginChange(store)
        defer { dataset.endChange() }
        try dataset.checkpoint(current)
        store = current
    }
}
