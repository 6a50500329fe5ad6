// The notice's forms, in and out. Street staff keep 附件1 (quotas), 附件2 (children of a
// street) and 附件3 (mothers and their pairings) in Excel or WPS; we read them as CSV
// exports — UTF-8 with or without a BOM, or GB18030, which Chinese Excel writes by
// default — with their Chinese headers, and turn each good row into row edits. Bad rows
// are reported with their line; the caller decides between all-or-nothing and skipping
// them. Exports write CSV with a BOM for Excel, neutralising cells that would start a
// formula.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum Form: String, CaseIterable, Sendable {
    case streets = "附件1"
    case children = "附件2"
    case mothers = "附件3"
    /// A street's bi-monthly report (四(四)) with its 先进典型: `ReportForm`.
    case reports = "双月报"

    public static func named(_ name: String) -> Form? {
        switch name {
        case "附件1", "1": return .streets
        case "附件2", "2": return .children
        case "附件3", "3": return .mothers
        case "双月报", "reports": return .reports
        default: return nil
        }
    }

    public var headers: [String] {
        switch self {
        case .streets: return ["街道", "名额", "备注"]
        case .children: return ["序号", "姓名", "年龄（出生年月）", "所在社区", "监护人及联系方式", "家庭住址", "贫困原因"]
        case .mothers: return ["姓名", "单位及职务", "联系方式", "结对儿童姓名", "社区", "结对儿童联系人及联系方式", "备注"]
        case .reports: return ReportForm.headers
        }
    }
}

public struct FormRowError: Sendable, CustomStringConvertible {
    /// The CSV line, or the sheet's row number.
    public let line: Int
    public let message: String
    public let raw: [String]
    /// The cell (0-based, in `raw`) the first problem is about, for a workbook's `C7`.
    public var column: Int?
    public var description: String { "line \(line): \(message)" }

    public init(line: Int, message: String, raw: [String], column: Int? = nil) {
        self.line = line
        self.message = message
        self.raw = raw
        self.column = column
    }
}

/// A row of a form as read from a CSV file or a sheet: its line (or row number) and the
/// text of its cells from the first column.
public typealias FormRecord = (line: Int, cells: [String])

public struct FormImport: Sendable {
    public var edits: [RowEdit] = []
    public var errors: [FormRowError] = []
    /// Reasons (贫困原因) with words no tag keyword matched: the text and what was left.
    public var unmapped: [(line: Int, text: String)] = []
    public var header: [String] = []
    public var rows = 0
}

public enum FormReader {
    /// Text of a CSV export: UTF-8 (a BOM is dropped) or else GB18030.
    public static func decode(_ bytes: [UInt8]) throws -> String {
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        if UTF8Validation.firstInvalidOffset(body) == nil { return String(decoding: body, as: UTF8.self) }
        guard let text = iconv(body, from: "GB18030") else {
            throw ChangeError(EngineMessage.formNotText())
        }
        return text
    }

    static func iconv(_ bytes: [UInt8], from encoding: String) -> String? {
        let cd = iconv_open("UTF-8", encoding)
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 16)
        let ok: Bool = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = outBuf.baseAddress
                var outLeft = outBuf.count
                let r = Glibc.iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if r == -1 || inLeft != 0 { return false }
                outBuf[outBuf.count - outLeft] = 0
                return true
            }
        }
        guard ok else { return nil }
        return output.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// A cell as people leave it: stray spaces (also full-width and no-break ones) around
    /// the text dropped.
    public static func clean(_ cell: String) -> String {
        cell.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{3000}\u{00A0}\u{FEFF}")))
    }

    /// A heading as written in a form, matched by name: spaces and line breaks inside it
    /// dropped, ASCII brackets read as the full-width ones of the notice.
    public static func heading(_ cell: String) -> String {
        String(clean(cell).filter { !$0.isWhitespace && $0 != "\u{3000}" }).replacingOccurrences(of: "(", with: "（").replacingOccurrences(of: ")", with: "）")
    }

    /// Full-width digits (０–９) as ASCII ones, for the cells read as numbers or dates.
    public static func asciiDigits(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0xFF10...0xFF19).contains($0.value) || $0.value == 0xFF0E }) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if (0xFF10...0xFF19).contains(u.value) { out.append(Unicode.Scalar(u.value - 0xFF10 + 0x30)!) }
            else if u.value == 0xFF0E { out.append(".") }  // ．
            else { out.append(u) }
        }
        return String(out)
    }

    /// A whole number written as people write it: full-width digits, `15.0` from a cell
    /// that held a number.
    public static func wholeNumber(_ text: String) -> String {
        var t = asciiDigits(clean(text))
        if t.hasSuffix(".0") { t.removeLast(2) }
        return t
    }

    /// The 审核意见 row closes the table: what follows it is not data.
    public static func endsTheForm(_ cells: [String]) -> Bool {
        guard let first = cells.first(where: { !$0.isEmpty }) else { return false }
        let compact = heading(first)
        return compact.hasPrefix("街道妇联审核意见") || compact.hasPrefix("审核意见")
    }

    /// Records of a CSV text with their first lines; blank records skipped.
    public static func records(_ text: String) throws -> [(line: Int, cells: [String])] {
        var reader = CSVReader(bytes: Array(text.utf8))
        var cells: [CSVCell] = []
        var out: [(Int, [String])] = []
        do {
            while let line = try reader.next(into: &cells) {
                let values = cells.map { reader.string($0).trimmingCharacters(in: .whitespaces) }
                if values.allSatisfy(\.isEmpty) { continue }
                out.append((line, values))
            }
        } catch let e as CSVError {
            throw ChangeError(EngineMessage.formLine(e.line, e.message))
        }
        return out
    }
}

/// Reading 贫困原因 into tags.
public enum ReasonTags {
    /// Keyword → tag, longest keywords first so 单亲家庭 is not read as something shorter.
    public static let keywords: [(String, String)] = [
        ("最低生活保障", "低保"), ("低保", "低保"),
        ("孤儿", "孤儿"), ("父母双亡", "孤儿"),
        ("烈士", "烈士家庭"), ("优抚", "优抚家庭"), ("退役军人", "优抚家庭"), ("军属", "优抚家庭"),
        ("无直接经济来源", "无直接经济来源"), ("没有经济来源", "无直接经济来源"), ("无经济来源", "无直接经济来源"),
        ("单亲", "单亲"), ("离异", "单亲"), ("去世", "单亲"), ("病故", "单亲"), ("离世", "单亲"),
        ("重病", "父母重病"), ("尿毒症", "重大疾病"), ("白血病", "重大疾病"), ("癌症", "重大疾病"), ("肿瘤", "重大疾病"),
        ("残疾", "父母残疾"),
        ("缺乏劳动力", "缺乏劳动力"), ("丧失劳动能力", "缺乏劳动力"),
        ("无固定收入", "无固定收入"), ("无固定工作", "无固定收入"), ("打散工", "无固定收入"), ("收入不稳定", "无固定收入"),
        ("亲友无力", "亲友无力资助"), ("无力资助", "亲友无力资助"),
        ("自然灾害", "自然灾害"), ("火灾", "自然灾害"), ("洪水", "自然灾害"), ("台风", "自然灾害"),
        ("突发", "突发事件"), ("意外事故", "意外事故"), ("车祸", "意外事故"), ("事故", "意外事故"),
        ("长期治疗", "长期治疗"), ("长期服药", "长期治疗"), ("透析", "长期治疗"), ("化疗", "长期治疗"),
        ("特殊困难", "其他特殊困难"), ("其他困难", "其他特殊困难"),
    ].sorted { $0.0.count > $1.0.count }

    /// Tags found in a reason, and what of it no keyword explained (for the report).
    public static func tags(in reason: String) -> (tags: [String], leftover: String) {
        var rest = reason
        var found: [String] = []
        for (word, tag) in keywords where rest.contains(word) {
            rest = rest.replacingOccurrences(of: word, with: "")
            if !found.contains(tag) { found.append(tag) }
        }
        // 重大疾病 is the child's illness; a parent's illness is 父母重病.
        if found.contains("重大疾病") && (reason.contains("父亲") || reason.contains("母亲")) && !reason.contains("孩子") && !reason.contains("本人") {
            found.removeAll { $0 == "重大疾病" }
            if !found.contains("父母重病") { found.append("父母重病") }
        }
        let leftover = rest.filter { !"，。、；,.;：: \t（）()的和及且也已在因为由于家中家庭".contains($0) }
        return (found, leftover)
    }
}

public enum FormImporter {
    /// Reads a CSV form for the store: the rows it would add, and every bad row.
    public static func read(_ form: Form, bytes: [UInt8], street: String?, store: Store, today: Int32) throws -> FormImport {
        let text = try FormReader.decode(bytes)
        return try read(form, records: FormReader.records(text), street: street, store: store, today: today)
    }

    /// Reads the rows of a form, from a CSV file or a sheet alike: the title and header
    /// lines above the headings are skipped (the headings are found by name), the rows
    /// end at the 审核意见 row. Both formats go through here, so they mean the same.
    public static func read(_ form: Form, records all: [FormRecord], street: String?, store: Store, today: Int32) throws -> FormImport {
        var records = all.map { (line: $0.line, cells: $0.cells.map(FormReader.clean)) }.filter { !$0.cells.allSatisfy(\.isEmpty) }
        var result = FormImport()
        guard let headerIndex = records.firstIndex(where: { record in
            let names = record.cells.map(FormReader.heading)
            return form.headers.prefix(2).allSatisfy { names.contains($0) }
        }) else {
            throw ChangeError(EngineMessage.formNoHeader(form.headers.joined(separator: ", "), form.rawValue))
        }
        let header = records[headerIndex].cells.map(FormReader.heading)
        result.header = header
        records.removeFirst(headerIndex + 1)
        if let end = records.firstIndex(where: { FormReader.endsTheForm($0.cells) }) { records.removeSubrange(end...) }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        if form != .streets {
            guard let street, store.table("streets")?.row(editKey: street) != nil else {
                throw ChangeError(EngineMessage.formNeedsStreet(form.rawValue) + (street.map { EngineMessage.formNotAStreet($0) } ?? ""))
            }
        }
        switch form {
        case .streets: readStreets(records, column, store: store, into: &result)
        case .children: readChildren(records, column, street: street!, store: store, today: today, into: &result)
        case .mothers: readMothers(records, column, street: street!, store: store, today: today, into: &result)
        case .reports: ReportForm.read(records, column, street: street!, store: store, today: today, into: &result)
        }
        return result
    }

    static func readStreets(_ records: [(line: Int, cells: [String])], _ column: (String) -> Int?, store: Store, into result: inout FormImport) {
        for (line, cells) in records {
            func cell(_ name: String) -> String { column(name).flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            let name = cell("街道").replacingOccurrences(of: "街道", with: "")
            if name.isEmpty || name.hasPrefix("合计") || name == "总计" { continue }
            result.rows += 1
            let quota = FormReader.wholeNumber(cell("名额"))
            guard Int(quota) != nil else {
                result.errors.append(FormRowError(line: line, message: EngineMessage.formQuotaNotWhole(cell("名额")), raw: cells, column: column("名额")))
                continue
            }
            let kind: RowEdit.Kind = store.table("streets")?.row(editKey: name) == nil ? .insert : .update
            result.edits.append(RowEdit(kind: kind, collection: "streets", key: name, cells: kind == .insert ? ["name": name, "quota": quota] : ["quota": quota]))
        }
    }

    /// `张三 13812345678`, `张三/138…`, `张三（138…）`: the name and the phone.
    static func splitContact(_ raw: String) -> (name: String, phone: String) {
        let text = FormReader.asciiDigits(raw)
        var digits = ""
        var best = ""
        for ch in text + " " {
            if ch.isASCII && ch.isNumber { digits.append(ch) } else {
                if digits.count > best.count { best = digits }
                digits = ""
            }
        }
        var name = text
        if !best.isEmpty { name = name.replacingOccurrences(of: best, with: "") }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: " /／,，:：;；()（）-—电话手机"))
        return (name, best)
    }

    /// `2012.1` alone: a spreadsheet that held 2012.10 as a number shows 2012.1, so the
    /// month cannot be told (January or October) and is not guessed. The year, if so.
    public static func ambiguousMonth(_ raw: String) -> String? {
        let text = FormReader.asciiDigits(raw)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1] == "1", parts[0].count == 4, parts[0].allSatisfy(\.isASCII), Int(parts[0]) != nil else { return nil }
        return String(parts[0])
    }

    /// 年龄（出生年月）as people write it: `9（2010.03）`, `2010年3月`, `2010.3`, `2010-03`.
    public static func birth(_ raw: String) -> Int32? {
        let text = FormReader.asciiDigits(raw)
        var numbers: [Int] = []
        var current = ""
        for ch in text + " " {
            if ch.isASCII && ch.isNumber { current.append(ch) } else {
                if !current.isEmpty { numbers.append(Int(current) ?? -1) }
                current = ""
            }
        }
        guard let yearIndex = numbers.firstIndex(where: { $0 >= 1990 && $0 <= 2100 }), yearIndex + 1 < numbers.count else { return nil }
        let year = numbers[yearIndex], month = numbers[yearIndex + 1]
        var day = 1
        if yearIndex + 2 < numbers.count, (1...31).contains(numbers[yearIndex + 2]) { day = numbers[yearIndex + 2] }
        guard CivilDate.isValid(year: year, month: month, day: day) else { return nil }
        return CivilDate.days(year: year, month: month, day: day)
    }

    static func readChildren(_ records: [(line: Int, cells: [String])], _ column: (String) -> Int?, street: String, store: Store, today: Int32, into result: inout FormImport) {
        guard let children = store.table("children") else { return }
        var nextID = children.nextFreeID
        for (line, cells) in records {
            func cell(_ name: String) -> String { column(name).flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            let name = cell("姓名")
            if name.isEmpty { continue }
            result.rows += 1
            var problems: [String] = []
            var firstBad: Int?
            let birthText = cell("年龄（出生年月）")
            let birth = birth(birthText)
            if let year = ambiguousMonth(birthText) {
                problems.append(EngineMessage.formBirthAmbiguousMonth(birthText, year))
                firstBad = firstBad ?? column("年龄（出生年月）")
            } else if birth == nil {
                problems.append(EngineMessage.formBirthWithoutMonth(birthText))
                firstBad = firstBad ?? column("年龄（出生年月）")
            }
            var community = cell("所在社区")
            if community.hasSuffix("社区") && community.count > 2 { community = String(community.dropLast(2)) }
            if store.table("communities")?.row(editKey: "\(street)/\(community)") == nil {
                problems.append(EngineMessage.formResidenceNotInStreet(cell("所在社区"), street))
                firstBad = firstBad ?? column("所在社区")
            }
            let (guardian, phone) = splitContact(cell("监护人及联系方式"))
            let reason = cell("贫困原因")
            let (tags, leftover) = ReasonTags.tags(in: reason)
            guard problems.isEmpty else {
                result.errors.append(FormRowError(line: line, message: problems.joined(separator: "; "), raw: cells, column: firstBad))
                continue
            }
            if tags.isEmpty || leftover.count > 6 { result.unmapped.append((line, reason)) }
            result.edits.append(RowEdit(kind: .insert, collection: "children", key: String(nextID), cells: [
                "id": String(nextID), "name": name, "birth": CivilDate.format(birth!), "street": street, "community": community,
                "guardian": guardian, "guardian_phone": phone, "address": cell("家庭住址"), "tags": tags.joined(separator: ";"),
                "reason": reason, "status": "待审核", "registered": CivilDate.format(today),
            ]))
            nextID += 1
        }
    }

    static func readMothers(_ records: [(line: Int, cells: [String])], _ column: (String) -> Int?, street: String, store: Store, today: Int32, into result: inout FormImport) {
        guard let mothers = store.table("mothers"), let pairings = store.table("pairings"), let children = store.table("children") else { return }
        var nextMother = mothers.nextFreeID
        var nextPairing = pairings.nextFreeID
        for (line, cells) in records {
            func cell(_ name: String) -> String { column(name).flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            let name = cell("姓名")
            if name.isEmpty { continue }
            result.rows += 1
            var problems: [String] = []
            var firstBad: Int?
            var community = cell("社区")
            if community.hasSuffix("社区") && community.count > 2 { community = String(community.dropLast(2)) }
            if !community.isEmpty && store.table("communities")?.row(editKey: "\(street)/\(community)") == nil {
                problems.append(EngineMessage.formCommunityNotInStreet(cell("社区"), street))
                firstBad = column("社区")
            }
            let orgTitle = cell("单位及职务")
            var org = orgTitle, title = ""
            for separator in ["/", "／", " ", "、", "，", ","] where orgTitle.contains(separator) {
                let parts = orgTitle.components(separatedBy: separator)
                org = parts.dropLast().joined(separator: separator).trimmingCharacters(in: .whitespaces)
                title = parts.last!.trimmingCharacters(in: .whitespaces)
                break
            }
            let (_, phone) = splitContact(cell("联系方式"))
            let childName = cell("结对儿童姓名")
            var childRow: Int?
            if !childName.isEmpty {
                let matches = childRows(named: childName, street: street, community: community, in: children, store: store)
                if matches.count == 1 { childRow = matches[0] } else {
                    firstBad = firstBad ?? column("结对儿童姓名")
                    problems.append(matches.isEmpty ? EngineMessage.formChildNotInStreet(childName, street + (community.isEmpty ? "" : "/" + community))
                                    : EngineMessage.formChildAmbiguous(childName, matches.count, street))
                }
            }
            guard problems.isEmpty else {
                result.errors.append(FormRowError(line: line, message: problems.joined(separator: "; "), raw: cells, column: firstBad))
                continue
            }
            let roles = ["主席", "副主席", "兼职副主席"].filter { title.hasSuffix($0) && !(title.hasSuffix("副主席") && $0 == "主席") }
            result.edits.append(RowEdit(kind: .insert, collection: "mothers", key: String(nextMother), cells: [
                "id": String(nextMother), "name": name, "org": org, "title": title, "phone": phone,
                "level": community.isEmpty ? "街道" : "社区", "street": street, "community": community,
                "roles": roles.isEmpty ? "热心妇女" : roles.joined(separator: ";"),
            ]))
            if let childRow {
                result.edits.append(RowEdit(kind: .insert, collection: "pairings", key: String(nextPairing), cells: [
                    "id": String(nextPairing), "mother": String(nextMother), "child": children.keyText(row: childRow),
                    "since": CivilDate.format(today), "until": "", "channels": "", "note": cell("备注"),
                ]))
                nextPairing += 1
            }
            nextMother += 1
        }
    }

    static func childRows(named name: String, street: String, community: String, in children: Table, store: Store) -> [Int] {
        guard case .text(let names) = children.column(named: "name")!, let code = names.dictionary.code(of: name),
              let nameField = children.schema.fieldIndex("name"), let streetField = children.schema.fieldIndex("street"),
              let communityField = children.schema.fieldIndex("community") else { return [] }
        return children.postings(field: nameField).rows(for: Int(code)).map(Int.init).filter { row in
            DatasetWriter.cell(children, row: row, field: streetField, store: store) == street
                && (community.isEmpty || DatasetWriter.cell(children, row: row, field: communityField, store: store) == community)
        }
    }
}

/// A cell of an exported form, typed so a workbook shows numbers and dates as such.
public enum FormCell: Equatable, Sendable {
    case text(String)
    case int(Int)
    case date(Int32)

    public var text: String {
        switch self {
        case .text(let s): return s
        case .int(let i): return String(i)
        case .date(let d): return CivilDate.format(d)
        }
    }
}

/// A form laid out as the notice prints it: the 附件 number, the title, the header line
/// (街道妇联（盖章）：… 日期：…), the headings in the notice's order (序号 first), the rows
/// numbered 1…n, and for 附件2 the closing 街道妇联审核意见 row. CSV and workbook exports
/// render the same document.
public struct FormDocument: Sendable {
    public let form: Form
    public let headerLeft: String?
    public let headerRight: String?
    public let headings: [String]
    public var rows: [[FormCell]]

    public var number: String { form.rawValue }
    public var title: String { form.title }
    public var closing: String? { form == .children ? "街道妇联审核意见" : nil }

    /// The column (0-based) where the header line's 日期 part starts.
    public var headerRightColumn: Int { max(1, headings.count - 3) }

    /// The rows above the headings, as cells of the table's width.
    public var titleRows: [[String]] {
        let width = headings.count
        func padded(_ cells: [String]) -> [String] { cells + [String](repeating: "", count: max(0, width - cells.count)) }
        var out = [padded([number]), padded([title])]
        if headerLeft != nil || headerRight != nil {
            var line = [String](repeating: "", count: width)
            line[0] = headerLeft ?? ""
            line[headerRightColumn] = headerRight ?? ""
            out.append(line)
        }
        return out
    }

    /// CSV for Excel: a BOM, CRLF, formulas neutralised; the title lines, the headings,
    /// the rows and the closing row.
    public var csv: [UInt8] {
        var body = titleRows
        body.append(headings)
        body += rows.map { $0.map(\.text) }
        if let closing { body.append([closing] + [String](repeating: "", count: headings.count - 1)) }
        return FormExporter.csv(header: body[0], rows: Array(body.dropFirst()))
    }
}

extension Form {
    /// The form's title in the notice.
    public var title: String {
        switch self {
        case .streets: return "各街道贫困儿童名额分配表"
        case .children: return "贫困儿童基本情况报送表"
        case .mothers: return "“妇联妈妈”结对情况登记表"
        case .reports: return "龙岗区“妇联妈妈”结对帮扶工作情况双月报"
        }
    }

    /// The headings an export writes: the notice's, with 序号 first where it has none.
    /// (The 双月报 numbers nothing: one row a period.)
    public var exportHeadings: [String] { headers.first == "序号" || self == .reports ? headers : ["序号"] + headers }
}

public enum FormExporter {
    /// A cell Excel would read as a formula (`= + - @`) is prefixed with `'`.
    public static func neutralise(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return s }
        return "'" + s
    }

    /// CSV for Excel: a UTF-8 BOM, CRLF line ends, quoted cells, formulas neutralised.
    public static func csv(header: [String], rows: [[String]]) -> [UInt8] {
        var text = "\u{FEFF}"
        for row in [header] + rows {
            text += row.map { DatasetWriter.quote(neutralise($0)) }.joined(separator: ",") + "\r\n"
        }
        return Array(text.utf8)
    }

    /// `2019年5月14日`, as the forms write their 日期.
    public static func chineseDate(_ days: Int32) -> String {
        let c = CivilDate.components(days)
        return "\(c.year)年\(c.month)月\(c.day)日"
    }

    /// The form of a street (附件2, 附件3), or of the district (附件1, street ignored).
    public static func document(_ form: Form, street: String?, store: Store, today: Int32, unmask: Bool) -> FormDocument {
        switch form {
        case .streets: return streets(store: store, today: today)
        case .children: return children(street: street ?? "", store: store, today: today, unmask: unmask)
        case .mothers: return mothers(street: street ?? "", store: store, today: today, unmask: unmask)
        case .reports: return ReportForm.document(street: street ?? "", store: store, today: today)
        }
    }

    static func header(_ street: String, today: Int32) -> (String, String) {
        ("街道妇联（盖章）：\(street)街道妇联", "日期：" + chineseDate(today))
    }

    /// 附件1: every street with its quota, and the 合计 row.
    public static func streets(store: Store, today: Int32) -> FormDocument {
        var rows: [[FormCell]] = []
        var total = 0
        if let t = store.table("streets") {
            for row in 0..<t.rowCount {
                let c = DatasetWriter.cells(t, row: row, store: store)
                let quota = Int(c["quota"] ?? "") ?? 0
                total += quota
                rows.append([.int(rows.count + 1), .text(c["name"] ?? ""), .int(quota), .text("")])
            }
        }
        rows.append([.text(""), .text("合计"), .int(total), .text("")])
        return FormDocument(form: .streets, headerLeft: nil, headerRight: "日期：" + chineseDate(today), headings: Form.streets.exportHeadings, rows: rows)
    }

    /// 附件2 of one street: its children in the form's columns.
    public static func children(street: String, store: Store, today: Int32, unmask: Bool) -> FormDocument {
        let (left, right) = header(street, today: today)
        var rows: [[FormCell]] = []
        if let t = store.table("children") {
            for row in 0..<t.rowCount {
                let c = DatasetWriter.cells(t, row: row, store: store)
                guard c["street"] == street else { continue }
                let birth = c["birth"].flatMap { CivilDate.parse($0) }
                let age = birth.map { "\(CivilDate.fullYears(from: $0, to: today))（\(CivilDate.format($0).prefix(7).replacingOccurrences(of: "-", with: "."))）" } ?? ""
                let phone = unmask ? (c["guardian_phone"] ?? "") : mask(phone: c["guardian_phone"] ?? "")
                let address = unmask ? (c["address"] ?? "") : mask(address: c["address"] ?? "")
                rows.append([.int(rows.count + 1), .text(c["name"] ?? ""), .text(age), .text(c["community"] ?? ""),
                             .text([c["guardian"] ?? "", phone].filter { !$0.isEmpty }.joined(separator: " ")), .text(address), .text(c["reason"] ?? "")])
            }
        }
        return FormDocument(form: .children, headerLeft: left, headerRight: right, headings: Form.children.exportHeadings, rows: rows)
    }

    /// 附件3 of one street: one row per pairing of its children active today (a mother
    /// without a child is not on the form).
    public static func mothers(street: String, store: Store, today: Int32, unmask: Bool) -> FormDocument {
        let (left, right) = header(street, today: today)
        var rows: [[FormCell]] = []
        if let m = store.table("mothers"), let p = store.table("pairings"), let ch = store.table("children") {
            for pairing in 0..<p.rowCount {
                let pc = DatasetWriter.cells(p, row: pairing, store: store)
                if let until = pc["until"].flatMap({ CivilDate.parse($0) }), until <= today { continue }
                if let since = pc["since"].flatMap({ CivilDate.parse($0) }), since > today { continue }
                guard let childRow = pc["child"].flatMap({ Int($0) }).flatMap({ ch.row(id: $0) }),
                      let motherRow = pc["mother"].flatMap({ Int($0) }).flatMap({ m.row(id: $0) }) else { continue }
                let cc = DatasetWriter.cells(ch, row: childRow, store: store)
                guard cc["street"] == street else { continue }
                let mc = DatasetWriter.cells(m, row: motherRow, store: store)
                let childPhone = unmask ? (cc["guardian_phone"] ?? "") : mask(phone: cc["guardian_phone"] ?? "")
                let phone = unmask ? (mc["phone"] ?? "") : mask(phone: mc["phone"] ?? "")
                rows.append([.int(rows.count + 1), .text(mc["name"] ?? ""),
                             .text([mc["org"] ?? "", mc["title"] ?? ""].filter { !$0.isEmpty }.joined(separator: " ")), .text(phone),
                             .text(cc["name"] ?? ""), .text(mc["community"] ?? ""),
                             .text([cc["guardian"] ?? "", childPhone].filter { !$0.isEmpty }.joined(separator: " ")), .text(pc["note"] ?? "")])
            }
        }
        return FormDocument(form: .mothers, headerLeft: left, headerRight: right, headings: Form.mothers.exportHeadings, rows: rows)
    }

    static func mask(phone: String) -> String {
        let chars = Array(phone)
        guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + "****" + String(chars.suffix(4))
    }

    static func mask(address: String) -> String { address.isEmpty ? "" : String(address.prefix(4)) + "****" }
}
