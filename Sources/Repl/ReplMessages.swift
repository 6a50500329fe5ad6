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
    // Workbooks (.xlsx)
    case sheetOnlyForWorkbooks, workbookLegacyExcel, workbookNotAWorkbook, workbookMissingPart, workbookTooLarge
    case workbookSheetTooLarge, workbookMalformedXML, workbookDoctype, workbookNoSuchSheet, workbookNoSheets
    case workbookFormulaWithoutValue, workbookErrorValue, workbookBadCell, workbookNeedsOut, workbookCannotWrite, cannotWriteFile, formatNotHere, workbookBeyondExcel
    // mql test, mql fmt
    case testSummary, coverageNeverEvaluated, coverageOnlyEver, notFormatted
    // mql check
    case constraintRows, noViolations, violationsOfConstraints
    case journalUnchained, journalEdited, journalIntact
    // mql suggest
    case suggestSummary
    // mql report
    case reportUnknownStreet, reportDidYouMean, reportWindow, reportUsage

    var templates: (english: String, chinese: String) {
        switch self {
        case .suggestSummary: ("{1} pairings suggested for {2} candidate children; {3} left without a suggestion",
                               "为 {2} 名候选儿童建议了 {1} 对结对；{3} 名没有结对建议")
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
        case .sheetOnlyForWorkbooks: ("--sheet is for workbooks (.xlsx); this file is CSV", "--sheet 只用于工作簿（.xlsx）；此文件是 CSV")
        case .workbookLegacyExcel: ("a legacy Excel 97-2003 workbook (.xls) is not read: open it in Excel or WPS and save it as .xlsx (Excel 工作簿)",
                                    "不读取旧版 Excel 97-2003 工作簿（.xls）：请在 Excel 或 WPS 中打开并另存为 .xlsx（Excel 工作簿）")
        case .workbookNotAWorkbook: ("not an .xlsx workbook ({1})", "不是 .xlsx 工作簿（{1}）")
        case .workbookMissingPart: ("the workbook is damaged: it has no {1}", "工作簿已损坏：缺少 {1}")
        case .workbookTooLarge: ("{1} unpacks to more than {2} MB; refused (a damaged or malicious file?)", "{1} 解压后超过 {2} MB，已拒绝（文件损坏或有恶意？）")
        case .workbookSheetTooLarge: ("sheet {1} has more than {2} cells; refused", "工作表 {1} 超过 {2} 个单元格，已拒绝")
        case .workbookMalformedXML: ("the workbook is damaged: {1} line {2} is not well-formed XML ({3})", "工作簿已损坏：{1} 第 {2} 行不是格式正确的 XML（{3}）")
        case .workbookDoctype: ("{1} has a DOCTYPE, which no workbook has; refused", "{1} 含有 DOCTYPE（工作簿中不应有），已拒绝")
        case .workbookNoSuchSheet: ("no sheet named '{1}' (sheets: {2})", "没有名为“{1}”的工作表（现有：{2}）")
        case .workbookNoSheets: ("the workbook has no sheets", "工作簿中没有工作表")
        case .workbookFormulaWithoutValue: ("{1}: a formula saved without its value; formulas are not evaluated: open the file in Excel or WPS, save it, and import again",
                                            "{1}：公式没有保存计算结果；不计算公式：请在 Excel 或 WPS 中打开并保存后再导入")
        case .workbookErrorValue: ("{1}: the cell holds the error {2}", "{1}：单元格的值是错误 {2}")
        case .workbookBadCell: ("{1}: {2}", "{1}：单元格内容有误（{2}）")
        case .workbookNeedsOut: ("--format xlsx writes a workbook: give --out FILE.xlsx", "--format xlsx 输出工作簿：请用 --out 文件.xlsx 指定文件")
        case .workbookCannotWrite: ("cannot write the workbook: {1}", "无法写出工作簿：{1}")
        case .workbookBeyondExcel: ("sheet {1} would have more than 1,048,576 rows or 16,384 columns, more than Excel opens: narrow the query, or write csv",
                                    "工作表 {1} 将超过 1,048,576 行或 16,384 列，Excel 无法打开：请缩小查询范围，或输出为 csv")
        case .cannotWriteFile: ("cannot write the file: {1}", "无法写入文件：{1}")
        case .formatNotHere: ("{1} is written to a file: use --out FILE (or .export QUERY FILE.xlsx in the shell)", "{1} 只能写入文件：请用 --out 文件（在交互环境中用 .export 查询 文件.xlsx）")
        case .testSummary: ("{1} passed, {2} failed", "{1} 个通过，{2} 个失败")
        case .coverageNeverEvaluated: ("never evaluated", "从未求值")
        case .coverageOnlyEver: ("only ever {1}", "只得到过 {1}")
        case .notFormatted: ("not formatted", "未按标准格式排版")
        case .constraintRows: ("constraint {1}: {2} row{3}", "约束 {1}：{2} 行")
        case .noViolations: ("no violations ({1} constraints)", "没有违反约束的记录（共 {1} 条约束）")
        case .violationsOfConstraints: ("{1} violation{2} of {3} constraint{4}", "{3} 条约束共有 {1} 处违反")
        case .journalUnchained: ("journal: the first {1} {2} written before entries were chained (an older mql) and cannot be verified",
                                 "journal: 前 {1} 条记录写于启用哈希链之前（较早版本的 mql），无法核验")
        case .reportUnknownStreet: ("no street named '{1}'", "没有名为“{1}”的街道")
        case .reportDidYouMean: ("; did you mean '{1}'?", "；是不是要写“{1}”？")
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
