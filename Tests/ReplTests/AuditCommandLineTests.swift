// Issue 9 through the `mql` command: the audit trail refused to statements and `.import`,
// ids in `.import` rows refused with their line, and `mql check` reporting an edited
// journal (exit 1) while an untouched one passes.

import Foundation
import Testing

@Suite struct AuditCommandLineTests {
    /// A dataset that breaks no constraint, so `check`'s exit status is the journal's.
    static func cleanDataset(_ label: String) throws -> URL {
        try writeDataset(["streets": "name,quota,liaison\n布吉,4,刘婷\n", "communities": "name,street\n凤凰,布吉\n"], label: label)
    }

    @Test func theAuditTrailIsReadOnly() throws {
        let data = try Self.cleanDataset("audit-readonly")
        defer { try? FileManager.default.removeItem(at: data) }
        _ = try MQLProcess.today(["--data", data.path, "-c", #"update streets where name = "布吉" set liaison = "李""#])
        let delete = try MQLProcess.today(["--data", data.path, "-c", "delete changes where true"])
        #expect(delete.status == 1 && delete.stderr.hasPrefix("<command>:1:8: error: changes is read-only: it is the audit trail"), "\(delete)")
        let rows = data.appendingPathComponent("changes.csv")
        try "id,op\n9,insert\n".write(to: rows.deletingLastPathComponent().appendingPathComponent("forged.csv"), atomically: true, encoding: .utf8)
        let imported = try MQLProcess.today(["--data", data.path, "-c", ".import changes \(data.path)/forged.csv"])
        #expect(imported.status == 1 && imported.stderr.contains("changes is read-only: it is the audit trail"), "\(imported)")
        let count = try MQLProcess.today(["--data", data.path, "-c", "count changes"])
        #expect(count.stdout == "1\n", "\(count)")
    }

    @Test func importedIDsAreCheckedWithTheirLine() throws {
        let data = try Self.cleanDataset("audit-import-ids")
        defer { try? FileManager.default.removeItem(at: data) }
        let file = data.appendingPathComponent("new.csv").path
        try "id,name,street\n,甲,布吉\n99999999999999999999,乙,布吉\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try MQLProcess.today(["--data", data.path, "-c", ".import children \(file)"])
        #expect(bad.status == 1 && bad.stderr.contains("\(file):3: error: id 99999999999999999999 is out of range"), "\(bad)")
        // A deleted id is not taken again by an import.
        try "id,name,street,community,birth\n,甲,布吉,凤凰,2012-05\n".write(toFile: file, atomically: true, encoding: .utf8)
        _ = try MQLProcess.today(["--data", data.path, "-c", ".import children \(file)\ndelete children where id = 1"])
        try "id,name,street,community,birth\n1,乙,布吉,凤凰,2013-05\n".write(toFile: file, atomically: true, encoding: .utf8)
        let reused = try MQLProcess.today(["--data", data.path, "-c", ".import children \(file)"])
        #expect(reused.status == 1 && reused.stderr.contains("\(file):2: error: id 1 was used before in children"), "\(reused)")
    }

    @Test func checkReportsAnEditedJournal() throws {
        let data = try Self.cleanDataset("audit-check")
        defer { try? FileManager.default.removeItem(at: data) }
        for n in 5...7 {
            _ = try MQLProcess.today(["--data", data.path, "-c", "update streets where name = \"布吉\" set liaison = \"李\(n)\""])
        }
        let clean = try MQLProcess.run(["check", "--today", "2019-11-30", "--data", data.path])
        #expect(clean.status == 0 && clean.stdout.contains("journal: 3 entries, hash chain intact (head "), "\(clean)")
        // The second entry's statement rewritten, its length and CRC made to match.
        let path = data.appendingPathComponent("journal.mqlj")
        let text = try String(contentsOf: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let payload = lines[3].replacingOccurrences(of: "李6", with: "王4")
        lines[2] = "MQLJ \(payload.utf8.count) \(String(crc32(Array(payload.utf8)), radix: 16))"
        lines[3] = payload
        try lines.joined(separator: "\n").write(to: path, atomically: true, encoding: .utf8)
        let tampered = try MQLProcess.run(["check", "--today", "2019-11-30", "--data", data.path])
        #expect(tampered.status == 1, "\(tampered)")
        #expect(tampered.stdout.contains("journal.mqlj: error: the history was edited, reordered or truncated: entry 2 (byte "), "\(tampered)")
        #expect(tampered.stdout.contains(#"liaison = "王4") was edited after it was written"#), "\(tampered)")
        let json = try MQLProcess.run(["check", "--json", "--today", "2019-11-30", "--data", data.path])
        #expect(json.stdout.contains(#"{"journal":"broken","entries":2,"#), "\(json)")
    }

    /// CRC-32 as the journal computes it (IEEE, reflected).
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
