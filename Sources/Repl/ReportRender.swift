// Rendering a report (docs/reports.md) as JSON and as aligned tables. The renderers know
// the sections' roles by name — `rows` (the ledger, one row a street), `total` (its one
// district row), `chart_*` (bars: label, value, of) — and nothing of their columns, which
// the report file chooses. Values render as in every other output (OutputFormat.swift):
// dates YYYY-MM-DD, references as keys, personal data masked unless --unmask.

import Engine
import Foundation
import MQL

struct ReportRenderer {
    let report: Report
    let unmask: Bool
    /// The day the report is made (the run's today).
    let asOf: Int32
    /// The dataset directory, whose attachments/ holds the photos.
    let dataDirectory: String

    static let rowsSection = "rows"
    static let totalSection = "total"
    static let chartPrefix = "chart_"

    var writer: OutputWriter { OutputWriter(format: .json, unmask: unmask) }

    /// `{"period": …, "window_start": …, "window_end": …, "rows": […], "total": {…}, …}`
    /// (the cycle contract, §1), then every other section under "sections" by name.
    func json() -> String {
        let w = writer
        var parts = [
            "\"period\":" + w.jsonString(report.period.text),
            "\"window_start\":" + w.jsonString(CivilDate.format(report.windowStart)),
            "\"window_end\":" + w.jsonString(CivilDate.format(report.windowEnd)),
            "\"as_of\":" + w.jsonString(CivilDate.format(asOf)),
            "\"street\":" + (report.street.map(w.jsonString) ?? "null"),
        ]
        parts.append("\"rows\":" + jsonRows(report.section(Self.rowsSection)?.result))
        if let total = report.section(Self.totalSection)?.result, !total.rows.isEmpty {
            parts.append("\"total\":" + jsonObject(total, row: 0))
        } else {
            parts.append("\"total\":null")
        }
        let others = report.sections.filter { $0.name != Self.rowsSection && $0.name != Self.totalSection }
        parts.append("\"sections\":{" + others.map { s in
            w.jsonString(s.name) + ":{\"title\":" + (s.title.map(w.jsonString) ?? "null") + ",\"rows\":" + jsonRows(s.result) + "}"
        }.joined(separator: ",") + "}")
        return "{" + parts.joined(separator: ",") + "}\n"
    }

    private func jsonObject(_ result: QueryResult, row: Int) -> String {
        let w = writer
        return "{" + zip(result.columns, result.rows[row]).map { column, v in w.jsonString(column.name) + ":" + w.jsonValue(v, column) }.joined(separator: ",") + "}"
    }

    private func jsonRows(_ result: QueryResult?) -> String {
        guard let result else { return "[]" }
        return "[" + result.rows.indices.map { jsonObject(result, row: $0) }.joined(separator: ",") + "]"
    }

    /// Each section under its title, as the aligned table every query prints.
    func table() -> String {
        let w = OutputWriter(format: .table, unmask: unmask)
        var out = (report.title.map { $0 + "\n" } ?? "")
        out += ReplMessage.reportWindow(report.period.text, CivilDate.format(report.windowStart), CivilDate.format(report.windowEnd)) + "\n"
        for section in report.sections {
            out += "\n" + (section.title ?? section.name) + "\n"
            out += w.render(section.result)
        }
        return out
    }

    /// A cell as text for people (masked unless --unmask).
    func text(_ v: Value, _ column: ResultColumn) -> String {
        OutputWriter(format: .table, unmask: unmask).cell(v, column)
    }

    /// A cell as its JSON value would read it, without quotes: what the page's
    /// `data-value` attributes hold, so a test can compare the page with the JSON.
    func raw(_ v: Value, _ column: ResultColumn) -> String {
        switch v {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return d.isFinite ? Value.formatNumber(d) : ""
        case .set(let items): return items.joined(separator: ";")
        default: return text(v, column)
        }
    }
}
