// The language people read messages in, and the shape of a message catalogue. Every
// layer (Engine, MQL, the `mql` command) keeps its wording in one catalogue of its own: an
// enum whose cases are stable message ids, each with an English and a Chinese template.
// Engine sits at the bottom, so the choice of language and the template rendering live
// here and the layers above share them.

import Foundation

public enum Language: String, Sendable, CaseIterable {
    case english = "en"
    case chinese = "zh"

    /// The language of this process's messages. Set once at startup (from --lang or the
    /// locale) before anything is printed; diagnostics deep inside the engine and the
    /// language read it when they are created, which is why it is process-wide.
    nonisolated(unsafe) public static var current: Language = .english

    /// `zh…` in the first of LC_ALL, LC_MESSAGES, LANG that is set gives Chinese (the
    /// POSIX precedence: LC_ALL overrides LC_MESSAGES, which overrides LANG).
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[name], !value.isEmpty {
                return value.lowercased().hasPrefix("zh") ? .chinese : .english
            }
        }
        return .english
    }

    /// `--lang` takes `zh` or `en` (also the longer spellings people type: `zh_CN`, `zh-CN`).
    public init?(option: String) {
        let value = option.lowercased()
        if value == "zh" || value.hasPrefix("zh_") || value.hasPrefix("zh-") { self = .chinese }
        else if value == "en" || value.hasPrefix("en_") || value.hasPrefix("en-") { self = .english }
        else { return nil }
    }
}

/// A catalogue of messages: each case is a stable id with an English and a Chinese
/// template. `{1}`, `{2}` … in a template are replaced by the arguments, in one pass, so
/// an argument that itself holds `{2}` is never substituted again.
public protocol MessageCatalogue: CaseIterable, Sendable {
    /// (English, Chinese). The English text is the project's contract: scripts and tests
    /// match it, so it does not change when Chinese is added.
    var templates: (english: String, chinese: String) { get }
}

extension MessageCatalogue {
    public func template(in language: Language) -> String {
        language == .chinese ? templates.chinese : templates.english
    }

    /// The message in the current language, with its arguments substituted.
    public func callAsFunction(_ arguments: CustomStringConvertible...) -> String {
        Self.substitute(template(in: Language.current), arguments.map(\.description))
    }

    public func text(in language: Language, _ arguments: CustomStringConvertible...) -> String {
        Self.substitute(template(in: language), arguments.map(\.description))
    }

    static func substitute(_ template: String, _ arguments: [String]) -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"), let n = Int(rest[afterOpen..<close]),
               n >= 1, n <= arguments.count {
                result += arguments[n - 1]
                rest = rest[rest.index(after: close)...]
            } else {
                result += "{"
                rest = rest[afterOpen...]
            }
        }
        return result + rest
    }
}

/// Picks the current language's wording of a small fragment without a catalogue id, for
/// pieces that only make sense inside a catalogue message (a plural ending, a noun phrase
/// given as an argument). Whole messages always go through a catalogue.
public func inCurrentLanguage(_ english: String, _ chinese: String) -> String {
    Language.current == .chinese ? chinese : english
}
