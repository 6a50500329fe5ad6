// The report as one self-contained, printable A4 page in Chinese (the cycle contract, §1): the ledger
// table with its district total, bar charts drawn as inline SVG, every other section as a
// table, and photos as thumbnails embedded as data: URIs. No network, no JavaScript: the
// page is read as it is, in a browser or printed. Every text is HTML-escaped; personal data
// is masked unless --unmask (through the same cell rendering as every output).
//
// Sections by role (docs/reports.md): `rows` the ledger, `total` its total row,
// `chart_*` a bar chart of columns `label`, `value` and optionally `of` (the whole the
// value is part of); a section with a `photo` column is a gallery of those files (paths
// under the dataset's attachments/). Each cell carries `data-col` and `data-value` (the
// value as the JSON has it), so the page can be checked against `--format json`.

import Engine
import Foundation
import MQL

struct ReportHTML {
    let renderer: ReportRenderer

    /// TUNING: a photo larger than this is listed, not embedded (a phone photo is 2–5 MB;
    /// a thumbnail for print needs far less, and the page must stay small enough to mail).
    static let photoByteCap = 1_500_000
    /// TUNING: the page embeds at most this many bytes of photos in all.
    static let pageByteCap = 12_000_000

    var report: Report { renderer.report }

    func page() -> String {
        let title = report.title ?? "双月报台账"
        var body = "<h1>\(escape(title))</h1>\n"
        var meta = "期次 \(escape(report.period.text)) · 统计期间 \(CivilDate.format(report.windowStart)) 至 \(CivilDate.format(report.windowEnd)) · 制表日期 \(CivilDate.format(renderer.asOf))"
        if let street = report.street { meta = "街道 \(escape(street)) · " + meta }
        body += "<p class=\"meta\">\(meta)</p>\n"
        var embedded = 0
        var charts: [String] = []
        func flushCharts() {
            guard !charts.isEmpty else { return }
            body += "<div class=\"charts\">\n" + charts.joined() + "</div>\n"
            charts = []
        }
        for section in report.sections where section.name != ReportRenderer.totalSection {
            if section.name.hasPrefix(ReportRenderer.chartPrefix) {
                charts.append(chart(section))
                continue
            }
            flushCharts()
            body += "<h2>\(escape(section.title ?? section.name))</h2>\n"
            if section.name == ReportRenderer.rowsSection {
                body += ledger(section, total: report.section(ReportRenderer.totalSection))
            } else if section.result.columns.contains(where: { $0.name == "photo" }) {
                body += gallery(section, embedded: &embedded)
            } else {
                body += table(section)
            }
        }
        flushCharts()
        return """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>\(escape(title)) \(escape(report.period.text))</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body data-period="\(escape(report.period.text))" data-window-start="\(CivilDate.format(report.windowStart))" data-window-end="\(CivilDate.format(report.windowEnd))">
            \(body)</body>
            </html>

            """
    }

    static let style = """
        @page { size: A4 portrait; margin: 12mm 10mm; }
        * { box-sizing: border-box; }
        body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 8pt; color: #111; margin: 0; }
        h1 { font-size: 15pt; text-align: center; margin: 0 0 2mm; }
        h2 { font-size: 10.5pt; margin: 5mm 0 2mm; padding-left: 2mm; border-left: 3px solid #b3261e; page-break-after: avoid; }
        p.meta { text-align: center; color: #444; margin: 0 0 3mm; }
        table { border-collapse: collapse; width: 100%; }
        th, td { border: 0.5pt solid #888; padding: 0.8mm 1mm; vertical-align: top; }
        th { background: #f3e7e6; font-weight: bold; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr { page-break-inside: avoid; }
        tr.total td { font-weight: bold; background: #faf3f2; }
        p.totals { margin: 1.5mm 0 0; }
        .charts { display: flex; flex-wrap: wrap; justify-content: space-between; }
        figure.chart { width: 49%; margin: 3mm 0 0; page-break-inside: avoid; }
        figure.chart figcaption { font-weight: bold; margin-bottom: 1mm; }
        figure.chart svg { width: 100%; height: auto; }
        .photos { display: flex; flex-wrap: wrap; gap: 3mm; }
        figure.photo { width: 42mm; margin: 0; page-break-inside: avoid; }
        figure.photo img { width: 42mm; height: 31mm; object-fit: cover; border: 0.5pt solid #888; display: block; }
        figure.photo figcaption { font-size: 7pt; color: #333; }
        .missing { width: 42mm; height: 31mm; border: 0.5pt dashed #888; display: flex; align-items: center; justify-content: center; color: #666; }
        p.empty { color: #666; }
        """

    // MARK: - Tables

    func heading(_ name: String) -> String { report.headings[name] ?? name }

    func isNumeric(_ column: ResultColumn) -> Bool { column.type == .int || column.type == .number }

    func display(_ v: Value, _ column: ResultColumn) -> String {
        switch v {
        case .null: return "—"
        case .bool(let b): return b ? "是" : "否"
        case .number(let d): return Value.formatNumber((d * 1000).rounded() / 1000)
        default: return renderer.text(v, column)
        }
    }

    func cell(_ v: Value, _ column: ResultColumn) -> String {
        let cls = isNumeric(column) ? " class=\"num\"" : ""
        return "<td\(cls) data-col=\"\(escape(column.name))\" data-value=\"\(escape(renderer.raw(v, column)))\">\(escape(display(v, column)))</td>"
    }

    func header(_ columns: [ResultColumn]) -> String {
        "<thead><tr>" + columns.map { "<th data-col=\"\(escape($0.name))\">\(escape(heading($0.name)))</th>" }.joined() + "</tr></thead>\n"
    }

    func table(_ section: ReportSection) -> String {
        let result = section.result
        guard !result.rows.isEmpty else { return "<p class=\"empty\" data-section=\"\(escape(section.name))\">（无）</p>\n" }
        var out = "<table data-section=\"\(escape(section.name))\">\n" + header(result.columns) + "<tbody>\n"
        for (i, row) in result.rows.enumerated() {
            out += "<tr data-row=\"\(i)\">" + zip(result.columns, row).map { cell($1, $0) }.joined() + "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// The ledger, with the total row under it (cells matched by column name); total
    /// columns the rows do not have (the rates) follow the table as a line.
    func ledger(_ section: ReportSection, total: ReportSection?) -> String {
        let result = section.result
        var out = "<table data-section=\"\(escape(section.name))\">\n" + header(result.columns) + "<tbody>\n"
        for (i, row) in result.rows.enumerated() {
            out += "<tr data-row=\"\(i)\">" + zip(result.columns, row).map { cell($1, $0) }.joined() + "</tr>\n"
        }
        var extra = ""
        if let total = total?.result, let values = total.rows.first {
            let byName = Dictionary(zip(total.columns.map(\.name), zip(total.columns, values)), uniquingKeysWith: { a, _ in a })
            out += "<tr class=\"total\" data-section=\"total\">" + result.columns.map { column in
                guard let (c, v) = byName[column.name] else { return "<td></td>" }
                return cell(v, c)
            }.joined() + "</tr>\n"
            let names = Set(result.columns.map(\.name))
            let rest = zip(total.columns, values).filter { !names.contains($0.0.name) }
            if !rest.isEmpty {
                extra = "<p class=\"totals\" data-section=\"total\">" + rest.map { c, v in
                    "\(escape(heading(c.name)))：<span data-col=\"\(escape(c.name))\" data-value=\"\(escape(renderer.raw(v, c)))\">\(escape(percentOrDisplay(v, c)))</span>"
                }.joined(separator: "；") + "</p>\n"
            }
        }
        return out + "</tbody></table>\n" + extra
    }

    /// A rate (a number between 0 and 1 in a column named *rate*) as a percentage.
    func percentOrDisplay(_ v: Value, _ column: ResultColumn) -> String {
        if case .number(let d) = v, column.name.hasSuffix("rate") { return String(format: "%.1f%%", d * 100) }
        return display(v, column)
    }

    // MARK: - Charts

    func number(_ v: Value?) -> Double? {
        switch v {
        case .int(let i)?: return Double(i)
        case .number(let d)? where d.isFinite: return d
        default: return nil
        }
    }

    /// Horizontal bars: one per row, `label`, `value` and, when given, `of` (the bar is
    /// value ÷ of, else value ÷ the largest value).
    func chart(_ section: ReportSection) -> String {
        let result = section.result
        let names = result.columns.map(\.name)
        let labelIndex = names.firstIndex(of: "label") ?? 0
        let valueIndex = names.firstIndex(of: "value") ?? min(1, names.count - 1)
        let ofIndex = names.firstIndex(of: "of")
        let values = result.rows.map { number($0[valueIndex]) ?? 0 }
        let largest = max(values.max() ?? 0, 1)
        let rowHeight = 16.0, labelWidth = 70.0, barWidth = 190.0, width = 340.0
        let height = max(rowHeight * Double(result.rows.count) + 4, 20)
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(section.title ?? section.name))\">\n"
        for (i, row) in result.rows.enumerated() {
            let y = 2 + rowHeight * Double(i)
            let label = display(row[labelIndex], result.columns[labelIndex])
            let value = values[i]
            let whole = ofIndex.flatMap { number(row[$0]) }
            let fraction = whole.map { $0 > 0 ? min(value / $0, 1) : 0 } ?? value / largest
            let caption = whole.map { w in "\(Value.formatNumber(value))/\(Value.formatNumber(w))" + (w > 0 ? String(format: " · %.0f%%", value / w * 100) : "") } ?? Value.formatNumber((value * 1000).rounded() / 1000)
            svg += "<g data-label=\"\(escape(renderer.raw(row[labelIndex], result.columns[labelIndex])))\" data-value=\"\(escape(renderer.raw(row[valueIndex], result.columns[valueIndex])))\""
            if let ofIndex { svg += " data-of=\"\(escape(renderer.raw(row[ofIndex], result.columns[ofIndex])))\"" }
            svg += ">"
            svg += "<text x=\"\(Int(labelWidth - 4))\" y=\"\(fmt(y + 11))\" text-anchor=\"end\" font-size=\"9\">\(escape(label))</text>"
            svg += "<rect x=\"\(Int(labelWidth))\" y=\"\(fmt(y + 2))\" width=\"\(Int(barWidth))\" height=\"11\" fill=\"#eee\"/>"
            svg += "<rect x=\"\(Int(labelWidth))\" y=\"\(fmt(y + 2))\" width=\"\(fmt(barWidth * max(0, fraction)))\" height=\"11\" fill=\"#b3261e\"/>"
            svg += "<text x=\"\(Int(labelWidth + barWidth + 4))\" y=\"\(fmt(y + 11))\" font-size=\"9\">\(escape(caption))</text></g>\n"
        }
        svg += "</svg>"
        return "<figure class=\"chart\" data-section=\"\(escape(section.name))\"><figcaption>\(escape(section.title ?? section.name))</figcaption>\n\(svg)</figure>\n"
    }

    func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

    // MARK: - Photos

    /// One figure per row: the photo (embedded when it is an image under the cap) and the
    /// row's other columns as its caption.
    func gallery(_ section: ReportSection, embedded: inout Int) -> String {
        let result = section.result
        guard !result.rows.isEmpty else { return "<p class=\"empty\" data-section=\"\(escape(section.name))\">（无）</p>\n" }
        let photoIndex = result.columns.firstIndex { $0.name == "photo" }!
        var out = "<div class=\"photos\" data-section=\"\(escape(section.name))\">\n"
        for (i, row) in result.rows.enumerated() {
            let path = renderer.raw(row[photoIndex], result.columns[photoIndex])
            var picture = "<div class=\"missing\">（照片未嵌入）</div>"
            if let image = Self.image(path, under: renderer.dataDirectory + "/attachments"), embedded + image.bytes.count <= Self.pageByteCap {
                embedded += image.bytes.count
                picture = "<img alt=\"\(escape(path))\" src=\"data:\(image.mime);base64,\(image.bytes.base64EncodedString())\">"
            }
            let caption = zip(result.columns, row).enumerated().filter { $0.offset != photoIndex }.map { _, pair in
                "<span data-col=\"\(escape(pair.0.name))\" data-value=\"\(escape(renderer.raw(pair.1, pair.0)))\">\(escape(display(pair.1, pair.0)))</span>"
            }.joined(separator: " · ")
            out += "<figure class=\"photo\" data-row=\"\(i)\" data-value=\"\(escape(path))\">\(picture)<figcaption>\(caption)</figcaption></figure>\n"
        }
        return out + "</div>\n"
    }

    /// The bytes and type of an image file under `folder`, or nil: a path that leaves the
    /// folder, a missing or unreadable file, one over the cap, or not a PNG/JPEG/GIF/WebP.
    static func image(_ path: String, under folder: String) -> (bytes: Data, mime: String)? {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else { return nil }
        let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().standardizedFileURL.path
        let file = URL(fileURLWithPath: folder + "/" + path).resolvingSymlinksInPath().standardizedFileURL.path
        guard file.hasPrefix(root + "/") else { return nil }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
              let size = attributes[.size] as? Int, size <= photoByteCap,
              let data = FileManager.default.contents(atPath: file) else { return nil }
        let b = [UInt8](data.prefix(12))
        let mime: String
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { mime = "image/png" }
        else if b.starts(with: [0xFF, 0xD8, 0xFF]) { mime = "image/jpeg" }
        else if b.starts(with: Array("GIF8".utf8)) { mime = "image/gif" }
        else if b.count >= 12, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { mime = "image/webp" }
        else { return nil }
        return (data, mime)
    }

    func escape(_ s: String) -> String { Self.escape(s) }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters have no place in a page (and some are not allowed).
                if ch.value < 0x20 && ch != "\n" && ch != "\t" { out += "&#xFFFD;" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}
