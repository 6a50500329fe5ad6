// Shared fixtures: the shipped example dataset and rules, small hand-made datasets, and
// helpers that run statements and show their results as plain text.
//
// Every test builds its own `Session`: a store caches indexes lazily and is not meant to be
// shared between threads, and Swift Testing runs tests in parallel.

import Engine
import Foundation
import MQL
import Testing

enum Fixtures {
    /// The package root (this file is Tests/MQLTests/Support/Fixtures.swift).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let exampleData = root.appendingPathComponent("examples/data").path
    static let exampleRules = root.appendingPathComponent("examples/rules").path
    static let today = CivilDate.days(year: 2019, month: 11, day: 30)

    /// The shipped rule files, named `rules/NAME.mql` so messages do not depend on where
    /// the checkout is.
    static let ruleSources: [SourceFile] = {
        let paths = (try? RuleFiles.files(at: exampleRules)) ?? []
        return paths.compactMap { path in
            guard let source = try? RuleFiles.readSource(path) else { return nil }
            return SourceFile(name: "rules/" + (path as NSString).lastPathComponent, text: source.text)
        }
    }()

    static let exampleFiles: [String: [UInt8]] = {
        var files: [String: [UInt8]] = [:]
        for name in ["streets", "communities", "children", "mothers", "pairings", "visits"] {
            if let data = FileManager.default.contents(atPath: exampleData + "/" + name + ".csv") { files[name] = [UInt8](data) }
        }
        return files
    }()

    static func exampleStore() throws -> Store {
        try DatasetLoader.load(files: exampleFiles, directory: "examples/data")
    }

    /// The example dataset with the shipped rules, today 2019-11-30.
    static func exampleSession() throws -> Session {
        try Session(store: exampleStore(), ruleSources: ruleSources, today: today)
    }

    /// A session over CSV texts by collection name, with the shipped rules (or others).
    static func session(_ files: [String: String], rules: [SourceFile]? = nil) throws -> Session {
        let store = try DatasetLoader.load(files: files.mapValues { Array($0.utf8) }, directory: "small")
        return try Session(store: store, ruleSources: rules ?? ruleSources, today: today)
    }

    static func smallSession() throws -> Session { try session(small) }

    /// A small dataset whose every answer can be worked out by hand.
    ///
    /// children: 1 王小明 男 2010-03-15 布吉/凤凰 [低保 单亲] size 3 income 1000 已审核
    ///           2 王芳   女 2012-07    平湖/凤凰 []        size –  income 2000 待审核
    ///           3 李四   –  –          布吉/可园 [孤儿]    size 5  income –    已审核
    ///           4 张三   男 2008-11-30 坂田      [低保]    size 4  income 0    不通过
    ///           5 陈红   女 2015-01-01 平湖/凤凰 [其他特殊困难 低保] size 2 income 1500 –
    /// pairings: 1 mother 1 child 1 since 2019-05-25, active; last 家访 2019-09-30 (exactly
    ///           today − 2 months: in time) and a phone call later
    ///           2 mother 2 child 3 2019-06-01 … 2019-08-01, ended
    ///           3 mother 3 child 2 since 2019-09-01 until 2100-01-01, active; only online
    ///           contact, so overdue
    static let small: [String: String] = [
        "streets": "name,quota,liaison,liaison_phone\n布吉,5,刘婷,15204904588\n平湖,3,张慧敏,13543202355\n坂田,,,\n",
        "communities": "name,street\n凤凰,布吉\n可园,布吉\n凤凰,平湖\n",
        "children": """
            id,name,gender,birth,street,community,guardian,guardian_phone,address,tags,reason,household_size,household_income,medical_cost,status,review,registered
            1,王小明,男,2010-03-15,布吉,凤凰,王大明,13812345678,龙岗区布吉街道凤凰社区1号,低保;单亲,,3,1000,,已审核,,2019-05-01
            2,王芳,女,2012-07,平湖,凤凰,王二,13900000002,龙岗区平湖街道凤凰社区2号,,,,2000,0,待审核,,2019-05-02
            3,李四,,,布吉,可园,李五,,,孤儿,,5,,20000,已审核,,2019-05-03
            4,张三,男,2008-11-30,坂田,,张父,13900000004,坂田,低保,,4,0,,不通过,,2019-05-04
            5,陈红,女,2015-01-01,平湖,凤凰,陈母,13900000005,平湖街道,其他特殊困难;低保,,2,1500,,,,2019-05-05

            """,
        "mothers": "id,name,org,title,phone,level,street,community,roles\n1,苏颖,区妇联,主席,17733878888,区,,,主席\n2,冯桂英,布吉街道妇联,副主席,19919529068,街道,布吉,,副主席\n3,黄丽,凤凰社区妇联,主席,13333333333,社区,平湖,凤凰,主席;巾帼志愿者\n",
        "pairings": "id,mother,child,since,until,channels,note\n1,1,1,2019-05-25,,微信,\n2,2,3,2019-06-01,2019-08-01,电话,\n3,3,2,2019-09-01,2100-01-01,QQ;微信,\n",
        "visits": "id,pairing,date,kind,note\n1,1,2019-09-30,家访,\n2,1,2019-11-01,电话,\n3,3,2019-10-01,线上,\n",
    ]
}

// MARK: - Running statements

struct StatementFailure: Error, CustomStringConvertible {
    let description: String
}

extension Session {
    /// The outcome of a source holding exactly one statement; its errors as a thrown failure.
    func one(_ text: String, name: String = "<test>") throws -> StatementOutcome {
        let outcomes = run(text, name: name)
        guard outcomes.count == 1 else { throw StatementFailure(description: "\(outcomes.count) outcomes for \(text)") }
        switch outcomes[0] {
        case .success(let o): return o
        case .failure(let e): throw StatementFailure(description: e.description)
        }
    }

    /// A query's rows, each shown as its cells joined by " | ".
    func rows(_ text: String) throws -> [String] {
        guard case .rows(let r) = try one(text) else { throw StatementFailure(description: "not rows: \(text)") }
        return r.rows.map { $0.map(show).joined(separator: " | ") }
    }

    func result(_ text: String) throws -> QueryResult {
        guard case .rows(let r) = try one(text) else { throw StatementFailure(description: "not rows: \(text)") }
        return r
    }

    func columnNames(_ text: String) throws -> [String] { try result(text).columns.map(\.name) }

    func count(_ text: String) throws -> Int {
        guard case .count(let n) = try one(text) else { throw StatementFailure(description: "not a count: \(text)") }
        return n
    }

    /// A lone expression's value, shown.
    func value(_ text: String) throws -> String {
        guard case .value(let v, _) = try one(text) else { throw StatementFailure(description: "not a value: \(text)") }
        return show(v)
    }

    /// The diagnostics of every failing statement of a source, as `FILE:LINE:COL: error: …`.
    func errors(_ text: String, name: String = "q.mql") -> [String] {
        run(text, name: name, keepGoing: true).flatMap { outcome -> [String] in
            if case .failure(let e) = outcome { return e.diagnostics.map(\.description) }
            return []
        }
    }
}

/// A value as tests write it: null is `null`, sets `[a, b]`, numbers without `.0`.
func show(_ v: Value) -> String {
    switch v {
    case .null: return "null"
    case .set(let items): return "[" + items.joined(separator: ", ") + "]"
    default: return v.description
    }
}

/// A result as a small table: a header line, then a line per row, cells joined by " | ".
func render(_ r: QueryResult) -> String {
    ([r.columns.map(\.name).joined(separator: " | ")] + r.rows.map { $0.map(show).joined(separator: " | ") })
        .joined(separator: "\n")
}

// MARK: - Seeded randomness

/// SplitMix64: the tests' own seeded generator, so every run sees the same cases.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
