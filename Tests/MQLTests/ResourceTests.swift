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
}
