// Constraint checking over a whole dataset (`mql check`, `.check`): for each constraint of
// the catalog, the rows of its collection that break it.

import Engine
import Foundation

public struct Violation {
    public let constraint: DefineInfo
    public let rows: [Int32]
}

extension Session {
    /// Every row that breaks a constraint, grouped by constraint in the order written.
    /// `workers`: how many constraints are checked at once — nil for every core on a large
    /// dataset and one on a small one (`Parallel.minimumItems`); the result is the same
    /// whatever it is.
    public func violations(workers: Int? = nil) -> [Violation] {
        let checked = catalog.constraints.compactMap { info in store.table(info.collection).map { (info, $0) } }
        let rows = checked.reduce(0) { $0 + $1.1.rowCount }
        let wanted = min(workers ?? (rows >= Parallel.minimumItems ? Parallel.cores : 1), checked.count)
        guard wanted > 1 else {
            let planner = Planner(store: store, catalog: catalog, today: today)
            return checked.map { Violation(constraint: $0.0, rows: brokenRows($0.0, $0.1, planner)) }
        }

        // What each constraint reads is read from the snapshot now, on this thread: the
        // workers then only read columns, and the indexes and lookup tables they build on
        // first use are built under their owners' locks. A constraint whose reads are not
        // known runs on this thread once the workers are done.
        var together: [Int] = [], alone: [Int] = []
        var fields: [String: Set<Int>] = [:]
        for (i, (info, _)) in checked.enumerated() {
            let dependencies = ConstraintDependencies(info, store: store)
            guard !dependencies.unanalysable else { alone.append(i); continue }
            together.append(i)
            for (collection, reads) in dependencies.reads {
                guard let source = store.table(collection) else { continue }
                for field in reads.compactMap(\.field) {
                    fields[collection, default: []].insert(field)
                    // A reference is compared and printed by its target's key.
                    if case .reference(let target) = source.schema.fields[field].type, let targetTable = store.table(target) {
                        fields[target, default: []].formUnion(targetTable.schema.key.compactMap(targetTable.schema.fieldIndex))
                    }
                }
            }
        }
        // Different columns are read at once (each from its own part of the snapshot).
        let loads = fields.sorted { $0.key < $1.key }.flatMap { collection, fields in
            store.table(collection).map { table in fields.sorted().map { (table, $0) } } ?? []
        }
        Parallel.each(loads.count) { i in loads[i].0.columns[loads[i].1].load() }
        for collection in fields.keys.sorted() { store.table(collection)?.loadForConcurrentReads(fields: []) }

        // Each worker takes the next constraint not yet taken, with a planner of its own
        // (compile caches are not shared between threads), made here so that every planner
        // reports to this statement's fault log (`EvaluationFaults.current`).
        let workerCount = min(wanted, together.count)
        let planners = (0..<max(workerCount, 1)).map { _ in Planner(store: store, catalog: catalog, today: today) }
        var results = [[Int32]?](repeating: nil, count: checked.count)
        if workerCount > 0 {
            let queue = ConstraintQueue(together)
            results.withUnsafeMutableBufferPointer { slots in
                // Unchecked: each worker writes only the slots of the constraints it took
                // from the queue (each taken once), and reads the store's columns, loaded
                // above; the planners are one per worker. `onThreads` returns once every
                // worker is done, before the slots are read.
                let shared = UncheckedBox((slots, checked, planners, self))
                store.readConcurrently {
                    Parallel.onThreads(workerCount) { worker in
                        let (slots, checked, planners, session) = shared.value
                        while let i = queue.next() {
                            slots[i] = session.brokenRows(checked[i].0, checked[i].1, planners[worker])
                        }
                    }
                }
            }
        }
        for i in alone { results[i] = brokenRows(checked[i].0, checked[i].1, planners[0]) }
        return checked.indices.map { Violation(constraint: checked[$0].0, rows: results[$0]!) }
    }

    /// The rows of `table` where `not CONSTRAINT` holds, planned as a query's filter: a
    /// simple constraint (`name is not null`, `kind in visit_kinds`) is then one pass over
    /// one column for all rows (Planner+Vectors), not a closure call per row.
    func brokenRows(_ info: DefineInfo, _ table: Table, _ planner: Planner) -> [Int32] {
        let range = info.definition.nameRange
        let this = TExpr(.this, .row(info.collection), range)
        let broken = TExpr(.unary(.not, TExpr(.define(base: this, info), .bool, range)), .bool, range)
        return planner.planFilter(broken, table: table, useIndexes: useIndexes).run()
    }

    /// `describeRow` as UTF-8 appended to `out`, without a String per part: the fields
    /// and the tables they lead to looked up once for the collection (`mql check` prints a
    /// line per violation, hundreds of thousands at a million children). The columns it
    /// reads are read when it is made, so that several threads may use it at once.
    public func rowDescriber(_ collection: String) -> ((Int, inout [UInt8]) -> Void)? {
        guard let table = store.table(collection) else { return nil }
        enum Part {
            case name(TextColumn)
            case reference(label: [UInt8], RefColumn, Table, TextColumn?)
        }
        var parts: [Part] = []
        let keyed = table.isKeyedByID
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
        // Read now what the describer reads, so that several threads may then use it.
        if keyed { table.loadForConcurrentReads(fields: table.schema.key.compactMap(table.schema.fieldIndex)) }
        for part in parts {
            switch part {
            case .name(let c): Column.text(c).load()
            case .reference(_, let c, let target, let names):
                Column.reference(c).load()
                target.loadForConcurrentReads(fields: target.schema.key.compactMap(target.schema.fieldIndex))
                if let names { Column.text(names).load() }
            }
        }
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

/// The constraints still to be checked, handed out one at a time to the workers of
/// `Session.violations`.
final class ConstraintQueue: @unchecked Sendable {
    // Unchecked: `remaining` is only touched under `lock`.
    private let lock = NSLock()
    private var remaining: ArraySlice<Int>

    init(_ items: [Int]) { remaining = items[...] }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return remaining.popFirst()
    }
}
