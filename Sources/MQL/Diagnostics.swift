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

/// The typed messages the stages call. Wording lives in `MessageID` (MessageCatalogue.swift),
/// in English and Chinese; these functions only pick the id and pass the arguments, and
/// render in `Language.current` when the diagnostic is created.
enum Message {
    // Lexer
    static func unexpectedCharacter(_ c: String) -> String { MessageID.unexpectedCharacter(c) }
    static var unterminatedString: String { MessageID.unterminatedString() }
    static func badEscape(_ e: String) -> String { MessageID.badEscape(e) }
    static var badUnicodeEscape: String { MessageID.badUnicodeEscape() }
    static func badDate(_ text: String) -> String { MessageID.badDate(text) }
    static func numberTooLarge(_ text: String) -> String { MessageID.numberTooLarge(text) }
    static var invalidUTF8: String { MessageID.invalidUTF8() }

    // Parser
    static func expected(_ what: String, found: String) -> String { MessageID.expected(MessagePhrase.translate(what), found) }
    static func duplicateClause(_ clause: String) -> String { MessageID.duplicateClause(clause) }
    static func duplicateColumn(_ name: String, suggestion: String) -> String { MessageID.duplicateColumn(name, suggestion) }
    static var tooDeep: String { MessageID.tooDeep() }
    static func unknownStatement(_ found: String) -> String { MessageID.unknownStatement(found) }

    // Checker
    static func unknownField(_ name: String, in collection: String, suggestion: String?) -> String {
        MessageID.unknownField(name, collection) + didYouMean(suggestion)
    }
    static func unknownName(_ name: String, suggestion: String?) -> String {
        MessageID.unknownName(name) + didYouMean(suggestion)
    }
    static func unknownCollection(_ name: String, suggestion: String?) -> String {
        MessageID.unknownCollection(name) + didYouMean(suggestion)
    }
    static func unknownFunction(_ name: String, suggestion: String?) -> String {
        MessageID.unknownFunction(name) + didYouMean(suggestion)
    }
    static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { MessageID.didYouMean($0) } ?? ""
    }
    static func typeMismatch(_ op: String, _ left: String, _ right: String) -> String {
        MessageID.typeMismatch(op, left, right)
    }
    static func expectedType(_ expected: String, got: String, context: String) -> String {
        MessageID.expectedType(MessagePhrase.translate(expected), got, MessagePhrase.translate(context))
    }
    static func arity(_ function: String, expected: String, got: Int) -> String {
        MessageID.arity(function, expected, got, expected == "1" ? "" : "s")
    }
    static func aggregateInWhere(_ name: String) -> String { MessageID.aggregateInWhere(name) }
    static func aggregateOutsideQuery(_ name: String) -> String { MessageID.aggregateOutsideQuery(name) }
    static func notGrouped(_ text: String) -> String { MessageID.notGrouped(text) }
    static func defineCycle(_ path: [String]) -> String { MessageID.defineCycle(path.joined(separator: " → ")) }
    static func duplicateDefinition(_ name: String, previous: String) -> String { MessageID.duplicateDefinition(name, previous) }
    static func shadowsField(_ name: String, collection: String) -> String { MessageID.shadowsField(name, collection) }
    static func ruleNotBoolean(_ kind: String, _ name: String, _ type: String) -> String { MessageID.ruleNotBoolean(kind, name, type) }
    static func missingCitation(_ kind: String) -> String { MessageID.missingCitation(kind) }
    static func noRowInScope(_ name: String) -> String { MessageID.noRowInScope(name) }
    static func notNavigable(_ type: String, _ name: String) -> String { MessageID.notNavigable(type, name) }
    static var paramNotLiteral: String { MessageID.paramNotLiteral() }
    static func unknownParam(_ name: String, suggestion: String?) -> String { MessageID.unknownParam(name) + didYouMean(suggestion) }
    static func badParamValue(_ name: String, _ detail: String) -> String { MessageID.badParamValue(name, detail) }
    static func unknownOrderKey(_ name: String) -> String { MessageID.unknownOrderKey(name) }
    static var limitNotNumber: String { MessageID.limitNotNumber() }
    static func unknownReference(_ key: String, collection: String) -> String { MessageID.unknownReference(key, collection) }

    // Stored values (change statements)
    static func notStorable(_ field: String, fieldType: String, got: String, hint: String?) -> String {
        MessageID.notStorable(field, fieldType, got) + (hint.map { inCurrentLanguage("; ", "；") + $0 } ?? "")
    }
    static func nullForSet(_ field: String) -> String { MessageID.nullForSet(field) }
    static func emptyText(_ field: String) -> String { MessageID.emptyText(field) }
    static func notWhole(_ field: String, _ x: Double) -> String { MessageID.notWhole(field, x) }
    static func emptySetElement(_ field: String) -> String { MessageID.emptySetElement(field) }
    static func separatorInSet(_ field: String, _ item: String) -> String { MessageID.separatorInSet(field, item) }

    // Transactions
    static func statementInAbortedTransaction(_ failedAt: String) -> String { MessageID.statementInAbortedTransaction(failedAt) }
    static func commitOfAbortedTransaction(_ failedAt: String) -> String { MessageID.commitOfAbortedTransaction(failedAt) }

    // Warnings: a question that cannot match
    static func noRowHolds(_ collection: String, _ field: String, _ value: String, suggestion: String?) -> String {
        MessageID.noRowHolds(collection, field, Printer.quote(value)) + (suggestion.map { MessageID.didYouMeanValue(Printer.quote($0)) } ?? "")
    }
    static func unknownTag(_ collection: String, _ field: String, _ value: String, suggestion: String?) -> String {
        MessageID.unknownTag(collection, field, Printer.quote(value)) + (suggestion.map { MessageID.didYouMeanValue(Printer.quote($0)) } ?? "")
    }
    static func bareValue(_ name: String, in collection: String) -> String {
        MessageID.bareValue(name, collection, Printer.quote(name))
    }
    // Changes
    static var auditTrailIsReadOnly: String { Store.auditTrailIsReadOnly }
    static func idOutOfRange(_ text: String) -> String { RowParser.idOutOfRange(text) }
    static func idUsedBefore(_ id: Int, _ collection: String, next: Int) -> String { Store.idUsedBefore(id, collection, next: next) }
    static func noIDsLeft(_ collection: String) -> String { MessageID.noIDsLeft(collection, ProgrammeSchema.maximumID) }

    // Evaluation
    static var divisionByZero: String { MessageID.divisionByZero() }
    static func integerOverflow(_ operation: String) -> String { MessageID.integerOverflow(operation) }
    static var dateOutOfRange: String { MessageID.dateOutOfRange() }
    static var numberNotFinite: String { MessageID.numberNotFinite() }
    static var cancelled: String { MessageID.cancelled() }
    static func timedOut(_ seconds: Double) -> String {
        MessageID.timedOut(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds))
    }
    static func tooManyCells(_ budget: Int) -> String { MessageID.tooManyCells(budget) }
    static func defineTooDeep(_ name: String, _ depth: Int, limit: Int) -> String { MessageID.defineTooDeep(name, depth, limit) }
}
