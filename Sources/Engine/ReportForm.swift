// A street's bi-monthly report (双月报, 四(四)) as the street sends it: one sheet with the
// report — 期次, 报送日期, 成效, 经验, 存在问题, one row per period — and, below it, an
// optional section headed 先进典型 whose rows name the exemplary pairings — 妈妈姓名,
// 儿童姓名 (or 结对编号), 事迹, and 期次 when the sheet reports more than one period. Each
// column is found by its heading, so the form is read the same from CSV or a workbook;
// this file only maps headings to fields (FormImporter reads the file and reports).
//
// A period already reported by the street is updated (a corrected report replaces the
// old text); its exemplars are added unless the same pairing and 事迹 are already there,
// so importing the same file twice changes nothing.

public enum ReportForm {
    public static let headers = ["期次", "报送日期", "成效", "经验", "存在问题"]
    /// The section of exemplars starts at the row holding this heading.
    public static let exemplarHeaders = ["期次", "结对编号", "妈妈姓名", "儿童姓名", "事迹"]
    static let exemplarNote = "事迹"

    /// `2019-10`, `2019.10`, `2019/10`, `2019年10月`, `2019-10-25`: the period `YYYY-MM`, nil
    /// when the text names no year and month.
    public static func period(_ text: String) -> (year: Int, month: Int)? {
        let numbers = wholeNumbers(in: text)
        guard numbers.count >= 2, (1990...2100).contains(numbers[0]), (1...12).contains(numbers[1]) else { return nil }
        return (numbers[0], numbers[1])
    }

    /// `2019-10-24`, `2019/10/24`, `2019.10.24`, `2019年10月24日`.
    public static func date(_ text: String) -> Int32? {
        let numbers = wholeNumbers(in: text)
        guard numbers.count == 3, CivilDate.isValid(year: numbers[0], month: numbers[1], day: numbers[2]) else { return nil }
        return CivilDate.days(year: numbers[0], month: numbers[1], day: numbers[2])
    }

    static func wholeNumbers(in text: String) -> [Int] {
        var numbers: [Int] = []
        var current = ""
        for ch in text + " " {
            if let digit = ch.wholeNumberValue, digit < 10, current.count < 6 { current.append(String(digit)) } else {
                if !current.isEmpty { numbers.append(Int(current) ?? -1) }
                current = ""
            }
        }
        return numbers
    }

    static func format(_ period: (year: Int, month: Int)) -> String {
        (period.year < 1000 ? String(repeating: "0", count: 4 - String(period.year).count) : "") + "\(period.year)-" + (period.month < 10 ? "0" : "") + "\(period.month)"
    }

    static func read(_ records: [(line: Int, cells: [String])], _ column: (String) -> Int?, street: String, store: Store, today: Int32, into result: inout FormImport) {
        guard let reports = store.table("reports"), let exemplars = store.table("exemplars") else { return }
        // The report rows end where the 先进典型 section begins: its title row, or its
        // heading row (the one holding 事迹).
        let sectionStart = records.firstIndex { record in
            record.cells.contains(exemplarNote) || record.cells.first(where: { !$0.isEmpty })?.hasPrefix("先进典型") == true
        } ?? records.count
        var nextReport = reports.nextFreeID
        var reportOfPeriod: [String: (key: String, line: Int, isNew: Bool)] = [:]
        var existingExemplars = Set<String>()
        for (line, cells) in records[..<sectionStart] {
            func cell(_ name: String) -> String { column(name).flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            let periodText = cell("期次")
            if periodText.isEmpty && cell("成效").isEmpty { continue }
            result.rows += 1
            var problems: [String] = []
            var period = ""
            if let p = self.period(periodText) {
                period = format(p)
                if p.month % 2 != 0 { problems.append(EngineMessage.formPeriodNotEven(periodText)) }
                if let first = reportOfPeriod[period] { problems.append(EngineMessage.formPeriodTwice(period, first.line)) }
            } else {
                problems.append(EngineMessage.formPeriodUnreadable(periodText))
            }
            let submittedText = cell("报送日期")
            let submitted = submittedText.isEmpty ? today : date(submittedText)
            if submitted == nil { problems.append(EngineMessage.formSubmittedNotADate(submittedText)) }
            if cell("成效").isEmpty { problems.append(EngineMessage.formResultsMissing()) }
            guard problems.isEmpty, let submitted else {
                result.errors.append(FormRowError(line: line, message: problems.joined(separator: "; "), raw: cells))
                continue
            }
            let fields = ["period": period, "submitted": CivilDate.format(submitted), "results": cell("成效"),
                          "experience": cell("经验"), "problems": cell("存在问题")]
            if let row = existingReport(street: street, period: period, in: reports, store: store) {
                let key = reports.keyText(row: row)
                reportOfPeriod[period] = (key, line, false)
                existingExemplars.formUnion(exemplarKeys(ofReport: row, in: exemplars, store: store))
                result.edits.append(RowEdit(kind: .update, collection: "reports", key: key, cells: fields))
            } else {
                let key = String(nextReport)
                nextReport += 1
                reportOfPeriod[period] = (key, line, true)
                result.edits.append(RowEdit(kind: .insert, collection: "reports", key: key,
                                            cells: fields.merging(["id": key, "street": street]) { $1 }))
            }
        }
        guard sectionStart < records.count else { return }
        // The 先进典型 section: its own heading row, then one exemplar a row.
        let section = records[sectionStart...]
        guard let headingIndex = section.firstIndex(where: { $0.cells.contains(exemplarNote) }) else { return }
        let heading = records[headingIndex].cells
        func exemplarColumn(_ name: String) -> Int? { heading.firstIndex(of: name) }
        var nextExemplar = exemplars.nextFreeID
        for (line, cells) in records[(headingIndex + 1)...] {
            func cell(_ name: String) -> String { exemplarColumn(name).flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            let note = cell(exemplarNote)
            if note.isEmpty && cell("妈妈姓名").isEmpty && cell("儿童姓名").isEmpty && cell("结对编号").isEmpty { continue }
            result.rows += 1
            var problems: [String] = []
            if note.isEmpty { problems.append(EngineMessage.formExemplarWithoutNote()) }
            var report: String?
            let periodText = cell("期次")
            if periodText.isEmpty {
                if reportOfPeriod.count == 1 { report = reportOfPeriod.first!.value.key } else {
                    problems.append(EngineMessage.formExemplarNeedsPeriod())
                }
            } else if let p = period(periodText), let known = reportOfPeriod[format(p)] {
                report = known.key
            } else {
                problems.append(EngineMessage.formExemplarPeriodNotReported(periodText))
            }
            let pairing = self.pairing(id: cell("结对编号"), mother: cell("妈妈姓名"), child: cell("儿童姓名"), street: street, store: store)
            if case .failure(let problem) = pairing { problems.append(problem.message) }
            guard problems.isEmpty, let report, case .success(let pairingKey) = pairing else {
                result.errors.append(FormRowError(line: line, message: problems.joined(separator: "; "), raw: cells))
                continue
            }
            // The same exemplar already recorded for the report: nothing to add.
            if !existingExemplars.insert(report + "\u{0}" + pairingKey + "\u{0}" + note).inserted { continue }
            let key = String(nextExemplar)
            nextExemplar += 1
            result.edits.append(RowEdit(kind: .insert, collection: "exemplars", key: key,
                                        cells: ["id": key, "report": report, "pairing": pairingKey, "note": note]))
        }
    }

    /// The street's reports laid out as the form it fills in (the reports, then the
    /// 先进典型 section): a template for the next period, and a file that imports back
    /// unchanged. No personal data: names of mothers and children only, as 附件3 has.
    public static func export(street: String, store: Store) -> [UInt8] {
        var rows: [[String]] = []
        var exemplarRows: [[String]] = []
        if let reports = store.table("reports"), let exemplars = store.table("exemplars"), let streetRow = store.table("streets")?.row(editKey: street),
           let streetField = reports.schema.fieldIndex("street"), let reportField = exemplars.schema.fieldIndex("report") {
            let pairings = store.table("pairings")
            for row in reports.postings(field: streetField).rows(for: streetRow).map(Int.init).sorted() {
                let c = DatasetWriter.cells(reports, row: row, store: store)
                rows.append([c["period"] ?? "", c["submitted"] ?? "", c["results"] ?? "", c["experience"] ?? "", c["problems"] ?? ""])
                for exemplar in exemplars.postings(field: reportField).rows(for: row).map(Int.init).sorted() {
                    let e = DatasetWriter.cells(exemplars, row: exemplar, store: store)
                    var mother = "", child = ""
                    if let id = Int(e["pairing"] ?? ""), let pairings, let p = pairings.row(id: id) {
                        let pc = DatasetWriter.cells(pairings, row: p, store: store)
                        mother = name(of: "mothers", id: pc["mother"], store: store)
                        child = name(of: "children", id: pc["child"], store: store)
                    }
                    exemplarRows.append([c["period"] ?? "", e["pairing"] ?? "", mother, child, e["note"] ?? ""])
                }
            }
        }
        var text = FormExporter.csv(header: headers, rows: rows)
        text += Array("\r\n先进典型\r\n".utf8)
        text += FormExporter.csv(header: exemplarHeaders, rows: exemplarRows).dropFirst(3)
        return text
    }

    static func name(of collection: String, id: String?, store: Store) -> String {
        guard let table = store.table(collection), let id = id.flatMap({ Int($0) }), let row = table.row(id: id),
              let field = table.schema.fieldIndex("name") else { return "" }
        return DatasetWriter.cell(table, row: row, field: field, store: store)
    }

    static func existingReport(street: String, period: String, in reports: Table, store: Store) -> Int? {
        guard let streetField = reports.schema.fieldIndex("street"), let periodField = reports.schema.fieldIndex("period"),
              let streetRow = store.table("streets")?.row(editKey: street) else { return nil }
        return reports.postings(field: streetField).rows(for: streetRow).map(Int.init).first {
            DatasetWriter.cell(reports, row: $0, field: periodField, store: store) == period
        }
    }

    static func exemplarKeys(ofReport report: Int, in exemplars: Table, store: Store) -> [String] {
        guard let reportField = exemplars.schema.fieldIndex("report") else { return [] }
        return exemplars.postings(field: reportField).rows(for: report).map { row in
            let cells = DatasetWriter.cells(exemplars, row: Int(row), store: store)
            return (cells["report"] ?? "") + "\u{0}" + (cells["pairing"] ?? "") + "\u{0}" + (cells["note"] ?? "")
        }
    }

    /// The pairing an exemplar names: by 结对编号, else by the child's name (and the
    /// mother's) among the street's pairings; "" for an exemplar of no one pairing.
    static func pairing(id: String, mother: String, child: String, street: String, store: Store) -> Result<String, ChangeError> {
        guard let pairings = store.table("pairings"), let children = store.table("children"), let mothers = store.table("mothers"),
              let childField = pairings.schema.fieldIndex("child"), let motherField = pairings.schema.fieldIndex("mother"),
              let untilField = pairings.schema.fieldIndex("until"),
              let childStreet = children.schema.fieldIndex("street"), let childName = children.schema.fieldIndex("name"),
              let motherName = mothers.schema.fieldIndex("name") else { return .success("") }
        func childOf(_ row: Int) -> Int? { DatasetWriter.cell(pairings, row: row, field: childField, store: store).isEmpty ? nil
            : Int(DatasetWriter.cell(pairings, row: row, field: childField, store: store)).flatMap { children.row(id: $0) } }
        func inStreet(_ row: Int) -> Bool { childOf(row).map { DatasetWriter.cell(children, row: $0, field: childStreet, store: store) == street } ?? false }
        if !id.isEmpty {
            guard let n = Int(id), let row = pairings.row(id: n), inStreet(row) else {
                return .failure(ChangeError(EngineMessage.formExemplarPairingNotInStreet(id, street)))
            }
            return .success(String(n))
        }
        if child.isEmpty && mother.isEmpty { return .success("") }
        var matches: [Int] = []
        for row in 0..<pairings.rowCount where inStreet(row) {
            guard let c = childOf(row), child.isEmpty || DatasetWriter.cell(children, row: c, field: childName, store: store) == child else { continue }
            if !mother.isEmpty {
                let m = Int(DatasetWriter.cell(pairings, row: row, field: motherField, store: store)).flatMap { mothers.row(id: $0) }
                guard let m, DatasetWriter.cell(mothers, row: m, field: motherName, store: store) == mother else { continue }
            }
            matches.append(row)
        }
        // A child paired twice (a pairing ended, a new one begun): the pairing still running.
        if matches.count > 1 {
            let running = matches.filter { DatasetWriter.cell(pairings, row: $0, field: untilField, store: store).isEmpty }
            if running.count == 1 { matches = running }
        }
        let who = [mother, child].filter { !$0.isEmpty }.joined(separator: "—")
        guard !matches.isEmpty else { return .failure(ChangeError(EngineMessage.formExemplarNoPairing(who, street))) }
        guard matches.count == 1 else { return .failure(ChangeError(EngineMessage.formExemplarAmbiguous(who, matches.count, street))) }
        return .success(pairings.keyText(row: matches[0]))
    }
}
