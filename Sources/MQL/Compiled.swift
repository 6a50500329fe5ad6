// Compiled expressions: the checked tree turned into closures over column arrays, one
// closure per node, built once per statement. A closure takes the current row (or group)
// number; names, types, columns and index choices were all fixed when it was built, so
// evaluating a row does no lookup by name and boxes nothing.

import Engine

/// Visits rows of a collection reachable from the current row; `visit` returns false to
/// stop early, and the producer then returns false too.
typealias RowsProducer = (Int, (Int32) -> Bool) -> Bool

/// A set of text as a row holds it: elements of a stored set column, or literal values.
enum TextSetValue {
    case stored(SetColumn, Int)
    case literal([String])

    var texts: [String] {
        switch self {
        case .stored(let c, let row): return c.texts(at: row)
        case .literal(let values): return values
        }
    }

    var count: Int {
        switch self {
        case .stored(let c, let row): return Int(c.offsets[row + 1] - c.offsets[row])
        case .literal(let values): return values.count
        }
    }

    func contains(_ text: String) -> Bool {
        switch self {
        case .stored(let c, let row):
            guard let code = c.dictionary.code(of: text) else { return false }
            return c.codes(at: row).contains(code)
        case .literal(let values): return values.contains(text)
        }
    }
}

indirect enum Compiled {
    case null
    case bool((Int) -> Bool)
    case int((Int) -> Int?)
    case number((Int) -> Double?)
    case text((Int) -> String?)
    case date((Int) -> Int32?)
    case duration((Int) -> Duration?)
    case textSet((Int) -> TextSetValue?)
    /// A row of a collection; -1 is null.
    case row(String, (Int) -> Int32)
    case rows(String, RowsProducer)
    /// Values selected by a subquery: its rows, and the element evaluated on each of them.
    case values(RowsProducer, Compiled)
    case list([Compiled])

    var asBool: (Int) -> Bool {
        if case .bool(let f) = self { return f }
        return { _ in false }
    }

    /// Any numeric form as Double.
    var asNumber: ((Int) -> Double?)? {
        switch self {
        case .number(let f): return f
        case .int(let f): return { r in f(r).map(Double.init) }
        case .null: return { _ in nil }
        default: return nil
        }
    }

    var asInt: ((Int) -> Int?)? {
        switch self {
        case .int(let f): return f
        case .null: return { _ in nil }
        default: return nil
        }
    }

    var asDate: ((Int) -> Int32?)? {
        switch self {
        case .date(let f): return f
        case .null: return { _ in nil }
        default: return nil
        }
    }

    var asText: ((Int) -> String?)? {
        switch self {
        case .text(let f): return f
        case .null: return { _ in nil }
        default: return nil
        }
    }

    var isNullLiteral: Bool {
        if case .null = self { return true }
        return false
    }

    /// The same value read through a row mapping (group → its first row, say).
    func remapped(_ map: @escaping (Int) -> Int) -> Compiled {
        switch self {
        case .null: return .null
        case .bool(let f): return .bool { f(map($0)) }
        case .int(let f): return .int { f(map($0)) }
        case .number(let f): return .number { f(map($0)) }
        case .text(let f): return .text { f(map($0)) }
        case .date(let f): return .date { f(map($0)) }
        case .duration(let f): return .duration { f(map($0)) }
        case .textSet(let f): return .textSet { f(map($0)) }
        case .row(let c, let f): return .row(c) { f(map($0)) }
        case .rows(let c, let p): return .rows(c) { r, visit in p(map(r), visit) }
        case .values(let p, let element): return .values({ r, visit in p(map(r), visit) }, element)
        case .list(let items): return .list(items.map { $0.remapped(map) })
        }
    }

    /// A result cell getter.
    func valueGetter(store: Store) -> (Int) -> Value {
        switch self {
        case .null: return { _ in .null }
        case .bool(let f): return { .bool(f($0)) }
        case .int(let f): return { r in f(r).map(Value.int) ?? .null }
        case .number(let f): return { r in f(r).map(Value.number) ?? .null }
        case .text(let f): return { r in f(r).map(Value.text) ?? .null }
        case .date(let f): return { r in f(r).map(Value.date) ?? .null }
        case .duration(let f): return { r in f(r).map(Value.duration) ?? .null }
        case .textSet(let f): return { r in f(r).map { Value.set($0.texts) } ?? .set([]) }
        case .row(let c, let f):
            let table = store.table(c)!
            if table.isKeyedByID {
                return { r in let row = f(r); return row < 0 ? .null : .int(table.id(row: Int(row))!) }
            }
            return { r in let row = f(r); return row < 0 ? .null : .text(table.keyText(row: Int(row))) }
        case .rows(let c, let p):
            let table = store.table(c)!
            return { r in
                var keys: [String] = []
                _ = p(r) { row in keys.append(table.keyText(row: Int(row))); return true }
                return .set(keys)
            }
        case .values(let p, let element):
            let get = element.valueGetter(store: store)
            return { r in
                var items: [String] = []
                _ = p(r) { row in items.append(get(Int(row)).description); return true }
                return .set(items)
            }
        case .list(let items):
            let getters = items.map { $0.valueGetter(store: store) }
            return { r in .set(getters.map { $0(r).description }) }
        }
    }
}
