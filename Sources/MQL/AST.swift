// The syntax tree. Nodes are plain values carrying their source range; the checker turns
// them into a typed, resolved form (`Typed.swift`) and nothing downstream reads names again.

public enum DurationUnit: String, Sendable, CaseIterable {
    case day, week, month, year
}

public enum UnaryOperator: String, Sendable {
    case not, negate = "-"
}

public enum BinaryOperator: String, Sendable {
    case and, or
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case `in`, notIn = "not in", contains, like, notLike = "not like"

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return true
        default: return false
        }
    }
}

public indirect enum ExprKind: Sendable {
    case integer(Int)
    case decimal(Double)
    case text(String)
    case boolean(Bool)
    case null
    case date(Int32)
    case duration(Int, DurationUnit)
    case list([Expr])
    case name(String)
    case this
    /// The row of the enclosing query, inside a subquery's clauses.
    case outer
    case member(Expr, String)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case isNull(Expr, negated: Bool)
    case between(Expr, Expr, Expr, negated: Bool)
    case call(String, [Expr])
    case query(Query)
}

public struct Expr: Sendable {
    public var kind: ExprKind
    public var range: SourceRange
    public init(_ kind: ExprKind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

public struct SelectItem: Sendable {
    public var expr: Expr
    public var alias: String?
}

public struct OrderKey: Sendable {
    public var expr: Expr
    public var descending: Bool
}

public struct Query: Sendable {
    public var source: Expr
    public var filter: Expr?
    public var groupBy: [Expr] = []
    public var select: [SelectItem]?
    public var orderBy: [OrderKey] = []
    public var limit: Expr?
    public var offset: Expr?
    public var range: SourceRange

    public var hasClauses: Bool {
        filter != nil || !groupBy.isEmpty || select != nil || !orderBy.isEmpty || limit != nil || offset != nil
    }
}

/// `define`, `rule` and `constraint` share one shape.
public struct Definition: Sendable {
    public enum Kind: String, Sendable { case define, rule, constraint }
    public var kind: Kind
    public var collection: String
    public var collectionRange: SourceRange
    public var name: String
    public var nameRange: SourceRange
    public var citation: String?
    public var expr: Expr
}

/// A test case in a rule file (see docs/rules.md):
/// ```
/// test "三(一)1 低保户的孩子符合条件" {
///     given today 2019-11-30
///     given children {id: 1, tags: ["低保"]}
///     expect eligible of children 1 = true
/// }
/// ```
public struct TestCase: Sendable {
    public var name: String
    public var givens: [Given]
    public var expectations: [Expectation]
    public var range: SourceRange
    /// `given today DATE`: the date the test runs on (else the run's today).
    public var today: Int32?

    public struct Given: Sendable {
        public var collection: String
        public var collectionRange: SourceRange
        public var fields: [(name: String, range: SourceRange, value: Expr)]
        public var range: SourceRange
    }

    public enum Expectation: Sendable {
        /// `expect NAME of COLLECTION KEY = VALUE`
        case value(name: String, collection: String, key: Expr, expected: Expr, range: SourceRange)
        /// `expect count QUERY = N`
        case count(Query, expected: Expr, range: SourceRange)
        /// `expect violation CONSTRAINT [of KEY]` / `expect no violation CONSTRAINT`
        case violation(name: String, key: Expr?, expected: Bool, range: SourceRange)
        /// `expect error "substring" from QUERY`
        case error(message: String, source: String, range: SourceRange)
    }
}

/// `name: value` in `insert`, and `name = value` in `update … set`.
public struct FieldValue: Sendable {
    public var name: String
    public var range: SourceRange
    public var value: Expr
}

/// Statements that change data (language.md, "Changing data").
public enum Change: Sendable {
    case insert(collection: String, collectionRange: SourceRange, fields: [FieldValue])
    case update(Query, assignments: [FieldValue])
    case delete(Query)
    case pair(mother: Expr, child: Expr, since: Expr?, channels: Expr?, note: Expr?)
    case endPairing(pairing: Expr, on: Expr?, note: Expr?)
    case visit(child: Expr, on: Expr, kind: Expr?, note: Expr?)
    /// `attach FILE to visit N | report N [note …] [taken DATE]`: a copy of the file kept
    /// in the dataset's attachments/ and a row of `attachments` naming it.
    case attach(file: Expr, to: AttachTarget, id: Expr, note: Expr?, taken: Expr?)
}

/// What an attachment belongs to: the reference field of `attachments` it fills.
public enum AttachTarget: String, Sendable {
    case visit, report
}

public enum StatementKind: Sendable {
    case query(Query)
    case count(Query)
    case expression(Expr)
    case definition(Definition)
    case param(name: String, nameRange: SourceRange, value: Expr)
    case plan(Query)
    case explain(name: String, nameRange: SourceRange, query: Query)
    case test(TestCase)
    /// `section NAME ["TITLE"] = QUERY`: a named query of a report file (docs/reports.md).
    case section(name: String, nameRange: SourceRange, title: String?, query: Query)
    case change(Change)
    case begin, commit, rollback
    /// `suggest pairings …` and `explain pair …` (Parser+PairingRound.swift).
    case pairingRound(PairingRound)
}

public struct Statement: Sendable {
    public var kind: StatementKind
    public var range: SourceRange
    public let file: SourceFile
}
