// The values a change statement writes into stored fields. A value is stored only when it
// is exactly of the field's type: text where text is stored, a whole number where an int
// is, a date where a date is, a list of text where a set is, a row or its key where a
// reference is. Nothing is converted on the way (`name: 1`, `household_size: "5"`,
// `birth: "2019-05-15"` and `liaison_phone: ["a", "b"]` are type errors), and nothing that
// the dataset files could not hold as written is accepted: an empty text (an empty cell is
// null), a set element holding `;` (the separator of set cells), or an empty element.
// Duplicate set elements collapse to one, as a set's do.
//
// The type is checked once, from the checked expression, before any row is read; the
// value is checked again per row (a real number must be whole for an int field).

import Engine

/// Why a value cannot be stored in a field.
struct StorageProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Session {
    /// Why an expression of type `type` cannot be stored in `field`, or nil when it can.
    func storageMismatch(_ type: MType, for field: FieldSchema, of collection: String, store: Store) -> String? {
        let name = "\(collection).\(field.name)"
        switch (field.type, type) {
        case (_, .null): return field.type == .textSet ? Message.nullForSet(name) : nil
        case (.text, .text), (.int, .int), (.int, .number), (.date, .date): return nil
        case (.textSet, .textSet), (.textSet, .list(.text)), (.textSet, .list(.null)), (.textSet, .values(.text)): return nil
        case (.reference(let target), .row(let c)) where c == target: return nil
        case (.reference(let target), .int) where store.table(target)?.isKeyedByID == true: return nil
        case (.reference(let target), .text) where store.table(target)?.isKeyedByID == false: return nil
        default:
            return Message.notStorable(name, fieldType: storedTypeName(field.type, store: store), got: type.description,
                                       hint: storageHint(field.type, type))
        }
    }

    private func storedTypeName(_ type: FieldType, store: Store) -> String {
        switch type {
        case .int: return MessageID.storedWholeNumber()
        case .date: return MessageID.storedDate()
        case .text: return MessageID.storedText()
        case .textSet: return MessageID.storedTextSet()
        case .reference(let target):
            return store.table(target)?.isKeyedByID == true ? MessageID.storedReferenceByID(target) : MessageID.storedReferenceByName(target)
        }
    }

    private func storageHint(_ field: FieldType, _ got: MType) -> String? {
        switch (field, got) {
        case (.date, .text): return MessageID.hintDateUnquoted()
        case (.int, .text): return MessageID.hintNumberUnquoted()
        case (.text, .int), (.text, .number), (.text, .date): return MessageID.hintTextQuoted()
        case (.text, .list), (.text, .textSet): return MessageID.hintOneTextValue()
        default: return nil
        }
    }

    /// The cell text of `value` for `field`, as the row parser reads it back unchanged.
    func storedCell(_ value: Value, for field: FieldSchema, of collection: String) -> Result<String, StorageProblem> {
        let name = "\(collection).\(field.name)"
        switch value {
        case .null:
            return field.type == .textSet ? .failure(StorageProblem(Message.nullForSet(name))) : .success("")
        case .text(let text):
            if text.isEmpty { return .failure(StorageProblem(Message.emptyText(name))) }
            return .success(text)
        case .int(let n):
            return .success(String(n))
        case .number(let x):
            // Whole real numbers are stored as the same whole number; anything else would
            // have to be rounded, which the statement did not ask for.
            guard x.isFinite, x == x.rounded(), Swift.abs(x) < 9.2e18 else { return .failure(StorageProblem(Message.notWhole(name, x))) }
            return .success(String(Int(x)))
        case .date(let d):
            return .success(CivilDate.format(d))
        case .set(let items):
            var seen = Set<String>()
            var kept: [String] = []
            for item in items {
                if item.isEmpty { return .failure(StorageProblem(Message.emptySetElement(name))) }
                if item.contains(";") { return .failure(StorageProblem(Message.separatorInSet(name, item))) }
                if seen.insert(item).inserted { kept.append(item) }
            }
            return .success(kept.joined(separator: ";"))
        case .bool, .duration:
            return .failure(StorageProblem(Message.notStorable(name, fieldType: field.type.description, got: value.description, hint: nil)))
        }
    }

    /// A constant written in a change statement (`insert` fields, `pair … since`, …) as the
    /// cell of `field`: type-checked, evaluated, then checked as a value.
    func constantCell(_ e: Expr, for field: FieldSchema, of collection: String, statement: Statement, store: Store) throws -> String {
        let checker = Checker(store: store, catalog: catalog)
        guard let typed = checker.checkExpression(e, file: statement.file) else { throw DiagnosticError(checker.diagnostics) }
        if let problem = storageMismatch(typed.type, for: field, of: collection, store: store) {
            throw fail(statement, problem, at: e.range)
        }
        let planner = Planner(store: store, catalog: catalog, today: today)
        planner.source = statement.file
        let value = planner.compile(typed).valueGetter(store: store)(0)
        try EvaluationFaults.current?.throwIfAny(fallback: statement.file, range: e.range)
        switch storedCell(value, for: field, of: collection) {
        case .success(let cell): return cell
        case .failure(let problem): throw fail(statement, problem.message, at: e.range)
        }
    }

    /// `constantCell` for a field named by collection and field name.
    func constantCell(_ e: Expr, field name: String, of collection: String, statement: Statement, store: Store) throws -> String {
        guard let field = store.table(collection)?.schema.field(named: name) else {
            throw fail(statement, Message.unknownField(name, in: collection, suggestion: nil), at: e.range)
        }
        return try constantCell(e, for: field, of: collection, statement: statement, store: store)
    }
}
