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
                label: label(of: table, row: row, store: store),
                street: street(of: table, row: row, store: store),
                old: before, new: after, because: because))
        }
        return ImpactReport(define: name, collection: collection, rows: rows)
    }

    /// Every define and rule of both rule sets whose value changes on some row, with the
    /// keys of those rows: what a param edit changes when no one define is asked about.
    public static func changedDefines(store: Store, old: Catalog, new: Catalog, today: Int32) -> [(name: String, keys: [String])] {
        let oldPlanner = Planner(store: store, catalog: old, today: today)
        let newPlanner = Planner(store: store, catalog: new, today: today)
        var out: [(name: String, keys: [String])] = []
        for info in old.ordered where info.kind != .constraint {
            guard let edited = new.define(info.collection, info.name), let table = store.table(info.collection) else { continue }
            let before = oldPlanner.compiledDefine(info).valueGetter(store: store)
            let after = newPlanner.compiledDefine(edited).valueGetter(store: store)
            let keys = (0..<table.rowCount).filter { before($0) != after($0) }.map { table.keyText(row: $0) }
            if !keys.isEmpty { out.append((info.qualifiedName, keys)) }
        }
        return out
    }

    /// A row's name; a row without one (a pairing, a visit) is named by the rows it refers to.
    static func label(of table: Table, row: Int, store: Store, depth: Int = 0) -> String {
        if let field = table.schema.fieldIndex("name") { return DatasetWriter.cell(table, row: row, field: field, store: store) }
        guard depth < 2 else { return "" }
        var names: [String] = []
        for (target, targetRow) in referencedRows(of: table, row: row, store: store) {
            let name = label(of: target, row: targetRow, store: store, depth: depth + 1)
            if !name.isEmpty { names.append(name) }
        }
        return names.joined(separator: " · ")
    }

    /// A row's street; a row without one takes the first street of the rows it refers to
    /// (a pairing: its mother's, or its child's when the mother is district-level).
    static func street(of table: Table, row: Int, store: Store, depth: Int = 0) -> String? {
        if let field = table.schema.fieldIndex("street") {
            let street = DatasetWriter.cell(table, row: row, field: field, store: store)
            return street.isEmpty ? nil : street
        }
        guard depth < 2 else { return nil }
        for (target, targetRow) in referencedRows(of: table, row: row, store: store) {
            if let street = street(of: target, row: targetRow, store: store, depth: depth + 1) { return street }
        }
        return nil
    }

    static func referencedRows(of table: Table, row: Int, store: Store) -> [(Table, Int)] {
        table.columns.compactMap { column in
            guard case .reference(let refs) = column, refs.rows[row] >= 0, let target = store.table(refs.target) else { return nil }
            return (target, Int(refs.rows[row]))
        }
    }
}

public struct ImpactError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "error: " + message }
}
