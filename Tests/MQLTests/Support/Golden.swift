// Golden files: expected output kept in Tests/MQLTests/Golden/, compared as text. Run the
// tests with RECORD_GOLDEN=1 to rewrite them from the current output (then review the diff).

import Foundation
import Testing

enum Golden {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")

    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" }

    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        if recording {
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try actual.write(to: url, atomically: true, encoding: .utf8)
            } catch {
                Issue.record("cannot record \(name): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden file Golden/\(name); run the tests with RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        guard expected != actual else { return }
        Issue.record("Golden/\(name) differs (RECORD_GOLDEN=1 re-records):\n\(firstDifference(expected, actual))", sourceLocation: sourceLocation)
    }

    /// The first differing line, with its neighbours, for a readable failure.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
        for i in 0..<max(e.count, a.count) {
            let x = i < e.count ? e[i] : "<end of file>", y = i < a.count ? a[i] : "<end of output>"
            if x != y {
                let context = (max(0, i - 2)..<i).map { "  \(e[$0])" }.joined(separator: "\n")
                return "line \(i + 1):\n\(context)\n- \(x)\n+ \(y)"
            }
        }
        return "(no line differs: whitespace at the end?)"
    }
}
