import CSQLite
import Foundation

/// How a copy was taken; recorded with each backup and explained in docs/ARCHITECTURE.md.
public enum CopyStrategy: String, Codable, Sendable {
    /// WAL source: one read transaction pins a snapshot for the whole copy; writers go on.
    case walSnapshot = "wal-snapshot"
    /// Rollback source: stepped copy with the lock released between steps; finished
    /// without being restarted by a writer.
    case rollbackStepped = "rollback-stepped"
    /// Rollback source: writers restarted the stepped copy too often, so the rest was
    /// copied under one read transaction (writers wait for that long).
    case rollbackSnapshot = "rollback-snapshot"
}

/// What one copy through the backup API did.
struct CopyReport {
    var pageCount: Int64
    var pageSize: Int64
    var sourceJournalMode: String
    var userVersion: Int64
    var applicationId: Int64
    var strategy: CopyStrategy
    var restarts: Int
    /// The longest time this copy held a lock that blocks writers (0 in WAL mode, where it never does).
    var longestWriterHoldMs: Double
    var seconds: Double
}

/// Copies a live database into a new file through SQLite's online backup API.
///
/// Why this shape (numbers in docs/ARCHITECTURE.md): a write by another connection
/// restarts a stepped backup from page 1, so under a busy POS a naive loop never ends.
/// - WAL: a read transaction held across all steps pins one snapshot; the writer keeps
///   committing into the WAL and never waits on us.
/// - Rollback journal: any read transaction blocks writers, so we first try small steps
///   with the lock released in between (stalls of a few ms); after `maxRestarts`
///   restarts we copy the remainder under one read transaction, bounding the stall to one
///   whole-file copy.
struct HotCopy {
    var busyTimeoutMs: Int32 = 30_000
    /// Pages per step while a snapshot is pinned (progress granularity only).
    var snapshotStepPages: Int32 = 4096
    /// Pages per step in the optimistic rollback phase: short enough that a writer waits
    /// only a few milliseconds behind one step.
    var optimisticStepPages: Int32 = 256
    /// Restarts tolerated before switching to the snapshot copy.
    var maxRestarts = 2
    /// Pause between optimistic steps so a waiting writer gets the lock.
    var optimisticPauseMicros: UInt32 = 500

    func copy(source: String, destination: String,
              progress: ((Int64, Int64) -> Void)?,
              cancellation: CancellationFlag?) throws -> CopyReport {
        let started = Date()
        let src = try SQLiteDatabase(path: source, mode: .readOnly, busyTimeoutMs: busyTimeoutMs)
        // Touch the schema so a non-database or encrypted file fails here, before any file is created.
        let journalMode = (try src.scalarText("PRAGMA journal_mode") ?? "delete").lowercased()
        _ = try src.scalarInt("SELECT count(*) FROM sqlite_schema")

        let dst = try SQLiteDatabase(path: destination, mode: .create, busyTimeoutMs: busyTimeoutMs)
        // We fsync the finished file ourselves; syncs inside the copy would only slow it.
        try dst.execute("PRAGMA synchronous=OFF")

        guard let backup = sqlite3_backup_init(dst.handle, "main", src.handle, "main") else {
            throw dst.lastError(sqlite3_errcode(dst.handle))
        }
        var finished = false
        defer { if !finished { sqlite3_backup_finish(backup) } }

        var strategy: CopyStrategy = journalMode == "wal" ? .walSnapshot : .rollbackStepped
        var restarts = 0
        var longestHold = 0.0
        var inSnapshot = false
        var holdStarted = Date()
        var userVersion: Int64 = 0
        var applicationId: Int64 = 0

        func beginSnapshot() throws {
            try src.execute("BEGIN")
            // A read inside the transaction takes the snapshot (WAL) or SHARED lock (rollback).
            userVersion = try src.scalarInt("PRAGMA user_version")
            applicationId = try src.scalarInt("PRAGMA application_id")
            inSnapshot = true
            holdStarted = Date()
        }

        if strategy == .walSnapshot { try beginSnapshot() }
        var previousRemaining = Int32.max
        var busySince: Date?

        while true {
            if cancellation?.isCancelled == true {
                if inSnapshot { try? src.execute("COMMIT") }
                throw BackupError.cancelled
            }
            let stepStarted = Date()
            let rc = sqlite3_backup_step(backup, inSnapshot ? snapshotStepPages : optimisticStepPages)
            if !inSnapshot {
                longestHold = max(longestHold, Date().timeIntervalSince(stepStarted) * 1000)
            }
            let remaining = sqlite3_backup_remaining(backup)
            let total = sqlite3_backup_pagecount(backup)
            if rc == SQLITE_DONE {
                progress?(Int64(total), Int64(total))
                break
            }
            if rc == SQLITE_OK {
                busySince = nil
                if remaining > previousRemaining && !inSnapshot {
                    restarts += 1
                    if restarts > maxRestarts {
                        strategy = .rollbackSnapshot
                        try beginSnapshot()
                    }
                }
                previousRemaining = remaining
                progress?(Int64(total - remaining), Int64(total))
                if !inSnapshot { usleep(optimisticPauseMicros) }
                continue
            }
            let primary = rc & 0xFF
            if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
                // A writer holds the lock we need for the next step; wait for it, within the busy timeout.
                let since = busySince ?? Date()
                busySince = since
                if Date().timeIntervalSince(since) * 1000 > Double(busyTimeoutMs) {
                    throw BackupError.databaseLocked(path: source, seconds: Int(busyTimeoutMs / 1000))
                }
                usleep(2_000)
                continue
            }
            if primary == SQLITE_FULL { throw BackupError.diskFull(path: destination) }
            throw SQLiteDatabase.error(code: rc, message: String(cString: sqlite3_errstr(rc)), path: source, busyTimeoutMs: busyTimeoutMs)
        }

        finished = true
        let finishRC = sqlite3_backup_finish(backup)
        if inSnapshot {
            if strategy != .walSnapshot {
                longestHold = max(longestHold, Date().timeIntervalSince(holdStarted) * 1000)
            }
            try? src.execute("COMMIT")
        } else {
            userVersion = try src.scalarInt("PRAGMA user_version")
            applicationId = try src.scalarInt("PRAGMA application_id")
        }
        guard finishRC == SQLITE_OK else {
            if finishRC & 0xFF == SQLITE_FULL { throw BackupError.diskFull(path: destination) }
            throw dst.lastError(finishRC)
        }
        // A copy of a WAL database is itself marked WAL; make it one self-contained file.
        try dst.execute("PRAGMA journal_mode=DELETE")
        let pageCount = try dst.scalarInt("PRAGMA page_count")
        let pageSize = try dst.scalarInt("PRAGMA page_size")
        return CopyReport(pageCount: pageCount, pageSize: pageSize, sourceJournalMode: journalMode,
                          userVersion: userVersion, applicationId: applicationId,
                          strategy: strategy, restarts: restarts,
                          longestWriterHoldMs: strategy == .walSnapshot ? 0 : longestHold,
                          seconds: Date().timeIntervalSince(started))
    }
}
