// Filters computed for all rows of a collection at once. A condition such as
// `status = "已审核" and not eligible` becomes a bitset per conjunct — a tight loop over one
// column array, a posting list, a semi-join through a reference — combined word by word;
// only the parts with no such form are evaluated row by row, and only on the rows still in.
// Derived values the statement uses (`eligible`, `last_home_visit`) are computed once for
// the whole collection and reused by every part of the statement that reads them.
//
// Every form here gives exactly what the row-by-row closures of `Planner+Expressions`
// give (null makes a comparison false; `not` of false is true); `MQL_CHECK_VECTORS=1`
// checks each one against them. Full scans (`useIndexes = false`) never use this file.

import Engine
import Foundation

/// A set of rows of one collection as bits, in row order.
struct RowBits {
    var words: [UInt64]
    let count: Int

    init(count: Int, all: Bool = false) {
        self.count = count
        words = [UInt64](repeating: all ? ~0 : 0, count: (count + 63) >> 6)
        if all { maskTail() }
    }

    private mutating func maskTail() {
        let rest = count & 63
        if rest != 0 { words[words.count - 1] &= (1 << UInt64(rest)) - 1 }
    }

    @inline(__always) mutating func insert(_ row: Int) {
        words[row >> 6] |= 1 << UInt64(row & 63)
    }

    @inline(__always) func contains(_ row: Int) -> Bool {
        words[row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    mutating func formIntersection(_ other: RowBits) {
        words.withUnsafeMutableBufferPointer { w in
            other.words.withUnsafeBufferPointer { o in for i in w.indices { w[i] &= o[i] } }
        }
    }

    mutating func formUnion(_ other: RowBits) {
        words.withUnsafeMutableBufferPointer { w in
            other.words.withUnsafeBufferPointer { o in for i in w.indices { w[i] |= o[i] } }
        }
    }

    mutating func invert() {
        words.withUnsafeMutableBufferPointer { w in for i in w.indices { w[i] = ~w[i] } }
        maskTail()
    }

    var cardinality: Int {
        words.withUnsafeBufferPointer { w in w.reduce(0) { $0 + $1.nonzeroBitCount } }
    }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// Calls `body` with each row in the set, in order.
    @inline(__always) func forEach(_ body: (Int) -> Void) {
        words.withUnsafeBufferPointer { w in
            for i in w.indices {
                var word = w[i]
                while word != 0 {
                    body(i << 6 | word.trailingZeroBitCount)
                    word &= word &- 1
                }
            }
        }
    }

    func rows() -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(cardinality)
        forEach { out.append(Int32(truncatingIfNeeded: $0)) }
        return out
    }

    /// Keeps the rows for which `keep` holds.
    mutating func filter(_ keep: (Int) -> Bool) {
        words.withUnsafeMutableBufferPointer { w in
            for i in w.indices {
                var word = w[i]
                var kept = word
                while word != 0 {
                    let bit = word.trailingZeroBitCount
                    if !keep(i << 6 | bit) { kept &= ~(1 << UInt64(bit)) }
                    word &= word &- 1
                }
                w[i] = kept
            }
        }
    }

    @inline(__always) static func holds<T: Comparable>(_ op: BinaryOperator, _ v: T, _ k: T) -> Bool {
        switch op {
        case .equal: return v == k
        case .notEqual: return v != k
        case .less: return v < k
        case .lessOrEqual: return v <= k
        case .greater: return v > k
        default: return v >= k
        }
    }

    /// Rows whose value compares so with `k`; null (`null`, or any negative value with
    /// `nullBelowZero`) never does. One loop per operator, so the test inlines.
    static func compare<T: FixedWidthInteger>(_ column: [T], null: T, _ op: BinaryOperator, _ k: T, nullBelowZero: Bool = false) -> RowBits {
        column.withUnsafeBufferPointer { v in
            let n = v.count
            @inline(__always) func valid(_ x: T) -> Bool { nullBelowZero ? x >= 0 : x != null }
            switch op {
            case .equal: return buildInParallel(count: n) { v[$0] == k && valid(v[$0]) }
            case .notEqual: return buildInParallel(count: n) { let x = v[$0]; return x != k && valid(x) }
            case .less: return buildInParallel(count: n) { let x = v[$0]; return x < k && valid(x) }
            case .lessOrEqual: return buildInParallel(count: n) { let x = v[$0]; return x <= k && valid(x) }
            case .greater: return buildInParallel(count: n) { let x = v[$0]; return x > k && valid(x) }
            default: return buildInParallel(count: n) { let x = v[$0]; return x >= k && valid(x) }
            }
        }
    }

    /// Bits from a predicate per position of `0..<count`, 64 at a time.
    @inline(__always)
    static func build(count: Int, _ test: (Int) -> Bool) -> RowBits {
        var bits = RowBits(count: count)
        bits.words.withUnsafeMutableBufferPointer { w in fill(w, rows: 0..<count, test) }
        return bits
    }

    /// `build` with the rows split between the cores. `test` must only read plain arrays
    /// (no memo, no cache, no closure compiled row by row): it runs on several threads.
    @inline(__always)
    static func buildInParallel(count: Int, _ test: (Int) -> Bool) -> RowBits {
        let ranges = Parallel.ranges(count, workers: Parallel.workers(for: count), alignment: 64)
        if ranges.count == 1 { return build(count: count, test) }
        var bits = RowBits(count: count)
        bits.words.withUnsafeMutableBufferPointer { w in
            let words = UncheckedBox(w)
            Parallel.forEach(ranges) { _, rows in fill(words.value, rows: rows, test) }
        }
        return bits
    }

    /// Sets the words of `rows` (which starts on a word) from `test`.
    @inline(__always)
    private static func fill(_ w: UnsafeMutableBufferPointer<UInt64>, rows: Range<Int>, _ test: (Int) -> Bool) {
        var row = rows.lowerBound
        var i = row >> 6
        while row < rows.upperBound {
            var word: UInt64 = 0
            let end = min(rows.upperBound, row + 64)
            var bit: UInt64 = 0
            while row < end {
                if test(row) { word |= 1 << bit }
                bit += 1
                row += 1
            }
            w[i] = word
            i += 1
        }
    }
}

/// The values of an expression for every row of a collection.
enum VectorValues {
    /// Text codes of a dictionary (-1 null).
    case codes([Int32], TextDictionary)
    /// `IntColumn.null` for null.
    case ints([Int])
    /// `DateColumn.null` for null.
    case dates([Int32])
    /// Rows of a collection (-1 null).
    case refs([Int32], String)
}

/// Per statement: the derived values already computed for a whole collection.
final class VectorCache {
    var bits: [ObjectIdentifier: RowBits] = [:]
    var values: [ObjectIdentifier: VectorValues] = [:]
    /// How a define is computed for its whole collection (nil: it has no such form).
    var bitForms: [ObjectIdentifier: VectorForm?] = [:]
    var valueForms: [ObjectIdentifier: (() -> VectorValues)?] = [:]

    /// A define's value per row read from what was computed, if it was.
    func compiled(_ key: ObjectIdentifier) -> Compiled? {
        if let bits = bits[key] { return .bool { bits.contains($0) } }
        switch values[key] {
        case .ints(let v)?: return .int { let x = v[$0]; return x == IntColumn.null ? nil : x }
        case .dates(let v)?: return .date { let x = v[$0]; return x == DateColumn.null ? nil : x }
        case .codes(let v, let d)?: return .text { let x = v[$0]; return x < 0 ? nil : d.string(at: Int(x)) }
        case .refs(let v, let t)?: return .row(t) { v[$0] }
        case nil: return nil
        }
    }
}

/// A condition over all rows of a collection: how to compute its bits, and roughly what
/// that costs (rows touched), so `and` can compute the cheaper side first and evaluate the
/// other row by row on what is left when that is less work.
struct VectorForm {
    let make: () -> RowBits
    let cost: Int
}

extension Planner {
    static let checkVectors = ProcessInfo.processInfo.environment["MQL_CHECK_VECTORS"] != nil

    /// TUNING: evaluating one node of a condition's closures on one row costs about this
    /// many rows of a word-wide column pass.
    static let closureCost = 8

    /// What evaluating an expression row by row costs per row, in rows of a column pass:
    /// its nodes (a define's body counted where it is used, a subquery as many rows).
    func rowCost(_ e: TExpr, depth: Int = 0) -> Int {
        guard depth < 8 else { return 64 }
        switch e.node {
        case .constant, .this, .outer, .groupKey, .selectItem: return 1
        case .field(let b, _, _): return Self.closureCost + rowCost(b, depth: depth + 1)
        case .define(let b, let info):
            return rowCost(b, depth: depth + 1) + (info.typed.map { rowCost($0, depth: depth + 1) } ?? 1)
        case .reverse, .collection: return Self.closureCost * 4
        case .subquery(let sub):
            return Self.closureCost * 4 + (sub.filter.map { rowCost($0, depth: depth + 1) * 2 } ?? 0)
                + (sub.select.map { rowCost($0, depth: depth + 1) * 2 } ?? 0)
        case .list(let items): return items.reduce(1) { $0 + rowCost($1, depth: depth + 1) }
        case .unary(_, let x), .isNull(let x, _): return Self.closureCost + rowCost(x, depth: depth + 1)
        case .binary(_, let a, let b): return Self.closureCost + rowCost(a, depth: depth + 1) + rowCost(b, depth: depth + 1)
        case .between(let a, let b, let c, _):
            return Self.closureCost * 2 + rowCost(a, depth: depth + 1) + rowCost(b, depth: depth + 1) + rowCost(c, depth: depth + 1)
        case .call(_, let args): return Self.closureCost * 2 + args.reduce(0) { $0 + rowCost($1, depth: depth + 1) }
        case .aggregate: return Self.closureCost
        }
    }

    /// The rows of `table` where a condition holds, computed for all rows at once; nil when
    /// no part of it has such a form (row-by-row evaluation is then as good).
    func vectorBits(_ e: TExpr, table: Table) -> VectorForm? {
        guard let form = vectorBitsUnchecked(e, table: table) else { return nil }
        guard Self.checkVectors else { return form }
        let closure = compile(e).asBool
        let text = describe(e)
        return VectorForm(make: {
            let bits = form.make()
            let expected = RowBits.build(count: table.rowCount, closure)
            precondition(bits.words == expected.words, "MQL_CHECK_VECTORS: vector form of '\(text)' differs from row-by-row evaluation")
            return bits
        }, cost: form.cost)
    }

    private func vectorBitsUnchecked(_ e: TExpr, table: Table) -> VectorForm? {
        let count = table.rowCount
        if e.type == .bool, isStatementConstant(e) {
            // `count(children) = 5`: one value for every row, computed once.
            let value = compile(e).asBool
            return VectorForm(make: { RowBits(count: count, all: value(0)) }, cost: 0)
        }
        switch e.node {
        case .constant(.bool(let b)):
            return VectorForm(make: { RowBits(count: count, all: b) }, cost: 0)
        case .binary(.and, let l, let r):
            switch (vectorBits(l, table: table), vectorBits(r, table: table)) {
            case (let a?, let b?):
                let (first, second, secondExpr) = a.cost <= b.cost ? (a, b, r) : (b, a, l)
                let rowByRow = pollingCancellation(compile(secondExpr).asBool)
                let perRow = rowCost(secondExpr)
                return VectorForm(make: {
                    var bits = first.make()
                    let left = bits.cardinality
                    if left == 0 { return bits }
                    // Few rows left: the other side row by row on them beats computing it whole.
                    if left * perRow < second.cost {
                        bits.filter(rowByRow)
                    } else {
                        bits.formIntersection(second.make())
                    }
                    return bits
                }, cost: a.cost + b.cost)
            case (let a?, nil):
                let f = pollingCancellation(compile(r).asBool)
                return VectorForm(make: { var bits = a.make(); bits.filter(f); return bits }, cost: a.cost + count * rowCost(r) / 2)
            case (nil, let b?):
                let f = pollingCancellation(compile(l).asBool)
                return VectorForm(make: { var bits = b.make(); bits.filter(f); return bits }, cost: b.cost + count * rowCost(l) / 2)
            case (nil, nil):
                return nil
            }
        case .binary(.or, let l, let r):
            switch (vectorBits(l, table: table), vectorBits(r, table: table)) {
            case (let a?, let b?):
                return VectorForm(make: { var bits = a.make(); bits.formUnion(b.make()); return bits }, cost: a.cost + b.cost)
            case (let a?, nil):
                let f = pollingCancellation(compile(r).asBool)
                return VectorForm(make: { var bits = a.make(); var rest = bits; rest.invert(); rest.filter(f); bits.formUnion(rest); return bits },
                                  cost: a.cost + count * rowCost(r))
            case (nil, let b?):
                let f = pollingCancellation(compile(l).asBool)
                return VectorForm(make: { var bits = b.make(); var rest = bits; rest.invert(); rest.filter(f); bits.formUnion(rest); return bits },
                                  cost: b.cost + count * rowCost(l))
            case (nil, nil):
                return nil
            }
        case .unary(.not, let x):
            guard let a = vectorBits(x, table: table) else { return nil }
            return VectorForm(make: { var bits = a.make(); bits.invert(); return bits }, cost: a.cost)
        case .binary(let op, let l, let r) where op.isComparison:
            return comparisonBits(op, l, r, table: table)
        case .binary(.in, let l, let r):
            return membershipBits(l, in: r, table: table)
        case .binary(.notIn, let l, let r):
            guard let member = membershipBits(l, in: r, table: table), let values = vectorValues(l, table: table) else { return nil }
            return VectorForm(make: {
                var bits = member.make()
                bits.invert()
                bits.formIntersection(Self.nonNull(values(), count: count))
                return bits
            }, cost: member.cost + count)
        case .binary(.contains, let l, let r):
            if l.type == .text { return textPredicateBits(l, r, table: table, like: false) }
            return membershipBits(r, in: l, table: table)
        case .binary(.like, let l, let r):
            return textPredicateBits(l, r, table: table, like: true)
        case .binary(.notLike, let l, let r):
            guard let like = textPredicateBits(l, r, table: table, like: true), let values = vectorValues(l, table: table) else { return nil }
            return VectorForm(make: {
                var bits = like.make()
                bits.invert()
                bits.formIntersection(Self.nonNull(values(), count: count))
                return bits
            }, cost: like.cost + count)
        case .isNull(let x, let negated):
            guard x.type != .textSet, let values = vectorValues(x, table: table) else { return nil }
            return VectorForm(make: {
                var bits = Self.nonNull(values(), count: count)
                if !negated { bits.invert() }
                return bits
            }, cost: count * 2)
        case .between(let x, let lo, let hi, false):
            guard let low = comparisonBits(.greaterOrEqual, x, lo, table: table),
                  let high = comparisonBits(.lessOrEqual, x, hi, table: table) else { return nil }
            return VectorForm(make: { var bits = low.make(); bits.formIntersection(high.make()); return bits }, cost: low.cost + high.cost)
        case .define(let base, let info):
            guard let typed = info.typed, typed.type == .bool, let owner = store.table(info.collection),
                  let inner = defineBits(info, typed, table: owner) else { return nil }
            if case .this = base.node { return owner === table ? inner : nil }
            // A define of the row a reference points at: its bits, read through the reference.
            return gatherBits(inner, through: base, owner: owner, table: table)
        case .call(.exists, let args):
            if let bits = existsBits(args[0], table: table) { return bits }
            guard let counts = decorrelatedCounts(args[0], table: table, forExists: true) else { return nil }
            return VectorForm(make: {
                guard case .ints(let n) = counts() else { return RowBits(count: count) }
                return n.withUnsafeBufferPointer { v in RowBits.build(count: count) { v[$0] > 0 } }
            }, cost: count * 8)
        default:
            return nil
        }
    }

    /// A row-by-row part of a condition, stopping (false from then on) once the statement
    /// is cancelled; the caller then discards the statement.
    private func pollingCancellation(_ f: @escaping (Int) -> Bool) -> (Int) -> Bool {
        guard let cancelled else { return f }
        let counter = Memo<Int>()
        return { row in
            let n = (counter.value ?? 0) &+ 1
            counter.value = n
            if n & 255 == 0, cancelled() { return false }
            return f(row)
        }
    }

    /// A define's bits over its whole collection, computed once per statement.
    private func defineBits(_ info: DefineInfo, _ typed: TExpr, table: Table) -> VectorForm? {
        let key = ObjectIdentifier(info)
        // Built once per statement: a chain `b2 = b1 and b1` would otherwise be planned
        // twice at every level.
        if let built = caches.vectors.bitForms[key] { return built }
        caches.counters.definePlans += 1
        let form = buildDefineBits(info, typed, table: table)
        caches.vectors.bitForms[key] = .some(form)
        return form
    }

    private func buildDefineBits(_ info: DefineInfo, _ typed: TExpr, table: Table) -> VectorForm? {
        let key = ObjectIdentifier(info)
        let planner = Planner(store: store, catalog: catalog, today: today, caches: caches)
        planner.source = source
        planner.cancelled = cancelled
        guard let body = planner.vectorBits(typed, table: table) else { return nil }
        let cache = caches.vectors
        return VectorForm(make: {
            if let done = cache.bits[key] { return done }
            let bits = body.make()
            cache.bits[key] = bits
            return bits
        }, cost: body.cost)
    }

    /// Bits over `table` from bits over `owner`, through a row-valued expression of
    /// `table` (`this`, or a chain of references such as `pairing.child`). Null references
    /// give no row.
    func gatherBits(_ inner: VectorForm, through base: TExpr, owner: Table, table: Table) -> VectorForm? {
        switch base.node {
        case .this:
            return owner === table ? inner : nil
        case .field(let next, let tableName, let field):
            guard let via = store.table(tableName), case .reference(let refs) = via.columns[field], refs.target == owner.name else { return nil }
            let step = VectorForm(make: {
                let bits = inner.make()
                return refs.rows.withUnsafeBufferPointer { m in
                    RowBits.buildInParallel(count: via.rowCount) { let t = m[$0]; return t >= 0 && bits.contains(Int(t)) }
                }
            }, cost: inner.cost + via.rowCount)
            return gatherBits(step, through: next, owner: via, table: table)
        default:
            return nil
        }
    }

    static func nonNull(_ values: VectorValues, count: Int) -> RowBits {
        switch values {
        case .codes(let c, _): return c.withUnsafeBufferPointer { v in RowBits.buildInParallel(count: count) { v[$0] >= 0 } }
        case .refs(let c, _): return c.withUnsafeBufferPointer { v in RowBits.buildInParallel(count: count) { v[$0] >= 0 } }
        case .ints(let c): return c.withUnsafeBufferPointer { v in RowBits.buildInParallel(count: count) { v[$0] != IntColumn.null } }
        case .dates(let c): return c.withUnsafeBufferPointer { v in RowBits.buildInParallel(count: count) { v[$0] != DateColumn.null } }
        }
    }

    /// The value of an expression that does not depend on the row, computed once.
    func foldedConstant(_ e: TExpr) -> Value? {
        if let v = constantValue(e) { return v }
        // A subquery that does not depend on the row (`max(children select x)`) is computed
        // once, here, through the same memo the row-by-row closures read.
        if isStatementConstant(e) { return compile(e).valueGetter(store: store)(0) }
        guard !dependsOnRow(e), !containsOuter(e), !readsRows(e) else { return nil }
        return compile(e).valueGetter(store: store)(0)
    }

    /// Whether an expression reads a collection (then it is not a constant to fold).
    private func readsRows(_ e: TExpr) -> Bool {
        switch e.node {
        case .subquery, .collection, .reverse, .aggregate, .groupKey, .selectItem, .define, .field: return true
        case .constant, .this, .outer: return false
        case .list(let items): return items.contains(where: readsRows)
        case .unary(_, let x), .isNull(let x, _): return readsRows(x)
        case .binary(_, let a, let b): return readsRows(a) || readsRows(b)
        case .between(let a, let b, let c, _): return readsRows(a) || readsRows(b) || readsRows(c)
        case .call(_, let args): return args.contains(where: readsRows)
        }
    }

    // MARK: - Comparisons

    /// A text expression the row-by-row planner also reads as dictionary codes (a stored
    /// text field, directly or through references): equality by code is then its equality.
    private func isTextColumn(_ e: TExpr) -> Bool { e.type == .text && textColumnAccess(e) != nil }

    /// A condition on a stored field read through references (`pairing.child.street = "平湖"`
    /// in visits): decided on the field's own collection, then carried back through each
    /// reference. Right only for conditions that are false on null.
    private func pushedDown(_ value: TExpr, table: Table, _ leaf: (TExpr, Table) -> VectorForm?) -> VectorForm? {
        guard case .field(let base, let ownerName, let field) = value.node else { return leaf(value, table) }
        if case .this = base.node { return leaf(value, table) }
        guard case .row = base.type, let owner = store.table(ownerName) else { return nil }
        let this = TExpr(.this, .row(ownerName), base.range)
        let rebased = TExpr(.field(base: this, table: ownerName, field: field), value.type, value.range)
        rebased.masking = value.masking
        guard let inner = leaf(rebased, owner) else { return nil }
        return gatherBits(inner, through: base, owner: owner, table: table)
    }

    private func comparisonBits(_ op: BinaryOperator, _ l: TExpr, _ r: TExpr, table: Table) -> VectorForm? {
        if let c = comparisonConstant(r, other: l) {
            return pushedDown(l, table: table) { value, t in
                vectorValues(value, table: t).flatMap { constantComparison(op, value, $0, c, table: t) }
            }
        }
        if let c = comparisonConstant(l, other: r) {
            return pushedDown(r, table: table) { value, t in
                vectorValues(value, table: t).flatMap { constantComparison(op.mirrored, value, $0, c, table: t) }
            }
        }
        return nil
    }

    /// The constant side of a comparison, as the row-by-row planner would see it: a row is
    /// compared with a literal key only (`constantValue`), other values with anything that
    /// does not depend on the row.
    private func comparisonConstant(_ e: TExpr, other: TExpr) -> Value? {
        if case .row = other.type { return constantValue(e) }
        return foldedConstant(e)
    }

    private func constantComparison(_ op: BinaryOperator, _ expr: TExpr, _ values: @escaping () -> VectorValues, _ c: Value,
                                    table: Table) -> VectorForm? {
        let count = table.rowCount
        guard op.isComparison else { return nil }
        let cost = count + valuesCost(expr, table: table)
        switch (expr.type, c) {
        case (.int, .null), (.date, .null):
            return VectorForm(make: { RowBits(count: count) }, cost: 0)
        case (.int, .int(let k)):
            return VectorForm(make: {
                guard case .ints(let column) = values() else { return RowBits(count: count) }
                return RowBits.compare(column, null: IntColumn.null, op, k)
            }, cost: cost)
        case (.int, .number(let k)):
            return VectorForm(make: {
                guard case .ints(let column) = values() else { return RowBits(count: count) }
                return column.withUnsafeBufferPointer { v in
                    RowBits.buildInParallel(count: count) { let x = v[$0]; return x != IntColumn.null && RowBits.holds(op, Double(x), k) }
                }
            }, cost: cost * 2)
        case (.date, .date(let k)):
            return VectorForm(make: {
                guard case .dates(let column) = values() else { return RowBits(count: count) }
                return RowBits.compare(column, null: DateColumn.null, op, k)
            }, cost: cost)
        case (.text, .text(let s)) where (op == .equal || op == .notEqual) && isTextColumn(expr):
            let equal = op == .equal
            return VectorForm(make: {
                guard case .codes(let column, let dictionary) = values() else { return RowBits(count: count) }
                let wanted = dictionary.code(of: s) ?? -2
                return RowBits.compare(column, null: TextColumn.null, equal ? .equal : .notEqual, wanted, nullBelowZero: true)
            }, cost: cost)
        case (.row(let target), _) where op == .equal || op == .notEqual:
            guard let targetTable = store.table(target) else { return nil }
            let equal = op == .equal
            let targets = Set(targetTable.rows(keyText: c.description))
            return VectorForm(make: {
                guard case .refs(let column, _) = values() else { return RowBits(count: count) }
                if targets.count <= 1 {
                    return RowBits.compare(column, null: RefColumn.null, equal ? .equal : .notEqual, targets.first ?? -2, nullBelowZero: true)
                }
                return column.withUnsafeBufferPointer { v in
                    RowBits.buildInParallel(count: count) { let x = v[$0]; return x >= 0 && (targets.contains(x) == equal) }
                }
            }, cost: cost)
        default:
            return nil
        }
    }

    /// Rows touched to produce an expression's values (0 for a stored field of the row).
    private func valuesCost(_ e: TExpr, table: Table) -> Int {
        switch e.node {
        case .field(let base, _, _):
            if case .this = base.node { return 0 }
            return table.rowCount + valuesCost(base, table: table)
        default:
            // Computed values (defines, aggregates over other collections): say a few passes.
            return table.rowCount * 4
        }
    }

    // MARK: - Membership and text

    /// TUNING: a list of whole numbers spanning fewer values than this is tested by a table.
    static let membershipTableLimit = 4096

    private func membershipBits(_ x: TExpr, in set: TExpr, table: Table) -> VectorForm? {
        let count = table.rowCount
        if x.type == .null { return VectorForm(make: { RowBits(count: count) }, cost: 0) }
        switch set.type {
        case .textSet:
            if case .set(let elements)? = constantValue(set) {
                // `kind in visit_kinds`, a param's set of text: the column's codes of its
                // elements, as for a list of text constants.
                return pushedDown(x, table: table) { x, table in
                    guard x.type == .text, isTextColumn(x), let values = vectorValues(x, table: table) else { return nil }
                    let count = table.rowCount
                    return VectorForm(make: {
                        guard case .codes(let column, let dictionary) = values() else { return RowBits(count: count) }
                        var wanted = [Bool](repeating: false, count: dictionary.count + 1)
                        for s in elements { if let code = dictionary.code(of: s) { wanted[Int(code) + 1] = true } }
                        return column.withUnsafeBufferPointer { v in
                            wanted.withUnsafeBufferPointer { w in RowBits.buildInParallel(count: count) { w[Int(v[$0]) + 1] } }
                        }
                    }, cost: count + valuesCost(x, table: table))
                }
            }
            // "低保" in tags, of this collection's set column: its posting list.
            guard case .text(let element)? = constantValue(x), case .field(let base, let tableName, let field) = set.node,
                  case .this = base.node, tableName == table.name, case .textSet(let column) = table.columns[field] else { return nil }
            return VectorForm(make: {
                guard let code = column.dictionary.code(of: element) else { return RowBits(count: count) }
                var bits = RowBits(count: count)
                for row in table.postings(field: field).rows(for: Int(code)) { bits.insert(Int(row)) }
                return bits
            }, cost: count / 4)
        case .list:
            guard case .list(let items) = set.node else { return nil }
            let constants = items.compactMap { constantValue($0) }
            guard constants.count == items.count else { return nil }
            return pushedDown(x, table: table) { x, table in
                guard let values = vectorValues(x, table: table) else { return nil }
                let count = table.rowCount
                let cost = count + valuesCost(x, table: table)
                switch x.type {
                case .text where isTextColumn(x):
                    return VectorForm(make: {
                        guard case .codes(let column, let dictionary) = values() else { return RowBits(count: count) }
                        var wanted = [Bool](repeating: false, count: dictionary.count + 1)
                        for case .text(let s) in constants { if let code = dictionary.code(of: s) { wanted[Int(code) + 1] = true } }
                        return column.withUnsafeBufferPointer { v in
                            wanted.withUnsafeBufferPointer { w in RowBits.buildInParallel(count: count) { w[Int(v[$0]) + 1] } }
                        }
                    }, cost: cost)
                case .row(let collection):
                    guard let target = store.table(collection) else { return nil }
                    let targets = Set(constants.flatMap { target.rows(keyText: $0.description) })
                    return VectorForm(make: {
                        guard case .refs(let column, _) = values() else { return RowBits(count: count) }
                        var wanted = [Bool](repeating: false, count: target.rowCount + 1)
                        for t in targets where t >= 0 && Int(t) < target.rowCount { wanted[Int(t) + 1] = true }
                        return column.withUnsafeBufferPointer { v in
                            wanted.withUnsafeBufferPointer { w in RowBits.buildInParallel(count: count) { w[Int(v[$0]) + 1] } }
                        }
                    }, cost: cost)
                case .int:
                    // Numbers compare by value whatever their type (`Planner.normalized`): an
                    // int is in the list when a number of the list equals it.
                    let wanted = constants.compactMap { v -> Double? in
                        switch v {
                        case .int(let i): return Double(i)
                        case .number(let d): return d
                        default: return nil
                        }
                    }
                    let exact = Set(wanted.compactMap { $0 == $0.rounded() && Swift.abs($0) < 9e15 ? Int($0) : nil })
                    let small = Array(exact)
                    guard wanted.allSatisfy({ $0 == $0.rounded() && Swift.abs($0) < 9e15 }) else { return nil }
                    if let low = small.min(), let high = small.max(), Swift.abs(low) < 1 << 52, Swift.abs(high) < 1 << 52,
                       high - low < Self.membershipTableLimit {
                        // Constants close together (`household_size in [1, 2]`): a table of the
                        // span, one lookup per row on both cores. No value of 2^53 or more can
                        // equal a constant below 2^52, even as a real number.
                        var table = [Bool](repeating: false, count: high - low + 1)
                        for k in small { table[k - low] = true }
                        return VectorForm(make: {
                            guard case .ints(let column) = values() else { return RowBits(count: count) }
                            return column.withUnsafeBufferPointer { v in
                                table.withUnsafeBufferPointer { t in
                                    // The null (Int.min) minus `low` lands outside the span.
                                    RowBits.buildInParallel(count: count) { row in let d = v[row] &- low; return d >= 0 && d < t.count && t[d] }
                                }
                            }
                        }, cost: cost)
                    }
                    return VectorForm(make: {
                        guard case .ints(let column) = values() else { return RowBits(count: count) }
                        return column.withUnsafeBufferPointer { v in
                            small.withUnsafeBufferPointer { s in
                                RowBits.build(count: count) { row in
                                    let x = v[row]
                                    guard x != IntColumn.null, Swift.abs(x) < 1 << 53 else {
                                        return x != IntColumn.null && Int(exactly: Double(x)).map { exact.contains($0) } == true
                                    }
                                    for k in s where k == x { return true }
                                    return false
                                }
                            }
                        }
                    }, cost: cost * 2)
                case .date:
                    let wanted = constants.compactMap { v -> Int32? in if case .date(let d) = v { return d } else { return nil } }
                    return VectorForm(make: {
                        guard case .dates(let column) = values() else { return RowBits(count: count) }
                        return column.withUnsafeBufferPointer { v in
                            wanted.withUnsafeBufferPointer { s in
                                RowBits.build(count: count) { row in
                                    let x = v[row]
                                    for k in s where k == x && x != DateColumn.null { return true }
                                    return false
                                }
                            }
                        }
                    }, cost: cost * 2)
                default:
                    return nil
                }
            }
        default:
            return nil
        }
    }

    /// `text contains "…"`, `text like "…"` on a text column: decided once per distinct
    /// value, on the dictionary's bytes where that gives the same answer as on Strings.
    private func textPredicateBits(_ l: TExpr, _ r: TExpr, table: Table, like: Bool) -> VectorForm? {
        guard case .text(let pattern)? = constantValue(r) else { return nil }
        return pushedDown(l, table: table) { l, table in
            guard isTextColumn(l), let values = vectorValues(l, table: table) else { return nil }
            let count = table.rowCount
            return VectorForm(make: {
                guard case .codes(let column, let dictionary) = values() else { return RowBits(count: count) }
                let answers = like ? TextMatching.likeAnswers(dictionary, pattern) : TextMatching.containsAnswers(dictionary, pattern)
                return column.withUnsafeBufferPointer { v in
                    answers.withUnsafeBufferPointer { a in RowBits.buildInParallel(count: count) { let code = v[$0]; return code >= 0 && a[Int(code)] } }
                }
            }, cost: count * 2 + valuesCost(l, table: table))
        }
    }

    // MARK: - Reverse references

    /// `exists(pairings where active)`: the rows some row of the subquery points back at.
    private func existsBits(_ arg: TExpr, table: Table) -> VectorForm? {
        guard let (source, field, filter) = reverseSource(arg, table: table) else { return nil }
        let count = table.rowCount
        return VectorForm(make: {
            guard case .reference(let refs) = source.columns[field] else { return RowBits(count: count) }
            var bits = RowBits(count: count)
            refs.rows.withUnsafeBufferPointer { r in
                if let filter {
                    filter.make().forEach { let t = r[$0]; if t >= 0 { bits.insert(Int(t)) } }
                } else {
                    for t in r where t >= 0 { bits.insert(Int(t)) }
                }
            }
            return bits
        }, cost: source.rowCount + (filter?.cost ?? 0))
    }

    /// A subquery over the rows that refer to the current one (`pairings where active` in a
    /// child): the referring collection, its reference field, and its filter as bits.
    func reverseSource(_ e: TExpr, table: Table) -> (Table, Int, VectorForm?)? {
        switch e.node {
        case .reverse(let base, let sourceName, let field):
            guard case .this = base.node, let source = store.table(sourceName) else { return nil }
            return (source, field, nil)
        case .subquery(let sub):
            guard sub.limit == nil, sub.select == nil, case .reverse(let base, let sourceName, let field) = sub.source.node,
                  case .this = base.node, let source = store.table(sourceName) else { return nil }
            guard let filter = sub.filter else { return (source, field, nil) }
            guard let form = sourceFilter(filter, source: source) else { return nil }
            return (source, field, form)
        default:
            return nil
        }
    }

    /// A subquery's filter over its whole collection: as bits, or row by row when it has
    /// no such form. Nil when it reads the enclosing row (`outer`).
    private func sourceFilter(_ filter: TExpr, source: Table) -> VectorForm? {
        guard !containsOuter(filter) else { return nil }
        let inner = Planner(store: store, catalog: catalog, today: today, caches: caches)
        inner.source = self.source
        inner.cancelled = cancelled
        if let bits = inner.vectorBits(filter, table: source) { return bits }
        let f = pollingCancellation(inner.compile(filter).asBool)
        let n = source.rowCount
        return VectorForm(make: { RowBits.build(count: n, f) }, cost: n * rowCost(filter))
    }

    // MARK: - Values of a whole collection

    /// The values of an expression for every row of `table`, or nil when it has no such form.
    func vectorValues(_ e: TExpr, table: Table) -> (() -> VectorValues)? {
        switch e.node {
        case .field(let base, let tableName, let field):
            guard let owner = store.table(tableName) else { return nil }
            let column: () -> VectorValues?
            switch owner.columns[field] {
            case .int(let c): column = { .ints(c.values) }
            case .date(let c): column = { .dates(c.values) }
            case .text(let c): column = { .codes(c.codes, c.dictionary) }
            case .reference(let c): column = { .refs(c.rows, c.target) }
            case .textSet: return nil
            }
            if case .this = base.node {
                guard owner === table else { return nil }
                return { column()! }
            }
            guard let map = vectorValues(base, table: table) else { return nil }
            let count = table.rowCount
            return {
                guard case .refs(let rows, _) = map(), let values = column() else { return .ints([Int](repeating: IntColumn.null, count: count)) }
                return Self.gather(values, through: rows)
            }
        case .define(let base, let info):
            guard let typed = info.typed, let owner = store.table(info.collection) else { return nil }
            guard let memo = defineValues(info, typed, owner: owner) else { return nil }
            if case .this = base.node { return owner === table ? memo : nil }
            guard let map = vectorValues(base, table: table) else { return nil }
            return {
                guard case .refs(let rows, _) = map() else { return memo() }
                return Self.gather(memo(), through: rows)
            }
        case .call(.coalesce, let args):
            let parts = args.map { vectorValues($0, table: table) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }), args.allSatisfy({ $0.type == e.type }) else { return nil }
            let producers = parts.map { $0! }
            return {
                var result = producers[0]()
                for next in producers.dropFirst() { result = Self.coalesce(result, next()) }
                return result
            }
        case .call(.age, let args):
            guard let dates = vectorValues(args[0], table: table) else { return nil }
            let today = self.today
            return {
                guard case .dates(let d) = dates() else { return .ints([]) }
                return .ints(Self.ages(d, today: today))
            }
        case .call(let f, let args) where f == .count || f == .min || f == .max:
            if f == .count, let counts = decorrelatedCounts(args[0], table: table) { return counts }
            return reverseAggregate(f, args[0], table: table)
        case .call(.sum, let args) where e.type == .int:
            // `sum(children select n)` of whole numbers, per row (a report's per-street
            // totals of per-child counts).
            return reverseAggregate(.sum, args[0], table: table, site: faultSite(e))
        default:
            return nil
        }
    }

    /// TUNING: a collection this small (the 11 streets, the communities) has a define that
    /// aggregates its referring rows computed for all its rows at once: a street's count
    /// of its children's pairings is then a few passes over children and pairings, not a
    /// subquery per child (the report's ledger at a million children: seconds → tenths).
    static let wholeCollectionDefineRows = 4096

    /// A define of a small collection whose body is count/sum/min/max over the rows that
    /// refer to it, computed for the whole collection and read per row; nil otherwise.
    func wholeCollectionDefine(_ info: DefineInfo) -> Compiled? {
        guard caches.wholeCollectionDefines, let typed = info.typed, let owner = store.table(info.collection),
              owner.rowCount <= Self.wholeCollectionDefineRows,
              case .call(let f, _) = typed.node, [.count, .sum, .min, .max].contains(f) else { return nil }
        let key = ObjectIdentifier(info)
        guard let memo = defineValues(info, typed, owner: owner) else { return nil }
        _ = memo()
        return caches.vectors.compiled(key)
    }

    /// A define's values over its whole collection, computed once per statement; the
    /// producer is built once per statement too (see `defineBits`).
    private func defineValues(_ info: DefineInfo, _ typed: TExpr, owner: Table) -> (() -> VectorValues)? {
        let key = ObjectIdentifier(info)
        if let built = caches.vectors.valueForms[key] { return built }
        caches.counters.definePlans += 1
        let planner = Planner(store: store, catalog: catalog, today: today, caches: caches)
        planner.source = source
        planner.cancelled = cancelled
        var memo: (() -> VectorValues)?
        if let body = planner.vectorValues(typed, table: owner) {
            let cache = caches.vectors
            memo = {
                if let done = cache.values[key] { return done }
                let values = body()
                cache.values[key] = values
                return values
            }
        }
        caches.vectors.valueForms[key] = .some(memo)
        return memo
    }

    /// `age(d)` for each date: per distinct day when the dates span few days (births do).
    static func ages(_ days: [Int32], today: Int32) -> [Int] {
        var low = Int32.max, high = Int32.min
        for d in days where d != DateColumn.null { low = min(low, d); high = max(high, d) }
        guard low <= high else { return [Int](repeating: IntColumn.null, count: days.count) }
        let span = Int(high) - Int(low) + 1
        guard span <= max(1 << 16, days.count) else {
            return days.map { $0 == DateColumn.null ? IntColumn.null : CivilDate.fullYears(from: $0, to: today) }
        }
        let byDay = (0..<span).map { CivilDate.fullYears(from: low + Int32($0), to: today) }
        return days.map { $0 == DateColumn.null ? IntColumn.null : byDay[Int($0 - low)] }
    }

    static func gather(_ values: VectorValues, through rows: [Int32]) -> VectorValues {
        switch values {
        case .ints(let v): return .ints(rows.map { $0 < 0 ? IntColumn.null : v[Int($0)] })
        case .dates(let v): return .dates(rows.map { $0 < 0 ? DateColumn.null : v[Int($0)] })
        case .codes(let v, let d): return .codes(rows.map { $0 < 0 ? TextColumn.null : v[Int($0)] }, d)
        case .refs(let v, let t): return .refs(rows.map { $0 < 0 ? RefColumn.null : v[Int($0)] }, t)
        }
    }

    static func coalesce(_ a: VectorValues, _ b: VectorValues) -> VectorValues {
        switch (a, b) {
        case (.ints(var x), .ints(let y)):
            for i in x.indices where x[i] == IntColumn.null { x[i] = y[i] }
            return .ints(x)
        case (.dates(var x), .dates(let y)):
            for i in x.indices where x[i] == DateColumn.null { x[i] = y[i] }
            return .dates(x)
        case (.refs(var x, let t), .refs(let y, _)):
            for i in x.indices where x[i] < 0 { x[i] = y[i] }
            return .refs(x, t)
        case (.codes(var x, let d), .codes(let y, let e)) where d === e:
            for i in x.indices where x[i] < 0 { x[i] = y[i] }
            return .codes(x, d)
        default:
            return a
        }
    }

    /// `count(pairings where active)`, `max(visits where kind = "家访" select date)` for
    /// every row at once: one pass over the referring rows.
    private func reverseAggregate(_ f: Builtin, _ arg: TExpr, table: Table, site: FaultSite? = nil) -> (() -> VectorValues)? {
        let count = table.rowCount
        // The element selected, if any, evaluated over the referring collection.
        var sourceInfo: (Table, Int, VectorForm?)?
        var element: (() -> VectorValues)?
        if case .subquery(let sub) = arg.node, let select = sub.select {
            guard select.type == .int || select.type == .date, sub.limit == nil,
                  case .reverse(let base, let sourceName, let field) = sub.source.node, case .this = base.node,
                  let source = store.table(sourceName) else { return nil }
            let inner = Planner(store: store, catalog: catalog, today: today, caches: caches)
            inner.source = self.source
            inner.cancelled = cancelled
            guard let values = inner.vectorValues(select, table: source) else { return nil }
            element = values
            var filterBits: VectorForm?
            if let filter = sub.filter {
                guard let form = sourceFilter(filter, source: source) else { return nil }
                filterBits = form
            }
            sourceInfo = (source, field, filterBits)
        } else {
            sourceInfo = reverseSource(arg, table: table)
        }
        guard let (source, field, filter) = sourceInfo else { return nil }
        if f != .count && element == nil { return nil }
        return {
            guard case .reference(let refs) = source.columns[field] else { return .ints([]) }
            let targets = refs.rows
            let selected = filter?.make()
            func each(_ body: (Int) -> Void) {
                if let selected { selected.forEach(body) } else { for i in 0..<source.rowCount { body(i) } }
            }
            if f == .count {
                var counts = [Int](repeating: 0, count: count)
                if let element {
                    // count(… select x) counts the rows whose x is not null.
                    let values = element()
                    let nonNull = Self.nonNull(values, count: source.rowCount)
                    targets.withUnsafeBufferPointer { t in each { if t[$0] >= 0 && nonNull.contains($0) { counts[Int(t[$0])] += 1 } } }
                } else {
                    targets.withUnsafeBufferPointer { t in each { if t[$0] >= 0 { counts[Int(t[$0])] += 1 } } }
                }
                return .ints(counts)
            }
            if f == .sum {
                // Exactly, as whole numbers; over no rows 0; an overflow is a fault, as row
                // by row.
                guard case .ints(let v) = element!() else { return .ints([Int](repeating: 0, count: count)) }
                var totals = [Int](repeating: 0, count: count)
                var overflow = false
                targets.withUnsafeBufferPointer { t in
                    v.withUnsafeBufferPointer { v in
                        each { i in
                            let target = t[i], x = v[i]
                            guard target >= 0, x != IntColumn.null else { return }
                            let (s, o) = totals[Int(target)].addingReportingOverflow(x)
                            if o || s == IntColumn.null { overflow = true; return }
                            totals[Int(target)] = s
                        }
                    }
                }
                if overflow { site?.integerOverflow("sum"); return .ints([Int](repeating: IntColumn.null, count: count)) }
                return .ints(totals)
            }
            let wantMax = f == .max
            switch element!() {
            case .dates(let v):
                var best = [Int32](repeating: DateColumn.null, count: count)
                targets.withUnsafeBufferPointer { t in
                    v.withUnsafeBufferPointer { v in
                        each { i in
                            let target = t[i], x = v[i]
                            guard target >= 0, x != DateColumn.null else { return }
                            let b = best[Int(target)]
                            if b == DateColumn.null || (wantMax ? x > b : x < b) { best[Int(target)] = x }
                        }
                    }
                }
                return .dates(best)
            case .ints(let v):
                var best = [Int](repeating: IntColumn.null, count: count)
                targets.withUnsafeBufferPointer { t in
                    v.withUnsafeBufferPointer { v in
                        each { i in
                            let target = t[i], x = v[i]
                            guard target >= 0, x != IntColumn.null else { return }
                            let b = best[Int(target)]
                            if b == IntColumn.null || (wantMax ? x > b : x < b) { best[Int(target)] = x }
                        }
                    }
                }
                // As the row-by-row aggregate computes it (in Double).
                return .ints(best.map { $0 == IntColumn.null ? IntColumn.null : Int(Double($0)) })
            default:
                return .ints([Int](repeating: IntColumn.null, count: count))
            }
        }
    }
}

/// `contains` and `like` decided for every value of a dictionary at once. On text whose
/// every scalar is "plain" (see `isPlain`) a character is one scalar and equal characters
/// are equal bytes, so matching the UTF-8 bytes gives the answer matching Strings gives;
/// any other value (or pattern) is decided on Strings exactly as row by row.
enum TextMatching {
    /// ASCII except CR and LF (which form one character together), CJK ideographs,
    /// ideographic punctuation (but not its combining tone marks) and full-width forms:
    /// none decomposes, none combines with a neighbour.
    static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x0A || b == 0x0D { return false }
                i += 1
                continue
            }
            guard b & 0xF0 == 0xE0, i + 2 < n else { return false }
            let scalar = UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
            let plain = (0x4E00...0x9FFF).contains(scalar) || (0x3400...0x4DBF).contains(scalar)
                || ((0x3000...0x303F).contains(scalar) && !(0x302A...0x302F).contains(scalar))
                || (0xFF01...0xFF5E).contains(scalar)
            if !plain { return false }
            i += 3
        }
        return true
    }

    static func containsAnswers(_ dictionary: TextDictionary, _ pattern: String) -> [Bool] {
        let count = dictionary.count
        var p = pattern
        let plainPattern = p.withUTF8 { !$0.isEmpty && isPlain($0) }
        guard plainPattern else { return (0..<count).map { dictionary.string(at: $0).contains(pattern) } }
        let plain = dictionary.flags("plain", isPlain)
        var answers = [Bool](repeating: false, count: count)
        // One search over all values' bytes; an occurrence counts for the value it lies in.
        p.withUTF8 { needle in
            dictionary.withValueBytes { bytes, ends in
                guard let hay = bytes.baseAddress, let pin = needle.baseAddress else { return }
                let n = needle.count, h = bytes.count
                let last = needle[n - 1]
                var i = n - 1
                while i < h {
                    guard let hit = memchr(hay + i, Int32(last), h - i) else { break }
                    let end = hay.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    i = end + 1
                    let start = end - (n - 1)
                    guard n == 1 || memcmp(hay + start, pin, n - 1) == 0 else { continue }
                    // The value holding `start`: the first whose end is past it.
                    var low = 0, high = ends.count
                    while low < high {
                        let mid = (low + high) >> 1
                        if Int(ends[mid]) > start { high = mid } else { low = mid + 1 }
                    }
                    if low < ends.count && end < Int(ends[low]) { answers[low] = true }
                }
            }
        }
        for code in 0..<count where !plain[code] { answers[code] = dictionary.string(at: code).contains(pattern) }
        return answers
    }

    /// Whether `needle` occurs in `haystack` (bytes): anchored on the needle's last byte.
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = needle.count, h = haystack.count
        guard n <= h, let hay = haystack.baseAddress, let pin = needle.baseAddress else { return n == 0 }
        let last = needle[n - 1]
        var i = n - 1
        while i < h {
            guard let hit = memchr(hay + i, Int32(last), h - i) else { return false }
            let end = hay.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if n == 1 || memcmp(hay + end - (n - 1), pin, n - 1) == 0 { return true }
            i = end + 1
        }
        return false
    }

    /// `contains pattern` decided on one value's bytes, for values and patterns that are
    /// plain (nil for any other value; nil for a pattern that is not plain).
    static func containsOnBytes(_ pattern: String) -> ((UnsafeBufferPointer<UInt8>) -> Bool?)? {
        let needle = Array(pattern.utf8)
        guard !needle.isEmpty, needle.withUnsafeBufferPointer(isPlain) else { return nil }
        return { value in
            guard isPlain(value) else { return nil }
            return needle.withUnsafeBufferPointer { find($0, in: value) }
        }
    }

    /// `like pattern` decided on one value's bytes, as `containsOnBytes`.
    static func likeOnBytes(_ pattern: String) -> ((UnsafeBufferPointer<UInt8>) -> Bool?)? {
        let bytes = Array(pattern.utf8)
        guard bytes.withUnsafeBufferPointer(isPlain) else { return nil }
        let shape = LikeShape(pattern)
        return { value in
            guard isPlain(value) else { return nil }
            return shape.withBytes { shape.matches(value, literal: $0) }
        }
    }

    static func likeAnswers(_ dictionary: TextDictionary, _ pattern: String) -> [Bool] {
        let count = dictionary.count
        var p = pattern
        let plainPattern = p.withUTF8 { isPlain($0) }
        let slow = LikePattern(pattern)
        guard plainPattern else { return (0..<count).map { slow.matches(dictionary.string(at: $0)) } }
        let plain = dictionary.flags("plain", isPlain)
        let shape = LikeShape(pattern)
        var answers = [Bool](repeating: false, count: count)
        dictionary.withValueBytes { bytes, ends in
            shape.withBytes { literal in
                plain.withUnsafeBufferPointer { plain in
                    answers.withUnsafeMutableBufferPointer { out in
                        var start = 0
                        for code in 0..<count {
                            let end = Int(ends[code])
                            defer { start = end }
                            guard plain[code] else { continue }
                            let value = UnsafeBufferPointer(rebasing: bytes[start..<end])
                            out[code] = shape.matches(value, literal: literal)
                        }
                    }
                }
            }
        }
        for code in 0..<count where !plain[code] { answers[code] = slow.matches(dictionary.string(at: code)) }
        return answers
    }
}

/// A plain `like` pattern (see `TextMatching.isPlain`) matched on a plain value's UTF-8
/// bytes, where a character is one scalar of one or three bytes: the common shapes
/// (`"王%"`, `"%社区妇联"`, `"%x%"`, no wildcard) as one comparison of bytes, any other as
/// the greedy matching of `LikePattern.matches` over scalars decoded in place.
struct LikeShape {
    enum Kind { case exact, prefix, suffix, infix, general }
    let kind: Kind
    /// The literal of the simple shapes (the pattern without its `%`s).
    let literal: [UInt8]
    enum Token { case literal(UInt32), one, any }
    let tokens: [Token]

    init(_ pattern: String) {
        let scalars = Array(pattern.unicodeScalars)
        tokens = scalars.map { $0 == "%" ? .any : $0 == "_" ? .one : .literal($0.value) }
        let inner = scalars.drop { $0 == "%" }.reversed().drop { $0 == "%" }.reversed()
        let leading = scalars.first == "%", trailing = scalars.count > 1 && scalars.last == "%"
        let innerWild = inner.contains { $0 == "%" || $0 == "_" }
        literal = Array(String(String.UnicodeScalarView(inner)).utf8)
        if innerWild || inner.isEmpty && !scalars.isEmpty {
            kind = .general
        } else {
            switch (leading, trailing) {
            case (false, false): kind = .exact
            case (false, true): kind = .prefix
            case (true, false): kind = .suffix
            case (true, true): kind = .infix
            }
        }
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        literal.withUnsafeBufferPointer(body)
    }

    @inline(__always)
    func matches(_ value: UnsafeBufferPointer<UInt8>, literal: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = literal.count, h = value.count
        switch kind {
        case .exact:
            return n == h && (n == 0 || memcmp(value.baseAddress!, literal.baseAddress!, n) == 0)
        case .prefix:
            return n <= h && (n == 0 || memcmp(value.baseAddress!, literal.baseAddress!, n) == 0)
        case .suffix:
            return n <= h && (n == 0 || memcmp(value.baseAddress! + (h - n), literal.baseAddress!, n) == 0)
        case .infix:
            // Equal plain characters are equal bytes and a match starts on a scalar's
            // first byte (the literal's first byte is one), so any byte occurrence counts.
            return TextMatching.find(literal, in: value)
        case .general:
            return general(value)
        }
    }

    /// `LikePattern.matches` over the scalars of a plain value, decoded in place.
    private func general(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        @inline(__always) func scalar(_ i: Int) -> (UInt32, Int) {
            let b = value[i]
            if b < 0x80 { return (UInt32(b), 1) }
            return (UInt32(b & 0x0F) << 12 | UInt32(value[i + 1] & 0x3F) << 6 | UInt32(value[i + 2] & 0x3F), 3)
        }
        var pi = 0, t = 0
        var starP = -1, starT = 0
        let end = value.count
        while t < end {
            let (c, width) = scalar(t)
            if pi < tokens.count, case .one = tokens[pi] {
                pi += 1; t += width
            } else if pi < tokens.count, case .literal(let k) = tokens[pi], k == c {
                pi += 1; t += width
            } else if pi < tokens.count, case .any = tokens[pi] {
                starP = pi; starT = t; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starT += scalar(starT).1; t = starT
            } else {
                return false
            }
        }
        while pi < tokens.count, case .any = tokens[pi] { pi += 1 }
        return pi == tokens.count
    }
}
