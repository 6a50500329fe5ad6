// Everything the engine says to people: load errors, row and change errors, form imports,
// the journal. One id per message, English and Chinese (Language.swift explains the
// templates). The English text is what scripts and tests match; keep it as it is.
// Collection and field names, keys and file paths stay as they are in both languages.

public enum EngineMessage: String, MessageCatalogue {
    // Loading the dataset (FILE:LINE: error: …)
    case columnTwice, missingColumn, columnWithoutName, unknownColumn
    case headerColumnDidYouMean, headerColumnList
    case noDatasetDirectory, noSuchDatasetDirectory, datasetPathIsAFile, cannotRead
    case duplicateID, duplicateCommunity, duplicateKey, invalidUTF8, wrongColumnCount, emptyRequiredField
    // CSV
    case unterminatedQuotedField, unexpectedAfterClosingQuote, quoteInUnquotedField
    // Cells of a row
    case unknownField, badInt, badDate, noCollectionToResolve, referenceNeedsScope
    case unknownReferenceInScope, unknownReferenceKey, idOutOfRange
    // Changes
    case auditTrailIsReadOnly, idUsedBefore, unknownCollection, rowExists, noRowWithKey
    case cannotDeleteReferredRow, cannotChangeKeyField, streetChangeNeedsCommunity
    // Forms (附件1/2/3)
    case formNotText, formLine, formNoHeader, formNeedsStreet, formNotAStreet
    case formQuotaNotWhole, formBirthWithoutMonth, formBirthAmbiguousMonth, formCommunityNotInStreet, formResidenceNotInStreet
    case formChildNotInStreet, formChildAmbiguous
    // 双月报 (ReportForm)
    case formPeriodUnreadable, formPeriodNotEven, formPeriodTwice, formSubmittedNotADate, formResultsMissing
    case formExemplarWithoutNote, formExemplarNeedsPeriod, formExemplarPeriodNotReported
    case formExemplarPairingNotInStreet, formExemplarNoPairing, formExemplarAmbiguous
    // Journal and files
    case cannotOpen, cannotOpenLock, writerBusy, cannotTruncate, fsyncFailed, writeFailed
    case cannotLock, cannotCreate, cannotCreateBecause, cannotReplace, journalDoesNotApply, cannotJournal
    case damagedSnapshot, notInKeyOrder, journalTornTail
    case damagedSnapshotColumn, snapshotColumnUnusable, snapshotCSVChanged
    case damagedSnapshotIndex
    // Attachment files (attach, mql check)
    case attachmentSourceMissing, attachmentSourceNotAFile, attachmentSourceUnreadable, attachmentSourceTooLarge
    case attachmentNotInside, attachmentMissing, attachmentUnreadable, attachmentAltered, attachmentWithoutHash
    // Verifying the journal's hash chain (mql check)
    case journalEntry, journalDamagedInTheMiddle, journalOutOfPlace, journalNotWrittenByMQL, journalAnchorMissing
    case journalNotLinkedToAnchor, journalEntryEdited, journalUnlinkedAfterLinked, journalUnlinkedWithAnchor

    public var templates: (english: String, chinese: String) {
        switch self {
        case .columnTwice: ("column '{1}' appears twice in the header", "表头中列“{1}”出现了两次")
        case .missingColumn: ("missing column '{1}'", "缺少列“{1}”")
        case .columnWithoutName: ("a column without a name", "一个没有名称的列")
        case .unknownColumn: ("unknown column '{1}'", "未知的列“{1}”")
        case .headerColumnDidYouMean: ("{1} in the header of {2}; did you mean '{3}'?", "{2} 的表头中有{1}；是不是要写“{3}”？")
        case .headerColumnList: ("{1} in the header of {2} (its columns: {3})", "{2} 的表头中有{1}（它的列为：{3}）")
        case .noDatasetDirectory: ("no dataset directory at '{1}'", "“{1}”处没有数据目录")
        case .noSuchDatasetDirectory: ("no such dataset directory ('mql init DIR' makes one)", "没有这个数据目录（可用“mql init 目录”新建一个）")
        case .datasetPathIsAFile: ("not a dataset directory (it is a file; --data names a directory of CSV files, see 'mql init')",
                                   "不是数据目录（这是一个文件；--data 应指定存放 CSV 文件的目录，参见“mql init”）")
        case .cannotRead: ("cannot read: {1}", "无法读取：{1}")
        case .duplicateID: ("duplicate id {1} (first on line {2})", "id {1} 重复（第一次出现在第 {2} 行）")
        case .duplicateCommunity: ("duplicate community '{1}' in street '{2}' (first on line {3})", "街道“{2}”中的社区“{1}”重复（第一次出现在第 {3} 行）")
        case .duplicateKey: ("duplicate key '{1}' (first on line {2})", "键“{1}”重复（第一次出现在第 {2} 行）")
        case .invalidUTF8: ("invalid UTF-8 (byte {1})", "不是有效的 UTF-8（第 {1} 字节）")
        case .wrongColumnCount: ("expected {1} columns, found {2}", "应有 {1} 列，实际有 {2} 列")
        case .emptyRequiredField: ("empty {1}", "{1} 不能为空")
        case .unterminatedQuotedField: ("unterminated quoted field", "带引号的单元格没有结束引号")
        case .unexpectedAfterClosingQuote: ("unexpected character after a closing quote", "结束引号后出现了多余的字符")
        case .quoteInUnquotedField: ("quote inside an unquoted field", "不带引号的单元格中出现了引号")
        case .unknownField: ("unknown field '{1}' in {2}", "{2} 中没有字段“{1}”")
        case .badInt: ("bad int '{1}' in column {2}", "列 {2} 中的“{1}”不是整数")
        case .badDate: ("bad date '{1}' in column {2} (expected {3})", "列 {2} 中的“{1}”不是有效日期（应为 {3}）")
        case .noCollectionToResolve: ("no collection {1} to resolve {2} in", "没有集合 {1}，无法解析 {2}")
        case .referenceNeedsScope: ("{1} '{2}' needs a {3} to be resolved in", "{1}“{2}”需要先给出 {3} 才能确定")
        case .unknownReferenceInScope: ("unknown {1} '{2}' in {3} '{4}'", "{3}“{4}”中没有 {1}“{2}”")
        case .unknownReferenceKey: ("unknown {1} '{2}' (no such key in {3})", "未知的 {1}“{2}”（{3} 中没有这个键）")
        case .idOutOfRange: ("id {1} is out of range: ids are whole numbers from 1 to {2}", "id {1} 超出范围：id 是 1 到 {2} 之间的整数")
        case .auditTrailIsReadOnly: ("changes is read-only: it is the audit trail", "changes 是只读的：它是修改审计记录")
        case .idUsedBefore: ("id {1} was used before in {2} and is never reused (the audit trail names it); leave id out to take the next, {3}",
                             "id {1} 在 {2} 中已经用过，不会再次使用（审计记录中有它）；不写 id 即可取下一个：{3}")
        case .unknownCollection: ("unknown collection '{1}'", "未知的集合“{1}”")
        case .rowExists: ("{1} already has a row with key {2}", "{1} 中已有键为 {2} 的行")
        case .noRowWithKey: ("no row of {1} has key {2}", "{1} 中没有键为 {2} 的行")
        case .cannotDeleteReferredRow: ("cannot delete {1} {2}: it is referred to by {3}", "不能删除 {1} {2}：以下记录引用了它：{3}")
        case .cannotChangeKeyField: ("cannot change the key field '{1}' of {2}", "不能修改 {2} 的键字段“{1}”")
        case .streetChangeNeedsCommunity: ("changing street needs the community in the new street too", "修改街道时，还须同时给出新街道中的社区")
        case .formNotText: ("the file is neither UTF-8 nor GB18030 text", "该文件既不是 UTF-8 也不是 GB18030 编码的文本")
        case .formLine: ("line {1}: {2}", "第 {1} 行：{2}")
        case .formNoHeader: ("no header row with {1} — is this {2}?", "找不到包含 {1} 的表头行——这是{2}吗？")
        case .formNeedsStreet: ("{1} is one street's form: give the street (--street 布吉)", "{1}是单个街道的表格：请指定街道（--street 布吉）")
        case .formNotAStreet: ("; '{1}' is not a street", "；“{1}”不是街道")
        case .formQuotaNotWhole: ("名额 '{1}' is not a whole number", "名额“{1}”不是整数")
        case .formBirthAmbiguousMonth: ("年龄（出生年月）'{1}' may be January or October (Excel keeps {2}.10 as the number {2}.1); write {2}年1月 or {2}年10月",
                                        "年龄（出生年月）“{1}”可能是1月也可能是10月（Excel 会把 {2}.10 存成数字 {2}.1）；请写成 {2}年1月 或 {2}年10月")
        case .formBirthWithoutMonth: ("年龄（出生年月）'{1}' has no year and month", "年龄（出生年月）“{1}”中没有年份和月份")
        case .formResidenceNotInStreet: ("所在社区 '{1}' is not a community of {2}", "所在社区“{1}”不是{2}街道的社区")
        case .formCommunityNotInStreet: ("社区 '{1}' is not a community of {2}", "社区“{1}”不是{2}街道的社区")
        case .formChildNotInStreet: ("结对儿童 '{1}' is not a child of {2}", "结对儿童“{1}”不是{2}的儿童")
        case .formChildAmbiguous: ("结对儿童 '{1}' names {2} children of {3}; pair them by id", "结对儿童“{1}”在{3}有 {2} 名同名儿童；请按 id 结对")
        case .formPeriodUnreadable: ("期次 '{1}' is not a year and month (2019-10)", "期次“{1}”不是年月（如 2019-10）")
        case .formPeriodNotEven: ("期次 '{1}' is not an even month: reports are due every two months, in 6月, 8月, 10月, 12月, 2月 and 4月",
                                  "期次“{1}”不是双月：双月报在 6、8、10、12、2、4 月报送")
        case .formPeriodTwice: ("期次 {1} is reported twice (first on line {2})", "期次 {1} 报了两次（第一次在第 {2} 行）")
        case .formSubmittedNotADate: ("报送日期 '{1}' is not a date (2019-10-24)", "报送日期“{1}”不是日期（如 2019-10-24）")
        case .formResultsMissing: ("成效 is empty", "成效不能为空")
        case .formExemplarWithoutNote: ("先进典型 without 事迹", "先进典型缺少事迹")
        case .formExemplarNeedsPeriod: ("先进典型 needs its 期次: the form reports more than one period", "先进典型需要填写期次：本表报送了不止一期")
        case .formExemplarPeriodNotReported: ("先进典型 期次 '{1}' is not a period this form reports", "先进典型的期次“{1}”不是本表报送的期次")
        case .formExemplarPairingNotInStreet: ("结对编号 '{1}' is not a pairing of {2}", "结对编号“{1}”不是{2}的结对")
        case .formExemplarNoPairing: ("no pairing of {2} matches {1}", "{2}没有与“{1}”相符的结对")
        case .formExemplarAmbiguous: ("{1} matches {2} pairings of {3}; give its 结对编号", "“{1}”与{3}的 {2} 个结对相符；请填写结对编号")
        case .cannotOpen: ("cannot open {1}: {2}", "无法打开 {1}：{2}")
        case .cannotOpenLock: ("cannot open {1}/.mql-writer.lock: {2}", "无法打开 {1}/.mql-writer.lock：{2}")
        case .writerBusy: ("another mql process is changing {1}; try again when it has finished", "另一个 mql 进程正在修改 {1}；请等它完成后再试")
        case .cannotTruncate: ("cannot truncate {1}: {2}", "无法截断 {1}：{2}")
        case .fsyncFailed: ("fsync {1}: {2}", "无法将 {1} 写入磁盘（fsync）：{2}")
        case .writeFailed: ("write {1}: {2}", "无法写入 {1}：{2}")
        case .cannotLock: ("cannot lock {1}: {2}", "无法锁定 {1}：{2}")
        case .cannotCreate: ("cannot create {1}", "无法创建 {1}")
        case .cannotCreateBecause: ("cannot create {1}: {2}", "无法创建 {1}：{2}")
        case .cannotReplace: ("cannot replace {1}: {2}", "无法替换 {1}：{2}")
        case .journalDoesNotApply: ("journal does not apply to the dataset files: {1}", "修改日志与数据文件不符：{1}")
        case .cannotJournal: ("cannot journal this change: {1}", "无法将这次修改写入日志：{1}")
        case .damagedSnapshot: ("warning: {1}: ignoring a damaged snapshot ({2}); loading the CSV files", "warning: {1}：快照已损坏，已忽略（{2}）；改为载入 CSV 文件")
        case .damagedSnapshotColumn: ("warning: {1}: {2} is damaged in the snapshot; reading it from the CSV files", "warning: {1}：快照中的 {2} 已损坏；改为从 CSV 文件读取")
        case .snapshotColumnUnusable: ("error: {1}: {2} is damaged in the snapshot and cannot be read from the CSV files ({3}); run the statement again", "error: {1}：快照中的 {2} 已损坏，也无法从 CSV 文件读取（{3}）；请重新运行该语句")
        case .damagedSnapshotIndex: ("warning: {1}: the index of {2} is damaged in the snapshot; building it from the column", "warning: {1}：快照中 {2} 的索引已损坏；改为由该列重建")
        case .snapshotCSVChanged: ("the CSV files changed since the snapshot was opened", "打开快照后 CSV 文件已改变")
        case .journalTornTail: ("warning: {1}: dropping a torn or corrupt journal tail ({2} bytes from byte {3}); the changes before it are kept",
                                "warning: {1}：丢弃修改日志末尾不完整或损坏的部分（从第 {3} 字节起共 {2} 字节）；此前的修改均保留")
        case .journalEntry: ("entry {1} (byte {2}, {3}, {4} by {5}: {6})", "第 {1} 条记录（第 {2} 字节，{3}，{4} 由 {5} 修改：{6}）")
        case .journalDamagedInTheMiddle: ("entry {1} (byte {2}) is damaged (its length or checksum is wrong) but good entries follow it from byte {3}: the journal was edited in the middle, not cut short",
                                          "第 {1} 条记录（第 {2} 字节）已损坏（长度或校验和不对），但从第 {3} 字节起还有完好的记录：修改日志是在中间被编辑过，而不是末尾被截断")
        case .journalOutOfPlace: ("{1} is out of place: {2} — entries were removed or reordered", "{1}位置不对：{2}——有记录被删除或调换了顺序")
        case .journalNotWrittenByMQL: ("{1} could not have been written by mql: {2}", "{1}不可能由 mql 写入：{2}")
        case .journalAnchorMissing: ("{1} links to a chain anchor, but {2} is missing: the journal's head cannot be verified",
                                     "{1}链接到哈希链起点，但 {2} 不存在：无法核验修改日志的开头")
        case .journalNotLinkedToAnchor: ("{1} does not link to the chain anchor: entries before it were removed, or the anchor replaced",
                                         "{1}没有链接到哈希链起点：它之前的记录被删除，或起点被替换")
        case .journalEntryEdited: ("{1} was edited after it was written: entry {2}, which follows it, recorded a different hash of it",
                                   "{1}写入后被编辑过：其后的第 {2} 条记录保存的哈希值与它不符")
        case .journalUnlinkedAfterLinked: ("{1} has no hash link but follows linked entries: it was edited, or written by an older mql",
                                           "{1}没有哈希链接，却排在有链接的记录之后：它被编辑过，或由较早版本的 mql 写入")
        case .journalUnlinkedWithAnchor: ("{1} has no hash link, but the journal was chained from its start ({2} exists): it was edited, or written by an older mql",
                                          "{1}没有哈希链接，但修改日志从一开始就启用了哈希链（{2} 存在）：它被编辑过，或由较早版本的 mql 写入")
        case .attachmentSourceMissing: ("no file '{1}' to attach", "没有要附加的文件“{1}”")
        case .attachmentSourceNotAFile: ("'{1}' is not a file (attach takes one file)", "“{1}”不是文件（attach 只能附加一个文件）")
        case .attachmentSourceUnreadable: ("cannot read '{1}': {2}", "无法读取“{1}”：{2}")
        case .attachmentSourceTooLarge: ("'{1}' is larger than {2} MB: attach takes photos and scanned pages", "“{1}”超过 {2} MB：attach 只接受照片和扫描页")
        case .attachmentNotInside: ("attachment {1}: file '{2}' is not a path inside attachments/", "附件 {1}：文件“{2}”不是 attachments/ 内的路径")
        case .attachmentMissing: ("attachment {1}: the file is missing", "附件 {1}：文件不存在")
        case .attachmentUnreadable: ("attachment {1}: cannot read the file: {2}", "附件 {1}：无法读取文件：{2}")
        case .attachmentAltered: ("attachment {1}: the file was altered: sha256 expected {2}, actual {3}", "附件 {1}：文件已被改动：sha256 应为 {2}，实际为 {3}")
        case .attachmentWithoutHash: ("attachment {1}: no sha256 recorded (the file's is {2})", "附件 {1}：没有记录 sha256（文件的 sha256 为 {2}）")
        case .notInKeyOrder: ("{1} is not in key order; no snapshot written", "{1} 没有按键排序；未写入快照")
        }
    }
}
