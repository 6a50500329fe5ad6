// The whole dataset in memory: one `Table` per collection, in schema order, and the links
// between them (reverse references). Loading is in `DatasetLoader`; this type only holds and
// looks up.

public final class Store {
    public let tables: [Table]
    private let tableIndex: [String: Int]
    /// The snapshot the columns are read from on first use, when opened from one.
    var snapshotSource: SnapshotSource?

    /// Runs `body`, in which several threads read the store at once. Columns are read from
    /// a snapshot on first use by whichever thread uses them, so what the threads read must
    /// be read before (`Table.loadForConcurrentReads`); a debug build stops on a column
    /// read for the first time meanwhile.
    public func readConcurrently<T>(_ body: () -> T) -> T {
        guard let source = snapshotSource else { return body() }
        source.lock.lock()
        source.concurrentReaders += 1
        source.lock.unlock()
        defer {
            source.lock.lock()
            source.concurrentReaders -= 1
            source.lock.unlock()
        }
        return body()
    }

    public init(tables: [Table]) {
        self.tables = tables
        var index: [String: Int] = [:]
        for (i, table) in tables.enumerated() { index[table.name] = i }
        self.tableIndex = index
        for table in tables { table.owner = self }
        linkReferences()
    }

    /// The highest id `table` has ever held: its largest id now, or a larger one the audit
    /// trail names (a row inserted or deleted since). Ids are never reused, so that an
    /// audit row like `children 181` names one child for good; new ids come after this.
    ///
    /// Derived rather than stored: the audit trail is kept for good (read-only, journalled,
    /// written to changes.csv by every checkpoint) and names every row a change ever
    /// touched, and the rows no change touched are in the table itself. So the mark
    /// survives restarts and checkpoints with no file of its own to keep in step. It is
    /// derived once per store and carried by copies (`Table.copy`); `applying` derives it
    /// before a delete can remove the largest row, and inserts raise it.
    public func idHighWater(of table: Table) -> Int {
        if let known = table.idHighWater { return known }
        var highest = table.largestID
        if table.name != Self.auditCollection, let audit = self.table(Self.auditCollection),
           case .text(let collections)? = audit.column(named: "collection"), case .text(let keys)? = audit.column(named: "key"),
           let code = collections.dictionary.code(of: table.name) {
            for row in 0..<audit.rowCount where collections.codes[row] == code && keys.codes[row] >= 0 {
                // A key beyond the bound (an old dataset's) is not an id a new row could take.
                if let id = RowParser.parseInt(keys.dictionary.bytes(at: Int(keys.codes[row]))), id <= ProgrammeSchema.maximumID {
                    highest = max(highest, id)
                }
            }
        }
        table.idHighWater = highest
        return highest
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
