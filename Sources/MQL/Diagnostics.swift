// Diagnostics: one error type for every stage, and one catalogue of messages so that all
// wording lives here. A diagnostic carries its file and byte range; `render` turns it
// into `FILE:LINE:COL: error: MESSAGE`, optionally with the source line and a caret.

import Engine

public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    /// An error stops the statement; a warning only tells (a question that cannot match).
    public enum Severity: String, Sendable { case error, warning }

    public let file: SourceFile
    public let range: SourceRange
    public let message: String
    public let severity: Severity

    public init(_ file: SourceFile, _ range: SourceRange, _ message: String, severity: Severity = .error) {
        self.file = file
        self.range = range
        self.message = message
        self.severity = severity
    }

    public static func == (a: Diagnostic, b: Diagnostic) -> Bool {
        a.file === b.file && a.range == b.range && a.message == b.message && a.severity == b.severity
    }

    public var line: Int { file.location(of: range.start).line }
    public var column: Int { file.location(of: range.start).column }

    public var description: String { "\(file.name):\(line):\(column): \(severity.rawValue): \(message)" }

    /// The message, the source line, and a caret under the error (CJK counted as two columns).
    public func renderWithSource() -> String {
        let (line, column) = file.location(of: range.start)
        let text = file.lineText(line)
        let before = String(text.unicodeScalars.prefix(column - 1).map(Character.init))
        let pad = String(repeating: " ", count: DisplayWidth.of(before))
        let endLocation = file.location(of: range.end)
        var caretWidth = 1
        if endLocation.line == line && range.end > range.start {
            let spanned = String(text.unicodeScalars.dropFirst(column - 1).prefix(endLocation.column - column).map(Character.init))
            caretWidth = Swift.max(1, DisplayWidth.of(spanned))
        }
        return "\(description)\n  \(text)\n  \(pad)^\(String(repeating: "~", count: caretWidth - 1))"
    }
}

/// All the diagnostics of one run of a stage, sorted by position.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    /// TUNING: past this many errors the rest are noise caused by the first ones.
    public static let cap = 100
    public let diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        let sorted = diagnostics.sorted {
            $0.file.name != $1.file.name ? $0.file.name < $1.file.name : $0.range.start < $1.range.start
        }
        self.diagnostics = Array(sorted.prefix(Self.cap))
    }

    public init(_ diagnostic: Diagnostic) { self.init([diagnostic]) }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// The message catalogue. Each message is a function so wording lives in one place.
enum Message {
    // Lexer
    static func unexpectedCharacter(_ c: String) -> String { "unexpected character '\(c)'" }
    static let unterminatedString = "unterminated string"
    static func badEscape(_ e: String) -> String { "unknown escape '\\\(e)' in string" }
    static let badUnicodeEscape = "bad \\u{…} escape: expected 1 to 6 hex digits naming a Unicode scalar"
    static func badDate(_ text: String) -> String { "invalid date '\(text)'" }
    static func numberTooLarge(_ text: String) -> String { "number '\(text)' is too large" }
    static let invalidUTF8 = "source is not valid UTF-8"

    // Parser
    static func expected(_ what: String, found: String) -> String { "expected \(what), found \(found)" }
    static func duplicateClause(_ clause: String) -> String { "'\(clause)' appears twice in one query" }
    static func duplicateColumn(_ name: String, suggestion: String) -> String { "column '\(name)' is already selected; name this one with 'as' (… as \(suggestion))" }
    static let tooDeep = "expression nested too deeply (limit 200)"
    static func unknownStatement(_ found: String) -> String { "expected a statement (a query, count, define, rule, param, constraint, plan or explain), found \(found)" }

    // Checker
    static func unknownField(_ name: String, in collection: String, suggestion: String?) -> String {
        "unknown field '\(name)' in \(collection)" + didYouMean(suggestion)
    }
    static func unknownName(_ name: String, suggestion: String?) -> String {
        "unknown name '\(name)'" + didYouMean(suggestion)
    }
    static func unknownCollection(_ name: String, suggestion: String?) -> String {
        "unknown collection '\(name)'" + didYouMean(suggestion)
    }
    static func unknownFunction(_ name: String, suggestion: String?) -> String {
        "unknown function '\(name)'" + didYouMean(suggestion)
    }
    static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? ""
    }
    static func typeMismatch(_ op: String, _ left: String, _ right: String) -> String {
        "cannot apply '\(op)' to \(left) and \(right)"
    }
    static func expectedType(_ expected: String, got: String, context: String) -> String {
        "\(context) must be \(expected), not \(got)"
    }
    static func arity(_ function: String, expected: String, got: Int) -> String {
        "\(function)() takes \(expected) argument\(expected == "1" ? "" : "s"), got \(got)"
    }
    static func aggregateInWhere(_ name: String) -> String { "aggregate \(name)() cannot be used in 'where'; use it in 'select' with or without 'group by'" }
    static func aggregateOutsideQuery(_ name: String) -> String { "aggregate \(name)() needs rows: use it in a query's 'select', or give it a subquery (\(name)(children where …))" }
    static func notGrouped(_ text: String) -> String { "'\(text)' is neither a group key nor an aggregate; with 'group by', select group keys and aggregates only" }
    static func defineCycle(_ path: [String]) -> String { "define cycle: " + path.joined(separator: " → ") }
    static func duplicateDefinition(_ name: String, previous: String) -> String { "'\(name)' is already defined at \(previous)" }
    static func shadowsField(_ name: String, collection: String) -> String { "'\(name)' is a stored field of \(collection); a define cannot replace it" }
    static func ruleNotBoolean(_ kind: String, _ name: String, _ type: String) -> String { "\(kind) '\(name)' must be boolean, but its expression is \(type)" }
    static func missingCitation(_ kind: String) -> String { "\(kind) needs a citation: \(kind) C.NAME \"CLAUSE …\" = EXPR" }
    static func noRowInScope(_ name: String) -> String { "'\(name)' needs a row: it is only meaningful inside a query over a collection" }
    static func notNavigable(_ type: String, _ name: String) -> String { "cannot take '.\(name)' of \(type); only a reference (like child or street) can be followed" }
    static let paramNotLiteral = "a param's value must be a literal (a number, text, date, duration, true/false or a list)"
    static func unknownParam(_ name: String, suggestion: String?) -> String { "unknown param '\(name)'" + didYouMean(suggestion) }
    static func badParamValue(_ name: String, _ detail: String) -> String { "bad value for param '\(name)': \(detail)" }
    static func unknownOrderKey(_ name: String) -> String { "unknown name '\(name)' in 'order by'" }
    static let limitNotNumber = "limit and offset take a whole number that is not negative"
    static func unknownReference(_ key: String, collection: String) -> String { "no row of \(collection) has key '\(key)'" }

    // Stored values (change statements)
    static func notStorable(_ field: String, fieldType: String, got: String, hint: String?) -> String {
        "\(field) holds \(fieldType), not \(got)" + (hint.map { "; \($0)" } ?? "")
    }
    static func nullForSet(_ field: String) -> String { "\(field) is a set and cannot be null; write [] for no elements" }
    static func emptyText(_ field: String) -> String { "empty text cannot be stored in \(field) (an empty cell is null); write null to clear it" }
    static func notWhole(_ field: String, _ x: Double) -> String { "\(field) holds whole numbers; \(x) is not one (use round(…) to round it)" }
    static func emptySetElement(_ field: String) -> String { "an element of \(field) is empty text" }
    static func separatorInSet(_ field: String, _ item: String) -> String {
        "the element \"\(item)\" of \(field) holds ';', which separates the elements of a set in the dataset files"
    }

    // Transactions
    static func statementInAbortedTransaction(_ failedAt: String) -> String {
        "the transaction is aborted: the statement at \(failedAt) failed; statements are ignored until 'rollback' (or 'commit', which applies nothing)"
    }
    static func commitOfAbortedTransaction(_ failedAt: String) -> String {
        "nothing was committed: the statement at \(failedAt) failed, so the whole transaction is rolled back"
    }

    // Warnings: a question that cannot match
    static func noRowHolds(_ collection: String, _ field: String, _ value: String, suggestion: String?) -> String {
        "no \(collection) have \(field) \(Printer.quote(value))" + (suggestion.map { "; did you mean \(Printer.quote($0))?" } ?? "")
    }
    static func unknownTag(_ collection: String, _ field: String, _ value: String, suggestion: String?) -> String {
        "no \(collection) have \(Printer.quote(value)) in \(field), and it is not in the vocabulary" + (suggestion.map { "; did you mean \(Printer.quote($0))?" } ?? "")
    }
    static func bareValue(_ name: String, in collection: String) -> String {
        "unknown field '\(name)' in \(collection); did you mean \(Printer.quote(name))? (text values are quoted)"
    }
    // Changes
    static let auditTrailIsReadOnly = Store.auditTrailIsReadOnly
    static func idOutOfRange(_ text: String) -> String { RowParser.idOutOfRange(text) }
    static func idUsedBefore(_ id: Int, _ collection: String, next: Int) -> String { Store.idUsedBefore(id, collection, next: next) }
    static func noIDsLeft(_ collection: String) -> String { "\(collection) has used every id up to \(ProgrammeSchema.maximumID)" }

    // Evaluation
    static let divisionByZero = "division by zero"
    static func integerOverflow(_ operation: String) -> String {
        "the result of \(operation) is too large for a whole number (beyond ±9223372036854775807)"
    }
    static let dateOutOfRange = "the resulting date is outside 0001-01-01 … 9999-12-31, the dates MQL can hold"
    static let numberNotFinite = "the result is too large to be a number"
    static let cancelled = "cancelled"
    static func timedOut(_ seconds: Double) -> String {
        let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return "statement stopped after its time limit of \(shown) s (--timeout); nothing was changed"
    }
    static func tooManyCells(_ budget: Int) -> String {
        "statement stopped: its result would hold more than \(budget) cells (rows × columns, each set element counted); narrow it with where, select or limit, or raise --max-cells"
    }
    static func defineTooDeep(_ name: String, _ depth: Int, limit: Int) -> String {
        "define '\(name)' nests \(depth) levels deep with the defines it reads expanded; the limit is \(limit) (split the chain or write the expression directly)"
    }
}
