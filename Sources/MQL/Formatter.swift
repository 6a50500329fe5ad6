// Canonical layout of rule files (`mql fmt`): each statement printed by `Printer`, with
// the comments and blank lines between statements kept where they were. A definition's
// expression goes on its own indented line when the header is long, and `and`/`or` chains
// of a rule break one condition per line.

public enum Formatter {
    /// TUNING: lines longer than this are broken at `=` and at top-level `and`/`or`.
    static let width = 100

    public static func format(_ file: SourceFile) -> Result<String, DiagnosticError> {
        let (statements, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty { return .failure(DiagnosticError(diagnostics)) }
        var out = ""
        var cursor = 0
        for statement in statements {
            out += gap(file, from: cursor, to: statement.range.start, first: out.isEmpty)
            out += layout(statement)
            cursor = statement.range.end
        }
        out += gap(file, from: cursor, to: file.bytes.count, first: out.isEmpty)
        while out.hasSuffix("\n\n") { out.removeLast() }
        if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        return .success(out)
    }

    /// Comments between statements, each on its own line; at most one blank line in a row.
    static func gap(_ file: SourceFile, from: Int, to: Int, first: Bool) -> String {
        let text = file.text(of: SourceRange(from, to))
        var lines: [String] = []
        var trailing: String?
        var sawNewline = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let hash = line.firstIndex(of: "#") {
                let comment = String(line[hash...])
                if !sawNewline && !first { trailing = comment } else { lines.append(comment) }
            } else if sawNewline {
                lines.append("")
            }
            sawNewline = true
        }
        var out = trailing.map { "  " + $0 } ?? ""
        if !first { out += "\n" }
        var blank = false
        var kept: [String] = []
        for line in lines {
            if line.isEmpty {
                if !blank && !kept.isEmpty || (!blank && !first && kept.isEmpty) { kept.append("") }
                blank = true
            } else {
                kept.append(line)
                blank = false
            }
        }
        if first { while kept.first == "" { kept.removeFirst() } }
        while kept.count >= 2 && kept.last == "" && kept[kept.count - 2] == "" { kept.removeLast() }
        if kept.last == "" { kept.removeLast(); kept.append("") }
        for line in kept { out += line + "\n" }
        return out
    }

    static func layout(_ statement: Statement) -> String {
        let flat = Printer.statement(statement)
        guard case .definition(let d) = statement.kind, flat.count > width || flat.contains("\n") else { return flat }
        var header = "\(d.kind.rawValue) \(d.collection).\(d.name)"
        if let c = d.citation { header += " " + Printer.quote(c) }
        let parts = conditions(d.expr)
        if parts.count > 1 {
            return header + " =\n    " + parts.joined(separator: "\n    " + (isOr(d.expr) ? "or " : "and ")).replacingOccurrences(of: "\n    and ", with: "\n    and ")
        }
        return header + " =\n    " + Printer.expr(d.expr)
    }

    static func isOr(_ e: Expr) -> Bool {
        if case .binary(.or, _, _) = e.kind { return true }
        return false
    }

    static func conditions(_ e: Expr) -> [String] {
        guard case .binary(let op, _, _) = e.kind, op == .and || op == .or else { return [Printer.expr(e)] }
        func flatten(_ x: Expr) -> [Expr] {
            if case .binary(let o, let l, let r) = x.kind, o == op { return flatten(l) + flatten(r) }
            return [x]
        }
        return flatten(e).map { Printer.expr($0, precedence: op == .and ? 3 : 2) }
    }
}
