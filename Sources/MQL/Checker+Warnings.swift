// Warnings for a question that cannot match (language.md, "Warnings"): a comparison of a
// stored text field with a constant that no row of the column holds — `street = "布几"` —
// runs and returns nothing, which a user cannot tell from a true "none". The checker
// tells them, with the value they probably meant, found by spelling and by pinyin (a
// homophone typed through an input method: 不吉 → 布吉). It also recognises a bare word that
// is one of the column's values (`street = 布吉`: the quotes are missing).
//
// Only columns whose distinct values are few enough to scan are checked for suggestions;
// a value's presence is one dictionary lookup for any column.

import Engine

extension Checker {
    /// TUNING: above this many distinct values, suggestions are by exact pinyin only among
    /// none (the scan and the pinyin of each value cost more than the hint is worth).
    static let suggestionLimit = 5_000

    /// The distinct texts a stored field can be compared with: its dictionary, or for a
    /// reference to streets or communities the names of their rows. Nil for other fields.
    func comparableTexts(_ e: TExpr) -> (collection: String, field: String, isSet: Bool, dictionary: TextDictionary)? {
        guard case .field(_, let tableName, let index) = e.node, let table = store.table(tableName) else { return nil }
        let field = table.schema.fields[index]
        switch (table.columns[index], field.type) {
        case (.text(let column), _): return (tableName, field.name, false, column.dictionary)
        case (.textSet(let column), _): return (tableName, field.name, true, column.dictionary)
        case (.reference, .reference(let target)):
            guard let targetTable = store.table(target), !targetTable.isKeyedByID,
                  let nameIndex = targetTable.schema.fieldIndex("name"),
                  case .text(let names) = targetTable.columns[nameIndex] else { return nil }
            return (tableName, field.name, false, names.dictionary)
        default: return nil
        }
    }

    /// Warns when `field op constant` can never hold: `=`, `in [...]`, `"x" in set`.
    func warnIfUnmatched(field: TExpr, constants: [TExpr], scope: Scope) {
        guard let warningFile, scope.file === warningFile, let (collection, name, isSet, dictionary) = comparableTexts(field) else { return }
        for constant in constants {
            guard case .constant(.text(let value)) = constant.node, dictionary.code(of: value) == nil else { continue }
            var known: [String] = []
            // A set's vocabulary is the list param `tag_vocabulary` (for tags) or `FIELD_vocabulary`.
            if isSet, case .set(let vocabulary)? = catalog.params[name == "tags" ? "tag_vocabulary" : "\(name)_vocabulary"]?.value {
                if vocabulary.contains(value) { continue }
                known = vocabulary
            }
            let suggestion = Self.likelyMeant(value, among: dictionary, extra: known)
            let message = isSet ? Message.unknownTag(collection, name, value, suggestion: suggestion)
                : Message.noRowHolds(collection, name, value, suggestion: suggestion)
            warnings.append(Diagnostic(scope.file, constant.range, message, severity: .warning))
        }
    }

    /// The value a user most likely meant: the same pinyin (a homophone), else the closest
    /// spelling, else the closest pinyin.
    static func likelyMeant(_ value: String, among dictionary: TextDictionary, extra: [String] = []) -> String? {
        // TUNING: no value a person mistyped is longer than this; a longer one gets no
        // suggestion rather than a pinyin transform and distances over all of it.
        guard dictionary.count <= suggestionLimit, value.count <= 64 else { return nil }
        let candidates = Array(Set(dictionary.values + extra)).sorted()
        let sound = Pinyin.of(value)
        if !sound.isEmpty, sound != value.lowercased() {
            let homophones = candidates.filter { Pinyin.of($0) == sound }
            if let first = homophones.first { return first }
        }
        // A value written with more or fewer words than the vocabulary's (单亲家庭 → 单亲).
        let overlapping = candidates.filter { $0.count >= 2 && (value.contains($0) || $0.contains(value)) }
        if let longest = overlapping.max(by: { $0.count < $1.count || ($0.count == $1.count && $0 > $1) }) { return longest }
        if let spelled = Suggest.closest(value, among: candidates) { return spelled }
        guard !sound.isEmpty else { return nil }
        var best: (String, Int)?
        for candidate in candidates {
            let distance = Suggest.editDistance(Array(sound), Array(Pinyin.of(candidate)))
            if distance <= max(1, sound.count / 4), best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        return best?.0
    }

    /// For an unknown name in a row scope: the column value it probably is, unquoted.
    func bareValue(_ name: String, collection: String) -> Bool {
        guard let table = store.table(collection) else { return false }
        let this = TExpr(.this, .row(collection), .none)
        for (i, _) in table.schema.fields.enumerated() {
            let field = TExpr(.field(base: this, table: collection, field: i), .null, .none)
            if let (_, _, _, dictionary) = comparableTexts(field), dictionary.code(of: name) != nil { return true }
        }
        return false
    }
}
