// A test-side dump of syntax trees as S-expressions, so that golden files show how a
// statement was grouped (`a or b and c` → `(or a (and b c))`), which the canonical printer
// leaves implicit. Source ranges are left out: two trees with the same dump are the same
// tree for the print∘parse law.

import Engine
@testable import MQL

enum TreeDump {
    static func statement(_ s: Statement) -> String {
        switch s.kind {
        case .query(let q): return query(q)
        case .count(let q): return "(count \(query(q)))"
        case .expression(let e): return "(expr \(expr(e)))"
        case .plan(let q): return "(plan \(query(q)))"
        case .explain(let name, _, let q): return "(explain \(name) \(query(q)))"
        case .param(let name, _, let value): return "(param \(name) \(expr(value)))"
        case .section(let name, _, let title, let q): return "(section \(name)" + (title.map { " " + Printer.quote($0) } ?? "") + " \(query(q)))"
        case .definition(let d):
            let citation = d.citation.map { " " + Printer.quote($0) } ?? ""
            return "(\(d.kind.rawValue) \(d.collection).\(d.name)\(citation) \(expr(d.expr)))"
        case .test(let t):
            var parts = ["test", Printer.quote(t.name)]
            if let today = t.today { parts.append("(today \(CivilDate.format(today)))") }
            for g in t.givens {
                parts.append("(given \(g.collection)" + g.fields.map { " (\($0.name) \(expr($0.value)))" }.joined() + ")")
            }
            for e in t.expectations {
                switch e {
                case .value(let name, let collection, let key, let expected, _):
                    parts.append("(expect \(name) \(collection) \(expr(key)) \(expr(expected)))")
                case .count(let q, let expected, _):
                    parts.append("(expect-count \(query(q)) \(expr(expected)))")
                case .violation(let name, let key, let expected, _):
                    parts.append("(expect-\(expected ? "" : "no-")violation \(name)\(key.map { " " + expr($0) } ?? ""))")
                case .error(let message, let source, _):
                    parts.append("(expect-error \(Printer.quote(message)) \(Printer.quote(source)))")
                }
            }
            return "(" + parts.joined(separator: " ") + ")"
        case .change(let c): return change(c)
        case .begin: return "(begin)"
        case .commit: return "(commit)"
        case .rollback: return "(rollback)"
        case .pairingRound(.suggest(let filter, let unmatched)):
            return "(suggest-pairings\(unmatched ? " unmatched" : "")\(filter.map { " " + expr($0) } ?? ""))"
        case .pairingRound(.explain(let mother, let child)): return "(explain-pair \(expr(mother)) \(expr(child)))"
        }
    }

    static func change(_ c: Change) -> String {
        func fields(_ items: [FieldValue]) -> String { items.map { " (\($0.name) \(expr($0.value)))" }.joined() }
        func optional(_ word: String, _ e: Expr?) -> String { e.map { " (\(word) \(expr($0)))" } ?? "" }
        switch c {
        case .insert(let collection, _, let items): return "(insert \(collection)\(fields(items)))"
        case .update(let q, let items): return "(update \(query(q))\(fields(items)))"
        case .delete(let q): return "(delete \(query(q)))"
        case .pair(let mother, let child, let since, let channels, let note):
            return "(pair \(expr(mother)) \(expr(child))\(optional("since", since))\(optional("channels", channels))\(optional("note", note)))"
        case .endPairing(let pairing, let on, let note):
            return "(end-pairing \(expr(pairing))\(optional("on", on))\(optional("note", note)))"
        case .visit(let child, let on, let kind, let note):
            return "(visit \(expr(child)) \(expr(on))\(optional("kind", kind))\(optional("note", note)))"
        case .attach(let file, let target, let id, let note, let taken):
            return "(attach \(expr(file)) \(target.rawValue) \(expr(id))\(optional("note", note))\(optional("taken", taken)))"
        }
    }

    static func query(_ q: Query) -> String {
        var parts = ["query", expr(q.source)]
        if let f = q.filter { parts.append("(where \(expr(f)))") }
        if !q.groupBy.isEmpty { parts.append("(group-by " + q.groupBy.map(expr).joined(separator: " ") + ")") }
        if let s = q.select {
            parts.append("(select " + s.map { item in item.alias.map { "(as \(expr(item.expr)) \($0))" } ?? expr(item.expr) }.joined(separator: " ") + ")")
        }
        if !q.orderBy.isEmpty {
            parts.append("(order-by " + q.orderBy.map { $0.descending ? "(desc \(expr($0.expr)))" : expr($0.expr) }.joined(separator: " ") + ")")
        }
        if let l = q.limit { parts.append("(limit \(expr(l)))") }
        if let o = q.offset { parts.append("(offset \(expr(o)))") }
        return "(" + parts.joined(separator: " ") + ")"
    }

    static func expr(_ e: Expr) -> String {
        switch e.kind {
        case .integer(let v): return String(v)
        case .decimal(let v): return "\(v)d"
        case .text(let s): return Printer.quote(s)
        case .boolean(let b): return b ? "true" : "false"
        case .null: return "null"
        case .date(let d): return "#" + CivilDate.format(d)
        case .duration(let n, let unit): return "(duration \(n) \(unit.rawValue))"
        case .list(let items): return "[" + items.map(expr).joined(separator: " ") + "]"
        case .name(let n): return n
        case .this: return "this"
        case .outer: return "outer"
        case .member(let base, let name): return "(. \(expr(base)) \(name))"
        case .unary(.not, let x): return "(not \(expr(x)))"
        case .unary(.negate, let x): return "(neg \(expr(x)))"
        case .binary(let op, let l, let r): return "(\(op.rawValue) \(expr(l)) \(expr(r)))"
        case .isNull(let x, let negated): return "(\(negated ? "is-not-null" : "is-null") \(expr(x)))"
        case .between(let x, let lo, let hi, let negated): return "(\(negated ? "not-between" : "between") \(expr(x)) \(expr(lo)) \(expr(hi)))"
        case .call(let name, let args): return "(call \(name)" + args.map { " " + expr($0) }.joined() + ")"
        case .query(let q): return query(q)
        }
    }
}
