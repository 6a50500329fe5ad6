// How deep a define reaches once the defines it reads are expanded. Checking, planning and
// evaluating a define recurse through the defines it uses, and freeing its trees does too,
// so a chain of thousands (`define children.d2 = d1 + 1`, …) would exhaust the stack. The
// parser bounds one statement's nesting; this bounds the chain across statements.

import Engine

enum DefineNesting {
    /// TUNING: expression levels a define may reach with every define it reads expanded.
    /// A debug build exhausts an 8 MB stack near 2,400 levels; the shipped rules reach
    /// about 20; a statement adds at most the parser's 200 on top.
    static let limit = 1000

    /// The expanded depth of a checked define, remembered on it. Iterative over defines so
    /// that a long chain written in any order cannot overflow the stack here either.
    static func depth(of root: DefineInfo) -> Int {
        if let done = root.expandedDepth { return done }
        var stack = [root]
        var onStack: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        while let top = stack.last {
            if top.expandedDepth != nil {
                stack.removeLast()
                onStack.remove(ObjectIdentifier(top))
                continue
            }
            var pending: [DefineInfo] = []
            if let typed = top.typed { collectDefines(typed, into: &pending) }
            pending = pending.filter { $0.expandedDepth == nil && !onStack.contains(ObjectIdentifier($0)) }
            if pending.isEmpty {
                top.expandedDepth = top.typed.map(depth) ?? 1
                stack.removeLast()
                onStack.remove(ObjectIdentifier(top))
            } else {
                for info in pending where onStack.insert(ObjectIdentifier(info)).inserted { stack.append(info) }
            }
        }
        return root.expandedDepth ?? 1
    }

    /// The depth of an expression, a define counting as its expanded body (known already).
    static func depth(_ e: TExpr) -> Int {
        switch e.node {
        case .constant, .this, .outer, .collection, .groupKey, .selectItem: return 1
        case .define(let base, let info): return 1 + max(depth(base), info.expandedDepth ?? 1)
        case .field(let base, _, _), .reverse(let base, _, _): return 1 + depth(base)
        case .subquery(let sub):
            return 1 + max(depth(sub.source), sub.filter.map(depth) ?? 0, sub.select.map(depth) ?? 0)
        case .list(let items): return 1 + (items.map(depth).max() ?? 0)
        case .unary(_, let x), .isNull(let x, _): return 1 + depth(x)
        case .binary(_, let a, let b): return 1 + max(depth(a), depth(b))
        case .between(let a, let b, let c, _): return 1 + max(depth(a), depth(b), depth(c))
        case .call(_, let args): return 1 + (args.map(depth).max() ?? 0)
        case .aggregate(_, let x): return 1 + (x.map(depth) ?? 0)
        }
    }

    static func collectDefines(_ e: TExpr, into out: inout [DefineInfo]) {
        switch e.node {
        case .constant, .this, .outer, .collection, .groupKey, .selectItem: return
        case .define(let base, let info): out.append(info); collectDefines(base, into: &out)
        case .field(let base, _, _), .reverse(let base, _, _): collectDefines(base, into: &out)
        case .subquery(let sub):
            collectDefines(sub.source, into: &out)
            if let f = sub.filter { collectDefines(f, into: &out) }
            if let s = sub.select { collectDefines(s, into: &out) }
        case .list(let items): for x in items { collectDefines(x, into: &out) }
        case .unary(_, let x), .isNull(let x, _): collectDefines(x, into: &out)
        case .binary(_, let a, let b): collectDefines(a, into: &out); collectDefines(b, into: &out)
        case .between(let a, let b, let c, _): for x in [a, b, c] { collectDefines(x, into: &out) }
        case .call(_, let args): for x in args { collectDefines(x, into: &out) }
        case .aggregate(_, let x): if let x { collectDefines(x, into: &out) }
        }
    }

    /// The error for a define past the limit, at its name.
    static func tooDeep(_ info: DefineInfo) -> Diagnostic? {
        let reached = depth(of: info)
        guard reached > limit else { return nil }
        return Diagnostic(info.file, info.definition.nameRange, Message.defineTooDeep(info.qualifiedName, reached, limit: limit))
    }

    /// TUNING: chains of defines written backwards up to this long are checked by the
    /// checker's own recursion, in the order written (so a cycle is reported where it was
    /// always reported); longer ones are checked from their far end first.
    static let backwardChain = 64

    /// Defines in the order to check them: the order written, preceded by the defines that
    /// lie deep in a chain written backwards (last dependency first), so that checking one
    /// never recurses through a long chain. Names are read from the tokens: a name that is
    /// not a define here only costs an ordering step.
    static func checkingOrder(_ catalog: Catalog) -> [DefineInfo] {
        let all = catalog.ordered
        var order: [DefineInfo] = []
        var state: [ObjectIdentifier: Bool] = [:]  // false: being visited, true: placed
        func names(_ info: DefineInfo) -> [DefineInfo] {
            let text = info.file.text(of: info.definition.expr.range)
            return Lexer.tokenize(SourceFile(name: "", text: text)).tokens.compactMap { token in
                guard case .identifier(let name) = token.kind else { return nil }
                return catalog.define(info.collection, name)
            }
        }
        for root in all where state[ObjectIdentifier(root)] == nil {
            var stack: [(DefineInfo, [DefineInfo])] = [(root, names(root))]
            state[ObjectIdentifier(root)] = false
            while !stack.isEmpty {
                if let next = stack[stack.count - 1].1.popLast() {
                    guard state[ObjectIdentifier(next)] == nil else { continue }
                    state[ObjectIdentifier(next)] = false
                    stack.append((next, names(next)))
                } else {
                    if stack.count > backwardChain { order.append(stack[stack.count - 1].0) }
                    let (done, _) = stack.removeLast()
                    state[ObjectIdentifier(done)] = true
                }
            }
        }
        return order + all
    }
}
