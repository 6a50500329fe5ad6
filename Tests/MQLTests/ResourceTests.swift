// Statements that used to take time or memory out of all proportion, or crash: subqueries
// that do not depend on the row, defines read many times per row, chains of defines,
// results too big to hold, statements past their time limit. Work is asserted by counting
// (`WorkCounters`), never by timing.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct ResourceTests {
    /// Both ways a filter runs: with indexes and whole-column forms, and row by row.
    static let scanModes = [true, false]

    @Test(arguments: scanModes)
    func aggregateOverAWholeCollectionRunsOnce(useIndexes: Bool) throws {
        let session = try Fixtures.exampleSession()
        session.useIndexes = useIndexes
        let rows = try session.count("count children")
        #expect(rows > 100)
        let incomes = try session.result("children select household_income").rows.compactMap { row -> Int? in
            if case .int(let i) = row[0] { return i }
            return nil
        }
        let top = try #require(incomes.max())
        session.workCounters.reset()
        let n = try session.count("count children where household_income = max(children select household_income)")
        #expect(n == incomes.filter { $0 == top }.count)
        #expect(session.workCounters.constantEvaluations == 1)
        #expect(session.workCounters.subqueryRuns <= 2, "one run of the subquery, not one per row")
    }

    @Test(arguments: scanModes)
    func countOfACollectionInAConditionRunsOnce(useIndexes: Bool) throws {
        let session = try Fixtures.exampleSession()
        session.useIndexes = useIndexes
        let total = try session.count("count children")
        session.workCounters.reset()
        #expect(try session.count("count children where count(children) = 5") == 0)
        #expect(try session.count("count children where count(children) = \(total) and household_size > 0") == session.count("count children where household_size > 0"))
        #expect(session.workCounters.subqueryRuns <= 2)
    }

    @Test func independentValuesInSelectAndGroupsRunOnce() throws {
        let session = try Fixtures.exampleSession()
        session.workCounters.reset()
        let result = try session.result("children group by street select street, count() * 100 / count(children) as share order by street")
        #expect(!result.rows.isEmpty)
        let plain = try session.result("children where household_income > avg(children select household_income) select id, household_income - avg(children select household_income)")
        #expect(!plain.rows.isEmpty)
        #expect(session.workCounters.subqueryRuns <= 8, "two statements, a few subqueries each, none per row")
    }

    /// A subquery reading `outer` depends on the enclosing row even when `this` does not
    /// appear: it must not be computed once.
    @Test func correlatedSubqueriesAreNotShared() throws {
        let session = try Fixtures.exampleSession()
        let perRow = try session.rows("streets select name, count(children where street = outer) as n, exists(communities where street = outer and outer.name = \"布吉\") as b order by name")
        let byGroup = try session.rows("children group by street select street, count() order by street")
        #expect(perRow.count >= byGroup.count)
        let distinctCounts = Set(perRow.map { $0.split(separator: "|")[1] })
        #expect(distinctCounts.count > 1)
    }

    @Test(arguments: scanModes)
    func aDefineReadTwiceIsComputedOncePerRow(useIndexes: Bool) throws {
        let session = try Fixtures.exampleSession()
        session.useIndexes = useIndexes
        var text = "define children.d1 = household_size + household_size\n"
        for i in 2...24 { text += "define children.d\(i) = d\(i - 1) + d\(i - 1)\n" }
        for case .failure(let e) in session.run(text) { Issue.record("\(e)") }
        let rows = try session.count("count children")
        session.workCounters.reset()
        let big = try session.count("count children where d24 > 5")
        let expected = try session.count("count children where household_size * 16777216 * 2 > 5")
        #expect(big == expected)
        #expect(session.workCounters.defineEvaluations <= 24 * rows, "each define once per row")
        session.workCounters.reset()
        let values = try session.rows("children where id < 3 select d24, household_size * 16777216")
        for v in values { let parts = v.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }; #expect(parts[0] == parts[1]) }
        #expect(session.workCounters.defineEvaluations <= 24 * 2)
    }

    @Test func aChainOfConditionsIsPlannedOncePerDefine() throws {
        let session = try Fixtures.exampleSession()
        var text = "define children.b1 = household_size > 3\n"
        for i in 2...40 { text += "define children.b\(i) = b\(i - 1) and b\(i - 1)\n" }
        for case .failure(let e) in session.run(text) { Issue.record("\(e)") }
        session.workCounters.reset()
        #expect(try session.count("count children where b40") == session.count("count children where household_size > 3"))
        #expect(session.workCounters.definePlans <= 200)
        #expect(session.workCounters.defineEvaluations <= 40 * 200)
    }

    static func chain(_ n: Int) -> String {
        var text = "define children.d0 = household_size\n"
        for i in 1...n { text += "define children.d\(i) = d\(i - 1) + 1\n" }
        return text + "count children where d\(n) > 5\n"
    }

    /// Each define of the chain adds two levels (`+` and the define read), so the define
    /// of line 501 is the first past the limit of 1000.
    @Test(arguments: [20_000, 100_000])
    func aLongChainOfDefinesStopsAtTheNestingLimit(length: Int) throws {
        let session = try Fixtures.smallSession()
        let outcomes = session.run(Self.chain(length), name: "<stdin>")
        #expect(outcomes.count == 501)
        for outcome in outcomes.dropLast() { if case .failure(let e) = outcome { Issue.record("\(e)") } }
        let error = try #require(firstError(outcomes))
        #expect(error.description.hasPrefix("<stdin>:501:17: error: define 'children.d500' nests 1002 levels deep"), "\(error)")
        #expect(session.catalog.define("children", "d500") == nil, "the refused define changes nothing")
        #expect(try session.count("count children where d499 > 500") == session.count("count children where household_size > 1"))
    }

    @Test func aChainWithinTheLimitRunsEveryWay() throws {
        let session = try Fixtures.exampleSession()
        for case .failure(let e) in session.run(Self.chain(490)) { Issue.record("\(e)") }
        #expect(try session.count("count children where d490 > 493") == session.count("count children where household_size > 3"))
        let rows = try session.rows("children where id < 3 select d490 - household_size order by d490 desc")
        #expect(rows == ["490", "490"])
        session.useIndexes = false
        #expect(try session.count("count children where d490 > 493") == session.count("count children where household_size > 3"))
    }

    /// Written last to first, a chain makes checking recurse from its head unless defines
    /// are checked in the order they depend on each other; past the limit it is refused.
    @Test func aLongChainWrittenBackwardsInARuleFileIsRefused() throws {
        var text = ""
        for i in stride(from: 20_000, through: 1, by: -1) { text += "define children.d\(i) = d\(i - 1) + 1\n" }
        text += "define children.d0 = household_size\n"
        let store = try Fixtures.exampleStore()
        do {
            _ = try Session(store: store, ruleSources: [SourceFile(name: "chain.mql", text: text)], today: Fixtures.today)
            Issue.record("a chain 40,000 levels deep was accepted")
        } catch let error as DiagnosticError {
            #expect(error.diagnostics.first?.description.hasPrefix("chain.mql:1:17: error: define 'children.d20000' nests 40002 levels deep") == true, "\(error)")
        }
        var short = ""
        for i in stride(from: 300, through: 1, by: -1) { short += "define children.d\(i) = d\(i - 1) + 1\n" }
        short += "define children.d0 = household_size\n"
        let session = try Session(store: store, ruleSources: [SourceFile(name: "short.mql", text: short)], today: Fixtures.today)
        #expect(try session.count("count children where d300 > 303") == session.count("count children where household_size > 3"))
    }

    // MARK: - Stopping a statement

    static let slow = "children select id, count(children where household_income > outer.household_income) as n order by n desc"

    @Test func aStatementPastItsTimeLimitStopsWithItsPosition() throws {
        let session = try Fixtures.exampleSession()
        let rows = try session.count("count children")
        session.timeout = 1e-9
        session.workCounters.reset()
        let outcomes = session.run("count children\n" + Self.slow, name: "t.mql", keepGoing: true)
        let error = try #require(firstError(outcomes))
        #expect(error.description.hasPrefix("t.mql:1:1: error: statement stopped after its time limit"), "\(error)")
        try #require(outcomes.count == 2)
        guard case .failure(let second) = outcomes[1] else { Issue.record("the slow statement finished"); return }
        #expect(second.diagnostics[0].description.hasPrefix("t.mql:2:1: error: statement stopped after its time limit"))
        #expect(session.workCounters.subqueryRuns < rows, "stopped mid-way, not at the end")
        session.timeout = nil
        #expect(try session.count("count children") == rows)
    }

    /// Each subquery scans 180 children, below any one loop's polling interval; nested,
    /// they ran for minutes past `--timeout` (the statement's loops now poll by the rows
    /// they scan together, and all return once it is stopped).
    @Test(arguments: [
        "count children where count(children where outer.id > id and count(children where outer.id < id) > 0) > 0",
        "count children where count(children where outer.id > id and count(children where outer.id < id and count(children where outer.id > id) > 0) > 0) > 0",
        "count children where count(children where outer.household_income > household_income and outer.id != id and count(children where outer.id < id) > 0) > 0",
    ])
    func nestedSubqueriesOverASmallCollectionStopPromptly(statement: String) throws {
        let session = try Fixtures.exampleSession()
        let rows = try session.count("count children")
        // Cancelled from the second poll on: the outer scan polls once, at its first row,
        // so only the subqueries' loops can see it.
        let polls = Counter()
        session.cancellationCheck = { polls.value += 1; return polls.value > 1 }
        session.workCounters.reset()
        let error = try #require(firstError(session.run(statement, name: "t.mql")))
        #expect(error.description == "t.mql:1:1: error: cancelled", "\(error)")
        // Stopped after about 4,096 rows scanned: some tens of subquery runs; running on to
        // the end takes at least rows × rows.
        #expect(session.workCounters.subqueryRuns < 4 * rows, "\(session.workCounters.subqueryRuns) subquery runs")
        session.cancellationCheck = nil
        #expect(try session.count("count children where count(children where outer.id > id) > 178") == 1)
    }

    @Test func aChangePastItsTimeLimitChangesNothing() throws {
        let session = try Fixtures.exampleSession()
        session.timeout = 1e-9
        let outcomes = session.run("update children where household_size > 0 set review = \"checked\"", name: "t.mql")
        let error = try #require(firstError(outcomes))
        #expect(error.message.contains("time limit"), "\(error)")
        session.timeout = nil
        #expect(try session.count("count children where review = \"checked\"") == 0)
        #expect(try session.one("update children where id = 1 set review = \"checked\"") == .changed(1, id: nil))
    }

    @Test func cancellingStillSaysCancelled() throws {
        let session = try Fixtures.exampleSession()
        session.cancellationCheck = { true }
        let error = try #require(firstError(session.run(Self.slow, name: "t.mql")))
        #expect(error.description == "t.mql:1:1: error: cancelled")
        session.cancellationCheck = nil
        #expect(try session.result(Self.slow + " limit 1").rows.count == 1)
    }

    @Test func aResultPastTheCellBudgetStopsWithItsPosition() throws {
        let session = try Fixtures.exampleSession()
        session.cellBudget = 10_000
        let outcomes = session.run("count children\nchildren select id, (children where id < 100 select name) as names", name: "t.mql")
        let error = try #require(firstError(outcomes))
        #expect(error.description.hasPrefix("t.mql:2:1: error: statement stopped: its result would hold more than 10000 cells"), "\(error)")
        #expect(try session.result("children select id, name, tags, household_size").rows.count > 100, "within the budget")
        #expect(Session.defaultCellBudget >= 60_000_000, "a whole collection at a million children fits")
    }
}

private final class Counter {
    var value = 0
}
