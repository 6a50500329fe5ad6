// Result rows built column by column (Sources/MQL/Evaluator+ColumnRows.swift) are the rows
// the row-by-row getters build: same values, same order, nulls where the column holds none.

import Engine
import Foundation
@testable import MQL
import Testing

@Suite struct ColumnRowsTests {
    @Test func columnwiseRowsAreTheRowByRowRows() throws {
        let session = try VectorTests.generatedSession()
        let rowByRow = try VectorTests.generatedSession()
        rowByRow.buildsRowsColumnwise = false
        let statements = [
            "children select id, status, household_size",
            "children where household_income between 1000 and 3000 and household_size >= 3 select id, household_income, household_size",
            "children where status in [\"待审核\", \"不通过\"] select id, status, birth, registered, name, address, reason",
            "children order by medical_cost desc, household_income select medical_cost, id, street, community, guardian_phone",
            "children select household_income, household_income as again, id limit 900 offset 100",
            "visits select id, date, kind, note",
            "pairings select id, since, until, note",
            "mothers select id, name, org, level",
        ]
        for text in statements {
            let a = try session.result(text)
            let b = try rowByRow.result(text)
            #expect(a.rows.count >= Evaluator.columnwiseMinimumRows, "\(text): \(a.rows.count) rows, too few to take the columnwise path")
            #expect(a == b, "\(text)")
        }
        // Few rows, every stored field (a set of tags among them): read straight from the columns.
        for text in ["children where id = 777", "children where id in [1, 5, 3999]", "mothers where id between 10 and 15", "visits where id = 4"] {
            #expect(try session.result(text) == rowByRow.result(text), "\(text)")
        }
        // Items that are not stored fields of the collection itself are built row by row, the same.
        let mixed = "children select id, pairings, age, tags, street.quota"
        #expect(try session.result(mixed) == rowByRow.result(mixed))
    }

    @Test func aResultPastTheCellBudgetStops() throws {
        let session = try VectorTests.generatedSession()
        session.cellBudget = 1000
        let errors = session.errors("children select id, status, household_size")
        #expect(errors.count == 1)
        #expect(errors.first?.contains("1000") == true, "\(errors)")
    }
}
