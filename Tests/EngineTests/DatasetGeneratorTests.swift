// DatasetGenerator: deterministic bytes for a seed, and a generated dataset loads cleanly.

import Engine
import Foundation
import Testing

func temporaryDirectory(_ label: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mql-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

let datasetFiles = ["streets", "communities", "children", "mothers", "pairings", "visits", "reports", "exemplars", "attachments"]

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

    @Test func theCycleHasEveryPeriodDueWithItsEdgesAndFilesThatCheck() throws {
        let dir = try temporaryDirectory("gen-cycle")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 1500, seed: 3).write(to: dir)
        let store = try DatasetLoader.load(directory: dir.path)
        let reports = try #require(store.table("reports"))
        var byPeriod: [String: [String: String]] = [:]   // period → street → submitted
        for row in 0..<reports.rowCount {
            let c = DatasetWriter.cells(reports, row: row, store: store)
            byPeriod[c["period"]!, default: [:]][c["street"]!] = c["submitted"]!
        }
        // The periods due by the data's today (2019-11-30), each street at most once.
        #expect(byPeriod.keys.sorted() == ["2019-06", "2019-08", "2019-10"])
        #expect(byPeriod.values.allSatisfy { $0.count <= 11 })
        #expect(byPeriod["2019-08"]!.count < 11, "a street is missing a report")
        #expect(byPeriod["2019-06"]!.values.contains("2019-06-25") && byPeriod["2019-06"]!.values.contains("2019-06-26"),
                "one report on the due date, one the day after")
        #expect(byPeriod.values.flatMap(\.values).allSatisfy { $0 <= "2019-11-30" })
        // Exemplars name pairings of the report's street; attachments belong to a report or a visit.
        let exemplars = try #require(store.table("exemplars"))
        #expect(exemplars.rowCount >= reports.rowCount)
        let attachments = try #require(store.table("attachments"))
        #expect(attachments.rowCount > reports.rowCount, "台账 of every report and photos of some visits")
        for row in 0..<attachments.rowCount {
            let c = DatasetWriter.cells(attachments, row: row, store: store)
            #expect(c["report"]!.isEmpty != c["visit"]!.isEmpty)
        }
        // A handful of distinct files, each what its rows say.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("attachments").path)
        #expect(files.count == 12)
        #expect(Attachments.verify(store, directory: dir.path).isEmpty)
    }

    @Test func mothersPerChildDefaultsToNineTenthsAndMayExceedOne() throws {
        let plain = try temporaryDirectory("gen-plain"), explicit = try temporaryDirectory("gen-0.9"), more = try temporaryDirectory("gen-1.2")
        defer { for d in [plain, explicit, more] { try? FileManager.default.removeItem(at: d) } }
        try DatasetGenerator(children: 1001, seed: 42).write(to: plain)
        try DatasetGenerator(children: 1001, seed: 42, mothersPerThousandChildren: 900).write(to: explicit)
        try DatasetGenerator(children: 1001, seed: 42, mothersPerThousandChildren: 1200).write(to: more)
        #expect(try readDataset(plain) == readDataset(explicit), "0.9 is the default: the same bytes as before the option")
        #expect(DatasetGenerator.motherCount(children: 1001, perThousand: 900) == 1001 * 9 / 10)
        let store = try DatasetLoader.load(directory: more.path)
        #expect(store.table("mothers")?.rowCount == 1201)
        #expect(store.table("children")?.rowCount == 1001)
        // More mothers than children: every mother id a pairing names exists, each active
        // pairing's mother at most twice (the deliberate one_child violations).
        let pairings = try #require(store.table("pairings"))
        var active: [String: Int] = [:]
        for row in 0..<pairings.rowCount {
            let c = DatasetWriter.cells(pairings, row: row, store: store)
            #expect(Int(c["mother"]!).map { (1...1201).contains($0) } == true)
            if c["until"]!.isEmpty { active[c["mother"]!, default: 0] += 1 }
        }
        #expect(active.values.allSatisfy { $0 <= 2 })
        #expect(active.count > 500, "most approved children are paired")
    }

    @Test func emptyDataset() throws {
        let dir = try temporaryDirectory("gen-0")
        defer { try? FileManager.default.removeItem(at: dir) }
        try DatasetGenerator(children: 0, seed: 1).write(to: dir)
        let store = try DatasetLoader.load(directory: dir.path)
        #expect(store.table("children")?.rowCount == 0)
        // The streets still report; with no pairing to name, exemplars are teams at most.
        #expect(store.table("reports")!.rowCount > 0)
        #expect(Attachments.verify(store, directory: dir.path).isEmpty)
    }
}
