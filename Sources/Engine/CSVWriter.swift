// Writing a table as CSV bytes fast: a checkpoint writes every collection's file, 870 MB
// at a million children. Each column is read through plain pointers prepared once (no
// array or dictionary reference counted per cell, no String), cells are formatted
// straight into one buffer, and a text value's need for quotes is decided once per
// distinct value, not per cell. The bytes are the ones `DatasetWriter.cell` and `quote`
// give (tests compare them).

import Foundation

struct CSVRowWriter {
    /// One column, as pointers into arrays kept alive by `keptAlive`.
    enum Source {
        case int(UnsafePointer<Int>)
        case date(UnsafePointer<Int32>)
        /// Codes, and the dictionary's bytes, ends and quote flags.
        case text(UnsafePointer<Int32>, Dictionary)
        case set(offsets: UnsafePointer<Int32>, elements: UnsafePointer<Int32>, Dictionary)
        /// A reference written as the target's id.
        case id(UnsafePointer<Int32>, UnsafePointer<Int>?, Int)
        /// A reference written as the target's name (codes of the target's names).
        case name(UnsafePointer<Int32>, UnsafePointer<Int32>, Dictionary)
    }

    struct Dictionary {
        let bytes: UnsafePointer<UInt8>?
        let ends: UnsafePointer<UInt32>?
        let needsQuotes: UnsafePointer<Bool>?

        @inline(__always) func value(_ code: Int) -> (UnsafePointer<UInt8>?, Int) {
            let start = code == 0 ? 0 : Int(ends![code - 1])
            return (bytes.map { $0 + start }, Int(ends![code]) - start)
        }
    }

    let header: [UInt8]
    let rowCount: Int
    private var sources: [Source] = []
    /// The arrays the pointers point into: held, and not changed, while writing.
    private var keptAlive: [Any] = []
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    /// TUNING: bytes handed to the sink at a time.
    static let pieceSize = 4 << 20

    init(_ table: Table, store: Store) {
        header = Array(table.schema.fields.map(\.name).joined(separator: ",").utf8) + [0x0A]
        rowCount = table.rowCount
        capacity = Self.pieceSize + (64 << 10)
        buffer = .allocate(capacity: capacity)
        for column in table.columns { sources.append(source(column, store: store)) }
    }

    func deallocate() { buffer.deallocate() }

    private mutating func keep<T>(_ array: [T]) -> UnsafePointer<T> {
        keptAlive.append(array)
        // The array is held in `keptAlive` and not changed until this writer is done, so
        // its storage stays where it is.
        return array.withUnsafeBufferPointer { $0.baseAddress ?? UnsafePointer(bitPattern: 8)! }
    }

    private mutating func dictionary(_ d: TextDictionary) -> Dictionary {
        keptAlive.append(d)
        let flags = d.flags("csv-quote") { bytes in bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D } }
        let (bytes, ends) = d.withValueBytes { ($0.baseAddress, $1.baseAddress) }
        return Dictionary(bytes: bytes, ends: ends, needsQuotes: keep(flags))
    }

    private mutating func source(_ column: Column, store: Store) -> Source {
        switch column {
        case .int(let c): return .int(keep(c.values))
        case .date(let c): return .date(keep(c.values))
        case .text(let c): return .text(keep(c.codes), dictionary(c.dictionary))
        case .textSet(let c): return .set(offsets: keep(c.offsets), elements: keep(c.elements), dictionary(c.dictionary))
        case .reference(let c):
            let target = store.table(c.target)
            if let target, target.isKeyedByID, case .int(let ids) = target.columns[0] {
                return .id(keep(c.rows), keep(ids.values), ids.values.count)
            } else if let target, let nameField = target.schema.fieldIndex("name"), case .text(let names) = target.columns[nameField] {
                return .name(keep(c.rows), keep(names.codes), dictionary(names.dictionary))
            }
            return .id(keep(c.rows), nil, 0)
        }
    }

    /// Writes the header and every row to `sink`, a piece at a time.
    mutating func write(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        header.withUnsafeBufferPointer { append($0.baseAddress, $0.count) }
        let last = sources.count - 1
        for row in 0..<rowCount {
            for (i, source) in sources.enumerated() {
                cell(source, row)
                buffer[count] = i == last ? 0x0A : 0x2C
                count += 1
            }
            if count >= Self.pieceSize {
                try sink(UnsafeRawBufferPointer(start: buffer, count: count))
                count = 0
            }
        }
        if count > 0 { try sink(UnsafeRawBufferPointer(start: buffer, count: count)) }
        count = 0
    }

    /// Room for `n` more bytes (and the separator after them).
    @inline(__always) private mutating func reserve(_ n: Int) {
        guard count + n + 1 > capacity else { return }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, count + n + 1))
        grown.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = grown
        capacity = max(capacity * 2, count + n + 1)
    }

    @inline(__always) private mutating func append(_ p: UnsafePointer<UInt8>?, _ n: Int) {
        reserve(n)
        if n > 0 { (buffer + count).update(from: p!, count: n) }
        count += n
    }

    /// Text bytes, quoted (inner quotes doubled) when `quoted`.
    @inline(__always) private mutating func appendText(_ p: UnsafePointer<UInt8>?, _ n: Int, quoted: Bool) {
        guard quoted else { return append(p, n) }
        reserve(2 * n + 2)
        buffer[count] = 0x22
        count += 1
        for i in 0..<n {
            if p![i] == 0x22 { buffer[count] = 0x22; count += 1 }
            buffer[count] = p![i]
            count += 1
        }
        buffer[count] = 0x22
        count += 1
    }

    @inline(__always) private mutating func appendInt(_ v: Int) {
        reserve(20)
        if v < 0 {
            if v == Int.min { return append(Array("\(v)".utf8), "\(v)".utf8.count) }
            buffer[count] = 0x2D
            count += 1
            return appendInt(-v)
        }
        var digits = 1
        var x = v
        while x >= 10 { x /= 10; digits += 1 }
        x = v
        var at = count + digits - 1
        repeat {
            buffer[at] = UInt8(48 + x % 10)
            x /= 10
            at -= 1
        } while x > 0
        count += digits
    }

    @inline(__always) private mutating func appendDigits(_ v: Int, _ width: Int) {
        var x = v
        for i in stride(from: width - 1, through: 0, by: -1) {
            buffer[count + i] = UInt8(48 + x % 10)
            x /= 10
        }
        count += width
    }

    @inline(__always) private mutating func cell(_ source: Source, _ row: Int) {
        switch source {
        case .int(let v):
            if v[row] != IntColumn.null { appendInt(v[row]) }
        case .date(let v):
            let day = v[row]
            guard day != DateColumn.null else { return }
            let (y, m, d) = CivilDate.components(day)
            guard (1000...9999).contains(y) else {
                let text = Array(CivilDate.format(day).utf8)
                return text.withUnsafeBufferPointer { append($0.baseAddress, $0.count) }
            }
            reserve(10)
            appendDigits(y, 4)
            buffer[count] = 0x2D
            count += 1
            appendDigits(m, 2)
            buffer[count] = 0x2D
            count += 1
            appendDigits(d, 2)
        case .text(let codes, let dictionary):
            let code = Int(codes[row])
            guard code >= 0 else { return }
            let (p, n) = dictionary.value(code)
            appendText(p, n, quoted: dictionary.needsQuotes![code])
        case .set(let offsets, let elements, let dictionary):
            let start = Int(offsets[row]), end = Int(offsets[row + 1])
            var quoted = false
            for i in start..<end where dictionary.needsQuotes![Int(elements[i])] { quoted = true }
            if quoted {
                // Rare: the set joined, then quoted as one cell.
                var joined: [UInt8] = []
                for i in start..<end {
                    if i > start { joined.append(0x3B) }
                    let (p, n) = dictionary.value(Int(elements[i]))
                    joined.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
                }
                joined.withUnsafeBufferPointer { appendText($0.baseAddress, $0.count, quoted: true) }
            } else {
                for i in start..<end {
                    if i > start { reserve(1); buffer[count] = 0x3B; count += 1 }
                    let (p, n) = dictionary.value(Int(elements[i]))
                    append(p, n)
                }
            }
        case .id(let rows, let ids, let idCount):
            let target = Int(rows[row])
            guard target >= 0, target < idCount, let ids else { return }
            appendInt(ids[target])
        case .name(let rows, let codes, let dictionary):
            let target = Int(rows[row])
            guard target >= 0 else { return }
            let code = Int(codes[target])
            guard code >= 0 else { return }
            let (p, n) = dictionary.value(code)
            appendText(p, n, quoted: dictionary.needsQuotes![code])
        }
    }
}
