// `.save-test NAME [FILE]`: turns the last query (or count) and its result into a test case
// in the rule-file syntax (docs/language.md, "Tests in rule files"), appended to FILE
// (default saved_tests.mql), so that what an analyst just checked by hand keeps being
// checked by `mql test FILE`.
//
// The test cannot carry the whole dataset, so it gives a sample: up to 8 rows the query
// matched and up to 4 it did not, plus the rows they need — the pairings of a child or
// mother, the visits of those pairings, and everything they refer to (their mother, child,
// street). Of their fields it keeps the keys, the references and those that the rule files
// or the query mention by name; personal fields (phones, addresses) are left out. The expectations are worked
// out on that sample, not copied from the full result: the row count, and the value of
// each define or rule the query selects (or filters on alone) for each sampled row. Before
// anything is written the test is run as `mql test` would run it — rule files only, their
// own params — and a test that would fail is not saved.

import Engine
import Foundation
import MQL

/// The last query or count the runner ran, for `.save-test`.
struct LastQuery {
    let query: Query
    let isCount: Bool
}

struct TestBuilder {
    let session: Session
    let messages: Messages

    /// TUNING: enough rows to show the rule at work, few enough to read in a rule file.
    static let matchingSample = 5
    static let nonMatchingSample = 3
    /// TUNING: a test needing more rows than this is a dataset, not a test case.
    static let maximumRows = 300

    struct Built {
        let text: String
        let givens: Int
        let expectations: Int
        let matched: Int
        let kept: Int
    }

    struct Failure: Error { let message: String }

    /// Names used by the rule files and the query: the stored fields worth giving.
    let mentioned: Set<String>

    init(session: Session, messages: Messages, query: Query) {
        self.session = session
        self.messages = messages
        var names = Set<String>()
        let texts = session.catalog.files.map(\.text) + [Printer.query(query)]
        for text in texts {
            for token in Lexer.tokenize(SourceFile(name: "", text: text)).tokens {
                if case .identifier(let name) = token.kind { names.insert(name) }
            }
        }
        mentioned = names
    }

    /// Whether a stored field goes into the test: keys, references, and mentioned fields.
    func keeps(_ table: Table, field i: Int) -> Bool {
        let field = table.schema.fields[i]
        guard field.masking == .none else { return false }
        if table.schema.key.contains(field.name) || field.required { return true }
        if case .reference = field.type { return true }
        return mentioned.contains(field.name)
    }

    /// Rows chosen per collection, by row number.
    typealias Selection = [String: Set<Int>]

    func build(name: String, from last: LastQuery) throws -> Built {
        let q = last.query
        guard case .name(let collection) = q.source.kind, let table = session.store.table(collection) else {
            throw Failure(message: messages.saveTestNeedsCollection)
        }
        let filter = q.filter.map { Printer.expr($0) }
        let matching = try keys(collection, where: filter)
        let others = filter == nil ? [] : try keys(collection, where: "not (\(filter!))", limit: TestBuilder.nonMatchingSample)
        let sampleKeys = Array(matching.prefix(TestBuilder.matchingSample)) + others
        var selection: Selection = [:]
        for key in sampleKeys { for row in rows(of: table, key: key) { selection[collection, default: []].insert(row) } }
        expand(&selection)
        let total = selection.values.reduce(0) { $0 + $1.count }
        guard total <= TestBuilder.maximumRows else {
            throw Failure(message: messages.saveTestFails("the sample needs \(total) rows (at most \(TestBuilder.maximumRows))"))
        }

        let small = try sampleStore(selection)
        // The rules as `mql test` will load them: the rule files with their own params.
        let rules: Catalog
        do {
            rules = try RuleFiles.catalog(from: session.catalog.files, store: small)
        } catch {
            throw Failure(message: messages.saveTestFails("\(error)"))
        }
        let sampleSession = Session(store: small, catalog: rules, today: session.today)
        var expectations: [String] = []
        let countText = last.isCount ? Printer.query(q) : collection + (filter.map { " where " + $0 } ?? "")
        switch sampleSession.run("count " + countText, name: "<save-test>").first {
        case .success(.count(let n))?:
            expectations.append("expect count \(countText) = \(n)")
        case .failure(let e)?:
            throw Failure(message: messages.saveTestFails(e.diagnostics.map(\.message).joined(separator: "; ")))
        default:
            throw Failure(message: messages.saveTestFails("the count does not run on the sample"))
        }
        expectations += try valueExpectations(q, collection: collection, table: table, sample: sampleSession,
                                              matchingKeys: Array(matching.prefix(TestBuilder.matchingSample)), otherKeys: others)

        var lines = ["test \(Printer.quote(name)) {", "    given today \(CivilDate.format(session.today))"]
        let givens = givenLines(selection)
        lines += givens.map { "    " + $0 }
        lines += expectations.map { "    " + $0 }
        lines.append("}")
        return Built(text: lines.joined(separator: "\n") + "\n", givens: givens.count, expectations: expectations.count,
                     matched: matching.count, kept: min(matching.count, TestBuilder.matchingSample))
    }

    // MARK: - Choosing rows

    func keyExpression(_ table: Table) -> String {
        table.isKeyedByID ? "id" : (table.name == "communities" ? "street, name" : "name")
    }

    /// Keys of the rows of `collection` matching `filter`, in the collection's order.
    func keys(_ collection: String, where filter: String?, limit: Int? = nil) throws -> [[Value]] {
        let table = session.store.table(collection)!
        var text = collection + (filter.map { " where " + $0 } ?? "") + " select " + keyExpression(table)
        if let limit { text += " limit \(limit)" }
        switch session.run(text, name: "<save-test>").first {
        case .success(.rows(let r))?: return r.rows
        case .failure(let e)?: throw Failure(message: e.diagnostics.first?.message ?? "error")
        default: return []
        }
    }

    func rows(of table: Table, key: [Value]) -> [Int] {
        if table.isKeyedByID, case .int(let id)? = key.first { return table.row(id: id).map { [$0] } ?? [] }
        if table.name == "communities", key.count == 2 {
            return table.rows(keyText: key[1].description).map(Int.init).filter { row in
                if case .reference(let street)? = table.column(named: "street"), let streets = session.store.table("streets") {
                    return street.rows[row] >= 0 && streets.keyText(row: Int(street.rows[row])) == key[0].description
                }
                return false
            }
        }
        return table.rows(keyText: key.first?.description ?? "").map(Int.init)
    }

    /// Adds what the chosen rows need: pairings of chosen children and mothers, visits of
    /// chosen pairings, then everything referred to, transitively.
    func expand(_ selection: inout Selection) {
        func referrers(from source: String, field: String, to target: String) {
            guard let table = session.store.table(source), case .reference(let refs)? = table.column(named: field),
                  let targets = selection[target], !targets.isEmpty else { return }
            for row in 0..<table.rowCount where refs.rows[row] >= 0 && targets.contains(Int(refs.rows[row])) {
                selection[source, default: []].insert(row)
            }
        }
        referrers(from: "pairings", field: "child", to: "children")
        referrers(from: "pairings", field: "mother", to: "mothers")
        referrers(from: "visits", field: "pairing", to: "pairings")
        var changed = true
        while changed {
            changed = false
            for table in session.store.tables {
                guard let chosen = selection[table.name] else { continue }
                for (i, field) in table.schema.fields.enumerated() {
                    guard case .reference(let target) = field.type, case .reference(let refs) = table.columns[i] else { continue }
                    for row in chosen where refs.rows[row] >= 0 {
                        if selection[target, default: []].insert(Int(refs.rows[row])).inserted { changed = true }
                    }
                }
            }
        }
    }

    // MARK: - Writing rows

    /// A stored field's value as an MQL literal, nil for null or personal data.
    func literal(_ table: Table, field: Int, row: Int) -> String? {
        guard keeps(table, field: field), !table.columns[field].isNull(at: row) else { return nil }
        switch table.columns[field] {
        case .int(let c): return String(c.values[row])
        case .date(let c): return CivilDate.format(c.values[row])
        case .text(let c): return c.text(at: row).map(Printer.quote)
        case .textSet(let c): return "[" + c.texts(at: row).map(Printer.quote).joined(separator: ", ") + "]"
        case .reference(let c):
            guard let target = session.store.table(c.target) else { return nil }
            let key = target.keyText(row: Int(c.rows[row]))
            return target.isKeyedByID ? key : Printer.quote(key)
        }
    }

    /// `given C {…}` lines in load order. Communities are made by `mql test` from the
    /// rows that name them, so they are written only when they are what the query asks.
    func givenLines(_ selection: Selection) -> [String] {
        var lines: [String] = []
        for table in session.store.tables {
            guard let rows = selection[table.name], !rows.isEmpty else { continue }
            if table.name == "communities" && selection.keys.contains(where: { $0 != "communities" && $0 != "streets" }) { continue }
            for row in rows.sorted() {
                let fields = table.schema.fields.indices.compactMap { i in
                    literal(table, field: i, row: row).map { "\(table.schema.fields[i].name): \($0)" }
                }
                lines.append("given \(table.name) {" + fields.joined(separator: ", ") + "}")
            }
        }
        return lines
    }

    /// The chosen rows as a dataset, loaded the way `mql test` loads given rows.
    func sampleStore(_ selection: Selection) throws -> Store {
        var files: [String: [UInt8]] = [:]
        for table in session.store.tables {
            var text = table.schema.fields.map(\.name).joined(separator: ",") + "\n"
            for row in (selection[table.name] ?? []).sorted() {
                text += table.schema.fields.indices.map { i -> String in
                    guard keeps(table, field: i), !table.columns[i].isNull(at: row) else { return "" }
                    switch table.columns[i] {
                    case .int(let c): return String(c.values[row])
                    case .date(let c): return CivilDate.format(c.values[row])
                    case .text(let c): return csv(c.text(at: row) ?? "")
                    case .textSet(let c): return csv(c.texts(at: row).joined(separator: ";"))
                    case .reference(let c): return csv(session.store.table(c.target)?.keyText(row: Int(c.rows[row])) ?? "")
                    }
                }.joined(separator: ",") + "\n"
            }
            files[table.name] = Array(text.utf8)
        }
        do {
            return try DatasetLoader.load(files: files, directory: "sample")
        } catch {
            throw Failure(message: messages.saveTestFails("the sample does not load: \(error)"))
        }
    }

    func csv(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    // MARK: - Expectations

    /// `expect NAME of C KEY = VALUE` for the defines and rules the query selects, or the
    /// one it filters on alone (`children where eligible`), on the sampled rows.
    func valueExpectations(_ q: Query, collection: String, table: Table, sample: Session,
                           matchingKeys: [[Value]], otherKeys: [[Value]]) throws -> [String] {
        guard table.isKeyedByID || table.name == "streets" else { return [] }
        func defineName(_ e: Expr) -> String? {
            if case .name(let n) = e.kind, let info = sample.catalog.define(collection, n), info.kind != .constraint { return n }
            return nil
        }
        var names = (q.select ?? []).compactMap { defineName($0.expr) }
        var keys = matchingKeys
        if let filter = q.filter {
            var inner = filter
            if case .unary(.not, let operand) = filter.kind { inner = operand }
            if let n = defineName(inner) {
                if !names.contains(n) { names.insert(n, at: 0) }
                keys += otherKeys
            }
        }
        names = Array(names.prefix(4))
        guard !names.isEmpty, !keys.isEmpty else { return [] }
        let keyName = keyExpression(table)
        let text = "\(collection) select \(keyName), " + names.joined(separator: ", ")
        guard case .success(.rows(let r))? = sample.run(text, name: "<save-test>").first else { return [] }
        var byKey: [String: [Value]] = [:]
        for row in r.rows { byKey[row[0].description] = Array(row.dropFirst()) }
        var out: [String] = []
        for key in keys {
            guard let values = byKey[key[0].description] else { continue }
            let keyText = table.isKeyedByID ? key[0].description : Printer.quote(key[0].description)
            for (name, value) in zip(names, values) {
                out.append("expect \(name) of \(collection) \(keyText) = \(show(value))")
            }
        }
        return out
    }

    func show(_ v: Value) -> String {
        switch v {
        case .text(let s): return Printer.quote(s)
        case .null: return "null"
        case .set(let items): return "[" + items.map(Printer.quote).joined(separator: ", ") + "]"
        default: return v.description
        }
    }

    // MARK: - Checking before saving

    /// Runs the test as `mql test` would: the rule files alone (their own params), the
    /// test added as one more file. Returns the failures, empty when it passes.
    func verify(_ text: String, fileName: String) -> [String] {
        let testFile = SourceFile(name: fileName, text: text)
        do {
            let catalog = try RuleFiles.catalog(from: session.catalog.files + [testFile], store: session.store)
            let tests = catalog.tests.filter { $0.file === testFile }
            let report = TestRunner(catalog: catalog, today: session.today).run(tests)
            return report.failures.map(\.message)
        } catch let error as DiagnosticError {
            return error.diagnostics.map(\.message)
        } catch {
            return ["\(error)"]
        }
    }
}

extension ScriptRunner {
    mutating func saveTest(_ args: [String], column: Int) throws {
        var words = args
        guard !words.isEmpty else { throw DotError(column: column, message: messages.saveTestUsage) }
        var path = "saved_tests.mql"
        if words.count >= 2, let last = words.last, last.hasSuffix(".mql") { path = words.removeLast() }
        let name = words.joined(separator: " ")
        guard let last = lastQuery else { throw DotError(column: 1, message: messages.noQueryToSave) }
        let builder = TestBuilder(session: session, messages: messages, query: last.query)
        let built: TestBuilder.Built
        do {
            built = try builder.build(name: name, from: last)
        } catch let failure as TestBuilder.Failure {
            throw DotError(column: column, message: failure.message)
        }
        let failures = builder.verify(built.text, fileName: path)
        guard failures.isEmpty else { throw DotError(column: column, message: messages.saveTestFails(failures.joined(separator: "; "))) }
        let expanded = (path as NSString).expandingTildeInPath
        let existing = FileManager.default.contents(atPath: expanded).map { String(decoding: $0, as: UTF8.self) }
        var text = existing ?? messages.savedTestsHeader + "\n"
        if !text.hasSuffix("\n") { text += "\n" }
        text += "\n" + built.text
        guard FileManager.default.createFile(atPath: expanded, contents: Data(text.utf8)) else {
            throw DotError(column: column, message: messages.cannotWrite(path))
        }
        confirm(messages.savedTest(name, file: path, givens: built.givens, expectations: built.expectations))
        if built.matched > built.kept { confirm(messages.savedSample(kept: built.kept, total: built.matched)) }
    }
}
