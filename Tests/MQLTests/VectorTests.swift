// Conditions, group keys, aggregates and `order by … limit` computed for whole columns at
// once (Planner+Vectors) give exactly what the row-by-row closures give: checked against
// full scans (`useIndexes = false`, which never uses them) on generated data, and the byte
// matchers for `contains` and `like` against matching Strings.

@testable import MQL
import Engine
import Foundation
import Testing

@Suite struct VectorTests {
    /// Text with every kind of scalar the byte matchers must be careful with: combining
    /// marks, CR LF, Hangul, emoji with modifiers, precomposed and decomposed letters.
    static let pieces = ["王", "吉", "华", "路", "a", "b", "%", "_", " ", "\r\n", "\r", "\n", "e\u{301}", "é", "\u{301}",
                         "한", "ᄒ", "👍🏽", "\u{302A}", "，", "Ａ", "。"]

    func randomText(_ rng: inout SplitMix, maxLength: Int) -> String {
        (0..<rng.below(maxLength + 1)).map { _ in Self.pieces[rng.below(Self.pieces.count)] }.joined()
    }

    @Test func containsAndLikeOnBytesAgreeWithStrings() {
        var rng = SplitMix(seed: 17)
        let dictionary = TextDictionary()
        for _ in 0..<3000 { _ = dictionary.intern(randomText(&rng, maxLength: 8)) }
        for _ in 0..<300 {
            let pattern = randomText(&rng, maxLength: 3)
            let contains = TextMatching.containsAnswers(dictionary, pattern)
            let like = TextMatching.likeAnswers(dictionary, pattern)
            let likePattern = LikePattern(pattern)
            for code in 0..<dictionary.count {
                let text = dictionary.string(at: code)
                #expect(contains[code] == text.contains(pattern), "\(text.debugDescription) contains \(pattern.debugDescription)")
                #expect(like[code] == likePattern.matches(text), "\(text.debugDescription) like \(pattern.debugDescription)")
            }
        }
    }

    @Test func plainTextIsOnlyWhatCannotCombine() {
        func plain(_ s: String) -> Bool { var s = s; return s.withUTF8 { TextMatching.isPlain($0) } }
        #expect(plain("龙岗区吉华路12号，Ａ座 room 3"))
        #expect(!plain("e\u{301}"))
        #expect(!plain("a\r\nb"))
        #expect(!plain("한"))
        #expect(!plain("👍"))
        #expect(!plain("\u{302A}"))
    }

    static func generatedSession() throws -> Session {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-vectors-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 4000, seed: 23).write(to: dir)
        let store = try DatasetLoader.load(directory: dir.path)
        return try Session(store: store, ruleSources: Fixtures.ruleSources, today: Fixtures.today)
    }

    /// Whole statements, rows in order, with and without the column-at-once forms.
    @Test func statementsAgreeWithScans() throws {
        let session = try Self.generatedSession()
        let statements = [
            "children where address contains \"吉华路\" select id, address",
            "children where address like \"%花园%\" or name like \"李_\" select id",
            "children where reason contains \"低保\" and not (household_income > 1500) select id",
            "visits where pairing.child.street = \"平湖\" and kind = \"家访\" and date >= 2019-09-01 select id, pairing.mother.name",
            "pairings where child.street in [\"布吉\", \"龙岗\"] and mother.level != \"区\" select id",
            "pairings where mother.name like \"张%\" select id",
            "children where count(pairings) >= 2 select id, count(pairings where active)",
            "mothers where count(pairings where active) = 0 and level = \"社区\" select id",
            "pairings where active and count(visits where kind = \"家访\") = 0 select id",
            "pairings where overdue select id, last_home_visit, visit_due",
            "pairings where coalesce(last_home_visit, since) < 2019-09-01 select id",
            "children where eligible and status = \"已审核\" select id",
            "children where status = \"已审核\" and not eligible select id",
            "children where unpaired and street = \"布吉\" select id",
            "children where age between 6 and 12 and \"低保\" in tags select id, age order by age desc limit 7",
            "children where household_size in [1, 2.0, 7.5] and status in [\"待审核\", \"不通过\"] select id",
            "children where birth in [2010-03-15, 2012-07-01] or registered is null select id",
            "mothers where paired select id",
            "mothers where street = null or community is null select id",
            "children group by street select street, count() as n, avg(household_income), max(medical_cost), min(birth), sum(household_size)",
            "children where status = \"已审核\" group by street, gender select street, gender, count(), sum(household_size)",
            "visits group by kind select kind, count(), min(date), max(date)",
            "pairings group by child.street select child.street, count()",
            "children group by age select age, count()",
            "children group by eligible, unpaired select eligible, unpaired, count()",
            "children order by household_income desc limit 10 select id, household_income",
            "children order by medical_cost desc, household_income limit 25 select id",
            "children where street = \"龙城\" order by birth limit 20 select id, birth",
            "children order by birth limit 30 offset 5 select id",
            "visits where kind = \"家访\" order by date desc limit 15 select id",
            "children order by household_income limit 3990 select id",
            "pairings where active order by last_home_visit desc limit 20 select id, last_home_visit",
            // The shapes of issue 14's second pass: like prefixes, suffixes and exact
            // patterns on bytes, contains with a filter, counts and group-bys without one.
            "children where name like \"欧阳%\" or name like \"王%\" select id, name",
            "mothers where org like \"%社区妇联\" and name like \"李_\" select id, org",
            "mothers where level like \"区\" or name like \"王_\" select id",
            "children where address contains \"爱联路\" or name like \"%明\" select id",
            "children where address contains \"新村\" and street = \"龙城\" select id, address",
            "children where street = \"布吉\" and unpaired select id, name, status",
            "children where not (household_income > 3000) select id",
            "children group by street, gender select street, gender, count(), avg(household_income), min(medical_cost)",
            "children where household_income > 1000 group by status, street select status, street, count(), sum(medical_cost)",
            "children order by household_income desc, id limit 10 select id, household_income",
            "children order by registered, medical_cost desc limit 40 select id",
            // Whole numbers close together: a table of their span (nulls and negatives outside it).
            "children where status in [\"待审核\", \"不通过\"] and household_size in [1, 2] select id, status, household_size",
            "children where household_size in [5, -3, 4] or household_income in [0, 1000, 4000] select id",
            "children where not (household_size in [2, 3]) select id",
        ]
        for statement in statements {
            let (indexed, scanned) = try indexedAndScanned(session, statement)
            #expect(indexed == scanned, "\(statement)")
            #expect(!scanned.isEmpty, "\(statement) selects nothing: not much of a test")
        }
        // The same on both cores: the passes split at 256 rows, so 4,000 children take
        // several ranges; partial results must combine to the single-threaded ones.
        let minimum = Parallel.minimumItems
        Parallel.minimumItems = 256
        defer { Parallel.minimumItems = minimum }
        for statement in statements {
            let (indexed, scanned) = try indexedAndScanned(session, statement)
            #expect(indexed == scanned, "on both cores: \(statement)")
        }
        for statement in statements where !statement.contains("group by") && !statement.contains("order by") {
            let query = statement.components(separatedBy: " select ")[0]
            session.useIndexes = false
            let scanned = try session.rows(query + " select id").count
            session.useIndexes = true
            #expect(try session.count("count " + query) == scanned, "count \(query)")
        }
    }
}
