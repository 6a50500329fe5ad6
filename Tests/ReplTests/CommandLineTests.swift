// The `mql` command end to end (cli.md): exit codes, where statements come from, output
// formats, masking, params, and the test / check / gen subcommands.

import Foundation
import Testing

/// A dataset with values that stress every output format: CJK, commas, quotes, newlines,
/// tabs, nulls, sets, references and personal data.
let formatDataset: [String: String] = [
    "streets": "name,quota,liaison,liaison_phone\n布吉,5,刘婷,15204904588\n平湖,3,,\n",
    "communities": "name,street\n凤凰,布吉\n凤凰,平湖\n",
    "children": "id,name,birth,street,community,guardian_phone,address,tags,household_income,reason\n"
        + "1,王小明,2010-03-15,布吉,凤凰,13812345678,龙岗区布吉街道凤凰社区1号,低保;单亲,1000,普通\n"
        + "2,\"Li, \"\"Ann\"\"\",2012-07,平湖,凤凰,,\"第一行\n第二行\",,,\"tab\there\\slash\"\n"
        + "3,Émile,,平湖,,0755-1234,ab,孤儿,25000,\n",
]

let formatScript = """
    children select id, name, birth, street, tags, household_income, guardian_phone, address, reason order by id
    count children
    children where id = 99 select id, name
    children where id = 1 select household_income / 3 as third, street.quota, community
    """

@Suite struct CommandLineTests {
    @Test func countPrintsABareNumber() throws {
        let r = try MQLProcess.today(["-c", "count children"])
        #expect(r.status == 0)
        #expect(r.stdout == "180\n")
        #expect(r.stderr == "")
    }

    /// Without --data and --rules: the shipped example data and rules.
    @Test func defaultsToTheShippedExample() throws {
        let r = try MQLProcess.run(["--today", "2019-11-30", "-c", "count streets\ncount children where eligible or not eligible"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("11\n"))
    }

    struct ExitCase: Sendable, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let stderrContains: String
        var description: String { arguments.joined(separator: " ") }
    }

    static let exitCases: [ExitCase] = [
        ExitCase(arguments: ["-c", "count children"], status: 0, stderrContains: ""),
        ExitCase(arguments: ["-c", "children where stret = 1"], status: 1,
                 stderrContains: "<command>:1:16: error: unknown field 'stret' in children; did you mean 'street'?"),
        ExitCase(arguments: ["-c", "children where"], status: 1, stderrContains: "<command>:1:"),
        ExitCase(arguments: ["--format", "xml", "-c", "count children"], status: 2, stderrContains: "xml"),
        ExitCase(arguments: ["--today", "2019-13-01", "-c", "count children"], status: 2, stderrContains: "2019-13-01"),
        ExitCase(arguments: ["--today", "yesterday", "-c", "count children"], status: 2, stderrContains: "yesterday"),
        ExitCase(arguments: ["--param", "nosuch=1", "-c", "count children"], status: 2, stderrContains: "nosuch"),
        ExitCase(arguments: ["--param", "visit_interval", "-c", "count children"], status: 2, stderrContains: "NAME=VALUE"),
        ExitCase(arguments: ["--param", "visit_interval=abc", "-c", "count children"], status: 2, stderrContains: "visit_interval"),
        ExitCase(arguments: ["--no-such-option"], status: 2, stderrContains: "no-such-option"),
        ExitCase(arguments: ["--data", "/nonexistent/mql-data", "-c", "count children"], status: 1, stderrContains: "/nonexistent/mql-data"),
        ExitCase(arguments: ["--rules", "/nonexistent/mql-rules", "-c", "count children"], status: 1, stderrContains: "/nonexistent/mql-rules"),
        ExitCase(arguments: ["/nonexistent/script.mql"], status: 1, stderrContains: "/nonexistent/script.mql"),
    ]

    @Test(arguments: exitCases)
    func exitCodes(_ c: ExitCase) throws {
        let r = try MQLProcess.today(c.arguments)
        #expect(r.status == c.status, "\(r)")
        if !c.stderrContains.isEmpty { #expect(r.stderr.contains(c.stderrContains), "\(r)") }
        if c.status != 0 { #expect(r.stdout == "", "nothing on stdout for a failure") }
    }

    @Test func stopsAtTheFirstFailingStatement() throws {
        let script = "count children\nchildren where nosuch = 1\ncount streets"
        let r = try MQLProcess.today(["-c", script])
        #expect(r.status == 1)
        #expect(r.stdout == "180\n")
        #expect(r.stderr == "<command>:2:16: error: unknown field 'nosuch' in children\n")
        let k = try MQLProcess.today(["--keep-going", "-c", script])
        #expect(k.status == 1)
        #expect(k.stdout == "180\n\n11\n")
        #expect(k.stderr == r.stderr)
    }

    @Test func statementsFromStdin() throws {
        let ok = try MQLProcess.today([], input: "count children\ncount streets\n")
        #expect(ok.status == 0)
        #expect(ok.stdout == "180\n\n11\n")
        let bad = try MQLProcess.today([], input: "count streets\n\ncount mothrs\ncount children\n")
        #expect(bad.status == 1)
        #expect(bad.stdout == "11\n")
        #expect(bad.stderr.hasPrefix("<stdin>:3:7: error: unknown collection 'mothrs'"), "\(bad)")
        let multiline = try MQLProcess.today([], input: "count children where\n  street = \"布吉\"\n  and unpaired\n")
        #expect(multiline.stdout == "17\n", "\(multiline)")
        let operatorContinues = try MQLProcess.today([], input: "count children where street = \"布吉\" and\nunpaired\ncount streets\n")
        #expect(operatorContinues.stdout == "17\n\n11\n", "\(operatorContinues)")
    }

    /// A statement whose bracket stays open over lines that are not indented.
    @Test func stdinStatementWithAnOpenBracket() throws {
        let input = "count children where street in [\n\"布吉\",\n\"平湖\"]\ncount streets\n"
        let viaC = try MQLProcess.today(["-c", input])
        #expect(viaC.status == 0, "\(viaC)")
        #expect(viaC.stdout.hasSuffix("\n\n11\n"), "\(viaC)")
        let r = try MQLProcess.today([], input: input)
        do {
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout == viaC.stdout)
        }
    }

    @Test func semicolonsAndMultipleStatementsInC() throws {
        let r = try MQLProcess.today(["-c", "count children; count streets"])
        #expect(r.stdout == "180\n\n11\n")
        #expect(r.status == 0)
    }

    @Test func scriptFiles() throws {
        let dir = try temporaryDirectory("scripts")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.mql"), b = dir.appendingPathComponent("b.mql"), c = dir.appendingPathComponent("c.mql")
        try "count streets\n".write(to: a, atomically: true, encoding: .utf8)
        try "# b\ncount children\n  where nosuch = 1\n".write(to: b, atomically: true, encoding: .utf8)
        try "count mothers\n".write(to: c, atomically: true, encoding: .utf8)
        let r = try MQLProcess.today([a.path, b.path, c.path])
        #expect(r.status == 1)
        #expect(r.stdout == "11\n")
        #expect(r.stderr == "\(b.path):3:9: error: unknown field 'nosuch' in children\n")
        let k = try MQLProcess.today(["--keep-going", a.path, b.path, c.path])
        #expect(k.status == 1)
        #expect(k.stdout == "11\n\n162\n")
        let ok = try MQLProcess.today([a.path, c.path])
        #expect(ok.status == 0)
        #expect(ok.stdout == "11\n\n162\n")
    }

    @Test func outputFormatsGolden() throws {
        let data = try writeDataset(formatDataset, label: "formats")
        defer { try? FileManager.default.removeItem(at: data) }
        var out = "# The same script in every --format (data: CommandLineTests.formatDataset).\n"
        out += "# Carriage returns are shown as ␍.\n"
        for format in ["table", "csv", "tsv", "json"] {
            let r = try MQLProcess.today(["--data", data.path, "--format", format, "-c", formatScript])
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr == "")
            out += "\n== \(format)\n" + r.stdout.replacingOccurrences(of: "\r", with: "␍")
        }
        ReplGolden.check(out, "cli_formats.txt")
    }

    @Test func csvIsRFC4180() throws {
        let data = try writeDataset(formatDataset, label: "csv")
        defer { try? FileManager.default.removeItem(at: data) }
        let r = try MQLProcess.today(["--data", data.path, "--format", "csv", "-c", "children where id = 2 select id, name, address, reason"])
        #expect(r.stdout == "id,name,address,reason\r\n2,\"Li, \"\"Ann\"\"\",\"第一行\n****\",tab\there\\slash\r\n")
        let unmasked = try MQLProcess.today(["--data", data.path, "--format", "csv", "--unmask", "-c", "children where id = 2 select address"])
        #expect(unmasked.stdout == "address\r\n\"第一行\n第二行\"\r\n")
    }

    @Test func jsonLines() throws {
        let data = try writeDataset(formatDataset, label: "json")
        defer { try? FileManager.default.removeItem(at: data) }
        let r = try MQLProcess.today(["--data", data.path, "--format", "json", "-c",
                                      "children where id <= 2 select id, name, street, tags, household_income, birth order by id\ncount children"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2] == "", "\(r)")
        #expect(lines.first == """
            [{"id":1,"name":"王小明","street":"布吉","tags":["低保","单亲"],"household_income":1000,"birth":"2010-03-15"},\
            {"id":2,"name":"Li, \\"Ann\\"","street":"平湖","tags":[],"household_income":null,"birth":"2012-07-01"}]
            """)
        #expect(lines.dropFirst().first == "3")
        // Every line is valid JSON with keys in column order.
        let parsed = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [[String: Any]]
        #expect(parsed?.count == 2)
    }

    @Test func tableAlignsByDisplayWidth() throws {
        let data = try writeDataset(formatDataset, label: "table")
        defer { try? FileManager.default.removeItem(at: data) }
        let r = try MQLProcess.today(["--data", data.path, "--format", "table", "-c", "children select name, street, id order by id"])
        let lines = r.stdout.components(separatedBy: "\n").filter { !$0.isEmpty }
        #expect(lines.last == "(3 rows)")
        // The column after `name` starts at the same display column on every line.
        func displayWidth(_ s: Substring) -> Int {
            s.unicodeScalars.reduce(0) { width, scalar in
                let v = scalar.value
                let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                    || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
                return width + (wide ? 2 : 1)
            }
        }
        let starts = lines.dropLast().map { line -> Int in
            let chars = Array(line)
            var i = 0
            // skip the first cell and the spaces after it
            while i < chars.count, chars[i] != " " || (i + 1 < chars.count && chars[i + 1] != " ") { i += 1 }
            while i < chars.count, chars[i] == " " { i += 1 }
            return displayWidth(Substring(String(chars[..<i])))
        }
        #expect(Set(starts).count == 1, "\(lines)")
    }

    @Test func maskingAndUnmask() throws {
        let masked = try MQLProcess.today(["--format", "tsv", "-c", "children where id = 1 select guardian_phone, address"])
        let unmasked = try MQLProcess.today(["--format", "tsv", "--unmask", "-c", "children where id = 1 select guardian_phone, address"])
        #expect(masked.stdout == "guardian_phone\taddress\n199****2440\t龙岗区布****\n")
        #expect(unmasked.stdout == "guardian_phone\taddress\n19903312440\t龙岗区布吉街道可园社区吉华路20号4栋1303\n")
        // Queries compare the real values.
        let found = try MQLProcess.today(["-c", "count children where guardian_phone = \"19903312440\""])
        #expect(found.stdout == "1\n")
        let mothers = try MQLProcess.today(["--format", "csv", "-c", "mothers where id = 1 select phone"])
        #expect(mothers.stdout == "phone\r\n177****8888\r\n")
        let streets = try MQLProcess.today(["--format", "json", "-c", "streets where name = \"坂田\" select liaison_phone"])
        #expect(streets.stdout == "[{\"liaison_phone\":\"186****9864\"}]\n")
    }

    @Test func paramOverrideChangesAResult() throws {
        let base = try MQLProcess.today(["-c", "count pairings where overdue"])
        let strict = try MQLProcess.today(["--param", "visit_interval=1 month", "-c", "count pairings where overdue"])
        let lax = try MQLProcess.today(["--param", "visit_interval=6 months", "-c", "count pairings where overdue"])
        let n = Int(base.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let s = Int(strict.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let l = Int(lax.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(base.status == 0 && strict.status == 0 && lax.status == 0, "\(strict)")
        #expect(s > n && n > l && l >= 0, "1 month: \(s), 2 months: \(n), 6 months: \(l)")
        let ratio = try MQLProcess.today(["--param", "medical_burden_ratio=0.01", "-c", "count children where 超出承受能力"])
        let defaultRatio = try MQLProcess.today(["-c", "count children where 超出承受能力"])
        #expect(ratio.stdout != defaultRatio.stdout)
    }

    @Test func todayIsFixed() throws {
        let r = try MQLProcess.today(["--format", "json", "-c", "today()\ntoday() - 2 months"])
        #expect(r.stdout == "\"2019-11-30\"\n\"2019-09-30\"\n")
        let later = try MQLProcess.run(["--today", "2021-01-01", "-c", "count children where age >= 10"])
        let now = try MQLProcess.today(["-c", "count children where age >= 10"])
        #expect(later.stdout != now.stdout)
    }

    @Test func testSubcommandPassesOnShippedRules() throws {
        let r = try MQLProcess.run(["test", "--today", "2019-11-30"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasSuffix(" passed, 0 failed\n"), "\(r)")
        #expect(!r.stdout.contains("FAIL"))
    }

    @Test func testSubcommandReportsAFailure() throws {
        let dir = try temporaryDirectory("failing-test")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("t.mql")
        try """
            define children.big = household_size >= 6
            test "big households" {
                given children {id: 1, street: "布吉", household_size: 5}
                expect big of children 1 = true
            }
            """.write(to: rules, atomically: true, encoding: .utf8)
        let r = try MQLProcess.run(["test", "--rules", rules.path])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("FAIL \(rules.path):4:5:"), "\(r)")
        #expect(r.stdout.hasSuffix("0 passed, 1 failed\n"), "\(r)")
    }

    @Test func checkListsConstraintViolations() throws {
        let r = try MQLProcess.run(["check", "--today", "2019-11-30", "--data", MQLProcess.exampleCopy])
        #expect(r.status == 1, "\(r)")
        for citation in ["三(四) 每名“妇联妈妈”与1名贫困儿童结对", "附件1 各街道贫困儿童名额分配表：已审核儿童数不超过街道名额",
                         "constraint pairings.one_child:", "constraint streets.within_quota:"] {
            #expect(r.stdout.contains(citation), "\(citation) not listed")
        }
        #expect(!r.stdout.contains("19903312440"), "personal data is never shown")
        // A dataset that breaks nothing passes.
        let clean = try writeDataset(["streets": "name,quota,liaison\n布吉,4,刘婷\n", "communities": "name,street\n凤凰,布吉\n"], label: "clean")
        defer { try? FileManager.default.removeItem(at: clean) }
        let ok = try MQLProcess.run(["check", "--data", clean.path, "--today", "2019-11-30"])
        #expect(ok.status == 0, "\(ok)")
    }

    /// A change reported as done is in the dataset for the next process.
    @Test func changesAreDurable() throws {
        let data = try writeDataset(formatDataset, label: "durable")
        defer { try? FileManager.default.removeItem(at: data) }
        let insert = try MQLProcess.today(["--data", data.path, "--format", "json", "-c",
                                           "insert children {name: \"新\", birth: 2012-05, street: \"布吉\", community: \"凤凰\", tags: [\"低保\"]}"])
        #expect(insert.status == 0, "\(insert)")
        #expect(insert.stdout == "{\"changed\":1,\"id\":4}\n")
        let count = try MQLProcess.today(["--data", data.path, "-c", "count children where street = \"布吉\""])
        #expect(count.stdout == "2\n", "\(count)")
        // A refused change leaves nothing behind, and says why.
        let refused = try MQLProcess.today(["--data", data.path, "-c", "insert children {id: 1, name: \"重复\"}"])
        #expect(refused.status == 1)
        #expect(refused.stdout == "")
        #expect(refused.stderr.hasPrefix("<command>:1:1: error:"), "\(refused)")
        let after = try MQLProcess.today(["--data", data.path, "-c", "count children"])
        #expect(after.stdout == "4\n")
    }

    @Test func generateThenQuery() throws {
        let dir = try temporaryDirectory("gen")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("data")
        let gen = try MQLProcess.run(["gen", "--children", "500", "--seed", "1", "--out", out.path])
        #expect(gen.status == 0, "\(gen)")
        #expect(gen.stdout == "")
        let r = try MQLProcess.today(["--data", out.path, "-c", "count children"])
        #expect(r.stdout == "500\n", "\(r)")
        #expect(r.status == 0)
    }

    @Test func badDatasetRow() throws {
        var files = formatDataset
        files["children"] = "id,name,birth,street\n1,a,2010-01-01,布吉\n2,b,2019-02-30,布吉\n3,c,2010-01-01,火星\n"
        let data = try writeDataset(files, label: "bad")
        defer { try? FileManager.default.removeItem(at: data) }
        let r = try MQLProcess.today(["--data", data.path, "-c", "count children"])
        #expect(r.status == 1)
        #expect(r.stdout == "")
        let path = data.appendingPathComponent("children.csv").path
        #expect(r.stderr.contains("\(path):3: error: bad date '2019-02-30'"), "\(r)")
        #expect(r.stderr.contains("\(path):4: error: unknown street '火星'"), "\(r)")
    }

    @Test func invalidUTF8Script() throws {
        let dir = try temporaryDirectory("utf8")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("bad.mql")
        try Data(Array("count children\ncount ".utf8) + [0xFF, 0x0A]).write(to: script)
        let r = try MQLProcess.today([script.path])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("\(script.path):2:7: error:"), "\(r)")
    }
}
