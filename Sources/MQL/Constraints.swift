// Constraint checking over a whole dataset (`mql check`, `.check`): for each constraint of
// the catalog, the rows of its collection that break it.

import Engine

public struct Violation {
    public let constraint: DefineInfo
    public let rows: [Int32]
}

extension Session {
    /// Every row that breaks a constraint, grouped by constraint in the order written.
    public func violations() -> [Violation] {
        let planner = Planner(store: store, catalog: catalog, today: today)
        var out: [Violation] = []
        for info in catalog.constraints {
            guard let table = store.table(info.collection) else { continue }
            // The rows where `not CONSTRAINT` holds, planned as a query's filter: a simple
            // constraint (`name is not null`, `kind in visit_kinds`) is then one pass over
            // one column for all rows (Planner+Vectors), not a closure call per row.
            let range = info.definition.nameRange
            let this = TExpr(.this, .row(info.collection), range)
            let broken = TExpr(.unary(.not, TExpr(.define(base: this, info), .bool, range)), .bool, range)
            let rows = planner.planFilter(broken, table: table, useIndexes: useIndexes).run()
            out.append(Violation(constraint: info, rows: rows))
        }
        return out
    }

    /// `describeRow` as UTF-8 appended to `out`, without a String per part: the fields
    /// and the tables they lead to looked up once for the collection (`mql check` prints a
    /// line per violation, hundreds of thousands at a million children).
    public func rowDescriber(_ collection: String) -> ((Int, inout [UInt8]) -> Void)? {
        guard let table = store.table(collection) else { return nil }
        enum Part {
            case name(TextColumn)
            case reference(label: [UInt8], RefColumn, Table, TextColumn?)
        }
        var parts: [Part] = []
        for (i, field) in table.schema.fields.enumerated() where field.masking == .none {
            switch (field.name, table.columns[i]) {
            case ("name", .text(let c)):
                parts.append(.name(c))
            case (_, .reference(let c)) where ["mother", "child", "pairing", "street", "community"].contains(field.name):
                guard let target = store.table(c.target) else { continue }
                var names: TextColumn?
                if target.isKeyedByID, case .text(let n)? = target.column(named: "name") { names = n }
                parts.append(.reference(label: Array((field.name + " ").utf8), c, target, names))
            default:
                continue
            }
        }
        let keyed = table.isKeyedByID
        return { row, out in
            var first = true
            func separate() {
                if first { first = false } else { out.append(0x20); out.append(0x20) }
            }
            if keyed { separate(); out.append(contentsOf: String(table.id(row: row)!).utf8) }
            for part in parts {
                switch part {
                case .name(let c):
                    separate()
                    let code = c.codes[row]
                    if code >= 0 { out.append(contentsOf: c.dictionary.bytes(at: Int(code))) }
                case .reference(let label, let c, let target, let names):
                    let t = Int(c.rows[row])
                    guard t >= 0 else { continue }
                    separate()
                    out.append(contentsOf: label)
                    if target.isKeyedByID {
                        out.append(contentsOf: String(target.id(row: t)!).utf8)
                    } else if case .text(let keys)? = target.column(named: "name") {
                        let code = keys.codes[t]
                        if code >= 0 { out.append(contentsOf: keys.dictionary.bytes(at: Int(code))) }
                    }
                    if let names, names.codes[t] >= 0 {
                        out.append(0x20)
                        out.append(contentsOf: names.dictionary.bytes(at: Int(names.codes[t])))
                    }
                }
            }
        }
    }

    /// A short description of a row for people: its key and, where there is one, its name
    /// and the names of what it refers to (personal fields left out).
    public func describeRow(_ collection: String, _ row: Int) -> String {
        guard let table = store.table(collection) else { return "" }
        var parts: [String] = []
        if table.isKeyedByID { parts.append("\(table.id(row: row)!)") }
        for (i, field) in table.schema.fields.enumerated() where field.masking == .none {
            switch (field.name, table.columns[i]) {
            case ("name", .text(let c)):
                parts.append(c.text(at: row) ?? "")
            case (_, .reference(let c)) where ["mother", "child", "pairing", "street", "community"].contains(field.name):
                let target = Int(c.rows[row])
                guard target >= 0, let targetTable = store.table(c.target) else { continue }
                var label = "\(field.name) \(targetTable.keyText(row: target))"
                if targetTable.isKeyedByID, case .text(let names)? = targetTable.column(named: "name"), let name = names.text(at: target) {
                    label += " \(name)"
                }
                parts.append(label)
            default:
                continue
            }
        }
        return parts.joined(separator: "  ")
    }
}
