// The parser: tokens → statements. Recursive descent, one function per grammar rule, each
// opening with its rule. An error abandons the statement it is in and resumes at the next
// statement end, so one mistake is reported once and the rest of a file is still checked.
// Nesting depth is bounded by a counter, not by the stack.

public struct Parser {
    let file: SourceFile
    let tokens: [Token]
    var index = 0
    var diagnostics: [Diagnostic] = []
    var depth = 0

    /// TUNING: deep enough for any honest expression, far from the thread's stack limit.
    static let maximumDepth = 200

    struct Failure: Error {}

    var softBreaks: [Int] = []

    public init(file: SourceFile) {
        let (tokens, lexErrors, softBreaks) = Lexer.tokenizeWithBreaks(file)
        self.file = file
        self.tokens = tokens
        self.diagnostics = lexErrors
        self.softBreaks = softBreaks
    }

    /// Parses a whole source into statements in order. A statement that does not parse
    /// is an entry of its diagnostics, so a script can run what precedes it and stop there.
    public static func parseStatements(_ file: SourceFile) -> [Result<Statement, DiagnosticError>] {
        var parser = Parser(file: file)
        var pendingLexErrors = parser.diagnostics
        parser.diagnostics = []
        var results: [Result<Statement, DiagnosticError>] = []
        func takeLexErrors(before end: Int) -> [Diagnostic] {
            let taken = pendingLexErrors.filter { $0.range.start < end }
            pendingLexErrors.removeAll { $0.range.start < end }
            return taken
        }
        while true {
            parser.skipStatementEnds()
            if parser.atEnd { break }
            let start = parser.index
            var outcome: Statement?
            do {
                outcome = try parser.statement()
            } catch {
                let failedAt = parser.index
                if let split = parser.softBreaks.first(where: { $0 > start && $0 <= failedAt }) {
                    // Report the first line as the incomplete statement it is; go on at the next.
                    let lineEnd = parser.tokens[split - 1].range.end
                    var head = Parser(file: file, tokens: Array(parser.tokens[start..<split]) + [
                        Token(kind: .newline, range: SourceRange(lineEnd, lineEnd)),
                        Token(kind: .eof, range: SourceRange(lineEnd, lineEnd)),
                    ])
                    _ = try? head.statement()
                    if !head.diagnostics.isEmpty {
                        parser.diagnostics = head.diagnostics
                        parser.index = split
                        let errors = takeLexErrors(before: parser.tokens[split].range.start) + parser.diagnostics
                        parser.diagnostics = []
                        results.append(.failure(DiagnosticError(errors)))
                        continue
                    }
                }
                parser.synchronize()
            }
            let end = parser.current.range.start
            let lexErrors = takeLexErrors(before: max(end, parser.current.range.end))
            let errors = lexErrors + parser.diagnostics
            parser.diagnostics = []
            if errors.isEmpty, let statement = outcome {
                results.append(.success(statement))
            } else {
                results.append(.failure(DiagnosticError(errors.isEmpty ? [Diagnostic(file, parser.tokens[start].range, MessageID.badStatement())] : errors)))
            }
            if parser.index == start { parser.index += 1 }
        }
        if !pendingLexErrors.isEmpty { results.append(.failure(DiagnosticError(pendingLexErrors))) }
        return results
    }

    /// Parses a whole source; statements with errors are left out, all errors returned.
    public static func parse(_ file: SourceFile) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        var statements: [Statement] = []
        var diagnostics: [Diagnostic] = []
        for result in parseStatements(file) {
            switch result {
            case .success(let s): statements.append(s)
            case .failure(let e): diagnostics.append(contentsOf: e.diagnostics)
            }
        }
        return (statements, diagnostics)
    }

    // MARK: - Token helpers

    var current: Token { tokens[index] }
    var atEnd: Bool { current.kind == .eof }

    func peek(_ offset: Int = 1) -> Token {
        tokens[min(index + offset, tokens.count - 1)]
    }

    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    mutating func skipStatementEnds() {
        while current.kind == .newline { index += 1 }
    }

    mutating func synchronize() {
        while !atEnd && current.kind != .newline { index += 1 }
    }

    mutating func fail(_ message: String, at range: SourceRange? = nil) -> Failure {
        diagnostics.append(Diagnostic(file, range ?? current.range, message))
        return Failure()
    }

    mutating func expect(_ punct: String, _ what: String? = nil) throws -> Token {
        guard current.is(punct) else { throw fail(Message.expected(what ?? "'\(punct)'", found: current.describe)) }
        return advance()
    }

    mutating func expectIdentifier(_ what: String) throws -> (String, SourceRange) {
        guard case .identifier(let name) = current.kind else { throw fail(Message.expected(what, found: current.describe)) }
        let token = advance()
        return (name, token.range)
    }

    mutating func accept(_ keyword: Keyword) -> Bool {
        if current.is(keyword) { index += 1; return true }
        return false
    }

    mutating func acceptPunct(_ p: String) -> Bool {
        if current.is(p) { index += 1; return true }
        return false
    }

    // MARK: - Statements

    /// statement -> define | rule | constraint | param | count QUERY | plan QUERY
    ///            | explain NAME for QUERY | test | query | expression
    mutating func statement() throws -> Statement {
        let start = current.range.start
        let kind: StatementKind
        if current.isWord("define") || current.isWord("rule") || current.isWord("constraint"),
           case .identifier = peek().kind {
            kind = .definition(try definition())
        } else if current.isWord("param"), case .identifier = peek().kind, peek(2).is("=") {
            _ = advance()
            let (name, nameRange) = try expectIdentifier("a param name")
            _ = try expect("=")
            kind = .param(name: name, nameRange: nameRange, value: try expression())
        } else if current.isWord("count"), !peek().is("(") {
            _ = advance()
            kind = .count(try query())
        } else if current.isWord("plan"), case .identifier = peek().kind {
            _ = advance()
            kind = .plan(try query())
        } else if current.isWord("explain"), case .identifier = peek().kind, peek(2).isWord("for") {
            _ = advance()
            let (name, nameRange) = try expectIdentifier("a define or rule name")
            _ = advance()  // for
            kind = .explain(name: name, nameRange: nameRange, query: try query())
        } else if current.isWord("section"), case .identifier = peek().kind, peek(2).is("=") || peek(2).isStringLiteral {
            _ = advance()
            let (name, nameRange) = try expectIdentifier("a section name")
            var title: String?
            if case .string(let s) = current.kind { title = s; index += 1 }
            _ = try expect("=")
            kind = .section(name: name, nameRange: nameRange, title: title, query: try query())
        } else if let round = try pairingRoundStatement() {
            kind = .pairingRound(round)
        } else if current.isWord("test"), case .string = peek().kind {
            kind = .test(try testCase())
        } else if let change = try changeStatement() {
            kind = change
        } else {
            let expr = try expressionOrQuery()
            if case .query(let q) = expr.kind { kind = .query(q) }
            else if case .name = expr.kind { kind = .query(Query(source: expr, range: expr.range)) }
            else { kind = .expression(expr) }
        }
        let end = tokens[max(index - 1, 0)].range.end
        guard current.kind == .newline || atEnd else {
            var message = Message.expected("the end of the statement", found: current.describe)
            // `children wher …`: a misspelled keyword reads as a name where none can stand.
            if case .identifier(let word) = current.kind,
               let keyword = Suggest.closest(word, among: Keyword.allCases.map(\.rawValue).filter { $0.count > 2 }) {
                message += Message.didYouMean(keyword)
            }
            throw fail(message)
        }
        return Statement(kind: kind, range: SourceRange(start, max(start, end)), file: file)
    }

    /// definition -> (define | rule | constraint) IDENT '.' IDENT [STRING] '=' expr
    mutating func definition() throws -> Definition {
        let word = advance()
        guard case .identifier(let w) = word.kind, let kind = Definition.Kind(rawValue: w.lowercased()) else { throw Failure() }
        let (collection, collectionRange) = try expectIdentifier("a collection name")
        _ = try expect(".", MessagePhrase.dotAndName(kind.rawValue, collection))
        let (name, nameRange) = try expectIdentifier("a name")
        var citation: String?
        if case .string(let s) = current.kind {
            citation = s
            index += 1
        }
        _ = try expect("=")
        let expr = try expression()
        return Definition(kind: kind, collection: collection, collectionRange: collectionRange, name: name,
                          nameRange: nameRange, citation: citation, expr: expr)
    }

    /// query -> expr clauses
    mutating func query() throws -> Query {
        let expr = try expressionOrQuery()
        if case .query(let q) = expr.kind { return q }
        return Query(source: expr, range: expr.range)
    }

    // MARK: - Queries

    static func isClauseStart(_ token: Token) -> Bool {
        token.is(.where) || token.is(.group) || token.is(.select) || token.is(.order) || token.is(.limit) || token.is(.offset)
    }

    /// exprOrQuery -> expr [clauses]: an expression followed by a clause is a query whose
    /// source is that expression (`pairings where active`, `mother.pairings where active`).
    mutating func expressionOrQuery() throws -> Expr {
        let source = try expression()
        guard Self.isClauseStart(current) else { return source }
        var query = Query(source: source, range: source.range)
        var seen = Set<String>()
        while Self.isClauseStart(current) {
            let clauseToken = current
            let clause: String
            switch clauseToken.kind {
            case .keyword(.where):
                clause = "where"
                _ = advance()
                query.filter = try expression()
            case .keyword(.group):
                clause = "group by"
                _ = advance()
                guard accept(.by) else { throw fail(Message.expected("'by' after 'group'", found: current.describe)) }
                repeat { query.groupBy.append(try expression()) } while acceptPunct(",")
            case .keyword(.select):
                clause = "select"
                _ = advance()
                var items: [SelectItem] = []
                repeat {
                    let e = try expression()
                    var alias: String?
                    if accept(.as) { alias = try expectIdentifier("a column name after 'as'").0 }
                    items.append(SelectItem(expr: e, alias: alias))
                } while acceptPunct(",")
                query.select = items
            case .keyword(.order):
                clause = "order by"
                _ = advance()
                guard accept(.by) else { throw fail(Message.expected("'by' after 'order'", found: current.describe)) }
                repeat {
                    let e = try expression()
                    var descending = false
                    if accept(.desc) { descending = true } else { _ = accept(.asc) }
                    query.orderBy.append(OrderKey(expr: e, descending: descending))
                } while acceptPunct(",")
            case .keyword(.limit):
                clause = "limit"
                _ = advance()
                query.limit = try additive()
                if accept(.offset) {
                    guard seen.insert("offset").inserted else { throw fail(Message.duplicateClause("offset"), at: tokens[index - 1].range) }
                    query.offset = try additive()
                }
            default:
                clause = "offset"
                _ = advance()
                query.offset = try additive()
            }
            guard seen.insert(clause).inserted else { throw fail(Message.duplicateClause(clause), at: clauseToken.range) }
        }
        query.range = SourceRange(source.range.start, tokens[index - 1].range.end)
        return Expr(.query(query), query.range)
    }

    // MARK: - Changing data

    /// change -> 'insert' IDENT '{' fields '}' | 'update' query 'set' assignments
    ///         | 'delete' query | 'pair' 'mother' primary 'with' 'child' primary options
    ///         | 'end' 'pairing' primary options | 'visit' 'child' primary 'on' primary options
    ///         | 'attach' primary 'to' ('visit' | 'report') primary options
    ///         | 'begin' | 'commit' | 'rollback'
    mutating func changeStatement() throws -> StatementKind? {
        let next = peek()
        let endsHere = next.kind == .newline || next.kind == .eof
        if current.isWord("begin") && endsHere { _ = advance(); return .begin }
        if current.isWord("commit") && endsHere { _ = advance(); return .commit }
        if current.isWord("rollback") && endsHere { _ = advance(); return .rollback }
        if current.isWord("insert"), case .identifier = next.kind, peek(2).is("{") {
            _ = advance()
            let (collection, range) = try expectIdentifier("a collection")
            _ = try expect("{")
            var fields: [FieldValue] = []
            while !current.is("}") {
                let (name, nameRange) = try expectIdentifier("a field name")
                _ = try expect(":", "':' after the field name")
                fields.append(FieldValue(name: name, range: nameRange, value: try expression()))
                if !acceptPunct(",") { break }
            }
            _ = try expect("}", "'}' or ','")
            return .change(.insert(collection: collection, collectionRange: range, fields: fields))
        }
        if current.isWord("update"), case .identifier = next.kind {
            _ = advance()
            let q = try query()
            guard current.isWord("set") else { throw fail(Message.expected("'set' and the fields to change", found: current.describe)) }
            _ = advance()
            var assignments: [FieldValue] = []
            repeat {
                let (name, nameRange) = try expectIdentifier("a field name")
                _ = try expect("=", "'=' after the field name")
                assignments.append(FieldValue(name: name, range: nameRange, value: try expression()))
            } while acceptPunct(",")
            return .change(.update(q, assignments: assignments))
        }
        if current.isWord("delete"), case .identifier = next.kind {
            _ = advance()
            return .change(.delete(try query()))
        }
        if current.isWord("pair"), next.isWord("mother") {
            _ = advance(); _ = advance()
            let mother = try postfix()
            guard current.isWord("with"), peek().isWord("child") else { throw fail(Message.expected("'with child ID'", found: current.describe)) }
            _ = advance(); _ = advance()
            let child = try postfix()
            let options = try changeOptions(["since", "channels", "note"])
            return .change(.pair(mother: mother, child: child, since: options["since"], channels: options["channels"], note: options["note"]))
        }
        if current.isWord("end"), next.isWord("pairing") {
            _ = advance(); _ = advance()
            let pairing = try postfix()
            let options = try changeOptions(["on", "note"])
            return .change(.endPairing(pairing: pairing, on: options["on"], note: options["note"]))
        }
        if current.isWord("visit"), next.isWord("child") {
            _ = advance(); _ = advance()
            let child = try postfix()
            let options = try changeOptions(["on", "kind", "note"])
            guard let on = options["on"] else { throw fail(Message.expected("'on DATE'", found: current.describe)) }
            return .change(.visit(child: child, on: on, kind: options["kind"], note: options["note"]))
        }
        if current.isWord("attach"), next.kind != .newline, next.kind != .eof, !next.is(".") {
            _ = advance()
            let file = try postfix()
            guard current.isWord("to") else { throw fail(Message.expected("'to visit ID' or 'to report ID'", found: current.describe)) }
            _ = advance()
            guard case .identifier(let word) = current.kind, let target = AttachTarget(rawValue: word.lowercased()) else {
                throw fail(Message.expected("'visit' or 'report'", found: current.describe))
            }
            _ = advance()
            let id = try postfix()
            let options = try changeOptions(["note", "taken"])
            return .change(.attach(file: file, to: target, id: id, note: options["note"], taken: options["taken"]))
        }
        return nil
    }

    /// Trailing `WORD value` options of a change, each at most once, in any order.
    mutating func changeOptions(_ words: [String]) throws -> [String: Expr] {
        var options: [String: Expr] = [:]
        while case .identifier(let w) = current.kind, words.contains(w.lowercased()) {
            let word = w.lowercased()
            guard options[word] == nil else { throw fail(Message.duplicateClause(word)) }
            _ = advance()
            options[word] = try additive()
        }
        if case .identifier = current.kind {
            throw fail(Message.expected(MessagePhrase.orTheEndOfTheStatement(words.map { "'\($0)'" }.joined(separator: ", ")), found: current.describe))
        }
        return options
    }

    // MARK: - Tests in rule files

    /// test -> 'test' STRING '{' (given | expect)* '}'
    mutating func testCase() throws -> TestCase {
        let start = advance().range.start
        guard case .string(let name) = advance().kind else { throw Failure() }
        _ = try expect("{", "'{' to open the test")
        var test = TestCase(name: name, givens: [], expectations: [], range: .none)
        while true {
            while current.kind == .newline || current.is(",") { index += 1 }
            if acceptPunct("}") { break }
            if atEnd { throw fail(Message.expected("'}' to close the test", found: current.describe)) }
            if current.isWord("given"), peek().isWord("today") {
                _ = advance(); _ = advance()
                guard case .date(let day) = current.kind else { throw fail(Message.expected("a date after 'given today'", found: current.describe)) }
                _ = advance()
                test.today = day
            } else if current.isWord("given") {
                test.givens.append(try given())
            } else if current.isWord("expect") {
                test.expectations.append(try expectation())
            } else {
                throw fail(Message.expected("'given', 'expect' or '}'", found: current.describe))
            }
        }
        test.range = SourceRange(start, tokens[index - 1].range.end)
        return test
    }

    /// given -> 'given' IDENT '{' (IDENT ':' expr),* '}'
    mutating func given() throws -> TestCase.Given {
        let start = advance().range.start
        let (collection, collectionRange) = try expectIdentifier("a collection name after 'given'")
        _ = try expect("{", "'{' with the row's fields")
        var fields: [(String, SourceRange, Expr)] = []
        while !current.is("}") {
            let (field, fieldRange) = try expectIdentifier("a field name")
            _ = try expect(":")
            fields.append((field, fieldRange, try expression()))
            if !acceptPunct(",") { break }
        }
        let end = try expect("}", "'}' or ','").range.end
        return TestCase.Given(collection: collection, collectionRange: collectionRange, fields: fields.map { (name: $0.0, range: $0.1, value: $0.2) }, range: SourceRange(start, end))
    }

    /// expectation -> 'expect' ( NAME 'of' IDENT expr '=' expr | 'count' query '=' expr
    ///              | ['no'] 'violation' NAME ['of' expr] | 'error' STRING 'from' STRING )
    mutating func expectation() throws -> TestCase.Expectation {
        let start = advance().range.start
        if current.isWord("count") {
            _ = advance()
            let q = try queryStoppingAtEqual()
            _ = try expect("=", "'=' and the expected count")
            let expected = try additive()
            return .count(q, expected: expected, range: SourceRange(start, expected.range.end))
        }
        var negated = false
        if current.isWord("no") { negated = true; _ = advance() }
        if current.isWord("violation") {
            _ = advance()
            let (name, nameRange) = try expectIdentifier("a constraint name")
            var key: Expr?
            if current.isWord("of") { _ = advance(); key = try additive() }
            return .violation(name: name, key: key, expected: !negated, range: SourceRange(start, key?.range.end ?? nameRange.end))
        }
        if current.isWord("error"), case .string(let message) = peek().kind {
            _ = advance(); _ = advance()
            guard current.isWord("from"), case .string(let source) = peek().kind else {
                throw fail(Message.expected("from \"STATEMENT\"", found: current.describe))
            }
            _ = advance()
            let end = advance().range.end
            return .error(message: message, source: source, range: SourceRange(start, end))
        }
        let (name, _) = try expectIdentifier("a define or rule name, 'count', 'violation' or 'error'")
        guard current.isWord("of") else { throw fail(Message.expected("'of COLLECTION KEY'", found: current.describe)) }
        _ = advance()
        let (collection, _) = try expectIdentifier("a collection name")
        let key = try additive()
        _ = try expect("=", "'=' and the expected value")
        let expected = try expression()
        return .value(name: name, collection: collection, key: key, expected: expected, range: SourceRange(start, expected.range.end))
    }

    /// A query whose `where` must not swallow the `= N` that follows: `expect count
    /// children where eligible = 3` reads as count(children where eligible) = 3.
    mutating func queryStoppingAtEqual() throws -> Query {
        // Find the last top-level '=' before the statement end and parse up to it.
        var depth = 0
        var lastEqual: Int?
        var i = index
        while i < tokens.count, tokens[i].kind != .newline, tokens[i].kind != .eof {
            let t = tokens[i]
            if depth == 0 && i > index && (t.isWord("expect") || t.isWord("given")) { break }
            if t.is("(") || t.is("[") || t.is("{") { depth += 1 }
            if t.is(")") || t.is("]") || t.is("}") {
                if depth == 0 { break }
                depth -= 1
            }
            if depth == 0 && t.is("=") { lastEqual = i }
            i += 1
        }
        guard let stop = lastEqual else { throw fail(Message.expected("'= N' after the query", found: current.describe)) }
        var sub = Parser(file: file, tokens: Array(tokens[index..<stop]) + [Token(kind: .eof, range: tokens[stop].range)])
        let q = try sub.query()
        diagnostics.append(contentsOf: sub.diagnostics)
        guard sub.atEnd else { throw fail(Message.expected("'='", found: sub.current.describe), at: sub.current.range) }
        index = stop
        return q
    }

    init(file: SourceFile, tokens: [Token]) {
        self.file = file
        self.tokens = tokens
    }
}
