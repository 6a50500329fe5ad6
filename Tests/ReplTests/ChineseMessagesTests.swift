// Chinese messages end to end: the real binary under a Chinese locale or `--lang zh` says
// every kind of message in Chinese — a checker error, a type error in a change, a
// constraint refusal, a load error, an import report — with the FILE:LINE:COL: error:
// prefix unchanged; `--lang en` gives English under a Chinese locale; a bad --lang is
// usage (exit 2).

import Engine
import Foundation
@testable import Repl
import Testing

@Suite struct ChineseMessagesTests {
    static let chineseLocale = ["LANG": "zh_CN.UTF-8"]

    /// A writable copy of the example data, so changes and imports can run.
    func workspace(_ label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-zh-\(label)-\(UUID().uuidString)").path
        let created = try MQLProcess.run(["init", dir])
        #expect(created.status == 0, "\(created)")
        return dir
    }

    @Test func replMessagesHaveBothLanguages() {
        for id in ReplMessage.allCases {
            let (english, chinese) = id.templates
            #expect(!english.isEmpty && !chinese.isEmpty, "\(id)")
            #expect(chinese != english, "\(id)")
            #expect(chinese.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(id): \(chinese)")
        }
    }

    @Test(arguments: [(["LANG": "zh_CN.UTF-8"], [String]()), ([:], ["--lang", "zh"]), (["LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"], [])])
    func unknownFieldInChinese(locale: [String: String], options: [String]) throws {
        let r = try MQLProcess.run(options + ["-c", #"children where nmae = "x""#], locale: locale)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr == "<command>:1:16: error: children 中没有字段“nmae”；是不是要写“name”？\n", "\(r)")
    }

    @Test func lang_en_overridesAChineseLocale() throws {
        let r = try MQLProcess.run(["--lang", "en", "-c", #"children where nmae = "x""#], locale: Self.chineseLocale)
        #expect(r.stderr == "<command>:1:16: error: unknown field 'nmae' in children; did you mean 'name'?\n", "\(r)")
        let messages = try MQLProcess.run(["-c", #"children where nmae = "x""#], locale: ["LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"])
        #expect(messages.stderr.contains("unknown field 'nmae'"), "LC_MESSAGES outranks LANG: \(messages)")
    }

    @Test func aBadLangIsUsage() throws {
        let r = try MQLProcess.run(["--lang", "fr", "-c", "count children"])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("--lang takes zh or en, not 'fr'"), "\(r)")
        let sub = try MQLProcess.run(["check", "--lang", "klingon"])
        #expect(sub.status == 2, "\(sub)")
    }

    @Test(arguments: [true, false])
    func typeErrorInAChange(byLocale: Bool) throws {
        let data = try workspace("type")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let statement = #"insert children {name: "甲", birth: "2019-05-15", street: "布吉", community: "大芬"}"#
        let r = try MQLProcess.run((byLocale ? [] : ["--lang", "zh"]) + ["--data", data, "-c", statement],
                                   locale: byLocale ? Self.chineseLocale : [:])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("<command>:1:36: error: children.birth 存放的是日期"), "\(r)")
        #expect(r.stderr.contains("日期不加引号：2019-05-15"), "\(r)")
    }

    @Test(arguments: [true, false])
    func constraintRefusal(byLocale: Bool) throws {
        let data = try workspace("refusal")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let r = try MQLProcess.run((byLocale ? [] : ["--lang", "zh"]) + ["--data", data, "-c", "pair mother 2 with child 17"],
                                   locale: byLocale ? Self.chineseLocale : [:])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("<command>:1:1: error: 违反约束 pairings.one_child（三(四) 每名“妇联妈妈”与1名贫困儿童结对），修改被拒绝：pairings 2"), "\(r)")
        #expect(!r.stderr.contains("refused"), "\(r)")
    }

    @Test(arguments: [true, false])
    func loadError(byLocale: Bool) throws {
        let data = try workspace("load")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let children = data + "/children.csv"
        // The first row's id 1 becomes "1x" (bytes, since the file's CRLF is one Character).
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: children)))
        let firstRow = try #require(bytes.indices.first { bytes[$0] == 0x0A }) + 1
        #expect(bytes[firstRow] == UInt8(ascii: "1") && bytes[firstRow + 1] == UInt8(ascii: ","))
        bytes.insert(UInt8(ascii: "x"), at: firstRow + 1)
        try Data(bytes).write(to: URL(fileURLWithPath: children))
        let r = try MQLProcess.run((byLocale ? [] : ["--lang", "zh"]) + ["--data", data, "-c", "count children"],
                                   locale: byLocale ? Self.chineseLocale : [:])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("\(children):2: error: 列 id 中的“1x”不是整数\n"), "\(r)")
        let english = try MQLProcess.run(["--data", data, "-c", "count children"])
        #expect(english.stderr.hasPrefix("\(children):2: error: bad int '1x' in column id\n"), "\(english)")
    }

    @Test(arguments: [true, false])
    func importReport(byLocale: Bool) throws {
        let data = try workspace("import")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let bad = MQLProcess.root.appendingPathComponent("examples/forms/附件2-有错误的行.csv").path
        let good = MQLProcess.root.appendingPathComponent("examples/forms/附件2-布吉.csv").path
        let options = (byLocale ? [] : ["--lang", "zh"]) + ["--street", "布吉", "--data", data, "--today", "2019-11-30"]
        let locale = byLocale ? Self.chineseLocale : [:]
        let refused = try MQLProcess.run(["import", "附件2", bad] + options, locale: locale)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("\(bad):3: error: 年龄（出生年月）“不详”中没有年份和月份\n"), "\(refused)")
        #expect(refused.stderr.contains("\(bad): 3 行中有 2 行有误；未导入任何数据（--skip-bad 文件 可只导入正确的行）\n"), "\(refused)")
        let dryRun = try MQLProcess.run(["import", "附件2", good, "--dry-run"] + options, locale: locale)
        #expect(dryRun.stderr.contains("\(good): 4 行中将导入 4 行（4 处修改）\n"), "\(dryRun)")
        let imported = try MQLProcess.run(["import", "附件2", good] + options, locale: locale)
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stderr.contains("\(good): 已导入 4 行中的 4 行（4 处修改）\n"), "\(imported)")
        #expect(imported.stderr.contains("note: 贫困原因未能完全对应到标签："), "\(imported)")
    }

    @Test func transactionEvaluationAndParserMessagesInChinese() throws {
        let data = try workspace("transaction")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let commit = try MQLProcess.run(["--lang", "zh", "--data", data, "-c", "commit"])
        #expect(commit.stderr == "<command>:1:1: error: 没有 begin 就 commit\n", "\(commit)")
        let overflow = try MQLProcess.run(["--lang", "zh", "--data", data, "-c", "children where id = 1 select 9223372036854775807 + 1"])
        #expect(overflow.stderr.contains("error: “+”的结果超出整数范围"), "\(overflow)")
        let parse = try MQLProcess.run(["--lang", "zh", "-c", "children where"])
        #expect(parse.stderr == "<command>:1:15: error: 此处应为表达式，实际是语句结尾\n", "\(parse)")
    }

    @Test func theHelpOfEverySubcommandNamesLang() throws {
        for command in [["run"], ["check"], ["test"], ["import"], ["export"], ["fmt"], ["init"], ["gen"], ["impact"]] {
            let r = try MQLProcess.run(command + ["--help"])
            #expect(r.stdout.contains("--lang <zh|en>"), "\(command): \(r)")
        }
    }

    @Test func checkOutputInChinese() throws {
        let r = try MQLProcess.run(["check", "--lang", "zh"])
        #expect(r.stdout.contains("约束 "), "\(r)")
        #expect(!r.stdout.contains(" violation"), "\(r)")
    }
}
