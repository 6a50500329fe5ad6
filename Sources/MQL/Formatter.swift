// Canonical layout of rule files (`mql fmt`): each statement printed by `Printer`, with
// the comments and blank lines between statements kept where they were. A definition's
// expression goes on its own indented line when the header is long, and `and`/`or` chains
// of a rule break one condition per line.
//
// Comments inside a statement (in a `test { }` block, in a continued expression) stay with
// their token: one that ended a line follows the same token in the output, one on a line
// of its own stays on its own line before the token that followed it. The printed form and
// the original are matched token by token, since printing may add or drop parentheses.

public enum Formatter {
    /// TUNING: lines longer than this are broken at `=` and at top-level `and`/`or`.
    static let width = 100
    /// TUNING: token matching is quadratic; a statement larger than this (tokens × tokens)
    /// with comments inside keeps its own layout instead.
    static let maximumAlignmentCells = 4_000_000

    public static func format(_ file: SourceFile) -> Result<String, DiagnosticError> {
        let (statements, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty { return .failure(DiagnosticError(diagnostics)) }
        let tokens = Lexer.tokenize(file).tokens
        let comments = Lexer.comments(file)
        var out = ""
        var cursor = 0
        // Tokens and comments are in source order, as statements are: one pass over each.
        var nextToken = 0, nextComment = 0
        for statement in statements {
            out += gap(file, from: cursor, to: statement.range.start, first: out.isEmpty)
            while nextComment < comments.count && comments[nextComment].start <= statement.range.start { nextComment += 1 }
            var inside: [SourceRange] = []
            while nextComment < comments.count && comments[nextComment].start < statement.range.end {
                inside.append(comments[nextComment])
                nextComment += 1
            }
            while nextToken < tokens.count && tokens[nextToken].range.start < statement.range.start { nextToken += 1 }
            if inside.isEmpty {
                out += layout(statement)
            } else {
                var own: [Token] = []
                var k = nextToken
                while k < tokens.count && tokens[k].range.end <= statement.range.end {
                    if tokens[k].kind != .newline && tokens[k].kind != .eof { own.append(tokens[k]) }
                    k += 1
                }
                out += layout(statement, tokens: own, comments: inside)
            }
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
        // Only `;` (ASCII or full-width) and spaces can stand before a comment here.
        let separators: Set<Character> = [";", "\u{FF1B}"]
        var parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map { line -> String in
            var rest = Substring(line)
            while let c = rest.first, c.isWhitespace || separators.contains(c) { rest.removeFirst() }
            while let c = rest.last, c.isWhitespace { rest.removeLast() }
            return String(rest)
        }
        // The last part is the indentation before the next statement — or, at the end of
        // a file without a final newline, its last comment.
        if let last = parts.last, !last.hasPrefix("#") { parts.removeLast() }
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
        if case .section(let name, _, let title, let q) = statement.kind, DisplayWidth.of(flat) > width {
            return sectionLayout(name: name, title: title, q)
        }
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

    /// A long section of a report file: its query under the header, a clause a line, the
    /// select items wrapped at the width.
    static func sectionLayout(name: String, title: String?, _ q: Query) -> String {
        var lines = ["section \(name)" + (title.map { " " + Printer.quote($0) } ?? "") + " ="]
        lines.append("    " + Printer.expr(q.source, precedence: 7))
        if let f = q.filter {
            let parts = conditions(f)
            if parts.count > 1 && DisplayWidth.of("    where " + Printer.expr(f)) > width {
                lines.append("    where " + parts.joined(separator: "\n        " + (isOr(f) ? "or " : "and ")))
            } else {
                lines.append("    where " + Printer.expr(f))
            }
        }
        if !q.groupBy.isEmpty { lines.append("    group by " + q.groupBy.map { Printer.expr($0) }.joined(separator: ", ")) }
        if let s = q.select {
            var line = "    select "
            for (i, item) in s.enumerated() {
                let text = Printer.expr(item.expr) + (item.alias.map { " as \($0)" } ?? "") + (i < s.count - 1 ? "," : "")
                if line.hasSuffix(" "), !line.hasSuffix("select "), DisplayWidth.of(line + text) > width {
                    lines.append(String(line.dropLast()))
                    line = "        "
                }
                line += text + " "
            }
            lines.append(String(line.dropLast()))
        }
        if !q.orderBy.isEmpty {
            lines.append("    order by " + q.orderBy.map { Printer.expr($0.expr) + ($0.descending ? " desc" : "") }.joined(separator: ", "))
        }
        if let l = q.limit { lines.append("    limit " + Printer.expr(l, precedence: 5) + (q.offset.map { " offset " + Printer.expr($0, precedence: 5) } ?? "")) }
        else if let o = q.offset { lines.append("    offset " + Printer.expr(o, precedence: 5)) }
        return lines.joined(separator: "\n")
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

    // MARK: - Comments inside a statement

    /// A comment and the token it belongs to: it ended that token's line (`trailing`), or
    /// stood on a line of its own before it.
    struct Placement {
        var text: String
        var token: Int
        var trailing: Bool
    }

    /// The statement in canonical layout with its comments put back. Every candidate is
    /// checked — it must read back as the same statement with the same comments — and a
    /// statement no candidate keeps intact is left as it was written.
    static func layout(_ statement: Statement, tokens original: [Token], comments: [SourceRange]) -> String {
        let file = statement.file
        let verbatim = file.text(of: statement.range)
        let canonical = layout(statement)
        let printedFile = SourceFile(name: "", text: canonical)
        let printed = Lexer.tokenize(printedFile).tokens.filter { $0.kind != .newline && $0.kind != .eof }
        let texts = comments.map { commentText(file, $0) }
        guard original.count * printed.count <= maximumAlignmentCells else { return verbatim }
        let match = align(original.map(\.kind), printed.map(\.kind))
        var placements: [Placement] = []
        var allTrailing: [Placement] = []
        for (range, text) in zip(comments, texts) {
            // The last original token before the comment, and the first after it.
            let before = original.lastIndex { $0.range.end <= range.start }
            let after = original.firstIndex { $0.range.start >= range.end }
            let backward = before.flatMap { k in (0...k).reversed().lazy.compactMap { match[$0] }.first }
            let forward = after.flatMap { k in (k..<original.count).lazy.compactMap { match[$0] }.first }
            if let backward { allTrailing.append(Placement(text: text, token: backward, trailing: true)) }
            if startsLine(file, range.start), let forward {
                placements.append(Placement(text: text, token: forward, trailing: false))
            } else if let backward {
                placements.append(Placement(text: text, token: backward, trailing: true))
            } else {
                return verbatim
            }
        }
        let expected = Printer.statement(statement)
        for candidate in [placements, allTrailing] where candidate.count == comments.count {
            let text = render(canonical, printedFile: printedFile, tokens: printed, placements: candidate)
            if readsBack(text, as: expected, comments: texts) { return text }
        }
        return verbatim
    }

    /// The comment's text, without trailing spaces.
    static func commentText(_ file: SourceFile, _ range: SourceRange) -> String {
        var text = file.text(of: range)
        while let c = text.last, c.isWhitespace { text.removeLast() }
        return text
    }

    /// Whether only spaces stand between the line's start and `offset`.
    static func startsLine(_ file: SourceFile, _ offset: Int) -> Bool {
        var p = offset - 1
        while p >= 0 {
            let b = file.bytes[p]
            if b == 0x0A || b == 0x0D { return true }
            if b != 0x20 && b != 0x09 { return false }
            p -= 1
        }
        return true
    }

    /// For each token of `a`, the index of the token of `b` it corresponds to, by a longest
    /// common subsequence of token kinds.
    static func align(_ a: [TokenKind], _ b: [TokenKind]) -> [Int?] {
        let n = a.count, m = b.count
        var lengths = [Int](repeating: 0, count: (n + 1) * (m + 1))
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i * (m + 1) + j] = a[i] == b[j]
                    ? lengths[(i + 1) * (m + 1) + j + 1] + 1
                    : max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1])
            }
        }
        var match = [Int?](repeating: nil, count: n)
        var i = 0, j = 0
        while i < n && j < m {
            if a[i] == b[j] {
                match[i] = j
                i += 1; j += 1
            } else if lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return match
    }

    /// `canonical` with the comments inserted at their tokens. A trailing comment ends its
    /// token's line, and what followed moves to an indented continuation line; a comment
    /// of its own line is put on a line before its token.
    static func render(_ canonical: String, printedFile: SourceFile, tokens: [Token], placements: [Placement]) -> String {
        let bytes = printedFile.bytes
        var out: [UInt8] = []
        var cursor = 0
        var breakBeforeNext = false
        func indentation() -> [UInt8] {
            let lineStart = (out.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
            return Array(out[lineStart...].prefix { $0 == 0x20 })
        }
        for (j, token) in tokens.enumerated() {
            var between = Array(bytes[cursor..<token.range.start])
            let own = placements.filter { !$0.trailing && $0.token == j }.map(\.text)
            if breakBeforeNext && !between.contains(0x0A) {
                between = [0x0A] + indentation() + Array("    ".utf8)
            }
            breakBeforeNext = false
            if !own.isEmpty {
                if let newline = between.lastIndex(of: 0x0A) {
                    var indent = Array(between[(newline + 1)...])
                    // A comment before a closing brace belongs to the block's body.
                    if token.kind == .punct("}") { indent += Array("    ".utf8) }
                    out += between[...newline]
                    for text in own { out += indent + Array(text.utf8) + [0x0A] }
                    out += between[(newline + 1)...]
                } else {
                    let indent = indentation() + Array("    ".utf8)
                    out += [0x0A]
                    for text in own { out += indent + Array(text.utf8) + [0x0A] }
                    out += indent
                }
            } else {
                out += between
            }
            out += bytes[token.range.start..<token.range.end]
            cursor = token.range.end
            let trailing = placements.filter { $0.trailing && $0.token == j }.map(\.text)
            if let first = trailing.first {
                out += Array("  \(first)".utf8)
                for text in trailing.dropFirst() { out += [0x0A] + indentation() + Array("    \(text)".utf8) }
                breakBeforeNext = true
            }
        }
        out += bytes[cursor...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` parses as one statement printing as `expected`, with these comments.
    static func readsBack(_ text: String, as expected: String, comments: [String]) -> Bool {
        let file = SourceFile(name: "", text: text)
        let (statements, diagnostics) = Parser.parse(file)
        guard diagnostics.isEmpty, statements.count == 1, Printer.statement(statements[0]) == expected else { return false }
        let found = Lexer.comments(file)
        // A comment after the last token would swallow the one the next line puts there.
        guard found.allSatisfy({ $0.start < statements[0].range.end }) else { return false }
        return found.map { commentText(file, $0) }.sorted() == comments.sorted()
    }
}
