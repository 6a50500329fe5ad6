// Key lookups run again (Sources/MQL/KeyLookup.swift): a query that finds rows by id and
// shows stored fields, once in the statement cache, is answered from the key index and the
// columns alone — and gives exactly what the general path gives, on columns loaded from
// CSV and on columns still in a snapshot, after changes, and under the cell budget.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct KeyLookupTests {
    static let lookups = [
        "children where id = 3",
        "children where 4 = id",
        "children where id = 99999",
        "children where id between 2 and 6",
        "children where id between 6 and 2",
        "mothers where id between 1 and 4",
        "pairings where id between 2 and 7",
        "visits where id = 5",
        "children where id = 2 select name, street, community, tags, birth, household_income",
    ]
    /// Not key lookups: they take the general path every time.
    static let others = [
        "children where id = 3 select id, age",
        "children where id between 1 and 400 select id",
        "children where id = 3 order by id",
        "children where id = 3 limit 1",
        "children where id >= 3 and id <= 5",
        "streets",
    ]

    static func shown(_ session: Session, _ text: String) -> String {
        StatementCacheTests.shown(session.run(text, name: "k.mql")[0])
    }

    @Test func runAgainTheyGiveTheGeneralPathsRows() throws {
        let cached = try Fixtures.exampleSession()
        let fresh = try Fixtures.exampleSession()
        fresh.useStatementCache = false
        for text in Self.lookups + Self.others {
            let expected = Self.shown(fresh, text)
            #expect(Self.shown(cached, text) == expected, "\(text), first run")
            #expect(Self.shown(cached, text) == expected, "\(text), run again")
        }
        #expect(cached.statementCache.keyLookupRuns == Self.lookups.count, "each lookup answered from the key index once")
        #expect(fresh.statementCache.keyLookupRuns == 0)
        // The shapes that are not lookups are planned as such once, and never run so.
        for text in Self.others { _ = Self.shown(cached, text) }
        #expect(cached.statementCache.keyLookupRuns == Self.lookups.count)
    }

    @Test func columnsStillInASnapshotGiveTheSameRows() throws {
        let workspace = try DatasetWorkspace(label: "keylookup")
        try Dataset(directory: workspace.directory).checkpoint(workspace.session.store)
        guard case .loaded(let store) = Snapshot.open(directory: workspace.directory) else {
            Issue.record("no snapshot")
            return
        }
        let snapshot = try Session(store: store, ruleSources: Fixtures.ruleSources, today: Fixtures.today)
        let fresh = try Fixtures.exampleSession()
        fresh.useStatementCache = false
        for text in Self.lookups {
            let expected = Self.shown(fresh, text)
            #expect(Self.shown(snapshot, text) == expected, "\(text), first run")
            #expect(Self.shown(snapshot, text) == expected, "\(text), run again")
        }
        #expect(snapshot.statementCache.keyLookupRuns == Self.lookups.count)
        guard case .int(let incomes)? = store.table("children")!.column(named: "household_income") else {
            Issue.record("no household_income")
            return
        }
        #expect(!incomes.isLoaded, "incomes were read a block at a time, not as a whole column")
    }

    @Test func changesAreSeen() throws {
        let workspace = try DatasetWorkspace(label: "keylookup-change")
        let session = workspace.session
        let query = "children where id between 2 and 4 select id, household_size, street"
        let before = try session.rows(query)
        #expect(try session.rows(query) == before)
        #expect(session.statementCache.keyLookupRuns == 1)
        _ = try session.one("update children where id = 4 set household_size = 9")
        let after = try session.rows(query)
        #expect(after.count == before.count)
        #expect(after.contains { $0.hasPrefix("4 | 9 |") }, "\(after)")
        #expect(try session.rows(query) == after)
        _ = try session.one("delete children where id = 3")
        #expect(try session.rows(query) == after.filter { !$0.hasPrefix("3 |") })
        #expect(try session.rows(query) == after.filter { !$0.hasPrefix("3 |") })
        #expect(session.statementCache.keyLookupRuns == 3)
    }

    @Test func theCellBudgetStopsThemAsItStopsTheGeneralPath() throws {
        let session = try Fixtures.exampleSession()
        session.cellBudget = 10
        let query = "children where id = 3"
        let first = session.errors(query)
        let second = session.errors(query)
        #expect(!first.isEmpty, "17 cells are past a budget of 10")
        #expect(second == first)
        #expect(session.statementCache.keyLookupRuns == 1, "the second run took the key lookup")
    }
}
