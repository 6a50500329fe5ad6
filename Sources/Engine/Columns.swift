// Column storage for one collection: one typed array per stored field, with nulls as
// sentinels so a column is a flat array of machine words. Text is dictionary-encoded (each
// row holds an Int32 code into a per-column dictionary), sets are a flat element array with
// per-row offsets, and references hold the row number of the target. Nothing here knows
// about queries; readers index the arrays directly.

import Foundation

/// Interned text values of one column. Codes are dense, in first-seen order. The values
/// live in one flat UTF-8 buffer with an end offset per code (`TextStorage`), found by an
/// open-addressing table of our own keyed by a word-at-a-time hash of the bytes: loading a
/// cell costs a hash, a probe and a `memcmp`, and no `String` at all (Swift's String hashing
/// normalises Unicode, which dominated load time). Equality is byte equality. `String`s are
/// made only when asked for (`string(at:)`, `values`).
public final class TextDictionary {
    private var loaded = TextStorage()
    /// Set when the values are still to be read (from a snapshot), with their number.
    private var pending: (() -> TextStorage)?
    private var pendingCount = 0
    private var cachedValues: [String]?
    private var cachedRanks: [Int32]?
    private var cachedFlags: [String: [Bool]] = [:]
    /// Guards what reading builds on first use — the lookup table, the cached Strings,
    /// ranks and flags — so that several threads may read one dictionary at once (`mql
    /// check` runs constraints on every core). Its values must have been read first
    /// (`load`); writing (`intern`) stays single-threaded.
    private let cacheLock = NSLock()

    var storage: TextStorage {
        get { materialize(); return loaded }
        set { pending = nil; loaded = newValue }
        _modify { materialize(); yield &loaded }
    }

    @inline(__always) private func materialize() {
        if let pending {
            loaded = pending()
            self.pending = nil
        }
    }

    public init() {}

    init(storage: TextStorage) { loaded = storage }

    /// A dictionary of `count` values read by `loading` when first needed.
    init(count: Int, loading: @escaping () -> TextStorage) {
        pending = loading
        pendingCount = count
    }

    deinit { loaded.deallocate() }

    public var count: Int { pending == nil ? loaded.count : pendingCount }

    /// Reads the values now if they are still to be read from a snapshot, so that several
    /// threads may then read the dictionary at once.
    public func load() { materialize() }

    /// The values are still to be read (from a snapshot): one may be read alone
    /// (`TextColumn.text(at:)`) without reading them all.
    public var isPending: Bool { pending != nil }

    /// Every value as a String, by code. Materialised on first use and cached until the
    /// dictionary grows: O(count) the first time, so hot paths use `string(at:)` or codes.
    public var values: [String] {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        return valuesHoldingLock()
    }

    private func valuesHoldingLock() -> [String] {
        if let cached = cachedValues, cached.count == storage.count { return cached }
        let all = (0..<storage.count).map { storage.string(at: $0) }
        cachedValues = all
        return all
    }

    /// The value of one code.
    public func string(at code: Int) -> String {
        cacheLock.lock()
        let cached = cachedValues
        cacheLock.unlock()
        if let cached, code < cached.count { return cached[code] }
        return storage.string(at: code)
    }

    /// The UTF-8 bytes of one code (valid until the dictionary grows).
    public func bytes(at code: Int) -> UnsafeBufferPointer<UInt8> { storage.bytes(at: code) }

    /// The code of the text in `bytes` (valid UTF-8), adding it when new.
    public func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let before = storage.count
        let code = storage.intern(bytes.baseAddress, bytes.count)
        if storage.count != before { cachedRanks = nil }
        return code
    }

    public func code(of bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        let code = storage.find(bytes.baseAddress, bytes.count)
        return code < 0 ? nil : code
    }

    public func intern(_ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { intern($0) }
    }

    public func code(of text: String) -> Int32? {
        var text = text
        return text.withUTF8 { code(of: $0) }
    }

    public func intern<C: Collection>(bytes: C) -> Int32 where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ intern($0) }) { return done }
        return Array(bytes).withUnsafeBufferPointer { intern($0) }
    }

    public func code<C: Collection>(ofBytes bytes: C) -> Int32? where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ code(of: $0) }) { return done }
        return Array(bytes).withUnsafeBufferPointer { code(of: $0) }
    }

    /// The values' bytes back to back, and where each ends (value `c` starts where `c - 1`
    /// ends). Valid during `body` only.
    public func withValueBytes<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt32>) -> R) -> R {
        body(storage.allBytes, storage.allEnds)
    }

    /// A property of each value's bytes, computed once per value and kept (extended as values
    /// are added): `name` identifies the property, `compute` decides it for one value.
    public func flags(_ name: String, _ compute: (UnsafeBufferPointer<UInt8>) -> Bool) -> [Bool] {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        var flags = cachedFlags[name] ?? []
        if flags.count < storage.count {
            flags.reserveCapacity(storage.count)
            for code in flags.count..<storage.count { flags.append(compute(storage.bytes(at: code))) }
            cachedFlags[name] = flags
        }
        return flags
    }

    /// Builds the lookup table now, so that `storage.lookup` may be used from several
    /// threads at once.
    func prepareLookup() { storage.prepareSlots() }

    /// Frees the lookup table (rebuilt on the next lookup): after a load, most columns are
    /// only read by code, and a table of a million phone numbers is 16 MB.
    public func dropLookupTable() { storage.dropSlots() }

    /// Bytes held: values, offsets and the lookup table.
    public var memoryBytes: Int { storage.memoryBytes }

    /// Rank of each code in Chinese pinyin order (ICU's zh collation via Foundation), so
    /// sorting rows compares two integers. Computed once per distinct value and cached
    /// until the dictionary grows.
    public func collationRanks() -> [Int32] {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let ranks = cachedRanks, ranks.count == storage.count { return ranks }
        let values = valuesHoldingLock()
        let order = PinyinCollation.sortedIndices(values)
        var ranks = [Int32](repeating: 0, count: values.count)
        var rank: Int32 = 0
        for (position, code) in order.enumerated() {
            if position > 0 && values[order[position - 1]] != values[code] { rank += 1 }
            ranks[code] = rank
        }
        cachedRanks = ranks
        return ranks
    }
}

/// The storage of a `TextDictionary`: plain pointers and counts, no reference counting, so
/// the loader can hold one in a local variable and intern without touching a class. The
/// owner frees it (`deallocate`); copies of the struct alias the same memory.
struct TextStorage {
    /// All values' bytes, back to back.
    private(set) var bytes: UnsafeMutablePointer<UInt8>?
    private(set) var byteCount = 0
    private var byteCapacity = 0
    /// `ends[c]` is where value `c` ends; it starts where `c - 1` ends (0 for the first).
    private(set) var ends: UnsafeMutablePointer<UInt32>?
    private(set) var count = 0
    private var capacity = 0
    /// Lookup table: `hash tag << 32 | code + 1` per slot, 0 when empty; at most half full.
    /// Nil until the first lookup (and after `dropSlots`).
    private var slots: UnsafeMutablePointer<UInt64>?
    private var slotMask = 0

    /// TUNING: after a load, dictionaries with more values than this give up their lookup
    /// table (16 bytes a value) until something looks a value up: a million phone numbers
    /// are read by code far more often than found by text.
    static let keptLookupTable = 4096

    init() {}

    /// Storage holding `count` values given as their concatenated bytes and end offsets.
    init(bytes source: UnsafeRawBufferPointer, ends endSource: UnsafeBufferPointer<UInt32>) {
        reserve(values: endSource.count, bytes: source.count)
        if source.count > 0 { bytes!.update(from: source.bindMemory(to: UInt8.self).baseAddress!, count: source.count) }
        if endSource.count > 0 { ends!.update(from: endSource.baseAddress!, count: endSource.count) }
        count = endSource.count
        byteCount = source.count
    }

    /// A copy of another dictionary's values (same codes).
    init(copying dictionary: TextDictionary) {
        let source = dictionary.storage
        self.init(bytes: UnsafeRawBufferPointer(source.allBytes), ends: source.allEnds)
    }

    func deallocate() {
        bytes?.deallocate()
        ends?.deallocate()
        slots?.deallocate()
    }

    var memoryBytes: Int { byteCapacity + capacity * 4 + (slots == nil ? 0 : (slotMask + 1) * 8) }

    @inline(__always) func start(of code: Int) -> Int { code == 0 ? 0 : Int(ends![code - 1]) }

    @inline(__always) func bytes(at code: Int) -> UnsafeBufferPointer<UInt8> {
        let s = start(of: code)
        return UnsafeBufferPointer(start: bytes.map { UnsafePointer($0 + s) }, count: Int(ends![code]) - s)
    }

    func string(at code: Int) -> String {
        String(decoding: bytes(at: code), as: UTF8.self)
    }

    /// The whole byte area and the end offsets (for snapshots).
    var allBytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: bytes.map { UnsafePointer($0) }, count: byteCount) }
    var allEnds: UnsafeBufferPointer<UInt32> { UnsafeBufferPointer(start: ends.map { UnsafePointer($0) }, count: count) }

    // The value buffers grow and shrink with `realloc`: a large one is moved by remapping
    // its pages, not copied, so the old and the new buffer are never both resident (a
    // dictionary of a million addresses held them both at each doubling during a load).
    // They come from `malloc` like every `UnsafeMutablePointer.allocate` of plain values,
    // and `deallocate` frees them.

    /// `pointer` grown or shrunk to `count` elements, its first elements kept.
    private static func resized<E>(_ pointer: UnsafeMutablePointer<E>?, to count: Int) -> UnsafeMutablePointer<E> {
        guard let raw = realloc(pointer, count * MemoryLayout<E>.stride) else {
            fatalError("out of memory: \(count * MemoryLayout<E>.stride) bytes for a text dictionary")
        }
        return raw.bindMemory(to: E.self, capacity: count)
    }

    mutating func reserve(values: Int, bytes wanted: Int) {
        if values > capacity {
            let n = max(values, 16)
            ends = Self.resized(ends, to: n)
            capacity = n
        }
        if wanted > byteCapacity {
            let n = max(wanted, 64)
            bytes = Self.resized(bytes, to: n)
            byteCapacity = n
        }
    }

    /// Gives back unused capacity (after a load).
    mutating func shrinkToFit() {
        if capacity > count {
            let n = max(count, 1)
            ends = Self.resized(ends, to: n)
            capacity = n
        }
        if byteCapacity > byteCount {
            let n = max(byteCount, 1)
            bytes = Self.resized(bytes, to: n)
            byteCapacity = n
        }
    }

    mutating func dropSlots() {
        slots?.deallocate()
        slots = nil
        slotMask = 0
    }

    /// 64-bit hash of a byte string, eight bytes at a time (a multiply-fold per word).
    @inline(__always) static func hash(_ p: UnsafePointer<UInt8>?, _ n: Int) -> UInt64 {
        @inline(__always) func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let m = a.multipliedFullWidth(by: b)
            return m.high ^ m.low
        }
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(truncatingIfNeeded: n)
        guard let p, n > 0 else { return fold(h, 0x9E37_79B9_7F4A_7C15) }
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= n {
            h = fold(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0x9E37_79B9_7F4A_7C15)
            i += 8
        }
        if i < n {
            var w: UInt64
            let rest = n - i
            if rest >= 4 {
                w = UInt64(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                    | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32
            } else {
                w = UInt64(p[i]) | UInt64(p[i + rest / 2]) << 8 | UInt64(p[n - 1]) << 16
            }
            h = fold(h ^ w, 0xBF58_476D_1CE4_E5B9)
        }
        return fold(h, 0x94D0_49BB_1331_11EB)
    }

    @inline(__always) func equal(_ code: Int, _ p: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
        let s = start(of: code)
        guard Int(ends![code]) - s == n else { return false }
        return n == 0 || memcmp(bytes! + s, p!, n) == 0
    }

    /// The slot holding `p[0..<n]`, or the empty slot where it would go.
    @inline(__always) private func probe(_ p: UnsafePointer<UInt8>?, _ n: Int, _ h: UInt64) -> (slot: Int, code: Int32) {
        let slots = self.slots!
        let tag = h >> 32
        var i = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let s = slots[i]
            if s == 0 { return (i, -1) }
            if s >> 32 == tag {
                let code = Int(UInt32(truncatingIfNeeded: s)) - 1
                if equal(code, p, n) { return (i, Int32(code)) }
            }
            i = (i + 1) & slotMask
        }
    }

    mutating func prepareSlots() {
        if slots == nil { rebuildSlots(minimum: max(count, 1)) }
    }

    /// The code of `p[0..<n]`, or -1, with the lookup table already built (`prepareSlots`).
    @inline(__always) func lookup(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int32 {
        if count == 0 { return -1 }
        return probe(p, n, Self.hash(p, n)).code
    }

    /// The code of `p[0..<n]`, or -1.
    mutating func find(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int32 {
        if count == 0 { return -1 }
        if slots == nil { rebuildSlots(minimum: count) }
        return probe(p, n, Self.hash(p, n)).code
    }

    /// The code of `p[0..<n]`, adding it when new.
    @inline(__always) mutating func intern(_ p: UnsafePointer<UInt8>?, _ n: Int) -> Int32 {
        if slots == nil { rebuildSlots(minimum: count + 1) }
        let h = Self.hash(p, n)
        let (slot, found) = probe(p, n, h)
        if found >= 0 { return found }
        return insert(p, n, h, slot)
    }

    /// Interns without the hash table lookup succeeding: validates new values with `valid`.
    /// Returns -1 (and adds nothing) when a new value fails validation.
    @inline(__always) mutating func intern(_ p: UnsafePointer<UInt8>?, _ n: Int, validate: Bool) -> Int32 {
        if slots == nil { rebuildSlots(minimum: count + 1) }
        let h = Self.hash(p, n)
        let (slot, found) = probe(p, n, h)
        if found >= 0 { return found }
        if validate, n > 0, !UTF8Validation.isValid(UnsafeBufferPointer(start: p, count: n)) { return -1 }
        return insert(p, n, h, slot)
    }

    private mutating func insert(_ p: UnsafePointer<UInt8>?, _ n: Int, _ h: UInt64, _ slot: Int) -> Int32 {
        if count == capacity { reserve(values: max(16, capacity * 2), bytes: 0) }
        if byteCount + n > byteCapacity { reserve(values: 0, bytes: max(byteCapacity * 2, byteCount + n)) }
        precondition(byteCount + n <= Int(UInt32.max), "a text column holds more than 4 GiB")
        if n > 0 { (bytes! + byteCount).update(from: p!, count: n) }
        byteCount += n
        ends![count] = UInt32(byteCount)
        let code = count
        count += 1
        slots![slot] = (h >> 32) << 32 | UInt64(code + 1)
        if count * 2 > slotMask + 1 { rebuildSlots(minimum: count) }
        return Int32(code)
    }

    /// (Re)builds the lookup table for at least `minimum` values at most half full.
    private mutating func rebuildSlots(minimum: Int) {
        var size = 16
        while size < minimum * 2 + 2 { size <<= 1 }
        slots?.deallocate()
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: size)
        table.initialize(repeating: 0, count: size)
        let mask = size - 1
        for code in 0..<count {
            let b = bytes(at: code)
            let h = Self.hash(b.baseAddress, b.count)
            var i = Int(truncatingIfNeeded: h) & mask
            while table[i] != 0 { i = (i + 1) & mask }
            table[i] = (h >> 32) << 32 | UInt64(code + 1)
        }
        slots = table
        slotMask = mask
    }
}

/// Pinyin order of text, as Excel and WPS sort Chinese.
public enum PinyinCollation {
    public static let locale = Locale(identifier: "zh_CN")

    public static func compare(_ a: String, _ b: String) -> ComparisonResult {
        if a == b { return .orderedSame }
        let result = a.compare(b, locale: locale)
        if result != .orderedSame { return result }
        return a < b ? .orderedAscending : .orderedDescending
    }

    public static func sortedIndices(_ values: [String]) -> [Int] {
        Array(values.indices).sorted { compare(values[$0], values[$1]) == .orderedAscending }
    }
}

// A column may be loaded lazily (from a snapshot, `Snapshot.swift`): its array is then
// read from the file the first time it is read, so a process that answers one query reads
// only the columns that query touches. Until then single values may be read alone
// (`value(at:)`, `text(at:)`, `texts(at:)`): only the 16 KiB blocks of the file holding
// them are read, so a statement whose result has a few rows reads a few blocks of each
// column it shows.

/// A value read alone from a snapshot's blocks, or word to read the whole column instead.
enum Peek<T> {
    case value(T)
    case whole
}

/// An array filled on first use.
struct LazyArray<T> {
    private var stored: [T]
    private var pending: (() -> [T])?
    /// One element read without the rest, while the array is pending.
    private var peek: ((Int) -> Peek<T>)?
    /// How many elements `pending` gives, and those appended since (a change that adds a
    /// row appends to every column without reading them: `append`).
    private var pendingCount = 0
    private var tail: [T] = []
    /// Elements of `pending` set since (a change that sets a field of a row).
    private var patches: [Int: T] = [:]
    /// How many times the array was written (set, appended to, or changed in place; copies
    /// carry it): an index persisted in a snapshot answers only for a column never written
    /// since it was loaded (`Table.persistedIndexes`).
    private(set) var writes = 0

    init(_ values: [T]) { stored = values }
    init(loading: @escaping () -> [T], count: Int = 0, peek: ((Int) -> Peek<T>)? = nil) {
        stored = []
        pending = loading
        pendingCount = count
        self.peek = peek
    }

    var isLoaded: Bool { pending == nil }

    /// The number of elements, without reading a pending array whose size is known.
    var count: Int {
        mutating get { pending != nil && peek != nil ? pendingCount + tail.count : value.count }
    }

    var value: [T] {
        mutating get {
            load()
            return stored
        }
        set {
            pending = nil
            peek = nil
            tail = []
            patches = [:]
            stored = newValue
            writes += 1
        }
        _modify {
            load()
            writes += 1
            yield &stored
        }
    }

    @inline(__always) private mutating func load() {
        if let pending {
            stored = pending()
            self.pending = nil
            peek = nil
            if !tail.isEmpty {
                stored += tail
                tail = []
            }
            for (i, v) in patches { stored[i] = v }
            patches = [:]
        }
    }

    /// A copy that does not read a pending array: both read it once, when either first
    /// needs it (a store copied for a change or a journal's replay reads only what the
    /// change reads).
    mutating func copy() -> LazyArray<T> {
        guard let pending else {
            var copy = LazyArray(stored)
            copy.writes = writes
            return copy
        }
        let once = LoadOnce(pending)
        self.pending = { once.value }
        return self
    }

    /// Element `i`: alone while the array is pending (when it can be), else from the array
    /// (read in place: taking `value` would retain the array's storage, a cache miss of its
    /// own for a row read alone).
    mutating func element(at i: Int) -> T {
        if pending != nil {
            if let peek {
                if i >= pendingCount && i - pendingCount < tail.count { return tail[i - pendingCount] }
                if let v = patches[i] { return v }
                if case .value(let v) = peek(i) { return v }
            }
            load()
        }
        return stored[i]
    }

    /// Element `i` of the whole array, read now if it is still pending (never alone).
    mutating func loadedElement(at i: Int) -> T {
        load()
        return stored[i]
    }

    /// Sets element `i`; of a pending array whose size is known, without reading it.
    mutating func set(_ i: Int, _ v: T) {
        writes += 1
        if pending != nil && peek != nil && i >= 0 {
            if i < pendingCount { patches[i] = v; return }
            if i - pendingCount < tail.count { tail[i - pendingCount] = v; return }
        }
        value[i] = v
    }

    /// Appends `v`; to what is appended to a pending array when its size is known, so the
    /// array is not read for it.
    mutating func append(_ v: T) {
        writes += 1
        if pending != nil && peek != nil { tail.append(v) } else { value.append(v) }
    }
}

/// An array read once for the copies that share it (`LazyArray.copy`).
final class LoadOnce<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var loader: (() -> [T])?
    private var loaded: [T] = []

    init(_ loader: @escaping () -> [T]) { self.loader = loader }

    var value: [T] {
        lock.lock()
        defer { lock.unlock() }
        if let loader {
            loaded = loader()
            self.loader = nil
        }
        return loaded
    }
}

public final class IntColumn {
    public static let null = Int.min
    private var storage: LazyArray<Int>
    public var values: [Int] {
        get { storage.value }
        set { storage.value = newValue }
        _modify { yield &storage.value }
    }
    public init(values: [Int] = []) { storage = LazyArray(values) }
    init(loading: @escaping () -> [Int], count: Int = 0, peek: ((Int) -> Peek<Int>)? = nil) {
        storage = LazyArray(loading: loading, count: count, peek: peek)
    }
    /// The value of one row, read alone while the column is still in the snapshot.
    public func value(at row: Int) -> Int { storage.element(at: row) }
    public var isLoaded: Bool { storage.isLoaded }
    var writes: Int { storage.writes }
    /// Appends a value without reading a column still in the snapshot.
    public func append(_ v: Int) { storage.append(v) }
    /// A copy, without reading a column still in the snapshot.
    func copy() -> IntColumn {
        let c = IntColumn()
        c.storage = storage.copy()
        return c
    }
    /// Sets a row's value without reading a column still in the snapshot.
    public func set(_ row: Int, _ v: Int) { storage.set(row, v) }
}

public final class DateColumn {
    public static let null = Int32.min
    private var storage: LazyArray<Int32>
    public var values: [Int32] {
        get { storage.value }
        set { storage.value = newValue }
        _modify { yield &storage.value }
    }
    public init(values: [Int32] = []) { storage = LazyArray(values) }
    init(loading: @escaping () -> [Int32], count: Int = 0, peek: ((Int) -> Peek<Int32>)? = nil) {
        storage = LazyArray(loading: loading, count: count, peek: peek)
    }
    /// The value of one row, read alone while the column is still in the snapshot.
    public func value(at row: Int) -> Int32 { storage.element(at: row) }
    var isLoaded: Bool { storage.isLoaded }
    var writes: Int { storage.writes }
    /// Appends a value without reading a column still in the snapshot.
    public func append(_ v: Int32) { storage.append(v) }
    /// A copy, without reading a column still in the snapshot.
    func copy() -> DateColumn {
        let c = DateColumn()
        c.storage = storage.copy()
        return c
    }
    /// Sets a row's value without reading a column still in the snapshot.
    public func set(_ row: Int, _ v: Int32) { storage.set(row, v) }
}

public final class TextColumn {
    public static let null: Int32 = -1
    private var storage: LazyArray<Int32>
    public var codes: [Int32] {
        get { storage.value }
        set { storage.value = newValue }
        _modify { yield &storage.value }
    }
    public let dictionary: TextDictionary
    public init(codes: [Int32] = [], dictionary: TextDictionary = TextDictionary()) {
        storage = LazyArray(codes)
        self.dictionary = dictionary
    }
    /// Reads the value of a row's code alone from a dictionary still in the snapshot.
    private var peekText: ((Int, Int32) -> Peek<String?>)?

    init(loading: @escaping () -> [Int32], count: Int = 0, peekCode: ((Int) -> Peek<Int32>)? = nil, dictionary: TextDictionary,
         peekText: ((Int, Int32) -> Peek<String?>)? = nil) {
        storage = LazyArray(loading: loading, count: count, peek: peekCode)
        self.dictionary = dictionary
        self.peekText = peekText
    }

    /// The code of one row, read alone while the column is still in the snapshot.
    public func code(at row: Int) -> Int32 { storage.element(at: row) }
    /// Appends a code without reading a column still in the snapshot.
    public func append(_ code: Int32) { storage.append(code) }
    /// A copy sharing the dictionary, without reading codes still in the snapshot.
    func copy() -> TextColumn {
        let c = TextColumn(dictionary: dictionary)
        c.storage = storage.copy()
        c.peekText = peekText
        return c
    }
    /// Sets a row's code without reading a column still in the snapshot.
    public func set(_ row: Int, _ code: Int32) { storage.set(row, code) }

    var isLoaded: Bool { storage.isLoaded }
    var writes: Int { storage.writes }

    /// The text of one row; read alone while the column is still in the snapshot.
    public func text(at row: Int) -> String? {
        if !storage.isLoaded, let peekText {
            // The code from its block (or a row appended since), then its value; past
            // the blocks worth reading alone, both from the whole column (so a code and
            // the dictionary it indexes always come from the same place).
            let code = storage.element(at: row)
            if !storage.isLoaded {
                if code < 0 { return nil }
                if !dictionary.isPending { return dictionary.string(at: Int(code)) }
                if case .value(let text) = peekText(row, code) { return text }
            }
        }
        let code = storage.loadedElement(at: row)
        return code < 0 ? nil : dictionary.string(at: Int(code))
    }
}

/// A set of text per row: row `r` holds `elements[offsets[r]..<offsets[r+1]]`.
public final class SetColumn {
    private var offsetStorage = LazyArray<Int32>([0])
    private var elementStorage = LazyArray<Int32>([])
    public var offsets: [Int32] {
        get { offsetStorage.value }
        set { offsetStorage.value = newValue }
        _modify { yield &offsetStorage.value }
    }
    public var elements: [Int32] {
        get { elementStorage.value }
        set { elementStorage.value = newValue }
        _modify { yield &elementStorage.value }
    }
    public let dictionary: TextDictionary
    public init(dictionary: TextDictionary = TextDictionary()) { self.dictionary = dictionary }
    /// Reads the texts of one row alone while the offsets, elements and dictionary are all
    /// still in the snapshot.
    private var peekTexts: ((Int) -> Peek<[String]>)?

    init(offsets: @escaping () -> [Int32], offsetCount: Int, peekOffset: @escaping (Int) -> Peek<Int32>,
         elements: @escaping () -> [Int32], elementCount: Int, peekElement: @escaping (Int) -> Peek<Int32>,
         dictionary: TextDictionary, peekTexts: ((Int) -> Peek<[String]>)? = nil) {
        offsetStorage = LazyArray(loading: offsets, count: offsetCount, peek: peekOffset)
        elementStorage = LazyArray(loading: elements, count: elementCount, peek: peekElement)
        self.dictionary = dictionary
        self.peekTexts = peekTexts
    }

    public func codes(at row: Int) -> ArraySlice<Int32> {
        elements[Int(offsets[row])..<Int(offsets[row + 1])]
    }

    var isLoaded: Bool { offsetStorage.isLoaded || elementStorage.isLoaded }
    var writes: Int { offsetStorage.writes + elementStorage.writes }

    public func texts(at row: Int) -> [String] {
        if !offsetStorage.isLoaded && !elementStorage.isLoaded && dictionary.isPending, let peekTexts,
           case .value(let texts) = peekTexts(row) { return texts }
        // The codes of `codes(at:)`, read in place (both arrays whole, as the dictionary is).
        let start = Int(offsetStorage.loadedElement(at: row)), end = Int(offsetStorage.loadedElement(at: row + 1))
        return (start..<end).map { dictionary.string(at: Int(elementStorage.loadedElement(at: $0))) }
    }

    /// A copy sharing the dictionary, without reading sets still in the snapshot.
    func copy() -> SetColumn {
        let c = SetColumn(dictionary: dictionary)
        c.offsetStorage = offsetStorage.copy()
        c.elementStorage = elementStorage.copy()
        c.peekTexts = peekTexts
        return c
    }

    /// Appends a row's codes; to sets still in the snapshot without reading them.
    public func append(_ codes: [Int32]) {
        for code in codes { elementStorage.append(code) }
        offsetStorage.append(Int32(elementStorage.count))
    }
}

public final class RefColumn {
    public static let null: Int32 = -1
    private var storage: LazyArray<Int32>
    public var rows: [Int32] {
        get { storage.value }
        set { storage.value = newValue }
        _modify { yield &storage.value }
    }
    public let target: String
    public init(target: String, rows: [Int32] = []) {
        storage = LazyArray(rows)
        self.target = target
    }
    init(target: String, loading: @escaping () -> [Int32], count: Int = 0, peek: ((Int) -> Peek<Int32>)? = nil) {
        storage = LazyArray(loading: loading, count: count, peek: peek)
        self.target = target
    }
    /// Appends a target row without reading a column still in the snapshot.
    public func append(_ v: Int32) { storage.append(v) }
    /// A copy, without reading a column still in the snapshot.
    func copy() -> RefColumn {
        let c = RefColumn(target: target)
        c.storage = storage.copy()
        return c
    }
    /// Sets a row's target without reading a column still in the snapshot.
    public func set(_ row: Int, _ v: Int32) { storage.set(row, v) }
    /// The target row of one row, read alone while the column is still in the snapshot.
    public func row(at row: Int) -> Int32 { storage.element(at: row) }
    var isLoaded: Bool { storage.isLoaded }
    var writes: Int { storage.writes }
}

public enum Column {
    case int(IntColumn)
    case date(DateColumn)
    case text(TextColumn)
    case textSet(SetColumn)
    case reference(RefColumn)

    /// Removes one row, the rows after it moving up.
    func remove(row: Int) {
        switch self {
        case .int(let c): c.values.remove(at: row)
        case .date(let c): c.values.remove(at: row)
        case .text(let c): c.codes.remove(at: row)
        case .reference(let c): c.rows.remove(at: row)
        case .textSet(let c):
            let start = Int(c.offsets[row]), end = Int(c.offsets[row + 1])
            c.elements.removeSubrange(start..<end)
            c.offsets.remove(at: row + 1)
            let n = Int32(end - start)
            if n != 0 { c.offsets.withUnsafeMutableBufferPointer { o in for i in (row + 1)..<o.count { o[i] -= n } } }
        }
    }

    /// How many times the column was written since it was made or loaded (see
    /// `LazyArray.writes`).
    var writes: Int {
        switch self {
        case .int(let c): return c.writes
        case .date(let c): return c.writes
        case .text(let c): return c.writes
        case .textSet(let c): return c.writes
        case .reference(let c): return c.writes
        }
    }

    /// Keeps the first `count` rows.
    func truncate(to count: Int) {
        switch self {
        case .int(let c): c.values.removeSubrange(count...)
        case .date(let c): c.values.removeSubrange(count...)
        case .text(let c): c.codes.removeSubrange(count...)
        case .reference(let c): c.rows.removeSubrange(count...)
        case .textSet(let c):
            c.elements.removeSubrange(Int(c.offsets[count])...)
            c.offsets.removeSubrange((count + 1)...)
        }
    }

    /// Reads the column now (with its dictionary) if it is still to be read from a
    /// snapshot: a column is read from the file on first use by whichever thread uses it,
    /// so one that several threads will read at once is read before they start.
    public func load() {
        switch self {
        case .int(let c): _ = c.values.count
        case .date(let c): _ = c.values.count
        case .text(let c): _ = c.codes.count; c.dictionary.load()
        case .reference(let c): _ = c.rows.count
        case .textSet(let c): _ = c.offsets.count; _ = c.elements.count; c.dictionary.load()
        }
    }

    public static func empty(for type: FieldType) -> Column {
        switch type {
        case .int: return .int(IntColumn())
        case .date: return .date(DateColumn())
        case .text: return .text(TextColumn())
        case .textSet: return .textSet(SetColumn())
        case .reference(let target): return .reference(RefColumn(target: target))
        }
    }

    public func isNull(at row: Int) -> Bool {
        switch self {
        case .int(let c): return c.values[row] == IntColumn.null
        case .date(let c): return c.values[row] == DateColumn.null
        case .text(let c): return c.codes[row] < 0
        case .textSet: return false
        case .reference(let c): return c.rows[row] < 0
        }
    }

    /// Reorders every row: new row `i` is old row `order[i]`.
    func permute(_ order: [Int]) {
        switch self {
        case .int(let c): let v = c.values; c.values = order.map { v[$0] }
        case .date(let c): let v = c.values; c.values = order.map { v[$0] }
        case .text(let c): let v = c.codes; c.codes = order.map { v[$0] }
        case .reference(let c): let v = c.rows; c.rows = order.map { v[$0] }
        case .textSet(let c):
            var offsets: [Int32] = [0]
            var elements: [Int32] = []
            elements.reserveCapacity(c.elements.count)
            for old in order {
                elements.append(contentsOf: c.codes(at: old))
                offsets.append(Int32(elements.count))
            }
            c.offsets = offsets
            c.elements = elements
        }
    }
}
