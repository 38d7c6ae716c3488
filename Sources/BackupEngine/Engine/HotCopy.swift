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
    /// Read-only, or read-write (never create) so that SQLite can roll a hot journal back.
    var sourceMode: SQLiteConnection.Mode = .readOnly
    /// Pages per step while a snapshot is pinned (progress granularity only).
    var snapshotStepPages: Int32 = 4096
    /// Pages per step in the optimistic rollback phase (2 MiB at 4 KiB pages, a few ms):
    /// a writer waits at most one step. 2048-page steps were tried: no faster when idle,
    /// and each restart under a writer then wastes more, so the stall grew (benchmark notes).
    var optimisticStepPages: Int32 = 512
    /// Restarts tolerated before switching to the snapshot copy.
    var maxRestarts = 2
    /// Start writeback of the copy every this many bytes, so the kernel never holds a
    /// whole database's worth of dirty pages whose flush the POS's own fsync would queue behind.
    var writebackEveryBytes: Int64 = 32 << 20

    func copy(source: String, destination: String,
              progress: ((Int64, Int64) -> Void)?,
              cancellation: CancellationFlag?) throws -> CopyReport {
        let started = Date()
        let src = try SQLiteConnection(path: source, mode: sourceMode, busyTimeoutMs: busyTimeoutMs)
        // Touch the schema so a non-database or encrypted file fails here, before any file is created.
        let journalMode = (try src.optionalText("PRAGMA journal_mode") ?? "delete").lowercased()
        _ = try src.int64("SELECT count(*) FROM sqlite_schema")

        let dst = try SQLiteConnection(path: destination, mode: .create, busyTimeoutMs: busyTimeoutMs)
        // We fsync the finished file ourselves; syncs inside the copy would only slow it.
        try dst.execute("PRAGMA synchronous=OFF")
        let flusher = WritebackPacer(path: destination, everyBytes: writebackEveryBytes)
        defer { flusher.close() }
        flusher.pageSize = try src.int64("PRAGMA page_size")

        let backup = try SQLiteBackup(from: src, to: dst)
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
            userVersion = try src.int64("PRAGMA user_version")
            applicationId = try src.int64("PRAGMA application_id")
            inSnapshot = true
            holdStarted = Date()
        }
        defer { if inSnapshot { try? src.execute("COMMIT") } }

        if strategy == .walSnapshot { try beginSnapshot() }
        // No pause between steps: a writer that wants to commit holds PENDING, which makes
        // our next step fail with BUSY, so it always gets in after one step.
        try backup.run(policy: .init(busyTimeoutMs: busyTimeoutMs, contended: .source),
                       pages: { inSnapshot ? snapshotStepPages : optimisticStepPages }) { step in
            if cancellation?.isCancelled == true { throw BackupError.cancelled }
            if !inSnapshot { longestHold = max(longestHold, step.seconds * 1000) }
            if step.restarted && !inSnapshot {
                restarts += 1
                if restarts > maxRestarts {
                    strategy = .rollbackSnapshot
                    try beginSnapshot()
                }
            }
            progress?(step.done, step.total)
            flusher.progress(pagesDone: step.done)
        }
        try backup.finish()
        if inSnapshot {
            if strategy != .walSnapshot {
                longestHold = max(longestHold, Date().timeIntervalSince(holdStarted) * 1000)
            }
            inSnapshot = false
            try? src.execute("COMMIT")
        } else {
            userVersion = try src.int64("PRAGMA user_version")
            applicationId = try src.int64("PRAGMA application_id")
        }
        // A copy of a WAL database is itself marked WAL; make it one self-contained file.
        try dst.execute("PRAGMA journal_mode=DELETE")
        let pageCount = try dst.int64("PRAGMA page_count")
        let pageSize = try dst.int64("PRAGMA page_size")
        return CopyReport(pageCount: pageCount, pageSize: pageSize, sourceJournalMode: journalMode,
                          userVersion: userVersion, applicationId: applicationId,
                          strategy: strategy, restarts: restarts,
                          longestWriterHoldMs: strategy == .walSnapshot ? 0 : longestHold,
                          seconds: Date().timeIntervalSince(started))
    }
}

/// Starts kernel writeback of the copy as it grows (`posix_fadvise(DONTNEED)` on a dirty
/// range starts asynchronous writeback and does not wait; `sync_file_range` is not
/// visible from Swift's Glibc module), instead of leaving it all dirty for one big fsync at the end. On ext4 a commit's
/// fsync in the POS can otherwise wait behind our whole backup being flushed.
///
/// The descriptor is closed only after the destination connection is gone (the caller's
/// `defer` runs after `dst` is released), so closing it cannot drop SQLite's locks.
final class WritebackPacer {
    private let fd: Int32
    private let everyBytes: Int64
    private var lastFlushed: Int64 = 0
    var pageSize: Int64 = 4096

    init(path: String, everyBytes: Int64) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        self.everyBytes = everyBytes
    }

    func progress(pagesDone: Int64) {
        guard fd >= 0 else { return }
        let bytes = pagesDone * pageSize
        if bytes < lastFlushed { lastFlushed = 0 }   // the copy restarted from page 1
        if bytes - lastFlushed >= everyBytes {
            _ = posix_fadvise(fd, off_t(lastFlushed), off_t(bytes - lastFlushed), Int32(POSIX_FADV_DONTNEED))
            lastFlushed = bytes
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
    }
}
