// Loading rule files: parse every file, enter params, defines, rules, constraints and
// tests into a catalog, then check the catalog as a whole — duplicate names, citations,
// every define's body (unknown names, types, cycles, rules that are not boolean) and the
// queries and tests written in the files. All errors of all files are reported together,
// sorted; nothing is loaded if any.

import Engine
import Foundation

public enum RuleFiles {
    /// The `.mql` files at a path: the file itself, or a directory's files sorted by name.
    public static func files(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuleFileError.missing(path)
        }
        guard isDirectory.boolValue else { return [path] }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".mql") }.sorted()
        return names.map { (path as NSString).appendingPathComponent($0) }
    }

    public static func readSource(_ path: String) throws -> SourceFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw RuleFileError.missing(path) }
        let bytes = [UInt8](data)
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            let prefix = SourceFile(name: path, text: String(decoding: bytes[..<bad], as: UTF8.self))
            let location = prefix.location(of: prefix.bytes.count)
            throw RuleFileError.invalidUTF8(path, line: location.line, column: location.column)
        }
        return SourceFile(name: path, text: String(decoding: bytes, as: UTF8.self))
    }

    /// Builds and checks a catalog from rule sources.
    public static func catalog(from sources: [SourceFile], store: Store, paramOverrides: [(String, String)] = []) throws -> Catalog {
        let catalog = Catalog()
        var diagnostics: [Diagnostic] = []
        var queries: [(Statement, Query)] = []
        for file in sources {
            catalog.addFile(file)
            let (statements, errors) = Parser.parse(file)
            diagnostics += errors
            for statement in statements {
                switch statement.kind {
                case .definition(let d):
                    diagnostics += enter(d, file: file, catalog: catalog, store: store)
                case .param(let name, let nameRange, let value):
                    if let previous = catalog.params[name], let pfile = previous.file {
                        let (line, column) = pfile.location(of: previous.range.start)
                        diagnostics.append(Diagnostic(file, nameRange, Message.duplicateDefinition(name, previous: "\(pfile.name):\(line):\(column)")))
                        continue
                    }
                    switch paramValue(value) {
                    case .success(let (v, t)): catalog.addParam(ParamInfo(name: name, value: v, type: t, file: file, range: nameRange))
                    case .failure(let error): diagnostics.append(Diagnostic(file, value.range, error.message))
                    }
                case .test(let t):
                    catalog.addTest(TestInfo(test: t, file: file))
                case .query(let q), .count(let q), .plan(let q), .explain(_, _, let q), .section(_, _, _, let q):
                    queries.append((statement, q))
                case .expression, .pairingRound:
                    break
                case .change, .begin, .commit, .rollback:
                    diagnostics.append(Diagnostic(file, statement.range, MessageID.ruleFileCannotChangeData()))
                }
            }
        }
        if diagnostics.isEmpty {
            for (name, text) in paramOverrides { try override(param: name, with: text, in: catalog) }
        }
        let checker = Checker(store: store, catalog: catalog)
        for info in DefineNesting.checkingOrder(catalog) {
            _ = checker.checkDefine(info, usedAt: info.definition.nameRange, scope: Checker.Scope(file: info.file))
        }
        diagnostics += catalog.ordered.compactMap(DefineNesting.tooDeep)
        for (statement, q) in queries {
            _ = checker.checkQuery(q, file: statement.file)
        }
        diagnostics += checker.diagnostics
        if !diagnostics.isEmpty { throw DiagnosticError(diagnostics) }
        return catalog
    }

    static func enter(_ written: Definition, file: SourceFile, catalog: Catalog, store: Store) -> [Diagnostic] {
        // `define 儿童.x` adds to children: the catalog knows collections by English name.
        var d = written
        d.collection = ChineseNames.collection(written.collection)
        guard let table = store.table(d.collection) else {
            return [Diagnostic(file, d.collectionRange, Message.unknownCollection(d.collection, suggestion: Suggest.closest(d.collection, among: store.collectionNames)))]
        }
        var errors: [Diagnostic] = []
        // Blank: only what CharacterSet.whitespaces holds (category Zs and tab), tested per
        // scalar rather than by Foundation's trimming, which goes through NSString.
        let blank = (d.citation ?? "").unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
        if d.kind != .define && blank {
            return [Diagnostic(file, d.nameRange, Message.missingCitation(d.kind.rawValue))]
        }
        if table.schema.fieldIndex(d.name) != nil {
            errors.append(Diagnostic(file, d.nameRange, Message.shadowsField(d.name, collection: d.collection)))
            return errors
        }
        if store.referencesTo(d.collection).contains(where: { $0.table.name == d.name }) {
            errors.append(Diagnostic(file, d.nameRange, MessageID.defineNamesRowOfItself(d.name, d.collection)))
            return errors
        }
        if let previous = catalog.define(d.collection, d.name) {
            errors.append(Diagnostic(file, d.nameRange, Message.duplicateDefinition("\(d.collection).\(d.name)", previous: previous.location)))
            return errors
        }
        catalog.add(DefineInfo(definition: d, file: file))
        return errors
    }

    /// A param's value: a literal, a negative number, or a list of literals.
    static func paramValue(_ e: Expr) -> Result<(Value, MType), ParamValueError> {
        switch e.kind {
        case .integer(let v): return .success((.int(v), .int))
        case .decimal(let v): return .success((.number(v), .number))
        case .text(let v): return .success((.text(v), .text))
        case .boolean(let v): return .success((.bool(v), .bool))
        case .date(let v): return .success((.date(v), .date))
        case .duration(let n, let unit): return .success((.duration(Duration(amount: n, unit: unit)), .duration))
        case .list(let items):
            var texts: [String] = []
            for item in items {
                guard case .text(let s) = item.kind else { return .failure(ParamValueError(Message.paramNotLiteral + MessageID.listParamHoldsText())) }
                texts.append(s)
            }
            return .success((.set(texts), .textSet))
        default:
            return .failure(ParamValueError(Message.paramNotLiteral))
        }
    }

    struct ParamValueError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// `--param NAME=VALUE` / `.param NAME VALUE`: VALUE is read as an MQL literal; a bare
    /// word is taken as text.
    public static func override(param name: String, with text: String, in catalog: Catalog) throws {
        guard let existing = catalog.params[name] else {
            throw RuleFileError.unknownParam(name, suggestion: Suggest.closest(name, among: Array(catalog.params.keys)))
        }
        let file = SourceFile(name: "--param", text: text)
        let (statements, errors) = Parser.parse(file)
        var value: Value?
        var type: MType?
        if errors.isEmpty, statements.count == 1, case .expression(let e) = statements[0].kind,
           case .success(let (v, t)) = paramValue(e) {
            value = v
            type = t
        } else if errors.isEmpty, statements.count == 1, case .query(let q) = statements[0].kind, case .name(let word) = q.source.kind, !q.hasClauses {
            value = .text(word)
            type = .text
        } else if existing.type == .text {
            value = .text(text)
            type = .text
        }
        guard var v = value, let t = type else {
            throw RuleFileError.badParam(name, MessageID.paramNotALiteral(text))
        }
        if t != existing.type {
            if existing.type == .number, case .int(let i) = v { v = .number(Double(i)) } else {
                throw RuleFileError.badParam(name, "expected \(existing.type), got \(t) '\(text)'")
            }
        }
        catalog.params[name]!.value = v
        // Param values are folded into checked bodies: check them again on next use.
        for info in catalog.ordered { info.resetCheck() }
    }
}

/// Errors reading rule files and params that have no position in MQL source.
public enum RuleFileError: Error, CustomStringConvertible {
    case missing(String)
    case invalidUTF8(String, line: Int, column: Int)
    case unknownParam(String, suggestion: String?)
    case badParam(String, String)

    public var description: String {
        switch self {
        case .missing(let path): return "\(path): error: " + MessageID.noSuchRuleFile()
        case .invalidUTF8(let path, let line, let column): return "\(path):\(line):\(column): error: \(Message.invalidUTF8)"
        case .unknownParam(let name, let suggestion): return "error: " + Message.unknownParam(name, suggestion: suggestion)
        case .badParam(let name, let detail): return "error: " + Message.badParamValue(name, detail)
        }
    }
}

extension DefineInfo {
    /// Forgets the checked body so the next use re-checks it (after a param changed).
    func resetCheck() {
        typed = nil
        type = nil
        expandedDepth = nil
    }
}
