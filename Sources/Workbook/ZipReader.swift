// Reading the zip container of a workbook, bounded. ZIPFoundation writes our workbooks,
// but its reader is not safe on damaged input: a deflate stream that ends early makes
// its inflate loop spin for ever at the end of the file (and hands zlib a longer input
// than it read), and its in-memory file traps on an offset past the end. So the reader
// is this: the end-of-central-directory record (zip64 too), the central directory, each
// local header, every offset and length checked against the file; stored or deflated
// data inflated here with zlib, the output cut at the caller's limit, the CRC checked.

import CZlib  // zlib, through the module ZIPFoundation declares for it
import Foundation

struct ZipReader {
    struct Entry {
        let path: String
        let method: UInt16
        let crc: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
    }

    let bytes: [UInt8]
    private(set) var entries: [String: Entry] = [:]

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let (count, directoryOffset, directorySize) = try Self.endOfDirectory(bytes)
        var at = Int(directoryOffset)
        guard directoryOffset <= UInt64(bytes.count), directoryOffset + directorySize <= UInt64(bytes.count) else { throw Self.damaged("central directory out of the file") }
        for _ in 0..<count {
            guard at + 46 <= bytes.count, Self.u32(bytes, at) == 0x0201_4B50 else { throw Self.damaged("central directory entry") }
            let method = Self.u16(bytes, at + 10)
            let crc = Self.u32(bytes, at + 16)
            var compressed = UInt64(Self.u32(bytes, at + 20))
            var uncompressed = UInt64(Self.u32(bytes, at + 24))
            let nameLength = Int(Self.u16(bytes, at + 28)), extraLength = Int(Self.u16(bytes, at + 30)), commentLength = Int(Self.u16(bytes, at + 32))
            var offset = UInt64(Self.u32(bytes, at + 42))
            let nameStart = at + 46
            guard nameStart + nameLength + extraLength + commentLength <= bytes.count else { throw Self.damaged("central directory entry") }
            let path = String(decoding: bytes[nameStart..<nameStart + nameLength], as: UTF8.self)
            // zip64: the sizes and offset that do not fit 32 bits are in extra field 1.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = Self.u16(bytes, extra), size = Int(Self.u16(bytes, extra + 2))
                guard extra + 4 + size <= extraEnd else { throw Self.damaged("extra field") }
                if id == 1 {
                    var field = extra + 4
                    func next() throws -> UInt64 {
                        guard field + 8 <= extra + 4 + size else { throw Self.damaged("zip64 field") }
                        defer { field += 8 }
                        return Self.u64(bytes, field)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if offset == 0xFFFF_FFFF { offset = try next() }
                }
                extra += 4 + size
            }
            if !path.hasSuffix("/") {
                entries[path] = Entry(path: path, method: method, crc: crc, compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: offset)
            }
            at = extraEnd + commentLength
        }
    }

    static func damaged(_ what: String) -> WorkbookError { .notAWorkbook("damaged zip: \(what)") }

    /// (entries, offset of the central directory, its size), from the end record.
    static func endOfDirectory(_ bytes: [UInt8]) throws -> (Int, UInt64, UInt64) {
        guard bytes.count >= 22 else { throw damaged("too short") }
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while at >= lowest, u32(bytes, at) != 0x0605_4B50 { at -= 1 }
        guard at >= lowest else { throw damaged("no end of central directory") }
        var count = UInt64(u16(bytes, at + 10))
        var size = UInt64(u32(bytes, at + 12))
        var offset = UInt64(u32(bytes, at + 16))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let locator = at - 20
            guard locator >= 0, u32(bytes, locator) == 0x0706_4B50 else { throw damaged("zip64 locator") }
            let record = u64(bytes, locator + 8)
            guard record + 56 <= UInt64(bytes.count), u32(bytes, Int(record)) == 0x0606_4B50 else { throw damaged("zip64 end record") }
            count = u64(bytes, Int(record) + 32)
            size = u64(bytes, Int(record) + 40)
            offset = u64(bytes, Int(record) + 48)
        }
        // Each entry takes at least 46 bytes: a count beyond that is a lie.
        guard count <= UInt64(bytes.count / 46) else { throw damaged("entry count") }
        return (Int(count), offset, size)
    }

    /// The unpacked bytes of an entry, refused past `limit`.
    func data(_ entry: Entry, limit: Int) throws -> Data {
        guard entry.uncompressedSize <= UInt64(limit) else { throw WorkbookError.tooLarge(part: entry.path, limit: limit) }
        let header = entry.localHeaderOffset
        guard header + 30 <= UInt64(bytes.count), Self.u32(bytes, Int(header)) == 0x0403_4B50 else { throw Self.damaged("local header of \(entry.path)") }
        let start = Int(header) + 30 + Int(Self.u16(bytes, Int(header) + 26)) + Int(Self.u16(bytes, Int(header) + 28))
        guard start <= bytes.count, entry.compressedSize <= UInt64(bytes.count - start) else { throw Self.damaged("data of \(entry.path)") }
        let input = bytes[start..<start + Int(entry.compressedSize)]
        var out: [UInt8]
        switch entry.method {
        case 0:
            guard input.count <= limit else { throw WorkbookError.tooLarge(part: entry.path, limit: limit) }
            out = Array(input)
        case 8:
            out = try Self.inflate(input, limit: limit, part: entry.path)
        default:
            throw WorkbookError.notAWorkbook("\(entry.path): compression method \(entry.method)")
        }
        let crc = out.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == entry.crc else { throw Self.damaged("checksum of \(entry.path)") }
        return Data(out)
    }

    /// Raw deflate, the output cut at `limit`; a stream that ends before its end marker
    /// (or holds garbage) is damaged.
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int, part: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw damaged("inflate") }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var input = Array(input)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer -> Int32 in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    let r = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (r, outBuffer.count - Int(stream.avail_out))
                }
                if out.count + produced > limit { return -100 }
                out.append(contentsOf: chunk[0..<produced])
                if result == Z_STREAM_END { return Z_STREAM_END }
                // No progress possible: garbage, or the input ended before the stream did.
                if result != Z_OK || (produced == 0 && stream.avail_in == 0) { return result == Z_OK ? Z_BUF_ERROR : result }
            }
        }
        if status == -100 { throw WorkbookError.tooLarge(part: part, limit: limit) }
        guard status == Z_STREAM_END else { throw damaged("deflate data of \(part)") }
        return out
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 {
        guard i >= 0, i + 2 <= b.count else { return 0 }
        return UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        guard i >= 0, i + 4 <= b.count else { return 0 }
        return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 {
        UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32
    }
}
