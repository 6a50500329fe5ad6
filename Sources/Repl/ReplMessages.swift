// What the `mql` subcommands print outside the interactive shell — import and export
// reports, `mql check`, script and loading errors — one id per message in English and
// Chinese (Engine/Language.swift renders the templates). The interactive shell's own
// sentences are in Messages.swift, the help topics in Help.swift. Keep the English text
// as it is: scripts and tests match it.

import ArgumentParser
import Engine

enum ReplMessage: String, MessageCatalogue {
    // Reading files
    case cannotReadFile, invalidUTF8Byte, scriptEndedInTransaction, shippedExamplesAreReadOnly, loadingTook, statementTimer
    // mql init
    case initDirectoryNotEmpty, initCreated
    // Import and export
    case reasonNotMapped, badRowsNothingImported, badRowsIn
    case exportNeedsStreet, exportTakesOneQuery, unknownCollection, wrongColumnCount
    // mql test, mql fmt
    case testSummary, coverageNeverEvaluated, coverageOnlyEver, notFormatted
    // mql check
    case constraintRows, noViolations, violationsOfConstraints
    case journalUnchained, journalEdited, journalIntact
    // mql report
    case reportXlsxNotYet, reportUnknownStreet, reportDidYouMean, cannotWriteFile, reportWindow, reportUsage

    var templates: (english: String, chinese: String) {
        switch self {
        case .cannotReadFile: ("cannot read file", "无法读取文件")
        case .invalidUTF8Byte: ("source is not valid UTF-8 (byte {1})", "源文本不是有效的 UTF-8（第 {1} 字节）")
        case .scriptEndedInTransaction: ("the script ended inside 'begin' without 'commit'; nothing of the transaction was applied",
                                         "脚本在 begin 之后、commit 之前结束；该事务的修改均未生效")
        case .shippedExamplesAreReadOnly: ("the shipped example data is read-only; make a working copy with 'mql init DIR' and run with '--data DIR'",
                                           "自带的示例数据是只读的；请用 mql init 目录 建一份工作副本，再用 --data 目录 运行")
        case .loadingTook: ("{1} took {2} s", "{1}用时 {2} 秒")
        case .statementTimer: ("timer: {1}:{2}: {3} ms", "用时：{1}:{2}：{3} 毫秒")
        case .initDirectoryNotEmpty: ("already exists and is not an empty directory; give a new directory", "已存在且不是空目录；请指定一个新目录")
        case .initCreated: ("created {1}: a copy of the example data ({2} children); try: mql --data {1}", "已创建 {1}：示例数据的副本（{2} 名儿童）；试试：mql --data {1}")
        case .reasonNotMapped: ("贫困原因 not fully mapped to tags: {1}", "贫困原因未能完全对应到标签：{1}")
        case .badRowsNothingImported: ("{1} bad row{3} of {2}; nothing imported (--skip-bad FILE imports the good rows)",
                                       "{2} 行中有 {1} 行有误；未导入任何数据（--skip-bad 文件 可只导入正确的行）")
        case .badRowsIn: ("; bad rows in {1}", "；有误的行已写入 {1}")
        case .exportNeedsStreet: ("{1} is one street's form: give --street with a street's name", "{1}是单个街道的表格：请用 --street 指定街道名称")
        case .exportTakesOneQuery: ("export takes one query", "export 只接受一条查询")
        case .unknownCollection: ("unknown collection '{1}'", "未知的集合“{1}”")
        case .wrongColumnCount: ("expected {1} columns, found {2}", "应有 {1} 列，实际有 {2} 列")
        case .testSummary: ("{1} passed, {2} failed", "{1} 个通过，{2} 个失败")
        case .coverageNeverEvaluated: ("never evaluated", "从未求值")
        case .coverageOnlyEver: ("only ever {1}", "只得到过 {1}")
        case .notFormatted: ("not formatted", "未按标准格式排版")
        case .constraintRows: ("constraint {1}: {2} row{3}", "约束 {1}：{2} 行")
        case .noViolations: ("no violations ({1} constraints)", "没有违反约束的记录（共 {1} 条约束）")
        case .violationsOfConstraints: ("{1} violation{2} of {3} constraint{4}", "{3} 条约束共有 {1} 处违反")
        case .journalUnchained: ("journal: the first {1} {2} written before entries were chained (an older mql) and cannot be verified",
                                 "journal: 前 {1} 条记录写于启用哈希链之前（较早版本的 mql），无法核验")
        case .reportXlsxNotYet: ("--format xlsx is not available for report in this build yet (the workbook writer has not landed); use json, html or table",
                                 "本版本的 report 还不支持 --format xlsx（工作簿写入功能尚未合入）；请使用 json、html 或 table")
        case .reportUnknownStreet: ("no street named '{1}'", "没有名为“{1}”的街道")
        case .reportDidYouMean: ("; did you mean '{1}'?", "；是不是要写“{1}”？")
        case .cannotWriteFile: ("cannot write file", "无法写入文件")
        case .reportWindow: ("period {1}: {2} to {3}", "期次 {1}：{2} 至 {3}")
        case .reportUsage: ("usage: .report PERIOD [STREET]  (PERIOD: an even month YYYY-MM, e.g. 2019-10)", "用法：.report 期次 [街道]（期次：双月 YYYY-MM，例如 2019-10）")
        case .journalEdited: ("the history was edited, reordered or truncated: {1}", "修改历史被编辑、调换顺序或截断：{1}")
        case .journalIntact: ("journal: {1} {2}, hash chain intact (head {3})", "journal: 共 {1} 条记录，哈希链完整（链头 {3}）")
        }
    }
}

/// `--lang zh|en` of `mql` and every subcommand: the language of messages, overriding the
/// locale (LC_ALL, LC_MESSAGES, LANG). Applied while the command line is parsed, before
/// anything is loaded or printed.
struct LanguageOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The language of messages: zh (中文) or en; default: from LC_ALL, LC_MESSAGES or LANG (zh… gives Chinese). The FILE:LINE:COL: error: prefix stays the same in both.", valueName: "zh|en"))
    var lang: String?

    func validate() throws {
        guard let lang else { return }
        guard let language = Language(option: lang) else {
            throw ValidationError("--lang takes zh or en, not '\(lang)'")
        }
        Language.current = language
    }
}
