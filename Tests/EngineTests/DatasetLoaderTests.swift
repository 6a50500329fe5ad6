// DatasetLoader on small in-memory datasets: headers in any order, nulls, sets, dates,
// references (a community within its street), and every kind of bad row reported with
// FILE:LINE — all of them, not just the first.

import Engine
import Foundation
import Testing

/// A small valid dataset; tests replace or add files.
let baseFiles: [String: String] = [
    "streets": "name,quota,liaison,liaison_phone\n布吉,20,刘婷,15204904588\n平湖,15,,\n坂田,,\"\",\n",
    "communities": "name,street\n凤凰,布吉\n凤凰,平湖\n可园,布吉\n",
    // Header in a different order from data.md; BOM; a YYYY-MM birth; empty and "" cells.
    "children": "\u{FEFF}street,community,id,name,birth,tags,status,household_size\n"
        + "平湖,凤凰,2,王芳,2012-07,,\"\",\n"
        + "布吉,凤凰,1,王小明,2010-03-15,低保;单亲,已审核,3\n"
        + "布吉,,3,\"李,四\",,\" 孤儿 ; \",待审核,-2\n",
    "mothers": "id,name,level,street,community,roles\n1,苏颖,社区,平湖,凤凰,主席;巾帼志愿者\n2,冯桂英,区,,,\n",
    "pairings": "id,mother,child,since,until,channels,note\n1,1,2,2019-05-25,,微信;QQ,\"第一行\n第二行\"\n",
    "visits": "pairing,id,date,note,kind\n1,1,2019-06-07,\"说 \"\"你好\"\"\",家访\n",
]

func load(_ files: [String: String], directory: String = ".") throws -> Store {
    try DatasetLoader.load(files: files.mapValues { Array($0.utf8) }, directory: directory)
}

func loadBytes(_ files: [String: [UInt8]], directory: String = ".") throws -> Store {
    try DatasetLoader.load(files: files, directory: directory)
}

/// The load error's lines, or a failure if it loaded.
func loadErrors(_ files: [String: String], directory: String = ".", sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    do {
        _ = try load(files, directory: directory)
        Issue.record("expected a load error", sourceLocation: sourceLocation)
        return []
    } catch let error as LoadError {
        return error.diagnostics.map(\.description)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return []
    }
}

/// Orders `FILE:LINE: …` lines by file, then line number.
func byFileAndLine(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> (String, Int) {
        let parts = s.split(separator: ":", maxSplits: 2)
        return (String(parts[0]), Int(parts[1]) ?? 0)
    }
    let (fa, la) = key(a), (fb, lb) = key(b)
    return fa != fb ? fa < fb : la < lb
}

extension Table {
    func text(_ column: String, _ row: Int) -> String? {
        guard case .text(let c)? = self.column(named: column) else { return "<not text>" }
        return c.text(at: row)
    }
    func int(_ column: String, _ row: Int) -> Int? {
        guard case .int(let c)? = self.column(named: column) else { return nil }
        let v = c.values[row]
        return v == IntColumn.null ? nil : v
    }
    func date(_ column: String, _ row: Int) -> String? {
        guard case .date(let c)? = self.column(named: column) else { return "<not date>" }
        let v = c.values[row]
        return v == DateColumn.null ? nil : CivilDate.format(v)
    }
    func set(_ column: String, _ row: Int) -> [String]? {
        guard case .textSet(let c)? = self.column(named: column) else { return nil }
        return c.texts(at: row)
    }
    /// The target row of a reference, or nil when null.
    func ref(_ column: String, _ row: Int) -> Int? {
        guard case .reference(let c)? = self.column(named: column) else { return nil }
        let v = c.rows[row]
        return v < 0 ? nil : Int(v)
    }
}

@Suite struct DatasetLoaderTests {
    @Test func loadsTheBaseDataset() throws {
        let store = try load(baseFiles)
        let streets = try #require(store.table("streets"))
        let children = try #require(store.table("children"))
        #expect(Array(store.collectionNames.prefix(6)) == ["streets", "communities", "children", "mothers", "pairings", "visits"])
        // Streets and communities are kept in pinyin key order: 坂田 布吉 平湖.
        #expect((0..<streets.rowCount).map { streets.keyText(row: $0) } == ["坂田", "布吉", "平湖"])
        #expect(streets.int("quota", 0) == nil)
        #expect(streets.text("liaison", 0) == nil, "a quoted empty cell is null")
        #expect(streets.int("quota", 1) == 20)
        // Children in id order whatever the file order.
        #expect(children.rowCount == 3)
        #expect((0..<3).map { children.id(row: $0) } == [1, 2, 3])
        #expect(children.row(id: 2) == 1)
        #expect(children.text("name", 0) == "王小明")
        #expect(children.text("name", 2) == "李,四")
        #expect(children.date("birth", 0) == "2010-03-15")
        #expect(children.date("birth", 1) == "2012-07-01", "YYYY-MM is the 1st of the month")
        #expect(children.date("birth", 2) == nil)
        #expect(children.set("tags", 0) == ["低保", "单亲"])
        #expect(children.set("tags", 1) == [], "an empty set cell is the empty set")
        #expect(children.column(named: "tags")?.isNull(at: 1) == false)
        #expect(children.set("tags", 2) == ["孤儿"], "set elements are trimmed")
        #expect(children.text("status", 1) == nil, "\"\" is null")
        #expect(children.int("household_size", 1) == nil)
        #expect(children.int("household_size", 2) == -2)
        #expect(children.text("guardian", 0) == nil, "a column missing from the header is null")
        #expect(children.ref("community", 2) == nil)
    }

    /// Rows already in pinyin key order are kept as they come (checked by comparing
    /// neighbours); out of order they are sorted; either way the same store, and a name
    /// given twice side by side is still reported.
    @Test func namesInOrderOrNotLoadTheSame() throws {
        var sorted = baseFiles
        sorted["streets"] = "name,quota\n坂田,1\n布吉,2\n平湖,3\n"
        var shuffled = baseFiles
        shuffled["streets"] = "name,quota\n平湖,3\n坂田,1\n布吉,2\n"
        for files in [sorted, shuffled] {
            let streets = try #require(try load(files).table("streets"))
            #expect((0..<3).map { streets.keyText(row: $0) } == ["坂田", "布吉", "平湖"])
            #expect((0..<3).map { streets.int("quota", $0) } == [1, 2, 3])
            #expect(streets.rows(keyText: "平湖") == [2], "the key index follows the rows")
        }
        var twice = baseFiles
        twice["streets"] = "name,quota\n坂田,1\n布吉,2\n布吉,3\n平湖,3\n"
        #expect(loadErrors(twice) == ["streets.csv:4: error: duplicate key '布吉' (first on line 3)"])
        var sameCommunityTwice = baseFiles
        sameCommunityTwice["communities"] = "name,street\n凤凰,布吉\n可园,布吉\n凤凰,平湖\n凤凰,平湖\n"
        #expect(loadErrors(sameCommunityTwice) == ["communities.csv:5: error: duplicate community '凤凰' in street '平湖' (first on line 4)"])
    }

    @Test func communityResolvedWithinItsStreet() throws {
        let store = try load(baseFiles)
        let streets = try #require(store.table("streets"))
        let communities = try #require(store.table("communities"))
        let children = try #require(store.table("children"))
        let mothers = try #require(store.table("mothers"))
        func streetOfCommunity(_ row: Int) -> String? {
            communities.ref("street", row).map { streets.keyText(row: $0) }
        }
        // Two communities are called 凤凰.
        #expect(communities.rows(keyText: "凤凰").count == 2)
        let child1 = try #require(children.row(id: 1)), child2 = try #require(children.row(id: 2))
        let c1 = try #require(children.ref("community", child1))
        let c2 = try #require(children.ref("community", child2))
        #expect(c1 != c2)
        #expect(communities.keyText(row: c1) == "凤凰")
        #expect(communities.keyText(row: c2) == "凤凰")
        #expect(streetOfCommunity(c1) == "布吉")
        #expect(streetOfCommunity(c2) == "平湖")
        let mother = try #require(mothers.row(id: 1))
        #expect(mothers.ref("community", mother) == c2)
        #expect(mothers.set("roles", mother) == ["主席", "巾帼志愿者"])
    }

    @Test func quotedMultilineAndDoubledQuotes() throws {
        let store = try load(baseFiles)
        #expect(store.table("pairings")?.text("note", 0) == "第一行\n第二行")
        #expect(store.table("pairings")?.set("channels", 0) == ["微信", "QQ"])
        #expect(store.table("visits")?.text("note", 0) == "说 \"你好\"")
        #expect(store.table("visits")?.text("kind", 0) == "家访")
    }

    @Test func missingFilesAreEmptyCollections() throws {
        let store = try load(["streets": baseFiles["streets"]!])
        #expect(store.table("children")?.rowCount == 0)
        #expect(store.table("visits")?.rowCount == 0)
        let empty = try load([:])
        #expect(empty.tables.allSatisfy { $0.rowCount == 0 })
        let headerOnly = try load(["children": "id,name\n"])
        #expect(headerOnly.table("children")?.rowCount == 0)
    }

    /// (A column the schema does not know is an error now: HeaderTests.)
    @Test func crlf() throws {
        var files = baseFiles
        files["children"] = "id,name,street\r\n1,王小明,布吉\r\n2,\"王\r\n芳\",平湖\r\n"
        let store = try load(files)
        let children = try #require(store.table("children"))
        #expect(children.rowCount == 2)
        #expect(children.text("name", 1) == "王\r\n芳")
    }

    @Test func directoryIsPartOfTheReportedPath() {
        let files = filesUpTo("children", replacing: "id,street\n1,不存在\n")
        #expect(loadErrors(files, directory: "data") == ["data/children.csv:2: error: unknown street '不存在' (no such key in streets)"])
    }

    struct BadRow: Sendable, CustomStringConvertible {
        let name: String
        let collection: String
        let content: String
        let expected: [String]
        var description: String { name }
    }

    static let badRows: [BadRow] = [
        BadRow(name: "bad street reference", collection: "children", content: "id,street\n1,布吉\n2,不存在\n",
               expected: ["children.csv:3: error: unknown street '不存在' (no such key in streets)"]),
        BadRow(name: "community not in the row's street", collection: "children", content: "id,street,community\n1,平湖,可园\n",
               expected: ["children.csv:2: error: unknown community '可园' in street '平湖'"]),
        BadRow(name: "community without street", collection: "children", content: "id,street,community\n1,,可园\n",
               expected: ["children.csv:2: error: community '可园' needs a street to be resolved in"]),
        BadRow(name: "bad mother reference", collection: "pairings", content: "id,mother,child,since\n1,99,1,2019-05-25\n",
               expected: ["pairings.csv:2: error: unknown mother '99' (no such key in mothers)"]),
        BadRow(name: "duplicate id", collection: "children", content: "id,name\n1,a\n2,b\n1,c\n",
               expected: ["children.csv:4: error: duplicate id 1 (first on line 2)"]),
        BadRow(name: "duplicate id out of order", collection: "children", content: "id,name\n5,a\n1,b\n5,c\n",
               expected: ["children.csv:4: error: duplicate id 5 (first on line 2)"]),
        BadRow(name: "duplicate street", collection: "streets", content: "name,quota\n布吉,1\n平湖,2\n布吉,3\n",
               expected: ["streets.csv:4: error: duplicate key '布吉' (first on line 2)"]),
        BadRow(name: "duplicate community in one street", collection: "communities", content: "name,street\n凤凰,布吉\n凤凰,平湖\n凤凰,布吉\n",
               expected: ["communities.csv:4: error: duplicate community '凤凰' in street '布吉' (first on line 2)"]),
        BadRow(name: "bad date", collection: "children", content: "id,birth\n1,2019-02-30\n",
               expected: ["children.csv:2: error: bad date '2019-02-30' in column birth (expected YYYY-MM-DD or YYYY-MM)"]),
        BadRow(name: "month date where a day is needed", collection: "pairings", content: "id,since\n1,2019-05\n",
               expected: ["pairings.csv:2: error: bad date '2019-05' in column since (expected YYYY-MM-DD)"]),
        BadRow(name: "bad month", collection: "children", content: "id,birth\n1,2019-13-01\n",
               expected: ["children.csv:2: error: bad date '2019-13-01' in column birth (expected YYYY-MM-DD or YYYY-MM)"]),
        BadRow(name: "bad int", collection: "children", content: "id,household_size\n1,三\n",
               expected: ["children.csv:2: error: bad int '三' in column household_size"]),
        BadRow(name: "decimal is not an int", collection: "children", content: "id,household_income\n1,3.5\n",
               expected: ["children.csv:2: error: bad int '3.5' in column household_income"]),
        BadRow(name: "bad id", collection: "children", content: "id,name\nx,a\n",
               expected: ["children.csv:2: error: bad int 'x' in column id"]),
        BadRow(name: "empty id", collection: "children", content: "id,name\n,a\n",
               expected: ["children.csv:2: error: empty id"]),
        BadRow(name: "too few columns", collection: "children", content: "id,name,street\n1,a\n",
               expected: ["children.csv:2: error: expected 3 columns, found 2"]),
        BadRow(name: "too many columns", collection: "children", content: "id,name\n1,a,b\n",
               expected: ["children.csv:2: error: expected 2 columns, found 3"]),
        BadRow(name: "unterminated quote", collection: "children", content: "id,name\n1,a\n2,\"b\n3,c\n",
               expected: ["children.csv:3: error: unterminated quoted field"]),
        BadRow(name: "text after closing quote", collection: "children", content: "id,name\n1,\"a\"b\n",
               expected: ["children.csv:2: error: unexpected character after a closing quote"]),
        BadRow(name: "missing required column", collection: "children", content: "name,street\na,布吉\n",
               expected: ["children.csv:1: error: missing column 'id'"]),
        BadRow(name: "column twice", collection: "children", content: "id,name,name\n1,a,b\n",
               expected: ["children.csv:1: error: column 'name' appears twice in the header"]),
    ]

    @Test(arguments: badRows)
    func badRow(_ c: BadRow) {
        // Collections loaded after the changed one are left out: their references to rows
        // the case removes would be (rightly) reported too.
        #expect(loadErrors(filesUpTo(c.collection, replacing: c.content)) == c.expected)
    }

    /// The base files up to `collection` in load order, with `collection` replaced.
    func filesUpTo(_ collection: String, replacing content: String) -> [String: String] {
        let order = ["streets", "communities", "children", "mothers", "pairings", "visits"]
        var files: [String: String] = [:]
        for name in order.prefix(through: order.firstIndex(of: collection)!) { files[name] = baseFiles[name] }
        files[collection] = content
        return files
    }

    @Test func rowsThatFailTakeTheirReferencesWithThem() {
        var files = baseFiles
        files["children"] = "id,name\n1,a\n"  // child 2, which pairing 1 names, is gone
        #expect(loadErrors(files) == [
            "pairings.csv:2: error: unknown child '2' (no such key in children)",
            "visits.csv:2: error: unknown pairing '1' (no such key in pairings)",
        ])
    }

    @Test func invalidUTF8ReportsItsLine() {
        var files = filesUpTo("children", replacing: "").mapValues { Array($0.utf8) }
        files["children"] = Array("id,name\n1,a\n2,".utf8) + [0xE5, 0xB8] + Array("\n".utf8)
        do {
            _ = try loadBytes(files)
            Issue.record("expected a load error")
        } catch let error as LoadError {
            #expect(error.diagnostics.map(\.description) == ["children.csv:3: error: invalid UTF-8 (byte 14)"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func everyBadRowOfEveryFileIsReported() {
        var files = filesUpTo("mothers", replacing: "")
        files["children"] = "id,name,birth,household_size,street\n"
            + "1,a,2010-01-01,3,布吉\n"
            + "2,b,2019-02-30,3,布吉\n"     // line 3: bad date
            + "3,c,2010-01-01,x,布吉\n"     // line 4: bad int
            + "4,d,2010-01-01,3,不存在\n"   // line 5: bad reference
            + "5,e\n"                      // line 6: wrong column count
            + "1,f,2010-01-01,3,布吉\n"     // line 7: duplicate id
            + "6,\"g\n"                    // line 8: unterminated quote
        files["mothers"] = "id,name,street\n1,a,火星\n1,b,布吉\n"
        // Compared in line order: which pass found an error is not the user's concern.
        let errors = loadErrors(files).sorted(by: byFileAndLine)
        #expect(errors == [
            "children.csv:3: error: bad date '2019-02-30' in column birth (expected YYYY-MM-DD or YYYY-MM)",
            "children.csv:4: error: bad int 'x' in column household_size",
            "children.csv:5: error: unknown street '不存在' (no such key in streets)",
            "children.csv:6: error: expected 5 columns, found 2",
            "children.csv:7: error: duplicate id 1 (first on line 2)",
            "children.csv:8: error: unterminated quoted field",
            "mothers.csv:2: error: unknown street '火星' (no such key in streets)",
        ])
    }

    @Test func reportingIsCapped() {
        let files = filesUpTo("children", replacing: "id,birth\n" + (1...500).map { "\($0),bad" }.joined(separator: "\n") + "\n")
        let errors = loadErrors(files)
        #expect(errors.count == 100)
        #expect(errors.first == "children.csv:2: error: bad date 'bad' in column birth (expected YYYY-MM-DD or YYYY-MM)")
    }

    @Test func loadsFromADirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in baseFiles {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name + ".csv"))
        }
        let store = try DatasetLoader.load(directory: dir.path)
        #expect(store.table("children")?.rowCount == 3)
        #expect(throws: LoadError.self) { try DatasetLoader.load(directory: dir.appendingPathComponent("nope").path) }
    }
}
