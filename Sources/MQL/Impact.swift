// The impact of a rule edit: evaluate the same dataset under the rules in force and under
// the edited rules, and list every row whose value of a define changes, with the rules
// (and their clauses) whose values changed on that row — so policy staff see the effect
// of a change before adopting it.

import Engine

public struct ImpactRow: Sendable {
    public let key: String
    public let label: String
    public let street: String?
    public let old: Value
    public let new: Value
    /// Rules whose value changed on this row: qualified name and citation.
    public let because: [(name: String, citation: String, old: Value, new: Value)]
}

public struct ImpactReport: Sendable {
    public let define: String
    public let collection: String
    public let rows: [ImpactRow]
}

public enum Impact {
    /// Rows of `collection` where `name` differs between two catalogs over one store.
    public static func compare(_ name: String, in collection: String, store: Store, old: Catalog, new: Catalog, today: Int32) throws -> ImpactReport {
        guard let oldDefine = old.define(collection, name) ?? nil, let newDefine = new.define(collection, name) else {
            throw ImpactError(message: MessageID.impactDefineInBothRuleSets("\(collection).\(name)"))
        }
        let oldPlanner = Planner(store: store, catalog: old, today: today)
        let newPlanner = Planner(store: store, catalog: new, today: today)
        let oldValue = oldPlanner.compiledDefine(oldDefine).valueGetter(store: store)
        let newValue = newPlanner.compiledDefine(newDefine).valueGetter(store: store)
        // Rules of the collection in either set, compared by name.
        var rules: [(String, String, ((Int) -> Value)?, ((Int) -> Value)?)] = []
        let ruleNames = (old.defines(of: collection) + new.defines(of: collection)).filter { $0.kind == .rule }.map(\.name)
        var seen = Set<String>()
        for ruleName in ruleNames where seen.insert(ruleName).inserted {
            let o = old.define(collection, ruleName), n = new.define(collection, ruleName)
            rules.append(("\(collection).\(ruleName)", n?.citation ?? o?.citation ?? "",
                          o.map { oldPlanner.compiledDefine($0).valueGetter(store: store) },
                          n.map { newPlanner.compiledDefine($0).valueGetter(store: store) }))
        }
        guard let table = store.table(collection) else { return ImpactReport(define: name, collection: collection, rows: []) }
        let nameField = table.schema.fieldIndex("name")
        let streetField = table.schema.fieldIndex("street")
        var rows: [ImpactRow] = []
        for row in 0..<table.rowCount {
            let before = oldValue(row), after = newValue(row)
            guard before != after else { continue }
            var because: [(String, String, Value, Value)] = []
            for (ruleName, citation, o, n) in rules {
                let ov = o?(row) ?? .null, nv = n?(row) ?? .null
                if ov != nv { because.append((ruleName, citation, ov, nv)) }
            }
            rows.append(ImpactRow(
                key: table.keyText(row: row),
                label: nameField.map { DatasetWriter.cell(table, row: row, field: $0, store: store) } ?? "",
                street: streetField.map { DatasetWriter.cell(table, row: row, field: $0, store: store) },
                old: before, new: after, because: because))
        }
        return ImpactReport(define: name, collection: collection, rows: rows)
    }
}

public struct ImpactError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "error: " + message }
}
