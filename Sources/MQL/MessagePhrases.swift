// The pieces that messages are built from: what the parser expected ("a field name"), what
// the checker wanted ("a date", "the operand of 'not'") and how a token is described. They
// are written in English at their call sites (the grammar reads better that way) and
// translated here when the message is made: `Message.expected` and `Message.expectedType`
// look each piece up by its English text. A test scans the parser and checker for these
// literals and fails when one has no entry here, so a new phrase cannot go untranslated.

import Engine

public enum MessagePhrase: String, MessageCatalogue {
    // What the parser expected
    case anExpression, fieldNameAfterDot, andInBetween, nullAfterIs, closeParenOrComma, closeBracketOrComma
    case equalsNAfterQuery, equals, byAfterGroup, byAfterOrder, givenExpectOrBrace, ofCollectionKey, onDate
    case setAndFields, withChildID, braceToCloseTest, dateAfterGivenToday, fromStatement, endOfTheStatement
    case equalsAfterFieldName, equalsAndExpectedCount, equalsAndExpectedValue, braceToOpenTest, braceWithRowFields
    case closeBraceOrComma, collectionNameAfterGiven, collectionName, aCollection, columnNameAfterAs, constraintName
    case defineOrRuleName, testSubject, fieldName, aName, paramName, sectionName, colonAfterFieldName, orTheEndOfTheStatement
    case dotAndName
    case toVisitOrReport, visitOrReport
    // What the checker wanted
    case aDate, textOrASet, text, anInt, aNumber, aBoolean, aSetOfText, aPeriodText, boolean, aNumberDateOrText
    case rowsCollectionOrReverse, rowsSubquery, numbersSubquery, numbersDatesOrTextSubquery
    case operandOfNot, operandOfMinus, eachSideOf, sourceOfSubquery, argumentOfExists, argumentOf, argumentNOf, countRange
    // Tokens, as a message names them
    case tokenText, tokenNumber, tokenDate, endOfStatement, endOfInput

    public var templates: (english: String, chinese: String) {
        switch self {
        case .anExpression: ("an expression", "表达式")
        case .fieldNameAfterDot: ("a field name after '.'", "“.”后的字段名")
        case .andInBetween: ("'and' in 'between … and …'", "between … and … 中的 and")
        case .nullAfterIs: ("'null' after 'is'", "is 后的 null")
        case .closeParenOrComma: ("')' or ','", "“)”或“,”")
        case .closeBracketOrComma: ("']' or ','", "“]”或“,”")
        case .equalsNAfterQuery: ("'= N' after the query", "查询后的“= 数量”")
        case .equals: ("'='", "“=”")
        case .byAfterGroup: ("'by' after 'group'", "group 后的 by")
        case .byAfterOrder: ("'by' after 'order'", "order 后的 by")
        case .givenExpectOrBrace: ("'given', 'expect' or '}'", "given、expect 或“}”")
        case .ofCollectionKey: ("'of COLLECTION KEY'", "of 集合 键")
        case .onDate: ("'on DATE'", "on 日期")
        case .setAndFields: ("'set' and the fields to change", "set 及要修改的字段")
        case .withChildID: ("'with child ID'", "with child 儿童id")
        case .toVisitOrReport: ("'to visit ID' or 'to report ID'", "to visit 走访id 或 to report 双月报id")
        case .visitOrReport: ("'visit' or 'report'", "visit 或 report")
        case .braceToCloseTest: ("'}' to close the test", "结束测试的“}”")
        case .dateAfterGivenToday: ("a date after 'given today'", "given today 后的日期")
        case .fromStatement: ("from \"STATEMENT\"", "from \"语句\"")
        case .endOfTheStatement: ("the end of the statement", "语句结尾")
        case .equalsAfterFieldName: ("'=' after the field name", "字段名后的“=”")
        case .equalsAndExpectedCount: ("'=' and the expected count", "“=”及预期数量")
        case .equalsAndExpectedValue: ("'=' and the expected value", "“=”及预期值")
        case .braceToOpenTest: ("'{' to open the test", "开始测试的“{”")
        case .braceWithRowFields: ("'{' with the row's fields", "“{”及这一行的字段")
        case .closeBraceOrComma: ("'}' or ','", "“}”或“,”")
        case .collectionNameAfterGiven: ("a collection name after 'given'", "given 后的集合名")
        case .collectionName: ("a collection name", "集合名")
        case .aCollection: ("a collection", "集合")
        case .columnNameAfterAs: ("a column name after 'as'", "as 后的列名")
        case .constraintName: ("a constraint name", "约束名")
        case .defineOrRuleName: ("a define or rule name", "define 或 rule 的名称")
        case .testSubject: ("a define or rule name, 'count', 'violation' or 'error'", "define 或 rule 的名称、count、violation 或 error")
        case .fieldName: ("a field name", "字段名")
        case .aName: ("a name", "名称")
        case .paramName: ("a param name", "参数名")
        case .sectionName: ("a section name", "section 的名称")
        case .colonAfterFieldName: ("':' after the field name", "字段名后的“:”")
        case .orTheEndOfTheStatement: ("{1} or the end of the statement", "{1}或语句结尾")
        case .dotAndName: ("'.' and a name ({1} {2}.NAME)", "“.”及名称（{1} {2}.名称）")
        case .aDate: ("a date", "日期")
        case .textOrASet: ("text or a set", "文本或集合")
        case .text: ("text", "文本")
        case .anInt: ("an int", "整数")
        case .aNumber: ("a number", "数字")
        case .aBoolean: ("a boolean", "真假值")
        case .aSetOfText: ("a set of text", "文本集合")
        case .aPeriodText: ("text (a period YYYY-MM)", "文本（期次 YYYY-MM）")
        case .boolean: ("boolean", "真假值（boolean）")
        case .aNumberDateOrText: ("a number, date or text", "数字、日期或文本")
        case .rowsCollectionOrReverse: ("rows (a collection or a reverse reference such as pairings)", "一组行（集合，或 pairings 这样的反向引用）")
        case .rowsSubquery: ("rows (a subquery)", "一组行（子查询）")
        case .numbersSubquery: ("numbers (… select EXPR)", "数字（… select 表达式）")
        case .numbersDatesOrTextSubquery: ("numbers, dates or text (… select EXPR)", "数字、日期或文本（… select 表达式）")
        case .operandOfNot: ("the operand of 'not'", "not 的操作数")
        case .operandOfMinus: ("the operand of '-'", "“-”的操作数")
        case .eachSideOf: ("each side of '{1}'", "“{1}”两边的值")
        case .sourceOfSubquery: ("the source of a subquery", "子查询的来源")
        case .argumentOfExists: ("the argument of exists()", "exists() 的参数")
        case .argumentOf: ("the argument of {1}()", "{1}() 的参数")
        case .argumentNOf: ("argument {1} of {2}()", "{2}() 的第 {1} 个参数")
        case .countRange: ("{1} to {2}", "{1} 到 {2}")
        case .tokenText: ("text \"{1}\"", "文本 \"{1}\"")
        case .tokenNumber: ("number {1}", "数字 {1}")
        case .tokenDate: ("date {1}", "日期 {1}")
        case .endOfStatement: ("end of statement", "语句结尾")
        case .endOfInput: ("end of input", "输入结尾")
        }
    }

    /// The phrases without arguments, by their English text.
    private static let byEnglish: [String: MessagePhrase] = Dictionary(
        allCases.filter { !$0.templates.english.contains("{1}") }.map { ($0.templates.english, $0) },
        uniquingKeysWith: { first, _ in first })

    /// The phrase whose English text this is, or nil.
    public static func named(_ english: String) -> MessagePhrase? { byEnglish[english] }

    /// A phrase written in English at its call site, in the current language. A quoted
    /// token ('x', built from the grammar) or a phrase already rendered reads the same in
    /// both languages and passes as it is.
    public static func translate(_ text: String) -> String {
        byEnglish[text].map { $0() } ?? text
    }
}
