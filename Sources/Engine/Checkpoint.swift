// Writing a checkpoint's files: every collection's CSV file anew (each atomically: a
// temporary file, fsync, rename), then the snapshot that describes them. The CSV files
// are independent, so they are written on both cores, largest first; every column and
// dictionary is read once here first (a snapshot loads them on first use, which is not
// for two threads at once), so the workers only read memory nobody changes.

import Foundation

enum CheckpointFiles {
    /// Writes the CSV file of every table of `store` into `directory`, then the snapshot.
    /// The directory itself is not synced (the caller does, once).
    static func write(_ store: Store, directory: String) throws {
        let writers = store.tables.map { IndexBox(CSVRowWriter($0, store: store)) }
        defer { for writer in writers { writer.value.deallocate() } }
        let order = store.tables.indices.sorted { estimatedBytes(store.tables[$0]) > estimatedBytes(store.tables[$1]) }
        let failure = FirstError()
        let jobs = order.map { i in
            UncheckedSendable({
                let path = directory + "/\(store.tables[i].name).csv"
                do {
                    try DatasetWriter.writeAtomicallyBytes(to: path, syncDirectory: false) { sink in try writers[i].value.write(to: sink) }
                } catch {
                    failure.record(error)
                }
            })
        }
        let queue = JobQueue(count: jobs.count)
        let workers = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let next = queue.take() { jobs[next].value() }
        }
        if let error = failure.error { throw error }
        // The snapshot, after the files it describes. It only makes loading faster: if it
        // cannot be written, loads read the CSV files (an old snapshot no longer matches
        // them) and the checkpoint goes on.
        do {
            try Snapshot.write(store, directory: directory, syncDirectory: false)
        } catch {
            unlink(Snapshot.path(in: directory))
        }
    }

    /// About how many bytes a table's CSV file takes, to start the largest first.
    static func estimatedBytes(_ table: Table) -> Int { table.rowCount * max(table.columns.count, 1) }
}

/// The first error of several jobs.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?
    var error: Error? { lock.withLock { first } }
    func record(_ error: Error) { lock.withLock { if first == nil { first = error } } }
}
