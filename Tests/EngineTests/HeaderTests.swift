// The header of every dataset file is checked before its rows, the same way by the exact
// loader, the fast loader and (through the CSV files it describes) the snapshot: a column
// the collection does not have is an error with the likely field, never a column of nulls.

@testable import Engine
import Foundation
import Testing

/// Errors of loading `files`; and whether the fast path gave up on them (it must, so the
/// exact loader reports; a fast path that accepted a bad header would load nulls).
func headerErrors(_ files: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> (errors: [String], fastGaveUp: Bool) {
    let bytes = files.mapValues { Array($0.utf8) }
    let fast = DatasetLoader.fastLoad(directory: ".", contents: { bytes[$0] }, size: { bytes[$0]?.count ?? 0 }, open: { name in
        bytes[name].map { .input(LoadInput(bytes: $0)) } ?? .missing
    })
    return (loadErrors(files, sourceLocation: sourceLocation), fast == nil)
}

struct HeaderCase: CustomStringConvertible, Sendable {
    let collection: String
    let header: String
    let expected: [String]
    var description: String { "\(collection): \(header)" }
}

@Suite struct HeaderTests {
    static let cases: [HeaderCase] = [
        HeaderCase(collection: "children", header: "id,Name,street",
                   expected: ["children.csv:1: error: unknown column 'Name' in the header of children; did you mean 'name'?"]),
        HeaderCase(collection: "children", header: "id,name,streat",
                   expected: ["children.csv:1: error: unknown column 'streat' in the header of children; did you mean 'street'?"]),
        HeaderCase(collection: "children", header: "id,name,guardian-phone",
                   expected: ["children.csv:1: error: unknown column 'guardian-phone' in the header of children; did you mean 'guardian_phone'?"]),
        HeaderCase(collection: "children", header: "id,name,shoe_size",
                   expected: ["children.csv:1: error: unknown column 'shoe_size' in the header of children (its columns: id, name, gender, birth, street, community, guardian, guardian_phone, address, tags, reason, household_size, household_income, medical_cost, status, review, registered)"]),
        HeaderCase(collection: "children", header: "id,name,",
                   expected: ["children.csv:1: error: a column without a name in the header of children (its columns: id, name, gender, birth, street, community, guardian, guardian_phone, address, tags, reason, household_size, household_income, medical_cost, status, review, registered)"]),
        HeaderCase(collection: "children", header: "id,name,id",
                   expected: ["children.csv:1: error: column 'id' appears twice in the header"]),
        HeaderCase(collection: "streets", header: "Name,quota",
                   expected: ["streets.csv:1: error: unknown column 'Name' in the header of streets; did you mean 'name'?",
                              "streets.csv:1: error: missing column 'name'"]),
        HeaderCase(collection: "communities", header: "name,Street",
                   expected: ["communities.csv:1: error: unknown column 'Street' in the header of communities; did you mean 'street'?",
                              "communities.csv:1: error: missing column 'street'"]),
        HeaderCase(collection: "mothers", header: "id,name,level,Roles",
                   expected: ["mothers.csv:1: error: unknown column 'Roles' in the header of mothers; did you mean 'roles'?"]),
        HeaderCase(collection: "pairings", header: "id,mother,child,sinse",
                   expected: ["pairings.csv:1: error: unknown column 'sinse' in the header of pairings; did you mean 'since'?"]),
        HeaderCase(collection: "visits", header: "id,pairing,date,Kind",
                   expected: ["visits.csv:1: error: unknown column 'Kind' in the header of visits; did you mean 'kind'?"]),
        HeaderCase(collection: "reports", header: "id,street,periode",
                   expected: ["reports.csv:1: error: unknown column 'periode' in the header of reports; did you mean 'period'?"]),
        HeaderCase(collection: "exemplars", header: "id,report,Pairing",
                   expected: ["exemplars.csv:1: error: unknown column 'Pairing' in the header of exemplars; did you mean 'pairing'?"]),
        HeaderCase(collection: "attachments", header: "id,file,sha",
                   expected: ["attachments.csv:1: error: unknown column 'sha' in the header of attachments (its columns: id, file, sha256, report, visit, taken, note)"]),
    ]

    @Test(arguments: cases)
    func badHeaderIsAnErrorInBothLoaders(_ c: HeaderCase) {
        var files = baseFiles
        // A header alone: the check must not depend on there being rows.
        files[c.collection] = c.header + "\n"
        let (errors, fastGaveUp) = headerErrors(files)
        #expect(errors == c.expected)
        #expect(fastGaveUp)
        // With a BOM and rows, the same.
        files[c.collection] = "\u{FEFF}" + c.header + "\n" + c.header.split(separator: ",", omittingEmptySubsequences: false).map { _ in "" }.joined(separator: ",") + "\n"
        let withRows = headerErrors(files)
        #expect(withRows.errors.filter { $0.contains(":1:") } == c.expected)
        #expect(withRows.fastGaveUp)
    }

    @Test func everyCollectionHasACase() {
        #expect(Set(Self.cases.map(\.collection)) == Set(ProgrammeSchema.collections.map(\.name)).subtracting(["changes"]))
    }

    @Test func filesThatReferToAFailedOneAreNotBuried() {
        var files = baseFiles
        files["children"] = "id,Name,street\n1,a,布吉\n"
        // pairings refer to children 2, which did not load: no "unknown child" flood.
        #expect(loadErrors(files) == ["children.csv:1: error: unknown column 'Name' in the header of children; did you mean 'name'?"])
    }

    @Test func optionalColumnsMayBeLeftOutAndLoadAsNull() throws {
        var files = baseFiles
        files["children"] = "id,name\n1,王小明\n"
        let store = try load(files.filter { $0.key != "pairings" && $0.key != "visits" })
        let children = try #require(store.table("children"))
        #expect(children.rowCount == 1)
        #expect(children.text("name", 0) == "王小明")
        for name in ["street", "birth", "tags", "household_size", "status"] {
            let column = try #require(children.column(named: name))
            #expect(name == "tags" ? children.set("tags", 0) == [] : column.isNull(at: 0), "\(name)")
        }
    }

    @Test func theSnapshotDoesNotHideAnEditedHeader() throws {
        let dir = try temporaryDirectory("header-snapshot")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in baseFiles { try Data(text.utf8).write(to: dir.appendingPathComponent(name + ".csv")) }
        try checkpoint(dir, try exactLoad(dir))
        #expect(FileManager.default.fileExists(atPath: Snapshot.path(in: dir.path)))
        #expect(throws: Never.self) { try Dataset(directory: dir.path).load() }
        // The header edited after the checkpoint: the snapshot no longer describes the file.
        let path = dir.appendingPathComponent("children.csv")
        let text = try String(contentsOf: path, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "id,name,", with: "id,Name,").utf8).write(to: path)
        do {
            _ = try Dataset(directory: dir.path).load()
            Issue.record("loaded a children.csv whose header says Name")
        } catch let error as LoadError {
            #expect(error.description.contains("children.csv:1: error: unknown column 'Name' in the header of children; did you mean 'name'?"), "\(error)")
        }
    }
}
