// The statement cache: queries and counts already checked, by their text. A script or a
// program that runs the same statement again (a form refreshing its list, the second pass
// of a benchmark) skips checking it — name resolution, types, the define trees it reads —
// and goes straight to planning and running it. SQLite's Python module keeps prepared
// statements the same way (128 of them).
//
// What a checked query depends on, and so what empties the cache:
// - the rules (defines, params): the catalog's `version`, part of the cache's stamp;
// - the data and its shape: the checker reads column dictionaries (the warning for a value
//   no row holds; whether a bare word is a column value), so any assignment of the
//   session's store, and any statement other than a query or count (a change, even one
//   made in place on the same store; begin/commit/rollback; a define or param), empties it;
// - today's date: part of the stamp. An entry is kept under one stamp only; another empties the cache.
// Plans are not kept: a plan captures the columns as they are and the indexes built so far
// (a sorted index built on first use, a posting list), so each run plans afresh. The one
// exception is a key lookup (`KeyLookup`), which keeps only what it asks for (ids, fields)
// and finds the rows and columns in the store each time.
//
// Only statements that checked cleanly are kept. One whose check failed is checked again
// each time (it reports the same errors, positioned at itself); one that drew a warning is
// checked again too, so the warning is shown each time it runs, positioned at it.
//
// A kept query's ranges point into the statement that was checked first. A fault found
// while running it (an overflow) is moved onto the statement being run: same offset from
// the statement's start, in its file.

import Engine

final class StatementCache {
    /// TUNING: as many statements as SQLite's Python module keeps prepared; a script that
    /// cycles through more is one a cache of this kind does not help.
    static let capacity = 128

    struct Stamp: Equatable {
        let catalog: ObjectIdentifier
        let catalogVersion: Int
        let today: Int32
    }

    /// A class, so that a lookup marks its use without storing the entry again.
    final class Entry {
        let query: TQuery
        /// The file and start of the statement the query was checked as.
        let file: SourceFile
        let start: Int
        var lastUse: Int
        /// The key lookup the query is (`KeyLookup`), planned when the entry is made (so a
        /// run again pays for nothing but the lookup); nil when it is not one.
        var keyLookup: KeyLookup?

        init(query: TQuery, file: SourceFile, start: Int, lastUse: Int) {
            self.query = query
            self.file = file
            self.start = start
            self.lastUse = lastUse
        }
    }

    private var entries: [String: Entry] = [:]
    private var clock = 0
    /// Lookups that found a valid entry, and entries stored (read by tests).
    private(set) var hits = 0
    private(set) var stores = 0
    /// Statements answered as key lookups (`KeyLookup`; read by tests).
    var keyLookupRuns = 0

    var count: Int { entries.count }

    /// The stamp every entry was made under: another one empties the cache (its entries
    /// could never be used again, and they hold the defines of an older catalog).
    private var stamp: Stamp?

    private func adopt(_ stamp: Stamp) {
        if self.stamp != stamp {
            removeAll()
            self.stamp = stamp
        }
    }

    func lookup(_ text: String, stamp: Stamp) -> Entry? {
        adopt(stamp)
        guard let entry = entries[text] else { return nil }
        clock += 1
        entry.lastUse = clock
        hits += 1
        return entry
    }

    @discardableResult
    func store(_ text: String, query: TQuery, file: SourceFile, start: Int, stamp: Stamp) -> Entry {
        adopt(stamp)
        if entries.count >= Self.capacity, entries[text] == nil,
           let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries[oldest] = nil
        }
        clock += 1
        let entry = Entry(query: query, file: file, start: start, lastUse: clock)
        entries[text] = entry
        stores += 1
        return entry
    }

    func removeAll() {
        if !entries.isEmpty { entries.removeAll(keepingCapacity: true) }
    }
}

extension StatementCache.Entry {
    /// `error` with every diagnostic inside the cached statement moved onto `statement`.
    func rebased(_ error: DiagnosticError, onto statement: Statement) -> DiagnosticError {
        guard file !== statement.file || start != statement.range.start else { return error }
        return DiagnosticError(error.diagnostics.map { d in
            guard d.file === file else { return d }
            let shift = statement.range.start - start
            return Diagnostic(statement.file, SourceRange(d.range.start + shift, d.range.end + shift), d.message, severity: d.severity)
        })
    }
}

extension Session {
    var statementStamp: StatementCache.Stamp {
        StatementCache.Stamp(catalog: ObjectIdentifier(catalog), catalogVersion: catalog.version, today: today)
    }

    /// The checked query of a query or count statement: from the cache when the same text
    /// was checked cleanly under the same rules and data, else checked now (and kept when
    /// it drew no warning). The entry says which file the query's ranges point into.
    func checkCached(_ q: Query, statement: Statement) throws -> (TQuery, StatementCache.Entry?) {
        guard useStatementCache else { return (try check(q, file: statement.file), nil) }
        let text = statement.file.text(of: statement.range)
        let stamp = statementStamp
        if let entry = statementCache.lookup(text, stamp: stamp) { return (entry.query, entry) }
        let warningsBefore = warnings.count
        let checked = try check(q, file: statement.file)
        if warnings.count == warningsBefore {
            let entry = statementCache.store(text, query: checked, file: statement.file, start: statement.range.start, stamp: stamp)
            entry.keyLookup = KeyLookup.make(checked, store: store) { evaluator(statement.file).columns(checked) }
        }
        return (checked, nil)
    }

    /// Runs a cached query's evaluation with its faults moved onto `statement`.
    func runningCached<T>(_ entry: StatementCache.Entry?, _ statement: Statement, _ body: () throws -> T) throws -> T {
        guard let entry else { return try body() }
        do {
            return try EvaluationFaults.checking(entry.file, SourceRange(entry.start, entry.start + statement.range.end - statement.range.start), body)
        } catch let error as DiagnosticError {
            throw entry.rebased(error, onto: statement)
        }
    }
}
