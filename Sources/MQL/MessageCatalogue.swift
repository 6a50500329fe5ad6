// Everything the language says to people — lexer, parser, checker, warnings, evaluation,
// changes, constraints, transactions — one id per message with its English and Chinese
// template ({1}, {2} … are the arguments; Engine/Language.swift renders them). `Message`
// in Diagnostics.swift keeps the typed functions the stages call; their bodies come here.
// The English text is the external contract (scripts and tests match it): never reword it
// when translating. MQL keywords, names and values stay as written in both languages.

import Engine

public enum MessageID: String, MessageCatalogue {
    // Lexer
    case unexpectedCharacter, unterminatedString, badEscape, badUnicodeEscape, badDate, numberTooLarge
    case invalidUTF8, literalTooLong
    // Parser
    case expected, duplicateClause, duplicateColumn, tooDeep, unknownStatement, badStatement
    // Checker
    case unknownField, unknownName, unknownCollection, unknownFunction, didYouMean, typeMismatch, expectedType
    case arity, aggregateInWhere, aggregateOutsideQuery, notGrouped, defineCycle, duplicateDefinition
    case shadowsField, ruleNotBoolean, missingCitation, noRowInScope, notNavigable, paramNotLiteral
    case unknownParam, badParamValue, paramTypeMismatch, unknownOrderKey, limitNotNumber, unknownReference
    case cannotGroupBy, cannotOrderBy, groupByNeedsSelect, queryStartsWithCollection, queryStartsWithCollectionName
    case outerOutsideSubquery, listOfMixedTypes, groupByOnlyAtTop, orderByInSubquery, offsetOnlyAtTop
    case nameIsAFunction, subquerySelectsOneValue, aggregatesDoNotNest, coalesceNeedsOneType, ifNeedsOneType, explainTakesDefine
    // Rule files
    case ruleFileCannotChangeData, defineNamesRowOfItself, listParamHoldsText, paramNotALiteral, noSuchRuleFile
    // Stored values (change statements)
    case notStorable, nullForSet, emptyText, notWhole, emptySetElement, separatorInSet
    case storedWholeNumber, storedDate, storedText, storedTextSet, storedReferenceByID, storedReferenceByName
    case hintDateUnquoted, hintNumberUnquoted, hintTextQuoted, hintOneTextValue
    // Changes
    case fieldGivenTwice, fieldSetTwice, computedByDefine, changedRow, noPairingWithID, pairingAlreadyEnded
    case endPairingNeedsDate, noChildWithID, childHasNoActivePairing, childHasSeveralActivePairings, visitNeedsDate
    case refusedByConstraint, andMoreRows, noIDsLeft, noDatasetToCheckpoint
    case attachNeedsDataset, attachNeedsFile, noVisitWithID, noReportWithID
    // Transactions
    case statementInAbortedTransaction, commitOfAbortedTransaction, finishTransactionFirst
    case transactionAlreadyOpen, commitWithoutBegin, rollbackWithoutBegin
    // Warnings: a question that cannot match
    case noRowHolds, unknownTag, bareValue, didYouMeanValue
    // Evaluation
    case divisionByZero, integerOverflow, dateOutOfRange, numberNotFinite, cancelled, timedOut
    // The pairing round (suggest pairings)
    case suggestionRefused, noMotherCoversChild, coveringMothersTaken, suggestNeedsDefine, childrenLeftWithoutSuggestion
    case noMotherWithID, explainPairCandidate, explainPairNewlyBroken, explainPairSuggestedToday
    case scriptHeader, scriptReview, scriptLeftOver
    case tooManyCells, defineTooDeep
    // Report periods (cycle.md §1)
    case badPeriod, reportWithoutSections, reportParamType
    // Test cases of rule files (mql test)
    case testExpectedValueNotLiteral, testRowKeyNotLiteral, testNoGivenRow, testExpectedValue, testExpectedCountNotWhole
    case testExpectedCount, testNotACount, testUnknownConstraint, testOfKey, testExpectedViolation, testExpectedNoViolation
    // mql impact
    case impactDefineInBothRuleSets
    case testExpectedErrorButRan, testExpectedErrorGot, testGivenValueNotLiteral, testGivenRowsDoNotLoad, testNoRow, testNoResult

    public var templates: (english: String, chinese: String) {
        switch self {
        case .unexpectedCharacter: ("unexpected character '{1}'", "意外的字符“{1}”")
        case .unterminatedString: ("unterminated string", "文本缺少结束引号")
        case .badEscape: ("unknown escape '\\{1}' in string", "文本中有未知的转义“\\{1}”")
        case .badUnicodeEscape: ("bad \\u{…} escape: expected 1 to 6 hex digits naming a Unicode scalar",
                                 "\\u{…} 转义有误：应为 1 到 6 位十六进制数字，表示一个 Unicode 字符")
        case .badDate: ("invalid date '{1}'", "无效的日期“{1}”")
        case .numberTooLarge: ("number '{1}' is too large", "数字“{1}”太大")
        case .invalidUTF8: ("source is not valid UTF-8", "源文本不是有效的 UTF-8")
        case .literalTooLong: ("text literal longer than {1} bytes", "文本常量超过 {1} 字节")
        case .expected: ("expected {1}, found {2}", "此处应为{1}，实际是{2}")
        case .duplicateClause: ("'{1}' appears twice in one query", "同一查询中“{1}”出现了两次")
        case .duplicateColumn: ("column '{1}' is already selected; name this one with 'as' (… as {2})",
                                "列“{1}”已经选过；请用 as 给这一列另起名字（… as {2}）")
        case .tooDeep: ("expression nested too deeply (limit 200)", "表达式嵌套过深（上限 200 层）")
        case .unknownStatement: ("expected a statement (a query, count, define, rule, param, constraint, plan or explain), found {1}",
                                 "此处应为一条语句（查询、count、define、rule、param、constraint、plan 或 explain），实际是 {1}")
        case .badStatement: ("bad statement", "语句有误")
        case .unknownField: ("unknown field '{1}' in {2}", "{2} 中没有字段“{1}”")
        case .unknownName: ("unknown name '{1}'", "未知的名称“{1}”")
        case .unknownCollection: ("unknown collection '{1}'", "未知的集合“{1}”")
        case .unknownFunction: ("unknown function '{1}'", "未知的函数“{1}”")
        case .didYouMean: ("; did you mean '{1}'?", "；是不是要写“{1}”？")
        case .typeMismatch: ("cannot apply '{1}' to {2} and {3}", "不能对 {2} 和 {3} 使用“{1}”")
        case .expectedType: ("{3} must be {1}, not {2}", "{3}应为{1}，而不是 {2}")
        case .arity: ("{1}() takes {2} argument{4}, got {3}", "{1}() 需要 {2} 个参数，实际给了 {3} 个")
        case .aggregateInWhere: ("aggregate {1}() cannot be used in 'where'; use it in 'select' with or without 'group by'",
                                 "汇总函数 {1}() 不能用在 where 中；请用在 select 中（可带或不带 group by）")
        case .aggregateOutsideQuery: ("aggregate {1}() needs rows: use it in a query's 'select', or give it a subquery ({1}(children where …))",
                                      "汇总函数 {1}() 需要一组行：请用在查询的 select 中，或给它一个子查询（{1}(children where …)）")
        case .notGrouped: ("'{1}' is neither a group key nor an aggregate; with 'group by', select group keys and aggregates only",
                           "“{1}”既不是分组键也不是汇总函数；使用 group by 时，select 只能选分组键和汇总函数")
        case .defineCycle: ("define cycle: {1}", "define 之间循环引用：{1}")
        case .duplicateDefinition: ("'{1}' is already defined at {2}", "“{1}”已在 {2} 定义过")
        case .shadowsField: ("'{1}' is a stored field of {2}; a define cannot replace it", "“{1}”是 {2} 的存储字段；define 不能替换它")
        case .ruleNotBoolean: ("{1} '{2}' must be boolean, but its expression is {3}", "{1}“{2}”应为真假值（boolean），但它的表达式是 {3}")
        case .missingCitation: ("{1} needs a citation: {1} C.NAME \"CLAUSE …\" = EXPR", "{1} 需要注明依据的条款：{1} C.NAME \"条款 …\" = EXPR")
        case .noRowInScope: ("'{1}' needs a row: it is only meaningful inside a query over a collection", "“{1}”需要一行数据：只有在针对集合的查询中才有意义")
        case .notNavigable: ("cannot take '.{2}' of {1}; only a reference (like child or street) can be followed",
                             "不能对 {1} 取“.{2}”；只有引用（如 child 或 street）才能继续取字段")
        case .paramNotLiteral: ("a param's value must be a literal (a number, text, date, duration, true/false or a list)",
                                "param 的值必须是常量（数字、文本、日期、时长、true/false 或列表）")
        case .unknownParam: ("unknown param '{1}'", "未知的参数“{1}”")
        case .badParamValue: ("bad value for param '{1}': {2}", "参数“{1}”的值有误：{2}")
        case .paramTypeMismatch: ("expected {1}, got {2}", "应为 {1}，实际是 {2}")
        case .unknownOrderKey: ("unknown name '{1}' in 'order by'", "order by 中有未知的名称“{1}”")
        case .limitNotNumber: ("limit and offset take a whole number that is not negative", "limit 和 offset 只能是不小于 0 的整数")
        case .unknownReference: ("no row of {2} has key '{1}'", "{2} 中没有键为“{1}”的行")
        case .cannotGroupBy: ("cannot group by {1}", "不能按 {1} 分组")
        case .cannotOrderBy: ("cannot order by {1}", "不能按 {1} 排序")
        case .groupByNeedsSelect: ("with 'group by', say what to select: select KEY, count() …", "使用 group by 时，请写明要选什么：select 键, count() …")
        case .queryStartsWithCollection: ("a query starts with a collection: {1}", "查询以集合名开头：{1}")
        case .queryStartsWithCollectionName: ("a query starts with a collection name", "查询以集合名开头")
        case .outerOutsideSubquery: ("'outer' names the row of the enclosing query; use it inside a subquery (children where name = outer.name)",
                                     "outer 指外层查询的行；请在子查询中使用（children where name = outer.name）")
        case .listOfMixedTypes: ("a list holds values of one type: {1} and {2} mixed", "列表中的值必须是同一类型：混有 {1} 和 {2}")
        case .groupByOnlyAtTop: ("'group by' is only allowed at the top of a statement", "group by 只能用在语句的最外层")
        case .orderByInSubquery: ("'order by' has no meaning in a subquery; sort the outer query", "order by 在子查询中没有意义；请对外层查询排序")
        case .offsetOnlyAtTop: ("'offset' is only allowed at the top of a statement", "offset 只能用在语句的最外层")
        case .nameIsAFunction: ("'{1}' is a function: write {2}(…)", "“{1}”是函数：请写成 {2}(…)")
        case .subquerySelectsOneValue: ("a subquery selects one value: (… select EXPR)", "子查询只能选一个值：(… select 表达式)")
        case .aggregatesDoNotNest: ("aggregates do not nest", "汇总函数不能嵌套")
        case .coalesceNeedsOneType: ("coalesce() needs arguments of one type: {1} and {2}", "coalesce() 的参数必须是同一类型：现为 {1} 和 {2}")
        case .ifNeedsOneType: ("if() needs both branches of one type: {1} and {2}", "if() 的两个分支必须是同一类型：现为 {1} 和 {2}")
        case .explainTakesDefine: (" (explain takes a define or rule)", "（explain 后应为一个 define 或 rule）")
        case .ruleFileCannotChangeData: ("a rule file states policy; it cannot change data (run changes with -c, a script or the REPL)",
                                         "规则文件只写政策规定，不能修改数据（修改请用 -c、脚本或 REPL）")
        case .defineNamesRowOfItself: ("'{1}' already names the {1} of a row of {2}", "“{1}”已经指 {2} 中一行的 {1}")
        case .listParamHoldsText: ("; a list param holds text", "；列表参数只能包含文本")
        case .paramNotALiteral: ("'{1}' is not a literal", "“{1}”不是常量")
        case .noSuchRuleFile: ("no such rule file or directory", "没有这个规则文件或目录")
        case .notStorable: ("{1} holds {2}, not {3}", "{1} 存放的是{2}，不是 {3}")
        case .nullForSet: ("{1} is a set and cannot be null; write [] for no elements", "{1} 是集合，不能为 null；没有元素请写 []")
        case .emptyText: ("empty text cannot be stored in {1} (an empty cell is null); write null to clear it",
                          "{1} 不能存放空文本（空单元格即 null）；要清空请写 null")
        case .notWhole: ("{1} holds whole numbers; {2} is not one (use round(…) to round it)", "{1} 只存放整数；{2} 不是整数（可用 round(…) 取整）")
        case .emptySetElement: ("an element of {1} is empty text", "{1} 中有一个元素是空文本")
        case .separatorInSet: ("the element \"{2}\" of {1} holds ';', which separates the elements of a set in the dataset files",
                               "{1} 的元素“{2}”中含有“;”，而数据文件用“;”分隔集合的元素")
        case .storedWholeNumber: ("a whole number", "整数")
        case .storedDate: ("a date", "日期")
        case .storedText: ("text", "文本")
        case .storedTextSet: ("a set of text (a list like [\"a\", \"b\"])", "文本集合（形如 [\"a\", \"b\"] 的列表）")
        case .storedReferenceByID: ("a reference to {1} (an id)", "对 {1} 的引用（一个 id）")
        case .storedReferenceByName: ("a reference to {1} (its name as text)", "对 {1} 的引用（以文本写它的名称）")
        case .hintDateUnquoted: ("a date is written without quotes: 2019-05-15", "日期不加引号：2019-05-15")
        case .hintNumberUnquoted: ("a number is written without quotes: 5", "数字不加引号：5")
        case .hintTextQuoted: ("text is written in quotes: \"5\"", "文本要加引号：\"5\"")
        case .hintOneTextValue: ("this field holds one text value, not a list", "这个字段只存放一个文本值，不是列表")
        case .fieldGivenTwice: ("field '{1}' given twice", "字段“{1}”给了两次")
        case .fieldSetTwice: ("field '{1}' is set twice", "字段“{1}”被设置了两次")
        case .computedByDefine: ("'{1}' is computed by a define; change the fields it is computed from", "“{1}”由 define 计算得出；请修改计算它所用的字段")
        case .changedRow: ("{1} ({2} {3})", "{1}（{2} {3}）")
        case .noPairingWithID: ("no pairing has id {1}", "没有 id 为 {1} 的结对")
        case .pairingAlreadyEnded: ("pairing {1} already ended on {2}", "结对 {1} 已于 {2} 结束")
        case .endPairingNeedsDate: ("end pairing needs a date: 'on DATE', or no 'on' for today", "end pairing 需要日期：写 on 日期，不写 on 即为今天")
        case .noChildWithID: ("no child has id {1}", "没有 id 为 {1} 的儿童")
        case .childHasNoActivePairing: ("child {1} has no active pairing to record a visit on", "儿童 {1} 没有进行中的结对，无法登记走访")
        case .childHasSeveralActivePairings: ("child {1} has {2} active pairings; end the extra ones first", "儿童 {1} 有 {2} 个进行中的结对；请先结束多余的结对")
        case .visitNeedsDate: ("visit needs a date: 'on DATE'", "走访需要日期：on 日期")
        case .refusedByConstraint: ("refused by constraint {1} \"{2}\": {3}", "违反约束 {1}（{2}），修改被拒绝：{3}")
        case .andMoreRows: (" and {1} more", "，另有 {1} 行")
        case .noIDsLeft: ("{1} has used every id up to {2}", "{1} 已用完 {2} 以内的全部 id")
        case .noDatasetToCheckpoint: ("no dataset directory to checkpoint", "没有可做检查点的数据目录")
        case .attachNeedsDataset: ("attach keeps the file in the dataset directory: run with --data DIR", "attach 把文件保存在数据目录中：请用 --data 目录 运行")
        case .attachNeedsFile: ("attach needs a file: attach \"photo.jpg\" to visit ID", "attach 需要文件：attach \"photo.jpg\" to visit 走访id")
        case .noVisitWithID: ("no visit has id {1}", "没有 id 为 {1} 的走访")
        case .noReportWithID: ("no report has id {1}", "没有 id 为 {1} 的双月报")
        case .statementInAbortedTransaction: ("the transaction is aborted: the statement at {1} failed; statements are ignored until 'rollback' (or 'commit', which applies nothing)",
                                              "事务已中止：{1} 处的语句失败；在 rollback（或不生效任何修改的 commit）之前，后续语句一律忽略")
        case .commitOfAbortedTransaction: ("nothing was committed: the statement at {1} failed, so the whole transaction is rolled back",
                                           "没有提交任何修改：{1} 处的语句失败，整个事务已回滚")
        case .finishTransactionFirst: ("commit or rollback the open transaction first", "请先 commit 或 rollback 当前未结束的事务")
        case .transactionAlreadyOpen: ("a transaction is already open; commit or rollback it first", "已有一个事务未结束；请先 commit 或 rollback")
        case .commitWithoutBegin: ("commit without begin", "没有 begin 就 commit")
        case .rollbackWithoutBegin: ("rollback without begin", "没有 begin 就 rollback")
        case .noRowHolds: ("no {1} have {2} {3}", "{1} 中没有 {2} 为 {3} 的行")
        case .unknownTag: ("no {1} have {3} in {2}, and it is not in the vocabulary", "{1} 的 {2} 中没有 {3}，词表中也没有它")
        case .bareValue: ("unknown field '{1}' in {2}; did you mean {3}? (text values are quoted)", "{2} 中没有字段“{1}”；是不是要写 {3}？（文本值要加引号）")
        case .didYouMeanValue: ("; did you mean {1}?", "；是不是要写 {1}？")
        case .suggestionRefused: ("refused by constraint {1} \"{2}\" when checked with the other suggestions",
                                  "与其他建议一起检查时违反约束 {1}（{2}）")
        case .noMotherCoversChild: ("no unpaired mother may pair with this child (by level: {1})", "没有可与该儿童结对的未结对妈妈（按层级：{1}）")
        case .coveringMothersTaken: ("every unpaired mother who may pair with this child is suggested for another child (by level: {1})",
                                     "可与该儿童结对的未结对妈妈都已建议与其他儿童结对（按层级：{1}）")
        case .suggestNeedsDefine: ("suggest pairings needs {1} in the rule files: {2}", "suggest pairings 需要规则文件中的 {1}：{2}")
        case .childrenLeftWithoutSuggestion: ("{1} of {2} candidate children left without a suggestion; list them with 'suggest pairings unmatched'",
                                              "{2} 名候选儿童中有 {1} 名没有结对建议；可用 suggest pairings unmatched 列出")
        case .scriptHeader: ("pairings suggested on {1}: {2} of {3} candidate children", "{1} 的结对建议：{3} 名候选儿童中的 {2} 名")
        case .scriptReview: ("review and edit, then run it with: mql --data DIR pairs.mql (one transaction: all or nothing)",
                             "请审阅、修改后运行：mql --data 目录 pairs.mql（一个事务：全部生效或全部不生效）")
        case .scriptLeftOver: ("{1} children left without a suggestion:", "{1} 名儿童没有结对建议：")
        case .noMotherWithID: ("no mother has id {1}", "没有 id 为 {1} 的妈妈")
        case .explainPairCandidate: ("a candidate of the round", "本轮结对的候选条件")
        case .explainPairNewlyBroken: ("newly broken: {1}", "新增违反：{1}")
        case .explainPairSuggestedToday: ("as a pairing starting {1}", "按 {1} 开始的结对检查")
        case .divisionByZero: ("division by zero", "除数为零")
        case .integerOverflow: ("the result of {1} is too large for a whole number (beyond ±9223372036854775807)",
                                "“{1}”的结果超出整数范围（超过 ±9223372036854775807）")
        case .dateOutOfRange: ("the resulting date is outside 0001-01-01 … 9999-12-31, the dates MQL can hold",
                               "得到的日期超出 MQL 能表示的范围 0001-01-01 … 9999-12-31")
        case .numberNotFinite: ("the result is too large to be a number", "结果太大，无法表示为数字")
        case .cancelled: ("cancelled", "已取消")
        case .reportWithoutSections: ("a report file needs at least one 'section NAME \"TITLE\" = QUERY'", "报表文件至少需要一条“section 名称 \"标题\" = 查询”")
        case .reportParamType: ("param {1} is set by the report command and must be {2}, not {3}", "参数 {1} 由 report 命令设置，类型应为 {2}，而不是 {3}")
        case .badPeriod: ("'{1}' is not a report period: a period is an even month written YYYY-MM (2019-06, 2019-08, …, 2019-12)",
                          "“{1}”不是报送期次：期次是写作 YYYY-MM 的双月（2019-06、2019-08……2019-12）")
        case .timedOut: ("statement stopped after its time limit of {1} s (--timeout); nothing was changed",
                         "语句超过时限 {1} 秒（--timeout）被停止；没有修改任何数据")
        case .tooManyCells: ("statement stopped: its result would hold more than {1} cells (rows × columns, each set element counted); narrow it with where, select or limit, or raise --max-cells",
                             "语句已停止：结果将超过 {1} 个单元格（行数 × 列数，集合的每个元素都计数）；请用 where、select 或 limit 缩小范围，或调高 --max-cells")
        case .defineTooDeep: ("define '{1}' nests {2} levels deep with the defines it reads expanded; the limit is {3} (split the chain or write the expression directly)",
                              "define“{1}”展开其引用的 define 后嵌套 {2} 层；上限为 {3}（请拆分引用链或直接写出表达式）")
        case .testExpectedValueNotLiteral: ("the expected value must be a literal", "预期值必须是常量")
        case .testRowKeyNotLiteral: ("the row key must be a literal", "行的键必须是常量")
        case .testNoGivenRow: ("no given {1} row has key {2}", "给定的 {1} 数据中没有键为 {2} 的行")
        case .testExpectedValue: ("expected {1} = {2}, got {3}", "预期 {1} = {2}，实际是 {3}")
        case .testExpectedCountNotWhole: ("the expected count must be a whole number", "预期的数量必须是整数")
        case .testExpectedCount: ("expected count {1}, got {2}", "预期数量为 {1}，实际是 {2}")
        case .testNotACount: ("not a count", "不是 count 语句")
        case .testUnknownConstraint: ("unknown constraint '{1}'", "未知的约束“{1}”")
        case .testOfKey: (" of {1}", "（行 {1}）")
        case .testExpectedViolation: ("expected a violation of {1}{2}, got none", "预期违反约束 {1}{2}，实际没有违反")
        case .testExpectedNoViolation: ("expected no violation of {1}{2}, got {3}", "预期不违反约束 {1}{2}，实际有 {3} 处违反")
        case .testExpectedErrorButRan: ("expected an error containing \"{1}\", but it ran", "预期出现包含“{1}”的错误，但语句正常执行了")
        case .testExpectedErrorGot: ("expected an error containing \"{1}\", got \"{2}\"", "预期出现包含“{1}”的错误，实际错误为“{2}”")
        case .impactDefineInBothRuleSets: ("'{1}' must be defined by both rule sets", "“{1}”必须在新旧两套规则中都有定义")
        case .testNoRow: ("no row", "没有行")
        case .testNoResult: ("no result", "没有结果")
        case .testGivenValueNotLiteral: ("a given value must be a literal", "给定的值必须是常量")
        case .testGivenRowsDoNotLoad: ("the given rows do not load: ", "给定的数据无法载入：")
        }
    }
}
