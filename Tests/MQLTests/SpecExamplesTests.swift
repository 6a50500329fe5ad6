// Every MQL example of the contract (shared/spec/language.md) and of the project's
// reference (docs/language.md, its ```mql blocks) runs on the example data without error.

import Engine
import Foundation
@testable import MQL
import Testing

enum SpecText {
    static let specDirectory = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/spec")
    static var languageSpec: String? { try? String(contentsOf: specDirectory.appendingPathComponent("language.md"), encoding: .utf8) }
    static var docsLanguage: String? { try? String(contentsOf: Fixtures.root.appendingPathComponent("docs/language.md"), encoding: .utf8) }
}

/// The example queries of shared/spec/language.md, as written there.
let specQueries = [
    "children where street = \"布吉\" and unpaired",
    "children where age between 6 and 12 and \"低保\" in tags select name, community, age order by age desc limit 5",
    "children group by street select street, count() as n order by n desc",
    "count mothers where level = \"社区\" and unpaired",
    "pairings where overdue select mother.name, child.name, child.street, last_home_visit",
    "streets select name, quota, count(children where status = \"已审核\") as approved",
    "explain eligible for children where id = 17",
    "\"低保\" in tags",
    "children where street = \"布吉\"",
]

@Suite struct SpecExamplesTests {
    @Test(arguments: specQueries)
    func specExampleRuns(_ example: String) throws {
        if let spec = SpecText.languageSpec {
            #expect(spec.contains(example), "no longer in the spec: \(example)")
        }
        let session = try Fixtures.exampleSession()
        // A bare expression needs a row: run it as a condition.
        let statement = example.hasPrefix("\"") ? "count children where \(example)" : example
        for outcome in session.run(statement, name: "<spec>") {
            if case .failure(let e) = outcome { Issue.record("\(example):\n\(e)") }
        }
    }

    @Test func specExamplesGiveTheRightShape() throws {
        let session = try Fixtures.exampleSession()
        #expect(try session.columnNames(specQueries[1]) == ["name", "community", "age"])
        #expect(try session.result(specQueries[1]).rows.count <= 5)
        #expect(try session.columnNames(specQueries[2]) == ["street", "n"])
        #expect(try session.result(specQueries[2]).rows.count == 11)
        #expect(try session.columnNames(specQueries[4]) == ["mother.name", "child.name", "child.street", "last_home_visit"])
        #expect(try session.columnNames(specQueries[5]) == ["name", "quota", "approved"])
        #expect(try session.count(specQueries[3]) >= 0)
        // Rows of the grouped example come by count, descending.
        let counts = try session.result(specQueries[2]).rows.map { row -> Int in if case .int(let n) = row[1] { return n } else { return -1 } }
        #expect(counts == counts.sorted(by: >))
    }

    /// The rule-file example of the spec parses, and every name it defines is a name the
    /// shipped rules define, with the same kind (the shipped files are the real thing).
    @Test func specRuleFileExampleMatchesShippedRules() throws {
        let example = """
            param visit_interval = 2 months          # a policy parameter; staff change its value

            define pairings.active = until is null or until > today()
            define children.unpaired = not exists(pairings where active)

            rule children.低保 "三(一)1 家庭为民政部门确定的城市居民最低生活保障对象，难以维持基本生活" =
                "低保" in tags

            define children.eligible = 低保 or 孤儿优抚 or 单亲困难 or 灾害 or 大病 or 其他困难

            constraint pairings.one_child "三(四) 每名“妇联妈妈”与1名贫困儿童结对" =
                count(mother.pairings where active) <= 1
            """
        if let spec = SpecText.languageSpec {
            #expect(spec.contains("define children.eligible = 低保 or 孤儿优抚 or 单亲困难 or 灾害 or 大病 or 其他困难"))
        }
        let (statements, errors) = Parser.parse(SourceFile(name: "<spec>", text: example))
        #expect(errors.isEmpty)
        #expect(statements.count == 6)
        let session = try Fixtures.exampleSession()
        for s in statements {
            switch s.kind {
            case .definition(let d):
                let shipped = session.catalog.define(d.collection, d.name)
                #expect(shipped != nil, "\(d.collection).\(d.name) is not in the shipped rules")
                #expect(shipped?.kind == d.kind, "\(d.collection).\(d.name)")
                if d.citation != nil { #expect(shipped?.citation == d.citation) }
            case .param(let name, _, _):
                #expect(session.catalog.params[name]?.value == .duration(Duration(amount: 2, unit: .month)))
            default:
                Issue.record("unexpected statement \(Printer.statement(s))")
            }
        }
        // The same example runs as a rule file of its own on the example data, once the
        // names it leaves to other files are defined.
        let missing = "rule children.孤儿优抚 \"x\" = false\nrule children.单亲困难 \"x\" = false\nrule children.灾害 \"x\" = false\nrule children.大病 \"x\" = false\nrule children.其他困难 \"x\" = false\n"
        _ = try Session(store: Fixtures.exampleStore(), ruleSources: [SourceFile(name: "<spec>", text: example), SourceFile(name: "<rest>", text: missing)], today: Fixtures.today)
    }

    /// Every ```mql block of docs/language.md runs, statement after statement, without error.
    @Test func docsExamplesRun() throws {
        guard let docs = SpecText.docsLanguage else { return }
        let blocks = mqlBlocks(docs)
        #expect(blocks.count >= 5, "docs/language.md has \(blocks.count) mql blocks")
        for block in blocks {
            let session = try Fixtures.exampleSession()
            let outcomes = session.run(block, name: "<docs>")
            for case .failure(let e) in outcomes { Issue.record("docs example fails:\n\(block)\n\(e)") }
            #expect(!outcomes.isEmpty)
        }
    }

    func mqlBlocks(_ markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [String]?
        var inOther = false
        for line in markdown.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var lines = current {
                if trimmed == "```" { blocks.append(lines.joined(separator: "\n")); current = nil } else { lines.append(line); current = lines }
            } else if inOther {
                if trimmed == "```" { inOther = false }
            } else if trimmed.hasPrefix("```") {
                if trimmed == "```mql" { current = [] } else { inOther = true }
            }
        }
        return blocks
    }
}
