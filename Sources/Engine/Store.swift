// The whole dataset in memory: one `Table` per collection, in schema order, and the links
// between them (reverse references). Loading is in `DatasetLoader`; this type only holds and
// looks up.

public final class Store {
    public let tables: [Table]
    private let tableIndex: [String: Int]

    public init(tables: [Table]) {
        self.tables = tables
        var index: [String: Int] = [:]
        for (i, table) in tables.enumerated() { index[table.name] = i }
        self.tableIndex = index
        linkReferences()
    }

    /// An empty dataset with the programme's schema.
    public convenience init() {
        self.init(tables: ProgrammeSchema.collections.map { Table(schema: $0) })
    }

    public func table(_ name: String) -> Table? {
        tableIndex[name].map { tables[$0] }
    }

    public var collectionNames: [String] { tables.map(\.name) }

    /// Every (collection, field) whose reference points to `target`: the reverse references
    /// a row of `target` has.
    public func referencesTo(_ target: String) -> [(table: Table, field: Int)] {
        var result: [(Table, Int)] = []
        for table in tables {
            for (i, field) in table.schema.fields.enumerated() where field.type == .reference(target) {
                result.append((table, i))
            }
        }
        return result
    }

    func linkReferences() {
        if let streets = table("streets"), let communities = table("communities") {
            communities.scopeNames = (0..<streets.rowCount).map { streets.keyText(row: $0) }
        }
        for table in tables {
            for (i, field) in table.schema.fields.enumerated() {
                if case .reference(let target) = field.type {
                    table.targetRowCount[i] = self.table(target)?.rowCount ?? 0
                }
            }
        }
    }
}
