import CSystem
import Foundation

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

/// Copies a live database into a new file, consistent as of one moment.
///
/// Why this shape (numbers in docs/ARCHITECTURE.md and docs/BENCHMARKS.md): a write by
/// another connection restarts a stepped backup from page 1, so under a busy POS a naive
/// loop never ends.
/// - WAL: through the online backup API, with a read transaction held across all steps
///   pinning one snapshot; the writer keeps committing into the WAL and never waits on us.
/// - Rollback journal: any read transaction blocks writers, so we first try the backup
///   API in small steps with the lock released in between (stalls of a few ms). After
///   `maxRestarts` restarts we copy the file's raw bytes through SQLite's own file
///   handle (`SQLiteMainFile`), then re-read and patch them under one SHARED lock: the
///   writers wait for one read of the file from the page cache (measured at 1 GiB: 3.1 s
///   through the backup API under one read transaction, 0.25 s this way).
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
    /// Pages per step of a polite copy (under a pinned snapshot, and in its writeback
    /// after): one writeback chunk, so each chunk is flushed and paused for on its own.
    static func politeStepPages(pageSize: Int64) -> Int32 {
        Int32(max(1, WritebackPacer.politeChunkBytes / max(1, pageSize)))
    }
    /// Restarts tolerated before switching to the raw snapshot copy (negative: go raw at
    /// once, without trying the stepped copy).
    var maxRestarts = 2
    /// Bytes per read and write of the raw snapshot copy: big enough that syscalls cost
    /// nothing next to the copying, small enough to stay out of the memory budget.
    var rawChunkBytes = 1 << 20
    /// Start writeback of the copy every this many bytes, so the kernel never holds a
    /// whole database's worth of dirty pages whose flush the POS's own fsync would queue behind.
    var writebackEveryBytes: Int64 = 32 << 20
    var pace: CopyPace = .full
    /// Called instead of sleeping at each polite pause (tests look at the copy then).
    var pauseHook: ((Double) -> Void)? = nil

    func copy(source: String, destination: String,
              progress: ((Int64, Int64) -> Void)?,
              cancellation: CancellationFlag?) throws -> CopyReport {
        let started = Date()
        let src = try SQLiteConnection(path: source, mode: sourceMode, busyTimeoutMs: busyTimeoutMs)
        // Touch the schema so a non-database or encrypted file fails here, before any file is created.
        let journalMode = (try src.optionalText("PRAGMA journal_mode") ?? "delete").lowercased()
        _ = try src.int64("SELECT count(*) FROM sqlite_schema")
        let pageSize = try src.int64("PRAGMA page_size")

        // Opened before anything is copied and closed last, after every connection to the
        // destination is gone, so closing it cannot drop SQLite's locks.
        let flusher = WritebackPacer(path: destination, everyBytes: pace == .polite ? WritebackPacer.politeChunkBytes : writebackEveryBytes,
                                     polite: pace == .polite)
        defer { flusher.close() }
        flusher.pageSize = pageSize
        if let pauseHook { flusher.sleep = pauseHook }

        var report = try copyThroughBackupAPI(src: src, destination: destination, journalMode: journalMode,
                                              flusher: flusher, progress: progress, cancellation: cancellation)
        if report.strategy == .rollbackSnapshot {
            let raw = try copyRawUnderSharedLock(src: src, destination: destination, flusher: flusher,
                                                 progress: progress, cancellation: cancellation)
            report.longestWriterHoldMs = max(report.longestWriterHoldMs, raw.holdMs)
            report.userVersion = raw.userVersion
            report.applicationId = raw.applicationId
        }
        let dst = try SQLiteConnection(path: destination, mode: .readWrite, busyTimeoutMs: busyTimeoutMs)
        report.pageCount = try dst.int64("PRAGMA page_count")
        report.pageSize = try dst.int64("PRAGMA page_size")
        if pace == .polite && report.strategy == .walSnapshot {
            // The snapshot is released: now the copy goes to the disk, chunk by chunk, politely.
            // (A raw rollback copy was written back politely in its unlocked pass.) Before
            // the journal mode changes below: that change syncs the whole file, and with
            // the copy still dirty it was one 200 MB flush under the POS's commits (a
            // 170 ms commit, measured at 200 MB with the writer's slow-commit log).
            var done: Int64 = 0
            while done < report.pageCount {
                if cancellation?.isCancelled == true { throw BackupError.cancelled }
                done = min(report.pageCount, done + Int64(Self.politeStepPages(pageSize: pageSize)))
                flusher.progress(pagesDone: done)
            }
            flusher.flushRest(pagesDone: report.pageCount)
        }
        if journalMode == "wal" {
            // A copy of a WAL database is itself marked WAL; make it one self-contained file.
            try dst.execute("PRAGMA journal_mode=DELETE")
        }
        report.seconds = Date().timeIntervalSince(started)
        report.pauses = flusher.pauses
        report.pausedSeconds = flusher.pausedSeconds
        return report
    }

    /// The backup API part: the whole copy in WAL mode or when the stepped rollback copy
    /// finishes; otherwise stops after `maxRestarts` and returns strategy
    /// `.rollbackSnapshot` with nothing kept (the destination is rewritten raw).
    private func copyThroughBackupAPI(src: SQLiteConnection, destination: String, journalMode: String,
                                      flusher: WritebackPacer, progress: ((Int64, Int64) -> Void)?,
                                      cancellation: CancellationFlag?) throws -> CopyReport {
        let dst = try SQLiteConnection(path: destination, mode: .create, busyTimeoutMs: busyTimeoutMs)
        // We fsync the finished file ourselves; syncs inside the copy would only slow it.
        try dst.execute("PRAGMA synchronous=OFF")
        let backup = try SQLiteBackup(from: src, to: dst)
        let wal = journalMode == "wal"
        var restarts = 0
        var longestHold = 0.0
        var userVersion: Int64 = 0
        var applicationId: Int64 = 0
        if wal {
            try src.execute("BEGIN")
            // A read inside the transaction pins the snapshot the copy is taken from.
            userVersion = try src.int64("PRAGMA user_version")
            applicationId = try src.int64("PRAGMA application_id")
        }
        defer { if wal { try? src.execute("COMMIT") } }

        var gaveUp = false
        // No pause between rollback steps: a writer that wants to commit holds PENDING,
        // which makes our next step fail with BUSY, so it always gets in after one step.
        do {
            try backup.run(policy: .init(busyTimeoutMs: busyTimeoutMs, contended: .source),
                       pages: { wal ? (pace == .polite ? Self.politeStepPages(pageSize: flusher.pageSize) : snapshotStepPages) : optimisticStepPages }) { step in
            if cancellation?.isCancelled == true { throw BackupError.cancelled }
            if !wal {
                longestHold = max(longestHold, step.seconds * 1000)
                if step.restarted { restarts += 1 }
                if restarts > maxRestarts { throw StopStepping() }
            }
            progress?(step.done, step.total)
            // A polite WAL copy writes into the page cache only while its snapshot is
            // pinned (the longer the pin, the bigger the catch-up checkpoint the POS pays
            // for after it) and is written back politely once the snapshot is released.
            if !(wal && pace == .polite) { flusher.progress(pagesDone: step.done) }
            }
        } catch is StopStepping {
            gaveUp = true
        }
        if gaveUp {
            // Unfinished: SQLite rolls the destination back; the raw copy rewrites the file.
            return CopyReport(pageCount: 0, pageSize: 0, sourceJournalMode: journalMode, userVersion: 0, applicationId: 0,
                              strategy: .rollbackSnapshot, restarts: restarts, longestWriterHoldMs: longestHold, seconds: 0)
        }
        try backup.finish()
        if wal {
            try? src.execute("COMMIT")
            if pace == .polite { checkpointForTheWriter(src.path) }
        } else {
            userVersion = try src.int64("PRAGMA user_version")
            applicationId = try src.int64("PRAGMA application_id")
        }
        return CopyReport(pageCount: 0, pageSize: 0, sourceJournalMode: journalMode,
                          userVersion: userVersion, applicationId: applicationId,
                          strategy: wal ? .walSnapshot : .rollbackStepped, restarts: restarts,
                          longestWriterHoldMs: wal ? 0 : longestHold, seconds: 0)
    }

    /// Thrown from a step to leave the backup API loop for the raw copy.
    private struct StopStepping: Error {}

    /// Rollback mode under a busy writer, in two passes over the file's raw bytes, read
    /// through SQLite's own handle:
    /// 1. with no lock, the whole file is copied (not consistent: writers go on);
    /// 2. under one SHARED lock, each chunk is read again and compared with the copy, and
    ///    only chunks that changed meanwhile are written; then the lock is released.
    /// The writers wait only for pass 2, about one read of the file from the page cache.
    /// Why not one locked copy: writing a gigabyte of new pages costs whatever the machine
    /// charges for fresh memory (on this VM 4 s at 1 GiB after a quiet minute against
    /// 0.5 s when warm, see docs/BENCHMARKS.md); pass 1 pays that with nobody waiting.
    private func copyRawUnderSharedLock(src: SQLiteConnection, destination: String, flusher: WritebackPacer,
                                        progress: ((Int64, Int64) -> Void)?,
                                        cancellation: CancellationFlag?) throws -> (holdMs: Double, userVersion: Int64, applicationId: Int64) {
        // A new file: the stepped attempt's was rolled back. No connection of ours has the
        // destination open any more, so replacing it cannot drop a lock.
        try FileSystem.remove(destination)
        try FileSystem.createPrivateFile(destination)
        flusher.reopen()
        let out = try FileSystem.openNoFollow(destination, O_RDWR)
        defer { close(out) }
        let chunkBytes = rawChunkBytes
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 4096)
        let copied = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 4096)
        defer { buffer.deallocate(); copied.deallocate() }
        let file = try SQLiteMainFile(src)
        let pageSize = flusher.pageSize

        // Pass 1, no lock. The size may change under us; pass 2 settles it.
        let roughSize = try file.size()
        var offset: Int64 = 0
        while offset < roughSize {
            if cancellation?.isCancelled == true { throw BackupError.cancelled }
            let n = Int(min(Int64(chunkBytes), roughSize - offset))
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
            // A read past a shrinking end is short; the locked pass rewrites that range.
            guard (try? file.read(into: chunk, at: offset)) != nil else { break }
            try FileSystem.writeAll(out, UnsafeRawPointer(chunk.baseAddress!), n, path: destination, at: offset)
            offset += Int64(n)
            progress?(offset / pageSize / 2, roughSize / pageSize)
            // No lock is held: the copy goes to the disk as it grows, politely when asked
            // (pauses included), so the fsync after the locked pass has little left to do.
            flusher.progress(pagesDone: offset / pageSize, keepCached: true)
        }

        try src.execute("BEGIN")
        var inTransaction = true
        defer { if inTransaction { try? src.execute("COMMIT") } }
        // The first read takes SHARED (rolling back a hot journal first, when allowed).
        let userVersion = try src.int64("PRAGMA user_version")
        let applicationId = try src.int64("PRAGMA application_id")
        let holdStarted = Date()
        // Pass 2, under SHARED: no writer can change the file until COMMIT.
        let size = try file.size()
        offset = 0
        while offset < size {
            if cancellation?.isCancelled == true { throw BackupError.cancelled }
            let n = Int(min(Int64(chunkBytes), size - offset))
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
            try file.read(into: chunk, at: offset)
            let had = offset < roughSize ? try FileSystem.readUpTo(out, into: UnsafeMutableRawBufferPointer(rebasing: copied[0..<n]), at: offset, path: destination) : 0
            if had < n || memcmp(chunk.baseAddress!, copied.baseAddress!, n) != 0 {
                try FileSystem.writeAll(out, UnsafeRawPointer(chunk.baseAddress!), n, path: destination, at: offset)
            }
            offset += Int64(n)
            progress?((size + offset) / pageSize / 2, size / pageSize)
        }
        if ftruncate(out, off_t(size)) != 0 { throw BackupError.io(operation: "truncate", path: destination, errno: errno) }
        try src.execute("COMMIT")
        inTransaction = false
        return (Date().timeIntervalSince(holdStarted) * 1000, userVersion, applicationId)
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
