// Issue 9's classes of silent data change, one test per class: values that cannot be
// represented (integer overflow, dates past 0001–9999, non-finite numbers) are positioned
// errors in queries and refusals in changes, never null; change statements store only
// values of exactly the field's type; a failed statement aborts its transaction; the
// domain constraints of examples/rules/80_domains.mql refuse new bad values.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct ValueDomainTests {
    /// The first error of running `text`, or nil when it succeeded.
    func error(_ session: Session, _ text: String) -> String? {
        session.errors(text, name: "<test>").first
    }

    // MARK: - Unrepresentable values are errors

    @Test(arguments: [
        ("children select household_income * 9223372036854775807", "<test>:1:17: error: the result of * is too large"),
        ("children select household_income + 9223372036854775807", "<test>:1:17: error: the result of + is too large"),
        ("children select 0 - household_income - 9223372036854775807", "<test>:1:17: error: the result of - is too large"),
        ("children where household_income * 9223372036854775807 > 0", "<test>:1:16: error: the result of * is too large"),
        ("count children where birth + 9000 years > 2019-01-01", "<test>:1:22: error: the resulting date is outside"),
        ("children select birth - 3000 years", "<test>:1:17: error: the resulting date is outside"),
        ("children select birth + 4000000 days", "<test>:1:17: error: the resulting date is outside"),
        ("children select sum(household_income * 922337203685477580)", "<test>:1:21: error: the result of * is too large"),
        ("children select sum(household_income + 9223372036854770000)", "<test>:1:17: error: the result of sum is too large"),
        ("children group by street select street, sum(household_income + 9223372036854770000)", "<test>:1:41: error: the result of sum is too large"),
        ("sum(children select household_income + 9223372036854770000)", "<test>:1:1: error: the result of sum is too large"),
        ("-(0 - 9223372036854775807 - 1)", "<test>:1:2: error: the result of - is too large"),
        ("today() + 9000 years", "<test>:1:1: error: the resulting date is outside"),
    ])
    func overflowIsAPositionedError(statement: String, expected: String) throws {
        let session = try Fixtures.smallSession()
        let message = try #require(error(session, statement), "\(statement) succeeded")
        #expect(message.hasPrefix(expected), "\(message)")
    }

    @Test func overflowInADefineIsReportedInTheRuleFile() throws {
        let session = try Fixtures.smallSession()
        _ = try session.one("define children.huge = household_income * 9223372036854775807", name: "big.mql")
        let message = try #require(error(session, "count children where huge > 0"))
        #expect(message.hasPrefix("big.mql:1:"), "\(message)")
        #expect(message.contains("too large"))
    }

    @Test func valuesInRangeStillWork() throws {
        let session = try Fixtures.smallSession()
        #expect(try session.value("9223372036854775806 + 1") == "9223372036854775807")
        #expect(try session.value("9999-12-01 + 30 days") == "9999-12-31")
        #expect(try session.value("0001-01-31 - 30 days") == "0001-01-01")
        #expect(try session.rows("children where id = 1 select household_income * 2") == ["2000"])
        #expect(try session.value("7 / 0") == "null", "division by zero stays null, as in SQLite")
    }

    @Test(arguments: [
        "update children where id = 1 set household_income = household_income * 9223372036854775807",
        "update children where id = 1 set birth = birth + 9000 years",
        "visit child 1 on today() + 9000 years",
        "insert children {name: \"甲\", street: \"布吉\", community: \"可园\", birth: 2012-01, household_income: 9223372036854775807 + 1}",
    ])
    func aChangeThatWouldStoreAnUnrepresentableValueIsRefused(statement: String) throws {
        let session = try Fixtures.smallSession()
        let before = try session.rows("children select id, birth, household_income")
        let visits = try session.count("count visits")
        #expect(error(session, statement) != nil, "\(statement) was accepted")
        #expect(try session.rows("children select id, birth, household_income") == before)
        #expect(try session.count("count visits") == visits)
    }

    // MARK: - Strict types in change statements

    @Test(arguments: [
        ("insert children {name: 1, street: \"布吉\"}", "children.name holds text, not int"),
        ("insert children {name: \"甲\", household_size: \"5\"}", "children.household_size holds a whole number, not text"),
        ("insert children {name: \"甲\", birth: \"2019-05-15\"}", "children.birth holds a date, not text"),
        ("update streets where name = \"布吉\" set liaison_phone = [\"a\", \"b\"]", "streets.liaison_phone holds text, not list of text"),
        ("update children where id = 1 set tags = [\"低保;孤儿\"]", "holds ';'"),
        ("update children where id = 1 set tags = null", "children.tags is a set and cannot be null"),
        ("update children where id = 1 set review = \"\"", "empty text cannot be stored in children.review"),
        ("update children where id = 1 set household_size = 5 / 2", "children.household_size holds whole numbers; 2.5 is not one"),
        ("update children where id = 1 set street = 3", "children.street holds a reference to streets (its name as text), not int"),
        ("pair mother 1 with child \"3\"", "pairings.child holds a reference to children (an id), not text"),
        ("end pairing 1 on \"\"", "pairings.until holds a date, not text"),
        ("end pairing 1 on null", "end pairing needs a date"),
        ("visit child 1 on null", "visit needs a date"),
        ("visit child 1 on 2019-11-20 kind 1", "visits.kind holds text, not int"),
    ])
    func valuesOfAnotherTypeAreRefused(statement: String, message: String) throws {
        let session = try Fixtures.smallSession()
        let before = try session.rows("children")
        let pairings = try session.rows("pairings")
        let failure = try #require(error(session, statement), "\(statement) was accepted")
        #expect(failure.contains(message), "\(failure)")
        #expect(try session.rows("children") == before)
        #expect(try session.rows("pairings") == pairings)
    }

    @Test func setElementsCollapseAndWholeNumbersAreKept() throws {
        let session = try Fixtures.smallSession()
        _ = try session.change("update children where id = 1 set tags = [\"低保\", \"单亲\", \"低保\"], household_size = 8 / 2")
        #expect(try session.rows("children where id = 1 select tags, household_size") == ["[低保, 单亲] | 4"])
        _ = try session.change("update children where id = 4 set review = null, tags = []")
        #expect(try session.rows("children where id = 4 select review, tags") == ["null | []"])
    }

    // MARK: - Transactions

    @Test func aFailedStatementAbortsItsTransaction() throws {
        let session = try Fixtures.smallSession()
        let script = """
            begin
            update children where id = 1 set review = "甲"
            update children where id = 1 set review = 5
            update children where id = 2 set review = "乙"
            commit
            """
        let outcomes = session.run(script, name: "t.mql", keepGoing: true)
        let messages = outcomes.compactMap { outcome -> String? in
            if case .failure(let e) = outcome { return e.description }
            return nil
        }
        #expect(messages.count == 3)
        #expect(messages[1].hasPrefix("t.mql:4:1: error: the transaction is aborted: the statement at t.mql:3:1 failed"))
        #expect(messages[2].hasPrefix("t.mql:5:1: error: nothing was committed"))
        #expect(try session.rows("children where id in [1, 2] select review") == ["null", "null"])
        #expect(!session.inTransaction)
        // The session goes on normally after the rolled-back transaction.
        _ = try session.change("update children where id = 2 set review = \"丙\"")
        #expect(try session.rows("children where id = 2 select review") == ["丙"])
    }

    @Test func aFailedQueryAbortsItsTransactionAndRollbackEndsIt() throws {
        let session = try Fixtures.smallSession()
        let outcomes = session.run("begin\nupdate children where id = 1 set review = \"甲\"\nchildren wher id = 1\nrollback\ncount children", name: "t.mql", keepGoing: true)
        #expect(outcomes.count == 5)
        if case .failure = outcomes[2] {} else { Issue.record("the query should fail") }
        if case .success = outcomes[3] {} else { Issue.record("rollback ends an aborted transaction") }
        if case .success(.count(5)) = outcomes[4] {} else { Issue.record("after rollback statements run: \(outcomes[4])") }
        #expect(try session.rows("children where id = 1 select review") == ["null"])
    }

    // MARK: - Domains

    @Test(arguments: [
        ("insert children {street: \"布吉\", community: \"可园\", birth: 2012-01}", "children.has_name"),
        ("insert children {name: \"甲\", street: \"布吉\", community: \"可园\"}", "children.has_birth"),
        ("insert children {name: \"甲\", street: \"布吉\", birth: 2012-01}", "children.has_community"),
        ("update children where id = 1 set status = \"已审和\"", "children.status_known"),
        ("update children where id = 1 set gender = \"M\"", "children.gender_known"),
        ("update children where id = 1 set household_size = 0", "children.household_size_positive"),
        ("update children where id = 1 set household_income = -1", "children.income_not_negative"),
        ("update children where id = 1 set medical_cost = -1", "children.medical_cost_not_negative"),
        ("update mothers where id = 1 set level = \"市\"", "mothers.level_known"),
        ("end pairing 1 on 2019-01-01", "pairings.ends_after_start"),
        ("visit child 1 on 2019-05-01", "visits.within_pairing"),
        ("visit child 1 on 2019-12-25", "visits.not_in_future"),
        ("visit child 1 on 2019-11-20 kind \"上门\"", "visits.kind_known"),
    ])
    func domainConstraintsRefuseNewBadValues(statement: String, constraint: String) throws {
        let session = try Fixtures.smallSession()
        let failure = try #require(error(session, statement), "\(statement) was accepted")
        #expect(failure.contains("refused by constraint \(constraint)"), "\(failure)")
    }
}
