// Chinese names of collections and fields (data.md, "Chinese names"): a question written
// in the notice's words is the same question as in English, its columns keep the names as
// written, and the names work in changes, rule files, tests and suggestions.

import Engine
@testable import MQL
import Testing

@Suite struct ChineseNameTests {
    @Test func theSpecExampleIsTheSameQuestion() throws {
        let session = try Fixtures.exampleSession()
        let chinese = try session.result("儿童 where 街道 = \"布吉\" and 年龄 < 10 select 姓名, 社区")
        let english = try session.result("children where street = \"布吉\" and age < 10 select name, community")
        #expect(chinese.columns.map(\.name) == ["姓名", "社区"])
        #expect(chinese.rows == english.rows)
        #expect(!chinese.rows.isEmpty)
    }

    @Test(arguments: [
        ("街道 select 名称, 名额, count(儿童) order by 名称 limit 3", "streets select name, quota, count(children) order by name limit 3"),
        ("结对 where 妈妈.层级 = \"区\" select 妈妈.姓名, 儿童.姓名", "pairings where mother.level = \"区\" select mother.name, child.name"),
        ("走访 where 方式 = \"家访\" and 日期 >= 2019-10-01 select 结对, 日期", "visits where kind = \"家访\" and date >= 2019-10-01 select pairing, date"),
        ("儿童 group by 街道 select 街道, count() order by 街道", "children group by street select street, count() order by street"),
        ("儿童 where \"低保\" in 标签 and 家庭人口 > 3 select id", "children where \"低保\" in tags and household_size > 3 select id"),
        ("社区 where 街道 = \"布吉\" select 名称", "communities where street = \"布吉\" select name"),
        ("妈妈 where unpaired and 层级 = \"社区\" select 姓名, 单位, 身份", "mothers where unpaired and level = \"社区\" select name, org, roles"),
    ])
    func chineseAndEnglishAgree(chinese: String, english: String) throws {
        let session = try Fixtures.exampleSession()
        #expect(try session.rows(chinese) == session.rows(english))
    }

    @Test func countsAndSubqueriesTakeChineseCollections() throws {
        let session = try Fixtures.exampleSession()
        #expect(try session.count("count 儿童 where 审核状态 = \"已审核\"") == session.count("count children where status = \"已审核\""))
        #expect(try session.rows("街道 select 名称, count(儿童 where 街道 = outer.名称) limit 2")
                == session.rows("streets select name, count(children where street = outer.name) limit 2"))
    }

    @Test func changesTakeChineseNames() throws {
        let session = try Fixtures.smallSession()
        guard case .changed(1, let id?) = try session.change("insert 儿童 {姓名: \"新同学\", 出生年月: 2012-05, 街道: \"布吉\", 社区: \"可园\", 标签: [\"低保\"]}") else {
            Issue.record("insert gave no id")
            return
        }
        _ = try session.change("update 儿童 where id = \(id) set 审核意见 = \"属实\", 家庭人口 = 3")
        #expect(try session.rows("children where id = \(id) select name, review, household_size, tags") == ["新同学 | 属实 | 3 | [低保]"])
        let twice = session.errors("update 儿童 where id = 1 set 审核意见 = \"甲\", review = \"乙\"")
        #expect(twice.first?.contains("set twice") == true, "\(twice)")
    }

    @Test func rulesAndTestsTakeChineseNames() throws {
        let session = try Fixtures.smallSession()
        _ = try session.one("define 儿童.幼儿 = 年龄 < 6")
        #expect(try session.rows("children where 幼儿 select id") == session.rows("children where age < 6 select id"))
        let file = SourceFile(name: "zh.mql", text: """
            define 儿童.大龄 = 年龄 >= 10

            test "中文名称" {
                given today 2019-11-30
                given 儿童 {id: 1, 姓名: "甲", 出生年月: 2008-01, 街道: "布吉", 标签: ["低保"]}
                given 儿童 {id: 2, 姓名: "乙", 出生年月: 2016-01, 街道: "布吉"}
                expect 大龄 of 儿童 1 = true
                expect 大龄 of children 2 = false
                expect age of 儿童 2 = 3
            }
            """)
        let catalog = try RuleFiles.catalog(from: Fixtures.ruleSources + [file], store: session.store)
        let report = TestRunner(catalog: catalog, today: Fixtures.today).run(catalog.tests.filter { $0.file.name == "zh.mql" })
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.passed == 1)
    }

    @Test func misspelledChineseNamesGetSuggestions() throws {
        let session = try Fixtures.exampleSession()
        #expect(session.errors("children where 街到 = \"布吉\"").first?.hasSuffix("did you mean '街道'?") == true)
        #expect(session.errors("儿重 where id = 1").first?.contains("did you mean '儿童'?") == true)
    }
}
