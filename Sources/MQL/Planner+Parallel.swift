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

    /// Runs `body` on each of `0..<count` on every core, items taken in turn.
    static func each(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1, cores > 1 else { for i in 0..<count { body(i) }; return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: count) { i in box.value(i) }
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

extension Parallel {
    /// TUNING: the stack of a thread of `onThreads`: planning and evaluating recurse as deep
    /// as chains of defines go (`DefineNesting.limit`), which the main thread's 8 MB holds
    /// and a dispatch worker's smaller stack may not.
    static let threadStackSize = 16 << 20

    /// Runs `body(worker)` for each worker of `0..<workers` at once — worker 0 on the
    /// calling thread, each other on a thread of its own — and returns when all are done.
    /// What the workers share is the caller's to make safe to share.
    static func onThreads(_ workers: Int, _ body: @escaping (Int) -> Void) {
        guard workers > 1 else { body(0); return }
        // Unchecked: `body` is called once per worker, on distinct worker numbers, while
        // this function waits for all of them; the caller vouches for what it captures.
        let box = UncheckedBox(body)
        let done = DispatchGroup()
        for worker in 1..<workers {
            done.enter()
            let thread = Thread {
                box.value(worker)
                done.leave()
            }
            thread.stackSize = threadStackSize
            thread.start()
        }
        body(0)
        done.wait()
    }
}

/// Work of the executable split over the cores: `mql check` writes the lines of its
/// report so (hundreds of thousands at a million children).
public enum ParallelPieces {
    /// `body` on pieces of `0..<count` at once — on every core when `total` (the size of
    /// the whole job `count` is part of) is large — its results in range order. `body`
    /// may only read what it shares (columns already read: see `Session.rowDescriber`).
    public static func map<T>(_ count: Int, total: Int, _ body: (Range<Int>) -> T) -> [T] {
        let workers = total >= Parallel.minimumItems ? min(Parallel.cores, max(1, count)) : 1
        return Parallel.map(Parallel.ranges(count, workers: workers), body)
    }

    /// How many items to hand to `map` at a time: enough for each core to take a piece of
    /// about `perCore` items.
    public static func block(perCore: Int) -> Int { perCore * Parallel.cores }
}

/// A value handed to the workers of `Parallel`, which only read it (or write disjoint parts).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
