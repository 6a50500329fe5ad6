// Indexes kept in the snapshot (format 3): read a few blocks at a time they give what the
// indexes built from the columns give; a damaged block makes the index built from the
// column instead (with a warning), never a wrong answer; a column written since loading
// makes its index unused.

@testable import Engine
import Foundation
import Testing

/// What every index of `store` answers, read through the table's index API (from the
/// snapshot's indexes while they are unused, else built): per field, the count and rows of
/// a few keys, a few ranges, both ends of the sorted order, and the whole index.
func indexAnswers(_ store: Store, keys: (Table, Int) -> [Int], bounds: [Int]) -> [String] {
    var out: [String] = []
    for table in store.tables {
        for field in table.columns.indices {
            let name = "\(table.name).\(table.schema.fields[field].name)"
            switch table.columns[field] {
            case .text, .textSet, .reference:
                for key in keys(table, field) {
                    out.append("\(name) \(key): \(table.postingsCount(field: field, key: key)) \(table.postingsRows(field: field, key: key))")
                }
            case .int, .date:
                if field == 0 && table.isKeyedByID { continue }
                let n = table.sortedIndexCount(field: field)
                out.append("\(name) count \(n)")
                for b in bounds {
                    let range = table.sortedPositions(field: field, lower: b, lowerStrict: true, upper: nil)
                    out.append("\(name) > \(b): \(range)")
                    let below = table.sortedPositions(field: field, lower: nil, upper: b)
                    out.append("\(name) <= \(b): \(below)")
                }
                let ends = [0..<min(n, 5), max(0, n - 5)..<n]
                for range in ends {
                    out.append("\(name) \(range): \(table.sortedRows(field: field, positions: range)) \(table.sortedValues(field: field, positions: range))")
                }
            }
        }
    }
    return out
}

/// The whole indexes (`postings`, `sortedIndex`) of every indexed field.
func wholeIndexes(_ store: Store) -> [String] {
    var out: [String] = []
    for table in store.tables {
        for field in table.columns.indices {
            switch table.columns[field] {
            case .text, .textSet, .reference:
                let p = table.postings(field: field)
                // Keys past the last with rows are not listed alike by every builder.
                var offsets = p.offsets
                while offsets.count > 1 && offsets[offsets.count - 2] == offsets.last! { offsets.removeLast() }
                out.append("\(table.name).\(field) \(offsets) \(p.rows)")
            case .int, .date:
                let s = table.sortedIndex(field: field)
                out.append("\(table.name).\(field) \(s.rows) \(s.values)")
            }
        }
    }
    return out
}

@Suite struct SnapshotIndexTests {
    static func keys(_ table: Table, _ field: Int) -> [Int] {
        let count: Int
        switch table.columns[field] {
        case .text(let c): count = c.dictionary.count
        case .textSet(let c): count = c.dictionary.count
        case .reference: count = table.targetRowCount[field] ?? 0
        default: count = 0
        }
        return [-1, 0, 1, count / 2, count - 1, count, count + 3]
    }

    static let bounds = [-5, 0, 1000, 18000, 18200, 100_000]

    /// A dataset checkpointed (a format-3 snapshot with indexes) and loaded from CSV.
    static func dataset(_ label: String, children: Int = 1500) throws -> (URL, Store) {
        let dir = try temporaryDirectory(label)
        try DatasetGenerator(children: children, seed: 11).write(to: dir)
        try checkpoint(dir, try DatasetLoader.load(directory: dir.path))
        return (dir, try exactLoad(dir))
    }

    @Test func indexesReadFromTheSnapshotEqualIndexesBuiltFromTheColumns() throws {
        let (dir, csv) = try Self.dataset("snapidx")
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .loaded(let snapshot) = Snapshot.open(directory: dir.path) else {
            Issue.record("the snapshot was not used")
            return
        }
        let children = snapshot.table("children")!
        // The snapshot holds indexes of the fields statements filter and sort on.
        for field in ["street", "status", "tags", "household_income", "registered", "birth"] {
            #expect(children.persistedIndex(field: children.schema.fieldIndex(field)!) != nil, "\(field)")
        }
        // Not of the ids (rows are in id order), nor of a name (nearly one value a row).
        #expect(children.persistedIndexes[0] == nil)
        #expect(children.persistedIndexes[children.schema.fieldIndex("name")!] == nil)
        let expected = indexAnswers(csv, keys: Self.keys, bounds: Self.bounds)
        #expect(indexAnswers(snapshot, keys: Self.keys, bounds: Self.bounds) == expected)
        // Answered from the snapshot's blocks: no index it holds was cached, no column of
        // one read.
        for table in snapshot.tables {
            for field in table.persistedIndexes.keys {
                #expect(table.postingsCache[field] == nil && table.sortedCache[field] == nil, "\(table.name) \(field)")
                switch table.columns[field] {
                case .int(let c): #expect(!c.isLoaded, "\(table.name) \(field)")
                case .date(let c): #expect(!c.isLoaded, "\(table.name) \(field)")
                case .reference(let c): #expect(!c.isLoaded, "\(table.name) \(field)")
                case .text(let c): #expect(!c.isLoaded, "\(table.name) \(field)")
                case .textSet(let c): #expect(!c.isLoaded, "\(table.name) \(field)")
                }
            }
        }
        // Read whole, they are the built ones.
        #expect(wholeIndexes(snapshot) == wholeIndexes(csv))
    }

    /// A column written after loading (a change, a journal replayed) leaves its index in the
    /// snapshot unused: the table's indexes are built and maintained as without one.
    @Test func aWrittenColumnDoesNotUseItsSnapshotIndex() throws {
        let (dir, csv) = try Self.dataset("snapidx-write", children: 400)
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .loaded(let snapshot) = Snapshot.open(directory: dir.path) else {
            Issue.record("the snapshot was not used")
            return
        }
        for store in [snapshot, csv] {
            let children = store.table("children")!
            let income = children.schema.fieldIndex("household_income")!, status = children.schema.fieldIndex("status")!
            children.set(row: 3, field: income, .int(123_456))
            children.set(row: 5, field: status, .null)
            children.bringIndexesUpToDate()
        }
        let children = snapshot.table("children")!
        #expect(children.persistedIndex(field: children.schema.fieldIndex("household_income")!) == nil)
        #expect(children.persistedIndex(field: children.schema.fieldIndex("status")!) == nil)
        #expect(children.persistedIndex(field: children.schema.fieldIndex("birth")!) != nil)
        #expect(indexAnswers(snapshot, keys: Self.keys, bounds: Self.bounds + [123_456]) == indexAnswers(csv, keys: Self.keys, bounds: Self.bounds + [123_456]))
        #expect(wholeIndexes(snapshot) == wholeIndexes(csv))
    }

    /// A flipped bit in an index section: the index is built from the column instead, with
    /// the warning; never a wrong answer.
    @Test func aFlippedBitInAnIndexNeverGivesAWrongAnswer() throws {
        let (dir, csv) = try Self.dataset("snapidx-flips", children: 6000)
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .loaded(let layout) = Snapshot.open(directory: dir.path) else {
            Issue.record("the snapshot was not used")
            return
        }
        // File offsets inside index sections, spread over every index.
        var inIndexes: [Int] = []
        for table in layout.tables {
            for index in table.persistedIndexes.values.sorted(by: { $0.what < $1.what }) {
                let sections: [SnapshotSection]
                switch index.layout {
                case .postings(_, let offsets, let rows): sections = [offsets, rows]
                case .sorted(_, let rows, let values, _): sections = [rows, values]
                }
                for section in sections where section.count > 0 {
                    inIndexes.append(Snapshot.headerSize + section.offset + section.count / 2)
                }
            }
        }
        #expect(inIndexes.count > 30)
        let expected = indexAnswers(csv, keys: Self.keys, bounds: Self.bounds)
        let expectedWhole = wholeIndexes(csv)
        var warned = 0, opened = 0
        _ = try eachFlippedBit(at: inIndexes, in: dir) { store, late, offset in
            opened += 1
            #expect(indexAnswers(store, keys: Self.keys, bounds: Self.bounds) == expected, "bit flipped at \(offset)")
            #expect(wholeIndexes(store) == expectedWhole, "bit flipped at \(offset)")
            #expect(late.lines.allSatisfy { $0.contains("is damaged in the snapshot") }, "\(late.lines)")
            if late.lines.contains(where: { $0.contains("building it from the column") }) { warned += 1 }
        }
        // Flips in a block that also holds the layout are found on opening (the CSV files
        // are loaded instead); most of the others are found in the index, when it is read.
        #expect(opened > inIndexes.count / 4, "\(opened) of \(inIndexes.count) opened")
        #expect(warned > opened / 2, "\(warned) of \(opened)")
    }

    /// A dictionary is read alone when a value is looked up before the column is read (a
    /// count answered from an index reads no codes); codes found damaged afterwards are
    /// read from the CSV files, which number the values alike. Never a wrong value.
    @Test func aDictionaryReadBeforeDamagedCodesNeverGivesAWrongValue() throws {
        let (dir, csv) = try Self.dataset("snapidx-dict", children: 1200)
        defer { try? FileManager.default.removeItem(at: dir) }
        let offsets = try flipOffsets(Snapshot.path(in: dir.path), every: 40, seed: 17)
        var alone = 0
        let foundLate = try eachFlippedBit(at: offsets, in: dir) { store, late, offset in
            for table in store.tables {
                for column in table.columns {
                    switch column {
                    case .text(let c): _ = c.dictionary.code(of: "待审核"); if !c.isLoaded { alone += 1 }
                    case .textSet(let c): _ = c.dictionary.code(of: "低保"); if !c.isLoaded { alone += 1 }
                    default: break
                    }
                }
            }
            #expect(storeDifferences(store, csv) == [], "bit flipped at \(offset)")
        }
        #expect(alone > offsets.count * 5, "\(alone) dictionaries read alone")
        #expect(foundLate > 5, "\(foundLate) of \(offsets.count)")
    }

    /// A format-2 snapshot is stale: the CSV files are loaded (and the next checkpoint
    /// writes format 3).
    @Test func anOlderFormatIsStale() throws {
        let (dir, _) = try Self.dataset("snapidx-old", children: 50)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Snapshot.path(in: dir.path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[8] = 2
        try bytes.write(to: URL(fileURLWithPath: path))
        guard case .stale = Snapshot.open(directory: dir.path) else {
            Issue.record("a format-2 snapshot was not taken for stale")
            return
        }
    }
}
