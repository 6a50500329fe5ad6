// Every message exists in English and Chinese, and no message is written outside the
// catalogues: the source scan below fails when a user-facing literal is passed straight
// to an error type, so new wording has to go through MessageID (or EngineMessage,
// ReplMessage) and be translated.

import Engine
import Foundation
@testable import MQL
import Testing

/// What is wrong with a catalogue: an empty text, a Chinese text that is the English one
/// untranslated, or a Chinese placeholder the English text does not have.
func catalogueProblems<C: MessageCatalogue>(_ catalogue: C.Type) -> [String] {
    var problems: [String] = []
    func placeholders(_ text: String) -> Set<String> { Set(text.matches(of: #/\{\d+\}/#).map { String($0.output) }) }
    func hasWords(_ text: String) -> Bool { text.replacing(#/\{\d+\}/#, with: "").contains(#/[A-Za-z]{2,}/#) }
    for id in C.allCases {
        let (english, chinese) = id.templates
        if english.isEmpty { problems.append("\(id): no English text") }
        if chinese.isEmpty { problems.append("\(id): no Chinese text") }
        if hasWords(english) && chinese == english { problems.append("\(id): the Chinese text is the English one") }
        if hasWords(english) && !chinese.unicodeScalars.contains(where: { (0x4E00...0x9FFF).contains($0.value) }) {
            problems.append("\(id): the Chinese text has no Chinese in it: \(chinese)")
        }
        let extra = placeholders(chinese).subtracting(placeholders(english))
        if !extra.isEmpty { problems.append("\(id): Chinese uses \(extra.sorted()) that English does not have") }
    }
    return problems
}

/// Strips `\( … )` interpolations (nested parentheses counted) from a line of Swift.
func withoutInterpolations(_ line: String) -> String {
    var out = "", depth = 0
    var chars = Array(line)[...]
    while let c = chars.first {
        chars = chars.dropFirst()
        if depth == 0 && c == "\\" && chars.first == "(" { depth = 1; chars = chars.dropFirst(); continue }
        if depth > 0 {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            continue
        }
        out.append(c)
    }
    return out
}

@Suite struct MessageCatalogueTests {
    @Test func everyMessageIdHasBothLanguages() {
        #expect(catalogueProblems(MessageID.self) == [])
        #expect(catalogueProblems(MessagePhrase.self) == [])
        #expect(catalogueProblems(EngineMessage.self) == [])
        #expect(MessageID.allCases.count > 100)
    }

    @Test func argumentsAreSubstitutedOnceInEitherLanguage() {
        #expect(MessageID.unknownField.text(in: .english, "nmae", "children") == "unknown field 'nmae' in children")
        #expect(MessageID.unknownField.text(in: .chinese, "nmae", "children") == "children 中没有字段“nmae”")
        // An argument holding a placeholder is not substituted again.
        #expect(MessageID.typeMismatch.text(in: .english, "{2}", "int", "text") == "cannot apply '{2}' to int and text")
        #expect(EngineMessage.badInt.text(in: .chinese, "2x", "id") == "列 id 中的“2x”不是整数")
    }

    @Test func theLanguageComesFromTheLocaleInPosixPrecedence() {
        #expect(Language.fromEnvironment(["LANG": "zh_CN.UTF-8"]) == .chinese)
        #expect(Language.fromEnvironment(["LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"]) == .english)
        #expect(Language.fromEnvironment(["LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"]) == .chinese)
        #expect(Language.fromEnvironment(["LC_ALL": "C", "LC_MESSAGES": "zh_CN.UTF-8"]) == .english)
        #expect(Language.fromEnvironment(["LC_ALL": "", "LANG": "zh_CN"]) == .chinese)
        #expect(Language.fromEnvironment([:]) == .english)
        #expect(Language(option: "zh") == .chinese)
        #expect(Language(option: "en") == .english)
        #expect(Language(option: "fr") == nil)
    }

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    static func sourceLines() throws -> [(file: String, number: Int, text: String)] {
        var result: [(String, Int, String)] = []
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        for file in files.sorted() {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (i, line) in text.components(separatedBy: "\n").enumerated() {
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                result.append((file, i + 1, line))
            }
        }
        return result
    }

    /// A literal passed to an error type or error call, still holding English words once its
    /// interpolations and the labels scripts parse (error:, warning:, note:) are taken out.
    @Test func noUserFacingLiteralBypassesTheCatalogue() throws {
        let call = #/(DiagnosticError|Diagnostic|ChangeError|JournalError|LoadError|LoadDiagnostic|GivenError|StorageProblem|RowProblems|CSVError|FormRowError|ParamValueError|ImpactError|\bfail|error\(scope|failure|Terminal\.error|problems\.append|warnings\.append|report)\(/#
        // Kept in English on purpose, each for a reason:
        let allowed = [
            "Engine/Snapshot.swift",           // why a snapshot is stale or damaged: a detail inside EngineMessage.damagedSnapshot, for developers
            "Engine/DatasetGenerator.swift",   // `mql gen` for benchmarks
            "Repl/GenCommand.swift",
        ]
        var offenders: [String] = []
        for (file, number, line) in try Self.sourceLines() where !allowed.contains(file) {
            guard let match = line.firstMatch(of: call) else { continue }
            // Phrases handed to Message.expected and its kind are translated by MessagePhrase
            // (checked by the next test), so they are not offenders here.
            let rest = withoutInterpolations(String(line[match.range.lowerBound...]))
                .replacing(#/Message\.\w+\(\s*"(?:[^"\\]|\\.)*"/#, with: "")
            for literal in rest.matches(of: #/"((?:[^"\\]|\\.)*)"/#) {
                let words = String(literal.output.1).replacing(#/\b(error|warning|note)\b:?/#, with: "")
                // Words in a sentence (next to a space); a lone identifier such as "communities" is a name.
                if words.contains(#/[A-Za-z]{2,} |\s[A-Za-z]{2,}/#) { offenders.append("\(file):\(number): \(line.trimmingCharacters(in: .whitespaces))") }
            }
        }
        #expect(offenders == [], "user-facing literals outside the catalogues:\n\(offenders.joined(separator: "\n"))")
    }

    /// The phrases the parser and checker build messages from must all be translatable.
    @Test func everyParserAndCheckerPhraseIsInThePhraseCatalogue() throws {
        let phraseCall = #/(expectIdentifier\(|expect\("[^"]*", |Message\.expected\(|want\(\d+, \[[^\]]*\], |expected: |Message\.expectedType\()"((?:[^"\\]|\\.)*)"/#
        let contextArgument = #/context: "((?:[^"\\]|\\.)*)"/#
        var missing: [String] = []
        var found = 0
        for (file, number, line) in try Self.sourceLines() where file.hasPrefix("MQL/Parser") || file == "MQL/Checker.swift" {
            let phrases = line.matches(of: phraseCall).map { String($0.output.2) } + line.matches(of: contextArgument).map { String($0.output.1) }
            for escaped in phrases where !escaped.contains("\\(") && Int(escaped) == nil {
                let phrase = escaped.replacingOccurrences(of: "\\\"", with: "\"")
                found += 1
                if MessagePhrase.named(phrase) == nil && !phrase.contains(#/^'[^']*'$/#) {
                    missing.append("\(file):\(number): \"\(phrase)\"")
                }
            }
        }
        #expect(found > 30, "the scan finds the parser's and checker's phrases")
        #expect(missing == [], "phrases without a MessagePhrase entry:\n\(missing.joined(separator: "\n"))")
    }
}
