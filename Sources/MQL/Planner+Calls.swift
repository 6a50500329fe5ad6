// Compiling builtin function calls and aggregates over subqueries.

import Engine
import Foundation

extension Planner {
    func compileCall(_ builtin: Builtin, _ args: [TExpr], type: MType, range: SourceRange) -> Compiled {
        let today = self.today
        switch builtin {
        case .today: return .date { _ in today }
        case .age:
            guard let d = compile(args[0]).asDate else { return .null }
            return .int { r in d(r).map { CivilDate.fullYears(from: $0, to: today) } }
        case .months_between:
            guard let a = compile(args[0]).asDate, let b = compile(args[1]).asDate else { return .null }
            return .int { r in guard let x = a(r), let y = b(r) else { return nil }; return CivilDate.monthsBetween(x, y) }
        case .days_between:
            guard let a = compile(args[0]).asDate, let b = compile(args[1]).asDate else { return .null }
            return .int { r in guard let x = a(r), let y = b(r) else { return nil }; return Int(y) - Int(x) }
        case .year, .month, .day:
            guard let d = compile(args[0]).asDate else { return .null }
            return .int { r in
                guard let x = d(r) else { return nil }
                let c = CivilDate.components(x)
                return builtin == .year ? c.year : builtin == .month ? c.month : c.day
            }
        case .len:
            switch compile(args[0]) {
            case .text(let f): return .int { r in f(r).map { $0.count } }
            case .textSet(let f): return .int { r in f(r)?.count ?? 0 }
            case .list(let items): return .int { _ in items.count }
            case .rows(_, let p): return .int { r in var n = 0; _ = p(r) { _ in n += 1; return true }; return n }
            case .values(let p, _): return .int { r in var n = 0; _ = p(r) { _ in n += 1; return true }; return n }
            default: return .null
            }
        case .lower, .upper, .trim:
            guard let f = compile(args[0]).asText else { return .null }
            switch builtin {
            case .lower: return .text { r in f(r)?.lowercased() }
            case .upper: return .text { r in f(r)?.uppercased() }
            default: return .text { r in f(r)?.trimmingCharacters(in: .whitespacesAndNewlines) }
            }
        case .left, .right:
            guard let f = compile(args[0]).asText, let n = compile(args[1]).asInt else { return .null }
            let fromLeft = builtin == .left
            return .text { r in
                guard let s = f(r), let k = n(r) else { return nil }
                let count = max(0, k)
                return fromLeft ? String(s.prefix(count)) : String(s.suffix(count))
            }
        case .pinyin, .initials:
            guard let f = compile(args[0]).asText else { return .null }
            let cache = TextCache()
            let initialsOnly = builtin == .initials
            return .text { r in
                guard let s = f(r) else { return nil }
                if let done = cache.values[s] { return done }
                let value = Pinyin.of(s, initialsOnly: initialsOnly)
                cache.values[s] = value
                return value
            }
        case .abs:
            switch compile(args[0]) {
            case .int(let f): return .int { r in f(r).map { $0 == Int.min ? Int.max : Swift.abs($0) } }
            case .number(let f): return .number { r in f(r).map { Swift.abs($0) } }
            default: return .null
            }
        case .round:
            guard let f = compile(args[0]).asNumber else { return .null }
            let digits = args.count > 1 ? compile(args[1]).asInt : nil
            return .number { r in
                guard let x = f(r) else { return nil }
                let d = max(-12, min(12, digits?(r) ?? 0))
                let scale = pow(10.0, Double(d))
                return (x * scale).rounded(.toNearestOrAwayFromZero) / scale
            }
        case .coalesce:
            return coalesce(args.map { keyed(compile($0), as: type) }, type: type)
        case .if:
            let condition = compile(args[0]).asBool
            return choose(condition, compile(args[1]), compile(args[2]), type: type)
        case .difference, .intersection:
            let a = compile(args[0]), b = compile(args[1])
            let keep = builtin == .intersection
            func texts(_ c: Compiled) -> (Int) -> [String]? {
                switch c {
                case .textSet(let f): return { r in f(r)?.texts }
                case .list(let items):
                    let getters = items.map { $0.asText ?? { _ in nil } }
                    return { r in getters.compactMap { $0(r) } }
                default: return { _ in nil }
                }
            }
            let x = texts(a), y = texts(b)
            if !dependsOnRow(args[1]), !containsOuter(args[1]) {
                // The same right side for every row (`difference(tags, tag_vocabulary)`):
                // its set is made once, and a stored set's elements are decided once per
                // distinct element, so a row whose elements are all kept or all dropped
                // makes no String.
                let right = Memo<Set<String>>()
                let rightSet: () -> Set<String> = {
                    if let done = right.value { return done }
                    let made = Set(y(0) ?? [])
                    right.value = made
                    return made
                }
                if let (column, base) = setColumnAccess(args[0]) {
                    let answers = CodeAnswers(dictionary: column.dictionary, decide: { rightSet().contains($0) == keep })
                    let dictionary = column.dictionary
                    return .textSet { r in
                        let row = base.map { Int($0(r)) } ?? r
                        if row < 0 { return nil }
                        return .literal(column.codes(at: row).compactMap { answers.answer($0) ? dictionary.string(at: Int($0)) : nil })
                    }
                }
                return .textSet { r in
                    guard let left = x(r) else { return nil }
                    let right = rightSet()
                    return .literal(left.filter { right.contains($0) == keep })
                }
            }
            return .textSet { r in
                guard let left = x(r) else { return nil }
                let right = Set(y(r) ?? [])
                return .literal(left.filter { right.contains($0) == keep })
            }
        case .period_due, .window_start, .window_end:
            guard let f = compile(args[0]).asText else { return .null }
            let start = args.count > 1 ? constantValue(args[1]) : nil
            let programmeStart: Int32? = if case .date(let d)? = start { d } else { nil }
            let site = faultSite(args[0])
            return .date { r in
                guard let text = f(r) else { return nil }
                guard let period = ReportPeriod(text) else {
                    site.log.record(site.file, site.range, ReportPeriod.problem(text))
                    return nil
                }
                return builtin == .window_start ? period.windowStart(programmeStart: programmeStart) : period.due
            }
        case .is_period:
            guard let f = compile(args[0]).asText else { return .bool { _ in false } }
            return .bool { r in f(r).map { ReportPeriod($0) != nil } ?? false }
        case .period_of:
            guard let d = compile(args[0]).asDate else { return .null }
            return .text { r in d(r).map { ReportPeriod.containing($0).text } }
        case .exists:
            // A correlated subquery grouped once for all rows (`Planner+Decorrelation`).
            if case .subquery(let sub) = args[0].node, let count = decorrelatedCount(sub) { return .bool { count($0) > 0 } }
            switch compile(args[0]) {
            case .rows(_, let p): return .bool { r in !p(r) { _ in false } }
            case .values(let p, _): return .bool { r in !p(r) { _ in false } }
            case .list(let items): return .bool { _ in !items.isEmpty }
            case .textSet(let f): return .bool { r in (f(r)?.count ?? 0) > 0 }
            default: return .bool { _ in false }
            }
        case .count, .sum, .avg, .min, .max:
            if builtin == .count, case .subquery(let sub) = args[0].node, sub.select == nil, let count = decorrelatedCount(sub) {
                return .int { count($0) }
            }
            return subqueryAggregate(builtin, compile(args[0]), type: type, site: FaultSite(log: caches.faults, file: source, range: range))
        }
    }

    /// A reference read as its key when text or an int is wanted.
    func keyed(_ c: Compiled, as type: MType) -> Compiled {
        guard case .row(let collection, let f) = c, let table = store.table(collection) else { return c }
        switch type {
        case .text: return .text { r in let row = f(r); return row < 0 ? nil : table.keyText(row: Int(row)) }
        case .int: return .int { r in let row = f(r); return row < 0 ? nil : table.id(row: Int(row)) }
        default: return c
        }
    }

    func coalesce(_ parts: [Compiled], type: MType) -> Compiled {
        switch type {
        case .int:
            let fs = parts.compactMap { $0.asInt }
            return .int { r in for f in fs { if let v = f(r) { return v } }; return nil }
        case .number:
            let fs = parts.compactMap { $0.asNumber }
            return .number { r in for f in fs { if let v = f(r) { return v } }; return nil }
        case .text:
            let fs = parts.compactMap { $0.asText }
            return .text { r in for f in fs { if let v = f(r) { return v } }; return nil }
        case .date:
            let fs = parts.compactMap { $0.asDate }
            return .date { r in for f in fs { if let v = f(r) { return v } }; return nil }
        case .bool:
            return parts.first { if case .bool = $0 { return true }; return false } ?? .null
        case .row(let c):
            let fs = parts.compactMap { p -> ((Int) -> Int32)? in if case .row(_, let f) = p { return f }; return nil }
            return .row(c) { r in for f in fs { let v = f(r); if v >= 0 { return v } }; return -1 }
        default:
            return parts.first ?? .null
        }
    }

    func choose(_ condition: @escaping (Int) -> Bool, _ a: Compiled, _ b: Compiled, type: MType) -> Compiled {
        switch type {
        case .int:
            let x = a.asInt ?? { _ in nil }, y = b.asInt ?? { _ in nil }
            return .int { r in condition(r) ? x(r) : y(r) }
        case .number:
            let x = a.asNumber ?? { _ in nil }, y = b.asNumber ?? { _ in nil }
            return .number { r in condition(r) ? x(r) : y(r) }
        case .text:
            let x = a.asText ?? { _ in nil }, y = b.asText ?? { _ in nil }
            return .text { r in condition(r) ? x(r) : y(r) }
        case .date:
            let x = a.asDate ?? { _ in nil }, y = b.asDate ?? { _ in nil }
            return .date { r in condition(r) ? x(r) : y(r) }
        case .bool:
            let x = a.asBool, y = b.asBool
            return .bool { r in condition(r) ? x(r) : y(r) }
        default:
            return .null
        }
    }

    /// count/sum/avg/min/max over the rows or values of a subquery (or a list or set).
    func subqueryAggregate(_ f: Builtin, _ argument: Compiled, type: MType, site: FaultSite) -> Compiled {
        switch argument {
        case .rows(_, let p):
            return .int { r in var n = 0; _ = p(r) { _ in n += 1; return true }; return n }
        case .list(let items):
            if f == .count { return .int { _ in items.count } }
            let values = items.map { $0.asNumber ?? { _ in nil } }
            return numericAggregate(f, type: type, site: site) { r, visit in for v in values { visit(v(r)) } }
        case .textSet(let s):
            if f == .count { return .int { r in s(r)?.count ?? 0 } }
            let texts: (Int) -> [String] = { r in s(r)?.texts ?? [] }
            return textAggregate(f) { r, visit in for t in texts(r) { visit(t) } }
        case .values(let p, let element):
            switch element {
            case .int(let whole) where f == .sum && type == .int:
                // Summed exactly as whole numbers: through Double, sums past 2^53 would
                // silently lose their last digits.
                return .int { r in
                    var total = 0, overflow = false
                    _ = p(r) { row in
                        guard let v = whole(Int(row)) else { return true }
                        let (t, o) = total.addingReportingOverflow(v)
                        if o || t == Int.min { overflow = true; return false }
                        total = t
                        return true
                    }
                    if overflow { site.integerOverflow("sum"); return nil }
                    return total
                }
            case .int, .number:
                let get = element.asNumber!
                if f == .count { return .int { r in var n = 0; _ = p(r) { row in if get(Int(row)) != nil { n += 1 }; return true }; return n } }
                return numericAggregate(f, type: type, site: site) { r, visit in _ = p(r) { row in visit(get(Int(row))); return true } }
            case .date(let get):
                if f == .count { return .int { r in var n = 0; _ = p(r) { row in if get(Int(row)) != nil { n += 1 }; return true }; return n } }
                let pick: (Int32, Int32) -> Bool = f == .min ? { $0 < $1 } : { $0 > $1 }
                return .date { r in
                    var best: Int32?
                    _ = p(r) { row in
                        if let v = get(Int(row)), best == nil || pick(v, best!) { best = v }
                        return true
                    }
                    return best
                }
            case .text(let get):
                if f == .count { return .int { r in var n = 0; _ = p(r) { row in if get(Int(row)) != nil { n += 1 }; return true }; return n } }
                return textAggregate(f) { r, visit in _ = p(r) { row in if let t = get(Int(row)) { visit(t) }; return true } }
            default:
                let isNull = nullTest(element)
                return .int { r in var n = 0; _ = p(r) { row in if !isNull(Int(row)) { n += 1 }; return true }; return n }
            }
        default:
            return .null
        }
    }

    func numericAggregate(_ f: Builtin, type: MType, site: FaultSite, _ each: @escaping (Int, (Double?) -> Void) -> Void) -> Compiled {
        let compute: (Int) -> Double? = { r in
            var sum = 0.0, n = 0
            var best: Double?
            each(r) { v in
                guard let v else { return }
                sum += v
                n += 1
                if best == nil || (f == .min ? v < best! : v > best!) { best = v }
            }
            switch f {
            case .sum: return sum
            case .avg: return n == 0 ? nil : sum / Double(n)
            default: return best
            }
        }
        if type == .int {
            return .int { r in
                guard let v = compute(r) else { return nil }
                guard v.isFinite && Swift.abs(v) < 9e18 else { site.integerOverflow(f.rawValue); return nil }
                return Int(v)
            }
        }
        return .number { r in
            guard let v = compute(r) else { return nil }
            guard v.isFinite else { site.notFinite(); return nil }
            return v
        }
    }

    func textAggregate(_ f: Builtin, _ each: @escaping (Int, (String) -> Void) -> Void) -> Compiled {
        .text { r in
            var best: String?
            each(r) { t in
                if let b = best {
                    let order = PinyinCollation.compare(t, b)
                    if (f == .min && order == .orderedAscending) || (f == .max && order == .orderedDescending) { best = t }
                } else {
                    best = t
                }
            }
            return best
        }
    }
}

/// Pinyin of Chinese text, for similarity of names and completion by pinyin.
public enum Pinyin {
    public static func of(_ text: String, initialsOnly: Bool = false) -> String {
        let latin = text.applyingTransform(.mandarinToLatin, reverse: false) ?? text
        let plain = latin.applyingTransform(.stripDiacritics, reverse: false) ?? latin
        let syllables = plain.lowercased().split(separator: " ")
        if initialsOnly { return String(syllables.compactMap(\.first)) }
        return syllables.joined()
    }
}
