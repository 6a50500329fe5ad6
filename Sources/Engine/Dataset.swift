// A dataset directory opened for reading and changing: its store (the CSV files plus the
// journal replayed), the journal, and the steps of a durable change — lock, catch up with
// other writers, append, fsync — and of a checkpoint.

import Foundation

public final class Dataset {
    public let directory: String
    public let journal: Journal
    /// Warnings from loading (a torn journal tail), for stderr.
    public private(set) var warnings: [String] = []

    public init(directory: String) {
        // Paths are built as directory + "/name"; "" would make them absolute.
        self.directory = directory.isEmpty ? "." : directory
        self.journal = Journal(directory: self.directory)
    }

    /// Loads the snapshot when it describes the CSV files as they are, else the CSV files;
    /// then replays the journal.
    public func load() throws -> Store {
        try journal.withCheckpointLock(exclusive: false) {
            let base: Store
            switch Snapshot.open(directory: directory) {
            case .loaded(let store):
                base = store
            case .stale:
                base = try DatasetLoader.load(directory: directory)
            case .damaged(let why):
                warnings.append(EngineMessage.damagedSnapshot(Snapshot.path(in: directory), why))
                base = try DatasetLoader.load(directory: directory)
            }
            let read = journal.read()
            if let warning = read.warning { warnings.append(warning) }
            journal.markConsumed(read)
            return try Self.replay(read.entries, onto: base)
        }
    }

    static func replay(_ entries: [JournalEntry], onto store: Store) throws -> Store {
        guard !entries.isEmpty else { return store }
        var edits: [RowEdit] = []
        for entry in entries { edits += entry.edits + entry.auditEdits }
        do {
            return try store.applying(edits, replaying: true)
        } catch let error as ChangeError {
            throw JournalError(message: EngineMessage.journalDoesNotApply(error.message))
        }
    }

    /// Takes the writer lock and brings `store` up to date with entries other processes
    /// appended since it was loaded.
    public func beginChange(_ store: Store) throws -> Store {
        try journal.lockForWriting()
        let read = journal.read(from: journal.consumed)
        // Another process checkpointed since `store` was loaded: the files now hold what
        // the old journal held (and perhaps more), and the new journal starts afresh.
        if read.replaced {
            do { return try load() } catch {
                journal.unlockWriting()
                throw error
            }
        }
        journal.markConsumed(read)
        return try Self.replay(read.entries, onto: store)
    }

    /// Appends the change to the journal (fsynced) and returns the store with its audit
    /// rows: `store` itself, the rows appended to it, when it can take them so.
    public func commit(_ entry: JournalEntry, changed store: Store) throws -> Store {
        // What the next load would drop as implausible must not be journalled (its change
        // ids could fail to follow only if changes.csv was edited by hand).
        if let why = entry.implausibility(following: journal.consumed > 0 ? journal.lastEntry : nil) {
            throw JournalError(message: EngineMessage.cannotJournal(why))
        }
        try journal.append(entry)
        return try store.addingAuditRows(entry.auditEdits)
    }

    public func endChange() {
        journal.unlockWriting()
    }

    /// Writes every collection's file anew and empties the journal. The caller holds the
    /// writer lock; a crash at any point loses nothing (the journal is emptied only once
    /// every file is in place, and replaying it over new files changes nothing).
    public func checkpoint(_ store: Store) throws {
        try journal.withCheckpointLock(exclusive: true) {
            // The CSV files (on both cores), then the snapshot after the files it describes.
            try CheckpointFiles.write(store, directory: directory)
            try Journal.syncDirectory(directory)
            try journal.reset()
            try journal.startNewChain()
        }
    }

    /// The journal's size, for automatic checkpoints.
    public var journalBytes: Int { journal.consumed }
}
