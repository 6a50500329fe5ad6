// The statement cache (Sources/MQL/StatementCache.swift): a query or count run again by its
// text is not checked again, and gives exactly what checking it afresh gives — across
// changes of the data and of the rules, which empty the cache.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct StatementCacheTests {
    /// An outcome as text: rows, a count, or the errors with their positions.
    static func shown(_ outcome: Result<StatementOutcome, DiagnosticError>) -> String {
        switch outcome {
        case .success(.rows(let r)): return render(r)
        case .success(.count(let n)): return "count \(n)"
        case .success(.changed(let n, let id)): return "changed \(n) \(id.map(String.init) ?? "-")"
        case .success(let other): return "\(other)"
        case .failure(let e): return e.diagnostics.map(\.description).joined(separator: "\n")
        }
    }

    static let queries = [
        "children where id = 3",
        "children where eligible select id, name, status",
        "count children where eligible",
        "count children where status = \"待审核\"",
        "children where status in [\"待审核\", \"不通过\"] and household_size in [1, 2] select id, status, household_size",
        "children where 超出承受能力 select id, medical_cost, household_income",
        "pairings where overdue select id, child, last_home_visit, visit_due",
        "pairings where due_soon select id",
        "children where unpaired select id",
        "children order by medical_cost desc, household_income limit 5 select id, medical_cost",
        "streets select name, approved, quota",
        "mothers where id between 1 and 4",
        "pairings where id between 2 and 6",
        "children where 4 = id",
        "children group by street select street, count(), sum(household_income)",
        "children where household_income between 1000 and 3000 and household_size >= 3 select id, household_income",
        "count visits where date > 2019-09-01",
        "children where nosuchfield = 1",
    ]

    /// Statements that change the data or the rules, drawn between the queries.
    static func change(_ random: inout SplitMix, step: Int) -> String {
        switch random.below(7) {
        case 0: return "update children where id = \(1 + random.below(20)) set household_size = \(1 + random.below(6))"
        case 1: return "update children where id = \(1 + random.below(20)) set status = \"\(random.pick(["待审核", "已审核", "不通过"]))\""
        case 2: return "visit child \(random.pick([1, 2, 3, 5, 8])) on 2019-11-\(10 + random.below(19)) kind \"家访\""
        case 3: return "delete visits where id = \(1 + random.below(30))"
        case 4: return "pair mother \(1 + random.below(10)) with child \(1 + random.below(30)) since 2019-11-01"
        case 5: return "param medical_burden_ratio = \(random.pick(["0.1", "0.5", "2.0"]))"
        default: return "param visit_interval = \(random.pick(["1 months", "2 months", "3 months"]))"
        }
    }

    @Test func cachedAndUncachedAgreeAcrossChangesAndRuleReloads() throws {
        let cached = try Fixtures.exampleSession()
        let fresh = try Fixtures.exampleSession()
        fresh.useStatementCache = false
        cached.useStatementCache = ProcessInfo.processInfo.environment["CACHE_TEST_OFF"] == nil
        var random = SplitMix(seed: 14)
        for step in 0..<400 {
            let text = random.chance(20) ? Self.change(&random, step: step) : random.pick(Self.queries)
            // The same statement in different files: positions must follow it.
            let name = "s\(step % 3).mql"
            let a = cached.run(text, name: name).map(Self.shown)
            let b = fresh.run(text, name: name).map(Self.shown)
            #expect(a == b, "step \(step): \(text)")
            if step == 200 {
                // Rules reloaded through the embedding API.
                try cached.setParam("medical_burden_ratio", "0.3")
                try fresh.setParam("medical_burden_ratio", "0.3")
            }
        }
        #expect(cached.statementCache.hits > 30, "the cache was used: \(cached.statementCache.hits) hits")
        #expect(fresh.statementCache.hits == 0)
    }

    @Test func aChangedParamIsSeenByACachedQuery() throws {
        let session = try Fixtures.exampleSession()
        let query = "count children where 超出承受能力"
        let before = try session.count(query)
        #expect(try session.count(query) == before)
        #expect(session.statementCache.hits == 1)
        _ = try session.one("param medical_burden_ratio = 100.0")
        let after = try session.count(query)
        #expect(after < before, "a far larger ratio leaves fewer children past it: \(before) → \(after)")
        _ = try session.count("count children")
        try session.setParam("medical_burden_ratio", "0.5")
        #expect(try session.count(query) == before)
        #expect(session.statementCache.count == 1, "the entries of the older rules are gone")
        #expect(session.statementCache.hits == 1, "neither run after a param change came from the cache")
    }

    @Test func aNewDefineEmptiesTheCache() throws {
        let session = try Fixtures.exampleSession()
        let query = "children where 超出承受能力 select id"
        let before = try session.rows(query)
        _ = try session.rows(query)
        #expect(session.statementCache.hits == 1)
        _ = try session.one("define children.cost_over_income = medical_cost > household_income")
        #expect(session.statementCache.count == 0)
        #expect(try session.rows(query) == before)
        #expect(session.statementCache.hits == 1, "checked again after the define")
        #expect(try session.count("count children where cost_over_income") == session.count("count children where medical_cost > household_income"))
    }

    @Test func aChangeIsSeenByACachedQuery() throws {
        let session = try Fixtures.smallSession()
        let query = "children where household_size = 7 select id"
        #expect(try session.rows(query) == [])
        #expect(try session.rows(query) == [])
        #expect(session.statementCache.hits == 1)
        _ = try session.change("update children where id = 2 set household_size = 7")
        #expect(session.statementCache.count == 0, "a change empties the cache")
        #expect(try session.rows(query) == ["2"])
    }

    @Test func errorsAndWarningsAreReportedEachTimeWhereTheStatementIs() throws {
        let session = try Fixtures.smallSession()
        let bad = "children where nosuchfield = 1"
        let first = session.errors(bad, name: "a.mql")
        let second = session.errors("\n\n  " + bad, name: "b.mql")
        #expect(!first.isEmpty)
        #expect(first.first?.hasPrefix("a.mql:1:16: error:") == true, "\(first)")
        #expect(second.first?.hasPrefix("b.mql:3:18: error:") == true, "\(second)")
        #expect(session.statementCache.count == 0, "a statement that failed its check is not kept")

        let warned = "children where street = \"布几\" select id"
        _ = try session.rows(warned)
        #expect(session.takeWarnings().count == 1)
        _ = try session.rows(warned)
        #expect(session.takeWarnings().count == 1, "the warning again, the second time")
    }

    @Test func aFaultInACachedQueryIsPositionedAtTheStatementRun() throws {
        let session = try Fixtures.smallSession()
        let query = "children select household_income + 9223372036854775000"
        let outcomes = session.run("\(query)\n\n\(query)", name: "f.mql", keepGoing: true)
        let messages = outcomes.map(Self.shown)
        try #require(messages.count == 2, "\(messages)")
        #expect(messages[0].hasPrefix("f.mql:1:17: error: the result of + is too large"), "\(messages)")
        #expect(messages[1].hasPrefix("f.mql:3:17: error: the result of + is too large"), "\(messages)")
        #expect(session.statementCache.hits == 1)
    }

    @Test func theCacheIsBounded() throws {
        let session = try Fixtures.smallSession()
        for i in 0..<(StatementCache.capacity + 40) { _ = try session.count("count children where id = \(i)") }
        #expect(session.statementCache.count == StatementCache.capacity)
        // The most recently used survive.
        _ = try session.count("count children where id = \(StatementCache.capacity + 39)")
        #expect(session.statementCache.hits == 1)
    }
}
