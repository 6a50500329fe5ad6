// Running the pairing round: which children and mothers are candidates (the rules' own
// defines `eligible` and `unpaired`, status 已审核, the statement's `where`), the matcher,
// and its results as tables (`suggest pairings`, `suggest pairings unmatched`), as a
// script of `pair` statements (`mql suggest`), and `explain pair`.

import Engine

/// A round's result with its tables and script, for the statement and `mql suggest`.
public struct PairingRoundReport {
    public let result: PairingRoundResult
    /// How many candidate children the round started from.
    public let candidates: Int
    public let suggestions: QueryResult
    public let unmatched: QueryResult
    /// One `begin … commit` of `pair` statements; the children left over as comments
    /// (made for `suggestPairings(where:)`, empty for the statement).
    public let script: String
}

extension Session {
    func execute(_ round: PairingRound, statement: Statement) throws -> StatementOutcome {
        switch round {
        case .suggest(let filter, let unmatched):
            let report = try pairingRound(filter: filter, file: statement.file, range: statement.range)
            let left = report.result.unmatched.count
            if !unmatched && left > 0 {
                warnings.append(Diagnostic(statement.file, statement.range, MessageID.childrenLeftWithoutSuggestion(left, report.candidates), severity: .warning))
            }
            return .rows(unmatched ? report.unmatched : report.suggestions)
        case .explain(let mother, let child):
            return .rows(try explainPair(mother: mother, child: child, statement: statement))
        }
    }

    /// `mql suggest [--where CONDITION]`: the round with CONDITION read as a condition on
    /// children (its errors are positioned in the text of `--where`).
    public func suggestPairings(where condition: String?) throws -> PairingRoundReport {
        guard let condition else { return try pairingRound(filter: nil, file: SourceFile(name: "<suggest>", text: ""), range: SourceRange(0, 0), script: true) }
        let file = SourceFile(name: "--where", text: condition)
        var filter: Expr?
        for parsed in Parser.parseStatements(file) {
            switch parsed {
            case .failure(let error): throw error
            case .success(let statement):
                guard filter == nil else { throw DiagnosticError(Diagnostic(file, statement.range, Message.expected(MessagePhrase.endOfTheStatement.templates.english, found: Printer.statement(statement)))) }
                switch statement.kind {
                case .expression(let e): filter = e
                case .query(let q) where !q.hasClauses: filter = q.source
                default: throw DiagnosticError(Diagnostic(file, statement.range, Message.expected(MessagePhrase.anExpression.templates.english, found: Printer.statement(statement))))
                }
            }
        }
        guard let filter else { throw DiagnosticError(Diagnostic(file, SourceRange(0, file.bytes.count), Message.expected(MessagePhrase.anExpression.templates.english, found: MessagePhrase.endOfInput.templates.english))) }
        return try pairingRound(filter: filter, file: file, range: filter.range, script: true)
    }

    /// Rows of the rules' candidate query (`children where eligible and unpaired and …`),
    /// or an error naming the define the rule files lack.
    func candidateRows(_ text: String, what: String, file: SourceFile, range: SourceRange) throws -> [Int32] {
        let source = SourceFile(name: "<suggest pairings>", text: text)
        guard let parsed = try? Parser.parseStatements(source).first?.get(), case .query(let q) = parsed.kind else { return [] }
        let checker = Checker(store: store, catalog: catalog)
        guard let checked = checker.checkQuery(q, file: source) else {
            throw DiagnosticError(Diagnostic(file, range, MessageID.suggestNeedsDefine(what, checker.diagnostics.map(\.message).joined(separator: "; "))))
        }
        let e = evaluator(source)
        return e.select(checked, planner: e.makePlanner()).rows
    }

    func pairingRound(filter: Expr?, file: SourceFile, range: SourceRange, script: Bool = false) throws -> PairingRoundReport {
        var children = try candidateRows("children where eligible and unpaired and status = \"已审核\"", what: "children.eligible, children.unpaired", file: file, range: range)
        if let filter {
            let q = Query(source: Expr(.name("children"), filter.range), filter: filter, range: filter.range)
            let checked = try check(q, file: file)
            let e = evaluator(file)
            let wanted = e.select(checked, planner: e.makePlanner()).rows
            children = Matcher.intersect(children, wanted)
        }
        let mothers = try candidateRows("mothers where unpaired", what: "mothers.unpaired", file: file, range: range)
        var matcher = Matcher(store: store, catalog: catalog, today: today)
        matcher.cancelled = cancellationCheck
        let result = try matcher.run(children: children, mothers: mothers)
        return PairingRoundReport(result: result, candidates: children.count, suggestions: suggestionsTable(result),
                                  unmatched: unmatchedTable(result), script: script ? pairingScript(result, candidates: children.count) : "")
    }

    /// The child's street and community names, for the tables and the script.
    func place(ofChild row: Int) -> (street: String?, community: String?) {
        guard let children = store.table("children") else { return (nil, nil) }
        var street: String?, community: String?
        if case .reference(let c)? = children.column(named: "street"), c.rows[row] >= 0, let streets = store.table(c.target) {
            street = streets.keyText(row: Int(c.rows[row]))
        }
        if case .reference(let c)? = children.column(named: "community"), c.rows[row] >= 0, let communities = store.table(c.target),
           case .text(let names)? = communities.column(named: "name") {
            community = names.text(at: Int(c.rows[row]))
        }
        return (street, community)
    }

    func text(_ collection: String, _ field: String, _ row: Int) -> Value {
        guard case .text(let c)? = store.table(collection)?.column(named: field) else { return .null }
        return c.text(at: row).map(Value.text) ?? .null
    }

    func masking(_ collection: String, _ field: String) -> FieldSchema.Masking {
        store.table(collection)?.schema.field(named: field)?.masking ?? .none
    }

    func id(_ collection: String, _ row: Int32) -> Value {
        store.table(collection)?.id(row: Int(row)).map(Value.int) ?? .null
    }

    func suggestionsTable(_ result: PairingRoundResult) -> QueryResult {
        let columns = [
            ResultColumn(name: "mother", type: .int), ResultColumn(name: "child", type: .int),
            ResultColumn(name: "level", type: .text), ResultColumn(name: "street", type: .text),
            ResultColumn(name: "community", type: .text),
            ResultColumn(name: "mother_name", type: .text, masking: masking("mothers", "name")),
            ResultColumn(name: "child_name", type: .text, masking: masking("children", "name")),
        ]
        let rows: [[Value]] = result.suggestions.map { s in
            let (street, community) = place(ofChild: Int(s.child))
            return [id("mothers", s.mother), id("children", s.child), text("mothers", "level", Int(s.mother)),
                    street.map(Value.text) ?? .null, community.map(Value.text) ?? .null,
                    text("mothers", "name", Int(s.mother)), text("children", "name", Int(s.child))]
        }
        return QueryResult(columns: columns, rows: rows)
    }

    func unmatchedTable(_ result: PairingRoundResult) -> QueryResult {
        let columns = [
            ResultColumn(name: "child", type: .int),
            ResultColumn(name: "name", type: .text, masking: masking("children", "name")),
            ResultColumn(name: "street", type: .text), ResultColumn(name: "community", type: .text),
            ResultColumn(name: "reason", type: .text),
        ]
        let rows: [[Value]] = result.unmatched.map { u in
            let (street, community) = place(ofChild: Int(u.child))
            return [id("children", u.child), text("children", "name", Int(u.child)), street.map(Value.text) ?? .null,
                    community.map(Value.text) ?? .null, .text(u.reason)]
        }
        return QueryResult(columns: columns, rows: rows)
    }

    /// The script `mql suggest` writes: reviewable, editable, and run as one transaction.
    func pairingScript(_ result: PairingRoundResult, candidates: Int) -> String {
        func shown(_ v: Value, _ masking: FieldSchema.Masking) -> String { Masking.apply(masking, to: v.description) }
        let motherName = masking("mothers", "name"), childName = masking("children", "name")
        var lines = ["# " + MessageID.scriptHeader(CivilDate.format(today), result.suggestions.count, candidates),
                     "# " + MessageID.scriptReview(), "begin"]
        for s in result.suggestions {
            let (street, community) = place(ofChild: Int(s.child))
            let comment = [text("mothers", "level", Int(s.mother)).description, street ?? "", community ?? "",
                           shown(text("mothers", "name", Int(s.mother)), motherName) + " → " + shown(text("children", "name", Int(s.child)), childName)]
                .filter { !$0.isEmpty }.joined(separator: " ")
            lines.append("pair mother \(id("mothers", s.mother)) with child \(id("children", s.child))  # \(comment)")
        }
        lines.append("commit")
        if !result.unmatched.isEmpty {
            lines.append("")
            lines.append("# " + MessageID.scriptLeftOver(result.unmatched.count))
            for u in result.unmatched {
                let (street, community) = place(ofChild: Int(u.child))
                let label = [shown(text("children", "name", Int(u.child)), childName), street ?? "", community ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
                lines.append("# child \(id("children", u.child)) \(label): \(u.reason)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `explain pair mother M with child C`: the round's candidate checks, then every
    /// constraint a new pairing can break, checked on the pairing as `pair` would insert it
    /// today (the constraints of `pairings` shown as `explain` shows a rule: each part with
    /// its value and facts).
    func explainPair(mother: Expr, child: Expr, statement: Statement) throws -> QueryResult {
        let motherKey = try constantCell(mother, field: "mother", of: "pairings", statement: statement, store: store)
        let childKey = try constantCell(child, field: "child", of: "pairings", statement: statement, store: store)
        guard let mothers = store.table("mothers"), let motherRow = mothers.row(editKey: motherKey) else {
            throw fail(statement, MessageID.noMotherWithID(motherKey), at: mother.range)
        }
        guard let children = store.table("children"), let childRow = children.row(editKey: childKey) else {
            throw fail(statement, MessageID.noChildWithID(childKey), at: child.range)
        }
        var rows: [[Value]] = []
        let candidate = MessageID.explainPairCandidate()
        let planner = Planner(store: store, catalog: catalog, today: today)
        for (collection, name, row) in [("children", "eligible", childRow), ("children", "unpaired", childRow), ("mothers", "unpaired", motherRow)] {
            guard let info = catalog.define(collection, name) else { continue }
            let this = TExpr(.this, .row(collection), info.definition.nameRange)
            let value = planner.compile(TExpr(.define(base: this, info), info.type ?? .bool, info.definition.nameRange)).valueGetter(store: store)(row)
            rows.append([.text(candidate), .text("\(collection).\(name)"), value, info.citation.map(Value.text) ?? .null, .null])
        }
        let status = text("children", "status", childRow)
        rows.append([.text(candidate), .text("children.status = \"已审核\""), .bool(status == .text("已审核")), .null, .text("status = \(status)")])
        let matcher = Matcher(store: store, catalog: catalog, today: today)
        let pair = PairingRoundResult.Suggestion(mother: Int32(motherRow), child: Int32(childRow))
        let edits = matcher.pairingEdits([pair])
        let after: Store
        do { after = try store.applying(edits) } catch let e as ChangeError { throw fail(statement, e.message) }
        guard let pairingRow = after.table("pairings")?.row(editKey: edits[0].key) else { return QueryResult(columns: [], rows: []) }
        let (own, all) = matcher.affectedConstraints()
        let explainer = RuleExplainer(store: after, catalog: catalog, today: today)
        let context = MessageID.explainPairSuggestedToday(CivilDate.format(today))
        for info in catalog.constraints where own.contains(where: { $0 === info }) || all.contains(where: { $0 === info }) {
            if info.collection == "pairings" {
                let tree = explainer.explain(info, rows: [Int32(pairingRow)])
                for (i, line) in tree.rows.enumerated() {
                    let note: Value = i == 0 ? .text([context, line[4].description].filter { !$0.isEmpty }.joined(separator: "; ")) : line[4]
                    rows.append([.text(info.qualifiedName), line[1], line[2], line[3], note])
                }
                // A constraint over other pairings may also break on an existing one.
                if all.contains(where: { $0 === info }) {
                    let newly = Matcher.brokenKeys(info, store: after, catalog: catalog, today: today)
                        .subtracting(Matcher.brokenKeys(info, store: store, catalog: catalog, today: today)).subtracting([edits[0].key])
                    if !newly.isEmpty { rows.append([.text(info.qualifiedName), .text(info.name), .bool(false), info.citation.map(Value.text) ?? .null, .text(MessageID.explainPairNewlyBroken("pairings " + newly.sorted().joined(separator: ", ")))]) }
                }
                continue
            }
            let newly = Matcher.brokenKeys(info, store: after, catalog: catalog, today: today)
                .subtracting(Matcher.brokenKeys(info, store: store, catalog: catalog, today: today))
            rows.append([.text(info.qualifiedName), .text(info.name), .bool(newly.isEmpty), info.citation.map(Value.text) ?? .null,
                         newly.isEmpty ? .null : .text(MessageID.explainPairNewlyBroken("\(info.collection) " + newly.sorted().joined(separator: ", ")))])
        }
        return QueryResult(columns: [
            ResultColumn(name: "check", type: .text), ResultColumn(name: "node", type: .text), ResultColumn(name: "value", type: .text),
            ResultColumn(name: "citation", type: .text), ResultColumn(name: "note", type: .text),
        ], rows: rows)
    }
}
