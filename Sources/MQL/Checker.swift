// The checker: resolves every name of a statement against the schema, the catalog of
// defines and params, and the scope it appears in; assigns types; reports unknown names
// (with a suggestion), type errors, define cycles and aggregate misuse. It runs before
// anything executes and produces the typed tree (`Typed.swift`). All errors of a source
// are collected; nothing is thrown mid-way.

import Engine

public final class Checker {
    let store: Store
    let catalog: Catalog
    var diagnostics: [Diagnostic] = []
    /// Warnings about the statement of `warningFile` (see `Checker+Warnings`); none for rule
    /// files, whose questions are asked of whatever data is loaded.
    var warnings: [Diagnostic] = []
    var warningFile: SourceFile?
    var defineStack: [DefineInfo] = []

    public init(store: Store, catalog: Catalog) {
        self.store = store
        self.catalog = catalog
    }

    /// Where an expression is checked.
    struct Scope {
        var file: SourceFile
        /// The collection whose row is current, if any.
        var collection: String?
        /// Aggregates over the group are allowed here (a top-level select or order by).
        var aggregates: Bool = false
        /// Group keys, by printed form, when the query groups.
        var groupKeys: [String]? = nil
        /// Select aliases visible (order by).
        var selectNames: [String: Int] = [:]
        var inAggregate = false
        var clause: String = ""
        /// The collection of the enclosing query, inside a subquery (`outer`).
        var outerCollection: String?
    }

    func error(_ scope: Scope, _ range: SourceRange, _ message: String) {
        diagnostics.append(Diagnostic(scope.file, range, message))
    }

    func invalid(_ range: SourceRange) -> TExpr { TExpr(.constant(.null), .null, range).markInvalid() }

    // MARK: - Statements

    func checkQuery(_ q: Query, file: SourceFile) -> TQuery? {
        let errorsBefore = diagnostics.count
        let base = Scope(file: file)
        guard let collection = topLevelCollection(q.source, scope: base) else { return nil }
        var scope = Scope(file: file, collection: collection)
        scope.clause = "where"
        let filter = q.filter.map { checkCondition($0, scope: scope, context: "'where'") }
        let grouped = !q.groupBy.isEmpty || (q.select ?? []).contains { containsAggregateCall($0.expr) }
        var keyTexts: [String] = []
        var keys: [TExpr] = []
        scope.clause = "group by"
        for key in q.groupBy {
            let typed = check(key, scope: scope)
            if case .rows = typed.type { error(scope, key.range, MessageID.cannotGroupBy(typed.type)) }
            keys.append(typed)
            keyTexts.append(Printer.expr(key))
        }
        var selectScope = scope
        selectScope.clause = "select"
        selectScope.aggregates = true
        if grouped { selectScope.groupKeys = keyTexts }
        var items: [TSelectItem] = []
        if let select = q.select {
            var names = Set<String>()
            for item in select {
                let typed = check(item.expr, scope: selectScope)
                let name = item.alias ?? columnName(item.expr, file: file)
                // Columns are keys of a JSON object and names for `order by`: one each.
                if !names.insert(name).inserted {
                    let isWord = name.first.map { $0 == "_" || $0.isLetter } == true && name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
                    error(scope, item.expr.range, Message.duplicateColumn(name, suggestion: isWord ? name + "_2" : "NAME"))
                }
                items.append(TSelectItem(name: name, expr: typed))
            }
        } else if grouped {
            error(scope, q.range, MessageID.groupByNeedsSelect())
        } else if let table = store.table(collection) {
            let this = TExpr(.this, .row(collection), q.source.range)
            for (i, field) in table.schema.fields.enumerated() {
                let f = TExpr(.field(base: this, table: collection, field: i), MType.from(field.type), q.source.range)
                f.masking = field.masking
                items.append(TSelectItem(name: field.name, expr: f))
            }
        }
        var orderScope = selectScope
        orderScope.clause = "order by"
        for (i, item) in items.enumerated() where orderScope.selectNames[item.name] == nil { orderScope.selectNames[item.name] = i }
        var order: [(TExpr, Bool)] = []
        for key in q.orderBy {
            let typed = check(key.expr, scope: orderScope)
            switch typed.type {
            case .rows, .values, .list, .textSet, .duration:
                error(scope, key.expr.range, MessageID.cannotOrderBy(typed.type))
            default: break
            }
            order.append((typed, key.descending))
        }
        let limit = q.limit.flatMap { constantCount($0, scope: scope) }
        let offset = q.offset.flatMap { constantCount($0, scope: scope) }
        guard diagnostics.count == errorsBefore else { return nil }
        return TQuery(collection: collection, filter: filter, groupBy: keys, select: items,
                      orderBy: order.map { (expr: $0.0, descending: $0.1) }, limit: limit, offset: offset,
                      grouped: grouped, range: q.range)
    }

    /// A standalone expression statement (`today() + 2 months`).
    func checkExpression(_ e: Expr, file: SourceFile) -> TExpr? {
        let errorsBefore = diagnostics.count
        let typed = check(e, scope: Scope(file: file))
        return diagnostics.count == errorsBefore ? typed : nil
    }

    func topLevelCollection(_ source: Expr, scope: Scope) -> String? {
        guard case .name(let written) = source.kind else {
            error(scope, source.range, MessageID.queryStartsWithCollection(store.collectionNames.joined(separator: ", ")))
            return nil
        }
        let name = ChineseNames.collection(written)
        guard store.table(name) != nil else {
            error(scope, source.range, Message.unknownCollection(written, suggestion: Suggest.closest(written, among: collectionNamesWithChinese)))
            return nil
        }
        return name
    }

    /// Collection names in English and Chinese, for suggestions.
    var collectionNamesWithChinese: [String] {
        store.collectionNames + store.collectionNames.compactMap(ChineseNames.chinese(ofCollection:))
    }

    /// The column name of a select item without `as`: its source text, runs of spaces folded.
    func columnName(_ e: Expr, file: SourceFile) -> String {
        let text = file.text(of: e.range)
        var out = ""
        var lastSpace = false
        for ch in text {
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" || ch == "\u{3000}" {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(ch)
                lastSpace = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    func constantCount(_ e: Expr, scope: Scope) -> Int? {
        let typed = check(e, scope: Scope(file: scope.file))
        // TUNING: no result is longer than this; clamping keeps limit + offset from overflowing.
        if case .constant(.int(let n)) = typed.node, n >= 0 { return min(n, 1 << 40) }
        if !typed.isInvalid { error(scope, e.range, Message.limitNotNumber) }
        return nil
    }

    func checkCondition(_ e: Expr, scope: Scope, context: String) -> TExpr {
        let typed = check(e, scope: scope)
        if typed.type != .bool && !typed.isInvalid {
            error(scope, e.range, Message.expectedType("boolean", got: typed.type.description, context: context))
        }
        return typed
    }

    func containsAggregateCall(_ e: Expr) -> Bool {
        switch e.kind {
        case .call(let name, let args):
            if let f = AggregateFunction(rawValue: name.lowercased()) {
                if args.isEmpty { return f == .count }
                if args.count == 1, !looksLikeRows(args[0]) { return true }
            }
            return args.contains { containsAggregateCall($0) }
        case .binary(_, let l, let r): return containsAggregateCall(l) || containsAggregateCall(r)
        case .unary(_, let x), .isNull(let x, _): return containsAggregateCall(x)
        case .between(let a, let b, let c, _): return containsAggregateCall(a) || containsAggregateCall(b) || containsAggregateCall(c)
        default: return false
        }
    }

    /// Syntactically a subquery or a collection-ish name: decided precisely by type later,
    /// this only tells `sum(e)` over a group from `sum(children … select e)`.
    func looksLikeRows(_ e: Expr) -> Bool {
        switch e.kind {
        case .query: return true
        case .name(let n): return store.table(ChineseNames.collection(n)) != nil
        case .member(_, let n): return store.table(ChineseNames.collection(n)) != nil
        default: return false
        }
    }

    // MARK: - Defines

    /// Checks a define's body once (cached), detecting cycles.
    func checkDefine(_ info: DefineInfo, usedAt range: SourceRange, scope: Scope) -> MType? {
        if let type = info.type { return type }
        if info.checking {
            let start = defineStack.firstIndex { $0 === info } ?? 0
            let path = defineStack[start...].map(\.qualifiedName) + [info.qualifiedName]
            diagnostics.append(Diagnostic(info.file, info.definition.nameRange, Message.defineCycle(path)))
            return nil
        }
        info.checking = true
        defineStack.append(info)
        defer {
            info.checking = false
            defineStack.removeLast()
        }
        var bodyScope = Scope(file: info.file, collection: info.collection)
        bodyScope.clause = info.kind.rawValue
        let typed = check(info.definition.expr, scope: bodyScope)
        if info.type != nil { return info.type }  // reported as a cycle deeper down
        if typed.isInvalid { info.type = .null; return nil }
        if info.kind != .define && typed.type != .bool {
            diagnostics.append(Diagnostic(info.file, info.definition.expr.range,
                                          Message.ruleNotBoolean(info.kind.rawValue, info.name, typed.type.description)))
        }
        info.typed = typed
        info.type = typed.type
        return typed.type
    }

    // MARK: - Expressions

    func check(_ e: Expr, scope: Scope) -> TExpr {
        if let keys = scope.groupKeys, !scope.inAggregate {
            let text = Printer.expr(e)
            if let i = keys.firstIndex(of: text) {
                // The key's type is that of the expression over a row of the collection.
                var rowScope = scope
                rowScope.groupKeys = nil
                rowScope.aggregates = false
                let typed = check(e, scope: rowScope)
                let key = TExpr(.groupKey(i), typed.type, e.range)
                key.masking = typed.masking
                return key
            }
        }
        switch e.kind {
        case .integer(let v): return TExpr(.constant(.int(v)), .int, e.range)
        case .decimal(let v): return TExpr(.constant(.number(v)), .number, e.range)
        case .text(let v): return TExpr(.constant(.text(v)), .text, e.range)
        case .boolean(let v): return TExpr(.constant(.bool(v)), .bool, e.range)
        case .null: return TExpr(.constant(.null), .null, e.range)
        case .date(let v): return TExpr(.constant(.date(v)), .date, e.range)
        case .duration(let n, let unit): return TExpr(.constant(.duration(Duration(amount: n, unit: unit))), .duration, e.range)
        case .list(let items): return checkList(items, range: e.range, scope: scope)
        case .name(let name): return checkName(name, range: e.range, scope: scope)
        case .this:
            guard let c = scope.collection, scope.groupKeys == nil || scope.inAggregate else {
                error(scope, e.range, Message.noRowInScope("this"))
                return invalid(e.range)
            }
            return TExpr(.this, .row(c), e.range)
        case .outer:
            guard let c = scope.outerCollection else {
                error(scope, e.range, MessageID.outerOutsideSubquery())
                return invalid(e.range)
            }
            return TExpr(.outer, .row(c), e.range)
        case .member(let base, let name): return checkMember(base, name, range: e.range, scope: scope)
        case .unary(let op, let operand): return checkUnary(op, operand, range: e.range, scope: scope)
        case .binary(let op, let l, let r): return checkBinary(op, l, r, range: e.range, scope: scope)
        case .isNull(let x, let negated):
            let typed = check(x, scope: scope)
            return TExpr(.isNull(typed, negated: negated), .bool, e.range).inheritAggregate(typed)
        case .between(let x, let lo, let hi, let negated):
            let tx = check(x, scope: scope), tl = check(lo, scope: scope), th = check(hi, scope: scope)
            for bound in [tl, th] where !comparable(tx.type, bound.type) && !tx.isInvalid && !bound.isInvalid {
                error(scope, e.range, Message.typeMismatch("between", tx.type.description, bound.type.description))
                return invalid(e.range)
            }
            return TExpr(.between(tx, tl, th, negated: negated), .bool, e.range).inheritAggregate(tx, tl, th)
        case .call(let name, let args): return checkCall(name, args, range: e.range, scope: scope)
        case .query(let q): return checkSubquery(q, scope: scope)
        }
    }

    func checkList(_ items: [Expr], range: SourceRange, scope: Scope) -> TExpr {
        let typed = items.map { check($0, scope: scope) }
        var element: MType = .null
        for t in typed where !t.isInvalid {
            if element == .null { element = t.type; continue }
            if t.type == .null || t.type == element { continue }
            if element.isNumeric && t.type.isNumeric { element = .number; continue }
            error(scope, t.range, MessageID.listOfMixedTypes(element, t.type))
            return invalid(range)
        }
        return TExpr(.list(typed), .list(element), range)
    }

    func fieldExpr(base: TExpr, table: Table, field: Int, range: SourceRange) -> TExpr {
        let schema = table.schema.fields[field]
        let t = TExpr(.field(base: base, table: table.name, field: field), MType.from(schema.type), range)
        t.masking = schema.masking
        return t
    }

    /// Resolves `name` as a member of a row of `collection`: a field, a define, or a reverse
    /// reference (the rows of another collection that refer to it).
    func member(of collection: String, base: TExpr, name: String, range: SourceRange, scope: Scope) -> TExpr? {
        guard let table = store.table(collection) else { return nil }
        // A Chinese name (data.md) stands for its English one, unless the rule files define
        // the name itself.
        if table.schema.fieldIndex(name) == nil, catalog.define(collection, name) == nil,
           let english = ChineseNames.member(name, of: collection), english != name {
            return member(of: collection, base: base, name: english, range: range, scope: scope)
        }
        if let i = table.schema.fieldIndex(name) {
            return fieldExpr(base: base, table: table, field: i, range: range)
        }
        if let info = catalog.define(collection, name) {
            guard let type = checkDefine(info, usedAt: range, scope: scope) else { return invalid(range) }
            return TExpr(.define(base: base, info), type, range)
        }
        let reverse = store.referencesTo(collection).filter { $0.table.name == name }
        if reverse.count == 1 {
            return TExpr(.reverse(base: base, source: name, field: reverse[0].field), .rows(name), range)
        }
        return nil
    }

    func memberNames(of collection: String) -> [String] {
        var names = store.table(collection)?.schema.fields.map(\.name) ?? []
        names += catalog.defines(of: collection).map(\.name)
        names += store.referencesTo(collection).map { $0.table.name }
        names += (ChineseNames.members[collection] ?? [:]).keys.sorted()
        return names
    }

    func checkName(_ name: String, range: SourceRange, scope: Scope) -> TExpr {
        if let c = scope.collection {
            if scope.groupKeys == nil || scope.inAggregate {
                let this = TExpr(.this, .row(c), range)
                if let found = member(of: c, base: this, name: name, range: range, scope: scope) { return found }
            } else if member(of: c, base: TExpr(.this, .row(c), range), name: name, range: range, scope: scope) != nil {
                if let i = scope.selectNames[name] {
                    return selectRef(i, name: name, range: range, scope: scope)
                }
                error(scope, range, Message.notGrouped(name))
                return invalid(range)
            }
        }
        if let i = scope.selectNames[name] { return selectRef(i, name: name, range: range, scope: scope) }
        if let param = catalog.params[name] {
            return TExpr(.constant(param.value), param.type, range)
        }
        if store.table(ChineseNames.collection(name)) != nil {
            let english = ChineseNames.collection(name)
            return TExpr(.collection(english), .rows(english), range)
        }
        if name.lowercased() == "today" || Builtin(rawValue: name.lowercased()) != nil {
            error(scope, range, MessageID.nameIsAFunction(name, name.lowercased()))
            return invalid(range)
        }
        var candidates = Array(catalog.params.keys) + collectionNamesWithChinese
        if let c = scope.collection, bareValue(name, collection: c) {
            error(scope, range, Message.bareValue(name, in: c))
            return invalid(range)
        }
        if let c = scope.collection {
            candidates = memberNames(of: c) + candidates
            error(scope, range, Message.unknownField(name, in: c, suggestion: Suggest.closest(name, among: candidates)))
        } else {
            error(scope, range, Message.unknownName(name, suggestion: Suggest.closest(name, among: candidates)))
        }
        return invalid(range)
    }

    /// Select items are referenced by `order by`, after they are computed.
    func selectRef(_ i: Int, name: String, range: SourceRange, scope: Scope) -> TExpr {
        // The type is not known here without the item; the planner reads it from the query.
        let t = TExpr(.selectItem(i), .null, range)
        t.selectRefName = name
        return t
    }

    func checkMember(_ baseExpr: Expr, _ name: String, range: SourceRange, scope: Scope) -> TExpr {
        let base = check(baseExpr, scope: scope)
        if base.isInvalid { return base }
        guard case .row(let collection) = base.type else {
            error(scope, range, Message.notNavigable(base.type.description, name))
            return invalid(range)
        }
        if let found = member(of: collection, base: base, name: name, range: range, scope: scope) {
            return found.inheritAggregate(base)
        }
        error(scope, range, Message.unknownField(name, in: collection, suggestion: Suggest.closest(name, among: memberNames(of: collection))))
        return invalid(range)
    }

    func checkUnary(_ op: UnaryOperator, _ operand: Expr, range: SourceRange, scope: Scope) -> TExpr {
        let x = check(operand, scope: scope)
        if x.isInvalid { return x }
        switch op {
        case .not:
            guard x.type == .bool else {
                error(scope, range, Message.expectedType("boolean", got: x.type.description, context: "the operand of 'not'"))
                return invalid(range)
            }
            return TExpr(.unary(.not, x), .bool, range).inheritAggregate(x)
        case .negate:
            guard x.type.isNumeric || x.type == .null else {
                error(scope, range, Message.expectedType("a number", got: x.type.description, context: "the operand of '-'"))
                return invalid(range)
            }
            return TExpr(.unary(.negate, x), x.type, range).inheritAggregate(x)
        }
    }

    /// Whether values of two types can be compared for equality or order.
    func comparable(_ a: MType, _ b: MType) -> Bool {
        if a == b || a == .null || b == .null { return true }
        if a.isNumeric && b.isNumeric { return true }
        if case .row(let c) = a { return keyType(c) == b }
        if case .row(let c) = b { return keyType(c) == a }
        return false
    }

    /// The type a row of `collection` compares equal to: its key.
    func keyType(_ collection: String) -> MType {
        store.table(collection)?.isKeyedByID == true ? .int : .text
    }

    func checkBinary(_ op: BinaryOperator, _ l: Expr, _ r: Expr, range: SourceRange, scope: Scope) -> TExpr {
        let left = check(l, scope: scope)
        let right = check(r, scope: scope)
        if left.isInvalid || right.isInvalid { return invalid(range) }
        let lt = left.type, rt = right.type
        func mismatch() -> TExpr {
            error(scope, range, Message.typeMismatch(op.rawValue, lt.description, rt.description))
            return invalid(range)
        }
        func make(_ type: MType) -> TExpr {
            let t = TExpr(.binary(op, left, right), type, range).inheritAggregate(left, right)
            return t
        }
        switch op {
        case .and, .or:
            guard lt == .bool, rt == .bool else {
                let bad = lt != .bool ? left : right
                error(scope, bad.range, Message.expectedType("boolean", got: bad.type.description, context: MessagePhrase.eachSideOf(op.rawValue)))
                return invalid(range)
            }
            return make(.bool)
        case .equal, .notEqual:
            guard comparable(lt, rt) else { return mismatch() }
            if case .rows = lt { return mismatch() }
            if case .values = lt { return mismatch() }
            if op == .equal {
                warnIfUnmatched(field: left, constants: [right], scope: scope)
                warnIfUnmatched(field: right, constants: [left], scope: scope)
            }
            return make(.bool)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard comparable(lt, rt), (lt.isOrdered || lt == .null), (rt.isOrdered || rt == .null) else { return mismatch() }
            return make(.bool)
        case .add, .subtract:
            if lt.isNumeric && rt.isNumeric { return make(lt == .int && rt == .int ? .int : .number) }
            if lt == .date && rt == .duration { return make(.date) }
            if op == .add && lt == .duration && rt == .date { return make(.date) }
            if op == .subtract && lt == .date && rt == .date { return make(.int) }
            if op == .add && lt == .text && rt == .text {
                let t = make(.text)
                t.masking = left.masking != .none ? left.masking : right.masking
                return t
            }
            if lt == .null || rt == .null {
                return make(lt == .null ? (rt == .duration ? .date : rt) : lt)
            }
            return mismatch()
        case .multiply:
            if lt.isNumeric && rt.isNumeric { return make(lt == .int && rt == .int ? .int : .number) }
            if (lt == .null && rt.isNumeric) || (rt == .null && lt.isNumeric) || (lt == .null && rt == .null) { return make(.number) }
            return mismatch()
        case .divide:
            if (lt.isNumeric || lt == .null) && (rt.isNumeric || rt == .null) { return make(.number) }
            return mismatch()
        case .in, .notIn:
            switch rt {
            case .list(let element), .values(let element):
                guard comparable(lt, element) else { return mismatch() }
            case .textSet:
                guard lt == .text || lt == .null else { return mismatch() }
            case .rows(let c):
                guard lt == .row(c) || lt == .null else { return mismatch() }
            case .null:
                break
            default:
                return mismatch()
            }
            if op == .in {
                if case .list(let items) = right.node { warnIfUnmatched(field: left, constants: items, scope: scope) }
                if case .textSet = rt { warnIfUnmatched(field: right, constants: [left], scope: scope) }
            }
            return make(.bool)
        case .contains:
            switch lt {
            case .textSet, .text:
                guard rt == .text || rt == .null else { return mismatch() }
                if lt == .textSet { warnIfUnmatched(field: left, constants: [right], scope: scope) }
            case .list(let element), .values(let element):
                guard comparable(element, rt) else { return mismatch() }
            case .rows(let c):
                guard rt == .row(c) else { return mismatch() }
            default:
                return mismatch()
            }
            return make(.bool)
        case .like, .notLike:
            guard (lt == .text || lt == .null) && (rt == .text || rt == .null) else { return mismatch() }
            return make(.bool)
        }
    }

    func checkSubquery(_ q: Query, scope: Scope) -> TExpr {
        var inner = scope
        inner.groupKeys = nil
        inner.aggregates = false
        inner.selectNames = [:]
        let source = check(q.source, scope: inner)
        if source.isInvalid { return source }
        guard case .rows(let collection) = source.type else {
            error(scope, q.source.range, Message.expectedType("rows (a collection or a reverse reference such as pairings)", got: source.type.description, context: "the source of a subquery"))
            return invalid(q.range)
        }
        if !q.groupBy.isEmpty { error(scope, q.range, MessageID.groupByOnlyAtTop()) }
        if !q.orderBy.isEmpty { error(scope, q.range, MessageID.orderByInSubquery()) }
        if q.offset != nil { error(scope, q.range, MessageID.offsetOnlyAtTop()) }
        var rowScope = inner
        rowScope.outerCollection = scope.groupKeys == nil ? scope.collection : nil
        rowScope.collection = collection
        rowScope.clause = "where"
        let filter = q.filter.map { checkCondition($0, scope: rowScope, context: "'where'") }
        var select: TExpr?
        if let items = q.select {
            if items.count != 1 {
                error(scope, q.range, MessageID.subquerySelectsOneValue())
            } else {
                select = check(items[0].expr, scope: rowScope)
            }
        }
        let limit = q.limit.flatMap { constantCount($0, scope: scope) }
        if let s = select, s.isInvalid { return s }
        if let f = filter, f.isInvalid { return f }
        let sub = TSubquery(collection: collection, source: source, filter: filter, select: select, limit: limit)
        let type: MType = select.map { .values($0.type) } ?? .rows(collection)
        let t = TExpr(.subquery(sub), type, q.range)
        if let s = select { t.masking = s.masking }
        return t.inheritAggregate(source)
    }

    // MARK: - Calls

    func checkCall(_ rawName: String, _ args: [Expr], range: SourceRange, scope: Scope) -> TExpr {
        let name = rawName.lowercased()
        guard let builtin = Builtin(rawValue: name) else {
            let names = Builtin.allCases.map(\.rawValue)
            error(scope, range, Message.unknownFunction(rawName, suggestion: Suggest.closest(rawName, among: names)))
            return invalid(range)
        }
        // Aggregates over the group: count(), sum(e) … where e is a value per row.
        if let aggregate = AggregateFunction(rawValue: name), args.count <= 1 {
            if args.isEmpty {
                guard aggregate == .count else {
                    error(scope, range, Message.arity(name, expected: "1", got: 0))
                    return invalid(range)
                }
                return groupAggregate(.count, nil, range: range, scope: scope)
            }
            var probe = scope
            probe.groupKeys = nil
            probe.inAggregate = true
            let typed = check(args[0], scope: probe)
            if typed.isInvalid { return typed }
            let grouping = scope.groupKeys != nil && !scope.inAggregate
            switch typed.type {
            case .textSet where grouping:
                // count(roles) over a group counts its rows (a set is never null).
                return groupAggregate(aggregate, typed, range: range, scope: scope)
            case .rows, .values, .list, .textSet:
                if grouping {
                    // Re-check under the group's scope: only group keys may be used.
                    let regrouped = check(args[0], scope: scope)
                    if regrouped.isInvalid { return regrouped }
                    return subqueryAggregate(aggregate, regrouped, range: range, scope: scope)
                }
                return subqueryAggregate(aggregate, typed, range: range, scope: scope)
            default:
                if typed.hasAggregate {
                    error(scope, args[0].range, MessageID.aggregatesDoNotNest())
                    return invalid(range)
                }
                return groupAggregate(aggregate, typed, range: range, scope: scope)
            }
        }
        var typedArgs = args.map { check($0, scope: scope) }
        if let bad = typedArgs.first(where: { $0.isInvalid }) { return bad }
        func arity(_ n: ClosedRange<Int>) -> Bool {
            guard n.contains(args.count) else {
                let expected = n.lowerBound == n.upperBound ? "\(n.lowerBound)" : MessagePhrase.countRange(n.lowerBound, n.upperBound)
                error(scope, range, Message.arity(name, expected: expected, got: args.count))
                return false
            }
            return true
        }
        func want(_ i: Int, _ types: [MType], _ what: String) -> Bool {
            let t = typedArgs[i].type
            if t == .null || types.contains(t) { return true }
            error(scope, typedArgs[i].range, Message.expectedType(what, got: t.description, context: MessagePhrase.argumentNOf(i + 1, name)))
            return false
        }
        func make(_ type: MType) -> TExpr {
            let t = TExpr(.call(builtin, typedArgs), type, range).inheritAggregate(typedArgs)
            return t
        }
        switch builtin {
        case .today:
            guard arity(0...0) else { return invalid(range) }
            return make(.date)
        case .age:
            guard arity(1...1), want(0, [.date], "a date") else { return invalid(range) }
            return make(.int)
        case .months_between, .days_between:
            guard arity(2...2), want(0, [.date], "a date"), want(1, [.date], "a date") else { return invalid(range) }
            return make(.int)
        case .year, .month, .day:
            guard arity(1...1), want(0, [.date], "a date") else { return invalid(range) }
            return make(.int)
        case .len:
            guard arity(1...1) else { return invalid(range) }
            switch typedArgs[0].type {
            case .text, .textSet, .list, .null, .rows, .values: return make(.int)
            default:
                _ = want(0, [.text, .textSet], "text or a set")
                return invalid(range)
            }
        case .lower, .upper, .trim, .pinyin, .initials:
            guard arity(1...1), want(0, [.text], "text") else { return invalid(range) }
            let t = make(.text)
            t.masking = typedArgs[0].masking
            return t
        case .left, .right:
            guard arity(2...2), want(0, [.text], "text"), want(1, [.int], "an int") else { return invalid(range) }
            let t = make(.text)
            t.masking = typedArgs[0].masking
            return t
        case .abs:
            guard arity(1...1), want(0, [.int, .number], "a number") else { return invalid(range) }
            return make(typedArgs[0].type == .null ? .number : typedArgs[0].type)
        case .round:
            guard arity(1...2), want(0, [.int, .number], "a number") else { return invalid(range) }
            if args.count == 2 { guard want(1, [.int], "an int") else { return invalid(range) } }
            return make(.number)
        case .coalesce:
            guard args.count >= 1 else { _ = arity(1...64); return invalid(range) }
            var type: MType = .null
            for a in typedArgs {
                if type == .null { type = a.type; continue }
                if a.type == .null || a.type == type { continue }
                if type.isNumeric && a.type.isNumeric { type = .number; continue }
                // A reference mixed with its key type reads as its key (street → "布吉").
                if case .row(let c) = type, keyType(c) == a.type { type = a.type; continue }
                if case .row(let c) = a.type, keyType(c) == type { continue }
                error(scope, a.range, MessageID.coalesceNeedsOneType(type, a.type))
                return invalid(range)
            }
            let t = make(type)
            t.masking = typedArgs.first { $0.masking != .none }?.masking ?? .none
            return t
        case .if:
            guard arity(3...3), want(0, [.bool], "a boolean") else { return invalid(range) }
            let a = typedArgs[1].type, b = typedArgs[2].type
            var type = a == .null ? b : a
            if a != b && a != .null && b != .null {
                if a.isNumeric && b.isNumeric { type = .number } else {
                    error(scope, range, MessageID.ifNeedsOneType(a, b))
                    return invalid(range)
                }
            }
            return make(type)
        case .difference, .intersection:
            guard arity(2...2), want(0, [.textSet, .list(.text)], "a set of text"), want(1, [.textSet, .list(.text)], "a set of text") else { return invalid(range) }
            return make(.textSet)
        case .period_due, .window_start, .window_end, .is_period:
            guard arity(1...1), want(0, [.text], "text (a period YYYY-MM)") else { return invalid(range) }
            // A period written as a constant is checked here, at its position.
            if builtin != .is_period, case .constant(.text(let p)) = typedArgs[0].node, ReportPeriod(p) == nil {
                error(scope, typedArgs[0].range, ReportPeriod.problem(p))
                return invalid(range)
            }
            // The first window starts at the programme's start (cycle.md §1).
            if builtin == .window_start, let start = catalog.params["programme_start"], start.type == .date {
                typedArgs.append(TExpr(.constant(start.value), .date, range))
            }
            return make(builtin == .is_period ? .bool : .date)
        case .period_of:
            guard arity(1...1), want(0, [.date], "a date") else { return invalid(range) }
            return make(.text)
        case .exists:
            guard arity(1...1) else { return invalid(range) }
            switch typedArgs[0].type {
            case .rows, .values, .list, .textSet: return make(.bool)
            default:
                error(scope, typedArgs[0].range, Message.expectedType("rows (a subquery)", got: typedArgs[0].type.description, context: "the argument of exists()"))
                return invalid(range)
            }
        case .count, .sum, .avg, .min, .max:
            typedArgs = []
            _ = arity(0...1)
            return invalid(range)
        }
    }

    func groupAggregate(_ f: AggregateFunction, _ argument: TExpr?, range: SourceRange, scope: Scope) -> TExpr {
        guard scope.aggregates, !scope.inAggregate else {
            let message = scope.clause == "where" ? Message.aggregateInWhere(f.rawValue) : Message.aggregateOutsideQuery(f.rawValue)
            error(scope, range, message)
            return invalid(range)
        }
        if let a = argument {
            switch f {
            case .sum, .avg:
                guard a.type.isNumeric || a.type == .null else {
                    error(scope, a.range, Message.expectedType("a number", got: a.type.description, context: MessagePhrase.argumentOf(f.rawValue)))
                    return invalid(range)
                }
            case .min, .max:
                guard a.type.isOrdered || a.type == .null || a.type == .bool else {
                    error(scope, a.range, Message.expectedType("a number, date or text", got: a.type.description, context: MessagePhrase.argumentOf(f.rawValue)))
                    return invalid(range)
                }
            case .count: break
            }
        }
        let type: MType
        switch f {
        case .count: type = .int
        case .sum: type = argument?.type == .int ? .int : .number
        case .avg: type = .number
        case .min, .max: type = argument?.type ?? .null
        }
        let t = TExpr(.aggregate(f, argument), type, range)
        t.hasAggregate = true
        return t
    }

    /// `count(pairings where active)`, `sum(children select household_size)`: an aggregate
    /// over the rows or values of a subquery, computed per row of the enclosing scope.
    func subqueryAggregate(_ f: AggregateFunction, _ argument: TExpr, range: SourceRange, scope: Scope) -> TExpr {
        var element: MType
        switch argument.type {
        case .values(let t), .list(let t): element = t
        case .textSet: element = .text
        case .rows(let c): element = .row(c)
        default: element = .null
        }
        let builtin = Builtin(rawValue: f.rawValue)!
        switch f {
        case .count:
            return TExpr(.call(builtin, [argument]), .int, range).inheritAggregate(argument)
        case .sum, .avg:
            guard element.isNumeric || element == .null else {
                error(scope, argument.range, Message.expectedType("numbers (… select EXPR)", got: argument.type.description, context: MessagePhrase.argumentOf(f.rawValue)))
                return invalid(range)
            }
            let type: MType = f == .avg ? .number : (element == .int ? .int : .number)
            return TExpr(.call(builtin, [argument]), type, range).inheritAggregate(argument)
        case .min, .max:
            guard element.isOrdered || element == .null else {
                error(scope, argument.range, Message.expectedType("numbers, dates or text (… select EXPR)", got: argument.type.description, context: MessagePhrase.argumentOf(f.rawValue)))
                return invalid(range)
            }
            return TExpr(.call(builtin, [argument]), element, range).inheritAggregate(argument)
        }
    }
}

extension TExpr {
    private static let invalidMarker = SourceRange(-1, -1)

    /// A placeholder for an expression that already produced an error; it silences
    /// follow-on errors so one mistake is reported once.
    var isInvalid: Bool { invalidFlag }

    func markInvalid() -> TExpr {
        invalidFlag = true
        return self
    }

    func inheritAggregate(_ parts: TExpr...) -> TExpr { inheritAggregate(parts) }

    func inheritAggregate(_ parts: [TExpr]) -> TExpr {
        if parts.contains(where: { $0.hasAggregate }) { hasAggregate = true }
        return self
    }
}

/// "Did you mean" suggestions: the closest name by edit distance, if close enough.
public enum Suggest {
    public static func closest(_ name: String, among candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        var best: (String, Int)?
        let limit = max(1, min(3, target.count / 2 + (target.count > 4 ? 1 : 0)))
        for candidate in Set(candidates) {
            let other = Array(candidate.lowercased())
            // Lengths further apart than the limit cannot be within it: skipping them keeps
            // a huge name (a 500 KB literal) from costing length × length per candidate.
            guard abs(other.count - target.count) <= limit else { continue }
            let distance = editDistance(target, other)
            guard distance <= limit else { continue }
            if best == nil || distance < best!.1 || (distance == best!.1 && candidate < best!.0) { best = (candidate, distance) }
        }
        return best?.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

import Foundation
