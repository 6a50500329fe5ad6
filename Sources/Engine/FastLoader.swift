// The fast path of loading a dataset directory: the collections keyed by id (children,
// mothers, pairings, visits, changes) are parsed on both cores at once, each file mapped
// into memory and read once, cell by cell, straight into typed column buffers.
//
// It is optimistic. It reports nothing: at the first problem of any kind — a bad cell, a
// wrong column count, a duplicate id, invalid UTF-8, a reference to a missing row, a file
// it cannot map — it gives up and `DatasetLoader` loads the whole dataset again with the
// exact loader (`CollectionLoader`), which reports every bad row as `FILE:LINE: error: …`.
// Good data, the common case, takes the fast path; bad data gets the same report as
// ever. Both build the same store (tested on the generated datasets).
//
// Why it is fast: per cell, no class is touched and nothing is reference counted — the
// hot loop reads a precomputed plan (what each CSV column is, where it goes), scans with
// eight-byte words, parses ints and dates from the bytes, interns text into a
// `TextStorage` held in a plain struct (a hash, a probe, a `memcmp`; UTF-8 is validated
// only for values seen for the first time), and appends to manually managed buffers.
// References by id (a visit's pairing) are kept as the id and resolved to row numbers
// once every collection is loaded, which is what lets visits parse while pairings do.
// Pages of the mapped file are given back behind the cursor, so a 400 MB file never is
// resident at once.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A growable buffer of plain values (integers) written through a pointer (no uniqueness
/// checks, no reference counting in the hot loop). The values live in the array the column
/// will keep: allocated at its whole capacity and cut to `count` when taken, so taking it
/// copies nothing (a copy held each column twice at the end of a file, and made the load's
/// peak memory). Pages of the capacity never written are never resident.
struct GrowBuffer<T> {
    private var array: [T] = []
    private(set) var base: UnsafeMutablePointer<T>?
    private(set) var count = 0
    private var capacity = 0

    init() {}

    init(capacity: Int) { reserve(capacity) }

    mutating func reserve(_ wanted: Int) {
        guard wanted > capacity else { return }
        // Only plain values: the capacity past `count` is counted as initialised until the
        // array is cut, and nothing is deinitialised.
        precondition(_isPOD(T.self))
        let filled = count, from = base
        var grown = [T](unsafeUninitializedCapacity: wanted) { buffer, initialized in
            if filled > 0, let from { buffer.baseAddress!.initialize(from: from, count: filled) }
            initialized = wanted
        }
        // The array is not touched again until it is taken (nothing copies it), so its
        // storage stays where this pointer says.
        base = grown.withUnsafeMutableBufferPointer { $0.baseAddress }
        array = grown
        capacity = wanted
    }

    @inline(__always) mutating func append(_ value: T) {
        if count == capacity { reserve(max(16, capacity * 2)) }
        (base.unsafelyUnwrapped + count).initialize(to: value)
        count += 1
    }

    @inline(__always) subscript(i: Int) -> T {
        get { base.unsafelyUnwrapped[i] }
        nonmutating set { base.unsafelyUnwrapped[i] = newValue }
    }

    /// The values as an array (exactly `count` long), in place; the buffer is then empty.
    mutating func takeArray() -> [T] {
        var taken = array
        let n = count
        free()
        guard n > 0 else { return [] }
        // The only reference: cut in place, the storage kept.
        taken.removeLast(taken.count - n)
        return taken
    }

    mutating func free() {
        array = []
        base = nil
        count = 0
        capacity = 0
    }
}

/// A file's bytes for the fast path, writable (cells are unescaped in place): the file
/// mapped copy-on-write, whose pages are given back as the parser moves on, or a copy of
/// bytes already in memory.
final class LoadInput {
    let base: UnsafeMutablePointer<UInt8>?
    let count: Int
    private let mapped: Bool
    private var released = 0

    /// Maps `path`; nil when it cannot (the exact loader then reports why).
    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        count = Int(info.st_size)
        mapped = true
        if count == 0 {
            base = nil
            return
        }
        guard let address = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), address != MAP_FAILED else { return nil }
        madvise(address, count, MADV_SEQUENTIAL)
        base = address.assumingMemoryBound(to: UInt8.self)
    }

    init(bytes: [UInt8]) {
        let n = bytes.count
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(n, 1))
        bytes.withUnsafeBufferPointer { if n > 0 { copy.update(from: $0.baseAddress!, count: n) } }
        count = n
        mapped = false
        base = copy
    }

    /// Gives back the pages before `offset`: they have been read and nothing points into them.
    func release(upTo offset: Int) {
        guard mapped, let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = offset / page * page
        // In steps of 8 MB: each call interrupts the other core to flush its TLB (about 50
        // calls for a 400 MB file), and what is read but not yet given back counts in the
        // load's peak memory, for each of the two files parsed at once (32 MB steps kept
        // up to 70 MB of file pages resident at the peak).
        guard end > released, end - released >= (8 << 20) || offset >= count else { return }
        madvise(base + released, end - released, MADV_DONTNEED)
        released = end
    }

    deinit {
        guard let base else { return }
        if mapped { munmap(base, count) } else { base.deallocate() }
    }
}

/// A value handed to worker threads that only read it, or write disjoint parts of it.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Set by the first job that gives up, so the others stop early.
final class LoadCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }
}

/// How a collection keyed by name is found from a cell: its names, the first row of each
/// name, and for communities the street of each row under each name. The arrays are copied
/// to memory of its own so the hot loop reads them through plain pointers.
final class NameLookup: @unchecked Sendable {
    let names: TextStorage
    /// First row of each name code (-1 when none).
    let firstRow: UnsafeMutableBufferPointer<Int32>
    /// Rows by name code (compressed sparse rows) and each row's street, for communities.
    let offsets: UnsafeMutableBufferPointer<Int32>
    let rows: UnsafeMutableBufferPointer<Int32>
    let streetOfRow: UnsafeMutableBufferPointer<Int32>

    init(table: Table) {
        func copy(_ a: [Int32]) -> UnsafeMutableBufferPointer<Int32> {
            let b = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(a.count, 1))
            _ = b.initialize(from: a)
            return UnsafeMutableBufferPointer(rebasing: b[0..<a.count])
        }
        guard let nameField = table.schema.fieldIndex("name"), case .text(let nameColumn) = table.columns[nameField] else {
            self.names = TextStorage()
            firstRow = copy([])
            offsets = copy([0])
            rows = copy([])
            streetOfRow = copy([])
            return
        }
        let names = nameColumn.dictionary
        names.prepareLookup()
        self.names = names.storage
        let postings = table.postings(field: nameField)
        offsets = copy(postings.offsets)
        rows = copy(postings.rows)
        firstRow = copy((0..<names.count).map { postings.rows(for: $0).first ?? -1 })
        if let streetField = table.schema.fieldIndex("street"), case .reference(let streets) = table.columns[streetField] {
            streetOfRow = copy(streets.rows)
        } else {
            streetOfRow = copy([])
        }
    }

    deinit {
        for b in [firstRow, offsets, rows, streetOfRow] { b.baseAddress?.deallocate() }
    }
}

/// One collection parsed by the fast path: its table, and which reference columns still
/// hold ids (Int32.min = null) to be resolved to rows.
struct FastCollection {
    let table: Table
    let deferred: [Int]
}

enum FastLoader {
    /// What a CSV column is, for the hot loop.
    struct CellPlan {
        enum Kind: UInt8 { case int, date, text, textSet, byName, scoped, byID, ignored }
        var kind: Kind
        var column: Int
        var field: Int
        var required: Bool
        var acceptsMonth: Bool
        /// This reference is the street that scopes the row's community.
        var isScopeStreet: Bool
        /// Index into the name lookups for `byName` and `scoped`.
        var lookup: Int
    }

    /// Per stored field: where its values go while parsing.
    struct FieldOutput {
        var ints = GrowBuffer<Int>()
        var words = GrowBuffer<Int32>()
        var elements = GrowBuffer<Int32>()
        var text = TextStorage()
    }

    /// Whether the fast path can load `schema` (keyed by id; the collections it refers to by
    /// name are loaded first).
    static func handles(_ schema: CollectionSchema) -> Bool { schema.key == ["id"] }

    /// Parses one collection keyed by id, or nil at the first problem.
    static func parse(_ schema: CollectionSchema, input: LoadInput, loaded: [String: Table],
                      lookups: [String: NameLookup], cancellation: LoadCancellation) -> FastCollection? {
        let table = Table(schema: schema)
        guard let base = input.base, input.count > 0 else {
            table.rebuildKeyIndex()
            return FastCollection(table: table, deferred: [])
        }
        let count = input.count
        var position = base[0] == 0xEF && count >= 3 && base[1] == 0xBB && base[2] == 0xBF ? 3 : 0

        // Header (same rules as the exact loader).
        var headerStarts = [Int](repeating: 0, count: 256), headerEnds = [Int](repeating: 0, count: 256)
        let headerCount = headerStarts.withUnsafeMutableBufferPointer { s in
            headerEnds.withUnsafeMutableBufferPointer { e in
                scanRecord(base, count, &position, s.baseAddress!, e.baseAddress!, 256)
            }
        }
        if headerCount == -1 {
            table.rebuildKeyIndex()
            return FastCollection(table: table, deferred: [])
        }
        guard headerCount > 0, headerCount <= 256 else { return nil }
        var header: [String] = []
        for i in 0..<headerCount {
            let cell = UnsafeBufferPointer(start: UnsafePointer(base + headerStarts[i]), count: headerEnds[i] - headerStarts[i])
            guard UTF8Validation.isValid(cell) else { return nil }
            header.append(String(decoding: cell, as: UTF8.self).trimmingCharacters(in: .whitespaces))
        }
        // A bad header is reported by the exact loader.
        guard HeaderCheck.problems(header, schema: schema).isEmpty else { return nil }

        // The plan: stored fields in parsing order (a community after its street).
        var lookupList: [NameLookup] = []
        var plans: [CellPlan] = []
        let order = schema.fields.indices.filter { schema.fields[$0].scopedBy == nil }
            + schema.fields.indices.filter { schema.fields[$0].scopedBy != nil }
        let scopeStreet = schema.fieldIndex("street")
        var deferred: [Int] = []
        var present = Set<Int>()
        for fieldIndex in order {
            let field = schema.fields[fieldIndex]
            guard let column = header.firstIndex(of: field.name) else { continue }
            present.insert(fieldIndex)
            var plan = CellPlan(kind: .int, column: column, field: fieldIndex, required: field.required,
                                acceptsMonth: field.acceptsMonth, isScopeStreet: false, lookup: -1)
            switch field.type {
            case .int: plan.kind = .int
            case .date: plan.kind = .date
            case .text: plan.kind = .text
            case .textSet: plan.kind = .textSet
            case .reference(let target):
                if ProgrammeSchema.collections.first(where: { $0.name == target })?.key == ["id"] {
                    plan.kind = .byID
                    deferred.append(fieldIndex)
                } else {
                    guard let lookup = lookups[target] else { return nil }
                    plan.kind = field.scopedBy != nil ? .scoped : .byName
                    plan.lookup = lookupList.count
                    lookupList.append(lookup)
                    plan.isScopeStreet = fieldIndex == scopeStreet
                }
            }
            plans.append(plan)
        }

        // Row capacity from the line density of the first 256 KB.
        let sampleEnd = min(count, position + (256 << 10))
        var sampleLines = 0
        for i in position..<sampleEnd where base[i] == 0x0A { sampleLines += 1 }
        let estimate = sampleEnd > position
            ? Int(Double(sampleLines) * Double(count - position) / Double(sampleEnd - position) * 1.02) + 64 : 64

        let fieldCount = schema.fields.count
        let outputs = UnsafeMutablePointer<FieldOutput>.allocate(capacity: fieldCount)
        outputs.initialize(repeating: FieldOutput(), count: fieldCount)
        defer {
            for i in 0..<fieldCount {
                outputs[i].ints.free()
                outputs[i].words.free()
                outputs[i].elements.free()
                outputs[i].text.deallocate()
            }
            outputs.deinitialize(count: fieldCount)
            outputs.deallocate()
        }
        for plan in plans where plan.field >= 0 {
            switch plan.kind {
            case .int: outputs[plan.field].ints.reserve(estimate)
            case .textSet:
                outputs[plan.field].words.reserve(estimate + 1)
                outputs[plan.field].words.append(0)
                outputs[plan.field].elements.reserve(estimate * 2)
            default: outputs[plan.field].words.reserve(estimate)
            }
        }

        let rowCount: Int? = plans.withUnsafeBufferPointer { planBuffer in
            let cellStarts = UnsafeMutablePointer<Int>.allocate(capacity: headerCount)
            let cellEnds = UnsafeMutablePointer<Int>.allocate(capacity: headerCount)
            defer { cellStarts.deallocate(); cellEnds.deallocate() }
            let lookupStorages = lookupList.map(\.names)
            return lookupStorages.withUnsafeBufferPointer { names in
                parseRows(base: base, count: count, position: position, headerCount: headerCount,
                          plans: planBuffer, outputs: outputs, starts: cellStarts, ends: cellEnds,
                          names: names, lookups: lookupList, input: input, cancellation: cancellation)
            }
        }
        guard let rowCount else { return nil }

        // Install the columns.
        var columns: [Column] = []
        for (i, field) in schema.fields.enumerated() {
            let isPresent = present.contains(i)
            switch field.type {
            case .int:
                columns.append(.int(IntColumn(values: isPresent ? outputs[i].ints.takeArray()
                                                                : [Int](repeating: IntColumn.null, count: rowCount))))
            case .date:
                columns.append(.date(DateColumn(values: isPresent ? outputs[i].words.takeArray()
                                                                  : [Int32](repeating: DateColumn.null, count: rowCount))))
            case .text:
                var storage = outputs[i].text
                outputs[i].text = TextStorage()
                storage.shrinkToFit()
                if storage.count > TextStorage.keptLookupTable { storage.dropSlots() }
                columns.append(.text(TextColumn(codes: isPresent ? outputs[i].words.takeArray()
                                                                 : [Int32](repeating: TextColumn.null, count: rowCount),
                                                dictionary: TextDictionary(storage: storage))))
            case .textSet:
                var storage = outputs[i].text
                outputs[i].text = TextStorage()
                storage.shrinkToFit()
                if storage.count > TextStorage.keptLookupTable { storage.dropSlots() }
                let set = SetColumn(dictionary: TextDictionary(storage: storage))
                if isPresent {
                    set.offsets = outputs[i].words.takeArray()
                    set.elements = outputs[i].elements.takeArray()
                } else {
                    set.offsets = [Int32](repeating: 0, count: rowCount + 1)
                }
                columns.append(.textSet(set))
            case .reference(let target):
                columns.append(.reference(RefColumn(target: target, rows: isPresent ? outputs[i].words.takeArray()
                                                                                  : [Int32](repeating: RefColumn.null, count: rowCount))))
            }
        }
        let built = Table(schema: schema, columns: columns)
        built.rowCount = rowCount

        // Key order; a duplicate id is a problem for the exact loader to report.
        if case .int(let ids) = columns[0] {
            let v = ids.values
            var sorted = true
            for i in 1..<max(rowCount, 1) where v[i - 1] >= v[i] { sorted = false; break }
            var smallest = rowCount > 0 ? v[0] : 1, largest = rowCount > 0 ? v[rowCount - 1] : 1
            if !sorted {
                let order = (0..<rowCount).sorted { v[$0] != v[$1] ? v[$0] < v[$1] : $0 < $1 }
                for i in 1..<max(rowCount, 1) where v[order[i - 1]] == v[order[i]] { return nil }
                built.reorder(order)
                smallest = v[order[0]]
                largest = v[order[rowCount - 1]]
            }
            // An id out of range: the exact loader reports its line.
            if smallest < 1 || largest > ProgrammeSchema.maximumID { return nil }
        }
        built.rebuildKeyIndex()
        return FastCollection(table: built, deferred: deferred.filter { present.contains($0) })
    }

    /// The hot loop: every record after the header into the field outputs. Returns the row
    /// count, or nil at the first problem.
    private static func parseRows(base: UnsafeMutablePointer<UInt8>, count: Int, position start: Int, headerCount: Int,
                                  plans: UnsafeBufferPointer<CellPlan>, outputs: UnsafeMutablePointer<FieldOutput>,
                                  starts: UnsafeMutablePointer<Int>, ends: UnsafeMutablePointer<Int>,
                                  names: UnsafeBufferPointer<TextStorage>, lookups: [NameLookup],
                                  input: LoadInput, cancellation: LoadCancellation) -> Int? {
        var position = start
        var rows = 0
        let dateKeys = UnsafeMutablePointer<UInt64>.allocate(capacity: 4096)
        let dateKeys2 = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
        let dateDays = UnsafeMutablePointer<Int32>.allocate(capacity: 4096)
        dateKeys.initialize(repeating: 0, count: 4096)
        dateKeys2.initialize(repeating: 0, count: 4096)
        dateDays.initialize(repeating: 0, count: 4096)
        defer { dateKeys.deallocate(); dateKeys2.deallocate(); dateDays.deallocate() }
        // The lookups' arrays as pointers for the loop (the lookups outlive it).
        let firstRows = lookups.map(\.firstRow)
        let offsets = lookups.map(\.offsets)
        let candidates = lookups.map(\.rows)
        let streetsOf = lookups.map(\.streetOfRow)
        while true {
            let cells = scanRecord(base, count, &position, starts, ends, headerCount)
            if cells == -1 { break }
            guard cells == headerCount else { return nil }
            var streetRow: Int32 = -1
            for plan in plans {
                let s = starts[plan.column]
                let length = ends[plan.column] - s
                let p = UnsafePointer(base + s)
                let out = outputs + max(plan.field, 0)
                switch plan.kind {
                case .int:
                    if length == 0 {
                        if plan.required { return nil }
                        out.pointee.ints.append(IntColumn.null)
                    } else {
                        guard let v = parseInt(p, length) else { return nil }
                        out.pointee.ints.append(v)
                    }
                case .date:
                    if length == 0 {
                        out.pointee.words.append(DateColumn.null)
                    } else {
                        // Few distinct dates: remember the last few thousand by their bytes.
                        guard length == 10 || (length == 7 && plan.acceptsMonth) else { return nil }
                        let raw = UnsafeRawPointer(p)
                        let key: UInt64, key2: UInt32
                        if length == 10 {
                            key = raw.loadUnaligned(as: UInt64.self)
                            key2 = UInt32(raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)) | 10 << 16
                        } else {
                            key = UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: 3, as: UInt32.self)) << 32
                            key2 = 7 << 16
                        }
                        let slot = Int(truncatingIfNeeded: ((key ^ UInt64(key2)) &* 0x9E37_79B9_7F4A_7C15) >> 52)
                        let day: Int32
                        if dateKeys[slot] == key && dateKeys2[slot] == key2 {
                            day = dateDays[slot]
                        } else {
                            day = parseDate(p, length, allowMonth: plan.acceptsMonth)
                            guard day != DateColumn.null else { return nil }
                            dateKeys[slot] = key
                            dateKeys2[slot] = key2
                            dateDays[slot] = day
                        }
                        out.pointee.words.append(day)
                    }
                case .text:
                    if length == 0 {
                        if plan.required { return nil }
                        out.pointee.words.append(TextColumn.null)
                    } else {
                        let code = out.pointee.text.intern(p, length, validate: true)
                        guard code >= 0 else { return nil }
                        out.pointee.words.append(code)
                    }
                case .textSet:
                    if length > 0 {
                        var a = 0
                        while a <= length {
                            var b = a
                            while b < length && p[b] != 0x3B { b += 1 }
                            var x = a, y = b
                            while x < y && (p[x] == 0x20 || p[x] == 0x09) { x += 1 }
                            while y > x && (p[y - 1] == 0x20 || p[y - 1] == 0x09) { y -= 1 }
                            if x < y {
                                let code = out.pointee.text.intern(p + x, y - x, validate: true)
                                guard code >= 0 else { return nil }
                                out.pointee.elements.append(code)
                            }
                            a = b + 1
                        }
                    }
                    out.pointee.words.append(Int32(truncatingIfNeeded: out.pointee.elements.count))
                case .byName:
                    if length == 0 {
                        if plan.required { return nil }
                        out.pointee.words.append(RefColumn.null)
                    } else {
                        let code = names[plan.lookup].lookup(p, length)
                        guard code >= 0 else { return nil }
                        let row = firstRows[plan.lookup][Int(code)]
                        guard row >= 0 else { return nil }
                        out.pointee.words.append(row)
                        if plan.isScopeStreet { streetRow = row }
                    }
                case .scoped:
                    if length == 0 {
                        if plan.required { return nil }
                        out.pointee.words.append(RefColumn.null)
                    } else {
                        guard streetRow >= 0 else { return nil }
                        let code = Int(names[plan.lookup].lookup(p, length))
                        guard code >= 0 else { return nil }
                        let o = offsets[plan.lookup], c = candidates[plan.lookup], st = streetsOf[plan.lookup]
                        var found: Int32 = -1
                        var i = Int(o[code])
                        let end = Int(o[code + 1])
                        while i < end {
                            let row = c[i]
                            if st[Int(row)] == streetRow { found = row; break }
                            i += 1
                        }
                        guard found >= 0 else { return nil }
                        out.pointee.words.append(found)
                    }
                case .byID:
                    if length == 0 {
                        if plan.required { return nil }
                        out.pointee.words.append(Int32.min)
                    } else {
                        guard let v = parseInt(p, length), v > Int(Int32.min), v <= Int(Int32.max) else { return nil }
                        out.pointee.words.append(Int32(v))
                    }
                case .ignored:
                    if length > 0 && !UTF8Validation.isValid(UnsafeBufferPointer(start: p, count: length)) { return nil }
                }
            }
            rows += 1
            if rows & 0x3FFF == 0 {
                input.release(upTo: position)
                if cancellation.isCancelled { return nil }
            }
        }
        input.release(upTo: count)
        return rows
    }

    /// Resolves ids kept by `parse` to rows of the target (every collection loaded and in
    /// key order); false when an id has no row.
    static func resolve(_ collection: FastCollection, tables: [String: Table]) -> Bool {
        for field in collection.deferred {
            guard case .reference(let refs) = collection.table.columns[field], let target = tables[refs.target],
                  case .int(let targetIDs) = target.columns[0] else { return false }
            let sortedCount = target.idSortedCount
            guard target.appendedRowOfID.isEmpty else { return false }
            // In place: a copy would hold the column twice at the load's peak (20 MB for
            // visits at 1M children). On failure the half-resolved column is thrown away with
            // the rest of the fast load.
            let ok = targetIDs.values.withUnsafeBufferPointer { ids in
                refs.rows.withUnsafeMutableBufferPointer { out in
                    for i in out.indices {
                        let raw = out[i]
                        if raw == Int32.min { out[i] = RefColumn.null; continue }
                        guard let row = Table.position(of: Int(raw), in: ids, sortedCount: sortedCount) else { return false }
                        out[i] = Int32(row)
                    }
                    return true
                }
            }
            guard ok else { return false }
        }
        return true
    }

    // MARK: - Scanning and parsing bytes

    /// Reads the next non-blank record (RFC 4180, the same rules as `CSVScanner.next`),
    /// unescaping quoted cells in place. Returns the number of cells (their ranges stored
    /// up to `capacity`), -1 at the end, -2 on malformed quoting.
    @inline(__always)
    static func scanRecord(_ b: UnsafeMutablePointer<UInt8>, _ count: Int, _ position: inout Int,
                           _ starts: UnsafeMutablePointer<Int>, _ ends: UnsafeMutablePointer<Int>, _ capacity: Int) -> Int {
        var pos = position
        defer { position = pos }
        while pos < count && (b[pos] == 0x0A || b[pos] == 0x0D) { pos += 1 }
        if pos >= count { return -1 }
        var n = 0
        let raw = UnsafeRawPointer(b)
        while true {
            let start: Int, end: Int
            if pos < count && b[pos] == 0x22 {
                pos += 1
                start = pos
                var write = pos
                while true {
                    guard pos < count else { return -2 }
                    let c = b[pos]
                    if c == 0x22 {
                        if pos + 1 < count && b[pos + 1] == 0x22 {
                            b[write] = 0x22
                            write += 1
                            pos += 2
                            continue
                        }
                        break
                    }
                    if write != pos { b[write] = c }
                    write += 1
                    pos += 1
                }
                end = write
                pos += 1
                if pos < count {
                    let c = b[pos]
                    if c != 0x2C && c != 0x0A && c != 0x0D { return -2 }
                }
            } else {
                start = pos
                while pos + 8 <= count {
                    let w = raw.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
                    let special = zeroBytes(w ^ 0x2C2C_2C2C_2C2C_2C2C) | zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A)
                        | zeroBytes(w ^ 0x0D0D_0D0D_0D0D_0D0D) | zeroBytes(w ^ 0x2222_2222_2222_2222)
                    if special != 0 {
                        pos += special.trailingZeroBitCount >> 3
                        break
                    }
                    pos += 8
                }
                while pos < count {
                    let c = b[pos]
                    if c == 0x2C || c == 0x0A || c == 0x0D { break }
                    if c == 0x22 { return -2 }
                    pos += 1
                }
                end = pos
            }
            if n < capacity {
                starts[n] = start
                ends[n] = end
            }
            n += 1
            if pos >= count { return n }
            let separator = b[pos]
            pos += 1
            if separator == 0x2C { continue }
            if separator == 0x0D && pos < count && b[pos] == 0x0A { pos += 1 }
            return n
        }
    }

    /// High bit set in each byte of `x` that is zero (exact for the lowest such byte).
    @inline(__always) static func zeroBytes(_ x: UInt64) -> UInt64 {
        (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// `RowParser.parseInt` over a pointer.
    @inline(__always)
    static func parseInt(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        var i = 0
        var negative = false
        if p[0] == 0x2D { negative = true; i = 1 }
        guard i < n, n - i <= 18 else { return nil }
        var value = 0
        while i < n {
            let d = p[i] &- 48
            guard d <= 9 else { return nil }
            value = value * 10 + Int(d)
            i += 1
        }
        return negative ? -value : value
    }

    /// `CivilDate.parse` over a pointer; `DateColumn.null` when malformed or invalid.
    @inline(__always)
    static func parseDate(_ p: UnsafePointer<UInt8>, _ n: Int, allowMonth: Bool) -> Int32 {
        guard n == 10 || (allowMonth && n == 7) else { return DateColumn.null }
        @inline(__always) func digit(_ i: Int) -> Int { Int(p[i] &- 48) }
        guard p[4] == 0x2D, p[0] &- 48 <= 9, p[1] &- 48 <= 9, p[2] &- 48 <= 9, p[3] &- 48 <= 9,
              p[5] &- 48 <= 9, p[6] &- 48 <= 9 else { return DateColumn.null }
        let y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let m = digit(5) * 10 + digit(6)
        var d = 1
        if n == 10 {
            guard p[7] == 0x2D, p[8] &- 48 <= 9, p[9] &- 48 <= 9 else { return DateColumn.null }
            d = digit(8) * 10 + digit(9)
        }
        guard CivilDate.isValid(year: y, month: m, day: d) else { return DateColumn.null }
        return CivilDate.days(year: y, month: m, day: d)
    }
}
