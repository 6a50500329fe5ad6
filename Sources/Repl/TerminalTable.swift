// Tables for a person at a terminal (the REPL's `table` format): columns aligned by display
// width (MQL's DisplayWidth: CJK and full-width 2, combining marks 0 — never libc's
// wcwidth, which depends on the locale); a long result shows its first and last rows around
// "… N more rows"; a wide one narrows its widest columns, wrapping long cells over several
// lines within their column (nothing is cut but the header), and if that is not enough
// leaves out its last columns and says so. Colour (bold header, dim
// footer) only when asked. Batch output does not come here: it keeps OutputWriter.table.

import Foundation
import MQL

/// What the REPL knows about the terminal it prints to.
struct Screen {
    /// Rows a table shows before eliding; nil: fit the terminal's height; 0: all.
    var maxRows: Int?
    let colourOut: Bool
    let colourErr: Bool

    /// TUNING: lines kept free for the prompt, the statement and the header/footer.
    static let reservedLines = 8
    /// TUNING: a table always shows at least this many rows when it has them.
    static let minimumRows = 10

    static func size() -> (columns: Int, lines: Int) {
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 {
            return (Int(ws.ws_col), Int(ws.ws_row))
        }
        let env = ProcessInfo.processInfo.environment
        return (env["COLUMNS"].flatMap(Int.init) ?? 80, env["LINES"].flatMap(Int.init) ?? 24)
    }

    var effectiveMaxRows: Int {
        if let maxRows { return maxRows }
        return max(Screen.minimumRows, Screen.size().lines - Screen.reservedLines)
    }
}

/// ANSI colour for terminals; only used when Colour.enabled says so.
enum Colour {
    /// Colour on a terminal unless NO_COLOR is set (https://no-color.org) or TERM is dumb.
    static func enabled(fileDescriptor: Int32, env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if let noColour = env["NO_COLOR"], !noColour.isEmpty { return false }
        if env["TERM"] == "dumb" { return false }
        return isatty(fileDescriptor) == 1
    }

    /// How a message on stderr is coloured (applied after its text is made safe).
    enum Style {
        case error, dim
        func apply(_ s: String) -> String { self == .error ? Colour.error(s) : Colour.dim(s) }
    }

    static func bold(_ s: String) -> String { "\u{1B}[1m" + s + "\u{1B}[0m" }
    static func dim(_ s: String) -> String { "\u{1B}[2m" + s + "\u{1B}[0m" }
    static func red(_ s: String) -> String { "\u{1B}[31m" + s + "\u{1B}[0m" }

    /// An error report: `error:` in bold red, the rest as it is.
    static func error(_ text: String) -> String {
        guard let range = text.range(of: "error:") else { return text }
        return text.replacingCharacters(in: range, with: "\u{1B}[1;31merror:\u{1B}[0m")
    }

    /// For a readline prompt: escapes wrapped in \u{01}…\u{02} so readline does not count them.
    static func prompt(_ s: String, code: String) -> String {
        "\u{01}\u{1B}[\(code)m\u{02}" + s + "\u{01}\u{1B}[0m\u{02}"
    }
}

enum TerminalTable {
    /// TUNING: a column is never cut narrower than this (or its natural width, if less).
    static let minimumColumnWidth = 6
    static let gap = 2

    static func render(_ result: QueryResult, writer: OutputWriter, width: Int, maxRows: Int, colour: Bool, messages: Messages) -> String {
        let total = result.rows.count
        var shownRows = Array(result.rows.indices)
        var elided = 0
        if maxRows > 0 && total > maxRows {
            let head = (maxRows + 1) / 2, tail = maxRows / 2
            shownRows = Array(0..<head) + Array((total - tail)..<total)
            elided = total - maxRows
        }
        let header = result.columns.map { writer.tableCell($0.name) }
        let body = shownRows.map { r in zip(result.columns, result.rows[r]).map { column, v in writer.tableCell(writer.cell(v, column)) } }
        var widths = header.map { DisplayWidth.of($0) }
        for row in body { for (i, c) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
        let (fitted, shownColumns) = fit(widths, into: width)
        let numeric = result.columns.map { $0.type == .int || $0.type == .number }

        func line(_ cells: [String], alignNumbers: Bool) -> String {
            var parts: [String] = []
            for i in 0..<shownColumns {
                let c = cells[i]
                let pad = String(repeating: " ", count: max(0, fitted[i] - DisplayWidth.of(c)))
                parts.append(alignNumbers && numeric[i] ? pad + c : (i == shownColumns - 1 ? c : c + pad))
            }
            var text = parts.joined(separator: String(repeating: " ", count: gap))
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        // A row whose cells are wider than their columns takes several lines: each cell
        // wraps within its column, so nothing is cut (a cut note hid the deciding fact of
        // an explain). The header alone is cut, to keep one line.
        func wrappedLines(_ cells: [String]) -> [String] {
            let pieces = (0..<shownColumns).map { wrap(cells[$0], to: fitted[$0]) }
            let height = pieces.map(\.count).max() ?? 1
            return (0..<height).map { k in line(pieces.map { k < $0.count ? $0[k] : "" }, alignNumbers: true) }
        }

        let head = line((0..<shownColumns).map { cut(header[$0], to: fitted[$0]) }, alignNumbers: false)
        var lines = [colour ? Colour.bold(head) : head,
                     fitted.prefix(shownColumns).map { String(repeating: "-", count: $0) }.joined(separator: String(repeating: " ", count: gap))]
        let splitAt = elided > 0 ? (maxRows + 1) / 2 : body.count
        for (i, row) in body.enumerated() {
            if i == splitAt {
                let more = messages.moreRows(elided)
                lines.append(colour ? Colour.dim(more) : more)
            }
            lines += wrappedLines(row)
        }
        var footer = messages.rowCount(total)
        if shownColumns < header.count { footer += " " + messages.hiddenColumns(header.count - shownColumns) }
        lines.append(colour ? Colour.dim(footer) : footer)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Column widths that fit `width`: the widest columns give way first, down to a
    /// minimum; then columns are left out from the right (at least one stays).
    static func fit(_ natural: [Int], into width: Int) -> (widths: [Int], shown: Int) {
        var widths = natural
        let minimums = natural.map { min($0, minimumColumnWidth) }
        func total(_ n: Int) -> Int { widths.prefix(n).reduce(0, +) + gap * max(0, n - 1) }
        var excess = total(widths.count) - width
        while excess > 0 {
            guard let i = widths.indices.filter({ widths[$0] > minimums[$0] }).max(by: { widths[$0] < widths[$1] }) else { break }
            widths[i] -= 1
            excess -= 1
        }
        var shown = widths.count
        while shown > 1 && total(shown) > width { shown -= 1 }
        return (widths, shown)
    }

    /// Text in lines of at most `width` display columns, every character kept: a line
    /// breaks after the last space that leaves it at least half full, else where it is
    /// full. Continuation lines keep the text's indentation (explain's tree stays a tree)
    /// when that leaves room.
    static func wrap(_ text: String, to width: Int) -> [String] {
        guard DisplayWidth.of(text) > width, width > 0 else { return [text] }
        let indentation = String(text.prefix { $0 == " " })
        let indent: [Character] = indentation.count * 2 < width ? Array(indentation + "  ") : []
        var lines: [String] = []
        var current: [Character] = []
        var used = 0
        var start = 0
        for ch in text {
            let w = DisplayWidth.of(String(ch))
            if used + w > width && current.count > start {
                var rest: [Character] = []
                if let space = current.lastIndex(of: " "), space >= start, DisplayWidth.of(String(current[...space])) * 2 >= width {
                    rest = Array(current[(space + 1)...])
                    current = Array(current[...space])
                }
                lines.append(String(current))
                current = indent + rest
                start = indent.count
                used = DisplayWidth.of(String(current))
            }
            current.append(ch)
            used += w
        }
        if current.count > start { lines.append(String(current)) }
        return lines
    }

    /// Text cut to `width` display columns, ending in "…" when it was longer.
    static func cut(_ text: String, to width: Int) -> String {
        guard DisplayWidth.of(text) > width else { return text }
        guard width > 1 else { return width == 1 ? "…" : "" }
        var out = ""
        var used = 0
        for ch in text {
            let w = DisplayWidth.of(String(ch))
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }
}
