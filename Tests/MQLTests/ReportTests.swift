// Report periods (period_due, window_start, window_end, period_of), report files
// (`section` statements run by ReportRunner) and the as-of semantics of a report: nothing
// dated after the window's end counts (the cycle contract, §1).

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct ReportPeriodTests {
    func date(_ text: String) -> Int32 { CivilDate.parse(text, allowMonth: false)! }

    @Test func parsesEvenMonthsOnly() {
        #expect(ReportPeriod("2019-10") == ReportPeriod(year: 2019, month: 10))
        #expect(ReportPeriod("2020-02")?.text == "2020-02")
        for bad in ["2019-07", "2019-13", "2019-00", "2019-1", "2019-010", "19-10", "2019/10", "", "２０19-10", "2019-10-25"] {
            #expect(ReportPeriod(bad) == nil, "\(bad)")
        }
    }

    @Test func dueDateAndWindow() {
        let p = ReportPeriod("2019-10")!
        #expect(p.due == date("2019-10-25"))
        #expect(p.windowStart(programmeStart: date("2019-05-08")) == date("2019-08-26"))
        // The first window starts at the programme's start; January's window starts in December.
        #expect(ReportPeriod("2019-06")!.windowStart(programmeStart: date("2019-05-08")) == date("2019-05-08"))
        #expect(ReportPeriod("2019-06")!.windowStart(programmeStart: nil) == date("2019-04-26"))
        #expect(ReportPeriod("2020-02")!.windowStart(programmeStart: date("2019-05-08")) == date("2019-12-26"))
    }

    @Test func consecutiveWindowsNeitherOverlapNorLeaveGaps() {
        var p = ReportPeriod("2019-08")!
        for _ in 0..<12 {
            let next = ReportPeriod.containing(p.due + 1)
            #expect(next.windowStart(programmeStart: nil) == p.due + 1)
            #expect(ReportPeriod.containing(p.due) == p)
            #expect(ReportPeriod.containing(next.windowStart(programmeStart: nil)) == next)
            #expect(next.previous == p)
            p = next
        }
        #expect(ReportPeriod.containing(date("2019-12-26")).text == "2020-02")
    }

    @Test func functionsInTheLanguage() throws {
        let session = try Fixtures.exampleSession()
        func value(_ text: String) throws -> String {
            guard case .success(.value(let v, _))? = session.run(text).first else { return "error" }
            return v.description
        }
        #expect(try value(#"period_due("2019-10")"#) == "2019-10-25")
        #expect(try value(#"window_end("2019-10")"#) == "2019-10-25")
        #expect(try value(#"window_start("2019-12")"#) == "2019-10-26")
        #expect(try value("period_of(2019-10-26)") == "2019-12")
        #expect(try value(#"is_period("2019-09")"#) == "false")
    }

    @Test func aConstantBadPeriodIsAnErrorAtItsPosition() throws {
        let session = try Fixtures.exampleSession()
        guard case .failure(let error)? = session.run(#"count children where period_due("2019-07") < registered"#, name: "<t>").first else {
            Issue.record("a bad period ran")
            return
        }
        let text = error.diagnostics[0].description
        #expect(text.hasPrefix("<t>:1:33: error: '2019-07' is not a report period"), "\(text)")
    }

    @Test func aBadPeriodInDataFailsTheStatementWithItsValue() throws {
        let session = try Fixtures.exampleSession()
        guard case .failure(let error)? = session.run("count children where period_due(name) > 2019-01-01", name: "<t>").first else {
            Issue.record("a bad period ran")
            return
        }
        #expect(error.diagnostics[0].description.contains("is not a report period"))
    }

    /// A boolean column may say "not applicable": `if(c, x, null)` as a select item.
    @Test func aBooleanSelectItemCanBeNull() throws {
        let session = try Fixtures.exampleSession()
        guard case .success(.rows(let result))? = session.run("streets where quota > 0 select name, if(quota > 12, quota > 14, null) as big, if(quota > 12, null, true) as small order by name limit 11").first else {
            Issue.record("did not run")
            return
        }
        for row in result.rows {
            guard case .int(let quota) = session.run("streets where name = \"\(row[0])\" select quota").first.flatMap({ if case .success(.rows(let r)) = $0 { return r.rows[0][0] }; return nil }) ?? .null else { continue }
            #expect(row[1] == (quota > 12 ? .bool(quota > 14) : .null))
            #expect(row[2] == (quota > 12 ? .null : .bool(true)))
        }
        // In a condition it is still true or false.
        guard case .success(.count(let n))? = session.run("count streets where not if(quota > 12, quota > 14, null)").first else { Issue.record("no count"); return }
        guard case .success(.count(let small))? = session.run("count streets where quota <= 12 or quota <= 14").first else { Issue.record("no count"); return }
        #expect(n == small)
    }

    @Test func sectionStatementsPrintBack() {
        let file = SourceFile(name: "<t>", text: #"section rows "台账" = streets where quota > 3 select name"#)
        let (statements, errors) = Parser.parse(file)
        #expect(errors.isEmpty)
        #expect(Printer.statement(statements[0]) == #"section rows "台账" = streets where quota > 3 select name"#)
    }
}

@Suite struct ReportAsOfTests {
    /// Two pairings of one child's street, a visit after the window, a pairing after it.
    static let files: [String: String] = [
        "streets": "name,quota\n布吉,10\n坂田,10\n",
        "children": "id,name,street,registered,status\n1,甲,布吉,2019-05-10,已审核\n2,乙,布吉,2019-05-10,已审核\n3,丙,坂田,2019-09-01,已审核\n4,丁,坂田,2019-10-26,已审核\n",
        "mothers": "id,name,level\n1,A,区\n2,B,区\n3,C,区\n",
        // 1: visited in the window; 2: visited only after the window's end;
        // 3: starts after the window's end.
        "pairings": "id,mother,child,since\n1,1,1,2019-05-20\n2,2,2,2019-05-20\n3,3,3,2019-10-28\n",
        "visits": "id,pairing,date,kind\n1,1,2019-09-10,家访\n2,2,2019-10-26,家访\n3,2,2019-11-20,家访\n",
    ]

    static let reportFile = SourceFile(name: "report.mql", text: """
        param report_period = "2019-10"
        param window_start = 2019-08-26
        param window_end = 2019-10-25
        param report_street = ""
        param as_of = 2019-11-30
        define streets.in_report = report_street = "" or name = report_street
        section rows = streets where in_report select name as street,
            count(children where registered <= window_end) as registered,
            count(children where paired) as paired,
            sum(children select count(pairings where active and count(visits where kind = "家访" and date between window_start and window_end) > 0)) as visited,
            sum(children select count(pairings where overdue)) as overdue
        section overdue = pairings where overdue select id, last_home_visit
        """)

    func run(street: String? = nil, today: String = "2019-11-30") throws -> Report {
        let rules = Fixtures.ruleSources.filter { $0.name.hasSuffix("10_derived.mql") || $0.name.hasSuffix("40_visits.mql") }
        let session = try Fixtures.session(Self.files, rules: rules + [Self.reportFile])
        session.today = CivilDate.parse(today, allowMonth: false)!
        return try ReportRunner.run(session, file: Self.reportFile, period: ReportPeriod("2019-10")!, street: street)
    }

    func cells(_ result: QueryResult) -> [[String]] { result.rows.map { $0.map(\.description) } }

    @Test func nothingDatedAfterTheWindowsEndCounts() throws {
        let report = try run()
        #expect(report.windowStart == CivilDate.parse("2019-08-26")!)
        #expect(report.windowEnd == CivilDate.parse("2019-10-25")!)
        // Streets in pinyin order: 坂田, 布吉. 坂田's pairing starts after the window's end, and
        // its second child registered after it; 布吉's pairing 2 was visited only after it.
        #expect(cells(report.section("rows")!.result) == [
            ["坂田", "1", "0", "0", "0"],
            ["布吉", "2", "2", "1", "1"],
        ])
        // As of 2019-10-25, pairing 2's last home visit is its start (the 10-26 visit is later).
        #expect(cells(report.section("overdue")!.result) == [["2", ""]])
    }

    @Test func theSessionsTodayAndParamsAreRestored() throws {
        let rules = Fixtures.ruleSources.filter { $0.name.hasSuffix("10_derived.mql") || $0.name.hasSuffix("40_visits.mql") }
        let session = try Fixtures.session(Self.files, rules: rules + [Self.reportFile])
        _ = try ReportRunner.run(session, file: Self.reportFile, period: ReportPeriod("2019-08")!, street: "布吉")
        #expect(session.today == Fixtures.today)
        #expect(session.catalog.params["report_period"]?.value == .text("2019-10"))
        guard case .success(.count(let n))? = session.run("count pairings where active").first else { Issue.record("no count"); return }
        #expect(n == 3)
    }

    @Test func oneStreet() throws {
        let report = try run(street: "布吉")
        #expect(cells(report.section("rows")!.result).map { $0[0] } == ["布吉"])
    }

    @Test func aReportFileWithoutSectionsIsRefused() throws {
        let file = SourceFile(name: "empty.mql", text: "param report_period = \"2019-10\"\n")
        let session = try Fixtures.session(Self.files, rules: [file])
        #expect(throws: DiagnosticError.self) { try ReportRunner.run(session, file: file, period: ReportPeriod("2019-10")!, street: nil) }
    }
}
