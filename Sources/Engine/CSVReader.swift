// A byte-level RFC 4180 reader. It walks a file's bytes once and hands out each record as
// byte ranges, with the physical line the record starts on, so the loader can report
// `FILE:LINE` for a bad row even when quoted fields span lines. We read bytes ourselves
// rather than use a CSV package because errors need record line numbers and the loader
// interns cells straight from bytes (see docs/performance.md).

public struct CSVError: Error, Equatable, Sendable {
    public let line: Int
    public let message: String
}

/// One cell of a record: a range of the file's bytes, and whether it came from a quoted
/// field holding doubled quotes (then `""` must be read as `"`).
public struct CSVCell: Sendable {
    public let start: Int
    public let end: Int
    public let hasEscapedQuotes: Bool
    public var isEmpty: Bool { start == end }
}

public struct CSVReader {
    public let bytes: [UInt8]
    private var position: Int
    private var line = 1

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark, as Excel writes it.
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Reads the next non-blank record into `cells`; returns its first line, nil at the end.
    public mutating func next(into cells: inout [CSVCell]) throws -> Int? {
        cells.removeAll(keepingCapacity: true)
        // Blank lines between records carry no data.
        while position < bytes.count && (bytes[position] == 0x0A || bytes[position] == 0x0D) {
            if bytes[position] == 0x0A { line += 1 } else if position + 1 >= bytes.count || bytes[position + 1] != 0x0A { line += 1 }
            position += 1
        }
        guard position < bytes.count else { return nil }
        let recordLine = line
        while true {
            if position < bytes.count && bytes[position] == 0x22 {  // '"'
                let openLine = line
                position += 1
                let start = position
                var escaped = false
                while true {
                    guard position < bytes.count else {
                        throw CSVError(line: openLine, message: "unterminated quoted field")
                    }
                    let byte = bytes[position]
                    if byte == 0x22 {
                        if position + 1 < bytes.count && bytes[position + 1] == 0x22 {
                            escaped = true
                            position += 2
                            continue
                        }
                        break
                    }
                    if byte == 0x0A { line += 1 }
                    position += 1
                }
                cells.append(CSVCell(start: start, end: position, hasEscapedQuotes: escaped))
                position += 1  // closing quote
                if position < bytes.count, bytes[position] != 0x2C, bytes[position] != 0x0A, bytes[position] != 0x0D {
                    throw CSVError(line: line, message: "unexpected character after a closing quote")
                }
            } else {
                let start = position
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == 0x2C || byte == 0x0A || byte == 0x0D { break }
                    if byte == 0x22 { throw CSVError(line: line, message: "quote inside an unquoted field") }
                    position += 1
                }
                cells.append(CSVCell(start: start, end: position, hasEscapedQuotes: false))
            }
            guard position < bytes.count else { return recordLine }
            let separator = bytes[position]
            position += 1
            if separator == 0x2C { continue }
            if separator == 0x0D && position < bytes.count && bytes[position] == 0x0A { position += 1 }
            line += 1
            return recordLine
        }
    }

    /// The bytes of a cell, with doubled quotes undone.
    public func value(_ cell: CSVCell) -> ArraySlice<UInt8> {
        guard cell.hasEscapedQuotes else { return bytes[cell.start..<cell.end] }
        var out: [UInt8] = []
        var i = cell.start
        while i < cell.end {
            out.append(bytes[i])
            i += (bytes[i] == 0x22) ? 2 : 1
        }
        return out[...]
    }

    public func string(_ cell: CSVCell) -> String {
        String(decoding: value(cell), as: UTF8.self)
    }
}

public enum UTF8Validation {
    /// The offset of the first byte that is not valid UTF-8, or nil.
    public static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
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
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
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
