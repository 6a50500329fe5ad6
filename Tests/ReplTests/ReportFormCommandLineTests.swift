// `mql import 双月报 FILE --street S [--dry-run]` through the binary: the example form
// adds 园山's missing report; a dry run changes nothing; a bad form names FILE:LINE of
// each bad row and imports nothing.

import Foundation
import Testing

@Suite struct ReportFormCommandLineTests {
    @Test func importTheExampleReportDryRunFirst() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("mql-report-form-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        #expect(try MQLProcess.run(["init", dir.path]).status == 0)
        let form = MQLProcess.root.appendingPathComponent("examples/forms/双月报-园山.csv").path
        let count = { try MQLProcess.run(["--data", dir.path, "-c", "count reports where street = \"园山\""]).stdout }
        let dry = try MQLProcess.run(["import", "--data", dir.path, "--today", "2019-11-30", "双月报", form, "--street", "园山", "--dry-run"])
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.stderr == "\(form): 3 of 3 rows would be imported (3 changes)\n")
        #expect(try count() == "2\n")
        let real = try MQLProcess.run(["import", "--data", dir.path, "--today", "2019-11-30", "双月报", form, "--street", "园山"])
        #expect(real.stderr == "\(form): imported 3 of 3 rows (3 changes)\n", "\(real)")
        #expect(try count() == "3\n")
        #expect(try MQLProcess.run(["--data", dir.path, "-c", "count changes where collection = \"exemplars\""]).stdout == "2\n", "journalled and audited")

        let bad = dir.appendingPathComponent("bad.csv")
        try Data("期次,报送日期,成效\n2019-11,2019-11-20,家访\n2019-12,2019-12-20,\n".utf8).write(to: bad)
        let refused = try MQLProcess.run(["import", "--data", dir.path, "--today", "2019-11-30", "双月报", bad.path, "--street", "园山"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(bad.path):2: error: 期次 '2019-11' is not an even month"), "\(refused)")
        #expect(refused.stderr.contains("\(bad.path):3: error: 成效 is empty"))
        #expect(refused.stderr.contains("2 bad rows of 2; nothing imported"))
        #expect(try count() == "3\n")
        let noStreet = try MQLProcess.run(["import", "--data", dir.path, "双月报", bad.path])
        #expect(noStreet.status == 1 && noStreet.stderr.contains("双月报 is one street's form"), "\(noStreet)")
    }
}
