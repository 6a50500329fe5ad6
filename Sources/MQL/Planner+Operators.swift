// Compiling operators and function calls: comparisons (with the fast paths over dictionary
// codes), arithmetic with null propagation, membership, text matching, and the builtins.

import Engine
import Foundation

extension Planner {
    func compileBinary(_ op: BinaryOperator, _ l: TExpr, _ r: TExpr, type: MType, site: FaultSite) -> Compiled {
        switch op {
        case .and:
            let a = compile(l).asBool, b = compile(r).asBool
            return .bool { a($0) && b($0) }
        case .or:
            let a = compile(l).asBool, b = compile(r).asBool
            return .bool { a($0) || b($0) }
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            return .bool(comparison(op, l, r))
        case .add, .subtract, .multiply, .divide:
            return arithmetic(op, compile(l), compile(r), type: type, site: site)
        case .in, .notIn:
            let member = membership(l, in: r)
            if op == .in { return .bool(member) }
            let isNull = nullTest(compile(l))
            return .bool { row in !isNull(row) && !member(row) }
        case .contains:
            if l.type == .text {
                return .bool(textPredicate(l, r, bytes: TextMatching.containsOnBytes) { text, pattern in text.contains(pattern) })
            }
            return .bool(membership(r, in: l))
        case .like, .notLike:
            let matches = textPredicate(l, r, bytes: TextMatching.likeOnBytes) { text, pattern in LikePattern(pattern).matches(text) }
            if op == .like { return .bool(matches) }
            let isNull = nullTest(compile(l))
            return .bool { row in !isNull(row) && !matches(row) }
        }
    }

    /// A predicate between a text and a text pattern; decided once per distinct value when
    /// the text is a column and the pattern a constant.
    /// `bytes` makes, for a constant pattern, the same decision on a value's bytes where it
    /// can (nil where it cannot).
    func textPredicate(_ l: TExpr, _ r: TExpr, bytes: ((String) -> ((UnsafeBufferPointer<UInt8>) -> Bool?)?)? = nil,
                       _ decide: @escaping (String, String) -> Bool) -> (Int) -> Bool {
        if case .text(let pattern)? = constantValue(r) {
            if let (column, baseRow) = textColumnAccess(l) {
                let codes = column.codes
                let answers = CodeAnswers(dictionary: column.dictionary, decide: { decide($0, pattern) }, decideBytes: bytes?(pattern))
                if let b = baseRow {
                    return { row in let x = b(row); return x >= 0 && answers.answer(codes[Int(x)]) }
                }
                return { row in answers.answer(codes[row]) }
            }
            guard let a = compile(l).asText else { return { _ in false } }
            let simple = LikePattern(pattern)
            _ = simple
            return { row in a(row).map { decide($0, pattern) } ?? false }
        }
        guard let a = compile(l).asText, let b = compile(r).asText else { return { _ in false } }
        return { row in
            guard let x = a(row), let y = b(row) else { return false }
            return decide(x, y)
        }
    }

    // MARK: - Comparison

    func comparison(_ op: BinaryOperator, _ l: TExpr, _ r: TExpr) -> (Int) -> Bool {
        if l.type == .null || r.type == .null { return { _ in false } }
        // Keep constants on the right.
        if constantValue(l) != nil && constantValue(r) == nil {
            return comparison(op.mirrored, r, l)
        }
        if case .row(let collection) = l.type { return referenceComparison(op, l, r, collection: collection) }
        if case .row(let collection) = r.type { return referenceComparison(op.mirrored, r, l, collection: collection) }
        if l.type == .text, r.type == .text, op == .equal || op == .notEqual,
           case .text(let constant)? = constantValue(r), let (column, baseRow) = textColumnAccess(l) {
            let equal = op == .equal
            if readsFewRows && column.dictionary.isPending {
                // The dictionary still in the snapshot (read whole only with its column of
                // codes): each row's text read alone, compared byte for byte as codes are.
                let bytes = Array(constant.utf8)
                return { row in
                    let x = baseRow.map { Int($0(row)) } ?? row
                    guard x >= 0, let text = column.text(at: x) else { return false }
                    return text.utf8.elementsEqual(bytes) == equal
                }
            }
            let wanted = column.dictionary.code(of: constant) ?? -2
            if readsFewRows {
                // Row by row: a few rows of a column still in the snapshot read a few blocks.
                return { row in
                    let x = baseRow.map { Int($0(row)) } ?? row
                    guard x >= 0 else { return false }
                    let code = column.code(at: x)
                    return code >= 0 && ((code == wanted) == equal)
                }
            }
            let codes = column.codes
            if let b = baseRow {
                return { row in
                    let x = b(row)
                    guard x >= 0 else { return false }
                    let code = codes[Int(x)]
                    return code >= 0 && ((code == wanted) == equal)
                }
            }
            return { row in let code = codes[row]; return code >= 0 && ((code == wanted) == equal) }
        }
        let a = compile(l), b = compile(r)
        switch (a, b) {
        case (.int(let x), .int(let y)): return ordered(op, x, y, <)
        case (.date(let x), .date(let y)): return ordered(op, x, y, <)
        case (.bool(let x), .bool(let y)):
            switch op {
            case .equal: return { x($0) == y($0) }
            case .notEqual: return { x($0) != y($0) }
            default: return ordered(op, { Optional(x($0) ? 1 : 0) }, { Optional(y($0) ? 1 : 0) }, <)
            }
        case (.text(let x), .text(let y)):
            if op == .equal || op == .notEqual { return ordered(op, x, y, <) }
            return ordered(op, x, y) { PinyinCollation.compare($0, $1) == .orderedAscending }
        default:
            if let x = a.asNumber, let y = b.asNumber { return ordered(op, x, y, <) }
            return { _ in false }
        }
    }

    func ordered<T: Equatable>(_ op: BinaryOperator, _ a: @escaping (Int) -> T?, _ b: @escaping (Int) -> T?,
                               _ less: @escaping (T, T) -> Bool) -> (Int) -> Bool {
        switch op {
        case .equal: return { r in guard let x = a(r), let y = b(r) else { return false }; return x == y }
        case .notEqual: return { r in guard let x = a(r), let y = b(r) else { return false }; return x != y }
        case .less: return { r in guard let x = a(r), let y = b(r) else { return false }; return less(x, y) }
        case .lessOrEqual: return { r in guard let x = a(r), let y = b(r) else { return false }; return !less(y, x) }
        case .greater: return { r in guard let x = a(r), let y = b(r) else { return false }; return less(y, x) }
        case .greaterOrEqual: return { r in guard let x = a(r), let y = b(r) else { return false }; return !less(x, y) }
        default: return { _ in false }
        }
    }

    /// A reference compares with another row of its collection, or with a key.
    func referenceComparison(_ op: BinaryOperator, _ l: TExpr, _ r: TExpr, collection: String) -> (Int) -> Bool {
        guard case .row(_, let a) = compile(l), op == .equal || op == .notEqual else {
            // Ordering references orders their keys.
            return { _ in false }
        }
        let table = store.table(collection)!
        let equal = op == .equal
        if let constant = constantValue(r) {
            let targets = Set(table.rows(keyText: constant.description))
            return { row in let x = a(row); return x >= 0 && (targets.contains(x) == equal) }
        }
        switch compile(r) {
        case .row(_, let b):
            return { row in let x = a(row), y = b(row); return x >= 0 && y >= 0 && ((x == y) == equal) }
        case .int(let b):
            return { row in
                let x = a(row)
                guard x >= 0, let y = b(row) else { return false }
                return (table.id(row: Int(x)) == y) == equal
            }
        case .text(let b):
            return { row in
                let x = a(row)
                guard x >= 0, let y = b(row) else { return false }
                return (table.keyText(row: Int(x)) == y) == equal
            }
        default:
            return { _ in false }
        }
    }

    // MARK: - Arithmetic

    /// Whole numbers stay exact: a result past ±(2^63 − 1) is a fault, never a wrapped or
    /// null value (`Int.min` is the stored null, so it is out of range too). So is a date
    /// past the years 1–9999 or a real number that is no longer finite.
    func arithmetic(_ op: BinaryOperator, _ a: Compiled, _ b: Compiled, type: MType, site: FaultSite) -> Compiled {
        switch (a, b) {
        case (.date(let d), .duration(let n)):
            let sign = op == .subtract ? -1 : 1
            return .date { r in
                guard let x = d(r), let y = n(r) else { return nil }
                guard let v = y.added(to: x, sign: sign) else { site.dateOutOfRange(); return nil }
                return v
            }
        case (.duration(let n), .date(let d)):
            return .date { r in
                guard let x = d(r), let y = n(r) else { return nil }
                guard let v = y.added(to: x) else { site.dateOutOfRange(); return nil }
                return v
            }
        case (.date(let x), .date(let y)):
            return .int { r in guard let p = x(r), let q = y(r) else { return nil }; return Int(p) - Int(q) }
        case (.text(let x), .text(let y)):
            return .text { r in guard let p = x(r), let q = y(r) else { return nil }; return p + q }
        default: break
        }
        if type == .int, let x = a.asInt, let y = b.asInt {
            let symbol = op == .add ? "+" : op == .subtract ? "-" : "*"
            let combine: (Int, Int) -> (partialValue: Int, overflow: Bool)
            switch op {
            case .add: combine = { $0.addingReportingOverflow($1) }
            case .subtract: combine = { $0.subtractingReportingOverflow($1) }
            default: combine = { $0.multipliedReportingOverflow(by: $1) }
            }
            return .int { r in
                guard let p = x(r), let q = y(r) else { return nil }
                let (v, overflow) = combine(p, q)
                guard !overflow, v != Int.min else { site.integerOverflow(symbol); return nil }
                return v
            }
        }
        if type == .date || type == .text { return .null }
        guard let x = a.asNumber ?? (a.isNullLiteral ? { _ in nil } : nil),
              let y = b.asNumber ?? (b.isNullLiteral ? { _ in nil } : nil) else { return .null }
        let finite: (Double) -> Double? = { v in
            guard v.isFinite else { site.notFinite(); return nil }
            return v
        }
        switch op {
        case .add: return .number { r in guard let p = x(r), let q = y(r) else { return nil }; return finite(p + q) }
        case .subtract: return .number { r in guard let p = x(r), let q = y(r) else { return nil }; return finite(p - q) }
        case .multiply: return .number { r in guard let p = x(r), let q = y(r) else { return nil }; return finite(p * q) }
        default:
            // Division by zero gives null, like a missing value (as in SQLite): a rule over
            // a household of size 0 must not stop a whole query. Domains refuse size 0.
            return .number { r in guard let p = x(r), let q = y(r), q != 0 else { return nil }; return finite(p / q) }
        }
    }

    // MARK: - Membership

    /// `x in S` as a predicate.
    func membership(_ x: TExpr, in set: TExpr) -> (Int) -> Bool {
        if x.type == .null { return { _ in false } }
        switch set.type {
        case .textSet:
            if case .text(let constant)? = constantValue(x), let (column, baseRow) = setColumnAccess(set) {
                if readsFewRows && column.dictionary.isPending {
                    // A few rows of a set column still in the snapshot: each row's texts read
                    // alone (a few blocks), not the column and its dictionary whole.
                    let bytes = Array(constant.utf8)
                    let b = baseRow ?? { Int32($0) }
                    return { row in
                        let r = Int(b(row))
                        guard r >= 0 else { return false }
                        return column.texts(at: r).contains { $0.utf8.elementsEqual(bytes) }
                    }
                }
                guard let code = column.dictionary.code(of: constant) else { return { _ in false } }
                let offsets = column.offsets, elements = column.elements
                let b = baseRow ?? { Int32($0) }
                return { row in
                    let r = Int(b(row))
                    guard r >= 0 else { return false }
                    var i = Int(offsets[r])
                    let end = Int(offsets[r + 1])
                    while i < end {
                        if elements[i] == code { return true }
                        i += 1
                    }
                    return false
                }
            }
            guard case .textSet(let s) = compile(set), let t = compile(x).asText else { return { _ in false } }
            return { row in guard let value = t(row), let items = s(row) else { return false }; return items.contains(value) }
        case .list:
            guard case .list(let items) = set.node else { return { _ in false } }
            let constants = items.compactMap { constantValue($0) }
            if constants.count == items.count {
                return constantMembership(x, constants)
            }
            let tests = items.map { comparison(.equal, x, $0) }
            return { row in tests.contains { $0(row) } }
        case .rows(let collection):
            guard case .row(_, let a) = compile(x), case .rows(_, let producer) = compile(set) else { return { _ in false } }
            if !dependsOnRow(set) && !containsOuter(set) {
                let memo = Memo<RowSet>()
                return { row in
                    let target = a(row)
                    guard target >= 0 else { return false }
                    if memo.value == nil {
                        var bits = RowSet()
                        _ = producer(0) { bits.insert(Int($0)); return true }
                        memo.value = bits
                    }
                    return memo.value!.contains(Int(target))
                }
            }
            _ = collection
            return { row in
                let target = a(row)
                guard target >= 0 else { return false }
                return !producer(row) { $0 != target }
            }
        case .values:
            guard case .values(let producer, let element) = compile(set) else { return { _ in false } }
            let get = element.valueGetter(store: store)
            let probe = compile(x).valueGetter(store: store)
            if !dependsOnRow(set) && !containsOuter(set) {
                let memo = Memo<Set<Value>>()
                return { row in
                    let v = probe(row)
                    guard !v.isNull else { return false }
                    if memo.value == nil {
                        var values = Set<Value>()
                        _ = producer(0) { values.insert(Self.normalized(get(Int($0)))); return true }
                        memo.value = values
                    }
                    return memo.value!.contains(Self.normalized(v))
                }
            }
            return { row in
                let v = Self.normalized(probe(row))
                guard !v.isNull else { return false }
                return !producer(row) { Self.normalized(get(Int($0))) != v }
            }
        default:
            return { _ in false }
        }
    }

    /// Numbers compare by value whatever their type.
    static func normalized(_ v: Value) -> Value {
        if case .int(let i) = v { return .number(Double(i)) }
        return v
    }

    func constantMembership(_ x: TExpr, _ constants: [Value]) -> (Int) -> Bool {
        if case .row(let collection) = x.type, case .row(_, let a) = compile(x) {
            let table = store.table(collection)!
            let targets = Set(constants.flatMap { table.rows(keyText: $0.description) })
            return { row in let t = a(row); return t >= 0 && targets.contains(t) }
        }
        if x.type == .text, let (column, baseRow) = textColumnAccess(x) {
            let codes = column.codes
            let wanted = Set(constants.compactMap { v -> Int32? in
                if case .text(let s) = v { return column.dictionary.code(of: s) }
                return nil
            })
            if let b = baseRow {
                return { row in let r = b(row); return r >= 0 && wanted.contains(codes[Int(r)]) }
            }
            return { row in wanted.contains(codes[row]) }
        }
        if x.type == .int, case .int(let f) = compile(x) {
            // Numbers compare by value (`normalized`): an int is in the list when a number
            // of it equals the int. Whole numbers below 2^53 compare as Ints exactly so.
            let numbers = constants.compactMap { v -> Double? in
                switch v {
                case .int(let i): return Double(i)
                case .number(let d): return d
                default: return nil
                }
            }
            if numbers.allSatisfy({ $0 == $0.rounded() && Swift.abs($0) < 9e15 }) {
                let wanted = Array(Set(numbers.map { Int($0) }))
                return { row in
                    guard let v = f(row) else { return false }
                    let exact = Swift.abs(v) < 1 << 53 ? v : Int(exactly: Double(v))
                    guard let exact else { return false }
                    for k in wanted where k == exact { return true }
                    return false
                }
            }
        }
        let probe = compile(x).valueGetter(store: store)
        let values = Set(constants.map(Self.normalized))
        return { row in
            let v = probe(row)
            return !v.isNull && values.contains(Self.normalized(v))
        }
    }

    /// Whether an expression's value depends on the current row.
    func dependsOnRow(_ e: TExpr) -> Bool {
        switch e.node {
        case .this, .groupKey, .selectItem, .aggregate: return true
        case .constant, .collection, .outer: return false
        case .field(let base, _, _), .define(let base, _), .reverse(let base, _, _): return dependsOnRow(base)
        case .subquery(let sub):
            return dependsOnRow(sub.source) || sub.filter.map(containsOuter) == true || sub.select.map(containsOuter) == true
        case .list(let items): return items.contains(where: dependsOnRow)
        case .unary(_, let x), .isNull(let x, _): return dependsOnRow(x)
        case .binary(_, let a, let b): return dependsOnRow(a) || dependsOnRow(b)
        case .between(let a, let b, let c, _): return dependsOnRow(a) || dependsOnRow(b) || dependsOnRow(c)
        case .call(_, let args): return args.contains(where: dependsOnRow)
        }
    }
}

extension Planner {
    /// Whether an expression reads `outer` (the enclosing query's row).
    func containsOuter(_ e: TExpr) -> Bool {
        switch e.node {
        case .outer: return true
        case .this, .groupKey, .selectItem, .constant, .collection: return false
        case .aggregate(_, let x): return x.map(containsOuter) ?? false
        case .field(let base, _, _), .define(let base, _), .reverse(let base, _, _): return containsOuter(base)
        case .subquery(let sub):
            // An `outer` inside a nested subquery names that subquery's enclosing row.
            return containsOuter(sub.source)
        case .list(let items): return items.contains(where: containsOuter)
        case .unary(_, let x), .isNull(let x, _): return containsOuter(x)
        case .binary(_, let a, let b): return containsOuter(a) || containsOuter(b)
        case .between(let a, let b, let c, _): return containsOuter(a) || containsOuter(b) || containsOuter(c)
        case .call(_, let args): return args.contains(where: containsOuter)
        }
    }
}

extension BinaryOperator {
    /// The operator with its sides swapped (`a < b` ⇔ `b > a`).
    var mirrored: BinaryOperator {
        switch self {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return self
        }
    }
}

/// A `like` pattern: `%` any run of characters, `_` exactly one.
struct LikePattern {
    enum Token: Equatable { case character(Character), one, any }
    let tokens: [Token]

    init(_ pattern: String) {
        tokens = pattern.map { $0 == "%" ? .any : $0 == "_" ? .one : .character($0) }
    }

    /// Greedy matching that backtracks only to the last `%`: linear for common patterns.
    func matches(_ text: String) -> Bool {
        let chars = Array(text)
        var p = 0, t = 0
        var starP = -1, starT = 0
        while t < chars.count {
            if p < tokens.count, tokens[p] == .one || tokens[p] == .character(chars[t]) {
                p += 1; t += 1
            } else if p < tokens.count, tokens[p] == .any {
                starP = p; starT = t; p += 1
            } else if starP >= 0 {
                p = starP + 1; starT += 1; t = starT
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == .any { p += 1 }
        return p == tokens.count
    }
}
