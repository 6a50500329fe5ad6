// The fast loader and the snapshot build exactly the store the exact CSV loader builds:
// every column, every dictionary in the same code order. The snapshot is used only when
// it matches the CSV files; a damaged one is reported and the CSV files are loaded.

@testable import Engine
import Foundation
import Testing

/// Where two stores differ, column by column (values and dictionary code order).
func storeDifferences(_ a: Store, _ b: Store) -> [String] {
    var out: [String] = []
    guard a.tables.count == b.tables.count else { return ["table count \(a.tables.count) vs \(b.tables.count)"] }
    for (x, y) in zip(a.tables, b.tables) {
        if x.name != y.name { out.append("table \(x.name) vs \(y.name)"); continue }
        if x.rowCount != y.rowCount { out.append("\(x.name): \(x.rowCount) vs \(y.rowCount) rows") }
        for (i, (c, d)) in zip(x.columns, y.columns).enumerated() {
            let name = "\(x.name).\(x.schema.fields[i].name)"
            switch (c, d) {
            case (.int(let p), .int(let q)): if p.values != q.values { out.append(name) }
            case (.date(let p), .date(let q)): if p.values != q.values { out.append(name) }
            case (.reference(let p), .reference(let q)): if p.rows != q.rows || p.target != q.target { out.append(name) }
            case (.text(let p), .text(let q)):
                if p.codes != q.codes { out.append(name + " codes") }
                if p.dictionary.values != q.dictionary.values { out.append(name + " dictionary") }
            case (.textSet(let p), .textSet(let q)):
                if p.offsets != q.offsets || p.elements != q.elements { out.append(name + " elements") }
                if p.dictionary.values != q.dictionary.values { out.append(name + " dictionary") }
            default: out.append(name + " kind")
            }
        }
        for row in 0..<min(x.rowCount, y.rowCount) where x.keyText(row: row) != y.keyText(row: row) {
            out.append("\(x.name) key of row \(row)")
            break
        }
    }
    return out
}

/// Where the values of `rows` read one at a time (`value(at:)`, `text(at:)`, `texts(at:)`,
/// `row(at:)`: from the snapshot's blocks while a column is not read whole) differ from
/// `expected`'s; `rows` nil: every row. `peeked` counts the columns still not read whole after.
func rowByRowDifferences(_ store: Store, _ expected: Store, rows: ((Table) -> [Int])? = nil, peeked: inout Int) -> [String] {
    var out: [String] = []
    for (x, y) in zip(store.tables, expected.tables) {
        guard x.rowCount == y.rowCount else { out.append("\(x.name): \(x.rowCount) vs \(y.rowCount) rows"); continue }
        let sample = rows?(x) ?? Array(0..<x.rowCount)
        for (i, (c, d)) in zip(x.columns, y.columns).enumerated() {
            let name = "\(x.name).\(x.schema.fields[i].name)"
            var differs = false
            var stillLazy = false
            for row in sample where !differs {
                switch (c, d) {
                case (.int(let p), .int(let q)): differs = p.value(at: row) != q.values[row]; stillLazy = !p.isLoaded
                case (.date(let p), .date(let q)): differs = p.value(at: row) != q.values[row]; stillLazy = !p.isLoaded
                case (.reference(let p), .reference(let q)): differs = p.row(at: row) != q.rows[row]; stillLazy = !p.isLoaded
                case (.text(let p), .text(let q)): differs = p.text(at: row) != q.text(at: row); stillLazy = !p.isLoaded
                case (.textSet(let p), .textSet(let q)): differs = p.texts(at: row) != q.texts(at: row); stillLazy = !p.isLoaded
                default: differs = true
                }
                if differs { out.append("\(name) row \(row)") }
            }
            if stillLazy { peeked += 1 }
        }
    }
    return out
}

/// The exact loader alone (what the fast path falls back to).
func exactLoad(_ dir: URL) throws -> Store {
    try DatasetLoader.load(directory: dir.path) { name in try DatasetLoader.readFile(dir.appendingPathComponent(name + ".csv").path) }
}

func checkpoint(_ dir: URL, _ store: Store) throws {
    let dataset = Dataset(directory: dir.path)
    try dataset.journal.lockForWriting()
    defer { dataset.endChange() }
    try dataset.checkpoint(store)
}

@Suite struct FastLoaderTests {
    @Test func fastAndExactLoadersBuildTheSameStore() throws {
        let dir = try temporaryDirectory("fast-3000")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 3000, seed: 11).write(to: dir)
        let fast = try #require(DatasetLoader.fastLoad(directory: dir.path, contents: { name in
            try DatasetLoader.readFile(dir.appendingPathComponent(name + ".csv").path)
        }, size: { _ in 1 << 30 }, open: { name in
            LoadInput(path: dir.appendingPathComponent(name + ".csv").path).map { .input($0) } ?? .missing
        }), "the fast path gave up on a good dataset")
        #expect(storeDifferences(fast, try exactLoad(dir)) == [])
        #expect(storeDifferences(try DatasetLoader.load(directory: dir.path), try exactLoad(dir)) == [])
    }

    @Test func inMemoryFilesTakeTheFastPathToo() throws {
        let store = try loadBytes(baseFiles.mapValues { Array($0.utf8) })
        let exact = try DatasetLoader.load(directory: ".") { baseFiles[$0].map { Array($0.utf8) } }
        #expect(storeDifferences(store, exact) == [])
    }

    /// The fast scanner splits records exactly as `CSVScanner` does, on random CSV-ish bytes.
    @Test func scannerAgreesWithCSVScanner() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [[UInt8]] = [[0x61], [0x62], [0x2C], [0x22], [0x0A], [0x0D], [0x0D, 0x0A], [0x20], Array("王".utf8), [0x3B]]
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<40, using: &generator) { bytes += alphabet.randomElement(using: &generator)! }
            // The exact scanner: records as arrays of cell bytes, or an error.
            var exact: [[[UInt8]]] = []
            var exactFailed = false
            var copy = bytes
            copy.withUnsafeMutableBufferPointer { buffer in
                var position = 0, line = 1
                var cells: [CSVCell] = []
                do {
                    while try CSVScanner.next(buffer, position: &position, line: &line, into: &cells) != nil {
                        exact.append(cells.map { Array(buffer[$0.start..<$0.end]) })
                    }
                } catch { exactFailed = true }
            }
            var fast: [[[UInt8]]] = []
            var fastFailed = false
            var copy2 = bytes
            copy2.withUnsafeMutableBufferPointer { buffer in
                var position = 0
                let starts = UnsafeMutablePointer<Int>.allocate(capacity: 64), ends = UnsafeMutablePointer<Int>.allocate(capacity: 64)
                defer { starts.deallocate(); ends.deallocate() }
                while true {
                    let n = buffer.count == 0 ? -1 : FastLoader.scanRecord(buffer.baseAddress!, buffer.count, &position, starts, ends, 64)
                    if n == -1 { break }
                    if n < 0 { fastFailed = true; break }
                    fast.append((0..<n).map { Array(buffer[starts[$0]..<ends[$0]]) })
                }
            }
            #expect(exactFailed == fastFailed, "\(bytes)")
            if !exactFailed && !fastFailed { #expect(exact == fast, "\(bytes)") }
        }
    }

    @Test func parsersAgree() {
        for text in ["0", "-0", "-", "", "12", "-123456789012345678", "1234567890123456789", "1a", "+1", " 1"] {
            let bytes = Array(text.utf8)
            let fast: Int? = bytes.isEmpty ? nil : bytes.withUnsafeBufferPointer { FastLoader.parseInt($0.baseAddress!, $0.count) }
            #expect(fast == RowParser.parseInt(bytes), "\(text)")
        }
        for text in ["2019-02-28", "2019-02-29", "2020-02-29", "2019-13-01", "2019-00-10", "2019-05", "2019-5-01", "0000-01-01",
                     "2019/05/01", "2019-05-0x", "9999-12-31"] {
            let bytes = Array(text.utf8)
            for month in [false, true] {
                let fast = bytes.withUnsafeBufferPointer { FastLoader.parseDate($0.baseAddress!, $0.count, allowMonth: month) }
                #expect((fast == DateColumn.null ? nil : fast) == CivilDate.parse(bytes, allowMonth: month), "\(text)")
            }
        }
    }

    /// Deleting several rows by key in one batch deletes those rows (the key index follows
    /// each removal).
    @Test func deletingSeveralRowsByKeyInOneBatch() throws {
        let store = try load(baseFiles.merging(["visits": "pairing,id,date,note,kind\n1,1,2019-06-07,,家访\n1,2,2019-06-08,,家访\n1,3,2019-06-09,,家访\n1,5,2019-06-10,,家访\n1,6,2019-06-11,,家访\n"]) { $1 })
        let changed = try store.applying([RowEdit(kind: .delete, collection: "visits", key: "3"),
                                          RowEdit(kind: .delete, collection: "visits", key: "5")])
        let visits = changed.table("visits")!
        #expect((0..<visits.rowCount).map { visits.id(row: $0)! } == [1, 2, 6])
        #expect(visits.row(id: 6) == 2)
        #expect(visits.row(id: 5) == nil)
    }

    @Test func keyIndexFindsIDsWithoutAHashTable() throws {
        let ids = [3, 4, 5, 9, 20, 21]
        ids.withUnsafeBufferPointer { buffer in
            for (row, id) in ids.enumerated() { #expect(Table.position(of: id, in: buffer, sortedCount: ids.count) == row) }
            for missing in [Int.min, -1, 0, 2, 6, 8, 10, 19, 22, Int.max] {
                #expect(Table.position(of: missing, in: buffer, sortedCount: ids.count) == nil)
            }
        }
    }
}

@Suite struct CSVWriterTests {
    /// The streamed CSV of a checkpoint is byte for byte the CSV of `DatasetWriter.csv`.
    @Test func streamedCSVIsTheSameBytes() throws {
        let dir = try temporaryDirectory("stream")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 800, seed: 8).write(to: dir)
        var store = try DatasetLoader.load(directory: dir.path)
        store = try store.applying([
            RowEdit(kind: .update, collection: "children", key: "1", cells: ["name": "逗号,引号\"换行\n", "tags": "a,b;\"c\""]),
            RowEdit(kind: .update, collection: "children", key: "2", cells: ["household_income": "-17", "birth": "0999-01-02"]),
        ])
        for table in store.tables {
            var streamed: [UInt8] = []
            try DatasetWriter.streamCSV(table, store: store) { streamed += $0 }
            #expect(streamed == DatasetWriter.csv(table, store: store), "\(table.name)")
        }
    }
}

@Suite struct SnapshotTests {
    @Test func xxh64KnownValues() {
        func h(_ s: String) -> UInt64 { Array(s.utf8).withUnsafeBytes { XXH64.hash($0) } }
        #expect(h("") == 0xEF46_DB37_51D8_E999)
        #expect(h("a") == 0xD24E_C4F1_A98C_6E5B)
        #expect(h("abc") == 0x44BC_2CF5_AD77_0999)
        #expect(h("Nobody inspects the spammish repetition") == 0xFBCE_A83C_8A37_8BF1)
    }

    @Test func snapshotHoldsWhatTheCSVFilesHold() throws {
        let dir = try temporaryDirectory("snap")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 1500, seed: 3).write(to: dir)
        let csv = try DatasetLoader.load(directory: dir.path)
        try checkpoint(dir, csv)
        let path = Snapshot.path(in: dir.path)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        guard case .loaded(let snapshot) = Snapshot.open(directory: dir.path) else {
            Issue.record("the snapshot was not used")
            return
        }
        #expect(storeDifferences(snapshot, try exactLoad(dir)) == [])
        let dataset = Dataset(directory: dir.path)
        #expect(storeDifferences(try dataset.load(), try exactLoad(dir)) == [])
        #expect(dataset.warnings.isEmpty)
        // Rows in key order, dictionaries in first-seen order of the files as written: the
        // values are those of the generated files.
        #expect(storeDifferences(csv, snapshot).allSatisfy { $0.hasPrefix("streets.") || $0.hasPrefix("communities.") })
    }

    /// After changes the dictionaries hold values no row uses and codes out of first-seen
    /// order; the snapshot is written compacted, so it equals a fresh load of the CSV files.
    @Test func snapshotAfterChangesEqualsAFreshLoad() throws {
        let dir = try temporaryDirectory("snap-changes")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 400, seed: 5).write(to: dir)
        var store = try DatasetLoader.load(directory: dir.path)
        store = try store.applying([
            RowEdit(kind: .update, collection: "children", key: "1", cells: ["name": "新名字", "tags": "新标签;低保"]),
            RowEdit(kind: .insert, collection: "children", key: "100000", cells: ["id": "100000", "name": "甲", "guardian": "从未见过的名字"]),
            RowEdit(kind: .update, collection: "children", key: "100000", cells: ["guardian": "又一个名字"]),
            RowEdit(kind: .insert, collection: "streets", key: "新街", cells: ["name": "新街", "quota": "3"]),
        ])
        try checkpoint(dir, store)
        guard case .loaded(let snapshot) = Snapshot.open(directory: dir.path) else {
            Issue.record("the snapshot was not used")
            return
        }
        #expect(storeDifferences(snapshot, try exactLoad(dir)) == [])
        #expect(snapshot.table("children")?.row(id: 100000) != nil)
    }

    @Test func aChangedCSVFileMakesTheSnapshotStale() throws {
        let dir = try temporaryDirectory("snap-stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 200, seed: 9).write(to: dir)
        try checkpoint(dir, try DatasetLoader.load(directory: dir.path))
        guard case .loaded = Snapshot.open(directory: dir.path) else { Issue.record("not used"); return }
        // Someone edits a file: the snapshot no longer describes it.
        let streets = dir.appendingPathComponent("streets.csv")
        let handle = try FileHandle(forWritingTo: streets)
        handle.seekToEndOfFile()
        handle.write(Data("新街,1,,\n".utf8))
        try handle.close()
        guard case .stale = Snapshot.open(directory: dir.path) else { Issue.record("a stale snapshot was used"); return }
        let dataset = Dataset(directory: dir.path)
        let store = try dataset.load()
        #expect(store.table("streets")?.rows(keyText: "新街").count == 1)
        #expect(dataset.warnings.isEmpty)
        // A file removed since the checkpoint too.
        try checkpoint(dir, store)
        guard case .loaded = Snapshot.open(directory: dir.path) else { Issue.record("not used"); return }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("changes.csv"))
        guard case .stale = Snapshot.open(directory: dir.path) else { Issue.record("a stale snapshot was used"); return }
    }

    @Test func aDamagedSnapshotIsReportedAndTheCSVFilesLoaded() throws {
        let dir = try temporaryDirectory("snap-damaged")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 300, seed: 4).write(to: dir)
        try checkpoint(dir, try DatasetLoader.load(directory: dir.path))
        let csv = try exactLoad(dir)
        let path = Snapshot.path(in: dir.path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        var damages: [(String, Data)] = []
        var flipped = good
        flipped[good.count / 2] ^= 0x40
        damages.append(("a flipped byte", flipped))
        damages.append(("truncated", good.prefix(good.count - 100)))
        damages.append(("header only", good.prefix(64)))
        damages.append(("extended", good + Data([0])))
        damages.append(("garbage", Data(repeating: 0x41, count: 200)))
        for (what, bytes) in damages {
            try bytes.write(to: URL(fileURLWithPath: path))
            // Keep it newer than the CSV files, as a real one would be.
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: path)
            let late = WarningLog()
            switch Snapshot.open(directory: dir.path, warn: late.add) {
            case .damaged:
                let dataset = Dataset(directory: dir.path)
                let store = try dataset.load()
                #expect(dataset.warnings.count == 1 && dataset.warnings[0].contains("damaged snapshot"), "\(what)")
                #expect(storeDifferences(store, csv) == [], "\(what)")
            case .loaded(let store):
                // Damage inside a column is found when the column is first read: it is
                // then read from the CSV files, with a warning.
                #expect(what == "a flipped byte")
                #expect(storeDifferences(store, csv) == [], "\(what)")
                #expect(late.lines.count == 1 && late.lines[0].contains("is damaged in the snapshot; reading it from the CSV files"), "\(late.lines)")
            case .stale:
                Issue.record("\(what): taken for a stale snapshot")
            }
        }
    }

    /// A flipped bit anywhere in the file: found on opening, or in the column that holds
    /// it when that is read (read from the CSV files instead). Never a wrong value.
    @Test func aFlippedBitAnywhereNeverGivesAWrongValue() throws {
        let dir = try temporaryDirectory("snap-flips")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 1200, seed: 6).write(to: dir)
        try checkpoint(dir, try DatasetLoader.load(directory: dir.path))
        let csv = try exactLoad(dir)
        let path = Snapshot.path(in: dir.path)
        let offsets = try flipOffsets(path, every: 50, seed: 14)
        let csvIndexes = wholeIndexes(csv)
        let foundLate = try eachFlippedBit(at: offsets, in: dir) { store, _, offset in
            #expect(storeDifferences(store, csv) == [], "bit flipped at \(offset)")
            // The indexes it holds too (built from the column when damaged).
            #expect(wholeIndexes(store) == csvIndexes, "bit flipped at \(offset)")
        }
        // Most of the file is column and index data, verified when read: many flips are found then.
        #expect(foundLate > offsets.count / 4, "\(foundLate) of \(offsets.count)")
    }

    /// Values read one at a time from the blocks that hold them equal those of the whole
    /// columns, for random rows of every column of every kind.
    @Test func blockLevelValuesEqualWholeColumnValues() throws {
        let dir = try temporaryDirectory("snap-blocks")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 3000, seed: 8).write(to: dir)
        try checkpoint(dir, try DatasetLoader.load(directory: dir.path))
        guard case .loaded(let whole) = Snapshot.open(directory: dir.path),
              case .loaded(let byRow) = Snapshot.open(directory: dir.path) else {
            Issue.record("the snapshot was not used")
            return
        }
        var generator = SplitMix(seed: 21)
        var peeked = 0
        let differences = rowByRowDifferences(byRow, whole, rows: { table in
            table.rowCount == 0 ? [] : (0..<12).map { _ in Int(generator.next() % UInt64(table.rowCount)) } + [0, table.rowCount - 1]
        }, peeked: &peeked)
        #expect(differences == [])
        // Every kind was read block by block, not whole: int, date, text, set, reference.
        let children = byRow.table("children")!, pairings = byRow.table("pairings")!
        for (table, field) in [(children, "id"), (children, "birth"), (children, "name"), (children, "tags"), (pairings, "child")] {
            switch table.column(named: field)! {
            case .int(let c): #expect(!c.isLoaded, "\(field)")
            case .date(let c): #expect(!c.isLoaded, "\(field)")
            case .text(let c): #expect(!c.isLoaded && c.dictionary.isPending, "\(field)")
            case .textSet(let c): #expect(!c.isLoaded && c.dictionary.isPending, "\(field)")
            case .reference(let c): #expect(!c.isLoaded, "\(field)")
            }
        }
        #expect(peeked > 40, "\(peeked) columns read block by block")
        // A key lookup reads ids so too.
        let id = children.id(row: 1234)!
        let lazy: Store
        guard case .loaded(let fresh) = Snapshot.open(directory: dir.path) else { Issue.record("not used"); return }
        lazy = fresh
        #expect(lazy.table("children")!.row(id: id) == 1234)
        #expect(lazy.table("children")!.row(id: -5) == nil)
        guard case .int(let ids) = lazy.table("children")!.columns[0] else { return }
        #expect(!ids.isLoaded)
    }

    /// A flipped bit in a block read for single values: the column is read from the CSV
    /// files, with the warning, as when it is read whole. Never a wrong value.
    @Test func aFlippedBitOnTheBlockPathNeverGivesAWrongValue() throws {
        let dir = try temporaryDirectory("snap-block-flips")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 1200, seed: 6).write(to: dir)
        try checkpoint(dir, try DatasetLoader.load(directory: dir.path))
        let csv = try exactLoad(dir)
        let path = Snapshot.path(in: dir.path)
        let offsets = try flipOffsets(path, every: 40, seed: 15)
        var peeked = 0, opened = 0
        let csvIndexes = wholeIndexes(csv)
        let foundLate = try eachFlippedBit(at: offsets, in: dir) { store, late, offset in
            opened += 1
            #expect(rowByRowDifferences(store, csv, peeked: &peeked) == [], "bit flipped at \(offset)")
            #expect(storeDifferences(store, csv) == [], "bit flipped at \(offset)")
            #expect(wholeIndexes(store) == csvIndexes, "bit flipped at \(offset)")
            #expect(late.lines.allSatisfy {
                $0.contains("is damaged in the snapshot; reading it from the CSV files") || $0.contains("is damaged in the snapshot; building it from the column")
            }, "\(late.lines)")
        }
        // Flips in a block holding layout (each field's index record starts with some) are
        // found on opening; most others when the column or index is read.
        #expect(foundLate > opened / 2 && opened > offsets.count / 8, "\(foundLate) of \(opened) opened of \(offsets.count)")
        // Most columns of this dataset were read block by block to their last row.
        #expect(peeked > opened * 20, "\(peeked) columns read block by block in \(opened) snapshots")
    }

    @Test func theJournalIsReplayedOnTopOfTheSnapshot() throws {
        let dir = try temporaryDirectory("snap-journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 100, seed: 2).write(to: dir)
        let dataset = Dataset(directory: dir.path)
        let store = try dataset.load()
        try checkpoint(dir, store)
        let writer = Dataset(directory: dir.path)
        var current = try writer.load()
        current = try writer.beginChange(current)
        let edit = RowEdit(kind: .update, collection: "children", key: "1", cells: ["name": "日志里的名字"])
        current = try writer.commit(JournalEntry(at: "2019-11-30 10:00:00", user: "t", statement: "update", firstChangeID: 1, edits: [edit]),
                                    changed: try current.applying([edit]))
        writer.endChange()
        guard case .loaded = Snapshot.open(directory: dir.path) else { Issue.record("not used"); return }
        let reopened = try Dataset(directory: dir.path).load()
        let children = reopened.table("children")!
        guard case .text(let names) = children.column(named: "name")! else { return }
        #expect(names.text(at: children.row(id: 1)!) == "日志里的名字")
        #expect(reopened.table("changes")?.rowCount == 1)
    }
}

/// Warnings a snapshot gives after opening, collected.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    var lines: [String] { lock.withLock { collected } }
    func add(_ line: String) { lock.withLock { collected.append(line) } }
}

/// Offsets of the snapshot at `path` to flip a bit at: `every` evenly spread, and 20 at random.
func flipOffsets(_ path: String, every: Int, seed: UInt64) throws -> [Int] {
    let size = try Data(contentsOf: URL(fileURLWithPath: path)).count
    var generator = SplitMix(seed: seed)
    return Array(stride(from: 0, to: size, by: max(1, size / every))) + (0..<20).map { _ in Int(generator.next() % UInt64(size)) }
}

/// For each offset on its own: the snapshot of `directory` with one bit flipped there, opened
/// and handed to `check` with the warnings given after opening (damage found on opening, or a
/// file taken for stale, is passed over). Returns how
/// many flips were found late (a warning once a column was read).
func eachFlippedBit(at offsets: [Int], in directory: URL, check: (Store, WarningLog, Int) -> Void) throws -> Int {
    let path = Snapshot.path(in: directory.path)
    let good = try Data(contentsOf: URL(fileURLWithPath: path))
    var foundLate = 0
    for offset in offsets {
        var flipped = good
        flipped[offset] ^= UInt8(1 << (offset % 8))
        try flipped.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: path)
        let late = WarningLog()
        guard case .loaded(let store) = Snapshot.open(directory: directory.path, warn: late.add) else { continue }
        check(store, late, offset)
        if !late.lines.isEmpty { foundLate += 1 }
    }
    return foundLate
}
