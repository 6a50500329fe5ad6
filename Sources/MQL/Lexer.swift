// The lexer: UTF-8 source → tokens with byte ranges. It also decides where statements end
// (language.md, "Lexical"): a newline ends a statement unless a bracket is open, the line
// ends with an operator, `,`, `:` or `=` or a keyword that cannot end a statement, or the
// next line is indented. Full-width punctuation from Chinese input methods reads as its
// ASCII twin, and “…” ‘…’ delimit strings. It does not know the grammar.

import Engine

public struct Lexer {
    let file: SourceFile
    let bytes: [UInt8]
    var position = 0
    var tokens: [Token] = []
    var diagnostics: [Diagnostic] = []
    var bracketDepth = 0
    /// Token indices that start a line joined to the previous one only because that line
    /// ended with an operator or keyword. A statement that fails to parse across such a
    /// join is split there, so `children where` alone on a line is its own error.
    var softBreaks: [Int] = []
    /// Brackets still open when the text ended (the statement goes on).
    var openBracketsAtEnd = 0
    /// Where the comments are, `#` to the end of the line (`mql fmt` puts them back).
    var comments: [SourceRange] = []

    /// TUNING: a literal longer than this is almost certainly a mistake (a missing quote
    /// swallowing a file); it is still read, just refused.
    static let maximumLiteralBytes = 1 << 20

    public init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    /// All tokens, ending with `.eof`; errors are collected, not thrown, so the parser can
    /// report them together with its own.
    public static func tokenize(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        var lexer = Lexer(file: file)
        lexer.run()
        return (lexer.tokens, lexer.diagnostics)
    }

    static func tokenizeWithBreaks(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic], softBreaks: [Int]) {
        var lexer = Lexer(file: file)
        lexer.run()
        return (lexer.tokens, lexer.diagnostics, lexer.softBreaks)
    }

    /// The comments of `file`, in order: `#` up to (not including) the end of the line.
    public static func comments(_ file: SourceFile) -> [SourceRange] {
        var lexer = Lexer(file: file)
        lexer.run()
        return lexer.comments
    }

    /// Whether `text` is an unfinished statement (the REPL and line-by-line batch reading
    /// use this to decide between running and reading another line).
    public static func isIncomplete(_ text: String) -> Bool {
        var lexer = Lexer(file: SourceFile(name: "", text: text))
        lexer.run()
        if lexer.openBracketsAtEnd > 0 { return true }
        if lexer.diagnostics.contains(where: { $0.message == Message.unterminatedString }) { return true }
        let significant = lexer.tokens.filter { $0.kind != .newline && $0.kind != .eof }
        if let last = significant.last, last.isOperatorThatContinues || last.isKeywordThatContinues {
            // Trailing `;` closes the statement regardless.
            if let lastByte = text.utf8.reversed().first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D }), lastByte == 0x3B {
                return false
            }
            return true
        }
        return false
    }

    mutating func error(_ start: Int, _ end: Int, _ message: String) {
        diagnostics.append(Diagnostic(file, SourceRange(start, end), message))
    }

    mutating func emit(_ kind: TokenKind, _ start: Int) {
        tokens.append(Token(kind: kind, range: SourceRange(start, position)))
    }

    mutating func run() {
        while true {
            skipSpacesAndComments()
            guard position < bytes.count else { break }
            let start = position
            let byte = bytes[position]
            if byte == 0x0A || byte == 0x0D {
                lexNewline(start)
                continue
            }
            if byte == 0x3B {  // ';' always ends a statement
                position += 1
                emitStatementEnd(start)
                continue
            }
            if byte >= 0x30 && byte <= 0x39 {
                lexNumberOrDate()
                continue
            }
            if byte == 0x22 || byte == 0x27 {
                lexString(close: byte == 0x22 ? "\"" : "'", openLength: 1)
                continue
            }
            let scalar = decodeScalar(at: position)
            switch scalar.value {
            case 0x201C: lexString(close: "\u{201D}", openLength: scalar.utf8Length); continue
            case 0x2018: lexString(close: "\u{2019}", openLength: scalar.utf8Length); continue
            default: break
            }
            if isIdentifierStart(scalar) {
                lexIdentifier()
                continue
            }
            lexPunctuation(scalar)
        }
        openBracketsAtEnd = bracketDepth
        emitStatementEnd(position)
        tokens.append(Token(kind: .eof, range: SourceRange(bytes.count, bytes.count)))
    }

    mutating func emitStatementEnd(_ start: Int) {
        if let last = tokens.last, last.kind != .newline {
            tokens.append(Token(kind: .newline, range: SourceRange(start, max(start, position))))
        }
        bracketDepth = 0
    }

    /// A newline: a statement end unless the statement visibly goes on.
    mutating func lexNewline(_ start: Int) {
        position += 1
        if bytes[start] == 0x0D && position < bytes.count && bytes[position] == 0x0A { position += 1 }
        guard let last = tokens.last, last.kind != .newline else { return }
        if nextLineIsIndentedContinuation() || bracketDepth > 0 { return }
        if last.isOperatorThatContinues || last.isKeywordThatContinues {
            softBreaks.append(tokens.count)
            return
        }
        tokens.append(Token(kind: .newline, range: SourceRange(start, start + 1)))
    }

    /// True when the next non-blank line starts with a space or tab (and is not a comment).
    func nextLineIsIndentedContinuation() -> Bool {
        var p = position
        while p < bytes.count {
            let lineStart = p
            while p < bytes.count && (bytes[p] == 0x20 || bytes[p] == 0x09 || isIdeographicSpace(p)) {
                p += bytes[p] == 0xE3 ? 3 : 1
            }
            if p >= bytes.count { return false }
            if bytes[p] == 0x0A || bytes[p] == 0x0D {  // blank line: a blank line ends the statement
                return false
            }
            if bytes[p] == 0x23 { return false }  // a comment line does not continue
            return p > lineStart
        }
        return false
    }

    func isIdeographicSpace(_ p: Int) -> Bool {
        p + 2 < bytes.count && bytes[p] == 0xE3 && bytes[p + 1] == 0x80 && bytes[p + 2] == 0x80
    }

    mutating func skipSpacesAndComments() {
        while position < bytes.count {
            let b = bytes[position]
            if b == 0x20 || b == 0x09 { position += 1; continue }
            if isIdeographicSpace(position) { position += 3; continue }
            if b == 0x23 {
                let start = position
                while position < bytes.count && bytes[position] != 0x0A && bytes[position] != 0x0D { position += 1 }
                comments.append(SourceRange(start, position))
                continue
            }
            break
        }
    }

    func decodeScalar(at p: Int) -> Unicode.Scalar {
        let b = bytes[p]
        var length = 1
        if b >= 0xF0 { length = 4 } else if b >= 0xE0 { length = 3 } else if b >= 0xC0 { length = 2 }
        guard p + length <= bytes.count else { return Unicode.Scalar(0xFFFD)! }
        var value = UInt32(b) & (length == 1 ? 0x7F : UInt32(0xFF) >> (length + 1))
        for k in 1..<length { value = value << 6 | UInt32(bytes[p + k] & 0x3F) }
        return Unicode.Scalar(value) ?? Unicode.Scalar(0xFFFD)!
    }

    // ASCII is answered without the Unicode property tables (the same answers: among ASCII
    // only A–Z and a–z are alphabetic and only 0–9 numeric); the lookup was the lexer's
    // largest cost when every process reads the rule files.
    func isIdentifierStart(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s == "_" || ((s.value | 0x20) >= 0x61 && (s.value | 0x20) <= 0x7A) }
        return s.properties.isAlphabetic
    }

    func isIdentifierContinue(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s == "_" || ((s.value | 0x20) >= 0x61 && (s.value | 0x20) <= 0x7A) || (s.value >= 0x30 && s.value <= 0x39) }
        return s.properties.isAlphabetic || s.properties.numericType != nil
    }

    mutating func lexIdentifier() {
        let start = position
        while position < bytes.count {
            let s = decodeScalar(at: position)
            guard isIdentifierContinue(s) else { break }
            position += s.utf8Length
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let keyword = Keyword(rawValue: text.lowercased()) {
            emit(.keyword(keyword), start)
        } else {
            emit(.identifier(text), start)
        }
    }

    mutating func lexNumberOrDate() {
        let start = position
        while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        // A date: 4 digits, '-', 2 digits, optionally '-', 2 digits, not followed by a digit.
        if position - start == 4, matchesDatePart(position) {
            var end = position + 3
            if matchesDatePart(end) { end += 3 }
            if end >= bytes.count || !isDigit(bytes[end]) {
                position = end
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                if let day = CivilDate.parse(text) {
                    emit(.date(day), start)
                } else {
                    error(start, end, Message.badDate(text))
                    emit(.date(0), start)
                }
                return
            }
        }
        var isDecimal = false
        if position + 1 < bytes.count && bytes[position] == 0x2E && isDigit(bytes[position + 1]) {
            isDecimal = true
            position += 1
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isDecimal {
            if let value = Double(text), value.isFinite, text.count <= 40 {
                emit(.decimal(value), start)
            } else {
                error(start, position, Message.numberTooLarge(text))
                emit(.decimal(0), start)
            }
        } else if let value = Int(text) {
            emit(.integer(value), start)
        } else {
            error(start, position, Message.numberTooLarge(String(text.prefix(40)) + (text.count > 40 ? "…" : "")))
            emit(.integer(0), start)
        }
    }

    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// `-DD` at `p`.
    func matchesDatePart(_ p: Int) -> Bool {
        p + 2 < bytes.count && bytes[p] == 0x2D && isDigit(bytes[p + 1]) && isDigit(bytes[p + 2])
    }

    mutating func lexString(close: Unicode.Scalar, openLength: Int) {
        let start = position
        position += openLength
        var value = String.UnicodeScalarView()
        var contentBytes = 0
        while true {
            guard position < bytes.count else {
                error(start, position, Message.unterminatedString)
                emit(.string(String(value)), start)
                return
            }
            let s = decodeScalar(at: position)
            if s == close {
                position += s.utf8Length
                break
            }
            if s == "\n" && close != "\"" && close != "'" && close != "\u{201D}" && close != "\u{2019}" { break }
            if s == "\\" {
                let escapeStart = position
                position += 1
                guard position < bytes.count else { continue }
                let e = decodeScalar(at: position)
                position += e.utf8Length
                switch e {
                case "\"": value.append("\"")
                case "'": value.append("'")
                case "\\": value.append("\\")
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\u{201D}", "\u{2019}", "\u{201C}", "\u{2018}": value.append(e)
                case "u":
                    if let scalar = lexUnicodeEscape() { value.append(scalar) } else {
                        error(escapeStart, position, Message.badUnicodeEscape)
                    }
                default:
                    error(escapeStart, position, Message.badEscape(String(e)))
                }
                continue
            }
            position += s.utf8Length
            contentBytes += s.utf8Length
            if contentBytes <= Self.maximumLiteralBytes { value.append(s) }
        }
        if contentBytes > Self.maximumLiteralBytes {
            error(start, position, MessageID.literalTooLong(Self.maximumLiteralBytes))
        }
        emit(.string(String(value)), start)
    }

    /// `{XXXX}` after `\u`.
    mutating func lexUnicodeEscape() -> Unicode.Scalar? {
        guard position < bytes.count, bytes[position] == 0x7B else { return nil }
        position += 1
        var digits = ""
        while position < bytes.count, bytes[position] != 0x7D, digits.count <= 6 {
            digits.append(Character(Unicode.Scalar(bytes[position])))
            position += 1
        }
        guard position < bytes.count, bytes[position] == 0x7D else { return nil }
        position += 1
        guard (1...6).contains(digits.count), let value = UInt32(digits, radix: 16) else { return nil }
        return Unicode.Scalar(value)
    }

    static let fullWidth: [UInt32: String] = [
        0xFF0C: ",", 0xFF08: "(", 0xFF09: ")", 0xFF1D: "=", 0xFF1C: "<", 0xFF1E: ">", 0xFF01: "!",
        0xFF1B: ";", 0xFF1A: ":", 0xFF3B: "[", 0xFF3D: "]", 0xFF5B: "{", 0xFF5D: "}", 0x3001: ",",
    ]

    mutating func lexPunctuation(_ scalar: Unicode.Scalar) {
        let start = position
        var ascii: String
        if scalar.value < 0x80 {
            ascii = String(Character(scalar))
        } else if let mapped = Self.fullWidth[scalar.value] {
            ascii = mapped
        } else {
            position += scalar.utf8Length
            error(start, position, Message.unexpectedCharacter(String(Character(scalar))))
            return
        }
        position += scalar.utf8Length
        if ascii == ";" {
            emitStatementEnd(start)
            return
        }
        // Two-character operators, each half possibly full-width.
        if ["!", "<", ">"].contains(ascii), position < bytes.count {
            let next = decodeScalar(at: position)
            let nextAscii = next.value < 0x80 ? String(Character(next)) : Self.fullWidth[next.value]
            if nextAscii == "=" {
                position += next.utf8Length
                ascii += "="
            } else if ascii == "<" && nextAscii == ">" {
                position += next.utf8Length
                ascii = "!="
            }
        }
        switch ascii {
        case "(", "[", "{": bracketDepth += 1
        case ")", "]", "}": bracketDepth = max(0, bracketDepth - 1)
        case "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", ",", ":", ".", "%": break
        case "!":
            error(start, position, Message.unexpectedCharacter("!") + "; write 'not' or '!='")
            return
        default:
            error(start, position, Message.unexpectedCharacter(ascii))
            return
        }
        emit(.punct(ascii), start)
    }
}

extension Unicode.Scalar {
    var utf8Length: Int {
        switch value {
        case 0..<0x80: return 1
        case 0x80..<0x800: return 2
        case 0x800..<0x10000: return 3
        default: return 4
        }
    }
}
