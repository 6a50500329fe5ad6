// Cuts a byte stream (stdin as a pipe) into whole statements as they arrive, so each runs
// before the next is read. A statement is complete when the lexer says so
// (`Lexer.isIncomplete`) and the next line does not continue it by indentation; a line
// starting with `.` is a dot command on its own. Chunks keep their first line number so
// errors point into the whole stream.

import Foundation
import MQL

struct StatementStream {
    struct Chunk {
        let bytes: [UInt8]
        let firstLine: Int
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var atEOF = false
    private var lineNumber = 0
    private var pending: [UInt8] = []
    private var pendingFirstLine = 1
    private var lookahead: [UInt8]?

    init(fileDescriptor: Int32) {
        fd = fileDescriptor
    }

    /// The next raw line including its newline, nil at the end.
    private mutating func readLine() -> [UInt8]? {
        if let line = lookahead {
            lookahead = nil
            return line
        }
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[...newline])
                buffer.removeSubrange(...newline)
                return line
            }
            if atEOF {
                if buffer.isEmpty { return nil }
                defer { buffer = [] }
                return buffer
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { atEOF = true } else { buffer.append(contentsOf: chunk[..<n]) }
        }
    }

    private static func isBlank(_ line: [UInt8]) -> Bool {
        for b in line {
            if b == 0x23 { return true }  // a comment line
            if b != 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return false }
        }
        return true
    }

    private static func isIndented(_ line: [UInt8]) -> Bool {
        guard let first = line.first, first == 0x20 || first == 0x09 else { return false }
        return !isBlank(line)
    }

    private static func startsDotCommand(_ line: [UInt8]) -> Bool {
        line.first { $0 != 0x20 && $0 != 0x09 } == 0x2E
    }

    mutating func next() -> Chunk? {
        while let line = readLine() {
            lineNumber += 1
            if pending.isEmpty {
                if Self.isBlank(line) { continue }
                pendingFirstLine = lineNumber
                if Self.startsDotCommand(line) { return Chunk(bytes: line, firstLine: lineNumber) }
                pending = line
            } else {
                pending += line
            }
            if Lexer.isIncomplete(String(decoding: pending, as: UTF8.self)) { continue }
            // Complete so far: it still goes on if the next line is indented.
            guard let next = readLine() else { break }
            if Self.isIndented(next) {
                lookahead = next
                continue
            }
            lookahead = next
            defer { pending = [] }
            return Chunk(bytes: pending, firstLine: pendingFirstLine)
        }
        guard !pending.isEmpty else { return nil }
        defer { pending = [] }
        return Chunk(bytes: pending, firstLine: pendingFirstLine)
    }
}
