// `mql import FORM FILE --street S` and `mql export FORM --street S --out FILE`: the
// notice's forms (附件1/2/3) in and out of the dataset, for staff who keep them in Excel.

import ArgumentParser
import Engine
import Foundation
import MQL

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the rows of a form (附件1, 附件2, 附件3 or a street's 双月报, as CSV in UTF-8 or GB18030) — all or nothing."
    )

    @OptionGroup var session: SessionOptions

    @Argument(help: "The form: 附件1 (streets and quotas), 附件2 (children of a street), 附件3 (mothers and pairings) or 双月报 (a street's bi-monthly report and its 先进典型).")
    var form: String

    @Argument(help: "The form saved as CSV.")
    var file: String

    @Option(name: .long, help: "The street the form is from (附件2, 附件3, 双月报).")
    var street: String?

    @Option(name: .long, help: "Add the good rows and write the bad ones to this CSV file.")
    var skipBad: String?

    @Flag(name: .long, help: "Check the form and report, changing nothing.")
    var dryRun = false

    func validate() throws {
        guard Form.named(form) != nil else { throw ValidationError("unknown form '\(form)': use 附件1, 附件2, 附件3 or 双月报") }
    }

    func run() throws {
        let session = self.session.makeSession()
        let ok = FormImportRunner.run(session: session, form: Form.named(form)!, path: file, street: street, skipBad: skipBad, dryRun: dryRun)
        if !ok { throw ExitCode(1) }
    }
}

enum FormImportRunner {
    /// Imports a form, reporting on stderr; returns whether it succeeded.
    static func run(session: Session, form: Form, path: String, street: String?, skipBad: String?, dryRun: Bool) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else {
            Terminal.error("\(path): error: " + ReplMessage.cannotReadFile())
            return false
        }
        if form != .streets, let street, session.store.table("streets")?.row(editKey: street) == nil {
            Terminal.error("error: " + Messages.current.notAStreet(street, suggestion: StreetNames.likelyMeant(street, in: session.store)))
            return false
        }
        let result: FormImport
        do {
            result = try FormImporter.read(form, bytes: [UInt8](data), street: street, store: session.store, today: session.today)
        } catch {
            Terminal.error("\(path): error: \(error)")
            return false
        }
        for error in result.errors { Terminal.error("\(path):\(error.line): error: \(error.message)") }
        for (line, text) in result.unmapped {
            Terminal.error("\(path):\(line): note: " + ReplMessage.reasonNotMapped(text))
        }
        if !result.errors.isEmpty {
            guard let skipBad else {
                Terminal.error("\(path): " + ReplMessage.badRowsNothingImported(result.errors.count, result.rows, result.errors.count == 1 ? "" : "s"))
                return false
            }
            let bad = FormExporter.csv(header: result.header + ["错误"], rows: result.errors.map { $0.raw + [$0.message] })
            do { try DatasetWriter.writeAtomically(bad, to: skipBad) } catch {
                Terminal.error("\(skipBad): error: \(error)")
                return false
            }
        }
        // A dry run checks what the real run checks, constraints included, on a copy.
        let applied: [RowEdit]
        do {
            applied = try session.apply(result.edits, description: "import \(form.rawValue) \(path)" + (street.map { " --street \($0)" } ?? ""), dryRun: dryRun)
        } catch let error as DiagnosticError {
            for d in error.diagnostics { Terminal.error("\(path): error: \(d.message)") }
            if dryRun { Terminal.error("\(path): " + Messages.current.dryRunRefused) }
            return false
        } catch {
            Terminal.error("\(path): error: \(error)")
            return false
        }
        let good = result.rows - result.errors.count
        if dryRun {
            Terminal.error("\(path): " + Messages.current.wouldImport(good, of: result.rows, changes: applied.count))
            return result.errors.isEmpty
        }
        Terminal.error("\(path): " + Messages.current.imported(good, of: result.rows, changes: applied.count) + (skipBad.map { ReplMessage.badRowsIn($0) } ?? ""))
        return true
    }
}

enum StreetNames {
    /// The street a `--street` value most likely meant: the name without 街道 (forms write
    /// 布吉街道, the data 布吉), else the nearest name.
    static func likelyMeant(_ given: String, in store: Store) -> String? {
        guard let streets = store.table("streets") else { return nil }
        let names = (0..<streets.rowCount).map { streets.keyText(row: $0) }
        let short = given.replacingOccurrences(of: "街道", with: "").trimmingCharacters(in: .whitespaces)
        if names.contains(short) { return short }
        return HeaderCheck.suggestion(for: short, among: names)
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write 附件2, 附件3 or the 双月报 of a street, or any query, as CSV for Excel (BOM, formulas neutralised)."
    )

    @OptionGroup var session: SessionOptions

    @Argument(help: "附件2, 附件3, 双月报, or an MQL query or collection name.")
    var what: String

    @Option(name: .long, help: "The street (附件2, 附件3, 双月报).")
    var street: String?

    @Option(name: .long, help: "Output file.")
    var out: String

    func run() throws {
        let session = self.session.makeSession()
        if !FormExportRunner.run(session: session, what: what, street: street, path: out, unmask: self.session.unmask) { throw ExitCode(1) }
    }
}

enum FormExportRunner {
    static func run(session: Session, what: String, street: String?, path: String, unmask: Bool) -> Bool {
        let bytes: [UInt8]
        if let form = Form.named(what), form != .streets {
            guard let street else {
                Terminal.error("error: " + ReplMessage.exportNeedsStreet(form.rawValue))
                return false
            }
            guard session.store.table("streets")?.row(editKey: street) != nil else {
                Terminal.error("error: " + Messages.current.notAStreet(street, suggestion: StreetNames.likelyMeant(street, in: session.store)))
                return false
            }
            switch form {
            case .children: bytes = FormExporter.children(street: street, store: session.store, today: session.today, unmask: unmask)
            case .reports: bytes = ReportForm.export(street: street, store: session.store)
            default: bytes = FormExporter.mothers(street: street, store: session.store, today: session.today, unmask: unmask)
            }
        } else {
            let outcomes = session.run(what, name: "<export>")
            guard case .success(.rows(let result))? = outcomes.first, outcomes.count == 1 else {
                if case .failure(let e)? = outcomes.first { Terminal.report(e) } else { Terminal.error("error: " + ReplMessage.exportTakesOneQuery()) }
                return false
            }
            let writer = OutputWriter(format: .csv, unmask: unmask)
            bytes = FormExporter.csv(header: result.columns.map(\.name), rows: result.rows.map { row in
                zip(result.columns, row).map { writer.cell($1, $0) }
            })
        }
        do { try DatasetWriter.writeAtomically(bytes, to: path) } catch {
            Terminal.error("\(path): error: \(error)")
            return false
        }
        return true
    }
}

/// `.import COLLECTION FILE`: rows in the dataset file format (data.md), added as one change.
enum CollectionImportRunner {
    static func run(session: Session, collection: String, path: String) -> Bool {
        guard let table = session.store.table(collection) else {
            Terminal.error("error: " + ReplMessage.unknownCollection(collection))
            return false
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            Terminal.error("\(path): error: " + ReplMessage.cannotReadFile())
            return false
        }
        let records: [(line: Int, cells: [String])]
        do { records = try FormReader.records(FormReader.decode([UInt8](data))) } catch {
            Terminal.error("\(path): error: \(error)")
            return false
        }
        guard let header = records.first?.cells else { return true }
        let problems = HeaderCheck.problems(header, schema: table.schema, requiringFields: false)
        for problem in problems { Terminal.error("\(path):\(records[0].line): error: \(problem)") }
        guard problems.isEmpty else { return false }
        var nextID = table.nextFreeID
        var edits: [RowEdit] = []
        for (line, cells) in records.dropFirst() {
            guard cells.count == header.count else {
                Terminal.error("\(path):\(line): error: " + ReplMessage.wrongColumnCount(header.count, cells.count))
                return false
            }
            var row: [String: String] = [:]
            for (name, value) in zip(header, cells) { row[name] = value }
            if table.isKeyedByID, let given = row["id"], !given.isEmpty {
                // Checked here, so the message has the row's line (see `Session.checkedID`).
                guard let id = RowParser.parseInt(Array(given.utf8)), (1...ProgrammeSchema.maximumID).contains(id) else {
                    Terminal.error("\(path):\(line): error: \(RowParser.idOutOfRange(given))")
                    return false
                }
                if table.row(id: id) == nil, id <= session.store.idHighWater(of: table) {
                    Terminal.error("\(path):\(line): error: \(Store.idUsedBefore(id, collection, next: table.nextFreeID))")
                    return false
                }
            } else if table.isKeyedByID {
                row["id"] = String(nextID)
                nextID += 1
            }
            for field in table.schema.fields where row[field.name] == nil { row[field.name] = "" }
            let key = table.isKeyedByID ? row["id"]! : (collection == "communities" ? "\(row["street"] ?? "")/\(row["name"] ?? "")" : row["name"] ?? "")
            edits.append(RowEdit(kind: .insert, collection: collection, key: key, cells: row))
        }
        do {
            try session.apply(edits, description: ".import \(collection) \(path)")
        } catch let error as DiagnosticError {
            for d in error.diagnostics { Terminal.error("\(path): error: \(d.message)") }
            return false
        } catch {
            Terminal.error("\(path): error: \(error)")
            return false
        }
        Terminal.error("\(path): " + Messages.current.importedInto(edits.count, collection))
        return true
    }
}
