// QuickCommandLine reads the common command line without ArgumentParser: whatever it
// accepts must give exactly the command ArgumentParser gives (every property, set or
// defaulted), and whatever it does not know exactly it must leave to ArgumentParser.

import ArgumentParser
import Engine
import XCTest
@testable import Repl

final class QuickCommandLineTests: XCTestCase {
    override func tearDown() {
        Language.current = .english
    }

    /// Every stored property, with the state of its property wrapper: a property the quick
    /// reader forgot to set shows as `.definition`, never as a value.
    func described(_ command: RunCommand) -> String {
        var text = ""
        dump(command, to: &text)
        return text
    }

    func argumentParserReading(_ arguments: [String]) throws -> RunCommand {
        let parsed = try MQLCommand.parseAsRoot(arguments)
        return try XCTUnwrap(parsed as? RunCommand, "ArgumentParser read \(arguments) as \(type(of: parsed))")
    }

    func testTheCommonCommandLinesGiveArgumentParsersCommand() throws {
        let lines: [[String]] = [
            [],
            ["-c", "count children"],
            ["--data", "/tmp/some data", "-c", "count children where street = \"布吉\""],
            ["-c", "count children", "--format", "json", "--data=/tmp/d"],
            ["--format=csv", "--out", "results.csv", "-c", "children"],
            ["--rules", "a.mql", "--rules=b", "--param", "x=1", "--param", "y = 2", "--unmask", "--keep-going", "--timer",
             "--today", "2019-11-30", "--timeout", "2.5", "--max-cells", "100", "--lang", "zh", "--user", "王", "-c", "count children"],
            ["--lang", "en_US", "--data", "d"],
            ["--timeout", "1e3", "--max-cells", "+7"],
            ["-c", "", "--data", "d"],
        ]
        for arguments in lines {
            let quick = try XCTUnwrap(QuickCommandLine.runCommand(arguments), "declined \(arguments)")
            let quickLanguage = Language.current
            Language.current = .english
            let reference = try argumentParserReading(arguments)
            XCTAssertEqual(described(quick), described(reference), "\(arguments)")
            XCTAssertEqual(quickLanguage, Language.current, "the language after \(arguments)")
            XCTAssertFalse(described(quick).contains("definition"), "\(arguments): a property left unset")
            Language.current = .english
        }
    }

    func testEverythingElseIsLeftToArgumentParser() {
        let declined: [[String]] = [
            ["check"], ["run", "-c", "count children"], ["--help"], ["-h"], ["help"], ["--version"],
            ["file.mql"], ["-c", "count children", "file.mql"], ["--", "-c"],
            ["--data", "x", "--data", "y"], ["-c", "a", "-c", "b"], ["--unmask", "--unmask"],
            ["-c"], ["--data"], ["--data", "-c", "x"], ["-c", "-1"], ["--data="], ["--unmask=1"],
            ["--timeout", "abc"], ["--timeout", "0"], ["--max-cells", "0"], ["--max-cells", "1.5"],
            ["--format", "xml"], ["--lang", "fr"], ["--today", "2019-13-01"], ["--param", "noequals"],
            ["--data", "check", "-c", "count children"], ["-cx"], ["--nonsense", "x"], ["-x"],
            ["--generate-completion-script", "bash"],
        ]
        for arguments in declined {
            XCTAssertNil(QuickCommandLine.runCommand(arguments), "\(arguments) should go to ArgumentParser")
        }
    }
}
