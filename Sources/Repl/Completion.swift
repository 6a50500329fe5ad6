// Tab completion by context, for the REPL. Given the statement typed so far and the word
// under the cursor, it answers the words that fit there: dot commands and their arguments;
// statement words and collections at the start; clause keywords after an operand; fields,
// defines, reverse references, params and functions of the collection in scope (after
// `child.`, those of the child); and inside a string, the values of a low-cardinality text
// field, matched by their start, their pinyin or their pinyin initials (`street = "bj` →
// 布吉). It reads the session's schema, catalog and columns; it does not talk to readline
// (LineEditor does) and does not parse beyond tokens.

import Engine
import Foundation
import MQL

struct Completion: Equatable {
    var candidates: [String]
    /// What readline appends after a single match; nil for nothing.
    var append: Character? = " "
    /// Let readline complete file names instead.
    var fileNames = false

    static let none = Completion(candidates: [], append: nil)
}

final class Completer {
    let session: Session

    /// TUNING: a text field with at most this many distinct values is a category (streets,
    /// statuses, tags, levels) whose values are worth offering; names and notes are not.
    static let maximumValues = 300

    static let statementWords = ["count", "plan", "explain", "define", "rule", "constraint", "param", "test"]
    static let clauseKeywords = ["where", "group", "select", "order", "limit", "offset"]
    static let operatorKeywords = ["and", "or", "not", "in", "contains", "like", "between", "is", "as", "asc", "desc"]
    static let valueKeywords = ["not", "null", "true", "false", "this"]

    private var pinyinCache: [String: (full: String, initials: String)] = [:]

    init(session: Session) {
        self.session = session
    }

    // MARK: - Entry point

    /// Candidates for `word`, which follows `linePrefix` on the current line, itself after
    /// the lines `pending` of an unfinished statement.
    func complete(pending: String, linePrefix: String, word: String) -> Completion {
        let leading = linePrefix.drop { $0 == " " || $0 == "\t" }
        if pending.isEmpty && leading.isEmpty && word.hasPrefix(".") {
            return words(DotCommand.names, matching: word)
        }
        if pending.isEmpty, leading.hasPrefix(".") {
            return dotArgument(String(leading), word: word)
        }
        let before = pending.isEmpty ? linePrefix : pending + "\n" + linePrefix
        return statement(before: before, word: word)
    }

    // MARK: - Dot commands

    func dotArgument(_ line: String, word: String) -> Completion {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let command = parts.first?.lowercased() else { return .none }
        let position = parts.count  // the argument being typed, 1-based
        switch (command, position) {
        case (".help", 1): return words(Help.topicNames, matching: word)
        case (".schema", 1): return words(collectionWords, matching: word)
        case (".format", 1): return words(OutputFormat.allCases.filter { $0 != .xlsx }.map(\.rawValue), matching: word)
        case (".timer", 1): return words(["on", "off"], matching: word)
        case (".maxrows", 1): return words(["auto", "0", "20", "50", "100"], matching: word)
        case (".param", 1): return words(session.catalog.paramNames, matching: word)
        case (".read", 1), (".export", 2), (".import", 2): return Completion(candidates: [], fileNames: true)
        case (".import", 1): return words(collectionWords, matching: word)
        case (".save-test", 2): return Completion(candidates: [], fileNames: true)
        default: return .none
        }
    }

    // MARK: - Statements

    func statement(before: String, word: String) -> Completion {
        let opener = openQuote(before: before, word: word)
        let text = opener.map { $0.inWord ? before : String(before.dropLast()) } ?? before
        var all = Lexer.tokenize(SourceFile(name: "", text: text)).tokens.filter { $0.kind != .eof }
        // The lexer ends the input with a statement end; only ends before the cursor count.
        if let last = all.last, last.kind == .newline, last.range.start == last.range.end { all.removeLast() }
        var tokens = all
        if let end = all.lastIndex(where: { $0.kind == .newline }) { tokens = Array(all[(end + 1)...]) }
        let scope = Scope(tokens: tokens, store: session.store)

        // Inside a string: `street = "布` (readline breaks words at `"`), or a Chinese quote.
        if let opener {
            let typed = opener.inWord ? String(word.dropFirst()) : word
            let values = valueCandidates(field: fieldBeforeString(tokens: tokens, scope: scope), scope: scope)
            var matches = matching(values, typed)
            if opener.inWord { matches = matches.map { String(opener.quote) + $0 } }
            return Completion(candidates: matches, append: closing(opener.quote))
        }

        // `child.na`: the fields of what the path leads to.
        if let dot = word.lastIndex(of: ".") {
            let path = word[..<dot].split(separator: ".").map(String.init)
            guard let target = resolve(path: path, scope: scope) else { return .none }
            let prefix = String(word[...dot])
            let names = names(of: target)
            return Completion(candidates: matching(names, String(word[word.index(after: dot)...]), caseInsensitive: false).map { prefix + $0 }, append: " ")
        }

        let previous = tokens.last
        let first = tokens.first
        // Start of a statement.
        guard let previous else {
            return words(Completer.statementWords + collectionWords, matching: word)
        }
        if tokens.count == 1, let first, first.isWord("count") || first.isWord("plan") {
            return words(collectionWords, matching: word)
        }
        if let first, first.isWord("explain") {
            if tokens.count == 1 {
                return words(Set(session.catalog.ordered.map(\.name)).sorted(), matching: word)
            }
            if tokens.count == 2 { return words(["for"], matching: word) }
            if previous.isWord("for") { return words(collectionWords, matching: word) }
        }
        if tokens.count == 1, let first, ["define", "rule", "constraint"].contains(where: { first.isWord($0) }) {
            return Completion(candidates: matching(collectionWords.map { $0 + "." }, word), append: nil)
        }
        if previous.is(.group) || previous.is(.order) { return words(["by"], matching: word) }
        if previous.is(.is) { return words(["not", "null"], matching: word) }

        if endsOperand(previous) {
            return words(Completer.operatorKeywords + Completer.clauseKeywords, matching: word)
        }

        // An expression goes here.
        var candidates: [String] = []
        if let collection = scope.collection {
            candidates += names(of: collection)
        }
        if previous.is("(") || previous.is(.in) {
            candidates += collectionWords
        }
        if scope.outer != nil { candidates.append("outer") }
        candidates += session.catalog.paramNames
        candidates += Builtin.allCases.map { $0.rawValue + "(" }
        candidates += Completer.valueKeywords
        // After a comparison with a categorical field, its values, quoted.
        if let field = fieldBefore(tokens: tokens, scope: scope) {
            candidates += valueCandidates(field: field, scope: scope).map(Printer.quote)
        }
        var result = Completion(candidates: matching(unique(candidates), word), append: " ")
        if result.candidates.count == 1, result.candidates[0].hasSuffix("(") { result.append = nil }
        return result
    }

    /// Whether the token ends an operand, so that an operator or clause keyword follows.
    func endsOperand(_ token: Token) -> Bool {
        switch token.kind {
        case .identifier(let name):
            return !Completer.statementWords.contains(name.lowercased()) && name.lowercased() != "for"
        case .string, .integer, .decimal, .date: return true
        case .keyword(let k): return [.null, .true, .false, .this, .asc, .desc].contains(k)
        case .punct(let p): return p == ")" || p == "]"
        default: return false
        }
    }

    // MARK: - Names

    /// Fields, defines, rules and reverse references of a collection (constraints are not
    /// values one writes in a query).
    func names(of collection: String) -> [String] {
        guard let table = session.store.table(collection) else { return [] }
        var names = table.schema.fields.map(\.name)
        names += session.catalog.defines(of: collection).filter { $0.kind != .constraint }.map(\.name)
        names += session.store.referencesTo(collection).map(\.table.name)
        // The Chinese names (data.md) complete too: 街 → 街道.
        names += (ChineseNames.members[collection] ?? [:]).keys.sorted()
        return unique(names)
    }

    /// A stored field named in English or Chinese.
    func storedField(_ name: String, of collection: String) -> FieldSchema? {
        guard let schema = session.store.table(collection)?.schema else { return nil }
        return schema.field(named: name) ?? ChineseNames.member(name, of: collection).flatMap(schema.field(named:))
    }

    /// Collection names in English and Chinese.
    var collectionWords: [String] {
        session.store.collectionNames + session.store.collectionNames.compactMap(ChineseNames.chinese(ofCollection:))
    }

    /// The collection a path of names leads to from the scope (`child.street` → streets).
    func resolve(path: [String], scope: Scope) -> String? {
        guard var current = scope.collection ?? (path.first.flatMap { session.store.table(ChineseNames.collection($0)) != nil ? ChineseNames.collection($0) : nil }) else { return nil }
        for (i, name) in path.enumerated() {
            if name == "this" { continue }
            if name == "outer", let outer = scope.outer { current = outer; continue }
            if i == 0 && scope.collection == nil && ChineseNames.collection(name) == current { continue }
            guard let field = storedField(name, of: current), case .reference(let target) = field.type else { return nil }
            current = target
        }
        return current
    }

    // MARK: - Values inside strings

    struct FieldRef {
        let collection: String
        let field: FieldSchema
    }

    /// The quote that opens the string the word is in, if it is in one.
    func openQuote(before: String, word: String) -> (quote: Character, inWord: Bool)? {
        if let first = word.first, first == "“" || first == "‘" { return (first, true) }
        guard let last = before.last, last == "\"" || last == "'" else { return nil }
        // The quote opens a string when the text up to it leaves one unterminated.
        let lexed = Lexer.tokenize(SourceFile(name: "", text: before))
        let quoteOffset = before.utf8.count - 1
        let opens = lexed.diagnostics.contains { $0.range.start == quoteOffset && $0.message.hasPrefix("unterminated") }
        return opens ? (last, false) : nil
    }

    func closing(_ quote: Character) -> Character? {
        switch quote {
        case "\"": return "\""
        case "'": return "'"
        default: return nil  // “ and ‘ close with a character readline cannot append
        }
    }

    /// The field a string is compared with: `street = "`, `tags contains "`,
    /// `status in ["已审核", "`.
    func fieldBeforeString(tokens: [Token], scope: Scope) -> FieldRef? {
        var index = tokens.count - 1
        while index >= 0, tokens[index].is(",") || isLiteral(tokens[index]) { index -= 1 }
        if index >= 0, tokens[index].is("[") { return fieldBefore(tokens: Array(tokens[..<index]), scope: scope) }
        return fieldBefore(tokens: tokens, scope: scope)
    }

    /// The field on the left of a trailing comparison operator.
    func fieldBefore(tokens: [Token], scope: Scope) -> FieldRef? {
        guard let op = tokens.last else { return nil }
        let comparisons = ["=", "!=", "<", "<=", ">", ">="]
        guard comparisons.contains(where: { op.is($0) }) || op.is(.contains) || op.is(.like) || op.is(.in) else { return nil }
        var path: [String] = []
        var index = tokens.count - 2
        while index >= 0, case .identifier(let name) = tokens[index].kind {
            path.insert(name, at: 0)
            if index >= 1, tokens[index - 1].is(".") { index -= 2 } else { break }
        }
        guard let name = path.last else { return nil }
        let base = Array(path.dropLast())
        guard let collection = base.isEmpty ? scope.collection : resolve(path: base, scope: scope),
              let field = storedField(name, of: collection) else { return nil }
        return FieldRef(collection: collection, field: field)
    }

    func isLiteral(_ token: Token) -> Bool {
        switch token.kind {
        case .string, .integer, .decimal, .date: return true
        default: return false
        }
    }

    /// Known values of a categorical field; without a field, the elements of the set
    /// fields of the collection in scope (for `"低保" in tags`).
    func valueCandidates(field: FieldRef?, scope: Scope) -> [String] {
        guard let field else {
            guard let collection = scope.collection, let table = session.store.table(collection) else { return [] }
            return unique(table.schema.fields.filter { $0.type == .textSet }.flatMap { values(of: $0, in: table) })
        }
        guard let table = session.store.table(field.collection) else { return [] }
        return values(of: field.field, in: table)
    }

    func values(of field: FieldSchema, in table: Table) -> [String] {
        guard field.masking == .none, let column = table.column(named: field.name) else { return [] }
        switch column {
        case .text(let c) where c.dictionary.count <= Completer.maximumValues:
            return c.dictionary.values
        case .textSet(let c) where c.dictionary.count <= Completer.maximumValues:
            return c.dictionary.values
        case .reference(let c):
            guard let target = session.store.table(c.target), !target.isKeyedByID,
                  target.rowCount <= Completer.maximumValues else { return [] }
            return unique((0..<target.rowCount).map { target.keyText(row: $0) })
        default:
            return []
        }
    }

    // MARK: - Matching

    func words(_ candidates: [String], matching word: String) -> Completion {
        Completion(candidates: matching(candidates, word), append: " ")
    }

    /// Candidates that start with `typed` (keywords case-insensitively), or whose pinyin or
    /// pinyin initials start with it when it is Latin letters.
    func matching(_ candidates: [String], _ typed: String, caseInsensitive: Bool = true) -> [String] {
        if typed.isEmpty { return unique(candidates) }
        let lower = typed.lowercased()
        let latin = typed.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic) }
        var out: [String] = []
        for candidate in candidates {
            if candidate.hasPrefix(typed) || (caseInsensitive && candidate.lowercased().hasPrefix(lower)) {
                out.append(candidate)
            } else if latin, candidate.unicodeScalars.contains(where: { $0.value >= 0x3400 }) {
                let bare = candidate.hasPrefix("\"") ? String(candidate.dropFirst().dropLast()) : candidate
                let p = pinyin(bare)
                if p.full.hasPrefix(lower) || p.initials.hasPrefix(lower) { out.append(candidate) }
            }
        }
        return unique(out)
    }

    func pinyin(_ text: String) -> (full: String, initials: String) {
        if let cached = pinyinCache[text] { return cached }
        let value = (Pinyin.of(text), Pinyin.of(text, initialsOnly: true))
        pinyinCache[text] = value
        return value
    }

    func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}

// MARK: - Scope

extension Completer {
    /// Which collection's row is current at the end of a statement's tokens: the query's
    /// source, or inside `( … )` the source of a subquery (`count(pairings where |`).
    struct Scope {
        /// Innermost collection in scope.
        var collection: String?
        /// The collection of the enclosing query (for `outer`).
        var outer: String?

        init(tokens: [Token], store: Store) {
            struct Frame { var collection: String?; var atStart: Bool }
            var frames = [Frame(collection: nil, atStart: true)]
            var i = 0
            if let first = tokens.first, ["define", "rule", "constraint"].contains(where: { first.isWord($0) }) {
                if tokens.count > 1, case .identifier(let c) = tokens[1].kind, store.table(ChineseNames.collection(c)) != nil { frames[0].collection = ChineseNames.collection(c) }
                frames[0].atStart = false
                i = 1
            }
            while i < tokens.count {
                let token = tokens[i]
                if token.is("(") || token.is("[") || token.is("{") {
                    frames.append(Frame(collection: nil, atStart: token.is("(")))
                } else if token.is(")") || token.is("]") || token.is("}") {
                    if frames.count > 1 { frames.removeLast() }
                } else if case .identifier(let name) = token.kind, frames[frames.count - 1].atStart {
                    let lowered = name.lowercased()
                    if frames.count == 1 && (lowered == "count" || lowered == "plan" || lowered == "for") {
                        i += 1
                        continue
                    }
                    if frames.count == 1 && lowered == "explain" {
                        // explain NAME for SOURCE: the source comes after `for`.
                        i += 2
                        continue
                    }
                    // A path `a.b.c`: its last name, if a collection, is this frame's source.
                    var last = name
                    while i + 2 < tokens.count, tokens[i + 1].is("."), case .identifier(let next) = tokens[i + 2].kind {
                        last = next
                        i += 2
                    }
                    if store.table(ChineseNames.collection(last)) != nil { frames[frames.count - 1].collection = ChineseNames.collection(last) }
                    frames[frames.count - 1].atStart = false
                } else {
                    frames[frames.count - 1].atStart = false
                }
                i += 1
            }
            let withCollection = frames.compactMap(\.collection)
            collection = withCollection.last
            outer = withCollection.count > 1 ? withCollection[withCollection.count - 2] : nil
        }
    }
}
