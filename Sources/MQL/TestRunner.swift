// Runs the test cases written in rule files (`mql test`). Each test builds a small dataset
// from its `given` rows — streets and communities they name are created on demand — and
// checks its expectations against the loaded rules. A failure names the file, line and
// column of the expectation, what was expected and what came out.

import Engine

public struct TestFailure: CustomStringConvertible {
    public let file: SourceFile
    public let range: SourceRange
    public let test: String
    public let message: String

    public var description: String {
        let (line, column) = file.location(of: range.start)
        return "\(file.name):\(line):\(column): test \"\(test)\": \(message)"
    }
}

public struct TestReport {
    public var passed = 0
    public var failures: [TestFailure] = []
    /// Rules, by qualified name, and the values they took on the tests' rows.
    public var ruleValues: [String: Set<Bool>] = [:]

    public var failed: Int { failures.count }
}

public struct TestRunner {
    let catalog: Catalog
    let today: Int32

    public init(catalog: Catalog, today: Int32) {
        self.catalog = catalog
        self.today = today
    }

    public func run(_ tests: [TestInfo]) -> TestReport {
        var report = TestReport()
        for info in catalog.ordered where info.kind != .define { report.ruleValues[info.qualifiedName] = [] }
        for test in tests {
            let failures = run(test, report: &report)
            if failures.isEmpty { report.passed += 1 } else { report.failures += failures }
        }
        return report
    }

    func run(_ info: TestInfo, report: inout TestReport) -> [TestFailure] {
        let test = info.test
        func failure(_ range: SourceRange, _ message: String) -> TestFailure {
            TestFailure(file: info.file, range: range, test: test.name, message: message)
        }
        let store: Store
        do {
            store = try buildStore(test)
        } catch let error as GivenError {
            return [failure(error.range, error.message)]
        } catch {
            return [failure(test.range, "\(error)")]
        }
        let session = Session(store: store, catalog: catalog, today: test.today ?? today)
        recordRuleValues(session, today: test.today ?? today, &report)
        var failures: [TestFailure] = []
        for expectation in test.expectations {
            switch expectation {
            case .value(let name, let written, let key, let expectedExpr, let range):
                let collection = ChineseNames.collection(written)
                guard let expected = literal(expectedExpr) else {
                    failures.append(failure(expectedExpr.range, MessageID.testExpectedValueNotLiteral()))
                    continue
                }
                guard let keyValue = literal(key) else {
                    failures.append(failure(key.range, MessageID.testRowKeyNotLiteral()))
                    continue
                }
                let keyText = keyValue.description
                guard let table = store.table(ChineseNames.collection(collection)) else {
                    failures.append(failure(range, Message.unknownCollection(collection, suggestion: nil)))
                    continue
                }
                let rows = table.rows(keyText: keyText)
                guard rows.count == 1 else {
                    failures.append(failure(key.range, MessageID.testNoGivenRow(collection, keyText)))
                    continue
                }
                let keyField = table.isKeyedByID ? "id = \(keyText)" : "name = \(Printer.quote(keyText))"
                let text = "\(collection) where \(keyField) select \(name)"
                switch singleValue(session, text, name: "<test>") {
                case .failure(let problem): failures.append(failure(range, problem.message))
                case .success(let got):
                    if Planner.normalized(got) != Planner.normalized(expected) {
                        failures.append(failure(range, MessageID.testExpectedValue(name, show(expected), show(got))))
                    }
                }
            case .count(let q, let expectedExpr, let range):
                guard case .int(let expected)? = literal(expectedExpr) else {
                    failures.append(failure(expectedExpr.range, MessageID.testExpectedCountNotWhole()))
                    continue
                }
                let text = "count " + Printer.query(q)
                switch session.run(text, name: "<test>").first {
                case .success(.count(let got))?:
                    if got != expected { failures.append(failure(range, MessageID.testExpectedCount(expected, got))) }
                case .failure(let e)?: failures.append(failure(range, e.diagnostics.first?.message ?? "error"))
                default: failures.append(failure(range, MessageID.testNotACount()))
                }
            case .violation(let name, let key, let expected, let range):
                let matching = catalog.constraints.filter { $0.name == name }
                guard let constraint = matching.first else {
                    let names = catalog.constraints.map(\.name)
                    failures.append(failure(range, MessageID.testUnknownConstraint(name) + Message.didYouMean(Suggest.closest(name, among: names))))
                    continue
                }
                let violation = session.violations().first { $0.constraint === constraint }
                var broken = violation?.rows ?? []
                if let key {
                    guard let keyValue = literal(key), let table = store.table(constraint.collection) else {
                        failures.append(failure(key.range, MessageID.testRowKeyNotLiteral()))
                        continue
                    }
                    let rows = Set(table.rows(keyText: keyValue.description))
                    broken = broken.filter { rows.contains($0) }
                }
                let what = key.map { MessageID.testOfKey(Printer.expr($0)) } ?? ""
                if expected && broken.isEmpty {
                    failures.append(failure(range, MessageID.testExpectedViolation(constraint.qualifiedName, what)))
                } else if !expected && !broken.isEmpty {
                    failures.append(failure(range, MessageID.testExpectedNoViolation(constraint.qualifiedName, what, broken.count)))
                }
            case .error(let message, let source, let range):
                let outcomes = session.run(source, name: "<test>")
                let errors = outcomes.compactMap { outcome -> String? in
                    if case .failure(let e) = outcome { return e.diagnostics.map(\.message).joined(separator: "; ") }
                    return nil
                }
                if errors.isEmpty {
                    failures.append(failure(range, MessageID.testExpectedErrorButRan(message)))
                } else if !errors.contains(where: { $0.contains(message) }) {
                    failures.append(failure(range, MessageID.testExpectedErrorGot(message, errors[0])))
                }
            }
        }
        return failures
    }

    func recordRuleValues(_ session: Session, today: Int32, _ report: inout TestReport) {
        let planner = Planner(store: session.store, catalog: catalog, today: today)
        for info in catalog.ordered where info.kind != .define && info.type == .bool {
            guard let table = session.store.table(info.collection), table.rowCount > 0 else { continue }
            let f = planner.compiledDefine(info).asBool
            for row in 0..<table.rowCount { report.ruleValues[info.qualifiedName, default: []].insert(f(row)) }
        }
    }

    struct Problem: Error { let message: String }

    func singleValue(_ session: Session, _ text: String, name: String) -> Result<Value, Problem> {
        switch session.run(text, name: name).first {
        case .success(.rows(let r))?:
            guard let v = r.rows.first?.first else { return .failure(Problem(message: MessageID.testNoRow())) }
            return .success(v)
        case .failure(let e)?: return .failure(Problem(message: e.diagnostics.first?.message ?? "error"))
        default: return .failure(Problem(message: MessageID.testNoResult()))
        }
    }

    func show(_ v: Value) -> String {
        switch v {
        case .text(let s): return Printer.quote(s)
        case .null: return "null"
        case .set(let items): return "[" + items.map(Printer.quote).joined(separator: ", ") + "]"
        default: return v.description
        }
    }

    /// A literal expression's value (negative numbers and lists included).
    func literal(_ e: Expr) -> Value? {
        switch e.kind {
        case .integer(let v): return .int(v)
        case .decimal(let v): return .number(v)
        case .text(let v): return .text(v)
        case .boolean(let v): return .bool(v)
        case .null: return .null
        case .date(let v): return .date(v)
        case .duration(let n, let u): return .duration(Duration(amount: n, unit: u))
        case .list(let items):
            var texts: [String] = []
            for item in items {
                guard case .text(let s) = item.kind else { return nil }
                texts.append(s)
            }
            return .set(texts)
        case .name(let n):
            if let p = catalog.params[n] { return p.value }
            return nil
        default: return nil
        }
    }

    struct GivenError: Error {
        let range: SourceRange
        let message: String
    }

    /// The given rows as CSV files, loaded like a dataset so they are checked the same way.
    func buildStore(_ test: TestCase) throws -> Store {
        var rows: [String: [[String: String]]] = [:]
        var streets: [String] = []
        var communities: [(String, String)] = []
        for given in test.givens {
            guard let schema = ProgrammeSchema.collections.first(where: { $0.name == ChineseNames.collection(given.collection) }) else {
                throw GivenError(range: given.collectionRange, message: Message.unknownCollection(given.collection, suggestion: Suggest.closest(given.collection, among: ProgrammeSchema.collections.map(\.name))))
            }
            var row: [String: String] = [:]
            for field in given.fields {
                guard let fieldSchema = schema.field(named: field.name)
                        ?? ChineseNames.member(field.name, of: schema.name).flatMap(schema.field(named:)) else {
                    throw GivenError(range: field.range, message: Message.unknownField(field.name, in: schema.name, suggestion: Suggest.closest(field.name, among: schema.fields.map(\.name))))
                }
                guard let value = literal(field.value) else {
                    throw GivenError(range: field.value.range, message: MessageID.testGivenValueNotLiteral())
                }
                if fieldSchema.type == .textSet, case .text(let s) = value { row[fieldSchema.name] = s; continue }
                row[fieldSchema.name] = value.description
            }
            if schema.isKeyedByID && row["id"] == nil {
                row["id"] = String((rows[schema.name]?.count ?? 0) + 1)
            }
            if let street = row["street"], !street.isEmpty, !streets.contains(street) { streets.append(street) }
            if schema.name == "streets", let name = row["name"] { streets.removeAll { $0 == name } }
            if let community = row["community"], let street = row["street"], !community.isEmpty,
               !communities.contains(where: { $0 == (street, community) }) {
                communities.append((street, community))
            }
            rows[schema.name, default: []].append(row)
        }
        for street in streets where !(rows["streets"] ?? []).contains(where: { $0["name"] == street }) {
            rows["streets", default: []].append(["name": street])
        }
        for (street, community) in communities where !(rows["communities"] ?? []).contains(where: { $0["name"] == community && $0["street"] == street }) {
            rows["communities", default: []].append(["name": community, "street": street])
        }
        var files: [String: [UInt8]] = [:]
        for schema in ProgrammeSchema.collections {
            let names = schema.fields.map(\.name)
            var text = names.joined(separator: ",") + "\n"
            for row in rows[schema.name] ?? [] {
                text += names.map { csvField(row[$0] ?? "") }.joined(separator: ",") + "\n"
            }
            files[schema.name] = Array(text.utf8)
        }
        do {
            return try DatasetLoader.load(files: files, directory: "given")
        } catch let error as LoadError {
            throw GivenError(range: test.range, message: MessageID.testGivenRowsDoNotLoad() + error.diagnostics.map(\.message).joined(separator: "; "))
        }
    }

    func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

extension CollectionSchema {
    var isKeyedByID: Bool { key == ["id"] }
}

import Foundation
