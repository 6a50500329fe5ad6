// Running a report file (docs/reports.md): a file of MQL statements — params, defines and
// named queries (`section NAME "TITLE" = QUERY`) — loaded beside the rule files. For a
// period the runner sets the params the queries are written in (report_period,
// window_start, window_end, report_street, as_of) and runs every section with today fixed
// to the window's end, so whatever the rules compute from today() — `active`,
// `last_home_visit`, `overdue` — is as of that day. What the sections select is the
// report file's business: the runner and the renderers know only the sections' names.

import Engine
import Foundation

public struct ReportSection: Sendable {
    public let name: String
    public let title: String?
    public let result: QueryResult
}

public struct Report: Sendable {
    public let period: ReportPeriod
    public let windowStart: Int32
    public let windowEnd: Int32
    /// The street the report is restricted to (`--street`), nil for the district.
    public let street: String?
    /// The report's title (param `report_title` of the report file), if any.
    public let title: String?
    public let sections: [ReportSection]
    /// Headings for columns on the printed page, by column name (param `report_headings`
    /// of the report file: `["street=街道", …]`); a column without one shows its name.
    public let headings: [String: String]

    public func section(_ name: String) -> ReportSection? {
        sections.first { $0.name == name }
    }
}

public enum ReportRunner {
    /// The params a report file's queries may use; the runner sets them for the period.
    public static let periodParam = "report_period"
    public static let windowStartParam = "window_start"
    public static let windowEndParam = "window_end"
    public static let streetParam = "report_street"
    public static let asOfParam = "as_of"
    public static let titleParam = "report_title"
    public static let headingsParam = "report_headings"

    /// A session over the same data whose catalog holds the session's rule files and the
    /// report file (`.report` in the REPL): params overridden in the session keep their
    /// values, and changes made in the session are in its store.
    public static func session(extending session: Session, with file: SourceFile) throws -> Session {
        let catalog = try RuleFiles.catalog(from: session.catalog.files.filter { $0.name != file.name } + [file], store: session.store)
        for (name, param) in session.catalog.params where catalog.params[name]?.type == param.type {
            catalog.params[name]!.value = param.value
        }
        for info in catalog.ordered { info.resetCheck() }
        let extended = Session(store: session.store, catalog: catalog, today: session.today)
        extended.timeout = session.timeout
        extended.cancellationCheck = session.cancellationCheck
        return extended
    }

    /// The sections of a report file, in the order written.
    public static func sections(of file: SourceFile) -> [Statement] {
        Parser.parse(file).statements.filter { if case .section = $0.kind { return true }; return false }
    }

    /// Runs the sections of `file` (already loaded into the session's catalog with the
    /// rules) for `period`. `asOf` is the day the report is made (the session's today
    /// before the run): a report not submitted by then is missing only once it was due.
    /// The session's today and the report params are restored afterwards.
    public static func run(_ session: Session, file: SourceFile, period: ReportPeriod, street: String?) throws -> Report {
        let statements = sections(of: file)
        guard !statements.isEmpty else {
            throw DiagnosticError(Diagnostic(file, SourceRange(0, 0), MessageID.reportWithoutSections()))
        }
        let catalog = session.catalog
        var programmeStart: Int32?
        if let p = catalog.params["programme_start"], case .date(let d) = p.value { programmeStart = d }
        let windowStart = period.windowStart(programmeStart: programmeStart)
        let windowEnd = period.due
        let asOf = session.today
        let values: [(String, Value, MType)] = [
            (periodParam, .text(period.text), .text),
            (windowStartParam, .date(windowStart), .date),
            (windowEndParam, .date(windowEnd), .date),
            (streetParam, .text(street ?? ""), .text),
            (asOfParam, .date(asOf), .date),
        ]
        let saved = values.map { catalog.params[$0.0] }
        for (name, value, type) in values {
            // A report file declares the params it uses (so that it loads and checks on its
            // own, with example values); one it does not use needs no value.
            guard let existing = catalog.params[name] else { continue }
            guard existing.type == type else {
                throw DiagnosticError(Diagnostic(existing.file ?? file, existing.range, MessageID.reportParamType(name, type.description, existing.type.description)))
            }
            catalog.params[name]!.value = value
        }
        session.today = windowEnd
        defer {
            session.today = asOf
            for ((name, _, _), old) in zip(values, saved) {
                if let old { catalog.params[name] = old }
            }
            for info in catalog.ordered { info.resetCheck() }
        }
        for info in catalog.ordered { info.resetCheck() }
        try session.recheck()
        // One set of compile caches for every section: the data, today and the params do
        // not change between them. Its fault log is this one, checked at the end.
        let results: [ReportSection] = try EvaluationFaults.checking(file, SourceRange(0, 0)) {
            session.sharedCaches = CompileCaches()
            defer { session.sharedCaches = nil }
            var results: [ReportSection] = []
            for statement in statements {
                guard case .section(let name, _, let title, _) = statement.kind else { continue }
                guard case .rows(let result) = try session.execute(statement) else { continue }
                results.append(ReportSection(name: name, title: title, result: result))
            }
            return results
        }
        var title: String?
        if let p = catalog.params[titleParam], case .text(let t) = p.value { title = t }
        var headings: [String: String] = [:]
        if let p = catalog.params[headingsParam], case .set(let items) = p.value {
            for item in items {
                guard let eq = item.firstIndex(of: "=") else { continue }
                headings[String(item[..<eq]).trimmingCharacters(in: .whitespaces)] = String(item[item.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            }
        }
        return Report(period: period, windowStart: windowStart, windowEnd: windowEnd, street: street, title: title, sections: results, headings: headings)
    }
}
