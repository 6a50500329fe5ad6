// A table read from a file for import, whatever the file: CSV (UTF-8 or GB18030, see
// FormReader) or a workbook (.xlsx, the first sheet or a named one, merged cells filled).
// Either way the rows come out as the text of their cells with their line or row number,
// so the same row parser reads both and they mean the same; positions are written as
// the file's kind writes them: `F.csv:7` or `F.xlsx:Sheet1!C7`. Form imports use it, and
// any other import of tabular data can (`TabularInput.read(path:sheet:)`).

import Engine
import Foundation
import Workbook

struct TabularInput {
    let path: String
    /// The sheet read, for a workbook; nil for CSV.
    let sheet: String?
    let records: [FormRecord]

    /// `F.csv:7`, or for a workbook `F.xlsx:Sheet1!C7` (`column` 0-based; without it, the
    /// row's first cell).
    func location(line: Int, column: Int? = nil) -> String {
        guard let sheet else { return "\(path):\(line)" }
        return "\(path):\(Self.quotedSheet(sheet))!\(CellReference(column: (column ?? 0) + 1, row: line))"
    }

    static func quotedSheet(_ name: String) -> String {
        name.contains(where: { $0.isWhitespace || "'!:".contains($0) }) ? "'" + name.replacingOccurrences(of: "'", with: "''") + "'" : name
    }

    /// Reads a file by its extension. Errors carry the message to print after `PATH: error: `.
    static func read(path: String, sheet: String? = nil) throws(TabularInputError) -> TabularInput {
        guard let data = FileManager.default.contents(atPath: path) else { throw TabularInputError(ReplMessage.cannotReadFile()) }
        let bytes = [UInt8](data)
        if WorkbookOutput.isWorkbook(path) || WorkbookReader.isLegacyExcel(bytes) || WorkbookReader.isZip(bytes) || path.lowercased().hasSuffix(".xls") {
            do {
                let content = try WorkbookReader.read(bytes, sheet: sheet).fillingMergedCells()
                return TabularInput(path: path, sheet: content.name, records: content.rows.map { row in
                    (line: row.number, cells: row.cells.map(cellText))
                })
            } catch let error as WorkbookError {
                throw TabularInputError(message(error))
            } catch {
                throw TabularInputError("\(error)")
            }
        }
        if sheet != nil { throw TabularInputError(ReplMessage.sheetOnlyForWorkbooks()) }
        do {
            return TabularInput(path: path, sheet: nil, records: try FormReader.records(FormReader.decode(bytes)))
        } catch {
            throw TabularInputError("\(error)")
        }
    }

    /// A cell's text for the row parser: dates `YYYY-MM-DD`, whole numbers without `.0`.
    static func cellText(_ value: CellValue) -> String {
        value.text
    }

    /// A workbook problem in the user's language.
    static func message(_ error: WorkbookError) -> String {
        switch error {
        case .legacyExcel: return ReplMessage.workbookLegacyExcel()
        case .notAWorkbook(let why): return ReplMessage.workbookNotAWorkbook(why)
        case .missingPart(let part): return ReplMessage.workbookMissingPart(part)
        case .tooLarge(let part, let limit): return ReplMessage.workbookTooLarge(part, limit / (1 << 20))
        case .sheetTooLarge(let sheet, let limit): return ReplMessage.workbookSheetTooLarge(sheet, limit)
        case .malformedXML(let part, let line, let detail): return ReplMessage.workbookMalformedXML(part, line, detail)
        case .doctypeRefused(let part): return ReplMessage.workbookDoctype(part)
        case .noSuchSheet(let name, let available): return ReplMessage.workbookNoSuchSheet(name, available.joined(separator: ", "))
        case .noSheets: return ReplMessage.workbookNoSheets()
        case .formulaWithoutValue(let sheet, let cell): return ReplMessage.workbookFormulaWithoutValue("\(quotedSheet(sheet))!\(cell)")
        case .errorValue(let sheet, let cell, let value): return ReplMessage.workbookErrorValue("\(quotedSheet(sheet))!\(cell)", value)
        case .badCell(let sheet, let cell, let detail): return ReplMessage.workbookBadCell("\(quotedSheet(sheet))!\(cell)", detail)
        case .beyondExcelLimits(let sheet): return ReplMessage.workbookBeyondExcel(sheet)
        }
    }
}

struct TabularInputError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
