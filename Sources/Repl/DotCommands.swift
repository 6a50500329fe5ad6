// Dot commands (language.md, "Dot commands"): a line starting with `.`, in the REPL and in
// scripts alike. This file names them (for help and completion) and runs them on a
// ScriptRunner: settings (.format, .timer, .today, .param, .maxrows), looking around
// (.help, .schema, .rules, .check), running files (.read), turning the last query into a
// test (.save-test, see SaveTest.swift) and leaving (.quit). `.import` and `.export` are
// named but not available yet: they say so as an error, they do not pretend.
//
// What a command shows is a result: tables go through the current format to stdout, like
// a query's. Confirmations ("format: csv") go to stderr and only in the REPL, so that a
// script's stdout holds nothing but results.

import Engine
import Foundation
import MQL

struct DotCommand {
    let name: String
    let synopsis: String
    let summary: (en: String, zh: String)
    let examples: [String]
    var available = true

    static let all: [DotCommand] = [
        DotCommand(name: ".help", synopsis: ".help [TOPIC]", summary: ("this help; a topic or a dot command in detail", "本帮助；可指定主题或点命令"),
                   examples: [".help queries", ".help .format"]),
        DotCommand(name: ".schema", synopsis: ".schema [COLLECTION]", summary: ("collections; a collection's stored and defined fields with types and citations", "集合列表；或某集合的存储字段与定义字段（含类型与条款）"),
                   examples: [".schema", ".schema pairings"]),
        DotCommand(name: ".rules", synopsis: ".rules", summary: ("every define, rule and constraint with its citation", "全部定义、规则与约束及其条款"),
                   examples: [".rules"]),
        DotCommand(name: ".format", synopsis: ".format table|csv|tsv|json|line", summary: ("how results are printed", "结果的输出格式"),
                   examples: [".format line", ".format table"]),
        DotCommand(name: ".maxrows", synopsis: ".maxrows [N|auto]", summary: ("rows a table shows before \"… N more rows\" (0: all)", "表格显示的最多行数，超出显示“… 另有 N 行”（0 表示全部）"),
                   examples: [".maxrows 20", ".maxrows auto"]),
        DotCommand(name: ".timer", synopsis: ".timer on|off", summary: ("show each statement's wall time", "显示每条语句的耗时"),
                   examples: [".timer on", ".timer off"]),
        DotCommand(name: ".timeout", synopsis: ".timeout [SECONDS|off]", summary: ("show or set how long a statement may run before it stops with an error", "显示或设定语句的最长运行时间，超时即停止并报错"),
                   examples: [".timeout 30", ".timeout off"]),
        DotCommand(name: ".today", synopsis: ".today [DATE]", summary: ("show or fix today's date", "显示或设定今天的日期"),
                   examples: [".today 2019-11-30", ".today"]),
        DotCommand(name: ".param", synopsis: ".param [NAME VALUE]", summary: ("list params, or override one for this session", "列出参数，或在本次会话中覆盖某个参数"),
                   examples: [".param", ".param visit_interval 3 months"]),
        DotCommand(name: ".read", synopsis: ".read FILE", summary: ("run the statements and dot commands of a file", "执行文件中的语句和点命令"),
                   examples: []),
        DotCommand(name: ".check", synopsis: ".check", summary: ("every row that breaks a constraint", "列出违反约束的所有行"),
                   examples: [".check"]),
        DotCommand(name: ".save-test", synopsis: ".save-test NAME [FILE]", summary: ("turn the last query and its result into a test case in a rule-test file", "把上一条查询及其结果保存为规则测试文件中的测试用例"),
                   examples: []),
        DotCommand(name: ".import", synopsis: ".import COLLECTION|附件1|附件2|附件3|双月报 FILE [STREET]", summary: ("add rows from a CSV file or a form, all or nothing", "从 CSV 文件或表格导入行（全部成功或全部不导入）"),
                   examples: []),
        DotCommand(name: ".export", synopsis: ".export QUERY-OR-COLLECTION|附件1|附件2 STREET|附件3 STREET|双月报 STREET FILE", summary: ("write a result or a form to an Excel workbook (FILE.xlsx) or a CSV file for Excel", "把结果或表格写入 Excel 工作簿（文件.xlsx）或 CSV 文件（供 Excel 使用）"),
                   examples: []),
        DotCommand(name: ".report", synopsis: ".report PERIOD [STREET]", summary: ("the ledger (台账) of a bi-monthly report period, as of its window's end", "某一期双月报的台账（截至该期统计期末）"),
                   examples: [".report 2019-10", ".report 2019-10 布吉"]),
        DotCommand(name: ".checkpoint", synopsis: ".checkpoint", summary: ("write the dataset files anew and empty the journal", "重写数据文件并清空日志"),
                   examples: []),
        DotCommand(name: ".quit", synopsis: ".quit", summary: ("leave (also .exit, Ctrl-D)", "退出（也可用 .exit 或 Ctrl-D）"),
                   examples: []),
    ]

    static var names: [String] { all.map(\.name) + [".exit"] }

    static func named(_ name: String) -> DotCommand? {
        let lowered = name.lowercased()
        return all.first { $0.name == lowered } ?? (lowered == ".exit" ? named(".quit") : nil)
    }

    /// Whether a script line is a dot command: `.` then a letter, at the start of the line.
    static func isDotLine(_ line: Substring) -> Bool {
        guard line.first == ".", let second = line.dropFirst().first else { return false }
        return second.isLetter
    }
}

/// A dot command line split into its word and the rest, with columns for errors.
struct DotLine {
    let command: String
    let rest: String
    /// 1-based column where `rest` starts.
    let restColumn: Int

    init(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let word = trimmed.prefix { !$0.isWhitespace }
        command = String(word)
        let afterWord = trimmed.dropFirst(word.count)
        let spaces = afterWord.prefix { $0.isWhitespace }.count
        rest = String(afterWord.dropFirst(spaces))
        let leading = line.prefix { $0.isWhitespace }.count
        restColumn = leading + word.count + spaces + 1
    }

    /// Words of `rest`; "double quoted" words may hold spaces.
    var arguments: [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var any = false
        for ch in rest {
            if ch == "\"" { quoted.toggle(); any = true; continue }
            if ch.isWhitespace && !quoted {
                if any { out.append(current) }
                current = ""
                any = false
            } else {
                current.append(ch)
                any = true
            }
        }
        if any { out.append(current) }
        return out
    }
}

/// A dot command that failed, with the column it points at.
struct DotError: Error {
    let column: Int
    let message: String
}

extension ScriptRunner {
    /// Runs one dot command line (`lineNumber` of the source `name`).
    mutating func runDot(_ text: String, name: String, lineNumber: Int) {
        guard !stopped else { return }
        let line = DotLine(text)
        do {
            try dispatch(line, name: name)
        } catch let error as DotError {
            reportDotError(error.message, name: name, line: lineNumber, column: error.column)
        } catch let error as DiagnosticError {
            report(error)
            noteFailure()
        } catch {
            reportDotError("\(error)", name: name, line: lineNumber, column: 1)
        }
    }

    mutating func reportDotError(_ message: String, name: String, line: Int, column: Int) {
        let text = "\(name):\(line):\(column): error: \(message)"
        Terminal.error(text, style: screen?.colourErr == true ? .error : nil)
        noteFailure()
    }

    /// A confirmation for people at the terminal; nothing in a script.
    func confirm(_ text: String) {
        guard screen != nil else { return }
        Terminal.error(text, style: screen?.colourErr == true ? .dim : nil)
    }

    mutating func dispatch(_ line: DotLine, name: String) throws {
        let m = messages
        guard let command = DotCommand.named(line.command) else {
            let suggestion = Suggest.closest(line.command, among: DotCommand.names)
            throw DotError(column: 1, message: m.unknownDotCommand(line.command, suggestion: suggestion))
        }
        guard command.available else { throw DotError(column: 1, message: m.notAvailableYet(command.name)) }
        let args = line.arguments
        switch command.name {
        case ".help":
            if let topic = args.first {
                guard let text = Help.text(for: topic, m) else { throw DotError(column: line.restColumn, message: m.unknownTopic(topic)) }
                Terminal.write(text)
            } else {
                Terminal.write(Help.overview(m))
            }
        case ".quit":
            quitRequested = true
            stopped = true
        case ".format":
            guard args.count == 1, let format = OutputFormat(rawValue: args[0].lowercased()) else {
                throw DotError(column: line.restColumn, message: m.usage(command.synopsis))
            }
            if format == .xlsx { throw DotError(column: line.restColumn, message: ReplMessage.formatNotHere("xlsx")) }
            writer.format = format
            confirm(m.formatIs(format.rawValue))
        case ".timer":
            guard args.count == 1, ["on", "off"].contains(args[0].lowercased()) else {
                throw DotError(column: line.restColumn, message: m.usage(command.synopsis))
            }
            timer = args[0].lowercased() == "on"
            confirm(m.timerIs(timer))
        case ".timeout":
            if args.isEmpty {
                confirm(m.timeoutIs(session.timeout))
                return
            }
            let value = args[0].lowercased()
            guard args.count == 1, value == "off" || (Double(value).map { $0 > 0 && $0.isFinite } ?? false) else {
                throw DotError(column: line.restColumn, message: m.usage(command.synopsis))
            }
            session.timeout = value == "off" ? nil : Double(value)
            confirm(m.timeoutIs(session.timeout))
        case ".maxrows":
            if args.isEmpty {
                confirm(m.maxRowsIs(screen?.maxRows ?? nil))
                return
            }
            let value = args[0].lowercased()
            guard args.count == 1, value == "auto" || (Int(value).map { $0 >= 0 } ?? false) else {
                throw DotError(column: line.restColumn, message: m.usage(command.synopsis))
            }
            maxRows = value == "auto" ? nil : Int(value)
            confirm(m.maxRowsIs(maxRows))
        case ".today":
            if args.isEmpty {
                emitText(CivilDate.format(session.today) + "\n")
                return
            }
            guard args.count == 1, let day = CivilDate.parse(args[0], allowMonth: false) else {
                throw DotError(column: line.restColumn, message: m.badDate(line.rest))
            }
            session.today = day
            confirm(m.todayIs(CivilDate.format(day)))
        case ".param":
            try param(line)
        case ".schema":
            if let written = args.first {
                let collection = ChineseNames.collection(written)
                guard session.store.table(collection) != nil else {
                    throw DotError(column: line.restColumn, message: m.unknownCollection(collection, suggestion: Suggest.closest(collection, among: session.store.collectionNames)))
                }
                emit(.rows(SchemaReport(session: session, messages: m).fields(of: collection)))
            } else {
                emit(.rows(SchemaReport(session: session, messages: m).collections()))
            }
        case ".rules":
            emit(.rows(SchemaReport(session: session, messages: m).rules()))
        case ".check":
            let report = CheckReport(session: session)
            emitText(writer.format == .json ? report.json() : report.text())
        case ".read":
            guard args.count == 1 else { throw DotError(column: line.restColumn, message: m.usage(command.synopsis)) }
            try read(args[0], column: line.restColumn)
        case ".save-test":
            try saveTest(args, column: line.restColumn)
        case ".report":
            guard args.count == 1 || args.count == 2 else { throw DotError(column: line.restColumn, message: ReplMessage.reportUsage()) }
            guard let period = ReportPeriod(args[0]) else { throw DotError(column: line.restColumn, message: MessageID.badPeriod(args[0])) }
            let street = args.count == 2 ? args[1] : nil
            if let street, let problem = ReportCommand.unknownStreet(street, in: session.store) {
                throw DotError(column: line.restColumn, message: problem)
            }
            let file: SourceFile
            do { file = try RuleFiles.readSource(Defaults.reportFile) } catch { throw DotError(column: 1, message: "\(error)") }
            let reportSession = try ReportRunner.session(extending: session, with: file)
            let report = try ReportRunner.run(reportSession, file: file, period: period, street: street)
            let renderer = ReportRenderer(report: report, unmask: writer.unmask, asOf: session.today, dataDirectory: session.dataset?.directory ?? Defaults.dataDirectory)
            emitText(writer.format == .json ? renderer.json() : renderer.table())
        case ".checkpoint":
            do { try session.checkpoint() } catch {
                throw DotError(column: 1, message: "\(error)")
            }
        case ".import":
            guard args.count == 2 || args.count == 3 else { throw DotError(column: line.restColumn, message: m.usage(command.synopsis)) }
            let ok: Bool
            if let form = Form.named(args[0]) {
                ok = FormImportRunner.run(session: session, form: form, path: args[1], street: args.count == 3 ? args[2] : nil, skipBad: nil, dryRun: false)
            } else {
                ok = CollectionImportRunner.run(session: session, collection: args[0], path: args[1])
            }
            if !ok { throw DotError(column: line.restColumn, message: "import failed; nothing was added") }
        case ".export":
            let words = line.rest.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            guard words.count >= 2, let path = words.last else { throw DotError(column: line.restColumn, message: m.usage(command.synopsis)) }
            let ok: Bool
            if let form = Form.named(words[0]), form == .streets, words.count == 2 {
                ok = FormExportRunner.run(session: session, what: words[0], street: nil, path: path, unmask: writer.unmask)
            } else if let form = Form.named(words[0]), form != .streets {
                guard words.count == 3 else { throw DotError(column: line.restColumn, message: m.usage(command.synopsis)) }
                ok = FormExportRunner.run(session: session, what: words[0], street: words[1], path: path, unmask: writer.unmask)
            } else {
                ok = FormExportRunner.run(session: session, what: words.dropLast().joined(separator: " "), street: nil, path: path, unmask: writer.unmask)
            }
            if !ok { throw DotError(column: line.restColumn, message: "export failed") }
        default:
            throw DotError(column: 1, message: m.notAvailableYet(command.name))
        }
    }

    mutating func param(_ line: DotLine) throws {
        let m = messages
        let parts = line.rest.split(maxSplits: 1, whereSeparator: { $0.isWhitespace }).map(String.init)
        if parts.isEmpty {
            emit(.rows(SchemaReport(session: session, messages: m).params()))
            return
        }
        guard parts.count == 2 else { throw DotError(column: line.restColumn, message: m.usage(".param NAME VALUE")) }
        do {
            try session.setParam(parts[0], parts[1])
        } catch let error as RuleFileError {
            var text = error.description
            if text.hasPrefix("error: ") { text.removeFirst("error: ".count) }
            throw DotError(column: line.restColumn, message: text)
        }
        let value = session.catalog.params[parts[0]].map { show($0.value) } ?? parts[1]
        confirm(m.paramIs(parts[0], value))
    }

    mutating func read(_ path: String, column: Int) throws {
        guard readDepth < 16 else { throw DotError(column: column, message: messages.readTooDeep) }
        let expanded = (path as NSString).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded) else {
            throw DotError(column: column, message: messages.cannotRead(path))
        }
        readDepth += 1
        defer { readDepth -= 1 }
        run(bytes: [UInt8](data), name: path)
    }

    /// A value as MQL source (for confirmations and saved tests).
    func show(_ v: Value) -> String {
        switch v {
        case .text(let s): return Printer.quote(s)
        case .null: return "null"
        case .set(let items): return "[" + items.map(Printer.quote).joined(separator: ", ") + "]"
        default: return v.description
        }
    }
}

/// The tables `.schema`, `.rules` and `.param` show.
struct SchemaReport {
    let session: Session
    let messages: Messages

    func collections() -> QueryResult {
        let m = messages
        let columns = [m.columnCollection, m.columnChinese, m.columnRows, m.columnKey, m.columnStored, m.columnDefined]
        var rows: [[Value]] = []
        for table in session.store.tables {
            let defined = session.catalog.defines(of: table.name).filter { $0.kind != .constraint }.map(\.name)
            rows.append([.text(table.name), ChineseNames.chinese(ofCollection: table.name).map(Value.text) ?? .null, .int(table.rowCount), .text(table.schema.key.joined(separator: ", ")),
                         .text(table.schema.fields.map(\.name).joined(separator: ", ")), .text(defined.joined(separator: ", "))])
        }
        return result(columns, rows, numeric: [2])
    }

    func fields(of collection: String) -> QueryResult {
        let m = messages
        let table = session.store.table(collection)!
        func chinese(_ name: String) -> Value {
            ChineseNames.chinese(ofMember: name, in: collection).map(Value.text) ?? .null
        }
        var rows: [[Value]] = []
        for field in table.schema.fields {
            rows.append([.text(field.name), chinese(field.name), .text(type(field.type)),
                         .text(m.kindStored(key: table.schema.key.contains(field.name), masked: field.masking != .none)), .null, .null])
        }
        for info in session.catalog.defines(of: collection) {
            rows.append([.text(info.name), chinese(info.name), .text(info.type.map(\.description) ?? m.typeUnknown), .text(info.kind.rawValue),
                         info.citation.map(Value.text) ?? .null, .text(shortLocation(info))])
        }
        for reference in session.store.referencesTo(collection) {
            rows.append([.text(reference.table.name), ChineseNames.chinese(ofCollection: reference.table.name).map(Value.text) ?? .null,
                         .text(m.rowsOf(reference.table.name)), .text(m.kindReverse),
                         .null, .text("\(reference.table.name).\(reference.table.schema.fields[reference.field].name)")])
        }
        return result([m.columnField, m.columnChinese, m.columnType, m.columnKind, m.columnCitation, m.columnWhere], rows)
    }

    func rules() -> QueryResult {
        let m = messages
        let rows: [[Value]] = session.catalog.ordered.map { info in
            [.text(info.qualifiedName), .text(info.kind.rawValue), .text(info.type.map(\.description) ?? m.typeUnknown),
             info.citation.map(Value.text) ?? .null, .text(shortLocation(info))]
        }
        return result([m.columnName, m.columnKind, m.columnType, m.columnCitation, m.columnWhere], rows)
    }

    func params() -> QueryResult {
        let m = messages
        let rows: [[Value]] = session.catalog.paramNames.compactMap { name in
            guard let p = session.catalog.params[name] else { return nil }
            var location: Value = .null
            if let file = p.file {
                location = .text("\((file.name as NSString).lastPathComponent):\(file.location(of: p.range.start).line)")
            }
            return [.text(name), .text(p.value.description), .text(p.type.description), location]
        }
        return result([m.columnName, m.columnValue, m.columnType, m.columnWhere], rows)
    }

    func type(_ t: FieldType) -> String {
        if case .reference(let target) = t { return "→ \(target)" }
        return t.description
    }

    func shortLocation(_ info: DefineInfo) -> String {
        let line = info.file.location(of: info.definition.nameRange.start).line
        return "\((info.file.name as NSString).lastPathComponent):\(line)"
    }

    func result(_ names: [String], _ rows: [[Value]], numeric: Set<Int> = []) -> QueryResult {
        QueryResult(columns: names.enumerated().map { ResultColumn(name: $1, type: numeric.contains($0) ? .int : .text) }, rows: rows)
    }
}
