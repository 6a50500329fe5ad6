// Incremental constraint checking (IncrementalCheck) decides every change as the full
// check of every row does: the same constraints refuse it, naming the same rows. Random
// small datasets and random changes to every collection — children moved between streets,
// pairings ended, mothers' levels changed, referenced rows deleted — under the shipped
// rules and a few written here, some of which cannot be checked incrementally.

@testable import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct IncrementalCheckTests {
    /// Constraints beside the shipped ones: the shapes the analysis follows (two
    /// references, reverse references with and without a condition, correlated subqueries
    /// over text and over a reference) and ones it cannot, checked on every row (a whole
    /// collection, with or without a condition).
    static let extraRules = SourceFile(name: "extra.mql", text: """
        constraint visits.mother_level_known "测试" = pairing is null or pairing.mother.level in levels
        constraint mothers.at_most_one_active "测试" = count(pairings where active) <= 1
        constraint streets.has_children "测试" = count(children) >= 1
        constraint children.unique_name_in_street "测试" =
            count(children where name = outer.name and street = outer.street and id != outer.id) = 0
        constraint pairings.child_born "测试" = child.birth is not null
        constraint children.at_most_nine "测试" = count(children) <= 9
        constraint children.few_in_community "测试" = count(children where community = outer.community) <= 3
        constraint communities.few_mothers "测试" = count(mothers where community = outer) <= 1
        constraint streets.visits_not_too_many "测试" = count(visits where pairing.child.street = outer) <= 6
        constraint pairings.not_more_than_children "测试" = count(pairings) <= count(children) + 1

        """)

    static func rules() -> [SourceFile] { Fixtures.ruleSources + [extraRules] }

    static let streets = ["布吉", "平湖", "坂田"]
    static let communityNames = ["凤凰", "可园", "大芬"]
    static let names = ["王芳", "李四", "张三", "陈红"]
    static let phones = ["13900000001", "13900000002", ""]
    static let tags = ["低保", "单亲", "孤儿", "无直接经济来源", "其他特殊困难", "未知"]
    static let statuses = ["待审核", "已审核", "不通过", "", "通过"]
    static let levels = ["区", "街道", "社区", "省"]

    struct Generator {
        var random: SplitMix

        mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }

        mutating func date(from: Int = 2017, to: Int = 2020) -> String {
            String(format: "%04d-%02d-%02d", int(from...to), int(1...12), int(1...28))
        }

        /// The communities of the dataset: two of three names in each street.
        mutating func place() -> (street: String, community: String) {
            if chance(0.1) { return ("", "") }
            let street = pick(IncrementalCheckTests.streets)
            let community = chance(0.15) ? "" : pick(IncrementalCheckTests.communityNames.prefix(2).map { $0 })
            return (street, community)
        }

        mutating func childCells(id: Int) -> [String: String] {
            let (street, community) = place()
            let tagCount = int(0...3)
            let tags = Set((0..<tagCount).map { _ in pick(IncrementalCheckTests.tags) }).sorted().joined(separator: ";")
            return ["id": String(id), "name": chance(0.1) ? "" : pick(IncrementalCheckTests.names), "gender": pick(["男", "女", ""]),
                    "birth": chance(0.1) ? "" : date(from: 2005, to: 2020), "street": street, "community": community,
                    "guardian": "", "guardian_phone": pick(IncrementalCheckTests.phones), "address": "", "tags": tags, "reason": "",
                    "household_size": pick(["", "0", "3"]), "household_income": pick(["", "-1", "1000"]), "medical_cost": pick(["", "5000"]),
                    "status": pick(IncrementalCheckTests.statuses), "review": "", "registered": ""]
        }

        mutating func motherCells(id: Int) -> [String: String] {
            let (street, community) = place()
            return ["id": String(id), "name": "妈妈\(id)", "org": "", "title": "", "phone": "", "level": pick(IncrementalCheckTests.levels),
                    "street": street, "community": community, "roles": pick(["主席", "巾帼志愿者", "", "歌手"])]
        }

        mutating func pairingCells(id: Int, mothers: Int, children: Int) -> [String: String] {
            let since = chance(0.05) ? "" : date(from: 2018, to: 2019)
            let until = chance(0.6) ? "" : date(from: 2018, to: 2021)
            return ["id": String(id), "mother": String(int(1...mothers)), "child": String(int(1...children)),
                    "since": since, "until": until, "channels": "", "note": ""]
        }

        mutating func visitCells(id: Int, pairings: Int) -> [String: String] {
            ["id": String(id), "pairing": chance(0.05) ? "" : String(int(1...pairings)), "date": chance(0.05) ? "" : date(from: 2018, to: 2020),
             "kind": pick(["家访", "电话", "线上", "信件"]), "note": ""]
        }

        static func csv(_ fields: [String], _ rows: [[String: String]]) -> String {
            ([fields.joined(separator: ",")] + rows.map { row in fields.map { row[$0] ?? "" }.joined(separator: ",") }).joined(separator: "\n") + "\n"
        }

        mutating func dataset() -> [String: String] {
            let childCount = int(4...9), motherCount = int(2...4), pairingCount = int(1...5), visitCount = int(0...6)
            let streets = IncrementalCheckTests.streets.map { ["name": $0, "quota": pick(["", "1", "2", "5"]), "liaison": pick(["", "刘婷"])] }
            var communities: [[String: String]] = []
            for street in IncrementalCheckTests.streets {
                for name in IncrementalCheckTests.communityNames.prefix(2) { communities.append(["name": name, "street": street]) }
            }
            return [
                "streets": Self.csv(["name", "quota", "liaison", "liaison_phone"], streets),
                "communities": Self.csv(["name", "street"], communities),
                "children": Self.csv(["id", "name", "gender", "birth", "street", "community", "guardian", "guardian_phone", "address", "tags", "reason",
                                      "household_size", "household_income", "medical_cost", "status", "review", "registered"],
                                     (1...childCount).map { childCells(id: $0) }),
                "mothers": Self.csv(["id", "name", "org", "title", "phone", "level", "street", "community", "roles"], (1...motherCount).map { motherCells(id: $0) }),
                "pairings": Self.csv(["id", "mother", "child", "since", "until", "channels", "note"],
                                     (1...pairingCount).map { pairingCells(id: $0, mothers: motherCount, children: childCount) }),
                "visits": Self.csv(["id", "pairing", "date", "kind", "note"], (0..<visitCount).map { visitCells(id: $0 + 1, pairings: pairingCount) }),
            ]
        }

        /// A key of an existing row of `collection`, or nil when it has none.
        mutating func key(_ collection: String, in store: Store) -> String? {
            guard let table = store.table(collection), table.rowCount > 0 else { return nil }
            return table.editKey(row: int(0...(table.rowCount - 1)))
        }

        /// One random edit of the store.
        mutating func edit(_ store: Store) -> RowEdit? {
            func next(_ c: String) -> Int { store.table(c)!.nextFreeID }
            let children = max(store.table("children")!.rowCount, 1), mothers = max(store.table("mothers")!.rowCount, 1)
            let pairings = max(store.table("pairings")!.rowCount, 1)
            switch int(0...17) {
            case 0, 1:
                guard let key = key("children", in: store) else { return nil }
                var cells: [String: String] = [:]
                let all = childCells(id: 0)
                for field in ["name", "status", "birth", "guardian_phone", "tags", "household_income"] where chance(0.4) { cells[field] = all[field] }
                if chance(0.4) { cells["street"] = all["street"]; cells["community"] = all["community"] }
                return cells.isEmpty ? nil : RowEdit(kind: .update, collection: "children", key: key, cells: cells)
            case 2:
                return RowEdit(kind: .insert, collection: "children", key: String(next("children")), cells: childCells(id: next("children")))
            case 3:
                return key("children", in: store).map { RowEdit(kind: .delete, collection: "children", key: $0) }
            case 4, 5:
                let id = next("pairings")
                return RowEdit(kind: .insert, collection: "pairings", key: String(id), cells: pairingCells(id: id, mothers: mothers, children: children))
            case 6:
                return key("pairings", in: store).map { RowEdit(kind: .update, collection: "pairings", key: $0, cells: ["until": chance(0.2) ? "" : date(from: 2018, to: 2020)]) }
            case 7:
                guard let key = key("pairings", in: store) else { return nil }
                let all = pairingCells(id: 0, mothers: mothers, children: children)
                let field = pick(["mother", "child", "since"])
                return RowEdit(kind: .update, collection: "pairings", key: key, cells: [field: all[field]!])
            case 8:
                return key("pairings", in: store).map { RowEdit(kind: .delete, collection: "pairings", key: $0) }
            case 9, 10:
                let id = next("visits")
                return RowEdit(kind: .insert, collection: "visits", key: String(id), cells: visitCells(id: id, pairings: pairings))
            case 11:
                guard let key = key("visits", in: store) else { return nil }
                let all = visitCells(id: 0, pairings: pairings)
                let field = pick(["date", "pairing", "kind"])
                return RowEdit(kind: .update, collection: "visits", key: key, cells: [field: all[field]!])
            case 12:
                return key("visits", in: store).map { RowEdit(kind: .delete, collection: "visits", key: $0) }
            case 13:
                guard let key = key("mothers", in: store) else { return nil }
                let all = motherCells(id: 0)
                var cells = ["level": all["level"]!]
                if chance(0.5) { cells = ["street": all["street"]!, "community": all["community"]!] }
                return RowEdit(kind: .update, collection: "mothers", key: key, cells: cells)
            case 14:
                return chance(0.5) ? RowEdit(kind: .insert, collection: "mothers", key: String(next("mothers")), cells: motherCells(id: next("mothers")))
                    : key("mothers", in: store).map { RowEdit(kind: .delete, collection: "mothers", key: $0) }
            case 15:
                return key("streets", in: store).map { RowEdit(kind: .update, collection: "streets", key: $0, cells: ["quota": pick(["", "0", "1", "2", "4"])]) }
            case 16:
                let street = pick(IncrementalCheckTests.streets)
                return RowEdit(kind: .insert, collection: "communities", key: "\(street)/大芬", cells: ["name": "大芬", "street": street])
            default:
                return key("communities", in: store).map { RowEdit(kind: .delete, collection: "communities", key: $0) }
            }
        }
    }

    /// A decision as text: each refusing constraint with the keys of the rows it names.
    static func decision(_ broken: [(constraint: DefineInfo, rows: [Int32])], in store: Store) -> [String] {
        broken.map { item in
            let table = store.table(item.constraint.collection)!
            return item.constraint.qualifiedName + ": " + item.rows.map { table.editKey(row: Int($0)) }.sorted().joined(separator: ", ")
        }
    }

    /// Every index of every table of `store` (so that changes carry and move them).
    static func buildIndexes(_ store: Store) {
        for table in store.tables {
            for (field, column) in table.columns.enumerated() {
                switch column {
                case .text, .reference, .textSet: _ = table.postings(field: field)
                case .int, .date: _ = table.sortedIndex(field: field)
                }
            }
        }
    }

    /// The indexes `store` carried through changes are the ones built afresh from its rows.
    static func expectIndexesRebuilt(_ store: Store, fresh: Store, _ context: @autoclosure () -> String) {
        for (table, rebuilt) in zip(store.tables, fresh.tables) {
            for (field, column) in table.columns.enumerated() {
                switch column {
                case .text, .reference, .textSet:
                    let kept = table.postings(field: field), new = rebuilt.postings(field: field)
                    for key in 0..<max(kept.keyCount, new.keyCount) where Array(kept.rows(for: key)) != Array(new.rows(for: key)) {
                        Issue.record("\(table.name).\(table.schema.fields[field].name) key \(key): \(Array(kept.rows(for: key))) ≠ \(Array(new.rows(for: key))); \(context())")
                        return
                    }
                case .int, .date:
                    let kept = table.sortedIndex(field: field), new = rebuilt.sortedIndex(field: field)
                    if kept.rows != new.rows || kept.values != new.values {
                        Issue.record("\(table.name).\(table.schema.fields[field].name) sorted index; \(context())")
                        return
                    }
                }
            }
        }
    }

    @Test func incrementalDecidesAsTheFullCheck() throws {
        var steps = 0, refused = 0, refusedIncrementally = 0
        var refusing = Set<String>()
        for seed in 1...30 {
            var generator = Generator(random: SplitMix(seed: UInt64(seed)))
            let files = generator.dataset()
            var store = try DatasetLoader.load(files: files.mapValues { Array($0.utf8) }, directory: "random")
            Self.buildIndexes(store)
            let catalog = try Session(store: store, ruleSources: Self.rules(), today: Fixtures.today).catalog
            for _ in 0..<40 {
                var edits: [RowEdit] = []
                for _ in 0..<(generator.chance(0.25) ? generator.int(2...3) : 1) {
                    if let edit = generator.edit(store) { edits.append(edit) }
                }
                guard !edits.isEmpty, let after = try? store.applying(store.droppingUnchangedUpdates(edits)) else { continue }
                let check = IncrementalCheck(before: store, after: after, catalog: catalog, today: Fixtures.today)
                let incremental = Self.decision(check.newlyBroken(IncrementalCheck.changedRows(edits, in: after)), in: after)
                // The full check on copies whose indexes are built afresh: the indexes the
                // change moved rows in are checked too.
                let freshBefore = store.copy(), freshAfter = after.copy()
                for table in freshBefore.tables + freshAfter.tables { table.invalidateIndexes() }
                Self.expectIndexesRebuilt(after, fresh: freshAfter, "seed \(seed), edits \(edits)")
                let full = Self.decision(IncrementalCheck(before: freshBefore, after: freshAfter, catalog: catalog, today: Fixtures.today)
                    .newlyBrokenByFullCheck(), in: after)
                #expect(incremental == full, "seed \(seed), edits \(edits)")
                if incremental != full { return }
                steps += 1
                if !full.isEmpty {
                    refused += 1
                    for line in full { refusing.insert(String(line.prefix { $0 != ":" })) }
                    // Decided without checking every row of at least one refusing constraint.
                    let changes = IncrementalCheck.changedRows(edits, in: after)
                    if check.newlyBroken(changes).contains(where: { check.affectedRows(ConstraintDependencies($0.constraint, store: after), changes) != nil }) {
                        refusedIncrementally += 1
                    }
                }
                // Adopt most changes, refused or not, so that later ones meet data with
                // violations already in it.
                if generator.chance(0.8) { store = after }
            }
        }
        #expect(steps > 800)
        #expect(refused > 100)
        #expect(refusedIncrementally > 100)
        for name in ["pairings.one_child", "pairings.in_scope", "streets.within_quota", "children.no_duplicate", "visits.within_pairing",
                     "visits.mother_level_known", "mothers.at_most_one_active", "children.unique_name_in_street", "pairings.child_born",
                     "children.at_most_nine", "streets.has_children", "communities.few_mothers", "children.few_in_community",
                     "streets.visits_not_too_many", "pairings.not_more_than_children"] {
            #expect(refusing.contains(name), "no change was refused by \(name)")
        }
    }

    /// Every cell of every row, by key, as the dataset files hold them.
    static func dump(_ store: Store) -> [String] {
        store.tables.flatMap { table in
            (0..<table.rowCount).map { row in
                table.name + " " + (0..<table.schema.fields.count).map { DatasetWriter.cell(table, row: row, field: $0, store: store) }.joined(separator: ",")
            }
        }
    }

    /// A change a session makes to its store in place (no copy) is taken back whole when the
    /// check refuses it, and kept whole when it passes: the same rows and indexes as the
    /// change made on a copy.
    @Test func changesInPlaceAreKeptOrTakenBackWhole() throws {
        var inPlace = 0, refused = 0, deletesInPlace = 0, deletesTakenBack = 0
        for seed in 31...50 {
            var generator = Generator(random: SplitMix(seed: UInt64(seed)))
            let files = generator.dataset()
            let session = try Session(store: DatasetLoader.load(files: files.mapValues { Array($0.utf8) }, directory: "random"),
                                      ruleSources: Self.rules(), today: Fixtures.today)
            Self.buildIndexes(session.store)
            for _ in 0..<40 {
                var edits: [RowEdit] = []
                for _ in 0..<(generator.chance(0.25) ? generator.int(2...3) : 1) {
                    if let edit = generator.edit(session.store) { edits.append(edit) }
                }
                if edits.isEmpty { continue }
                let before = session.store, unchanged = before.copy()
                let expected = try? unchanged.applying(unchanged.droppingUnchangedUpdates(edits))
                let refusedByCheck = expected.map {
                    !IncrementalCheck(before: unchanged, after: $0, catalog: session.catalog, today: Fixtures.today).newlyBrokenByFullCheck().isEmpty
                } ?? true
                let accepted = (try? session.apply(edits, description: "test")) != nil
                #expect(accepted == !refusedByCheck, "seed \(seed), edits \(edits)")
                #expect(Self.dump(session.store) == Self.dump(accepted ? expected! : unchanged), "seed \(seed), edits \(edits)")
                let fresh = session.store.copy()
                for table in fresh.tables { table.invalidateIndexes() }
                Self.expectIndexesRebuilt(session.store, fresh: fresh, "seed \(seed), edits \(edits)")
                if accepted && session.store === before { inPlace += 1 }
                if accepted && session.store === before && edits.contains(where: { $0.kind == .delete }) { deletesInPlace += 1 }
                if !accepted { refused += 1 }
                if !accepted && before.canApplyInPlace(edits) && edits.contains(where: { $0.kind == .delete }) { deletesTakenBack += 1 }
            }
        }
        #expect(inPlace > 30)
        #expect(refused > 100)
        #expect(deletesInPlace > 5)
        #expect(deletesTakenBack > 20)
    }

    /// Random changes, deletes among them, some refused, made by a session to a dataset
    /// directory (deletes in place, each journalled): after each, the session's store is
    /// the one a fresh load of the directory gives — its files with the journal replayed
    /// (on copies), or after a checkpoint its files alone — row for row, and its indexes
    /// are the ones built afresh.
    @Test func changesInPlaceLeaveWhatTheJournalReplays() throws {
        var deletes = 0, refused = 0
        for seed in 51...62 {
            var generator = Generator(random: SplitMix(seed: UInt64(seed)))
            let directory = NSTemporaryDirectory() + "mql-inplace-\(seed)-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for (name, text) in generator.dataset() { try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/\(name).csv")) }
            func open() throws -> Session {
                let dataset = Dataset(directory: directory)
                let session = try Session(store: dataset.load(), ruleSources: Self.rules(), today: Fixtures.today)
                session.dataset = dataset
                return session
            }
            let session = try open()
            Self.buildIndexes(session.store)
            for step in 0..<30 {
                var edits: [RowEdit] = []
                // Mostly deletes, of one to three rows of any collection, referred to or not.
                if generator.chance(0.7) {
                    for _ in 0..<generator.int(1...3) {
                        let collection = generator.pick(["visits", "visits", "pairings", "children", "mothers", "attachments"])
                        if let key = generator.key(collection, in: session.store) { edits.append(RowEdit(kind: .delete, collection: collection, key: key)) }
                    }
                } else if let edit = generator.edit(session.store) {
                    edits.append(edit)
                }
                if edits.isEmpty { continue }
                let inPlace = session.store.canApplyInPlace(edits)
                let accepted = (try? session.apply(edits, description: "test \(step)")) != nil
                if accepted && inPlace && edits.contains(where: { $0.kind == .delete }) { deletes += 1 }
                if !accepted { refused += 1 }
                if step % 10 == 9 { try session.checkpoint() }
                let fresh = try open()
                #expect(Self.dump(session.store) == Self.dump(fresh.store), "seed \(seed), step \(step), edits \(edits)")
                let rebuilt = session.store.copy()
                for table in rebuilt.tables { table.invalidateIndexes() }
                Self.expectIndexesRebuilt(session.store, fresh: rebuilt, "seed \(seed), step \(step), edits \(edits)")
            }
        }
        #expect(deletes > 40)
        #expect(refused > 40)
    }

    /// A process that makes one change (no index built, `buildsSortedIndexOnFirstUse`
    /// false) on a store opened from a snapshot decides every change as the full check
    /// does and leaves the same rows: the constraints read a few rows' fields block by
    /// block (a text compared with a constant, a tag looked for in a set, without the
    /// dictionary read with its column), the rows referring to a row are found by a pass
    /// over the column (`compileReverseByPass`), and a new row's referrers among the rows
    /// the change wrote (a new pairing with visits of it in the same change).
    @Test func oneChangeFromASnapshotDecidesAsTheFullCheck() throws {
        var accepted = 0, refused = 0, newWithReferrers = 0
        for seed in 63...74 {
            var generator = Generator(random: SplitMix(seed: UInt64(seed)))
            let directory = NSTemporaryDirectory() + "mql-one-change-\(seed)-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for (name, text) in generator.dataset() { try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/\(name).csv")) }
            let first = Dataset(directory: directory)
            try first.checkpoint(try first.load())
            for step in 0..<25 {
                let reference = try DatasetLoader.load(directory: directory)
                var edits: [RowEdit] = []
                if generator.chance(0.3) {
                    let pairing = reference.table("pairings")!.nextFreeID
                    let mothers = max(reference.table("mothers")!.rowCount, 1), children = max(reference.table("children")!.rowCount, 1)
                    edits.append(RowEdit(kind: .insert, collection: "pairings", key: String(pairing),
                                         cells: generator.pairingCells(id: pairing, mothers: mothers, children: children)))
                    let visit = reference.table("visits")!.nextFreeID
                    for i in 0..<generator.int(1...2) {
                        var cells = generator.visitCells(id: visit + i, pairings: 1)
                        cells["pairing"] = String(pairing)
                        edits.append(RowEdit(kind: .insert, collection: "visits", key: String(visit + i), cells: cells))
                    }
                    newWithReferrers += 1
                } else {
                    for _ in 0..<(generator.chance(0.25) ? generator.int(2...3) : 1) {
                        if let edit = generator.edit(reference) { edits.append(edit) }
                    }
                }
                if edits.isEmpty { continue }
                let expected = try? reference.applying(reference.droppingUnchangedUpdates(edits))
                let refusedByCheck = expected.map {
                    !IncrementalCheck(before: reference, after: $0, catalog: try! Session(store: reference, ruleSources: Self.rules(), today: Fixtures.today).catalog,
                                      today: Fixtures.today).newlyBrokenByFullCheck().isEmpty
                } ?? true
                guard case .loaded(let store) = Snapshot.open(directory: directory) else { Issue.record("no snapshot"); return }
                let session = try Session(store: store, ruleSources: Self.rules(), today: Fixtures.today)
                session.dataset = Dataset(directory: directory)
                #expect(!session.buildsSortedIndexOnFirstUse)
                let ok = (try? session.apply(edits, description: "test \(step)")) != nil
                #expect(ok == !refusedByCheck, "seed \(seed), step \(step), edits \(edits)")
                // The rows, but for the journal's audit rows (`changes`), which only the session has.
                let rows = { (store: Store) in Self.dump(store).filter { !$0.hasPrefix(Store.auditCollection + " ") } }
                #expect(rows(session.store) == rows(ok ? expected! : reference), "seed \(seed), step \(step), edits \(edits)")
                if ok { accepted += 1; try session.checkpoint() } else { refused += 1 }
            }
        }
        #expect(accepted > 40)
        #expect(refused > 40)
        #expect(newWithReferrers > 30)
    }

    /// An import of many rows into a store opened from a snapshot (its columns read on
    /// first use), made in place with its audit rows appended in place: the store it
    /// leaves is the one the journal replays, and its indexes the ones built afresh.
    @Test func aLargeImportIntoASnapshotIsWhatTheJournalReplays() throws {
        let directory = NSTemporaryDirectory() + "mql-import-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try DatasetGenerator(children: 400, seed: 5).write(to: URL(fileURLWithPath: directory))
        let first = Dataset(directory: directory)
        try first.checkpoint(try first.load())
        guard case .loaded(let store) = Snapshot.open(directory: directory) else { Issue.record("no snapshot"); return }
        let dataset = Dataset(directory: directory)
        let session = try Session(store: store, ruleSources: Fixtures.ruleSources, today: Fixtures.today)
        session.dataset = dataset
        let communities = store.table("communities")!
        let children = store.table("children")!
        var edits: [RowEdit] = []
        for i in 0..<120 {
            let place = communities.editKey(row: i % communities.rowCount).split(separator: "/").map(String.init)
            let id = String(children.nextFreeID + i)
            edits.append(RowEdit(kind: .insert, collection: "children", key: id, cells: [
                "id": id, "name": "新童\(i)", "gender": "", "birth": "2012-03-01", "street": place[0], "community": place[1],
                "guardian": "监护人\(i)", "guardian_phone": "1390000\(1000 + i)", "address": "地址\(i)", "tags": "低保", "reason": "低保",
                "household_size": "", "household_income": "", "medical_cost": "", "status": "待审核", "review": "", "registered": "2019-11-01",
            ]))
        }
        #expect(store.canApplyInPlace(edits))
        try session.apply(edits, description: "import")
        #expect(session.store.table("children")!.rowCount == 520)
        let fresh = try Dataset(directory: directory).load()
        #expect(Self.dump(session.store) == Self.dump(fresh))
        let rebuilt = session.store.copy()
        for table in rebuilt.tables { table.invalidateIndexes() }
        Self.expectIndexesRebuilt(session.store, fresh: rebuilt, "import")
    }

    /// A row removed in place and put back on both cores (as a large table's is) leaves
    /// the table, its indexes and the references to it as removing it on a copy would,
    /// and then as they were.
    @Test func removalOnBothCoresAndItsUndo() throws {
        let store = try Fixtures.exampleStore()
        Self.buildIndexes(store)
        for (collection, row) in [("visits", 0), ("visits", 7), ("children", 3), ("mothers", 5)] {
            let table = store.table(collection)!
            let before = Self.dump(store)
            let removed = table.removeRow(row, parallelAbove: 0)
            let fresh = store.copy()
            for table in fresh.tables { table.invalidateIndexes() }
            Self.expectIndexesRebuilt(store, fresh: fresh, "\(collection) row \(row) removed")
            #expect(table.rowCount == fresh.table(collection)!.rowCount)
            table.insertRow(removed)
            table.rebuildKeyIndex()
            #expect(Self.dump(store) == before, "\(collection) row \(row) put back")
            let again = store.copy()
            for table in again.tables { table.invalidateIndexes() }
            Self.expectIndexesRebuilt(store, fresh: again, "\(collection) row \(row) put back")
        }
    }

    /// Which constraints are checked on the affected rows alone (docs/rules.md says so).
    @Test func shapesCheckedIncrementally() throws {
        let store = try Fixtures.exampleStore()
        let catalog = try Session(store: store, ruleSources: Self.rules(), today: Fixtures.today).catalog
        var full: [String] = []
        for info in catalog.constraints where !ConstraintDependencies(info, store: store).isIncremental { full.append(info.qualifiedName) }
        #expect(full == ["children.at_most_nine", "streets.visits_not_too_many", "pairings.not_more_than_children"])
    }

    /// A change to one child of a large collection looks at a handful of rows.
    @Test func aChangeLooksAtTheRowsItAffects() throws {
        let store = try Fixtures.exampleStore()
        let catalog = try Session(store: store, ruleSources: Fixtures.ruleSources, today: Fixtures.today).catalog
        let child = store.table("children")!.editKey(row: 0)
        let community = store.table("communities")!.editKey(row: store.table("communities")!.rowCount - 1).split(separator: "/").map(String.init)
        let edits = [RowEdit(kind: .update, collection: "children", key: child, cells: ["street": community[0], "community": community[1]])]
        let after = try store.applying(edits)
        let check = IncrementalCheck(before: store, after: after, catalog: catalog, today: Fixtures.today)
        let changes = IncrementalCheck.changedRows(edits, in: after)
        for info in catalog.constraints {
            let rows = check.affectedRows(ConstraintDependencies(info, store: after), changes)
            #expect(rows != nil, "\(info.qualifiedName) checked on every row")
            #expect((rows?.count ?? 0) <= 5, "\(info.qualifiedName): \(rows?.count ?? 0) rows")
        }
    }
}
