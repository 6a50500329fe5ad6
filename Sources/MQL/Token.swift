// Tokens produced by the lexer. Keywords are a closed set, matched case-insensitively;
// statement-level words (define, rule, count, plan, …) stay identifiers and are recognised
// by the parser in position, so a field may still be called `date` or `kind`.

public enum Keyword: String, CaseIterable, Sendable {
    case `where`, group, by, select, order, limit, offset, `as`, asc, desc
    case and, or, not, `in`, contains, like, between, `is`, null, `true`, `false`, this, outer
}

public enum TokenKind: Equatable, Sendable {
    case identifier(String)
    case keyword(Keyword)
    case string(String)
    case integer(Int)
    case decimal(Double)
    case date(Int32)
    case punct(String)  // ( ) [ ] { } , : . = != < <= > >= + - * /
    case newline        // a statement end (newline or ';')
    case eof
}

public struct Token: Equatable, Sendable {
    public let kind: TokenKind
    public let range: SourceRange

    public var isKeywordThatContinues: Bool {
        guard case .keyword(let k) = kind else { return false }
        switch k {
        case .where, .group, .by, .select, .order, .limit, .offset, .as, .and, .or, .not, .in, .contains,
             .like, .between, .is:
            return true
        default:
            return false
        }
    }

    public var isOperatorThatContinues: Bool {
        guard case .punct(let p) = kind else { return false }
        return ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", ",", ":", "."].contains(p)
    }

    public func `is`(_ punct: String) -> Bool { kind == .punct(punct) }
    public func `is`(_ keyword: Keyword) -> Bool { kind == .keyword(keyword) }

    public var isStringLiteral: Bool {
        if case .string = kind { return true }
        return false
    }

    /// An identifier matched case-insensitively (for statement words such as `define`).
    public func isWord(_ word: String) -> Bool {
        if case .identifier(let name) = kind { return name.lowercased() == word }
        return false
    }

    public var describe: String {
        switch kind {
        case .identifier(let n): return "'\(n)'"
        case .keyword(let k): return "'\(k.rawValue)'"
        case .string(let s): return MessagePhrase.tokenText(s)
        case .integer(let i): return MessagePhrase.tokenNumber(i)
        case .decimal(let d): return MessagePhrase.tokenNumber(d)
        case .date(let d): return MessagePhrase.tokenDate(CivilDateFormat.format(d))
        case .punct(let p): return "'\(p)'"
        case .newline: return MessagePhrase.endOfStatement()
        case .eof: return MessagePhrase.endOfInput()
        }
    }
}

import Engine
enum CivilDateFormat {
    static func format(_ d: Int32) -> String { CivilDate.format(d) }
}
