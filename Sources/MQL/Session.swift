// A session: a dataset, the rules checked against it, today's date, and a way to run
// statements. This is the embedding API (cli.md, "Embedding"): a Swift program creates a
// `Session`, calls `run` with source text, and gets typed results or positioned errors.

import Engine
import Foundation

public enum StatementOutcome: Sendable, Equatable {
    /// A query's rows (also `plan` and `explain`, whose results are tables too).
    case rows(QueryResult)
    /// `count QUERY`.
    case count(Int)
    /// A standalone expression.
    case value(Value, ResultColumn)
    /// A statement with no result (`define`, `param` …); the text says what happened.
    case done(String)
    /// A change: how many rows it changed, and the id a single insert assigned.
    case changed(Int, id: Int?)
}

public final class Session {
    public internal(set) var store: Store {
        didSet { statementCache.removeAll() }
    }
    /// Queries and counts already checked, by their text (`StatementCache`).
    let statementCache = StatementCache()
    /// Off: result rows are built row by row only (tests compare with `Evaluator+ColumnRows`).
    var buildsRowsColumnwise = true
    /// Off: every statement is checked afresh (tests compare the two; `MQL_STATEMENT_CACHE=off`
    /// turns it off for a process, to measure what it saves).
    public var useStatementCache = ProcessInfo.processInfo.environment["MQL_STATEMENT_CACHE"] != "off"
    /// The dataset directory changes are made durable in; nil for an in-memory store
    /// (changes then last for the session only).
    public var dataset: Dataset?
    /// Who changes are recorded as made by (`--user`, else the OS user).
    public var user: String = Session.osUser()
    /// The open `begin … commit` transaction, if any.
    var transaction: Transaction?
    public private(set) var catalog: Catalog
    public var today: Int32
    /// Read by `plan` tests: force full scans.
    public var useIndexes = true
    /// Set when more statements are expected to follow (see `Planner.buildsSortedIndexOnFirstUse`).
    public var buildsSortedIndexOnFirstUse = false
    /// Polled while a statement scans rows (every 256 rows of each filter); when it returns
    /// true the statement stops, changes nothing, and fails with "cancelled". The REPL sets
    /// it to its Ctrl-C flag.
    public var cancellationCheck: (() -> Bool)? {
        get {
            guard let limits else { return userCancellation }
            return { limits.poll() }
        }
        set { userCancellation = newValue }
    }
    private var userCancellation: (() -> Bool)?
    /// Seconds a statement may run (`--timeout`); past them it stops, changes nothing, and
    /// fails naming its position. Nil: no limit.
    public var timeout: Double?
    /// Cells (rows × columns, each set element a cell) a statement's result may hold
    /// before it stops with an error (`--max-cells`).
    public var cellBudget = Session.defaultCellBudget
    /// TUNING: the largest collection at a million children is visits, about 5.7 million
    /// rows; selecting ten columns of all of them is 57 million cells. Past this a result
    /// no longer fits in memory as values (about 40 bytes a cell).
    public static let defaultCellBudget = 64_000_000
    /// The limits of the statement running now.
    private var limits: StatementLimits?
    /// What statements computed, for tests that count work instead of timing it.
    let workCounters = WorkCounters()
    /// Set when the dataset must not change (the shipped examples): every change statement,
    /// import and checkpoint is refused with this reason.
    public var readOnlyReason: String?
    /// Warnings not yet taken (see `takeWarnings`).
    var warnings: [Diagnostic] = []
    /// Set by `ReportRunner` while it runs a report's sections over unchanging data: the
    /// defines computed for one section (a street's counts) are read by the next.
    var sharedCaches: CompileCaches?

    public init(store: Store, catalog: Catalog, today: Int32) {
        self.store = store
        self.catalog = catalog
        self.today = today
    }

    /// Loads rule sources and checks them against the store.
    public convenience init(store: Store, ruleSources: [SourceFile], today: Int32, params: [(String, String)] = []) throws {
        let catalog = try RuleFiles.catalog(from: ruleSources, store: store, paramOverrides: params)
        self.init(store: store, catalog: catalog, today: today)
    }

    /// Today's date from the system clock, in the local time zone (TZ, else /etc/localtime).
    /// The C library's `localtime_r` rather than `Calendar.current`: building the current
    /// calendar loads ICU's time-zone and calendar data, 5% of a whole `mql -c` process.
    public static func systemToday() -> Int32 {
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else {
            let c = Calendar.current.dateComponents([.year, .month, .day], from: Date())
            return CivilDate.days(year: c.year!, month: c.month!, day: c.day!)
        }
        return CivilDate.days(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))
    }

    /// Parses and runs every statement of `text`, returning an outcome per statement. A
    /// statement that fails yields its error; with `keepGoing` false, nothing after it runs.
    public func run(_ text: String, name: String = "<input>", keepGoing: Bool = false) -> [Result<StatementOutcome, DiagnosticError>] {
        let file = SourceFile(name: name, text: text)
        var outcomes: [Result<StatementOutcome, DiagnosticError>] = []
        for parsed in Parser.parseStatements(file) {
            let outcome = parsed.flatMap { statement in
                Result { try execute(statement) }.mapError { $0 as? DiagnosticError ?? DiagnosticError(Diagnostic(file, statement.range, "\($0)")) }
            }
            outcomes.append(outcome)
            if case .failure = outcome, !keepGoing { break }
        }
        return outcomes
    }

    /// Runs one parsed statement.
    public func execute(_ statement: Statement) throws -> StatementOutcome {
        let endsTransaction: Bool
        switch statement.kind {
        case .commit, .rollback, .begin: endsTransaction = true
        default: endsTransaction = false
        }
        if !endsTransaction, let failure = transaction?.failure {
            throw DiagnosticError(Diagnostic(statement.file, statement.range, Message.statementInAbortedTransaction(Self.position(failure.file, failure.range))))
        }
        switch statement.kind {
        case .query, .count: break
        // Anything else may change the data or the rules, in place: what was checked may
        // no longer hold.
        default: statementCache.removeAll()
        }
        let limits = StatementLimits(timeout: timeout, cellBudget: cellBudget, userCancellation: userCancellation)
        let enclosing = self.limits
        self.limits = limits
        defer { self.limits = enclosing }
        let outcome: StatementOutcome
        do {
            outcome = try EvaluationFaults.checking(statement.file, statement.range) { try executeUnchecked(statement) }
        } catch {
            // All or none: once a statement of a transaction fails, none of it may apply.
            if !endsTransaction { abortTransaction(failedAt: statement) }
            // Stopped mid-way: whatever the interrupted part reported, say why it stopped.
            if let reason = limits.stopped { throw stopError(reason, statement) }
            throw error
        }
        // A change checks before it applies (once applied it is reported as done).
        if case .changed = outcome { return outcome }
        if limits.poll(), let reason = limits.stopped {
            if !endsTransaction { abortTransaction(failedAt: statement) }
            throw stopError(reason, statement)
        }
        return outcome
    }

    func stopError(_ reason: StatementLimits.Reason, _ statement: Statement) -> DiagnosticError {
        let message: String
        switch reason {
        case .cancelled: message = Message.cancelled
        case .timedOut: message = Message.timedOut(timeout ?? 0)
        case .overBudget: message = Message.tooManyCells(cellBudget)
        }
        return DiagnosticError(Diagnostic(statement.file, statement.range, message))
    }

    func executeUnchecked(_ statement: Statement) throws -> StatementOutcome {
        let file = statement.file
        switch statement.kind {
        case .query(let q):
            let (checked, cached) = try checkCached(q, statement: statement)
            // A key lookup run again: straight to its rows (`KeyLookup`).
            if let lookup = cached?.keyLookup, useIndexes, buildsRowsColumnwise, sharedCaches == nil,
               let result = lookup.run(store: store, charge: limits.map { limits in { limits.charge($0) } }) {
                statementCache.keyLookupRuns += 1
                return .rows(result)
            }
            return .rows(try runningCached(cached, statement) { evaluator(cached?.file ?? file).run(checked) })
        case .section(_, _, _, let q):
            let checked = try check(q, file: file)
            return .rows(evaluator(file).run(checked))
        case .count(let q):
            let (checked, cached) = try checkCached(q, statement: statement)
            return .count(try runningCached(cached, statement) { evaluator(cached?.file ?? file).count(checked) })
        case .expression(let e):
            let checker = Checker(store: store, catalog: catalog)
            guard let typed = checker.checkExpression(e, file: file) else { throw DiagnosticError(checker.diagnostics) }
            if case .rows = typed.type {
                throw DiagnosticError(Diagnostic(file, e.range, MessageID.queryStartsWithCollectionName()))
            }
            let planner = evaluator(file).makePlanner()
            let value = planner.compile(typed).valueGetter(store: store)(0)
            let name = Checker(store: store, catalog: catalog).columnName(e, file: file)
            return .value(value, ResultColumn(name: name, type: typed.type, masking: typed.masking))
        case .plan(let q):
            let checked = try check(q, file: file)
            return .rows(PlanExplainer(store: store, catalog: catalog, today: today, source: file, useIndexes: useIndexes,
                                         buildsSortedIndexOnFirstUse: buildsSortedIndexOnFirstUse).plan(checked))
        case .explain(let name, let nameRange, let q):
            let checked = try check(q, file: file)
            guard let info = catalog.define(checked.collection, name)
                    ?? ChineseNames.member(name, of: checked.collection).flatMap({ catalog.define(checked.collection, $0) }) else {
                let names = catalog.defines(of: checked.collection).map(\.name)
                throw DiagnosticError(Diagnostic(file, nameRange, Message.unknownField(name, in: checked.collection, suggestion: Suggest.closest(name, among: names)) + MessageID.explainTakesDefine()))
            }
            return .rows(RuleExplainer(store: store, catalog: catalog, today: today).explain(info, rows: evaluator(file).select(checked, planner: evaluator(file).makePlanner()).rows))
        case .definition(let d):
            let errors = RuleFiles.enter(d, file: file, catalog: catalog, store: store)
            if !errors.isEmpty { throw DiagnosticError(errors) }
            let info = catalog.define(ChineseNames.collection(d.collection), d.name)!
            let checker = Checker(store: store, catalog: catalog)
            _ = checker.checkDefine(info, usedAt: d.nameRange, scope: Checker.Scope(file: file))
            if !checker.diagnostics.isEmpty {
                catalog.remove(info)
                throw DiagnosticError(checker.diagnostics)
            }
            if let tooDeep = DefineNesting.tooDeep(info) {
                catalog.remove(info)
                info.resetCheck()
                throw DiagnosticError(tooDeep)
            }
            return .done("\(d.kind.rawValue) \(d.collection).\(d.name)")
        case .param(let name, let nameRange, let value):
            switch RuleFiles.paramValue(value) {
            case .failure(let error): throw DiagnosticError(Diagnostic(file, value.range, error.message))
            case .success(let (v, t)):
                if let existing = catalog.params[name], existing.type != t {
                    throw DiagnosticError(Diagnostic(file, value.range, Message.badParamValue(name, MessageID.paramTypeMismatch(existing.type, t))))
                }
                catalog.addParam(ParamInfo(name: name, value: v, type: t, file: file, range: nameRange))
                for info in catalog.ordered { info.resetCheck() }
                try recheck()
                return .done("param \(name) = \(v)")
            }
        case .test(let t):
            catalog.addTest(TestInfo(test: t, file: file))
            return .done("test \(t.name)")
        case .change(let change):
            return try execute(change, statement: statement)
        case .pairingRound(let round):
            return try execute(round, statement: statement)
        case .begin: return try begin(statement)
        case .commit: return try commit(statement)
        case .rollback: return try rollback(statement)
        }
    }

    /// Overrides a param (`.param NAME VALUE`) and re-checks every define against it.
    public func setParam(_ name: String, _ text: String) throws {
        try RuleFiles.override(param: name, with: text, in: catalog)
        try recheck()
    }

    func recheck() throws {
        let checker = Checker(store: store, catalog: catalog)
        for info in DefineNesting.checkingOrder(catalog) {
            _ = checker.checkDefine(info, usedAt: info.definition.nameRange, scope: Checker.Scope(file: info.file))
        }
        if !checker.diagnostics.isEmpty { throw DiagnosticError(checker.diagnostics) }
    }

    func check(_ q: Query, file: SourceFile) throws -> TQuery {
        let checker = Checker(store: store, catalog: catalog)
        checker.warningFile = file
        guard let checked = checker.checkQuery(q, file: file) else { throw DiagnosticError(checker.diagnostics) }
        warnings += checker.warnings
        return checked
    }

    /// The warnings of the statements run since the last call (language.md, "Warnings"):
    /// the caller shows them, before the statement's result.
    public func takeWarnings() -> [Diagnostic] {
        defer { warnings = [] }
        return warnings
    }

    func evaluator(_ file: SourceFile) -> Evaluator {
        var e = Evaluator(store: store, catalog: catalog, today: today, source: file)
        if let shared = sharedCaches {
            // Constants are cached by node, and a node of an earlier statement may be gone
            // (its address reused): only defines, which the catalog keeps, carry over.
            shared.constants = [:]
            e.caches = shared
        }
        e.useIndexes = useIndexes
        e.buildsRowsColumnwise = buildsRowsColumnwise
        e.buildsSortedIndexOnFirstUse = buildsSortedIndexOnFirstUse
        e.cancelled = cancellationCheck
        e.charge = limits.map { limits in { limits.charge($0) } }
        e.caches.counters = workCounters
        return e
    }
}

extension Catalog {
    func remove(_ info: DefineInfo) {
        removeDefinition(info)
    }
}

/// What stops one statement early: Ctrl-C, its time limit, or a result past the cell budget.
/// Polled where the evaluator loops (every 256 rows); once stopped it stays stopped, so
/// every loop of the statement unwinds and the statement changes nothing.
final class StatementLimits {
    enum Reason { case cancelled, timedOut, overBudget }

    private let deadline: UInt64?
    private let cellBudget: Int
    private let userCancellation: (() -> Bool)?
    private var cells = 0
    private(set) var stopped: Reason?

    init(timeout: Double?, cellBudget: Int, userCancellation: (() -> Bool)?) {
        if let timeout, timeout > 0 {
            let nanoseconds = min(timeout * 1e9, Double(UInt64.max / 2))
            deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(nanoseconds)
        } else {
            deadline = nil
        }
        self.cellBudget = cellBudget
        self.userCancellation = userCancellation
    }

    /// True once the statement must stop.
    func poll() -> Bool {
        if stopped != nil { return true }
        if let userCancellation, userCancellation() { stopped = .cancelled; return true }
        if let deadline, DispatchTime.now().uptimeNanoseconds >= deadline { stopped = .timedOut; return true }
        return false
    }

    /// Counts cells of the result; true once past the budget.
    func charge(_ n: Int) -> Bool {
        cells += n
        if cells > cellBudget, stopped == nil { stopped = .overBudget }
        return stopped != nil
    }
}
