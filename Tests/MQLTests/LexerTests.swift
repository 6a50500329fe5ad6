// The lexer: token kinds for a table of inputs, full-width punctuation, Chinese quotes,
// escapes, dates against arithmetic, where statements end, and `Lexer.isIncomplete`.

import Engine
@testable import MQL
import Testing

/// Tokens in a compact form: `id(x) kw(where) str(x) int(1) dec(1.5) date(2019-05-15) p(=) ;`.
/// The statement end and end of input that close every source are left off.
func tokenText(_ source: String) -> String {
    var kinds = Lexer.tokenize(SourceFile(name: "t", text: source)).tokens.map(\.kind)
    if kinds.last == .eof { kinds.removeLast() }
    if kinds.last == .newline { kinds.removeLast() }
    return kinds.map(describe).joined(separator: " ")
}

func describe(_ kind: TokenKind) -> String {
    switch kind {
    case .identifier(let s): return "id(\(s))"
    case .keyword(let k): return "kw(\(k.rawValue))"
    case .string(let s): return "str(\(s))"
    case .integer(let i): return "int(\(i))"
    case .decimal(let d): return "dec(\(d))"
    case .date(let d): return "date(\(CivilDate.format(d)))"
    case .punct(let p): return "p(\(p))"
    case .newline: return ";"
    case .eof: return "eof"
    }
}

func lexErrors(_ source: String) -> [String] {
    Lexer.tokenize(SourceFile(name: "t", text: source)).diagnostics.map(\.description)
}

@Suite struct LexerTests {
    struct Case: Sendable, CustomStringConvertible {
        let input: String
        let tokens: String
        init(_ input: String, _ tokens: String) {
            self.input = input
            self.tokens = tokens
        }
        var description: String { input }
    }

    static let cases: [Case] = [
        Case("children where street = \"布吉\"", "id(children) kw(where) id(street) p(=) str(布吉)"),
        Case("WHERE Where where wHeRe", "kw(where) kw(where) kw(where) kw(where)"),
        Case("Children STREET", "id(Children) id(STREET)"),
        Case("select as order by group limit offset asc desc", "kw(select) kw(as) kw(order) kw(by) kw(group) kw(limit) kw(offset) kw(asc) kw(desc)"),
        Case("and or not in contains like between is null true false this outer", "kw(and) kw(or) kw(not) kw(in) kw(contains) kw(like) kw(between) kw(is) kw(null) kw(true) kw(false) kw(this) kw(outer)"),
        Case("count define rule param constraint plan explain test date kind", "id(count) id(define) id(rule) id(param) id(constraint) id(plan) id(explain) id(test) id(date) id(kind)"),
        Case("低保 _x x1 单亲困难 a_b2", "id(低保) id(_x) id(x1) id(单亲困难) id(a_b2)"),
        Case("a != b <= c >= d < e > f <> g", "id(a) p(!=) id(b) p(<=) id(c) p(>=) id(d) p(<) id(e) p(>) id(f) p(!=) id(g)"),
        Case("1 + 2 - 3 * 4 / 5", "int(1) p(+) int(2) p(-) int(3) p(*) int(4) p(/) int(5)"),
        Case("42 3.5 0.25 -3", "int(42) dec(3.5) dec(0.25) p(-) int(3)"),
        Case("a.b.c", "id(a) p(.) id(b) p(.) id(c)"),
        Case("child.street.quota", "id(child) p(.) id(street) p(.) id(quota)"),
        Case("1.x", "int(1) p(.) id(x)"),
        Case("( ) [ ] { } , :", "p(() p()) p([) p(]) p({) p(}) p(,) p(:)"),
        // Dates against arithmetic.
        Case("2019-05-15", "date(2019-05-15)"),
        Case("2019-05", "date(2019-05-01)"),
        Case("2019 - 5", "int(2019) p(-) int(5)"),
        Case("2019-5", "int(2019) p(-) int(5)"),
        Case("2019 -05", "int(2019) p(-) int(5)"),
        Case("2019-05-15 - 2019-05", "date(2019-05-15) p(-) date(2019-05-01)"),
        Case("2019-05-15-3", "date(2019-05-15) p(-) int(3)"),
        Case("12345-05-15", "int(12345) p(-) int(5) p(-) int(15)"),
        Case("2019-05-15+2 months", "date(2019-05-15) p(+) int(2) id(months)"),
        Case("x=2019-12", "id(x) p(=) date(2019-12-01)"),
        // Strings and escapes.
        Case("'a' \"b\"", "str(a) str(b)"),
        Case("“布吉” ‘平湖’", "str(布吉) str(平湖)"),
        Case("\"a\\\"b\\\\c\\td\\'e\"", "str(a\"b\\c\td'e)"),
        Case("\"line\\nnext\"", "str(line\nnext)"),
        Case("\"\\u{5E03}\\u{5409} \\u{1F600} \\u{41}\"", "str(布吉 😀 A)"),
        Case("'他说\"好\"'", "str(他说\"好\")"),
        Case("\"他说“好”\"", "str(他说“好”)"),
        Case("“it's”", "str(it's)"),
        Case("\"，（）＝#not a comment\"", "str(，（）＝#not a comment)"),
        Case("\"\"", "str()"),
        // Full-width punctuation reads as ASCII.
        Case("children where street ＝ “布吉”", "id(children) kw(where) id(street) p(=) str(布吉)"),
        Case("（a，b）", "p(() id(a) p(,) id(b) p())"),
        Case("［1，2］", "p([) int(1) p(,) int(2) p(])"),
        Case("｛a：1｝", "p({) id(a) p(:) int(1) p(})"),
        Case("a ！＝ b", "id(a) p(!=) id(b)"),
        Case("a！=b", "id(a) p(!=) id(b)"),
        Case("a ＜＝ b ＞＝ c ＜ d ＞ e", "id(a) p(<=) id(b) p(>=) id(c) p(<) id(d) p(>) id(e)"),
        Case("a\u{3000}b\u{3000}\u{3000}c", "id(a) id(b) id(c)"),
        Case("a、b", "id(a) p(,) id(b)"),
        Case("a；b", "id(a) ; id(b)"),
        // Comments.
        Case("a # comment ＝ \"x\n b", "id(a) id(b)"),
        Case("a # comment\nb", "id(a) ; id(b)"),
        Case("# only a comment", ""),
        // Statement ends and continuation.
        Case("a\nb", "id(a) ; id(b)"),
        Case("a;b", "id(a) ; id(b)"),
        Case("a;;\n;b", "id(a) ; id(b)"),
        Case("a\r\nb", "id(a) ; id(b)"),
        Case("a\n\n\nb", "id(a) ; id(b)"),
        Case("a and\nb", "id(a) kw(and) id(b)"),
        Case("a or\nb", "id(a) kw(or) id(b)"),
        Case("children where\nb", "id(children) kw(where) id(b)"),
        Case("a group by\nb", "id(a) kw(group) kw(by) id(b)"),
        Case("a =\nb", "id(a) p(=) id(b)"),
        Case("a,\nb", "id(a) p(,) id(b)"),
        Case("a +\nb", "id(a) p(+) id(b)"),
        Case("a :\nb", "id(a) p(:) id(b)"),
        Case("(a\nb)", "p(() id(a) id(b) p())"),
        Case("[1,\n2\n]", "p([) int(1) p(,) int(2) p(])"),
        Case("f(a,\n\n  b)", "id(f) p(() id(a) p(,) id(b) p())"),
        Case("a\n  b", "id(a) id(b)"),
        Case("a\n\tb", "id(a) id(b)"),
        Case("a\n\u{3000}b", "id(a) id(b)"),
        Case("a\n\n  b", "id(a) ; id(b)"),
        Case("a\n# comment\n  b", "id(a) ; id(b)"),
        Case("a ;\n  b", "id(a) ; id(b)"),
        Case("a\nb\n", "id(a) ; id(b)"),
    ]

    @Test(arguments: cases)
    func tokens(_ c: Case) {
        #expect(tokenText(c.input) == c.tokens)
        #expect(lexErrors(c.input) == [])
    }

    struct ErrorCase: Sendable, CustomStringConvertible {
        let input: String
        let errors: [String]
        init(_ input: String, _ errors: String...) {
            self.input = input
            self.errors = errors
        }
        var description: String { input }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase("a ! b", "t:1:3: error: unexpected character '!'; write 'not' or '!='"),
        ErrorCase("a @ b", "t:1:3: error: unexpected character '@'"),
        ErrorCase("布吉 ¥ 1", "t:1:4: error: unexpected character '¥'"),
        ErrorCase("x = \"abc", "t:1:5: error: unterminated string"),
        ErrorCase("x = “abc", "t:1:5: error: unterminated string"),
        ErrorCase("\"\\q\"", "t:1:2: error: unknown escape '\\q' in string"),
        ErrorCase("\"\\u{110000}\"", "t:1:2: error: bad \\u{…} escape: expected 1 to 6 hex digits naming a Unicode scalar"),
        ErrorCase("\"\\u{D800}\"", "t:1:2: error: bad \\u{…} escape: expected 1 to 6 hex digits naming a Unicode scalar"),
        ErrorCase("\"\\u{}\"", "t:1:2: error: bad \\u{…} escape: expected 1 to 6 hex digits naming a Unicode scalar"),
        ErrorCase("\"\\u0041\"", "t:1:2: error: bad \\u{…} escape: expected 1 to 6 hex digits naming a Unicode scalar"),
        ErrorCase("birth = 2019-02-30", "t:1:9: error: invalid date '2019-02-30'"),
        ErrorCase("birth = 2019-13-01", "t:1:9: error: invalid date '2019-13-01'"),
        ErrorCase("birth = 2019-13", "t:1:9: error: invalid date '2019-13'"),
        ErrorCase("n = 99999999999999999999", "t:1:5: error: number '99999999999999999999' is too large"),
        ErrorCase("a\n  b @", "t:2:5: error: unexpected character '@'"),
        ErrorCase("街道 ＝ 1 @", "t:1:8: error: unexpected character '@'"),
    ]

    @Test(arguments: errorCases)
    func errors(_ c: ErrorCase) {
        #expect(lexErrors(c.input) == c.errors)
    }

    @Test func tokenRangesAreUTF8ByteOffsets() {
        let file = SourceFile(name: "t", text: "街道 ＝ “布吉”")
        let tokens = Lexer.tokenize(file).tokens
        #expect(tokens[0].range == SourceRange(0, 6))
        #expect(tokens[1].range == SourceRange(7, 10))
        #expect(tokens[2].range == SourceRange(11, 23))
        #expect(file.location(of: tokens[2].range.start) == (1, 6))
    }

    struct IncompleteCase: Sendable, CustomStringConvertible {
        let input: String
        let incomplete: Bool
        init(_ input: String, _ incomplete: Bool) {
            self.input = input
            self.incomplete = incomplete
        }
        var description: String { input }
    }

    static let incompleteCases: [IncompleteCase] = [
        IncompleteCase("", false),
        IncompleteCase("count children", false),
        IncompleteCase("children where", true),
        IncompleteCase("children where street =", true),
        IncompleteCase("children where street = 1", false),
        IncompleteCase("children where street = 1;", false),
        IncompleteCase("children where;", false),
        IncompleteCase("children where street in [1, 2,", true),
        IncompleteCase("children where a and", true),
        IncompleteCase("children where a or", true),
        IncompleteCase("children select name,", true),
        IncompleteCase("children select name as", true),
        IncompleteCase("children group by", true),
        IncompleteCase("children where name = \"abc", true),
        IncompleteCase("children where name = “abc", true),
        IncompleteCase("children where name = \"abc\"", false),
        IncompleteCase("children # where", false),
        IncompleteCase("children\n  where a", false),
        IncompleteCase("children where\n  a and", true),
        IncompleteCase("children where （street ＝ 1）", false),
        IncompleteCase("test \"t\" {\n  given children {id: 1}\n}", false),
    ]

    @Test(arguments: incompleteCases)
    func isIncomplete(_ c: IncompleteCase) {
        #expect(Lexer.isIncomplete(c.input) == c.incomplete)
    }

    /// An open bracket leaves a statement unfinished (language.md, "Lexical").
    @Test(arguments: ["children where (street = 1", "children where street in [1, 2", "children where （street ＝ 1", "test \"t\" {",
                      "count children where street in [\n\"布吉\""])
    func isIncompleteInsideBrackets(_ input: String) {
        do {
            #expect(Lexer.isIncomplete(input))
        }
    }
}
