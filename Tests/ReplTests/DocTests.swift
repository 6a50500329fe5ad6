// Documentation that cannot drift. Every example of README.md and docs/*.md that shows a
// command with its output — a ``` block of `$ mql …` lines (or `$ printf … | mql …`, or any
// shell command that prepares one), each followed by what it prints — is run with the real
// binary and must print what the page shows (stdout and stderr together, as a user sees
// them in a non-terminal). A line holding only `…` stands for any run of lines; it is the
// only difference tolerated. `RECORD_GOLDEN=1 swift test --filter DocTests` rewrites the
// pages' outputs in place, keeping their elisions.
//
// A page's commands run in the order shown, as a reader would type them in one shell (a
// `cd` carries over), starting in the repository. Paths under /tmp/ in a command are moved
// to a fresh directory of the page's own, and moved back in what is printed: a page can
// `mql init /tmp/mql-changes` and change that copy in later blocks without meeting an
// earlier run's copy or another test run at the same time. (The shipped examples are
// read-only: a change needs such a copy.)
//
// Every relative link of those pages, and every `.md` file or `../` path they name, must
// be a file of this repository: a clone has nothing else.

import Foundation
import Testing

/// One `$ ` command of a page and the output lines the page shows for it.
struct DocCommand {
    /// The command as written, its continuation lines included.
    let text: String
    /// Index (0-based) of the command's first line in the page.
    let line: Int
    /// Indexes of the page's lines that hold the expected output.
    let outputLines: Range<Int>
    let expected: [String]
}

/// A fenced block of a page that holds commands.
struct DocExample {
    let page: String
    /// Index (0-based) of the opening fence.
    let fenceLine: Int
    /// The fence's indentation, which every line of the block carries (a block in a list).
    let indentation: String
    let commands: [DocCommand]
    /// Lines before the first command: nothing would check them.
    let unchecked: [String]
}

enum DocPages {
    static let root = MQLProcess.root

    /// README.md and docs/*.md, as paths relative to the repository.
    static var all: [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    static func lines(of page: String) throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
        return text.components(separatedBy: "\n")
    }

    /// The fenced blocks of a page: (index of the opening fence, indentation, body lines
    /// with the indentation removed).
    static func fencedBlocks(_ lines: [String]) -> [(fence: Int, indentation: String, body: [String])] {
        var blocks: [(Int, String, [String])] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let indentation = String(line.prefix { $0 == " " })
            guard line.dropFirst(indentation.count).hasPrefix("```") else { index += 1; continue }
            var body: [String] = []
            var end = index + 1
            while end < lines.count, !lines[end].trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                body.append(lines[end].hasPrefix(indentation) ? String(lines[end].dropFirst(indentation.count)) : lines[end])
                end += 1
            }
            blocks.append((index, indentation, body))
            index = end + 1
        }
        return blocks
    }

    static func examples(of page: String) throws -> [DocExample] {
        try fencedBlocks(lines(of: page)).compactMap { block in
            guard block.body.contains(where: { $0.hasPrefix("$ ") }) else { return nil }
            let firstCommand = block.body.firstIndex { $0.hasPrefix("$ ") }!
            var commands: [DocCommand] = []
            var index = firstCommand
            while index < block.body.count {
                var text = String(block.body[index].dropFirst(2))
                let start = index
                index += 1
                // A quote left open (a multi-line `-c '…'`) or a trailing backslash
                // continues the command on the next line.
                while ShellText.continues(text), index < block.body.count {
                    text += "\n" + block.body[index]
                    index += 1
                }
                let outputStart = index
                while index < block.body.count, !block.body[index].hasPrefix("$ ") { index += 1 }
                let firstLine = block.fence + 1
                commands.append(DocCommand(text: text, line: firstLine + start,
                                           outputLines: (firstLine + outputStart)..<(firstLine + index),
                                           expected: Array(block.body[outputStart..<index])))
            }
            return DocExample(page: page, fenceLine: block.fence, indentation: block.indentation, commands: commands,
                              unchecked: Array(block.body[..<firstCommand]))
        }
    }
}

enum ShellText {
    /// Whether a command line of sh is unfinished: a quote is open or it ends with `\`.
    static func continues(_ text: String) -> Bool {
        var quote: Character? = nil
        var escaped = false
        var previous: Character = " "
        var inComment = false
        for character in text {
            defer { previous = character }
            if inComment { if character == "\n" { inComment = false }; continue }
            if escaped { escaped = false; continue }
            switch quote {
            case "'": if character == "'" { quote = nil }
            case "\"":
                if character == "\\" { escaped = true } else if character == "\"" { quote = nil }
            default:
                if character == "\\" { escaped = true }
                else if character == "'" || character == "\"" { quote = character }
                else if character == "#", previous.isWhitespace { inComment = true }
            }
        }
        return quote != nil || escaped
    }
}

/// Matching printed lines against a page's lines, where a line `…` matches any run of lines.
enum Elision {
    static let mark = "…"

    static func matches(_ expected: [String], _ actual: [String]) -> Bool {
        // matched[i][j]: expected[i...] matches actual[j...].
        var matched = Array(repeating: Array(repeating: false, count: actual.count + 1), count: expected.count + 1)
        matched[expected.count][actual.count] = true
        for i in stride(from: expected.count - 1, through: 0, by: -1) {
            for j in stride(from: actual.count, through: 0, by: -1) {
                if expected[i] == mark {
                    matched[i][j] = matched[i + 1][j] || (j < actual.count && matched[i][j + 1])
                } else {
                    matched[i][j] = j < actual.count && expected[i] == actual[j] && matched[i + 1][j + 1]
                }
            }
        }
        return matched[0][0]
    }

    /// What a page should show for `actual`, keeping the page's elisions: as many lines
    /// before the first `…` and after the last one as the page shows now, and a run in
    /// between only when it is still printed there.
    static func record(_ expected: [String], _ actual: [String]) -> [String] {
        guard let first = expected.firstIndex(of: mark), let last = expected.lastIndex(of: mark) else { return actual }
        let head = min(first, actual.count)
        let tail = min(expected.count - 1 - last, actual.count - head)
        guard head + tail < actual.count else { return actual }
        var recorded = Array(actual[..<head])
        var rest = actual[head..<(actual.count - tail)]
        for run in expected[min(first + 1, last)..<last].split(separator: mark) {
            guard let found = rest.indices.first(where: { rest[$0...].starts(with: run) }) else { continue }
            if found > rest.startIndex { recorded.append(mark) }
            recorded += run
            rest = rest[(found + run.count)...]
        }
        if !rest.isEmpty { recorded.append(mark) }
        return recorded + actual[(actual.count - tail)...]
    }

    /// A line diff (longest common subsequence): `-` the page, `+` the program.
    static func diff(_ expected: [String], _ actual: [String]) -> String {
        var common = Array(repeating: Array(repeating: 0, count: actual.count + 1), count: expected.count + 1)
        for i in stride(from: expected.count - 1, through: 0, by: -1) {
            for j in stride(from: actual.count - 1, through: 0, by: -1) {
                common[i][j] = expected[i] == actual[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var lines: [String] = []
        var i = 0, j = 0
        while i < expected.count || j < actual.count {
            if i < expected.count, j < actual.count, expected[i] == actual[j] {
                lines.append("  " + expected[i]); i += 1; j += 1
            } else if j < actual.count, i == expected.count || common[i][j + 1] >= common[i + 1][j] {
                lines.append("+ " + actual[j]); j += 1
            } else {
                lines.append("- " + expected[i]); i += 1
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// A reader's shell session over one page: its commands run one after another through
/// /bin/sh, `mql` being the built binary, starting in the repository; a `cd` carries over to
/// the next command, and paths under /tmp/ are moved to `scratch`.
final class DocSession {
    let scratch: URL
    private(set) var directory = DocPages.root.path

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mql-doc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent(".run"), withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Runs one command; returns the lines it printed (stdout and stderr as one stream, as
    /// a terminal shows them), with `scratch` moved back to /tmp/.
    func run(_ command: String) throws -> [String] {
        guard let binary = MQLProcess.binary else {
            Issue.record("no mql binary found; build it first (swift build) or set MQL_BINARY")
            return []
        }
        let files = scratch.appendingPathComponent(".run")
        let input = files.appendingPathComponent("stdin"), output = files.appendingPathComponent("output")
        let directoryFile = files.appendingPathComponent("directory")
        try Data().write(to: input)
        let script = """
            exec 2>&1
            trap 'pwd > "$MQL_DOC_DIRECTORY_FILE"' EXIT
            mql() { "$MQL_DOC_BINARY" "$@"; }
            \(command.replacingOccurrences(of: "/tmp/", with: scratch.path + "/"))
            """
        var environment = ProcessInfo.processInfo.environment
        environment["MQL_HOME"] = nil
        environment["MQL_DOC_BINARY"] = binary.path
        environment["MQL_DOC_DIRECTORY_FILE"] = directoryFile.path
        // The pages are in English: no locale of the machine running the tests may change that.
        for name in ["LC_ALL", "LC_MESSAGES", "LANGUAGE"] { environment[name] = nil }
        environment["LANG"] = "C.UTF-8"
        _ = try MQLProcess.spawnAndWait("/bin/sh", arguments: ["-c", script], environment: environment,
                                        stdin: input.path, stdout: output.path, stderr: files.appendingPathComponent("stderr").path,
                                        workingDirectory: directory)
        if let now = try? String(contentsOf: directoryFile, encoding: .utf8).trimmingCharacters(in: .newlines), !now.isEmpty {
            directory = now
        }
        var printed = String(decoding: try Data(contentsOf: output), as: UTF8.self)
            .replacingOccurrences(of: scratch.path + "/", with: "/tmp/")
            .components(separatedBy: "\n")
        if printed.last == "" { printed.removeLast() }
        return printed
    }
}

@Suite struct DocTests {
    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" }

    /// The pages' examples run as shown, each page's blocks in order (a later block may
    /// use the copy an earlier one made).
    @Test(arguments: DocPages.all)
    func examplesPrintWhatThePageShows(_ page: String) throws {
        var lines = try DocPages.lines(of: page)
        var replacements: [(range: Range<Int>, lines: [String])] = []
        let session = try DocSession()
        for example in try DocPages.examples(of: page) {
            #expect(example.unchecked.isEmpty,
                    "\(page):\(example.fenceLine + 2): a block of commands starts with text no command printed: \(example.unchecked)")
            for command in example.commands {
                let actual = try session.run(command.text)
                if Elision.matches(command.expected, actual) { continue }
                if Self.recording {
                    replacements.append((command.outputLines, Elision.record(command.expected, actual).map { $0.isEmpty ? $0 : example.indentation + $0 }))
                } else {
                    Issue.record("""
                        \(page):\(command.line + 1): `$ \(command.text)` prints something else than the page shows \
                        (- page, + mql; re-record with RECORD_GOLDEN=1):
                        \(Elision.diff(command.expected, actual))
                        """)
                }
            }
        }
        guard !replacements.isEmpty else { return }
        for replacement in replacements.reversed() { lines.replaceSubrange(replacement.range, with: replacement.lines) }
        try lines.joined(separator: "\n").write(to: DocPages.root.appendingPathComponent(page), atomically: true, encoding: .utf8)
    }

    @Test func theRunnerFindsTheExamples() throws {
        let readme = try DocPages.examples(of: "README.md")
        let commands = readme.flatMap(\.commands)
        #expect(commands.count >= 8, "README's tour shows its commands: \(commands.map(\.text))")
        #expect(commands.contains { $0.text.hasPrefix("printf ") && $0.text.contains("| mql") })
        let changes = try DocPages.examples(of: "docs/changes.md").flatMap(\.commands)
        #expect(changes.contains { $0.text.contains("\n") }, "a multi-line -c '…' is one command")
    }

    /// An example that reads the date would print another output tomorrow: every `mql`
    /// of the pages that runs statements fixes today with `--today`.
    @Test(arguments: DocPages.all)
    func examplesFixToday(_ page: String) throws {
        for command in try DocPages.examples(of: page).flatMap(\.commands) {
            for invocation in DocLinkTests.matches(#"(?:^|[|;&]\s*)mql\b([^|;&]*)"#, in: command.text, group: 1) {
                let words = invocation.split(whereSeparator: \.isWhitespace)
                if let subcommand = words.first, ["init", "test", "fmt", "gen"].contains(String(subcommand)) { continue }
                #expect(words.contains("--today"), "\(page):\(command.line + 1): `mql\(invocation)` depends on the day it runs; add --today 2019-11-30")
            }
        }
    }

    /// The lists of dot commands in language.md and repl.md name every command `.help`
    /// of the real binary lists.
    @Test func thePagesListEveryDotCommand() throws {
        let help = try MQLProcess.run(["-c", ".help commands"])
        let names = help.stdout.components(separatedBy: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  ."), let name = line.dropFirst(2).split(separator: " ").first else { return nil }
            return String(name)
        }
        #expect(names.count >= 10 && names.contains(".import"), "\(help)")
        let language = try DocPages.lines(of: "docs/language.md").joined(separator: "\n")
        let section = language.components(separatedBy: "## Dot commands").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
        let repl = try DocPages.lines(of: "docs/repl.md")
        for name in names {
            #expect(section.contains("`\(name)"), "docs/language.md's Dot commands do not name \(name)")
            #expect(repl.contains { $0.hasPrefix("| `\(name)") }, "docs/repl.md's table of dot commands has no row for \(name)")
        }
    }

    @Test func aPagesSessionKeepsItsDirectoryAndItsOwnTmp() throws {
        let session = try DocSession()
        #expect(try session.run("mql -c 'count children'") == ["180"], "mql is the built binary, on the shipped examples")
        #expect(try session.run("mkdir -p /tmp/mql-doc-check && cd /tmp/mql-doc-check && echo made > note") == [])
        #expect(try session.run("pwd; cat note") == ["/tmp/mql-doc-check", "made"], "cd carries over; /tmp/ is the session's own")
        #expect(try session.run("mql -c 'count nothing'; echo status $?").last == "status 1", "stderr is shown with stdout")
    }

    @Test func commandContinuationFollowsShellQuoting() {
        #expect(ShellText.continues("mql -c 'update children"))
        #expect(!ShellText.continues("mql -c 'count children'"))
        #expect(ShellText.continues("mql -c \"it's"))
        #expect(!ShellText.continues("mql -c \"it's\""))
        #expect(ShellText.continues("mql --today 2019-11-30 \\"))
        #expect(!ShellText.continues("cp -r a b     # don't"))
    }

    @Test func anElisionMatchesAnyRunOfLines() {
        #expect(Elision.matches(["a", "…"], ["a", "b", "c"]))
        #expect(Elision.matches(["a", "…"], ["a"]))
        #expect(Elision.matches(["…", "c"], ["a", "b", "c"]))
        #expect(Elision.matches(["a", "…", "c", "…", "e"], ["a", "b", "c", "d", "e"]))
        #expect(!Elision.matches(["a", "…", "x"], ["a", "b", "c"]))
        #expect(!Elision.matches(["a", "b"], ["a", "b", "c"]), "without `…` every line is shown")
        #expect(!Elision.matches(["a", "b …"], ["a", "b", "c"]), "only `…` alone on its line elides")
    }

    @Test func recordingKeepsThePagesElisions() {
        #expect(Elision.record(["a", "b"], ["a", "x"]) == ["a", "x"])
        #expect(Elision.record(["a", "old", "…"], ["a", "new", "c", "d"]) == ["a", "new", "…"])
        #expect(Elision.record(["…", "z"], ["x", "y", "w"]) == ["…", "w"])
        #expect(Elision.record(["a", "…", "m", "…", "z"], ["a", "b", "m", "n", "z"]) == ["a", "…", "m", "…", "z"])
        #expect(Elision.record(["a", "…"], ["b"]) == ["b"], "nothing left to elide")
    }
}

@Suite struct DocLinkTests {
    /// A page's text without its fenced blocks and code spans, where `[x](y)` is no link.
    static func prose(_ lines: [String]) -> String {
        var kept: [String] = []
        var inFence = false
        for line in lines {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inFence.toggle(); continue }
            if !inFence { kept.append(line) }
        }
        return kept.joined(separator: "\n").replacingOccurrences(of: "`[^`]*`", with: "", options: .regularExpression)
    }

    static func matches(_ pattern: String, in text: String, group: Int = 0) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: group)) }
    }

    /// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as `-`.
    static func anchor(_ heading: String) -> String {
        String(heading.lowercased().compactMap { c -> Character? in
            if c == " " { return "-" }
            return c.isLetter || c.isNumber || c == "-" || c == "_" ? c : nil
        })
    }

    static func anchors(of page: URL) -> Set<String> {
        guard let text = try? String(contentsOf: page, encoding: .utf8) else { return [] }
        var inFence = false
        var result: Set<String> = []
        for line in text.components(separatedBy: "\n") {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inFence.toggle(); continue }
            if !inFence, line.hasPrefix("#") {
                result.insert(anchor(line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)))
            }
        }
        return result
    }

    /// Whether `path` (relative to the page's directory) is a file or directory inside
    /// the repository.
    static func resolves(_ path: String, from page: String) -> URL? {
        let root = DocPages.root.standardizedFileURL.path
        let url = DocPages.root.appendingPathComponent(page).deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
        guard url.path.hasPrefix(root + "/") || url.path == root, FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    @Test(arguments: DocPages.all)
    func everyRelativeLinkNamesAFileOfTheRepository(_ page: String) throws {
        let text = Self.prose(try DocPages.lines(of: page))
        for target in Self.matches(#"\]\(([^)\s]+)\)"#, in: text, group: 1) {
            if target.range(of: "^[a-zA-Z][a-zA-Z0-9+.-]*:", options: .regularExpression) != nil { continue }  // https:, mailto:
            let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let file: URL
            if parts[0].isEmpty {
                file = DocPages.root.appendingPathComponent(page)
            } else if let resolved = Self.resolves(parts[0], from: page) {
                file = resolved
            } else {
                Issue.record("\(page): the link (\(target)) names no file of the repository")
                continue
            }
            if parts.count == 2, file.pathExtension == "md" {
                #expect(Self.anchors(of: file).contains(parts[1]), "\(page): the link (\(target)) names no heading of \(file.lastPathComponent)")
            }
        }
    }

    /// A page that names another page (`data.md`) or a path outside the repository
    /// (`../shared/…`) sends a reader of a clone nowhere, link or not.
    @Test(arguments: DocPages.all)
    func everyNamedPageAndPathIsInTheRepository(_ page: String) throws {
        let text = try DocPages.lines(of: page).joined(separator: "\n")
        for name in Self.matches(#"(?<![\w*/.-])[\w./-]*[\w-]\.md(?![\w])"#, in: text) {
            let found = Self.resolves(name, from: page) ?? Self.resolves(name, from: "README.md")
            #expect(found != nil, "\(page): names \(name), which is not a file of the repository")
        }
        for path in Self.matches(##"(?<![\w.])\.\./[^\s`)'"#]*"##, in: text) {
            #expect(Self.resolves(path, from: page) != nil, "\(page): names \(path), which is not a file of the repository")
        }
    }

    @Test func theLinkCheckSeesWhatAReaderFollows() {
        #expect(Self.anchor("Tests in rule files") == "tests-in-rule-files")
        #expect(Self.anchor("5. Check the whole dataset · 检查全部数据") == "5-check-the-whole-dataset--检查全部数据")
        #expect(Self.resolves("changes.md", from: "docs/rules.md") != nil)
        #expect(Self.resolves("data.md", from: "docs/rules.md") == nil || FileManager.default.fileExists(atPath: DocPages.root.appendingPathComponent("docs/data.md").path))
        #expect(Self.resolves("../shared/spec/cli.md", from: "docs/repl.md") == nil, "outside the repository")
        #expect(Self.prose(["see `[x](nowhere.md)`", "```", "[y](nowhere.md)", "```"]).contains("nowhere") == false)
    }
}
