// `mql check`: every constraint violation of the dataset, grouped by constraint with its
// citation first, then the rows (keys and names; personal data never shown); and the
// journal's hash chain, naming the first entry of an edited, reordered or truncated
// history; and the attachments' files, naming each one missing or altered since it was
// attached. Exit 1 if any.

import ArgumentParser
import Engine
import Foundation
import MQL

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "List every row that breaks a constraint of the rules, and any tampering with the journal; exit 1 if any."
    )

    @OptionGroup var session: SessionOptions

    @Flag(name: .long, help: "JSON Lines: one object per violation.")
    var json = false

    func run() throws {
        let session = self.session.makeSession()
        let report = CheckReport(session: session)
        if json { Terminal.write(report.json()) } else { report.writeText { Terminal.write(bytes: $0) } }
        if !report.isClean { throw ExitCode(1) }
    }
}

struct CheckReport {
    let session: Session
    let violations: [Violation]
    /// The journal's hash chain, when the session has a dataset directory.
    let journal: JournalVerification?
    /// Attachment rows whose file is missing or altered (the only read of their bytes).
    let attachments: [Attachments.Problem]

    init(session: Session) {
        self.session = session
        self.violations = session.violations()
        self.journal = session.dataset?.journal.verify()
        self.attachments = session.dataset.map { Attachments.verify(session.store, directory: $0.directory) } ?? []
    }

    var total: Int { violations.reduce(0) { $0 + $1.rows.count } }
    var isClean: Bool { total == 0 && journal?.problem == nil && attachments.isEmpty }

    func attachmentsText() -> String {
        guard let directory = session.dataset?.directory else { return "" }
        return attachments.map { problem in
            let path = problem.kind == .notAPathInside ? directory + "/attachments.csv" : Attachments.path(of: problem.file, in: directory)
            return "\(path): error: \(problem)\n"
        }.joined()
    }

    func journalText() -> String {
        guard let journal, let path = session.dataset?.journal.path else { return "" }
        var out = ""
        if journal.unchained > 0 {
            out += ReplMessage.journalUnchained(journal.unchained, journal.unchained == 1 ? "entry was" : "entries were") + "\n"
        }
        if let problem = journal.problem {
            out += "\(path): error: " + ReplMessage.journalEdited(problem) + "\n"
        } else if journal.entries > 0, let head = journal.head {
            out += ReplMessage.journalIntact(journal.entries, journal.entries == 1 ? "entry" : "entries", head) + "\n"
        }
        return out
    }

    func text() -> String { String(decoding: textBytes(), as: UTF8.self) }

    func textBytes() -> [UInt8] {
        var all: [UInt8] = []
        writeText { all += $0 }
        return all
    }

    /// TUNING: the report is handed to `write` in pieces of about this many bytes — one
    /// buffer reused, rather than tens of megabytes grown by doubling (page faults and
    /// copies were a tenth of `mql check` at a million children).
    static let pieceSize = 1 << 20
    /// TUNING: rows of a violation one core writes at a time (about 2 MB of lines).
    static let rowsPerPiece = 1 << 15

    /// The report as UTF-8, in pieces, a violation's row written as bytes (hundreds of
    /// thousands of lines at a million children); a row with a control character is
    /// escaped as `OutputWriter.visible` escapes it.
    func writeText(_ write: ([UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(Self.pieceSize + 4096)
        for v in violations where !v.rows.isEmpty {
            out += Array("\(v.constraint.citation ?? "")\n".utf8)
            out += Array(("  " + ReplMessage.constraintRows(v.constraint.qualifiedName, v.rows.count, v.rows.count == 1 ? "" : "s") + "\n").utf8)
            let prefix = Array("    \(v.constraint.collection) ".utf8)
            let describe = session.rowDescriber(v.constraint.collection)
            let collection = v.constraint.collection
            // The lines of a large violation are written on every core, a block of rows at
            // a time (each core a piece of it), the pieces joined in row order.
            var start = 0
            while start < v.rows.count {
                let end = min(v.rows.count, start + ParallelPieces.block(perCore: Self.rowsPerPiece))
                let pieces = ParallelPieces.map(end - start, total: v.rows.count) { range -> [UInt8] in
                    var piece: [UInt8] = []
                    piece.reserveCapacity(range.count * 64)
                    for row in v.rows[(start + range.lowerBound)..<(start + range.upperBound)] {
                        piece += prefix
                        let from = piece.count
                        describe?(Int(row), &piece)
                        if Self.hasControl(piece[from...]) {
                            piece.removeSubrange(from...)
                            piece += Array(OutputWriter.visible(session.describeRow(collection, Int(row))).utf8)
                        }
                        piece.append(0x0A)
                    }
                    return piece
                }
                for piece in pieces {
                    if out.count + piece.count < Self.pieceSize {
                        out += piece
                    } else {
                        write(out)
                        out.removeAll(keepingCapacity: true)
                        write(piece)
                    }
                }
                start = end
            }
        }
        let broken = violations.filter { !$0.rows.isEmpty }.count
        out += Array(((total == 0 ? ReplMessage.noViolations(violations.count)
            : ReplMessage.violationsOfConstraints(total, total == 1 ? "" : "s", broken, broken == 1 ? "" : "s")) + "\n").utf8)
        out += Array((journalText() + attachmentsText()).utf8)
        write(out)
    }

    /// Whether UTF-8 text holds a character `OutputWriter.isControl` escapes: C0, DEL, or
    /// C1 (U+0080…U+009F, encoded C2 80…C2 9F).
    static func hasControl(_ bytes: ArraySlice<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for b in bytes {
            if b < 0x20 || b == 0x7F || (previous == 0xC2 && b >= 0x80 && b <= 0x9F) { return true }
            previous = b
        }
        return false
    }

    func json() -> String {
        let writer = OutputWriter(format: .json, unmask: false)
        var out = ""
        for v in violations {
            guard let table = session.store.table(v.constraint.collection) else { continue }
            for row in v.rows {
                let key = table.isKeyedByID ? String(table.id(row: Int(row))!) : writer.jsonString(table.keyText(row: Int(row)))
                out += "{\"constraint\":\(writer.jsonString(v.constraint.qualifiedName)),\"citation\":\(writer.jsonString(v.constraint.citation ?? "")),\"collection\":\(writer.jsonString(v.constraint.collection)),\"key\":\(key),\"row\":\(writer.jsonString(session.describeRow(v.constraint.collection, Int(row))))}\n"
            }
        }
        for problem in attachments {
            var fields = "{\"attachment\":\(problem.id),\"file\":\(writer.jsonString(problem.file))"
            switch problem.kind {
            case .notAPathInside: fields += ",\"problem\":\"outside\""
            case .missing: fields += ",\"problem\":\"missing\""
            case .unreadable: fields += ",\"problem\":\"unreadable\""
            case .altered(let expected, let actual):
                fields += ",\"problem\":\"altered\",\"expected\":\(writer.jsonString(expected)),\"actual\":\(writer.jsonString(actual))"
            }
            out += fields + ",\"message\":\(writer.jsonString(problem.description))}\n"
        }
        if let journal, journal.entries > 0 || journal.problem != nil {
            out += "{\"journal\":\(writer.jsonString(journal.problem == nil ? "intact" : "broken")),\"entries\":\(journal.entries),\"unchained\":\(journal.unchained)"
                + ",\"problem\":\(journal.problem.map(writer.jsonString) ?? "null"),\"head\":\(journal.head.map(writer.jsonString) ?? "null")}\n"
        }
        return out
    }
}
