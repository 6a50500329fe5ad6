// Bad and huge input of every kind gets a positioned error or a result, never a crash:
// deep nesting, long chains, huge literals and lists, garbage bytes, seeded token soup.

import Engine
import Foundation
@testable import MQL
import Testing

/// Runs a source and checks that each failure carries positions inside the source.
@discardableResult
func runSafely(_ session: Session, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [Result<StatementOutcome, DiagnosticError>] {
    let outcomes = session.run(text, name: "<robust>", keepGoing: true)
    let length = text.utf8.count
    for case .failure(let e) in outcomes {
        #expect(!e.diagnostics.isEmpty, sourceLocation: sourceLocation)
        for d in e.diagnostics {
            #expect(d.range.start >= 0 && d.range.start <= length, "\(d)", sourceLocation: sourceLocation)
            #expect(d.line >= 1 && d.column >= 1, sourceLocation: sourceLocation)
        }
    }
    return outcomes
}

func firstError(_ outcomes: [Result<StatementOutcome, DiagnosticError>]) -> Diagnostic? {
    for case .failure(let e) in outcomes { return e.diagnostics.first }
    return nil
}

@Suite struct RobustnessTests {
    @Test func tenThousandNestedParentheses() throws {
        let session = try Fixtures.smallSession()
        let text = "count children where " + String(repeating: "(", count: 10_000) + "true" + String(repeating: ")", count: 10_000)
        let outcomes = runSafely(session, text)
        let error = try #require(firstError(outcomes))
        #expect(error.message.contains("nested too deeply"))
        #expect(error.line == 1)
    }

    @Test func otherDeepNesting() throws {
        let session = try Fixtures.smallSession()
        let cases = [
            "count children where " + String(repeating: "not ", count: 10_000) + "true",
            "children select " + String(repeating: "-", count: 10_000) + "household_size",
            "children select " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
            "children select name" + String(repeating: ".x", count: 10_000),
            "children select " + String(repeating: "len(", count: 10_000) + "name" + String(repeating: ")", count: 10_000),
            "children where id in " + String(repeating: "(children where id in ", count: 3_000) + "[1]" + String(repeating: " select id)", count: 3_000),
            "children select " + Array(repeating: "1", count: 10_000).joined(separator: " + "),
            "children select " + Array(repeating: "household_size", count: 10_000).joined(separator: " * "),
            "children where " + Array(repeating: "true", count: 10_000).joined(separator: " or "),
        ]
        for text in cases {
            let outcomes = runSafely(session, text)
            #expect(outcomes.count == 1, "\(text.prefix(40))")
        }
    }

    @Test func twentyThousandConjuncts() throws {
        let session = try Fixtures.smallSession()
        let text = "count children where " + Array(repeating: "household_size > 1", count: 20_000).joined(separator: " and ")
        let outcomes = runSafely(session, text)
        #expect(outcomes.count == 1)
        if case .success(.count(let n)) = outcomes[0] { #expect(n == 4) }
    }

    @Test func twoMegabyteStringLiteral() throws {
        let session = try Fixtures.smallSession()
        let literal = String(repeating: "布", count: 700_000)  // 2.1 MB of UTF-8
        let outcomes = runSafely(session, "count children where name = \"\(literal)\"\ncount streets")
        let error = try #require(firstError(outcomes))
        #expect(error.line == 1 && error.column == 29)
        #expect(outcomes.count == 2)
        let small = runSafely(session, "count children where name = \"\(String(repeating: "a", count: 500_000))\"")
        if case .success(.count(let n)) = small.first { #expect(n == 0) } else { Issue.record("a 500 kB literal is refused") }
    }

    @Test func hundredThousandElementList() throws {
        let session = try Fixtures.smallSession()
        let list = (1...100_000).map(String.init).joined(separator: ", ")
        let outcomes = runSafely(session, "count children where id in [\(list)]")
        guard case .success(.count(let n)) = outcomes.first else {
            Issue.record("a 100k-element list fails: \(String(describing: firstError(outcomes)))")
            return
        }
        #expect(n == 5)
        let texts = (1...100_000).map { "\"n\($0)\"" }.joined(separator: ",")
        runSafely(session, "children where name in [\(texts), \"王芳\"] select id")
    }

    @Test(arguments: 0..<4)
    func garbageBytes(seed: UInt64) throws {
        let session = try Fixtures.smallSession()
        var rng = SplitMix(seed: 500 + seed)
        for _ in 0..<60 {
            let bytes = (0..<rng.below(300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            runSafely(session, String(decoding: bytes, as: UTF8.self))
        }
    }

    static let soupVocabulary: [String] = [
        "children", "mothers", "pairings", "visits", "streets", "communities", "where", "select", "group", "by", "order",
        "limit", "offset", "as", "asc", "desc", "and", "or", "not", "in", "contains", "like", "between", "is", "null",
        "true", "false", "this", "outer", "count", "define", "rule", "constraint", "param", "plan", "explain", "for",
        "test", "given", "expect", "name", "street", "tags", "birth", "id", "age", "eligible", "active", "mother",
        "child", "household_size", "quota", "today", "len", "sum", "max", "exists", "coalesce", "(", ")", "[", "]",
        "{", "}", ",", ".", ":", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", ";", "\n", "\n  ", "1", "0",
        "-3", "3.5", "2019-05-15", "2019-05", "2 months", "\"布吉\"", "'低保'", "“平湖”", "\"", "#", "，", "（", "）",
        "＝", "\u{3000}", "%", "!", "@", "children.x", "c.y", "\"三(一)\"",
    ]

    @Test(arguments: 0..<6)
    func tokenSoup(seed: UInt64) throws {
        let session = try Fixtures.smallSession()
        var rng = SplitMix(seed: 900 + seed)
        var errors = 0, results = 0
        for _ in 0..<120 {
            let text = (0..<(1 + rng.below(25))).map { _ in rng.pick(Self.soupVocabulary) }.joined(separator: rng.chance(80) ? " " : "")
            for outcome in runSafely(session, text) {
                if case .failure = outcome { errors += 1 } else { results += 1 }
            }
        }
        #expect(errors > 0)
    }

    @Test func ruleFilesWithGarbageAreRefused() throws {
        let store = try Fixtures.exampleStore()
        var rng = SplitMix(seed: 77)
        for _ in 0..<40 {
            let text = (0..<(1 + rng.below(40))).map { _ in rng.pick(Self.soupVocabulary) }.joined(separator: " ")
            do {
                _ = try RuleFiles.catalog(from: [SourceFile(name: "soup.mql", text: text)], store: store)
            } catch let error as DiagnosticError {
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.count <= DiagnosticError.cap)
            }
        }
    }

    @Test func failingDefinesAreNotKept() throws {
        let session = try Fixtures.smallSession()
        let before = session.catalog.ordered.count
        runSafely(session, "define children.a = nosuch\ndefine children.b = 1 +\nrule children.c \"三(一)\" = 1\ndefine children.a2 = a2")
        #expect(session.catalog.ordered.count == before, "a failing define is not kept")
        #expect(try session.count("count children") == 5)
    }

    /// A rule refused for its missing citation must not stay defined.
    @Test func ruleWithoutCitationIsNotKept() throws {
        let session = try Fixtures.smallSession()
        let before = session.catalog.ordered.count
        let outcomes = runSafely(session, "rule children.c = true")
        #expect(firstError(outcomes)?.message.contains("citation") == true)
        do {
            #expect(session.catalog.ordered.count == before)
            #expect(session.catalog.define("children", "c") == nil)
        }
    }

    // MARK: - Inputs that once crashed the process

    @Test
    func hugeLimitWithOffset() throws {
        let session = try Fixtures.smallSession()
        runSafely(session, "children select id limit 9223372036854775807 offset 1")
        runSafely(session, "children select id order by id limit 9223372036854775807 offset 1")
        runSafely(session, "plan children select id order by id limit 9223372036854775807 offset 1")
    }

    @Test
    func dateArithmeticOutOfRange() throws {
        let session = try Fixtures.smallSession()
        for text in ["2019-01-01 + 10000000 years", "2019-01-01 + 100000000 months", "2019-01-01 + 9223372036854775807 weeks",
                     "2019-01-01 - 9223372036854775807 years", "count children where birth + 10000000 years > today()"] {
            runSafely(session, text)
        }
    }

    @Test
    func deleteTheLastRows() throws {
        let session = try Fixtures.smallSession()
        runSafely(session, "delete visits where id in [2, 3]")
        #expect(try session.rows("visits select id") == ["1"])
    }
}
