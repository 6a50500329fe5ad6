// What rule files define: params, defines, rules, constraints and test cases, by name and
// collection, with where each was written. The checker reads it to resolve names; the
// evaluator reads constraints; `mql test` reads the tests.

import Engine

public final class DefineInfo {
    public let definition: Definition
    public let file: SourceFile
    /// Set by the checker.
    public internal(set) var typed: TExpr?
    public internal(set) var type: MType?
    var checking = false
    /// Depth with the defines it reads expanded (`DefineNesting`); nil until computed.
    var expandedDepth: Int?

    init(definition: Definition, file: SourceFile) {
        self.definition = definition
        self.file = file
    }

    public var collection: String { definition.collection }
    public var name: String { definition.name }
    public var kind: Definition.Kind { definition.kind }
    public var citation: String? { definition.citation }
    public var qualifiedName: String { "\(collection).\(name)" }
    public var location: String {
        let (line, column) = file.location(of: definition.nameRange.start)
        return "\(file.name):\(line):\(column)"
    }
}

public struct ParamInfo {
    public let name: String
    public var value: Value
    public let type: MType
    public let file: SourceFile?
    public let range: SourceRange
}

public struct TestInfo {
    public let test: TestCase
    public let file: SourceFile
}

public final class Catalog {
    /// Defines, rules and constraints by collection, then name, in the order written.
    public private(set) var definitions: [String: [String: DefineInfo]] = [:] { didSet { version &+= 1 } }
    public private(set) var ordered: [DefineInfo] = [] { didSet { version &+= 1 } }
    public internal(set) var params: [String: ParamInfo] = [:] { didSet { version &+= 1 } }
    /// Changes with every define, rule, constraint or param entered, removed or changed:
    /// what was checked against an earlier version may no longer hold (`StatementCache`).
    public private(set) var version = 0
    public private(set) var paramOrder: [String] = []
    public private(set) var tests: [TestInfo] = []
    public private(set) var files: [SourceFile] = []

    public init() {}

    deinit {
        // A define's checked tree holds the defines it reads, which hold theirs: let go of
        // every tree while the catalog still holds every define, so nothing is freed by a
        // recursion as deep as the longest chain.
        for info in ordered { info.resetCheck() }
    }

    public func define(_ collection: String, _ name: String) -> DefineInfo? {
        definitions[collection]?[name]
    }

    public func defines(of collection: String) -> [DefineInfo] {
        ordered.filter { $0.collection == collection }
    }

    public var constraints: [DefineInfo] { ordered.filter { $0.kind == .constraint } }

    func add(_ info: DefineInfo) {
        definitions[info.collection, default: [:]][info.name] = info
        ordered.append(info)
    }

    func removeDefinition(_ info: DefineInfo) {
        definitions[info.collection]?[info.name] = nil
        ordered.removeAll { $0 === info }
    }

    func addParam(_ param: ParamInfo) {
        if params[param.name] == nil { paramOrder.append(param.name) }
        params[param.name] = param
    }

    func addTest(_ test: TestInfo) { tests.append(test) }
    func addFile(_ file: SourceFile) { files.append(file) }

    public var paramNames: [String] { paramOrder }
}
