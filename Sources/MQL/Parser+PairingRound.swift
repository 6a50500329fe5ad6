// The statements of the pairing round (cycle.md §2; language.md, "The pairing round"):
//
//   suggest pairings [unmatched] [where CONDITION]
//   explain pair mother M with child C
//
// `suggest pairings` lists the suggested pairs; with `unmatched`, the candidate children
// left without one and why. `explain pair` shows every check a suggestion passes.

/// A statement of the pairing round.
public enum PairingRound: Sendable {
    /// `suggest pairings [unmatched] [where CONDITION]`: CONDITION is on children.
    case suggest(filter: Expr?, unmatched: Bool)
    /// `explain pair mother M with child C`.
    case explain(mother: Expr, child: Expr)
}

extension Parser {
    /// pairingRound -> 'suggest' 'pairings' ['unmatched'] ['where' expr]
    ///               | 'explain' 'pair' 'mother' primary 'with' 'child' primary
    mutating func pairingRoundStatement() throws -> PairingRound? {
        if current.isWord("suggest"), peek().isWord("pairings") {
            _ = advance(); _ = advance()
            var unmatched = false
            if current.isWord("unmatched") { _ = advance(); unmatched = true }
            var filter: Expr?
            if accept(.where) { filter = try expression() }
            guard current.kind == .newline || atEnd else {
                throw fail(Message.expected(MessagePhrase.orTheEndOfTheStatement(unmatched || filter != nil ? "'where'" : "'unmatched', 'where'"), found: current.describe))
            }
            return .suggest(filter: filter, unmatched: unmatched)
        }
        if current.isWord("explain"), peek().isWord("pair"), peek(2).isWord("mother") {
            _ = advance(); _ = advance(); _ = advance()
            let mother = try postfix()
            guard current.isWord("with"), peek().isWord("child") else { throw fail(Message.expected("'with child ID'", found: current.describe)) }
            _ = advance(); _ = advance()
            return .explain(mother: mother, child: try postfix())
        }
        return nil
    }
}

extension Printer {
    public static func pairingRound(_ round: PairingRound) -> String {
        switch round {
        case .suggest(let filter, let unmatched):
            return "suggest pairings" + (unmatched ? " unmatched" : "") + (filter.map { " where " + expr($0) } ?? "")
        case .explain(let mother, let child):
            return "explain pair mother \(expr(mother, precedence: 7)) with child \(expr(child, precedence: 7))"
        }
    }
}
