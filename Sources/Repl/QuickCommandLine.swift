// The common command line of a one-statement process — `mql --data DIR -c STATEMENTS
// [--format json] …` — read without ArgumentParser. ArgumentParser learns a command's
// options by reflecting over its type and resolving each property wrapper's generic type by
// its mangled name at run time, with a scan of every protocol conformance in the binary per
// new type: 3–4 ms of a 15 ms process (docs/performance.md, "The start of a process").
//
// Only the exact spellings listed here are read, each option at most once (the list ones
// any number of times), every value a separate argument or `--name=value`, none starting
// with `-`. Anything else — a subcommand, a file to run, help, `--`, a short flag group, an
// unknown or repeated option, a value that does not convert or validate — returns nil and
// ArgumentParser parses the command line as ever, with its own messages. So the outcome is
// the same as ArgumentParser's; only sooner. `QuickCommandLineTests` compares the two.

import ArgumentParser
import Engine
import Foundation

enum QuickCommandLine {
    /// The `run` command that `arguments` (without the program name) ask for, parsed and
    /// validated as ArgumentParser would; nil to leave it to ArgumentParser.
    static func runCommand(_ arguments: [String]) -> RunCommand? {
        var single: [String: String] = [:]
        var lists: [String: [String]] = ["rules": [], "param": []]
        var flags: Set<String> = []
        let valued: Set<String> = ["data", "today", "user", "timeout", "max-cells", "lang", "format", "out", "c"]
        let flagNames: Set<String> = ["unmask", "keep-going", "timer"]
        let subcommandNames = Set(MQLCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"])
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            let name: String
            var value: String?
            if argument == "-c" {
                name = "c"
            } else if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    name = String(body[..<equals])
                    value = String(body[body.index(after: equals)...])
                    guard !value!.isEmpty else { return nil }
                } else {
                    name = String(body)
                }
            } else {
                return nil
            }
            if flagNames.contains(name) {
                guard value == nil, flags.insert(name).inserted else { return nil }
                continue
            }
            guard valued.contains(name) || lists[name] != nil else { return nil }
            if value == nil {
                guard i < arguments.count, !arguments[i].hasPrefix("-") else { return nil }
                value = arguments[i]
                i += 1
            }
            // A value spelt like a subcommand is left to ArgumentParser's own reading.
            guard let value, !value.hasPrefix("-"), !subcommandNames.contains(value) else { return nil }
            if lists[name] != nil {
                lists[name]!.append(value)
            } else {
                guard single.updateValue(value, forKey: name) == nil else { return nil }
            }
        }

        var language = LanguageOption()
        language.lang = single["lang"]
        var session = SessionOptions()
        session.language = language
        session.data = single["data"]
        session.rules = lists["rules"]!
        session.today = single["today"]
        session.param = lists["param"]!
        session.unmask = flags.contains("unmask")
        session.user = single["user"]
        session.timeout = nil
        if let text = single["timeout"] {
            guard let seconds = Double(text) else { return nil }
            session.timeout = seconds
        }
        session.maxCells = nil
        if let text = single["max-cells"] {
            guard let cells = Int(text) else { return nil }
            session.maxCells = cells
        }
        var command = RunCommand()
        command.session = session
        command.format = nil
        if let text = single["format"] {
            guard let format = OutputFormat(rawValue: text) else { return nil }
            command.format = format
        }
        command.out = single["out"]
        command.keepGoing = flags.contains("keep-going")
        command.timer = flags.contains("timer")
        command.command = single["c"]
        command.files = []
        // ArgumentParser validates the innermost group first (the language, which it then
        // makes current), then the session's options.
        do {
            try language.validate()
            try session.validate()
        } catch {
            return nil
        }
        return command
    }
}
