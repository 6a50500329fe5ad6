// CSVReader (RFC 4180 at the byte level) and UTF8Validation: records with the line they
// start on, quoting, doubled quotes, newlines inside quotes, CRLF, BOM, and the errors a
// bad file gets (with the line to report).

import Engine
import Testing

/// All records of a text: (first line, cells as text).
func csvRecords(_ text: String) throws -> [Record] {
    try csvRecords(Array(text.utf8))
}

func csvRecords(_ bytes: [UInt8]) throws -> [Record] {
    var reader = CSVReader(bytes: bytes)
    var cells: [CSVCell] = []
    var out: [Record] = []
    while let line = try reader.next(into: &cells) {
        out.append(Record(line: line, cells: cells.map { reader.string($0) }))
    }
    return out
}

struct Record: Equatable, CustomStringConvertible {
    let line: Int
    let cells: [String]
    init(line: Int, cells: [String]) {
        self.line = line
        self.cells = cells
    }
    init(_ line: Int, _ cells: String...) { self.init(line: line, cells: cells) }
    var description: String { "\(line): \(cells)" }
}

@Suite struct CSVReaderTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let input: String
        let expected: [(Int, [String])]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain", input: "a,b\n1,2\n", expected: [(1, ["a", "b"]), (2, ["1", "2"])]),
        Case(name: "no final newline", input: "a,b\n1,2", expected: [(1, ["a", "b"]), (2, ["1", "2"])]),
        Case(name: "quoted comma", input: "\"a,b\",c\n", expected: [(1, ["a,b", "c"])]),
        Case(name: "doubled quotes", input: "\"say \"\"hi\"\"\",x\n", expected: [(1, ["say \"hi\"", "x"])]),
        Case(name: "only a doubled quote", input: "\"\"\"\"\n", expected: [(1, ["\""])]),
        Case(name: "empty quoted", input: "\"\",b\n", expected: [(1, ["", "b"])]),
        Case(name: "empty cells", input: "a,,b\n,\n", expected: [(1, ["a", "", "b"]), (2, ["", ""])]),
        Case(name: "trailing comma", input: "a,\n", expected: [(1, ["a", ""])]),
        Case(name: "newline inside quotes", input: "h\n\"line1\nline2\",x\nnext,y\n",
             expected: [(1, ["h"]), (2, ["line1\nline2", "x"]), (4, ["next", "y"])]),
        Case(name: "several newlines inside quotes", input: "\"a\n\n\nb\"\nc\n", expected: [(1, ["a\n\n\nb"]), (5, ["c"])]),
        Case(name: "CRLF", input: "a,b\r\n1,2\r\n", expected: [(1, ["a", "b"]), (2, ["1", "2"])]),
        Case(name: "CRLF inside quotes", input: "\"a\r\nb\",c\r\nd,e\r\n", expected: [(1, ["a\r\nb", "c"]), (3, ["d", "e"])]),
        Case(name: "lone CR", input: "a\rb\r", expected: [(1, ["a"]), (2, ["b"])]),
        Case(name: "BOM", input: "\u{FEFF}id,name\n1,x\n", expected: [(1, ["id", "name"]), (2, ["1", "x"])]),
        Case(name: "blank lines skipped", input: "a\n\n\nb\n\n", expected: [(1, ["a"]), (4, ["b"])]),
        Case(name: "blank CRLF lines skipped", input: "a\r\n\r\n\r\nb\r\n", expected: [(1, ["a"]), (4, ["b"])]),
        Case(name: "CJK", input: "名字,街道\n王小明,布吉\n", expected: [(1, ["名字", "街道"]), (2, ["王小明", "布吉"])]),
        Case(name: "quoted CJK with quotes", input: "\"他说“好”,\"\"行\"\"\"\n", expected: [(1, ["他说“好”,\"行\""])]),
        Case(name: "spaces kept", input: " a , b \n", expected: [(1, [" a ", " b "])]),
        Case(name: "empty file", input: "", expected: []),
        Case(name: "only BOM", input: "\u{FEFF}", expected: []),
    ]

    @Test(arguments: cases)
    func records(_ c: Case) throws {
        let got = try csvRecords(c.input)
        #expect(got == c.expected.map { Record(line: $0.0, cells: $0.1) })
    }

    @Test func emptyQuotedCellIsEmptyAndDoubledQuotesUndone() throws {
        var reader = CSVReader(bytes: Array("\"\",\"a\"\"b\"\n".utf8))
        var cells: [CSVCell] = []
        _ = try reader.next(into: &cells)
        #expect(cells[0].isEmpty)
        #expect(Array(reader.value(cells[1])) == Array("a\"b".utf8))
    }

    struct ErrorCase: Sendable, CustomStringConvertible {
        let name: String
        let input: String
        let line: Int
        let message: String
        let recordsBefore: Int
        var description: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "unterminated quote", input: "a,b\n\"oops,\nmore\n", line: 2, message: "unterminated quoted field", recordsBefore: 1),
        ErrorCase(name: "unterminated quote after multi-line record", input: "a\n\"x\ny\",z\n1,\"2\n3\n", line: 4, message: "unterminated quoted field", recordsBefore: 2),
        ErrorCase(name: "text after closing quote", input: "\"a\"b,c\n", line: 1, message: "unexpected character after a closing quote", recordsBefore: 0),
        ErrorCase(name: "text after closing quote on a later line", input: "h\n\"a\nb\"x\n", line: 3, message: "unexpected character after a closing quote", recordsBefore: 1),
        ErrorCase(name: "quote inside unquoted field", input: "a\nab\"c\n", line: 2, message: "quote inside an unquoted field", recordsBefore: 1),
    ]

    @Test(arguments: errorCases)
    func errors(_ c: ErrorCase) {
        var reader = CSVReader(bytes: Array(c.input.utf8))
        var cells: [CSVCell] = []
        var records = 0
        do {
            while try reader.next(into: &cells) != nil { records += 1 }
            Issue.record("no error for \(c.name)")
        } catch let error as CSVError {
            #expect(error.line == c.line)
            #expect(error.message == c.message)
            #expect(records == c.recordsBefore)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite struct UTF8ValidationTests {
    static let valid: [[UInt8]] = [
        [], Array("hello".utf8), Array("布吉街道".utf8), Array("😀 emoji".utf8), Array("\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}".utf8),
    ]

    @Test func validInputs() {
        for bytes in Self.valid { #expect(UTF8Validation.firstInvalidOffset(bytes) == nil, "\(bytes)") }
    }

    static let invalid: [([UInt8], Int)] = [
        ([0xFF], 0),
        ([0x61, 0xFE], 1),
        ([0x61, 0xC3], 1),                // truncated 2-byte sequence
        ([0xC0, 0x80], 0),                // overlong NUL
        ([0xC1, 0xBF], 0),                // overlong
        ([0xE0, 0x80, 0x80], 0),          // overlong 3-byte
        ([0xF0, 0x80, 0x80, 0x80], 0),    // overlong 4-byte
        ([0xED, 0xA0, 0x80], 0),          // UTF-16 surrogate
        ([0xF4, 0x90, 0x80, 0x80], 0),    // above U+10FFFF
        ([0xE5, 0xB8, 0x41], 0),          // bad continuation
        ([0x80], 0),                      // lone continuation
        ([0x61, 0x62, 0xE5, 0xB8], 2),    // truncated at the end
        (Array("布吉".utf8) + [0xFF], 6),
        ([0xF8, 0x88, 0x80, 0x80, 0x80], 0),
    ]

    @Test func invalidInputs() {
        for (bytes, offset) in Self.invalid {
            #expect(UTF8Validation.firstInvalidOffset(bytes) == offset, "\(bytes)")
        }
    }

    /// Random byte strings, biased towards UTF-8-looking bytes, judged against the
    /// standard library's decoder.
    @Test func agreesWithStandardLibrary() {
        var rng = SplitMix(seed: 11)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE4, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F]
        for _ in 0..<20_000 {
            let length = rng.below(8)
            let bytes = (0..<length).map { _ in rng.below(3) == 0 ? UInt8(rng.below(256)) : interesting[rng.below(interesting.count)] }
            let offset = UTF8Validation.firstInvalidOffset(bytes)
            let stdlibValid = String(validating: bytes, as: UTF8.self) != nil
            #expect((offset == nil) == stdlibValid, "\(bytes)")
            if let offset {
                #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "prefix of \(bytes)")
            }
        }
    }

    @Test func lineOfOffset() {
        let bytes = Array("a\nb\n\nc".utf8)
        #expect(UTF8Validation.line(of: 0, in: bytes) == 1)
        #expect(UTF8Validation.line(of: 2, in: bytes) == 2)
        #expect(UTF8Validation.line(of: 5, in: bytes) == 4)
        #expect(UTF8Validation.line(of: 100, in: bytes) == 4)
    }
}

/// SplitMix64: the tests' own seeded generator.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
