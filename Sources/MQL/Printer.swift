// Prints the syntax tree back as MQL source in canonical layout. Parsing the printed text
// gives the same tree (the print∘parse law the tests check); the checker also uses the
// printed form to recognise a select item that repeats a `group by` key.

public enum Printer {
    public static func statement(_ s: Statement) -> String {
        switch s.kind {
        case .query(let q): return query(q)
        case .count(let q): return "count " + query(q)
        case .expression(let e): return expr(e)
        case .plan(let q): return "plan " + query(q)
        case .explain(let name, _, let q): return "explain \(name) for " + query(q)
        case .param(let name, _, let value): return "param \(name) = " + expr(value)
        case .definition(let d):
            var text = "\(d.kind.rawValue) \(d.collection).\(d.name)"
            if let c = d.citation { text += " " + quote(c) }
            return text + " = " + expr(d.expr)
        case .test(let t): return test(t)
        case .section(let name, _, let title, let q): return "section \(name)" + (title.map { " " + quote($0) } ?? "") + " = " + query(q)
        case .begin: return "begin"
        case .commit: return "commit"
        case .rollback: return "rollback"
        case .change(let c): return change(c)
        case .pairingRound(let round): return pairingRound(round)
        }
    }

    public static func change(_ c: Change) -> String {
        func fields(_ items: [FieldValue], _ separator: String) -> String {
            items.map { "\($0.name)\(separator)\(expr($0.value))" }.joined(separator: ", ")
        }
        func optional(_ word: String, _ e: Expr?) -> String { e.map { " \(word) \(expr($0))" } ?? "" }
        switch c {
        case .insert(let collection, _, let items): return "insert \(collection) {\(fields(items, ": "))}"
        case .update(let q, let items): return "update \(query(q)) set \(fields(items, " = "))"
        case .delete(let q): return "delete \(query(q))"
        case .pair(let mother, let child, let since, let channels, let note):
            return "pair mother \(expr(mother, precedence: 7)) with child \(expr(child, precedence: 7))" + optional("since", since) + optional("channels", channels) + optional("note", note)
        case .endPairing(let pairing, let on, let note):
            return "end pairing \(expr(pairing, precedence: 7))" + optional("on", on) + optional("note", note)
        case .visit(let child, let on, let kind, let note):
            return "visit child \(expr(child, precedence: 7)) on \(expr(on, precedence: 7))" + optional("kind", kind) + optional("note", note)
        case .attach(let file, let target, let id, let note, let taken):
            return "attach \(expr(file, precedence: 7)) to \(target.rawValue) \(expr(id, precedence: 7))" + optional("note", note) + optional("taken", taken)
        }
    }

    public static func test(_ t: TestCase) -> String {
        var lines = ["test \(quote(t.name)) {"]
        if let today = t.today { lines.append("    given today \(CivilDateFormat.format(today))") }
        for g in t.givens {
            lines.append("    given \(g.collection) {" + g.fields.map { "\($0.name): \(expr($0.value))" }.joined(separator: ", ") + "}")
        }
        for e in t.expectations {
            switch e {
            case .value(let name, let collection, let key, let expected, _):
                lines.append("    expect \(name) of \(collection) \(expr(key)) = \(expr(expected))")
            case .count(let q, let expected, _):
                lines.append("    expect count \(query(q)) = \(expr(expected))")
            case .violation(let name, let key, let expected, _):
                lines.append("    expect \(expected ? "" : "no ")violation \(name)" + (key.map { " of " + expr($0) } ?? ""))
            case .error(let message, let source, _):
                lines.append("    expect error \(quote(message)) from \(quote(source))")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    public static func query(_ q: Query) -> String {
        var parts = [expr(q.source, precedence: 7)]
        if let f = q.filter { parts.append("where " + expr(f)) }
        if !q.groupBy.isEmpty { parts.append("group by " + q.groupBy.map { expr($0) }.joined(separator: ", ")) }
        if let s = q.select {
            parts.append("select " + s.map { item in expr(item.expr) + (item.alias.map { " as \($0)" } ?? "") }.joined(separator: ", "))
        }
        if !q.orderBy.isEmpty {
            parts.append("order by " + q.orderBy.map { expr($0.expr) + ($0.descending ? " desc" : "") }.joined(separator: ", "))
        }
        if let l = q.limit { parts.append("limit " + expr(l, precedence: 5)) }
        if let o = q.offset { parts.append("offset " + expr(o, precedence: 5)) }
        return parts.joined(separator: " ")
    }

    /// A decimal as the lexer reads it back: digits and a point, never an exponent.
    static func decimal(_ v: Double) -> String {
        var s = String(v)
        guard s.contains("e") else { return s }
        s = String(format: "%.20f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s += "0" }
        return s
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\u{201C}", "\u{201D}", "\u{2018}", "\u{2019}": out.unicodeScalars.append(ch)
            default:
                if ch.value < 0x20 { out += "\\u{\(String(ch.value, radix: 16))}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    /// Precedence levels: 1 or, 2 and, 3 not, 4 predicate, 5 additive, 6 multiplicative,
    /// 7 unary/postfix/primary.
    static func level(_ op: BinaryOperator) -> Int {
        switch op {
        case .or: return 1
        case .and: return 2
        case .add, .subtract: return 5
        case .multiply, .divide: return 6
        default: return 4
        }
    }

    public static func expr(_ e: Expr, precedence: Int = 0) -> String {
        let (text, own) = render(e)
        return own < precedence ? "(\(text))" : text
    }

    static func render(_ e: Expr) -> (String, Int) {
        switch e.kind {
        case .integer(let v): return (String(v), v < 0 ? 5 : 7)
        case .decimal(let v):
            return (decimal(v), v < 0 ? 5 : 7)
        case .text(let s): return (quote(s), 7)
        case .boolean(let b): return (b ? "true" : "false", 7)
        case .null: return ("null", 7)
        case .date(let d): return (CivilDateFormat.format(d), 7)
        case .duration(let n, let unit): return ("\(n) \(unit.rawValue)\(n == 1 ? "" : "s")", 7)
        case .list(let items): return ("[" + items.map { expr($0) }.joined(separator: ", ") + "]", 7)
        case .name(let n): return (n, 7)
        case .this: return ("this", 7)
        case .outer: return ("outer", 7)
        case .member(let base, let name): return (expr(base, precedence: 7) + "." + name, 7)
        case .unary(.not, let operand): return ("not " + expr(operand, precedence: 3), 3)
        case .unary(.negate, let operand): return ("-" + expr(operand, precedence: 7), 7)
        case .binary(let op, let l, let r):
            let p = level(op)
            // Predicates do not chain: both sides sit one level above.
            let leftP = p == 4 ? 5 : p
            return (expr(l, precedence: leftP) + " \(op.rawValue) " + expr(r, precedence: p + 1), p)
        case .isNull(let x, let negated): return (expr(x, precedence: 5) + (negated ? " is not null" : " is null"), 4)
        case .between(let x, let lo, let hi, let negated):
            return (expr(x, precedence: 5) + (negated ? " not between " : " between ") + expr(lo, precedence: 5) + " and " + expr(hi, precedence: 5), 4)
        case .call(let name, let args):
            // A lone query argument needs no parentheses (`count(pairings where active)`);
            // among several, a query's clauses would swallow the comma.
            return (name + "(" + args.map { arg -> String in
                if case .query(let q) = arg.kind, args.count == 1 { return query(q) }
                return expr(arg)
            }.joined(separator: ", ") + ")", 7)
        case .query(let q): return ("(" + query(q) + ")", 7)
        }
    }
}
