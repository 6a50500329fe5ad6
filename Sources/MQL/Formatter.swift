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

    /// What lies between two statements: a comment trailing the previous line, then whole
    /// lines that are blank or comments — blank runs folded to one, none at the start.
    static func gap(_ file: SourceFile, from: Int, to: Int, first: Bool) -> String {
        let text = file.text(of: SourceRange(from, to))
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        // The last part is the indentation before the next statement (or the file's end).
        if !parts.isEmpty { parts.removeLast() }
        var out = ""
        if !first {
            if let trailing = parts.first, trailing.hasPrefix("#") { out += "  " + trailing }
            if !parts.isEmpty { parts.removeFirst() }
            out += "\n"
        }
        var lastBlank = first
        for line in parts {
            if line.isEmpty {
                if !lastBlank { out += "\n" }
                lastBlank = true
            } else {
                out += line + "\n"
                lastBlank = false
            }
        }
        return out
    }

    static func layout(_ statement: Statement) -> String {
        let flat = Printer.statement(statement)
        // Rules and constraints put their condition under the citation; anything long breaks.
        guard case .definition(let d) = statement.kind, d.kind != .define || DisplayWidth.of(flat) > width else { return flat }
        var header = "\(d.kind.rawValue) \(d.collection).\(d.name)"
        if let c = d.citation { header += " " + Printer.quote(c) }
        let parts = conditions(d.expr)
        if parts.count > 1 && DisplayWidth.of(parts.joined(separator: " and ")) + 4 > width {
            return header + " =\n    " + parts.joined(separator: "\n    " + (isOr(d.expr) ? "or " : "and "))
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
        return flatten(e).map { Printer.expr($0, precedence: 3) }
    }
}
