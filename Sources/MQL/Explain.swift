// `plan QUERY` and `explain NAME for QUERY`. Both answer with a table so every output
// format can carry them: plan has one row per step (how rows are found, filtered, grouped,
// sorted, cut) with estimated and actual row counts; explain has, per row of the query, the
// tree of rules and sub-expressions that decided NAME, each with its value, the clause a
// rule cites, and the facts that were missing.

import Engine

struct PlanExplainer {
    let store: Store
    let catalog: Catalog
    let today: Int32
    let source: SourceFile
    let useIndexes: Bool
    var buildsSortedIndexOnFirstUse = false

    func plan(_ q: TQuery) -> QueryResult {
        var evaluator = Evaluator(store: store, catalog: catalog, today: today, source: source)
        evaluator.useIndexes = useIndexes
        evaluator.buildsSortedIndexOnFirstUse = buildsSortedIndexOnFirstUse
        let planner = evaluator.makePlanner()
        let table = store.table(q.collection)!
        let filterPlan = planner.planFilter(q.filter, table: table, useIndexes: useIndexes)
        var steps: [[Value]] = []
        let candidates: [Int32]
        if let driver = filterPlan.driver {
            candidates = driver.rows()
            steps.append([.text("SEARCH"), .text("\(q.collection) USING \(driver.description)"), .int(driver.estimate), .int(candidates.count)])
        } else {
            candidates = (0..<Int32(table.rowCount)).map { $0 }
            steps.append([.text("SCAN"), .text(q.collection), .int(table.rowCount), .int(table.rowCount)])
        }
        var rows = candidates
        if let residual = filterPlan.residual {
            rows = candidates.filter { residual(Int($0)) }
            // TUNING: without statistics, each condition is guessed to keep half the rows.
            var estimate = Double(filterPlan.readEstimate)
            for _ in filterPlan.residualText { estimate *= 0.5 }
            steps.append([.text("FILTER"), .text(filterPlan.residualText.joined(separator: " and ")), .int(Int(estimate.rounded())), .int(rows.count)])
        }
        let result = evaluator.run(q)
        steps += decorrelationSteps(q, planner: planner)
        if q.grouped {
            let keys = q.groupBy.map { source.text(of: $0.range) }.joined(separator: ", ")
            steps.append([.text("GROUP"), .text(keys.isEmpty ? "all rows" : "BY \(keys)"), .null, .null])
        }
        if !q.orderBy.isEmpty {
            let keys = q.orderBy.map { source.text(of: $0.expr.range) + ($0.descending ? " desc" : "") }.joined(separator: ", ")
            let topK = q.limit.map { " (top \($0 + (q.offset ?? 0)))" } ?? ""
            steps.append([.text("ORDER"), .text("BY \(keys)\(topK)"), .null, .null])
        }
        if q.limit != nil || q.offset != nil {
            steps.append([.text("LIMIT"), .text("\(q.limit.map(String.init) ?? "all") offset \(q.offset ?? 0)"), .int(q.limit ?? 0), .int(result.rows.count)])
        }
        let columnCount = result.columns.count
        steps.append([.text("RESULT"), .text("\(columnCount) column\(columnCount == 1 ? "" : "s")"), .null, .int(result.rows.count)])
        let columns = [
            ResultColumn(name: "step", type: .text, masking: .none),
            ResultColumn(name: "detail", type: .text, masking: .none),
            ResultColumn(name: "estimated", type: .int, masking: .none),
            ResultColumn(name: "actual", type: .int, masking: .none),
        ]
        return QueryResult(columns: columns, rows: steps)
    }
}

extension PlanExplainer {
    /// A step per correlated count or exists the statement answers from its collection
    /// grouped once (`Planner+Decorrelation`), defines expanded: the keys, and the groups
    /// built (null when no row needed them).
    func decorrelationSteps(_ q: TQuery, planner: Planner) -> [[Value]] {
        var seen: Set<ObjectIdentifier> = []
        var steps: [[Value]] = []
        func walk(_ e: TExpr, _ file: SourceFile, depth: Int) {
            guard depth < 32 else { return }
            if case .call(let f, let args) = e.node, f == .count || f == .exists, case .subquery(let sub) = args[0].node,
               f == .exists || sub.select == nil, seen.insert(ObjectIdentifier(sub)).inserted, let shape = planner.correlatedShape(sub) {
                let keys = shape.keys.map { file.text(of: $0.inner.range) }.joined(separator: ", ")
                let less = shape.exclusion.map { "; less the row whose id = \(file.text(of: $0.outer.range))" } ?? ""
                let groups = planner.caches.correlated.groups[ObjectIdentifier(sub)]
                steps.append([.text("DECORRELATE"), .text("\(file.text(of: e.range)) AS \(shape.table.name) GROUPED BY \(keys)\(less)"),
                              .int(shape.table.rowCount), groups.map { .int($0.counts.count) } ?? .null])
            }
            switch e.node {
            case .define(let base, let info):
                walk(base, file, depth: depth + 1)
                if let typed = info.typed { walk(typed, info.file, depth: depth + 1) }
            case .field(let base, _, _), .reverse(let base, _, _): walk(base, file, depth: depth + 1)
            case .subquery(let sub):
                walk(sub.source, file, depth: depth + 1)
                if let filter = sub.filter { walk(filter, file, depth: depth + 1) }
                if let select = sub.select { walk(select, file, depth: depth + 1) }
            case .list(let items): for item in items { walk(item, file, depth: depth + 1) }
            case .unary(_, let x), .isNull(let x, _): walk(x, file, depth: depth + 1)
            case .binary(_, let a, let b): walk(a, file, depth: depth + 1); walk(b, file, depth: depth + 1)
            case .between(let a, let b, let c, _): for x in [a, b, c] { walk(x, file, depth: depth + 1) }
            case .call(_, let args): for x in args { walk(x, file, depth: depth + 1) }
            case .aggregate(_, let x): if let x { walk(x, file, depth: depth + 1) }
            case .constant, .this, .outer, .collection, .groupKey, .selectItem: break
            }
        }
        if let filter = q.filter { walk(filter, source, depth: 0) }
        for item in q.select { walk(item.expr, source, depth: 0) }
        return steps
    }
}

struct RuleExplainer {
    let store: Store
    let catalog: Catalog
    let today: Int32

    /// TUNING: past this depth a tree explains less than it hides.
    static let maximumDepth = 12

    /// A value a node was decided on: a field or sub-expression and its value, or nil when
    /// it was null (missing).
    struct Fact: Equatable {
        let text: String
        let value: String?
    }

    /// One node of the tree as it is explained: its facts (for a comparison, the two sides
    /// first), and whether the node can still change the outcome — a conjunct next to a
    /// conjunct that is false on known facts cannot, nor can a disjunct next to a true one.
    struct Line {
        var node: String
        var value: Value
        var citation: String
        var facts: [Fact] = []
        var difference: String? = nil
        /// An ordering comparison (`<`, `>=`, `between` …): how far a value was from a limit.
        var isOrdering = false
        var decides = true
    }

    func explain(_ info: DefineInfo, rows: [Int32]) -> QueryResult {
        let planner = Planner(store: store, catalog: catalog, today: today)
        let table = store.table(info.collection)!
        var out: [[Value]] = []
        for row in rows {
            let key: Value = table.isKeyedByID ? .int(table.id(row: Int(row))!) : .text(table.keyText(row: Int(row)))
            var lines: [Line] = []
            var testedForNull: Set<String> = []
            if let typed = info.typed {
                let value = planner.compile(typed).valueGetter(store: store)(Int(row))
                lines.append(Line(node: info.name, value: value, citation: info.citation ?? ""))
                walk(typed, file: info.file, row: Int(row), depth: 1, planner: planner, into: &lines, testedForNull: &testedForNull)
            }
            // Each fact is shown once per explained row. The deciding comparisons come
            // first, on the define's own line: the ordering comparisons that came out as
            // the define did and could change it — for a child refused on 大病 the medical
            // cost (or that it is missing) against the household's means.
            var shown: Set<String> = []
            var notes: [String] = []
            func factText(_ fact: Fact) -> String { fact.value.map { "\(fact.text) = \($0)" } ?? "missing: \(fact.text)" }
            func newFacts(_ line: Line) -> [String] {
                var parts: [String] = []
                for fact in line.facts where shown.insert(factText(fact)).inserted { parts.append(factText(fact)) }
                return parts
            }
            for (i, line) in lines.enumerated() {
                var parts: [String] = []
                if i == 0 {
                    for deciding in lines.dropFirst() where deciding.isOrdering && deciding.decides && deciding.value == line.value {
                        parts += newFacts(deciding)
                    }
                }
                parts += newFacts(line)
                if let difference = line.difference { parts.append("difference \(difference)") }
                notes.append(parts.joined(separator: "; "))
            }
            // The facts that were missing where a rule came out false: what to ask at the
            // next home visit. Not those absent by design: a null the rules test with
            // `is null` (the `until` of an active pairing), nor one whose node cannot change
            // the outcome (the community of a street-level mother, next to a false level test).
            var missing: [String] = []
            for line in lines where line.value == .bool(false) && line.decides {
                for fact in line.facts where fact.value == nil {
                    if !missing.contains(fact.text) && !fact.text.contains("(") && !testedForNull.contains(fact.text) { missing.append(fact.text) }
                }
            }
            if !missing.isEmpty {
                lines.append(Line(node: "missing facts", value: .null, citation: ""))
                notes.append(missing.joined(separator: ", "))
            }
            for (line, note) in zip(lines, notes) {
                out.append([key, .text(line.node), line.value, line.citation.isEmpty ? .null : .text(line.citation), note.isEmpty ? .null : .text(note)])
            }
        }
        let keyName = table.isKeyedByID ? "id" : "name"
        return QueryResult(columns: [
            ResultColumn(name: keyName, type: table.isKeyedByID ? .int : .text, masking: .none),
            ResultColumn(name: "node", type: .text, masking: .none),
            ResultColumn(name: "value", type: .text, masking: .none),
            ResultColumn(name: "citation", type: .text, masking: .none),
            ResultColumn(name: "note", type: .text, masking: .none),
        ], rows: out)
    }

    func walk(_ e: TExpr, file: SourceFile, row: Int, depth: Int, planner: Planner, into lines: inout [Line], testedForNull: inout Set<String>) {
        guard depth < Self.maximumDepth else { return }
        switch e.node {
        case .binary(.and, _, _), .binary(.or, _, _):
            let op: BinaryOperator
            if case .binary(let o, _, _) = e.node { op = o } else { return }
            let whole = planner.compile(e).valueGetter(store: store)(row)
            var spans: [(range: Range<Int>, value: Value)] = []
            for part in flatten(e, op) {
                let first = lines.count
                if isComposite(part) || isDefineOnThis(part) {
                    walkNode(part, file: file, row: row, depth: depth, planner: planner, into: &lines, testedForNull: &testedForNull)
                } else {
                    lines.append(leafLine(part, indent: depth, file: file, row: row, planner: planner, testedForNull: &testedForNull))
                }
                spans.append((first..<lines.count, lines[first].value))
            }
            // The part that settles an `and` as false on known facts, or an `or` as true,
            // makes its siblings irrelevant: their missing facts would not change the outcome.
            let settling: Value = op == .and ? .bool(false) : .bool(true)
            guard whole == settling else { return }
            let settled = spans.first { span in
                span.value == settling && (op == .or || !lines[span.range].contains { $0.facts.contains { $0.value == nil } })
            }
            guard let settled else { return }
            for span in spans where span.range != settled.range {
                for i in span.range { lines[i].decides = false }
            }
        default:
            walkNode(e, file: file, row: row, depth: depth, planner: planner, into: &lines, testedForNull: &testedForNull)
        }
    }

    func walkNode(_ e: TExpr, file: SourceFile, row: Int, depth: Int, planner: Planner, into lines: inout [Line], testedForNull: inout Set<String>) {
        let indent = String(repeating: "  ", count: depth)
        let v = planner.compile(e).valueGetter(store: store)(row)
        switch e.node {
        case .define(let base, let info) where isThis(base):
            lines.append(Line(node: indent + info.name, value: v, citation: info.citation ?? ""))
            if let body = info.typed { walk(body, file: info.file, row: row, depth: depth + 1, planner: planner, into: &lines, testedForNull: &testedForNull) }
        case .binary(.and, _, _), .binary(.or, _, _):
            lines.append(Line(node: indent + file.text(of: e.range), value: v, citation: ""))
            walk(e, file: file, row: row, depth: depth + 1, planner: planner, into: &lines, testedForNull: &testedForNull)
        case .unary(.not, let x):
            lines.append(Line(node: indent + file.text(of: e.range), value: v, citation: ""))
            walkNode(x, file: file, row: row, depth: depth + 1, planner: planner, into: &lines, testedForNull: &testedForNull)
        default:
            lines.append(leafLine(e, indent: depth, file: file, row: row, planner: planner, testedForNull: &testedForNull))
        }
    }

    func leafLine(_ e: TExpr, indent depth: Int, file: SourceFile, row: Int, planner: Planner, testedForNull: inout Set<String>) -> Line {
        var line = Line(node: String(repeating: "  ", count: depth) + file.text(of: e.range),
                        value: planner.compile(e).valueGetter(store: store)(row), citation: "")
        leafFacts(e, planner: planner, row: row, file: file, into: &line)
        if case .isNull(let x, _) = e.node { testedForNull.insert(file.text(of: x.range)) }
        return line
    }

    func flatten(_ e: TExpr, _ op: BinaryOperator) -> [TExpr] {
        if case .binary(let o, let l, let r) = e.node, o == op { return flatten(l, op) + flatten(r, op) }
        return [e]
    }

    func isComposite(_ e: TExpr) -> Bool {
        switch e.node {
        case .binary(.and, _, _), .binary(.or, _, _), .unary(.not, _): return true
        default: return false
        }
    }

    func isThis(_ e: TExpr) -> Bool {
        if case .this = e.node { return true }
        return false
    }

    func isDefineOnThis(_ e: TExpr) -> Bool {
        if case .define(let base, _) = e.node { return isThis(base) }
        return false
    }

    /// For a comparison: the values on each side and how far apart numbers are; for other
    /// leaves the facts they read. Nulls are missing facts.
    func leafFacts(_ e: TExpr, planner: Planner, row: Int, file: SourceFile, into line: inout Line) {
        var parts: [TExpr] = []
        switch e.node {
        case .binary(let op, let l, let r):
            parts = [l, r]
            line.isOrdering = op.isComparison && op != .equal && op != .notEqual
        case .between(let x, let lo, let hi, _):
            parts = [x, lo, hi]
            line.isOrdering = true
        case .isNull(let x, _): parts = [x]
        case .call(_, let args): parts = args
        default: return
        }
        var numbers: [Double] = []
        for p in parts {
            if case .constant = p.node { if case .constant(.int(let i)) = p.node { numbers.append(Double(i)) }; continue }
            let value = planner.compile(p).valueGetter(store: store)(row)
            let text = file.text(of: p.range)
            if value.isNull {
                line.facts.append(Fact(text: text, value: nil))
            } else if case .rows = p.type {
                continue
            } else {
                line.facts.append(Fact(text: text, value: masked(value, p.masking)))
            }
            switch value {
            case .int(let i): numbers.append(Double(i))
            case .number(let d): numbers.append(d)
            default: break
            }
        }
        if case .binary(let op, _, _) = e.node, op.isComparison, op != .equal, op != .notEqual, numbers.count == 2 {
            line.difference = Value.formatNumber(numbers[0] - numbers[1])
        }
    }

    func masked(_ v: Value, _ masking: FieldSchema.Masking) -> String {
        guard case .text(let s) = v else { return v.description }
        return Masking.apply(masking, to: s)
    }
}

/// Personal data as it is shown: phones keep the first 3 and last 4 digits, addresses
/// their first 4 characters.
public enum Masking {
    public static func apply(_ masking: FieldSchema.Masking, to text: String) -> String {
        switch masking {
        case .none: return text
        case .phone:
            let chars = Array(text)
            guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
            return String(chars.prefix(3)) + "****" + String(chars.suffix(4))
        case .address:
            return String(text.prefix(4)) + "****"
        }
    }
}
