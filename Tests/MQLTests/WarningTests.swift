// Warnings for a question that cannot match (language.md, "Warnings"): the query still
// runs, a warning names the position and the value, with a suggestion by spelling or by
// pinyin; bare words and misspelled keywords are errors with a suggestion.

import Engine
@testable import MQL
import Testing

@Suite struct WarningTests {
    /// Runs one statement; its warnings as `FILE:LINE:COL: warning: …`.
    func warnings(_ session: Session, _ text: String) throws -> [String] {
        _ = session.takeWarnings()
        _ = try session.one(text, name: "q.mql")
        return session.takeWarnings().map(\.description)
    }

    @Test(arguments: [
        ("children where street = \"布几\"", "q.mql:1:25: warning: no children have street \"布几\"; did you mean \"布吉\"?"),
        ("count children where street = \"不吉\"", "q.mql:1:31: warning: no children have street \"不吉\"; did you mean \"布吉\"?"),
        ("count children where status = \"已审和\"", "q.mql:1:31: warning: no children have status \"已审和\"; did you mean \"已审核\"?"),
        ("count children where \"低宝\" in tags", "q.mql:1:22: warning: no children have \"低宝\" in tags, and it is not in the vocabulary; did you mean \"低保\"?"),
        ("count children where community = \"大分\"", "q.mql:1:34: warning: no children have community \"大分\"; did you mean \"大芬\"?"),
        ("count children where street in [\"布吉\", \"坂天\"]", "q.mql:1:39: warning: no children have street \"坂天\"; did you mean \"坂田\"?"),
        ("count children where tags contains \"单亲家庭\"", "q.mql:1:36: warning: no children have \"单亲家庭\" in tags, and it is not in the vocabulary; did you mean \"单亲\"?"),
        ("count pairings where child.street = \"布几\"", "q.mql:1:37: warning: no children have street \"布几\"; did you mean \"布吉\"?"),
        ("count 儿童 where 街道 = \"布几\"", "q.mql:1:21: warning: no children have street \"布几\"; did you mean \"布吉\"?"),
    ])
    func aValueNoRowHoldsIsWarnedAbout(statement: String, expected: String) throws {
        let session = try Fixtures.exampleSession()
        #expect(try warnings(session, statement) == [expected])
    }

    @Test(arguments: [
        "count children where street = \"布吉\"",
        "count children where \"低保\" in tags",
        "count children where street != \"布几\"",
        "count children where street in [\"布吉\", \"坂田\"]",
        "count children where status = \"已审核\" and eligible",
        "count pairings where overdue",
    ])
    func valuesThatMatchAndRuleBodiesGiveNoWarning(statement: String) throws {
        let session = try Fixtures.exampleSession()
        #expect(try warnings(session, statement) == [])
    }

    @Test func aVocabularyTagNoRowHoldsIsNotWarnedAbout() throws {
        // 突发事件 is in the tag vocabulary of the rule files: asking about it is a fair question.
        let session = try Fixtures.smallSession()
        #expect(try warnings(session, "count children where \"突发事件\" in tags") == [])
    }

    @Test func aWarningLeavesTheResultAndTheRunAlone() throws {
        let session = try Fixtures.exampleSession()
        let outcomes = session.run("count children where street = \"布几\"\ncount children", name: "q.mql")
        #expect(outcomes.count == 2)
        if case .success(.count(0)) = outcomes[0] {} else { Issue.record("\(outcomes[0])") }
        if case .success(.count(180)) = outcomes[1] {} else { Issue.record("\(outcomes[1])") }
        #expect(session.takeWarnings().count == 1)
    }

    @Test(arguments: [
        ("children where street = 布吉", "q.mql:1:25: error: unknown field '布吉' in children; did you mean \"布吉\"? (text values are quoted)"),
        ("children wher id = 1", "q.mql:1:10: error: expected the end of the statement, found 'wher'; did you mean 'where'?"),
        ("children where id = 1 selct name", "q.mql:1:23: error: expected the end of the statement, found 'selct'; did you mean 'select'?"),
    ])
    func bareWordsAndMisspelledKeywordsAreErrorsWithASuggestion(statement: String, expected: String) throws {
        let session = try Fixtures.exampleSession()
        #expect(session.errors(statement) == [expected])
    }

    /// Found by the fuzzer: a 500 KB value (or name) made the suggestion search cost its
    /// length squared per candidate, a hang. It is looked up, warned about, and not spelled.
    @Test func aHugeValueOrNameGetsNoSuggestionAndNoHang() throws {
        let session = try Fixtures.exampleSession()
        let huge = String(repeating: "a", count: 500_000)
        let warnings = try warnings(session, "count communities where street = \"\(huge)\"")
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasSuffix("\"") == true, "no suggestion")
        let errors = session.errors("count children where \(huge) = 1")
        #expect(errors.count == 1)
        #expect(errors.first?.contains("did you mean") == false)
    }
}
