// Values that cannot be represented, found while a statement is evaluated: an integer
// overflow, a date outside 0001-01-01 … 9999-12-31, a real number that is no longer finite.
// They are errors, never null (a null would silently change a query's answer or be
// stored by a change as if it were the value written).
//
// The compiled closures of the planner return optionals and cannot throw, so a closure
// that meets such a value records a fault here and yields null; the statement that runs
// it then fails with the first fault, positioned at the expression that produced it, and
// changes nothing. `Session.execute` opens one fault log per statement; planners pick up
// the log that is current when they are created, so every planner a statement makes —
// for its query, its subqueries, its defines, its constraint checks — reports to it.

import Foundation

public final class EvaluationFaults: @unchecked Sendable {
    public struct Fault: Sendable {
        /// The file of the expression (a rule file for a define's body), nil when unknown.
        public let file: SourceFile?
        public let range: SourceRange
        public let message: String
    }

    /// The log of the statement being run on this thread, if any.
    @TaskLocal public static var current: EvaluationFaults?

    private let lock = NSLock()
    private var recorded: Fault?

    public init() {}

    /// The first fault recorded (later ones are usually its consequences).
    public var first: Fault? {
        lock.lock(); defer { lock.unlock() }
        return recorded
    }

    public func record(_ file: SourceFile?, _ range: SourceRange, _ message: String) {
        lock.lock(); defer { lock.unlock() }
        if recorded == nil { recorded = Fault(file: file, range: range, message: message) }
    }

    /// Throws the first fault as a diagnostic; `fallback` is the file of the statement, used
    /// when the fault's own file is unknown.
    public func throwIfAny(fallback: SourceFile, range fallbackRange: SourceRange) throws {
        guard let fault = first else { return }
        let file = fault.file ?? fallback
        let range = fault.file == nil ? fallbackRange : fault.range
        throw DiagnosticError(Diagnostic(file, range, fault.message))
    }

    /// Runs `body` with a fresh log current, then throws its first fault, if any.
    public static func checking<T>(_ file: SourceFile, _ range: SourceRange, _ body: () throws -> T) throws -> T {
        let log = EvaluationFaults()
        let result = try $current.withValue(log) { try body() }
        try log.throwIfAny(fallback: file, range: range)
        return result
    }
}

/// Where a compiled closure reports a value it cannot represent.
struct FaultSite {
    let log: EvaluationFaults
    let file: SourceFile?
    let range: SourceRange

    func integerOverflow(_ operation: String) {
        log.record(file, range, Message.integerOverflow(operation))
    }

    func dateOutOfRange() {
        log.record(file, range, Message.dateOutOfRange)
    }

    func notFinite() {
        log.record(file, range, Message.numberNotFinite)
    }
}
