// Postings and SortedIndex against brute force on seeded random columns.

import Engine
import Testing

@Suite struct IndexTests {
    @Test(arguments: [1, 2, 3, 4, 5])
    func postingsFromKeys(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let keyCount = 1 + rng.below(20)
        let rowCount = rng.below(500)
        let keys = (0..<rowCount).map { _ in Int32(rng.below(keyCount + 1)) - 1 }  // -1 = no key
        let postings = Postings(keys: keys, keyCount: keyCount)
        #expect(postings.keyCount == keyCount)
        for key in 0..<keyCount {
            let expected = keys.indices.filter { keys[$0] == Int32(key) }.map(Int32.init)
            #expect(Array(postings.rows(for: key)) == expected)
            #expect(postings.count(for: key) == expected.count)
        }
        #expect(postings.rows(for: -1).isEmpty)
        #expect(postings.rows(for: keyCount).isEmpty)
        #expect(postings.count(for: keyCount + 5) == 0)
    }

    @Test(arguments: [1, 2, 3])
    func postingsFromSets(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let vocabulary = ["低保", "单亲", "孤儿", "a", "b", "c"]
        let column = SetColumn()
        let rowCount = 300
        var rows: [[String]] = []
        for _ in 0..<rowCount {
            // Duplicates within a row are allowed in a file ("a;a"): the row is listed once.
            let elements = (0..<rng.below(5)).map { _ in vocabulary[rng.below(vocabulary.count)] }
            rows.append(elements)
            column.append(elements.map { column.dictionary.intern($0) })
        }
        let postings = Postings(sets: column, rowCount: rowCount)
        for word in vocabulary {
            guard let code = column.dictionary.code(of: word) else { continue }
            let expected = rows.indices.filter { rows[$0].contains(word) }.map(Int32.init)
            #expect(Array(postings.rows(for: Int(code))) == expected, "\(word)")
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func sortedIndexPositions(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let null = Int.min
        let values = (0..<400).map { _ in rng.below(6) == 0 ? null : rng.below(50) - 10 }
        let index = SortedIndex(values: values, null: null)
        // Ordered by value, ties by row, nulls left out.
        let nonNull = values.indices.filter { values[$0] != null }
        #expect(index.rows.count == nonNull.count)
        #expect(index.rows.map(Int.init) == nonNull.sorted { (values[$0], $0) < (values[$1], $1) })
        #expect(index.values == index.rows.map { values[Int($0)] })
        for _ in 0..<300 {
            let lower: Int? = rng.below(5) == 0 ? nil : rng.below(70) - 20
            let upper: Int? = rng.below(5) == 0 ? nil : rng.below(70) - 20
            let lowerStrict = rng.below(2) == 0, upperStrict = rng.below(2) == 0
            let range = index.positions(lower: lower, lowerStrict: lowerStrict, upper: upper, upperStrict: upperStrict)
            let got = Set(index.rows[range].map(Int.init))
            let expected = Set(nonNull.filter { row in
                let v = values[row]
                if let lower, lowerStrict ? !(v > lower) : !(v >= lower) { return false }
                if let upper, upperStrict ? !(v < upper) : !(v <= upper) { return false }
                return true
            })
            #expect(got == expected, "lower \(String(describing: lower)) \(lowerStrict) upper \(String(describing: upper)) \(upperStrict)")
        }
    }

    @Test func sortedIndexEdgeCases() {
        let empty = SortedIndex(values: [], null: Int.min)
        #expect(empty.positions(lower: 1, upper: 2).isEmpty)
        #expect(empty.positions(lower: nil, upper: nil).isEmpty)
        let index = SortedIndex(values: [5, 5, 5], null: Int.min)
        #expect(index.positions(lower: 5, upper: 5).count == 3)
        #expect(index.positions(lower: 5, lowerStrict: true, upper: nil).isEmpty)
        #expect(index.positions(lower: 6, upper: 4).isEmpty, "an inverted range is empty")
    }

    @Test func tableIndexesMatchTheColumns() throws {
        let store = try load(baseFiles)
        let children = try #require(store.table("children"))
        let street = try #require(children.schema.fieldIndex("street"))
        let postings = children.postings(field: street)
        let streets = try #require(store.table("streets"))
        for target in 0..<streets.rowCount {
            let expected = (0..<children.rowCount).filter { children.ref("street", $0) == target }.map(Int32.init)
            #expect(Array(postings.rows(for: target)) == expected)
        }
        let tags = try #require(children.schema.fieldIndex("tags"))
        guard case .textSet(let tagColumn) = children.columns[tags] else { Issue.record("tags"); return }
        let code = try #require(tagColumn.dictionary.code(of: "低保"))
        #expect(Array(children.postings(field: tags).rows(for: Int(code))) == [0])
        let size = try #require(children.schema.fieldIndex("household_size"))
        let sorted = children.sortedIndex(field: size)
        #expect(sorted.values == [-2, 3])
    }
}
