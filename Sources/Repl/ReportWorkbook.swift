// A report as an Excel workbook (`mql report --format xlsx --out F.xlsx`): what a street
// keeps as its 台账 and the district files. The first sheet is the ledger — the report's
// title and window above it, its rows, then the district total under the same columns;
// every other section follows on a sheet of its own. Like the other renderers it knows
// the sections' roles by name (`rows`, `total`) and nothing of their columns.

import Engine
import MQL
import Workbook

extension ReportRenderer {
    func workbook() throws -> [UInt8] {
        let w = OutputWriter(format: .csv, unmask: unmask)
        let window = ReplMessage.reportWindow(report.period.text, CivilDate.format(report.windowStart), CivilDate.format(report.windowEnd))
        var sheets: [WorkbookSheet] = []
        var usedNames: Set<String> = []
        func sheetName(_ section: ReportSection) -> String {
            // Excel's limits: 31 characters, none of []:*?/\ and unique in the workbook.
            var name = String(String((section.title ?? section.name).filter { !"[]:*?/\\".contains($0) }).prefix(31))
            if name.isEmpty || usedNames.contains(name) { name = String(section.name.prefix(31)) }
            usedNames.insert(name)
            return name
        }
        func cells(_ result: QueryResult, columns: [ResultColumn]) -> [[CellValue]] {
            result.rows.map { row in
                columns.map { column in
                    guard let i = result.columns.firstIndex(where: { $0.name == column.name }) else { return .empty }
                    return WorkbookOutput.cell(row[i], result.columns[i], writer: w)
                }
            }
        }
        if let ledger = report.section(Self.rowsSection) {
            var rows = cells(ledger.result, columns: ledger.result.columns)
            if let total = report.section(Self.totalSection) { rows += cells(total.result, columns: ledger.result.columns) }
            var titleLines: [WorkbookOutput.TitleLine] = []
            if let title = report.title { titleLines.append(.title(title)) }
            titleLines.append(.note(window))
            sheets.append(WorkbookOutput.sheet(name: sheetName(ledger), titleLines: titleLines,
                                               headings: ledger.result.columns.map { report.headings[$0.name] ?? $0.name }, rows: rows))
        }
        for section in report.sections where section.name != Self.rowsSection && section.name != Self.totalSection {
            sheets.append(WorkbookOutput.sheet(name: sheetName(section), titleLines: [.title(section.title ?? section.name), .note(window)],
                                               headings: section.result.columns.map { report.headings[$0.name] ?? $0.name },
                                               rows: cells(section.result, columns: section.result.columns)))
        }
        if sheets.isEmpty { sheets.append(WorkbookOutput.sheet(name: "Sheet1", titleLines: [.note(window)], headings: [], rows: [])) }
        return try WorkbookWriter.write(sheets)
    }
}
