import CSystem
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

/// How a copy shares the disk with the POS.
public enum CopyPace: String, Codable, Sendable {
    /// As fast as the disk allows: someone is waiting (a person pressed `c`, an app updater).
    case full
    /// Writer-friendly: nobody waits for a scheduled backup, so it leaves the disk to the
    /// POS's commits (see `WritebackPacer`) and lowers its own I/O priority.
    case polite
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
    /// Pauses a polite copy made for the POS, and their total length.
    var pauses: Int = 0
    var pausedSeconds: Double = 0
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
    /// Pages per step of a polite copy under a pinned snapshot: one writeback chunk, so
    /// each chunk is flushed and paused for on its own.
    var politeStepPages: Int32 = 1024
    /// Restarts tolerated before switching to the snapshot copy.
    var maxRestarts = 2
    /// Start writeback of the copy every this many bytes, so the kernel never holds a
    /// whole database's worth of dirty pages whose flush the POS's own fsync would queue behind.
    var writebackEveryBytes: Int64 = 32 << 20
    var pace: CopyPace = .full

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
        let flusher = WritebackPacer(path: destination, everyBytes: pace == .polite ? WritebackPacer.politeChunkBytes : writebackEveryBytes,
                                     polite: pace == .polite)
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
                       pages: { inSnapshot ? (pace == .polite ? politeStepPages : snapshotStepPages) : optimisticStepPages }) { step in
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
            // A rollback-mode snapshot holds the POS's writers off: no pause, no waiting then.
            // A polite WAL copy writes into the page cache only while its snapshot is pinned
            // (the longer the pin, the bigger the catch-up checkpoint the POS pays for after
            // it) and is written back politely once the snapshot is released.
            if !(pace == .polite && strategy == .walSnapshot) {
                flusher.progress(pagesDone: step.done, writersHeld: inSnapshot && strategy != .walSnapshot)
            }
        }
        try backup.finish()
        if inSnapshot {
            if strategy != .walSnapshot {
                longestHold = max(longestHold, Date().timeIntervalSince(holdStarted) * 1000)
            }
            inSnapshot = false
            try? src.execute("COMMIT")
            if pace == .polite && strategy == .walSnapshot {
                checkpointForTheWriter(source)
            }
        } else {
            userVersion = try src.int64("PRAGMA user_version")
            applicationId = try src.int64("PRAGMA application_id")
        }
        // A copy of a WAL database is itself marked WAL; make it one self-contained file.
        try dst.execute("PRAGMA journal_mode=DELETE")
        if pace == .polite && strategy == .walSnapshot {
            // The snapshot is released: now the copy goes to the disk, chunk by chunk, politely.
            let pages = try dst.int64("PRAGMA page_count")
            var done: Int64 = 0
            while done < pages {
                if cancellation?.isCancelled == true { throw BackupError.cancelled }
                done = min(pages, done + Int64(politeStepPages))
                flusher.progress(pagesDone: done)
            }
            flusher.flushRest(pagesDone: pages)
        }
        let pageCount = try dst.int64("PRAGMA page_count")
        let pageSize = try dst.int64("PRAGMA page_size")
        return CopyReport(pageCount: pageCount, pageSize: pageSize, sourceJournalMode: journalMode,
                          userVersion: userVersion, applicationId: applicationId,
                          strategy: strategy, restarts: restarts,
                          longestWriterHoldMs: strategy == .walSnapshot ? 0 : longestHold,
                          seconds: Date().timeIntervalSince(started), pauses: flusher.pauses, pausedSeconds: flusher.pausedSeconds)
    }
}

extension HotCopy {
    /// While the copy's snapshot was pinned, the POS's WAL could not be reset and grew; the
    /// first commit after it would run the whole catch-up checkpoint inside the POS's own
    /// commit (measured: a 200-250 ms commit after a polite 1 GiB copy). A passive
    /// checkpoint from here does that work instead, without blocking the writer. Skipped
    /// when this user may not write the database (the POS then checkpoints as before).
    func checkpointForTheWriter(_ source: String) {
        guard Ownership.canWrite(source), let db = try? SQLiteConnection(path: source, mode: .readWrite, busyTimeoutMs: 50) else { return }
        _ = try? db.optionalText("PRAGMA wal_checkpoint(PASSIVE)")
    }
}

/// Starts kernel writeback of the copy as it grows, instead of leaving it all dirty for one
/// big fsync at the end: on ext4 a commit's fsync in the POS can otherwise wait behind our
/// whole backup being flushed.
///
/// Full pace: `posix_fadvise(DONTNEED)` on each 32 MiB starts asynchronous writeback and
/// does not wait. Polite pace: each 4 MiB chunk is written back and waited for
/// (`sync_file_range`), then the copy pauses for twice as long as that took: the slower
/// the disk is right now, the longer the POS has it to itself (a duty cycle of at most a
/// third, driven by measurement). No pause while a rollback-mode snapshot holds the
/// writers off: there the pause would be the POS's wait.
///
/// The descriptor is closed only after the destination connection is gone (the caller's
/// `defer` runs after `dst` is released), so closing it cannot drop SQLite's locks.
/// Owned by the copying thread.
final class WritebackPacer {
    /// 4 MiB: measured against 1 MiB and 256 KiB at 200 MB, smaller chunks made the writer's
    /// worst commit 2-3x slower (100-160 ms against 35-50 ms), p99 no better.
    static let politeChunkBytes: Int64 = 4 << 20
    /// The pause after each polite chunk: this many times its writeback time, within bounds.
    static let pauseFactor = 2.0
    static let pauseBounds: ClosedRange<Double> = 0.002...0.25

    private let fd: Int32
    private let everyBytes: Int64
    private let polite: Bool
    private var lastFlushed: Int64 = 0
    var pageSize: Int64 = 4096
    private(set) var pauses = 0
    private(set) var pausedSeconds = 0.0
    /// How a pause is slept (tests count them instead).
    var sleep: (Double) -> Void = { usleep(useconds_t($0 * 1e6)) }

    init(path: String, everyBytes: Int64, polite: Bool = false) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        self.everyBytes = everyBytes
        self.polite = polite
    }

    func progress(pagesDone: Int64, writersHeld: Bool = false) {
        guard fd >= 0 else { return }
        let bytes = pagesDone * pageSize
        if bytes < lastFlushed { lastFlushed = 0 }   // the copy restarted from page 1
        guard bytes - lastFlushed >= everyBytes else { return }
        if polite && !writersHeld {
            let started = DispatchTime.now().uptimeNanoseconds
            _ = mr5_sync_range(fd, lastFlushed, bytes - lastFlushed)
            let took = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let pause = Self.pause(afterWriteback: took)
            sleep(pause)
            pauses += 1
            pausedSeconds += pause
        } else {
            _ = posix_fadvise(fd, off_t(lastFlushed), off_t(bytes - lastFlushed), Int32(POSIX_FADV_DONTNEED))
        }
        lastFlushed = bytes
    }

    /// Twice the writeback time, at least 2 ms (the POS gets a turn even on a fast disk)
    /// and at most 250 ms (a slow disk must not stretch a backup without end).
    static func pause(afterWriteback seconds: Double) -> Double {
        min(pauseBounds.upperBound, max(pauseBounds.lowerBound, seconds * pauseFactor))
    }

    /// Writes back what is left below one chunk, politely too.
    func flushRest(pagesDone: Int64) {
        guard polite, fd >= 0, pagesDone * pageSize > lastFlushed else { return }
        let bytes = pagesDone * pageSize
        _ = mr5_sync_range(fd, lastFlushed, bytes - lastFlushed)
        lastFlushed = bytes
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
    }
}
