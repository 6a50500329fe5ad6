// The index oracle of the fuzzers (issue 9): every query of the grammar-generated corpus
// (tests/fuzz/corpus/index_queries.txt, written by `tests/fuzz/run.py --write-index-corpus`;
// `MQL_FUZZ_QUERIES=FILE` to try another) gives the same rows with indexes as by full scan.
// Indexes can only be switched off inside the process (`Session.useIndexes`), so this
// oracle lives here and not in the Python harness, which drives the binary.

import Foundation
import MQL
import Testing

@Suite struct FuzzIndexScanTests {
    static var corpusPath: String {
        ProcessInfo.processInfo.environment["MQL_FUZZ_QUERIES"]
            ?? Fixtures.root.appendingPathComponent("tests/fuzz/corpus/index_queries.txt").path
    }

    @Test func generatedQueriesGiveTheSameRowsWithAndWithoutIndexes() throws {
        guard let text = try? String(contentsOfFile: Self.corpusPath, encoding: .utf8) else {
            Issue.record("no query corpus at \(Self.corpusPath)")
            return
        }
        let queries = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        let session = try Fixtures.exampleSession()
        var mismatches: [String] = []
        var compared = 0
        for query in queries {
            session.useIndexes = true
            let indexed = Result { try session.rows(query) }
            session.useIndexes = false
            let scanned = Result { try session.rows(query) }
            session.useIndexes = true
            switch (indexed, scanned) {
            case (.success(let a), .success(let b)):
                compared += 1
                if a != b { mismatches.append("\(query)\n  indexed \(a.count) rows \(a.prefix(3))\n  scanned \(b.count) rows \(b.prefix(3))") }
            case (.failure, .failure):
                continue
            case (.success, .failure(let e)), (.failure(let e), .success):
                mismatches.append("\(query)\n  only one of indexed/scanned fails: \(e)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(compared) queries differ:\n\(mismatches.prefix(5).joined(separator: "\n"))")
        #expect(compared > queries.count / 2, "only \(compared) of \(queries.count) corpus queries ran")
    }
}
