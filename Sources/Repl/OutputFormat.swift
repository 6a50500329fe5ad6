// Output formats for results (cli.md, "Output"): an aligned table for people, RFC 4180
// CSV, TSV, and JSON Lines for scripts, and `line` (one field per line, a blank line
// between rows) for reading wide rows. Values render the same way everywhere: dates as
// YYYY-MM-DD, sets as `a;b` (arrays in JSON), references as their key, null as an empty
// cell (`null` in JSON); personal data masked unless `--unmask`.

import ArgumentParser
import Engine
import MQL

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, tsv, json, line
    /// A workbook, one sheet per result (WorkbookOutput.swift): written to --out, never
    /// to a terminal or a pipe.
    case xlsx

    /// The format an output file's extension names, if any.
    static func forFile(_ path: String) -> OutputFormat? {
        switch (path as NSString).pathExtension.lowercased() {
        case "xlsx": return .xlsx
        case "csv": return .csv
        case "tsv", "txt": return .tsv
        case "json", "jsonl": return .json
        default: return nil
        }
    }
}

struct OutputWriter {
    var format: OutputFormat
    var unmask: Bool
    /// Results written so far (csv/tsv/table put a blank line between results).
    private(set) var written = 0
    /// The outcomes kept for a workbook (`xlsx`), written when the run ends.
    private(set) var collected: [StatementOutcome] = []

    init(format: OutputFormat, unmask: Bool) {
        self.format = format
        self.unmask = unmask
    }

    /// The text for one statement's outcome, or nil when it has none.
    mutating func render(_ outcome: StatementOutcome) -> String? {
        if format == .xlsx {
            collected.append(outcome)
            return nil
        }
        guard var out = body(outcome) else { return nil }
        if written > 0 && format != .json { out = (format == .csv ? "\r\n" : "\n") + out }
        written += 1
        return out
    }

    /// An outcome's text without the separator from the result before it (the REPL prints
    /// each statement's result on its own).
    func body(_ outcome: StatementOutcome) -> String? {
        let text: String?
        switch outcome {
        case .rows(let result): text = render(result)
        // A count is one number in every format, so `mql -c 'count …'` pipes cleanly.
        case .count(let n): text = "\(n)\n"
        case .value(let v, let column): text = render(QueryResult(columns: [column], rows: [[v]]), single: true)
        case .done: text = nil
        case .changed(let n, let id):
            switch format {
            case .json: text = "{\"changed\":\(n)" + (id.map { ",\"id\":\($0)" } ?? "") + "}\n"
            case .table: text = "changed \(n) row\(n == 1 ? "" : "s")" + (id.map { " (id \($0))" } ?? "") + "\n"
            case .line:
                text = lines(QueryResult(columns: [ResultColumn(name: "changed", type: .int)] + (id == nil ? [] : [ResultColumn(name: "id", type: .int)]),
                                         rows: [[.int(n)] + (id.map { [.int($0)] } ?? [])]))
            default:
                let separator = format == .csv ? "," : "\t"
                let end = format == .csv ? "\r\n" : "\n"
                text = "changed" + (id == nil ? "" : separator + "id") + end + "\(n)" + (id.map { separator + String($0) } ?? "") + end
            }
        }
        return text
    }

    func cell(_ v: Value, _ column: ResultColumn) -> String {
        let text = v.description
        if unmask || column.masking == .none || v.isNull { return text }
        return Masking.apply(column.masking, to: text)
    }

    func render(_ result: QueryResult, single: Bool = false) -> String {
        switch format {
        case .json:
            if single, let v = result.rows.first?.first { return jsonValue(v, result.columns[0]) + "\n" }
            return jsonRows(result)
        case .csv:
            let lines = [result.columns.map { csvField($0.name) }] + result.rows.map { row in zip(result.columns, row).map { csvField(cell($1, $0)) } }
            return lines.map { $0.joined(separator: ",") + "\r\n" }.joined()
        case .tsv, .xlsx:  // xlsx results are collected by render(_:) and never reach here
            let lines = [result.columns.map { tsvField($0.name) }] + result.rows.map { row in zip(result.columns, row).map { tsvField(cell($1, $0)) } }
            return lines.map { $0.joined(separator: "\t") + "\n" }.joined()
        case .table:
            return table(result)
        case .line:
            return lines(result)
        }
    }

    /// One `name = value` line per field, names right-aligned by display width, a blank
    /// line between rows (sqlite's `.mode line`).
    func lines(_ result: QueryResult) -> String {
        let width = result.columns.map { DisplayWidth.of(tableCell($0.name)) }.max() ?? 0
        return result.rows.map { row in
            zip(result.columns, row).map { column, v in
                String(repeating: " ", count: width - DisplayWidth.of(tableCell(column.name))) + tableCell(column.name) + " = " + tableCell(cell(v, column)) + "\n"
            }.joined()
        }.joined(separator: "\n")
    }

    func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// TSV has no quoting: tabs, newlines and backslashes are escaped as `\t`, `\n`, `\\`.
    func tsvField(_ s: String) -> String {
        // Control characters are characters of their own (CR LF aside), so looking at the
        // bytes finds the same ones as comparing Characters, without the comparisons.
        guard s.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x5C || $0 == 0x0D }) else { return s }
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    func jsonValue(_ v: Value, _ column: ResultColumn) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let d): return d.isFinite ? Value.formatNumber(d) : "null"
        case .set(let items): return "[" + items.map(jsonString).joined(separator: ",") + "]"
        case .text, .date, .duration: return jsonString(cell(v, column))
        }
    }

    /// The rows as one JSON array of objects, built as UTF-8 bytes: the same text as
    /// `jsonValue` and `jsonString` give, without a String per cell (for thousands of rows
    /// the Strings cost more than the query).
    func jsonRows(_ result: QueryResult) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64 + result.rows.count * result.columns.count * 16)
        let keys: [[UInt8]] = result.columns.map { column in
            var key: [UInt8] = []
            Self.appendJSONString(column.name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
        out.append(UInt8(ascii: "["))
        for (r, row) in result.rows.enumerated() {
            if r > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            for (i, v) in row.enumerated() where i < keys.count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: keys[i])
                switch v {
                case .null: out.append(contentsOf: "null".utf8)
                case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
                case .int(let n): out.append(contentsOf: String(n).utf8)
                case .set(let items):
                    out.append(UInt8(ascii: "["))
                    for (k, item) in items.enumerated() {
                        if k > 0 { out.append(UInt8(ascii: ",")) }
                        Self.appendJSONString(item, to: &out)
                    }
                    out.append(UInt8(ascii: "]"))
                case .text, .date, .duration: Self.appendJSONString(cell(v, result.columns[i]), to: &out)
                case .number: out.append(contentsOf: jsonValue(v, result.columns[i]).utf8)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// `jsonString` appended as bytes: a control character is one byte in UTF-8, so
    /// escaping byte by byte escapes exactly the scalars `jsonString` escapes.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        var text = text
        out.append(UInt8(ascii: "\""))
        text.withUTF8 { bytes in
            var run = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                run = i + 1
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
                default:
                    let hex = String(b, radix: 16)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 {
                    let hex = String(ch.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }

    /// Columns aligned by display width (CJK = 2); numbers right-aligned; a row count.
    func table(_ result: QueryResult) -> String {
        let header = result.columns.map { tableCell($0.name) }
        let body = result.rows.map { row in zip(result.columns, row).map { column, v in tableCell(cell(v, column)) } }
        var widths = header.map { DisplayWidth.of($0) }
        for row in body { for (i, c) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
        let numeric = result.columns.map { $0.type == .int || $0.type == .number }
        func line(_ cells: [String], alignNumbers: Bool) -> String {
            var parts: [String] = []
            for (i, c) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - DisplayWidth.of(c))
                parts.append(alignNumbers && numeric[i] ? pad + c : (i == cells.count - 1 ? c : c + pad))
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var lines = [line(header, alignNumbers: false), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += body.map { line($0, alignNumbers: true) }
        let n = result.rows.count
        lines.append("(\(n) row\(n == 1 ? "" : "s"))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text a terminal only displays: control characters (C0, DEL, C1) would move the
    /// cursor, recolour or retitle the terminal, or break the row, so they are shown as the
    /// escapes of an MQL string — `\n`, `\t`, `\r`, else `\u{1b}` — and widths count
    /// the escape. Tables (batch and REPL) and `line` use it; csv, tsv and json stay exact.
    func tableCell(_ s: String) -> String { Self.visible(s) }

    /// `keepingLayout`: newlines and tabs stay (messages of several lines, source lines
    /// under which a caret points).
    static func visible(_ s: String, keepingLayout: Bool = false) -> String {
        guard s.unicodeScalars.contains(where: { isControl($0) && !(keepingLayout && ($0 == "\n" || $0 == "\t")) }) else { return s }
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\n" where keepingLayout, "\t" where keepingLayout: out.unicodeScalars.append(ch)
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if isControl(ch) { out += "\\u{\(String(ch.value, radix: 16))}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    static func isControl(_ ch: Unicode.Scalar) -> Bool {
        ch.value < 0x20 || (0x7F...0x9F).contains(ch.value)
    }
}

import Foundation
