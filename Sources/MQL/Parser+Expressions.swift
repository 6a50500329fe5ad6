// Expression grammar, lowest precedence first:
//   or < and < not < predicate (comparison, in, contains, like, between, is null)
//   < additive < multiplicative < unary minus < postfix (.name) < primary

extension Parser {
    mutating func enter() throws {
        depth += 1
        if depth > Self.maximumDepth { throw fail(Message.tooDeep) }
    }

    /// expr -> or
    mutating func expression() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        return try disjunction()
    }

    /// or -> and ('or' and)*
    mutating func disjunction() throws -> Expr {
        var left = try conjunction()
        var chain = 0
        defer { depth -= chain }
        while accept(.or) {
            try enter()
            chain += 1
            let right = try conjunction()
            left = Expr(.binary(.or, left, right), left.range.union(right.range))
        }
        return left
    }

    /// and -> not ('and' not)*
    mutating func conjunction() throws -> Expr {
        var left = try negation()
        var chain = 0
        defer { depth -= chain }
        while accept(.and) {
            try enter()
            chain += 1
            let right = try negation()
            left = Expr(.binary(.and, left, right), left.range.union(right.range))
        }
        return left
    }

    /// not -> 'not' not | predicate
    mutating func negation() throws -> Expr {
        if current.is(.not) {
            let start = advance().range
            try enter()
            defer { depth -= 1 }
            let operand = try negation()
            return Expr(.unary(.not, operand), start.union(operand.range))
        }
        return try predicate()
    }

    /// predicate -> additive [ ('='|'!='|'<'|'<='|'>'|'>=') additive
    ///            | 'is' ['not'] 'null' | ['not'] 'in' additive | 'contains' additive
    ///            | ['not'] 'like' additive | ['not'] 'between' additive 'and' additive ]
    mutating func predicate() throws -> Expr {
        let left = try additive()
        if case .punct(let p) = current.kind, let op = BinaryOperator(rawValue: p), op.isComparison {
            _ = advance()
            let right = try additive()
            return Expr(.binary(op, left, right), left.range.union(right.range))
        }
        if accept(.is) {
            let negated = accept(.not)
            guard current.is(.null) else { throw fail(Message.expected("'null' after 'is'", found: current.describe)) }
            let end = advance().range
            return Expr(.isNull(left, negated: negated), left.range.union(end))
        }
        var negated = false
        if current.is(.not), peek().is(.in) || peek().is(.like) || peek().is(.between) {
            _ = advance()
            negated = true
        }
        if accept(.in) {
            let right = try additive()
            return Expr(.binary(negated ? .notIn : .in, left, right), left.range.union(right.range))
        }
        if accept(.like) {
            let right = try additive()
            return Expr(.binary(negated ? .notLike : .like, left, right), left.range.union(right.range))
        }
        if accept(.between) {
            let low = try additive()
            guard accept(.and) else { throw fail(Message.expected("'and' in 'between … and …'", found: current.describe)) }
            let high = try additive()
            return Expr(.between(left, low, high, negated: negated), left.range.union(high.range))
        }
        if !negated, accept(.contains) {
            let right = try additive()
            return Expr(.binary(.contains, left, right), left.range.union(right.range))
        }
        return left
    }

    /// additive -> multiplicative (('+' | '-') multiplicative)*
    mutating func additive() throws -> Expr {
        var left = try multiplicative()
        var chain = 0
        defer { depth -= chain }
        while current.is("+") || current.is("-") {
            try enter()
            chain += 1
            let op: BinaryOperator = advance().is("+") ? .add : .subtract
            let right = try multiplicative()
            left = Expr(.binary(op, left, right), left.range.union(right.range))
        }
        return left
    }

    /// multiplicative -> unary (('*' | '/') unary)*
    mutating func multiplicative() throws -> Expr {
        var left = try unary()
        var chain = 0
        defer { depth -= chain }
        while current.is("*") || current.is("/") {
            try enter()
            chain += 1
            let op: BinaryOperator = advance().is("*") ? .multiply : .divide
            let right = try unary()
            left = Expr(.binary(op, left, right), left.range.union(right.range))
        }
        return left
    }

    /// unary -> '-' unary | postfix
    mutating func unary() throws -> Expr {
        if current.is("-") {
            let start = advance().range
            try enter()
            defer { depth -= 1 }
            let operand = try unary()
            // Fold a negative literal so `-3` prints and compares as a number.
            switch operand.kind {
            case .integer(let v) where v != Int.min: return Expr(.integer(-v), start.union(operand.range))
            case .decimal(let v): return Expr(.decimal(-v), start.union(operand.range))
            default: return Expr(.unary(.negate, operand), start.union(operand.range))
            }
        }
        return try postfix()
    }

    /// postfix -> primary ('.' IDENT)*
    mutating func postfix() throws -> Expr {
        var base = try primary()
        var chain = 0
        defer { depth -= chain }
        while current.is(".") {
            _ = advance()
            try enter()
            chain += 1
            let (name, range) = try expectIdentifier("a field name after '.'")
            base = Expr(.member(base, name), base.range.union(range))
        }
        return base
    }

    /// primary -> literal | NUMBER [unit] | IDENT ['(' [exprOrQuery (',' exprOrQuery)*] ')']
    ///          | 'this' | '(' exprOrQuery ')' | '[' [expr (',' expr)*] ']'
    mutating func primary() throws -> Expr {
        let token = current
        switch token.kind {
        case .integer(let value):
            _ = advance()
            if case .identifier(let word) = current.kind, let unit = Self.durationUnit(word) {
                let end = advance().range
                return Expr(.duration(value, unit), token.range.union(end))
            }
            return Expr(.integer(value), token.range)
        case .decimal(let value):
            _ = advance()
            return Expr(.decimal(value), token.range)
        case .string(let value):
            _ = advance()
            return Expr(.text(value), token.range)
        case .date(let value):
            _ = advance()
            return Expr(.date(value), token.range)
        case .keyword(.true):
            _ = advance()
            return Expr(.boolean(true), token.range)
        case .keyword(.false):
            _ = advance()
            return Expr(.boolean(false), token.range)
        case .keyword(.null):
            _ = advance()
            return Expr(.null, token.range)
        case .keyword(.this):
            _ = advance()
            return Expr(.this, token.range)
        case .keyword(.outer):
            _ = advance()
            return Expr(.outer, token.range)
        case .identifier(let name):
            _ = advance()
            guard current.is("(") else { return Expr(.name(name), token.range) }
            _ = advance()
            var arguments: [Expr] = []
            if !current.is(")") {
                repeat {
                    try enter()
                    defer { depth -= 1 }
                    arguments.append(try expressionOrQuery())
                } while acceptPunct(",")
            }
            let end = try expect(")", "')' or ','").range
            return Expr(.call(name, arguments), token.range.union(end))
        case .punct("("):
            _ = advance()
            try enter()
            defer { depth -= 1 }
            var inner = try expressionOrQuery()
            let end = try expect(")").range
            inner.range = token.range.union(end)
            if case .query(var q) = inner.kind {
                q.range = inner.range
                inner.kind = .query(q)
            }
            return inner
        case .punct("["):
            _ = advance()
            var elements: [Expr] = []
            if !current.is("]") {
                repeat {
                    if current.is("]") { break }
                    elements.append(try expression())
                } while acceptPunct(",")
            }
            let end = try expect("]", "']' or ','").range
            return Expr(.list(elements), token.range.union(end))
        default:
            throw fail(Message.expected("an expression", found: token.describe))
        }
    }

    static func durationUnit(_ word: String) -> DurationUnit? {
        switch word.lowercased() {
        case "day", "days": return .day
        case "week", "weeks": return .week
        case "month", "months": return .month
        case "year", "years": return .year
        default: return nil
        }
    }
}
