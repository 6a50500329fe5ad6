// The checker: exact `FILE:LINE:COL: error: MESSAGE` lines for bad statements and bad rule
// files, kept in Golden/checker_errors.txt. Rule files report all their errors, sorted.

import Engine
import Foundation
@testable import MQL
import Testing

/// Statements run one by one on the example data with the shipped rules, as file `q.mql`.
let checkerStatementCases: [String] = [
    "children where stret = \"布吉\"",
    "childs where id = 1",
    "children where nosuchthing = 1",
    "pairings where child.stret = \"布吉\"",
    "pairings where child.street.quotaa > 1",
    "children where name = 1",
    "children where birth > \"2019\"",
    "children where age > \"x\"",
    "children where street < \"布吉\"",
    "children where household_size",
    "children where count() > 1",
    "children where sum(household_size) > 1",
    "children group by street select name",
    "children group by street select street, name, count()",
    "children group by street",
    "children select name order by tags",
    "children limit -1",
    "children limit \"3\"",
    "children where outer.id = 1",
    "outer",
    "this",
    "children where today = 1",
    "children where lenn(name) = 1",
    "children where len(1) = 1",
    "children where age(1, 2) = 1",
    "children where not name",
    "children where \"a\" in 1",
    "children where name like 1",
    "children where birth between 1 and 2",
    "children select sum(name)",
    "children select avg(tags)",
    "children where stret = 1 and nme = 2",
    "children where name.x = 1",
    "children where -name = 1",
    "children where name and true",
    "children where pairings = 1",
    "[1, \"a\"]",
    "1 + \"a\"",
    "2019-05-01 + 3",
    "children where exists(1)",
    "children where coalesce(name, 1) = 1",
    "children where if(1, 2, 3) = 2",
    "explain nosuch for children where id = 1",
    "explain eligble for children where id = 1",
    "children where eligble",
    "define children.x = y",
    "define children.name = 1",
    "define children.age = 1",
    "define children.pairings = 1",
    "rule children.r = true",
    "rule children.r \"三(一)\" = 1",
    "constraint children.c \"\" = true",
    "define nosuch.x = 1",
    "define chidren.x = 1",
    "param p = today()",
    "param p = [1, 2]",
    "(children where count() > 1 select name)",
    "streets select name, count(children where stret = 1)",
    "children select count(pairings where active and child.stret = 1)",
    "children where id in (pairings select child, mother)",
    "children where id in (pairings group by child select child)",
    "children where 街道 = 1",
]

struct RuleFileCase: Sendable {
    let title: String
    /// (file name, text)
    let files: [(String, String)]
}

let ruleFileCases: [RuleFileCase] = [
    RuleFileCase(title: "every error of a file, sorted", files: [("bad.mql", """
        # a rule file with one mistake of each kind
        define children.a = b
        define children.b = a
        define children.big = household_size >= 6
        define children.big = household_size >= 7
        rule children.norule = "低保" in tags
        rule children.notbool "三(一)" = household_size
        define children.x = stret = "布吉"
        define chldren.y = 1
        param p = 1
        param p = 2
        children where nosuch = 1
        children where (
        constraint pairings.c "三(四)" = count(mother.pairings where actve) <= 1
        """)]),
    RuleFileCase(title: "a define cycle through three defines", files: [("cycle.mql", """
        define children.a = b and true
        define children.b = c or false
        define children.c = not a
        """)]),
    RuleFileCase(title: "a cycle and a duplicate across two files", files: [
        ("one.mql", "define children.a = b\ndefine children.dup = 1\n"),
        ("two.mql", "define children.b = a\ndefine children.dup = 2\n"),
    ]),
    RuleFileCase(title: "a define that refers to itself", files: [("self.mql", "define pairings.s = s + 1\n")]),
    RuleFileCase(title: "errors inside a test case", files: [("tests.mql", """
        define children.big = household_size >= 6
        test "t" {
            given children {id: 1}
            expect big of children 1 = true
        }
        test "broken" { given }
        """)]),
]

@Suite struct CheckerTests {
    @Test func golden() throws {
        var out = "# Checker golden file: statements (<) run on the example data with the shipped rules,\n"
        out += "# and rule files (== FILE) loaded on their own; each followed by its errors (!).\n"
        out += "# Re-record with RECORD_GOLDEN=1.\n"
        for input in checkerStatementCases {
            let session = try Fixtures.exampleSession()
            out += "\n< " + input + "\n"
            let errors = session.errors(input)
            out += errors.isEmpty ? "  (no error)\n" : errors.map { "! " + $0 + "\n" }.joined()
        }
        let store = try Fixtures.exampleStore()
        for c in ruleFileCases {
            out += "\n# \(c.title)\n"
            for (name, text) in c.files {
                out += "== \(name)\n" + text.components(separatedBy: "\n").map { "| " + $0 }.joined(separator: "\n") + "\n"
            }
            out += ruleFileErrors(c.files, store: store).map { "! " + $0 + "\n" }.joined()
        }
        Golden.check(out, "checker_errors.txt")
    }

    func ruleFileErrors(_ files: [(String, String)], store: Store) -> [String] {
        do {
            _ = try RuleFiles.catalog(from: files.map { SourceFile(name: $0.0, text: $0.1) }, store: store)
            return ["(no error)"]
        } catch let error as DiagnosticError {
            return error.diagnostics.map(\.description)
        } catch {
            return ["unexpected: \(error)"]
        }
    }

    @Test func statementErrorsAreSorted() throws {
        let session = try Fixtures.exampleSession()
        for input in checkerStatementCases {
            let outcomes = session.run(input, name: "q.mql", keepGoing: true)
            for case .failure(let e) in outcomes {
                let starts = e.diagnostics.map(\.range.start)
                #expect(starts == starts.sorted(), "\(input)")
            }
        }
    }

    @Test func ruleFileErrorsAreAllReportedAndSorted() throws {
        let store = try Fixtures.exampleStore()
        let errors = ruleFileErrors(ruleFileCases[0].files, store: store)
        // One error per bad line of the file: lines 2/3 (cycle), 5, 6, 7, 8, 9, 11, 12, and
        // the open bracket of line 13 that runs into line 14.
        let lines = errors.compactMap { Int($0.split(separator: ":")[1]) }
        #expect(lines == lines.sorted())
        #expect(lines.contains(13) || lines.contains(14))
        for line in [5, 6, 7, 8, 9, 11, 12] {
            #expect(lines.contains(line), "no error reported on line \(line):\n\(errors.joined(separator: "\n"))")
        }
        #expect(lines.contains(2) || lines.contains(3), "the cycle is reported")
    }

    /// The shipped rule files check cleanly on the example data and on an empty dataset.
    @Test func shippedRulesCheck() throws {
        #expect(Fixtures.ruleSources.count >= 7)
        _ = try Fixtures.exampleSession()
        _ = try Session(store: Store(), ruleSources: Fixtures.ruleSources, today: Fixtures.today)
    }

    @Test func suggestions() {
        #expect(Suggest.closest("stret", among: ["street", "status", "name"]) == "street")
        #expect(Suggest.closest("chidren", among: ["children", "mothers"]) == "children")
        #expect(Suggest.closest("zzzzzz", among: ["children", "mothers"]) == nil)
        #expect(Suggest.closest("x", among: []) == nil)
    }
}
