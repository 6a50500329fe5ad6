// Loads a dataset directory (data.md) into a `Store`. Files are read in schema order so
// every reference can be resolved against a collection already loaded. Every bad row is
// reported (file, line, what is wrong); if any is bad the load fails as a whole and the
// caller gets no store — loading never writes anything.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct LoadDiagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    /// Line 0: about the file (or directory) as a whole, which has no line to point at.
    public var description: String { line > 0 ? "\(file):\(line): error: \(message)" : "\(file): error: \(message)" }
}

public struct LoadError: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [LoadDiagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// What a dataset file's header must be (data.md): every column one of the collection's
/// fields, none twice, the required ones present. A column the schema does not know would
/// otherwise be dropped without a word — `Name` for `name` would load every name as null.
/// Both loaders and `.import` ask here, so they accept and refuse the same headers.
public enum HeaderCheck {
    /// `requiringFields`: a dataset file must have its key and required columns; rows
    /// imported into a collection need not (ids are assigned, inserts check the rest).
    public static func problems(_ header: [String], schema: CollectionSchema, requiringFields: Bool = true) -> [String] {
        var problems: [String] = []
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            problems.append(EngineMessage.columnTwice(name))
        }
        let missing = schema.fields.map(\.name).filter { !header.contains($0) }
        for name in header where schema.fieldIndex(name) == nil {
            problems.append(unknownColumn(name, schema: schema, missing: missing))
        }
        for field in schema.fields where requiringFields && field.required && !header.contains(field.name) {
            problems.append(EngineMessage.missingColumn(field.name))
        }
        return problems
    }

    static func unknownColumn(_ name: String, schema: CollectionSchema, missing: [String]) -> String {
        let what = name.isEmpty ? EngineMessage.columnWithoutName() : EngineMessage.unknownColumn(name)
        if let suggestion = suggestion(for: name, among: missing.isEmpty ? schema.fields.map(\.name) : missing) {
            return EngineMessage.headerColumnDidYouMean(what, schema.name, suggestion)
        }
        return EngineMessage.headerColumnList(what, schema.name, schema.fields.map(\.name).joined(separator: ", "))
    }

    /// The field a header cell most likely meant: the same name in another case or with
    /// `-`/space for `_`, else the nearest by edit distance when close enough.
    public static func suggestion(for name: String, among fields: [String]) -> String? {
        func normal(_ s: String) -> [Character] {
            Array(s.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
        }
        let target = normal(name)
        guard !target.isEmpty else { return nil }
        if let same = fields.first(where: { normal($0) == target }) { return same }
        let scored = fields.map { ($0, editDistance(target, normal($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(1, min(target.count, best.0.count) / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// glibc's `malloc_trim(0)` (not in the Glibc module map), found at run time.
func trimAllocator() {
    #if os(Linux)
    typealias Trim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
    #endif
}

/// The jobs of the fast path, taken by the workers largest first.
final class FastLoadJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let jobs: [CollectionSchema]
    private let loaded: [String: Table]
    private let lookups: [String: NameLookup]
    private let open: (String) -> DatasetLoader.FastSource?
    let cancellation = LoadCancellation()
    private(set) var results: [FastCollection] = []

    init(jobs: [CollectionSchema], loaded: [String: Table], lookups: [String: NameLookup],
         open: @escaping (String) -> DatasetLoader.FastSource?) {
        self.jobs = jobs
        self.loaded = loaded
        self.lookups = lookups
        self.open = open
    }

    func work() {
        while true {
            let job: CollectionSchema? = lock.withLock {
                defer { next += 1 }
                return next < jobs.count ? jobs[next] : nil
            }
            guard let job, !cancellation.isCancelled else { return }
            let result: FastCollection?
            let started = DispatchTime.now().uptimeNanoseconds
            defer {
                if DatasetLoader.trace {
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                    FileHandle.standardError.write("load: \(job.name) \(String(format: "%.0f", ms)) ms\n".data(using: .utf8)!)
                }
            }
            switch open(job.name) {
            case .missing?:
                let table = Table(schema: job)
                table.rebuildKeyIndex()
                result = FastCollection(table: table, deferred: [])
            case .input(let input)?:
                result = FastLoader.parse(job, input: input, loaded: loaded, lookups: lookups, cancellation: cancellation)
            case nil:
                result = nil
            }
            guard let result else {
                cancellation.cancel()
                return
            }
            lock.withLock { results.append(result) }
        }
    }
}

public enum DatasetLoader {
    static func notADatasetDirectory(exists: Bool) -> String {
        exists ? EngineMessage.datasetPathIsAFile() : EngineMessage.noSuchDatasetDirectory()
    }
    /// `MQL_TRACE_LOAD=1`: time of each step of a load on stderr.
    static let trace = ProcessInfo.processInfo.environment["MQL_TRACE_LOAD"] != nil

    /// TUNING: reporting stops after this many bad rows; a file that bad is the wrong file.
    static let maximumDiagnostics = 100

    public static func load(directory: String) throws -> Store {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LoadError(diagnostics: [LoadDiagnostic(file: directory, line: 0, message: Self.notADatasetDirectory(exists: FileManager.default.fileExists(atPath: directory)))])
        }
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name + ".csv") }
        let read = { (name: String) in try readFile(path(name)) }
        if let store = fastLoad(directory: directory, contents: read, size: { name in
            var info = stat()
            return stat(path(name), &info) == 0 ? Int(info.st_size) : 0
        }, open: { name in
            if access(path(name), F_OK) != 0 && errno == ENOENT { return .missing }
            return LoadInput(path: path(name)).map { .input($0) }
        }) {
            return store
        }
        // The exact loader, which reports every bad row. One file in memory at a time.
        return try load(directory: directory, contents: read)
    }

    /// Loads from file contents by collection name (missing = empty collection).
    public static func load(files: [String: [UInt8]], directory: String = ".") throws -> Store {
        if let store = fastLoad(directory: directory, contents: { files[$0] }, size: { files[$0]?.count ?? 0 }, open: { name in
            files[name].map { .input(LoadInput(bytes: $0)) } ?? .missing
        }) {
            return store
        }
        return try load(directory: directory) { files[$0] }
    }

    enum FastSource {
        case missing
        case input(LoadInput)
    }

    /// The fast path (`FastLoader`): collections keyed by name (streets, communities) with
    /// the exact loader, then every collection keyed by id in parallel, then references by
    /// id resolved. Nil at the first problem of any kind: the caller then loads everything
    /// again with the exact loader, which reports it.
    static func fastLoad(directory: String, contents: (String) throws -> [UInt8]?, size: (String) -> Int,
                         open: @escaping (String) -> FastSource?) -> Store? {
        if ProcessInfo.processInfo.environment["MQL_LOADER"] == "exact" { return nil }
        var tables: [String: Table] = [:]
        var small: [Table] = []
        var jobs: [CollectionSchema] = []
        for schema in ProgrammeSchema.collections {
            if FastLoader.handles(schema) {
                jobs.append(schema)
                continue
            }
            // Loaded before the collections keyed by id, so it may refer only to others like it.
            for field in schema.fields {
                if case .reference(let target) = field.type, tables[target] == nil { return nil }
            }
            let path = directory == "." ? schema.name + ".csv" : (directory as NSString).appendingPathComponent(schema.name + ".csv")
            var loader = CollectionLoader(schema: schema, path: path, loaded: small)
            let bytes: [UInt8]?
            do { bytes = try contents(schema.name) } catch { return nil }
            if let bytes { loader.read(bytes) }
            loader.finish()
            guard loader.diagnostics.isEmpty else { return nil }
            tables[schema.name] = loader.table
            small.append(loader.table)
        }
        var lookups: [String: NameLookup] = [:]
        for table in small { lookups[table.name] = NameLookup(table: table) }

        // Largest first, two cores (or one for small datasets).
        let sizes = Dictionary(uniqueKeysWithValues: jobs.map { ($0.name, size($0.name)) })
        jobs.sort { sizes[$0.name]! > sizes[$1.name]! }
        let total = sizes.values.reduce(0, +)
        let workers = total < (4 << 20) ? 1 : min(jobs.count, max(1, min(2, ProcessInfo.processInfo.activeProcessorCount)))
        let shared = FastLoadJobs(jobs: jobs, loaded: tables, lookups: lookups, open: open)
        if workers == 1 {
            shared.work()
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in shared.work() }
        }
        guard !shared.cancellation.isCancelled else { return nil }
        let parsed = shared.results
        for collection in parsed { tables[collection.table.name] = collection.table }
        let started = DispatchTime.now().uptimeNanoseconds
        for collection in parsed where !FastLoader.resolve(collection, tables: tables) { return nil }
        let store = Store(tables: ProgrammeSchema.collections.map { tables[$0.name]! })
        // The parse buffers were freed; give their pages back now rather than keep them
        // resident in the allocator's arenas.
        trimAllocator()
        if trace {
            let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            FileHandle.standardError.write("load: references and store \(String(format: "%.0f", ms)) ms\n".data(using: .utf8)!)
        }
        return store
    }

    static func load(directory: String, contents: (String) throws -> [UInt8]?) throws -> Store {
        var tables: [Table] = []
        var diagnostics: [LoadDiagnostic] = []
        var failed = Set<String>()
        for schema in ProgrammeSchema.collections {
            let path = directory == "." ? schema.name + ".csv" : (directory as NSString).appendingPathComponent(schema.name + ".csv")
            // A file that refers to one whose header was refused (no row of it read) would
            // only report every reference as unknown; it is checked once the other loads.
            let refersToFailed = schema.fields.contains { field in
                if case .reference(let target) = field.type { return failed.contains(target) }
                return false
            }
            if refersToFailed {
                failed.insert(schema.name)
                tables.append(Table(schema: schema))
                continue
            }
            var loader = CollectionLoader(schema: schema, path: path, loaded: tables)
            if let bytes = try contents(schema.name) { loader.read(bytes) }
            loader.finish()
            if loader.headerFailed { failed.insert(schema.name) }
            diagnostics.append(contentsOf: loader.diagnostics)
            tables.append(loader.table)
            if diagnostics.count >= maximumDiagnostics { break }
        }
        if !diagnostics.isEmpty {
            throw LoadError(diagnostics: Array(diagnostics.prefix(maximumDiagnostics)))
        }
        return Store(tables: tables)
    }

    /// A whole file as bytes, read straight into one array; nil when it does not exist.
    static func readFile(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw LoadError(diagnostics: [LoadDiagnostic(file: path, line: 0, message: EngineMessage.cannotRead(String(cString: strerror(errno))))])
        }
        defer { close(fd) }
        var size = Int(lseek(fd, 0, SEEK_END))
        lseek(fd, 0, SEEK_SET)
        if size < 0 { size = 0 }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, size - filled) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n
        }
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }
}

/// Reads one collection's CSV into a fresh table.
struct CollectionLoader {
    let schema: CollectionSchema
    let path: String
    let table: Table
    let loaded: [String: Table]
    var diagnostics: [LoadDiagnostic] = []
    /// The header was refused, so no row was read (rather than some rows refused).
    private(set) var headerFailed = false
    private var rowLines: [Int] = []

    init(schema: CollectionSchema, path: String, loaded: [Table]) {
        self.schema = schema
        self.path = path
        self.table = Table(schema: schema)
        var byName: [String: Table] = [:]
        for t in loaded { byName[t.name] = t }
        self.loaded = byName
        if schema.name == "communities", let streets = byName["streets"] {
            table.scopeNames = (0..<streets.rowCount).map { streets.keyText(row: $0) }
        }
    }

    private mutating func report(_ line: Int, _ message: String) {
        if diagnostics.count < DatasetLoader.maximumDiagnostics {
            diagnostics.append(LoadDiagnostic(file: path, line: line, message: message))
        }
    }

    mutating func read(_ file: consuming [UInt8]) {
        var bytes = file
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            report(UTF8Validation.line(of: bad, in: bytes), EngineMessage.invalidUTF8(bad))
            return
        }
        // One pass over raw memory: cells are byte ranges, unescaped in place, handed to
        // the row parser as pointers (no per-cell allocation or reference counting).
        bytes.withUnsafeMutableBufferPointer { buffer in
            var position = CSVScanner.start(buffer), line = 1
            var cells: [CSVCell] = []
            func text(_ cell: CSVCell) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: buffer[cell.start..<cell.end]), as: UTF8.self)
            }
            do {
                guard let headerLine = try CSVScanner.next(buffer, position: &position, line: &line, into: &cells) else { return }
                let header = cells.map { text($0).trimmingCharacters(in: .whitespaces) }
                for problem in HeaderCheck.problems(header, schema: schema) { report(headerLine, problem) }
                headerFailed = !diagnostics.isEmpty
                guard diagnostics.isEmpty else { return }
                let fieldOfColumn = header.map { schema.fieldIndex($0) }
                let parser = RowParser(table: table, tables: loaded)
                var scratch = [UnsafeBufferPointer<UInt8>?](repeating: nil, count: schema.fields.count)
                var values = [ParsedCell](repeating: .null, count: schema.fields.count)
                let base = UnsafeBufferPointer(buffer)
                while let line = try CSVScanner.next(buffer, position: &position, line: &line, into: &cells) {
                    if cells.count != header.count {
                        report(line, EngineMessage.wrongColumnCount(header.count, cells.count))
                        continue
                    }
                    for i in scratch.indices { scratch[i] = nil }
                    for (columnIndex, cell) in cells.enumerated() {
                        guard let fieldIndex = fieldOfColumn[columnIndex] else { continue }
                        scratch[fieldIndex] = UnsafeBufferPointer(rebasing: base[cell.start..<cell.end])
                    }
                    let problems = parser.parse(scratch, into: &values)
                    if problems.isEmpty {
                        table.append(values)
                        rowLines.append(line)
                    } else {
                        for problem in problems { report(line, problem) }
                    }
                    if diagnostics.count >= DatasetLoader.maximumDiagnostics { return }
                }
            } catch let error as CSVError {
                report(error.line, error.message)
            } catch {
                report(0, "\(error)")
            }
        }
    }

    /// Whether rows are in (scope, key) order with no two alike: the order `finish` sorts
    /// them into, so nothing is moved and no key is a duplicate.
    static func inStrictPinyinOrder(scopes: [String], keys: [String]) -> Bool {
        for i in scopes.indices.dropFirst() {
            switch PinyinCollation.compare(scopes[i - 1], scopes[i]) {
            case .orderedAscending: continue
            case .orderedDescending: return false
            case .orderedSame: if PinyinCollation.compare(keys[i - 1], keys[i]) != .orderedAscending { return false }
            }
        }
        return true
    }

    /// Puts rows in key order and reports duplicate keys.
    mutating func finish() {
        let count = table.rowCount
        var order = Array(0..<count)
        if table.isKeyedByID, case .int(let ids) = table.columns[0] {
            let values = ids.values
            var sorted = true
            for i in 1..<max(count, 1) where values[i - 1] >= values[i] { sorted = false; break }
            if !sorted { order.sort { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 } }
            for i in 1..<max(count, 1) where values[order[i - 1]] == values[order[i]] {
                report(rowLines[order[i]], EngineMessage.duplicateID(values[order[i]], rowLines[order[i - 1]]))
            }
        } else {
            let keys = (0..<count).map { table.keyText(row: $0) }
            let scopes = (0..<count).map { table.keyTextOfScope(row: $0) ?? "" }
            // Files a checkpoint wrote are in this order already: comparing neighbours proves
            // it with n - 1 comparisons, where ranking every name takes n log n (each a
            // collator call of about 2 µs). Files written by hand, like the shipped examples,
            // still get the full sort.
            let inOrder = Self.inStrictPinyinOrder(scopes: scopes, keys: keys)
            let all = inOrder ? [] : Array(Set(scopes + keys))
            let ranks = PinyinCollation.sortedIndices(all)
            var rankOf: [String: Int] = [:]
            for (rank, index) in ranks.enumerated() { rankOf[all[index]] = rank }
            if !inOrder { order.sort { a, b in
                let sa = rankOf[scopes[a]]!, sb = rankOf[scopes[b]]!
                if sa != sb { return sa < sb }
                let ka = rankOf[keys[a]]!, kb = rankOf[keys[b]]!
                return ka != kb ? ka < kb : a < b
            } }
            for i in 1..<max(count, 1) where keys[order[i - 1]] == keys[order[i]] && scopes[order[i - 1]] == scopes[order[i]] {
                let firstLine = rowLines[order[i - 1]]
                report(rowLines[order[i]], schema.name == "communities"
                       ? EngineMessage.duplicateCommunity(keys[order[i]], scopes[order[i]], firstLine)
                       : EngineMessage.duplicateKey(keys[order[i]], firstLine))
            }
        }
        if order != Array(0..<count) {
            table.reorder(order)
            rowLines = order.map { rowLines[$0] }
        }
        table.rebuildKeyIndex()
    }
}

extension Table {
    /// For communities, the name of the street a row belongs to (its key's scope).
    func keyTextOfScope(row: Int) -> String? {
        guard schema.name == "communities", case .reference(let streets) = column(named: "street")!,
              streets.rows[row] >= 0 else { return nil }
        let street = Int(streets.rows[row])
        guard let names = scopeNames, street < names.count else { return nil }
        return names[street]
    }
}
