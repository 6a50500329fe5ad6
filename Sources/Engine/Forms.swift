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
    public let line: Int
    public let message: String
    public let raw: [String]
    public var description: String { "line \(line): \(message)" }
}

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
    /// Reads a form for the store: the rows it would add, and every bad row.
    public static func read(_ form: Form, bytes: [UInt8], street: String?, store: Store, today: Int32) throws -> FormImport {
        let text = try FormReader.decode(bytes)
        var records = try FormReader.records(text)
        var result = FormImport()
        // The title rows above the header (街道妇联（盖章）, 日期 …) are skipped.
        guard let headerIndex = records.firstIndex(where: { record in form.headers.prefix(2).allSatisfy { record.cells.contains($0) } }) else {
            throw ChangeError(EngineMessage.formNoHeader(form.headers.joined(separator: ", "), form.rawValue))
        }
        let header = records[headerIndex].cells
        result.header = header
        records.removeFirst(headerIndex + 1)
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
            let quota = cell("名额")
            guard Int(quota) != nil else {
                result.errors.append(FormRowError(line: line, message: EngineMessage.formQuotaNotWhole(quota), raw: cells))
                continue
            }
            let kind: RowEdit.Kind = store.table("streets")?.row(editKey: name) == nil ? .insert : .update
            result.edits.append(RowEdit(kind: kind, collection: "streets", key: name, cells: kind == .insert ? ["name": name, "quota": quota] : ["quota": quota]))
        }
    }

    /// `张三 13812345678`, `张三/138…`, `张三（138…）`: the name and the phone.
    static func splitContact(_ text: String) -> (name: String, phone: String) {
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

    /// 年龄（出生年月）as people write it: `9（2010.03）`, `2010年3月`, `2010.3`, `2010-03`.
    public static func birth(_ text: String) -> Int32? {
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
            if name.isEmpty || cell("序号").hasPrefix("街道妇联审核意见") || name.hasPrefix("街道妇联审核意见") { continue }
            result.rows += 1
            var problems: [String] = []
            let birthText = cell("年龄（出生年月）")
            let birth = birth(birthText)
            if birth == nil { problems.append(EngineMessage.formBirthWithoutMonth(birthText)) }
            var community = cell("所在社区")
            if community.hasSuffix("社区") && community.count > 2 { community = String(community.dropLast(2)) }
            if store.table("communities")?.row(editKey: "\(street)/\(community)") == nil {
                problems.append(EngineMessage.formResidenceNotInStreet(cell("所在社区"), street))
            }
            let (guardian, phone) = splitContact(cell("监护人及联系方式"))
            let reason = cell("贫困原因")
            let (tags, leftover) = ReasonTags.tags(in: reason)
            guard problems.isEmpty else {
                result.errors.append(FormRowError(line: line, message: problems.joined(separator: "; "), raw: cells))
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
            var community = cell("社区")
            if community.hasSuffix("社区") && community.count > 2 { community = String(community.dropLast(2)) }
            if !community.isEmpty && store.table("communities")?.row(editKey: "\(street)/\(community)") == nil {
                problems.append(EngineMessage.formCommunityNotInStreet(cell("社区"), street))
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
                    problems.append(matches.isEmpty ? EngineMessage.formChildNotInStreet(childName, street + (community.isEmpty ? "" : "/" + community))
                                    : EngineMessage.formChildAmbiguous(childName, matches.count, street))
                }
            }
            guard problems.isEmpty else {
                result.errors.append(FormRowError(line: line, message: problems.joined(separator: "; "), raw: cells))
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

    /// 附件2 of one street: its children in the form's columns.
    public static func children(street: String, store: Store, today: Int32, unmask: Bool) -> [UInt8] {
        guard let t = store.table("children") else { return [] }
        var rows: [[String]] = []
        for row in 0..<t.rowCount {
            let c = DatasetWriter.cells(t, row: row, store: store)
            guard c["street"] == street else { continue }
            let birth = c["birth"].flatMap { CivilDate.parse($0) }
            let age = birth.map { "\(CivilDate.fullYears(from: $0, to: today))（\(CivilDate.format($0).prefix(7).replacingOccurrences(of: "-", with: "."))）" } ?? ""
            let phone = unmask ? (c["guardian_phone"] ?? "") : mask(phone: c["guardian_phone"] ?? "")
            let address = unmask ? (c["address"] ?? "") : mask(address: c["address"] ?? "")
            rows.append([String(rows.count + 1), c["name"] ?? "", age, c["community"] ?? "",
                         [c["guardian"] ?? "", phone].filter { !$0.isEmpty }.joined(separator: " "), address, c["reason"] ?? ""])
        }
        return csv(header: Form.children.headers, rows: rows)
    }

    /// 附件3 of one street: its mothers and the children they are paired with.
    public static func mothers(street: String, store: Store, today: Int32, unmask: Bool) -> [UInt8] {
        guard let m = store.table("mothers"), let p = store.table("pairings"), let ch = store.table("children"),
              let motherField = p.schema.fieldIndex("mother") else { return [] }
        var rows: [[String]] = []
        for row in 0..<m.rowCount {
            let c = DatasetWriter.cells(m, row: row, store: store)
            guard c["street"] == street else { continue }
            var childName = "", childContact = "", note = ""
            for pairing in p.postings(field: motherField).rows(for: row) {
                let pc = DatasetWriter.cells(p, row: Int(pairing), store: store)
                if let until = pc["until"].flatMap({ CivilDate.parse($0) }), until <= today { continue }
                if let childRow = pc["child"].flatMap({ Int($0) }).flatMap({ ch.row(id: $0) }) {
                    let cc = DatasetWriter.cells(ch, row: childRow, store: store)
                    childName = cc["name"] ?? ""
                    let phone = unmask ? (cc["guardian_phone"] ?? "") : mask(phone: cc["guardian_phone"] ?? "")
                    childContact = [cc["guardian"] ?? "", phone].filter { !$0.isEmpty }.joined(separator: " ")
                }
                note = pc["note"] ?? ""
            }
            let phone = unmask ? (c["phone"] ?? "") : mask(phone: c["phone"] ?? "")
            rows.append([c["name"] ?? "", [c["org"] ?? "", c["title"] ?? ""].filter { !$0.isEmpty }.joined(separator: " "), phone,
                         childName, c["community"] ?? "", childContact, note])
        }
        return csv(header: Form.mothers.headers, rows: rows)
    }

    static func mask(phone: String) -> String {
        let chars = Array(phone)
        guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + "****" + String(chars.suffix(4))
    }

    static func mask(address: String) -> String { address.isEmpty ? "" : String(address.prefix(4)) + "****" }
}
