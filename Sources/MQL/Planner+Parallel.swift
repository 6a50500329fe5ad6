// Both cores for the passes over whole columns that dominate large statements: building a
// condition's bits, numbering groups, aggregating them. Each worker takes one contiguous
// range of rows (whole 64-row words for bits) and keeps its own partial result; partials
// are combined in range order, so every result is exactly the single-threaded one — the
// same bits, the same group numbers (first-seen order), the same sums, or the work is
// redone on one core where that could differ (see `Evaluator`'s grouped aggregates).
// Only loops that read plain arrays run here: closures compiled row by row keep memos and
// caches that are not safe to share, so they stay on the calling thread.

import Foundation

enum Parallel {
    /// Workers for a pass over `count` items: one below `minimumItems`, else the cores.
    static func workers(for count: Int) -> Int {
        guard count >= minimumItems else { return 1 }
        return max(1, min(cores, count / (minimumItems / 2)))
    }

    static let cores = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

    /// TUNING: below this many rows a pass takes well under a millisecond and waking a
    /// second thread costs more than it saves. Tests lower it to run the parallel paths on
    /// small data (`MQL_PARALLEL_MINIMUM`).
    nonisolated(unsafe) static var minimumItems: Int = {
        if let text = ProcessInfo.processInfo.environment["MQL_PARALLEL_MINIMUM"], let n = Int(text), n > 0 { return n }
        return 1 << 17
    }()

    /// The ranges of `0..<count` for `workers` workers, each a multiple of `alignment` long
    /// except the last.
    static func ranges(_ count: Int, workers: Int, alignment: Int = 1) -> [Range<Int>] {
        guard workers > 1 else { return [0..<count] }
        let units = (count + alignment - 1) / alignment
        let per = (units + workers - 1) / workers
        var out: [Range<Int>] = []
        var start = 0
        while start < count {
            let end = min(count, start + per * alignment)
            out.append(start..<end)
            start = end
        }
        return out
    }

    /// Runs `body` on each range at once (on the calling thread when there is one range).
    static func forEach(_ ranges: [Range<Int>], _ body: (Int, Range<Int>) -> Void) {
        if ranges.count == 1 { body(0, ranges[0]); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { i in box.value(i, ranges[i]) }
        }
    }

    /// One result per range, computed at once, in range order.
    static func map<T>(_ ranges: [Range<Int>], _ body: (Range<Int>) -> T) -> [T] {
        if ranges.count == 1 { return [body(ranges[0])] }
        var results = [T?](repeating: nil, count: ranges.count)
        results.withUnsafeMutableBufferPointer { out in
            let slots = UncheckedBox(out)
            withoutActuallyEscaping(body) { body in
                let box = UncheckedBox(body)
                DispatchQueue.concurrentPerform(iterations: ranges.count) { i in slots.value[i] = box.value(ranges[i]) }
            }
        }
        return results.map { $0! }
    }
}

/// A value handed to the workers of `Parallel`, which only read it (or write disjoint parts).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
