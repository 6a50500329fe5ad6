// A copy of the example dataset in a temporary directory, opened for durable changes: the
// fixture of the tests that change data and read it back from a fresh load.

import Engine
import Foundation
@testable import MQL

final class DatasetWorkspace {
    let directory: String
    var session: Session

    /// `cycle`: with the example reports, exemplars and attachments (and their files) too.
    init(label: String = "change", cycle: Bool = false) throws {
        directory = NSTemporaryDirectory() + "mql-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["streets", "communities", "children", "mothers", "pairings", "visits"] + (cycle ? ["reports", "exemplars", "attachments"] : []) {
            try FileManager.default.copyItem(atPath: Fixtures.exampleData + "/\(name).csv", toPath: directory + "/\(name).csv")
        }
        if cycle { try FileManager.default.copyItem(atPath: Fixtures.exampleData + "/attachments", toPath: directory + "/attachments") }
        session = try Self.open(directory)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static func open(_ directory: String) throws -> Session {
        let dataset = Dataset(directory: directory)
        let session = try Session(store: dataset.load(), ruleSources: Fixtures.ruleSources, today: Fixtures.today)
        session.dataset = dataset
        session.user = "测试"
        return session
    }

    /// A fresh load of the directory, as the next process sees it.
    func reopened() throws -> Session { try Self.open(directory) }

    /// Replaces the session by a fresh load.
    func reopen() throws { session = try reopened() }

    /// Runs statements, going on after a failure; the outcomes.
    @discardableResult
    func run(_ text: String) -> [Result<StatementOutcome, DiagnosticError>] {
        session.run(text, name: "<test>", keepGoing: true)
    }

    /// The id a single insert reports, or nil on failure.
    func insertedID(_ text: String) -> Int? {
        guard case .success(.changed(_, let id))? = session.run(text, name: "<test>").first else { return nil }
        return id
    }

    /// The first error of running `text`, or "" when it all succeeded.
    func error(_ text: String) -> String {
        guard case .failure(let e)? = session.run(text, name: "<test>", keepGoing: true).first(where: {
            if case .failure = $0 { return true } else { return false }
        }) else { return "" }
        return e.description
    }

    /// A query's rows, cells joined by `|`, rows by newlines.
    func rows(_ query: String) -> String {
        guard case .success(.rows(let r))? = session.run(query).first else { return "error" }
        return r.rows.map { $0.map(\.description).joined(separator: "|") }.joined(separator: "\n")
    }

    func count(_ query: String) -> Int {
        guard case .success(.count(let n))? = session.run("count " + query).first else { return -1 }
        return n
    }

    var journalPath: String { directory + "/journal.mqlj" }
    var journalBytes: [UInt8] { (FileManager.default.contents(atPath: journalPath)).map { [UInt8]($0) } ?? [] }
    func verify() -> JournalVerification { Journal(directory: directory).verify() }
}
