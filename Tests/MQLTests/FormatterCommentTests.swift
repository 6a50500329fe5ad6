// `mql fmt` keeps every comment: between statements, inside `test { }` blocks, inside
// continued expressions, and a last line without a newline. Checked as properties over the
// shipped rule files and over copies with comments sprinkled at every token boundary.

import Foundation
@testable import MQL
import Testing

enum FormatCheck {
    static func format(_ text: String) -> String? {
        try? Formatter.format(SourceFile(name: "f.mql", text: text)).get()
    }

    static func comments(_ text: String) -> [String] {
        let file = SourceFile(name: "f.mql", text: text)
        return Lexer.comments(file).map { Formatter.commentText(file, $0) }.sorted()
    }

    static func statements(_ text: String) -> [String]? {
        let (statements, diagnostics) = Parser.parse(SourceFile(name: "f.mql", text: text))
        return diagnostics.isEmpty ? statements.map(Printer.statement) : nil
    }

    /// The three properties: same comments, same statements, and a fixed point.
    static func expectPreserved(_ text: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let once = format(text) else {
            Issue.record("\(label): fmt failed on\n\(text)", sourceLocation: sourceLocation)
            return
        }
        #expect(comments(once) == comments(text), "\(label): comments changed\n--- before\n\(text)\n--- after\n\(once)", sourceLocation: sourceLocation)
        #expect(statements(once) == statements(text), "\(label): statements changed\n--- before\n\(text)\n--- after\n\(once)", sourceLocation: sourceLocation)
        #expect(format(once) == once, "\(label): not idempotent\n--- once\n\(once)\n--- twice\n\(format(once) ?? "<failed>")", sourceLocation: sourceLocation)
    }

    /// Two copies of `text` with comments at its token boundaries: one with a comment
    /// ending the line after every token, one with a comment on a line of its own at every
    /// boundary where the copy still reads as the same statements (a comment line ends a
    /// statement that nothing else continues).
    static func sprinkled(_ text: String) -> [String] {
        let file = SourceFile(name: "f.mql", text: text)
        let bytes = file.bytes
        let tokens = Lexer.tokenize(file).tokens.filter { $0.kind != .newline && $0.kind != .eof }
        guard let original = statements(text), tokens.count > 1 else { return [] }
        func sameLine(_ a: Int, _ b: Int) -> Bool { !bytes[a..<b].contains(0x0A) && !bytes[a..<b].contains(0x0D) }
        var everyToken: [UInt8] = []
        var ownLines: [UInt8] = []
        var cursor = 0
        for (i, token) in tokens.enumerated() {
            everyToken += bytes[cursor..<token.range.end]
            ownLines += bytes[cursor..<token.range.end]
            cursor = token.range.end
            guard i + 1 < tokens.count else { continue }
            if sameLine(token.range.end, tokens[i + 1].range.start) {
                everyToken += Array("  # t\(i)\n    ".utf8)
                let tried = ownLines + Array("\n    # own \(i)\n    ".utf8)
                if statements(String(decoding: tried + bytes[tokens[i + 1].range.start...], as: UTF8.self)) == original {
                    ownLines = tried
                    cursor = tokens[i + 1].range.start
                }
            } else {
                everyToken += Array(" # t\(i)".utf8)
            }
        }
        ownLines += bytes[cursor...]
        let copies = [String(decoding: everyToken + bytes[(tokens.last?.range.end ?? 0)...], as: UTF8.self), String(decoding: ownLines, as: UTF8.self)]
        return copies.filter { statements($0) == original }
    }
}

@Suite struct FormatterCommentTests {
    @Test func commentsInsideATestBlock() throws {
        let text = """
            test "t" {  # after the brace
                # on its own line
                given today 2019-11-30
                given children {id: 1,  # the id
                    tags: ["低保"]}  # after the row
                expect eligible of children 1 = true
                # before the closing brace
            }

            """
        let formatted = try #require(FormatCheck.format(text))
        #expect(formatted == text)
        FormatCheck.expectPreserved(text, "test block")
    }

    @Test func commentsInsideAContinuedExpression() throws {
        let text = "define children.x =\n    1 + # one\n    2\n"
        let formatted = try #require(FormatCheck.format(text))
        #expect(formatted == "define children.x = 1 +  # one\n    2\n")
        FormatCheck.expectPreserved(text, "continued")
        FormatCheck.expectPreserved("children where\n    # why\n    age > 3 select name\n", "own line after a keyword")
        FormatCheck.expectPreserved("define children.y = (1 # inner\n  + 2) * 3\n", "inside parentheses")
        FormatCheck.expectPreserved("define children.z = (age # dropped parentheses\n  # and a line\n  > 3)\n", "parentheses the printer drops")
    }

    @Test func lastCommentWithoutANewline() throws {
        #expect(FormatCheck.format("count children\n# last") == "count children\n# last\n")
        #expect(FormatCheck.format("# only a comment") == "# only a comment\n")
        #expect(FormatCheck.format("count children # trailing") == "count children  # trailing\n")
    }

    @Test func commentAfterASemicolon() throws {
        #expect(FormatCheck.format("count children; # why\ncount mothers") == "count children  # why\ncount mothers\n")
        FormatCheck.expectPreserved("count children；# full-width\r\ncount mothers # crlf\r\n", "full-width semicolon and CRLF")
    }

    @Test func shippedRuleFiles() throws {
        #expect(!Fixtures.ruleSources.isEmpty)
        for source in Fixtures.ruleSources {
            FormatCheck.expectPreserved(source.text, source.name)
        }
    }

    @Test(arguments: Fixtures.ruleSources.map(\.name))
    func commentsAtEveryTokenBoundary(_ name: String) throws {
        let source = try #require(Fixtures.ruleSources.first { $0.name == name })
        // One statement at a time keeps each copy small.
        let (statements, _) = Parser.parse(source)
        var checked = 0
        for statement in statements {
            for copy in FormatCheck.sprinkled(source.text(of: statement.range) + "\n") {
                FormatCheck.expectPreserved(copy, "\(name) at \(source.location(of: statement.range.start).line)")
                checked += 1
            }
        }
        #expect(checked == 2 * statements.count)
    }
}
