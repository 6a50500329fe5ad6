// The one catalogue of what the `mql` REPL and its dot commands say to people, in English
// and in Chinese (chosen by --lang, else from LC_ALL, LC_MESSAGES or LANG: `zh…` gives Chinese). Every
// sentence the REPL prints is a function or constant here; MQL keywords, names and
// syntax stay English in both languages. Help topics are in Help.swift, in the same two
// languages. (Diagnostics of the language itself come from MessageID in Sources/MQL, the
// engine's from EngineMessage; the subcommands' reports from ReplMessage.)

import Engine
import Foundation

struct Messages: Sendable {
    let chinese: Bool

    /// The language chosen at start (--lang, else the locale): see Language.current.
    static var current: Messages { Messages(chinese: Language.current == .chinese) }

    static func localeIsChinese(_ env: [String: String]) -> Bool {
        Language.fromEnvironment(env) == .chinese
    }

    private func say(_ english: String, _ chinese: String) -> String { self.chinese ? chinese : english }

    // MARK: - Session

    func banner(counts: [(String, Int)]) -> String {
        let names: [String: String] = ["children": "儿童", "mothers": "妈妈", "pairings": "结对", "visits": "家访",
                                       "streets": "街道", "communities": "社区"]
        let list = counts.map { chinese ? "\(names[$0.0] ?? $0.0) \($0.1)" : "\($0.1) \($0.0)" }
        return say("MQL: " + list.joined(separator: ", ") + ". Type .help for help.",
                   "MQL：" + list.joined(separator: "、") + "。输入 .help 查看帮助。")
    }

    var transactionAbandoned: String {
        say("the session ended inside 'begin' without 'commit': nothing of the transaction was applied",
            "会话在 begin 之后、commit 之前结束：该事务的修改均未生效")
    }

    func loading(_ directory: String) -> String { say("loading \(directory)…", "正在载入 \(directory)…") }

    // MARK: - Command line

    func subcommandAfterOptions(_ name: String) -> String {
        say("'\(name)' is a subcommand: write it first, before the options (mql \(name) --data DIR …)",
            "“\(name)”是子命令，请写在选项之前（mql \(name) --data 目录 …）")
    }
    func unknownSubcommand(_ name: String, suggestion: String) -> String {
        say("'\(name)' is neither a file nor a subcommand; did you mean '\(suggestion)'?",
            "“\(name)”既不是文件也不是子命令；是不是要输入“\(suggestion)”？")
    }

    // MARK: - Forms

    private func changes(_ n: Int) -> String { say("\(n) change\(n == 1 ? "" : "s")", "\(n) 处修改") }
    func wouldImport(_ good: Int, of total: Int, changes n: Int) -> String {
        say("\(good) of \(total) row\(total == 1 ? "" : "s") would be imported (\(changes(n)))",
            "\(total) 行中将导入 \(good) 行（\(changes(n))）")
    }
    func imported(_ good: Int, of total: Int, changes n: Int) -> String {
        say("imported \(good) of \(total) row\(total == 1 ? "" : "s") (\(changes(n)))",
            "已导入 \(total) 行中的 \(good) 行（\(changes(n))）")
    }
    func importedInto(_ n: Int, _ collection: String) -> String {
        say("imported \(n) row\(n == 1 ? "" : "s") into \(collection)", "已向 \(collection) 导入 \(n) 行")
    }
    var dryRunRefused: String {
        say("the import would be refused; nothing was changed (dry run)", "导入会被拒绝；未做任何修改（试运行）")
    }
    func notAStreet(_ name: String, suggestion: String?) -> String {
        say("'\(name)' is not a street", "“\(name)”不是街道")
            + (suggestion.map { say("; did you mean \($0)?", "；是不是要输入 \($0)？") } ?? "")
    }

    func defineUnchanged(_ name: String) -> String {
        say("\(name) changes on no row; the defines and rules that change:", "\(name) 没有任何行发生变化；发生变化的定义和规则：")
    }

    // MARK: - Results

    func rowCount(_ n: Int) -> String { say("(\(n) row\(n == 1 ? "" : "s"))", "(共 \(n) 行)") }
    func moreRows(_ n: Int) -> String { say("… \(n) more row\(n == 1 ? "" : "s")", "… 另有 \(n) 行") }
    func hiddenColumns(_ n: Int) -> String {
        say("(\(n) more column\(n == 1 ? "" : "s") not shown; .format line shows every field)",
            "(另有 \(n) 列未显示；.format line 可逐字段显示)")
    }
    func elapsed(_ ms: Double) -> String {
        say(String(format: "time: %.3f ms", ms), String(format: "用时：%.3f 毫秒", ms))
    }
    var cancelled: String { say("cancelled", "已取消") }
    var cancelledDiscarded: String {
        say("cancelled: the statement ran to its end, its result is not shown",
            "已取消：语句已执行完毕，结果不再显示")
    }
    var cancelledScript: String { say("cancelled: the rest of the script is not run", "已取消：脚本其余部分不再执行") }

    // MARK: - Dot commands

    func unknownDotCommand(_ name: String, suggestion: String?) -> String {
        say("unknown dot command '\(name)'", "未知的点命令“\(name)”")
            + (suggestion.map { say("; did you mean '\($0)'?", "；是不是要输入“\($0)”？") } ?? "")
            + say(" (.help lists them)", "（.help 列出全部点命令）")
    }
    func usage(_ text: String) -> String { say("usage: ", "用法：") + text }
    func notAvailableYet(_ command: String) -> String {
        say("\(command) is not available yet: importing and exporting CSV comes with a later version of mql (see .help commands)",
            "\(command) 暂不可用：CSV 导入导出将在 mql 的后续版本提供（见 .help commands）")
    }
    func formatIs(_ format: String) -> String { say("format: \(format)", "输出格式：\(format)") }
    func timerIs(_ on: Bool) -> String { say("timer: \(on ? "on" : "off")", "计时：\(on ? "开" : "关")") }
    func timeoutIs(_ seconds: Double?) -> String {
        guard let seconds else { return say("timeout: off", "超时：不限") }
        let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return say("timeout: \(shown) s", "超时：\(shown) 秒")
    }
    func todayIs(_ date: String) -> String { say("today: \(date)", "今天：\(date)") }
    func badDate(_ text: String) -> String { say("'\(text)' is not a date YYYY-MM-DD", "“\(text)”不是 YYYY-MM-DD 格式的日期") }
    func paramIs(_ name: String, _ value: String) -> String { say("param \(name) = \(value)", "参数 \(name) = \(value)") }
    func maxRowsIs(_ n: Int?) -> String {
        guard let n else { return say("maxrows: auto (fit the terminal)", "最多行数：自动（适应终端高度）") }
        return n == 0 ? say("maxrows: unlimited", "最多行数：不限") : say("maxrows: \(n)", "最多行数：\(n)")
    }
    func cannotRead(_ path: String) -> String { say("cannot read file '\(path)'", "无法读取文件“\(path)”") }
    var readTooDeep: String { say(".read nested too deeply (limit 16)", ".read 嵌套过深（上限 16 层）") }
    func unknownCollection(_ name: String, suggestion: String?) -> String {
        say("unknown collection '\(name)'", "未知的集合“\(name)”")
            + (suggestion.map { say("; did you mean '\($0)'?", "；是不是要输入“\($0)”？") } ?? "")
    }
    func unknownTopic(_ topic: String) -> String {
        say("no help topic '\(topic)'; .help lists the topics", "没有“\(topic)”这个帮助主题；.help 列出全部主题")
    }
    var noViolations: String { say("no constraint is broken", "没有违反任何约束") }

    // MARK: - .schema, .rules, .param tables

    var columnCollection: String { say("collection", "集合") }
    var columnChinese: String { say("chinese", "中文名") }
    var columnRows: String { say("rows", "行数") }
    var columnKey: String { say("key", "键") }
    var columnStored: String { say("stored", "存储字段") }
    var columnDefined: String { say("defined", "定义字段") }
    var columnField: String { say("field", "字段") }
    var columnType: String { say("type", "类型") }
    var columnKind: String { say("kind", "种类") }
    var columnCitation: String { say("citation", "条款") }
    var columnWhere: String { say("where", "位置") }
    var columnName: String { say("name", "名称") }
    var columnValue: String { say("value", "值") }
    func kindStored(key: Bool, masked: Bool) -> String {
        var parts = [say("stored", "存储")]
        if key { parts.append(say("key", "键")) }
        if masked { parts.append(say("masked", "脱敏")) }
        return parts.joined(separator: ", ")
    }
    var kindReverse: String { say("reverse reference", "反向引用") }
    func rowsOf(_ collection: String) -> String { say("rows of \(collection)", "\(collection) 的行集") }
    var typeUnknown: String { say("(unchecked)", "（未检查）") }

    // MARK: - .save-test

    var saveTestUsage: String { usage(".save-test NAME [FILE.mql]") }
    var noQueryToSave: String {
        say("no query to save yet: run a query or a count first, then .save-test NAME",
            "还没有可保存的查询：请先运行一条查询或 count，再输入 .save-test 名称")
    }
    var saveTestNeedsCollection: String {
        say("only a query or count over a collection can become a test", "只有针对集合的查询或 count 才能保存为测试")
    }
    func savedTest(_ name: String, file: String, givens: Int, expectations: Int) -> String {
        say("saved test \"\(name)\" to \(file): \(givens) given row\(givens == 1 ? "" : "s"), \(expectations) expectation\(expectations == 1 ? "" : "s"); run it with: mql test \(file)",
            "已将测试“\(name)”保存到 \(file)：\(givens) 行给定数据，\(expectations) 条预期；运行：mql test \(file)")
    }
    func savedSample(kept: Int, total: Int) -> String {
        say("note: the query matched \(total) rows; the test keeps \(kept) of them and the rows they need",
            "注意：查询匹配 \(total) 行；测试只保留其中 \(kept) 行及其关联数据")
    }
    func saveTestFails(_ details: String) -> String {
        say("the test was not saved: it would not pass under `mql test`: \(details)",
            "测试未保存：它在 `mql test` 下不会通过：\(details)")
    }
    func cannotWrite(_ path: String) -> String { say("cannot write file '\(path)'", "无法写入文件“\(path)”") }
    var savedTestsHeader: String {
        say("# Test cases saved from the mql REPL with .save-test. Run them with: mql test FILE",
            "# 在 mql REPL 中用 .save-test 保存的测试用例。运行：mql test 文件名")
    }

    // MARK: - Help

    var helpTopicsTitle: String { say("Help topics (.help TOPIC):", "帮助主题（.help 主题）：") }
    var helpCommandsTitle: String { say("Dot commands:", "点命令：") }
    var helpExamples: String { say("Examples:", "示例：") }
    var helpComing: String { say("coming", "即将提供") }
}
