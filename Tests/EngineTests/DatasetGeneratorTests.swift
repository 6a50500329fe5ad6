// DatasetGenerator: deterministic bytes for a seed, and a generated dataset loads cleanly.

import Engine
import Foundation
import Testing

func temporaryDirectory(_ label: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

let datasetFiles = ["streets", "communities", "children", "mothers", "pairings", "visits"]

func readDataset(_ dir: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for name in datasetFiles { out[name] = try Data(contentsOf: dir.appendingPathComponent(name + ".csv")) }
    return out
}

@Suite struct DatasetGeneratorTests {
    @Test func sameSeedSameBytes() throws {
        let a = try temporaryDirectory("gen-a"), b = try temporaryDirectory("gen-b"), c = try temporaryDirectory("gen-c")
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(at: d) } }
        try DatasetGenerator(children: 300, seed: 42).write(to: a)
        try DatasetGenerator(children: 300, seed: 42).write(to: b)
        try DatasetGenerator(children: 300, seed: 43).write(to: c)
        let first = try readDataset(a), second = try readDataset(b), other = try readDataset(c)
        for name in datasetFiles {
            #expect(first[name] == second[name], "\(name).csv differs between runs with the same seed")
            #expect(first[name]?.isEmpty == false)
        }
        #expect(first["children"] != other["children"], "another seed gives other children")
    }

    @Test func generatedDatasetLoads() throws {
        let dir = try temporaryDirectory("gen-2000")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 2000, seed: 7).write(to: dir)
        let store: Store
        do {
            store = try DatasetLoader.load(directory: dir.path)
        } catch let error as LoadError {
            Issue.record("generated dataset does not load:\n\(error.description)")
            return
        }
        #expect(store.table("children")?.rowCount == 2000)
        #expect(store.table("streets")?.rowCount == 11)
        #expect((store.table("mothers")?.rowCount ?? 0) > 0)
        #expect((store.table("pairings")?.rowCount ?? 0) > 0)
        #expect((store.table("visits")?.rowCount ?? 0) > 0)
        // The CSV edge cases the generator promises.
        let children = try Data(contentsOf: dir.appendingPathComponent("children.csv"))
        #expect(Array(children.prefix(3)) == [0xEF, 0xBB, 0xBF], "children.csv starts with a BOM")
        #expect(String(decoding: children.prefix(400), as: UTF8.self).contains("\r\n"), "children.csv uses CRLF")
        let visits = try String(contentsOf: dir.appendingPathComponent("visits.csv"), encoding: .utf8)
        #expect(visits.hasPrefix("pairing,id,date,note,kind\n"))
    }

    @Test func emptyDataset() throws {
        let dir = try temporaryDirectory("gen-0")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 0, seed: 1).write(to: dir)
        let store = try DatasetLoader.load(directory: dir.path)
        #expect(store.table("children")?.rowCount == 0)
    }
}
