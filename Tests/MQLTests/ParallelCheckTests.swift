// `Session.violations` checks constraints on several threads at once (`mql check` at a
// million children): the result must be the one-thread result exactly — the same
// constraints in the same order, the same rows in the same order — on a store whose
// columns are read from a snapshot on first use, as `mql check` opens a dataset. A debug
// build stops if a worker reads a column for the first time (`Store.readConcurrently`).

@testable import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct ParallelCheckTests {
    /// A few thousand children, mothers, pairings and visits from the random rows of
    /// `IncrementalCheckTests` (which break nearly every constraint), written as CSV files
    /// and checkpointed so that the dataset has a snapshot.
    static func writeDataset(to directory: String, seed: UInt64) throws {
        var g = IncrementalCheckTests.Generator(random: SplitMix(seed: seed))
        let childCount = 3000, motherCount = 900, pairingCount = 1500, visitCount = 4000
        let streets = IncrementalCheckTests.streets.map { ["name": $0, "quota": g.pick(["", "1", "2", "5"]), "liaison": g.pick(["", "刘婷"])] }
        var communities: [[String: String]] = []
        for street in IncrementalCheckTests.streets {
            for name in IncrementalCheckTests.communityNames.prefix(2) { communities.append(["name": name, "street": street]) }
        }
        // Rows the random ones seldom give, so that every constraint that can be is broken.
        var children = (1...childCount).map { g.childCells(id: $0) }
        for i in stride(from: 0, to: childCount, by: 50) { children[i]["gender"] = "未知"; children[i]["medical_cost"] = "-5" }
        var pairings = (1...pairingCount).map { g.pairingCells(id: $0, mothers: motherCount, children: childCount) }
        for i in stride(from: 0, to: pairingCount, by: 40) { pairings[i]["mother"] = "" }
        for i in stride(from: 7, to: pairingCount, by: 45) { pairings[i]["child"] = "" }
        var quotas = streets
        quotas[0]["quota"] = "-1"
        var reports: [[String: String]] = []
        for i in 1...40 {
            let period: String = i % 7 == 0 ? "双月" : (i % 2 == 0 ? "2019-08" : "2019-10")
            let street: String = IncrementalCheckTests.streets[i % 3]
            reports.append(["id": String(i), "street": street, "period": period, "submitted": "2019-10-20",
                            "results": "", "experience": "", "problems": ""])
        }
        typealias G = IncrementalCheckTests.Generator
        let files: [String: String] = [
            "streets": G.csv(["name", "quota", "liaison", "liaison_phone"], quotas),
            "communities": G.csv(["name", "street"], communities),
            "children": G.csv(["id", "name", "gender", "birth", "street", "community", "guardian", "guardian_phone", "address", "tags", "reason",
                               "household_size", "household_income", "medical_cost", "status", "review", "registered"],
                              children),
            "mothers": G.csv(["id", "name", "org", "title", "phone", "level", "street", "community", "roles"], (1...motherCount).map { g.motherCells(id: $0) }),
            "pairings": G.csv(["id", "mother", "child", "since", "until", "channels", "note"], pairings),
            "reports": G.csv(["id", "street", "period", "submitted", "results", "experience", "problems"], reports),
            "visits": G.csv(["id", "pairing", "date", "kind", "note"], (1...visitCount).map { g.visitCells(id: $0, pairings: pairingCount) }),
        ]
        for (name, text) in files { try text.write(toFile: directory + "/\(name).csv", atomically: true, encoding: .utf8) }
        let dataset = Dataset(directory: directory)
        try dataset.checkpoint(try dataset.load())
    }

    /// The dataset's snapshot opened afresh (no column read yet), under the shipped rules
    /// and `IncrementalCheckTests.extraRules` (some of which the dependency analysis cannot
    /// follow: those run on the calling thread after the workers).
    static func openSession(_ directory: String) throws -> Session {
        guard case .loaded(let store) = Snapshot.open(directory: directory) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return try Session(store: store, ruleSources: IncrementalCheckTests.rules(), today: Fixtures.today)
    }

    @Test func constraintsCheckedAtOnceGiveTheOneThreadResult() throws {
        let directory = NSTemporaryDirectory() + "mql-parallel-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.writeDataset(to: directory, seed: 7)

        let one = try Self.openSession(directory).violations(workers: 1)
        // Every constraint is broken, by many rows, but two this many children cannot break.
        let unbroken = one.filter { $0.rows.isEmpty }.map(\.constraint.qualifiedName)
        #expect(unbroken == ["streets.has_children", "pairings.not_more_than_children"])
        #expect(one.reduce(0) { $0 + $1.rows.count } > 5000)
        #expect(one.contains { $0.constraint.name == "at_most_nine" && !$0.rows.isEmpty })

        for workers in [2, 3] {
            let session = try Self.openSession(directory)
            let many = session.violations(workers: workers)
            #expect(many.map(\.constraint.qualifiedName) == one.map(\.constraint.qualifiedName))
            for (a, b) in zip(one, many) {
                #expect(a.rows == b.rows, "\(a.constraint.qualifiedName) with \(workers) workers")
            }
            // Run again on the same session: the columns, indexes and lookup tables the
            // first run built are read, not built again.
            #expect(session.violations(workers: workers).map(\.rows) == one.map(\.rows))
        }
    }
}
