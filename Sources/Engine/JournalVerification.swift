// Verifying the journal's hash chain (`mql check`): every entry must link to the one
// before it (the first to the chain anchor) and its change ids must follow. The first
// entry that does not is named — with its ordinal, byte offset, change ids and statement
// — as an edited, reordered or truncated history. A torn tail (a write cut short, nothing
// valid after it) is not tampering and is not reported here; damage with good entries
// after it is.

import Foundation

public struct JournalVerification: Sendable {
    /// Entries read (up to the first problem or a torn tail).
    public var entries = 0
    /// Entries at the head written before the journal was chained (not verifiable).
    public var unchained = 0
    /// The first break in the history, for people; nil when the chain holds.
    public var problem: String?
    /// The hash of the last entry: noted elsewhere, it also protects the newest entry,
    /// which no later entry links to yet.
    public var head: String?
}

extension Journal {
    /// Reads the whole journal and its anchor and checks the chain.
    public func verify() -> JournalVerification {
        var report = JournalVerification()
        guard let data = FileManager.default.contents(atPath: path) else { return report }
        let bytes = [UInt8](data)
        let anchor = FileManager.default.contents(atPath: anchorPath).map { SHA256.hex([UInt8]($0)) }
        var position = 0
        var previousHash: String?
        var previousEntry: JournalEntry?
        var previousStart = 0
        var chained = false
        func describe(_ ordinal: Int, _ at: Int, _ entry: JournalEntry) -> String {
            var statement = entry.statement.replacingOccurrences(of: "\n", with: " ")
            if statement.count > 80 { statement = String(statement.prefix(79)) + "…" }
            return EngineMessage.journalEntry(ordinal, at, entry.changeIDs, entry.at, entry.user, statement)
        }
        while position < bytes.count {
            let ordinal = report.entries + 1
            guard let record = Self.record(in: bytes, at: position) else {
                // Damage followed by good entries is not a write cut short.
                var next = position + 1
                while next < bytes.count {
                    if bytes[next - 1] == 0x0A, bytes[next] == 0x4D, Self.record(in: bytes, at: next) != nil {
                        report.problem = EngineMessage.journalDamagedInTheMiddle(ordinal, position, next)
                        break
                    }
                    next += 1
                }
                break
            }
            let entry = record.entry
            if let why = entry.implausibility(following: previousEntry) {
                if previousEntry != nil, entry.implausibility(following: nil) == nil {
                    report.problem = EngineMessage.journalOutOfPlace(describe(ordinal, position, entry), why)
                } else {
                    report.problem = EngineMessage.journalNotWrittenByMQL(describe(ordinal, position, entry), why)
                }
                break
            }
            if let link = entry.previous {
                if previousHash == nil {
                    guard let anchor else {
                        report.problem = EngineMessage.journalAnchorMissing(describe(ordinal, position, entry), anchorPath)
                        break
                    }
                    if link != anchor {
                        report.problem = EngineMessage.journalNotLinkedToAnchor(describe(ordinal, position, entry))
                        break
                    }
                } else if link != previousHash, let previousEntry {
                    // The ids follow, so nothing is missing between the two: the entry
                    // before was changed after this one recorded its hash.
                    report.problem = EngineMessage.journalEntryEdited(describe(ordinal - 1, previousStart, previousEntry), ordinal)
                    break
                }
                chained = true
            } else {
                if chained {
                    report.problem = EngineMessage.journalUnlinkedAfterLinked(describe(ordinal, position, entry))
                    break
                }
                if anchor != nil {
                    report.problem = EngineMessage.journalUnlinkedWithAnchor(describe(ordinal, position, entry), anchorPath)
                    break
                }
                report.unchained += 1
            }
            report.entries += 1
            previousHash = SHA256.hex(bytes[position..<record.end])
            previousEntry = entry
            previousStart = position
            position = record.end
        }
        report.head = previousHash
        return report
    }
}
