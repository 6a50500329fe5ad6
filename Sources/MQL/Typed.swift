// The checked form of statements: every name resolved to a field, define, reverse
// reference, param value or collection; every node typed. The planner compiles this tree
// into closures over columns once per statement.

import Engine

public final class TExpr {
    public let node: TNode
    public let type: MType
    public let range: SourceRange
    /// Text derived from personal data, masked on output.
    public var masking: FieldSchema.Masking = .none
    /// Holds an aggregate over the rows of a group (`count()`, `sum(e)`).
    public var hasAggregate = false
    /// Set on the placeholder left where an error was reported.
    var invalidFlag = false
    /// For an `order by` naming a select item.
    var selectRefName: String?

    init(_ node: TNode, _ type: MType, _ range: SourceRange) {
        self.node = node
        self.type = type
        self.range = range
    }
}

public enum AggregateFunction: String, Sendable {
    case count, sum, avg, min, max
}

public enum Builtin: String, CaseIterable, Sendable {
    case today, age, months_between, days_between, len, lower, upper, coalesce, year, month, day
    case abs, round, exists, count, sum, avg, min, max, pinyin, initials, `if`, trim, left, right
    case difference, intersection
    // Report periods (cycle.md §1): see `ReportPeriod`.
    case period_due, window_start, window_end, is_period, period_of
}

public indirect enum TNode {
    case constant(Value)
    case list([TExpr])
    /// The current row (`this`, or the implicit base of a field).
    case this
    /// The row of the enclosing query (`outer`).
    case outer
    /// A stored field of the row `base` evaluates to.
    case field(base: TExpr, table: String, field: Int)
    case define(base: TExpr, DefineInfo)
    /// Rows of `source` whose reference `field` points at the row `base` evaluates to.
    case reverse(base: TExpr, source: String, field: Int)
    /// Every row of a collection.
    case collection(String)
    case subquery(TSubquery)
    case unary(UnaryOperator, TExpr)
    case binary(BinaryOperator, TExpr, TExpr)
    case isNull(TExpr, negated: Bool)
    case between(TExpr, TExpr, TExpr, negated: Bool)
    case call(Builtin, [TExpr])
    /// An aggregate over the rows of the current group; `argument` is evaluated per row.
    case aggregate(AggregateFunction, TExpr?)
    /// The i-th `group by` key of the current group.
    case groupKey(Int)
    /// The i-th select item (an `order by` naming a select alias).
    case selectItem(Int)
}

/// A subquery inside an expression: rows of a collection, filtered, optionally projected.
public final class TSubquery {
    public let collection: String
    public let source: TExpr
    public let filter: TExpr?
    public let select: TExpr?
    public let limit: Int?

    init(collection: String, source: TExpr, filter: TExpr?, select: TExpr?, limit: Int?) {
        self.collection = collection
        self.source = source
        self.filter = filter
        self.select = select
        self.limit = limit
    }
}

public struct TSelectItem {
    public let name: String
    public let expr: TExpr
}

/// A checked top-level query.
public struct TQuery {
    public let collection: String
    public let filter: TExpr?
    public let groupBy: [TExpr]
    public let select: [TSelectItem]
    public let orderBy: [(expr: TExpr, descending: Bool)]
    public let limit: Int?
    public let offset: Int?
    /// Grouped output: `group by`, or aggregates without it (one group of all rows).
    public let grouped: Bool
    /// Where the clauses are in the statement, for plan output.
    public let range: SourceRange
}
