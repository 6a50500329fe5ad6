// Results and forms as Excel workbooks (.xlsx), through the Workbook module: a query
// result (`--format xlsx --out F.xlsx`, `.export QUERY F.xlsx`), a form laid out as the
// notice prints it (`mql export 附件N --out F.xlsx`), and any titled table a report
// wants to hand out (`write(titleLines:headings:rows:)`). Values keep their types:
// numbers as numbers, dates as dates, booleans as booleans; personal data masked as in
// every format unless --unmask.

import Engine
import Foundation
import MQL
import Workbook

enum WorkbookOutput {
    /// A line above a table's headings.
    enum TitleLine {
        /// Plain text in the first cell (`附件2`).
        case note(String)
        /// Large and bold, centred across the table (the form's title).
        case title(String)
        /// One text at the left and one further right, as `街道妇联（盖章）：… 日期：…`;
        /// `rightColumn` is 0-based.
        case split(left: String, right: String, rightColumn: Int)
    }

    /// One sheet laid out as a printed table: the title lines, the bold headings (frozen,
    /// and repeated at the top of every printed page), the rows, and closing lines whose
    /// first cell holds the text and the rest stay empty for writing in.
    static func sheet(name: String, titleLines: [TitleLine] = [], headings: [String], rows: [[CellValue]], closingLines: [String] = []) -> WorkbookSheet {
        let width = max(1, headings.count, rows.map(\.count).max() ?? 0)
        var cells: [[WorkbookCell]] = []
        var merged: [CellRange] = []
        var ignored: Set<Int> = []
        func range(_ row: Int, _ from: Int, _ to: Int) -> CellRange {
            CellRange(first: CellReference(column: from + 1, row: row), last: CellReference(column: to + 1, row: row))
        }
        for line in titleLines {
            let r = cells.count + 1
            ignored.insert(r)
            switch line {
            case .note(let text):
                cells.append([WorkbookCell.text(text, style: .plain)])
            case .title(let text):
                cells.append([WorkbookCell.text(text, style: .title)])
                if width > 1 { merged.append(range(r, 0, width - 1)) }
            case .split(let left, let right, let column):
                let at = min(max(1, column), width - 1)
                var row = [WorkbookCell](repeating: WorkbookCell(.empty, style: .plain), count: max(width, at + 1))
                row[0] = WorkbookCell.text(left, style: .plain)
                row[at] = WorkbookCell.text(right, style: .plain)
                cells.append(row)
                if at > 1 { merged.append(range(r, 0, at - 1)) }
                if at < width - 1 { merged.append(range(r, at, width - 1)) }
            }
        }
        let headingRow = cells.count + 1
        cells.append(headings.map { WorkbookCell.text($0, style: .heading) })
        for row in rows {
            var line = row.map { WorkbookCell($0) }
            if line.count < headings.count { line += [WorkbookCell](repeating: WorkbookCell(.empty), count: headings.count - line.count) }
            cells.append(line)
        }
        for text in closingLines {
            let r = cells.count + 1
            ignored.insert(r)
            var line = [WorkbookCell.text(text, style: .heading)]
            line += [WorkbookCell](repeating: WorkbookCell(.empty), count: width - 1)
            cells.append(line)
            if width > 2 { merged.append(range(r, 1, width - 1)) }
        }
        var sheet = WorkbookSheet(name: name, rows: cells)
        sheet.merged = merged
        sheet.frozenRows = headingRow
        sheet.printTitleRows = headingRow...headingRow
        sheet.rowsIgnoredForWidth = ignored
        return sheet
    }

    /// A workbook of one titled table: what a report renderer calls for
    /// `--format xlsx` (see docs/design.md).
    static func write(sheetName: String = "Sheet1", titleLines: [TitleLine] = [], headings: [String], rows: [[CellValue]], closingLines: [String] = []) throws -> [UInt8] {
        try WorkbookWriter.write([sheet(name: sheetName, titleLines: titleLines, headings: headings, rows: rows, closingLines: closingLines)])
    }

    /// A value of a result as a typed cell (masked as the writer says).
    static func cell(_ value: Value, _ column: ResultColumn, writer: OutputWriter) -> CellValue {
        switch value {
        case .null: return .empty
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(Double(i))
        case .number(let d): return d.isFinite ? .number(d) : .text(writer.cell(value, column))
        case .date(let d):
            let c = CivilDate.components(d)
            return .date(WorkbookDate(year: c.year, month: c.month, day: c.day))
        case .text, .duration, .set:
            let text = writer.cell(value, column)
            return text.isEmpty ? .empty : .text(text)
        }
    }

    /// A query result as a sheet: the column names as headings, typed cells.
    static func sheet(_ result: QueryResult, name: String, writer: OutputWriter) -> WorkbookSheet {
        sheet(name: name, headings: result.columns.map(\.name),
              rows: result.rows.map { row in zip(result.columns, row).map { cell($1, $0, writer: writer) } })
    }

    /// The results of a run, one sheet each (Sheet1, Sheet2, …); a count or a single value
    /// is a one-cell table.
    static func workbook(_ outcomes: [StatementOutcome], writer: OutputWriter) throws -> [UInt8] {
        var sheets: [WorkbookSheet] = []
        for outcome in outcomes {
            let name = "Sheet\(sheets.count + 1)"
            switch outcome {
            case .rows(let result): sheets.append(sheet(result, name: name, writer: writer))
            case .value(let v, let column): sheets.append(sheet(QueryResult(columns: [column], rows: [[v]]), name: name, writer: writer))
            case .count(let n): sheets.append(sheet(name: name, headings: ["count"], rows: [[.number(Double(n))]]))
            case .changed, .done: continue
            }
        }
        if sheets.isEmpty { sheets.append(sheet(name: "Sheet1", headings: [], rows: [])) }
        return try WorkbookWriter.write(sheets)
    }

    /// A form laid out as printed.
    static func form(_ document: FormDocument) throws -> [UInt8] {
        var lines: [TitleLine] = [.note(document.number), .title(document.title)]
        if document.headerLeft != nil || document.headerRight != nil {
            lines.append(.split(left: document.headerLeft ?? "", right: document.headerRight ?? "", rightColumn: document.headerRightColumn))
        }
        let rows: [[CellValue]] = document.rows.map { row in
            row.map { cell in
                switch cell {
                case .text(let s): return s.isEmpty ? .empty : .text(s)
                case .int(let i): return .number(Double(i))
                case .date(let d):
                    let c = CivilDate.components(d)
                    return .date(WorkbookDate(year: c.year, month: c.month, day: c.day))
                }
            }
        }
        var sheet = sheet(name: document.number, titleLines: lines, headings: document.headings, rows: rows,
                          closingLines: document.closing.map { [$0] } ?? [])
        sheet.landscape = document.form != .streets
        return try WorkbookWriter.write([sheet])
    }

    /// Why a workbook could not be written, in the user's language.
    static func describe(_ error: Error) -> String {
        if let error = error as? WorkbookError, case .beyondExcelLimits = error { return TabularInput.message(error) }
        return ReplMessage.workbookCannotWrite("\(error)")
    }

    /// Whether a path names a workbook (by its extension).
    static func isWorkbook(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".xlsx") || lower.hasSuffix(".xlsm")
    }
}
