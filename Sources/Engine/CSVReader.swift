// A byte-level RFC 4180 reader. It walks a file's bytes once and hands out each record as
// byte ranges, with the physical line the record starts on, so the loader can report
// `FILE:LINE` for a bad row even when quoted fields span lines. We read bytes ourselves
// rather than use a CSV package because errors need record line numbers and the loader
// interns cells straight from bytes (see docs/performance.md).

public struct CSVError: Error, Equatable, Sendable {
    public let line: Int
    public let message: String
}

/// One cell of a record: a range of the file's bytes (already unescaped).
public struct CSVCell: Sendable {
    public let start: Int
    public let end: Int
    public let hasEscapedQuotes: Bool
    public var isEmpty: Bool { start == end }
}

/// The scanning core over raw memory, shared by `CSVReader` and the loader's hot loop.
/// Quoted cells are unescaped in place (`""` → `"`), so every cell is a plain byte range.
public enum CSVScanner {
    /// Reads the next non-blank record; returns its first line, nil at the end.
    public static func next(_ bytes: UnsafeMutableBufferPointer<UInt8>, position: inout Int, line: inout Int,
                            into cells: inout [CSVCell]) throws -> Int? {
        cells.removeAll(keepingCapacity: true)
        let count = bytes.count
        // Blank lines between records carry no data.
        while position < count && (bytes[position] == 0x0A || bytes[position] == 0x0D) {
            if bytes[position] == 0x0A || position + 1 >= count || bytes[position + 1] != 0x0A { line += 1 }
            position += 1
        }
        guard position < count else { return nil }
        let recordLine = line
        while true {
            if position < count && bytes[position] == 0x22 {  // '"'
                let openLine = line
                position += 1
                let start = position
                var write = position
                while true {
                    guard position < count else { throw CSVError(line: openLine, message: EngineMessage.unterminatedQuotedField()) }
                    let byte = bytes[position]
                    if byte == 0x22 {
                        if position + 1 < count && bytes[position + 1] == 0x22 {
                            bytes[write] = 0x22
                            write += 1
                            position += 2
                            continue
                        }
                        break
                    }
                    if byte == 0x0A { line += 1 }
                    if write != position { bytes[write] = byte }
                    write += 1
                    position += 1
                }
                cells.append(CSVCell(start: start, end: write, hasEscapedQuotes: false))
                position += 1  // closing quote
                if position < count, bytes[position] != 0x2C, bytes[position] != 0x0A, bytes[position] != 0x0D {
                    throw CSVError(line: line, message: EngineMessage.unexpectedAfterClosingQuote())
                }
            } else {
                let start = position
                while position < count {
                    let byte = bytes[position]
                    if byte == 0x2C || byte == 0x0A || byte == 0x0D { break }
                    if byte == 0x22 { throw CSVError(line: line, message: EngineMessage.quoteInUnquotedField()) }
                    position += 1
                }
                cells.append(CSVCell(start: start, end: position, hasEscapedQuotes: false))
            }
            guard position < count else { return recordLine }
            let separator = bytes[position]
            position += 1
            if separator == 0x2C { continue }
            if separator == 0x0D && position < count && bytes[position] == 0x0A { position += 1 }
            line += 1
            return recordLine
        }
    }

    /// Where records start: after a UTF-8 byte order mark, as Excel writes one.
    public static func start(_ bytes: UnsafeMutableBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }
}

/// A CSV reader over a byte array it owns (cells are unescaped in its copy).
public struct CSVReader {
    public private(set) var bytes: [UInt8]
    private var position: Int
    private var line = 1

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Reads the next non-blank record into `cells`; returns its first line, nil at the end.
    public mutating func next(into cells: inout [CSVCell]) throws -> Int? {
        var position = self.position, line = self.line
        defer {
            self.position = position
            self.line = line
        }
        return try bytes.withUnsafeMutableBufferPointer { try CSVScanner.next($0, position: &position, line: &line, into: &cells) }
    }

    /// The bytes of a cell.
    public func value(_ cell: CSVCell) -> ArraySlice<UInt8> { bytes[cell.start..<cell.end] }

    public func string(_ cell: CSVCell) -> String {
        String(decoding: value(cell), as: UTF8.self)
    }
}

public enum UTF8Validation {
    /// The offset of the first byte that is not valid UTF-8, or nil.
    public static func firstInvalidOffset(_ array: [UInt8]) -> Int? {
        array.withUnsafeBufferPointer { firstInvalidOffset($0) }
    }

    /// Whether bytes are valid UTF-8.
    @inline(__always)
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        firstInvalidOffset(bytes) == nil
    }

    /// The offset of the first byte that is not valid UTF-8, or nil. Runs of ASCII go eight
    /// bytes at a time.
    public static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var i = 0
        let n = bytes.count
        while i < n {
            if i + 8 <= n {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let b = base[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            let minimum: UInt32
            if b & 0xE0 == 0xC0 { length = 2; minimum = 0x80 }
            else if b & 0xF0 == 0xE0 { length = 3; minimum = 0x800 }
            else if b & 0xF8 == 0xF0 { length = 4; minimum = 0x10000 }
            else { return i }
            guard i + length <= n else { return i }
            var scalar = UInt32(b) & (0xFF >> (length + 1))
            for k in 1..<length {
                let c = base[i + k]
                guard c & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (scalar >= 0xD800 && scalar <= 0xDFFF) { return i }
            i += length
        }
        return nil
    }

    /// 1-based line of a byte offset.
    public static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A { line += 1 }
        return line
    }
}
