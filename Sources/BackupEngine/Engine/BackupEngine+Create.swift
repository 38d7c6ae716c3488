import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension BackupEngine {
    /// Makes a backup now: copy through the backup API into a hidden temp file, fsync,
    /// verify (quick_check, row counts, SHA-256), record metadata, rename into place,
    /// fsync the folder, then apply retention.
    /// `pace`: `.polite` for backups nobody waits for (the scheduler's, `create --nice`).
    public func createBackup(kind: BackupKind = .manual, trigger: Trigger = .cli, appVersion: String? = nil,
                             lockWait: TimeInterval = 0, pace: CopyPace = .full,
                             progress: ProgressHandler? = nil,
                             cancellation: CancellationFlag? = nil) throws -> CreateResult {
        let operation: HistoryEntry.Operation = kind == .preUpdate ? .preUpdate : .create
        return try recorded(operation, trigger: trigger, kind: kind, failureLog: "Backup failed: ") { run in
            guard kind != .legacySQL else { throw BackupError.legacyKindNotCreatable }
            if kind == .preUpdate {
                guard let appVersion else { throw BackupError.appVersionRequired }
                try BackupName.validateAppVersion(appVersion)
            }
            if case .damaged(let findings) = try requireDatabaseFile() {
                throw BackupError.liveDatabaseDamaged(path: layout.databasePath, findings: findings)
            }
            try requireWritable([layout.directory(for: kind), layout.metaDir])
            notifier.attemptStarted(trigger: trigger)
            let info = try withHotJournalAdvice { try databaseInfo(rollingBack: true) }
            guard info.pageCount > 0 else {
                // SQLite reads a zero-length file as an empty database; backing it up would
                // make "verified" backups of nothing that retention then keeps instead of real ones.
                throw BackupError.emptyDatabase(path: layout.databasePath)
            }
            try run.takeLock(wait: lockWait)
            let result = try performCreate(kind: kind, appVersion: appVersion, info: info, run: run, pace: pace,
                                           progress: progress, cancellation: cancellation)
            record(run.entry(outcome: .success, backupName: result.entry.name, kind: kind, sizeBytes: result.entry.sizeBytes,
                             durationSeconds: result.record.durationSeconds,
                             message: "verified, \(result.record.tables.reduce(0) { $0 + $1.rows }) rows in \(result.record.tables.count) tables"))
            logger.info("Backup completed successfully: \(result.entry.name) (\(ByteCount.format(result.entry.sizeBytes)), \(String(format: "%.1f", result.record.durationSeconds)) s)")
            for name in result.pruned { logger.info("Retention removed \(name)") }
            for w in result.warnings { logger.warning("\(w)") }
            return result
        }
    }

    /// A pre-update backup, kept in `backups/pre-update/` with its own retention.
    public func createPreUpdateBackup(appVersion: String, trigger: Trigger = .preUpdate,
                                      progress: ProgressHandler? = nil) throws -> CreateResult {
        try createBackup(kind: .preUpdate, trigger: trigger, appVersion: appVersion, progress: progress)
    }

    private func performCreate(kind: BackupKind, appVersion: String?, info: DatabaseInfo, run: OperationRun, pace: CopyPace,
                               progress: ProgressHandler?, cancellation: CancellationFlag?) throws -> CreateResult {
        let started = run.started
        let dir = layout.directory(for: kind)
        removeStaleFiles()

        // When it cannot fit (the copy is about page_count * page_size), first make room
        // from backups kept only for depth; refuse before writing if it still cannot.
        let needed = info.pageCount * info.pageSize + (1 << 20)
        var madeRoom: [String] = []
        if try FileSystem.space(dir).free < needed {
            madeRoom = try makeRoom(needed: needed, in: dir, trigger: run.trigger)
        }
        let space = try FileSystem.space(dir)
        if needed > space.free {
            throw BackupError.insufficientSpace(needed: needed, available: space.free, mountPoint: space.mountPoint)
        }

        let tmp = FileSystem.temporaryPath(in: dir, label: BackupName.stamp(started) + ".db")
        var keepTemp = false
        defer {
            if !keepTemp {
                try? FileSystem.remove(tmp)
                try? FileSystem.remove(tmp + "-journal")
            }
        }
        // Created by us so it is 0600 from the first byte (it holds payment data).
        try FileSystem.createPrivateFile(tmp)

        // A polite backup also asks the kernel to put this thread's I/O and CPU behind the
        // POS's, for the copy and for the checks and hash after it. Except in rollback-journal
        // mode, where the copy's second pass holds the POS's writers off: a lock holder must
        // not queue behind the POS (found by hand: a nice-10 copy holding SHARED while the
        // machine was busy kept a writer waiting 626 ms), so there it is lowered after the copy.
        let polite = pace == .polite
        let writersWaitForCopy = info.journalMode.lowercased() != "wal"
        var previousPriority = polite && !writersWaitForCopy ? IOPriority.lowerForPoliteWork() : nil
        defer { if let previousPriority { IOPriority.restore(previousPriority) } }
        let copy = try HotCopy(busyTimeoutMs: busyTimeoutMs, sourceMode: sourceMode, pace: pace).copy(
            source: layout.databasePath, destination: tmp,
            progress: progress.map { p in { done, total in p(BackupProgress(phase: .copying, done: done, total: total, polite: polite)) } },
            cancellation: cancellation)
        if polite && previousPriority == nil { previousPriority = IOPriority.lowerForPoliteWork() }
        try FileSystem.fsyncFile(tmp)
        if cancellation?.isCancelled == true { throw BackupError.cancelled }

        // Someone waits for a manual backup: its check runs beside the hash, each about a
        // core's work on the cached copy. A polite one takes them in turn, leaving the POS
        // a core.
        let copyPath = tmp
        let sideCheck = polite ? nil : SideWork { try BackupInspector.check(path: copyPath, full: false) }
        defer { _ = try? sideCheck?.result() }
        let hashing = progress.map { p in { d, t in p(BackupProgress(phase: .hashing, done: d, total: t)) } }
        let hashedBeside = sideCheck == nil ? nil : try BackupInspector.sha256(path: tmp, progress: hashing, cancellation: cancellation)
        if cancellation?.isCancelled == true { throw BackupError.cancelled }

        progress?(BackupProgress(phase: .checking, done: 0, total: 0))
        let findings: CheckFindings?
        if let sideCheck { findings = try sideCheck.result() } else { findings = try BackupInspector.check(path: tmp, full: false) }
        if let findings {
            // Tell "the live database is damaged" from "the copy is damaged": check the live file itself.
            let live = checkLiveDatabase(full: true)
            if case .damaged(let liveFindings) = live {
                throw BackupError.liveDatabaseDamaged(path: layout.databasePath, findings: liveFindings)
            }
            throw BackupError.copyFailedCheck(findings: findings)
        }
        // The copy is the live database as of its snapshot: its passing check is a full check of it.
        saveLiveCheck(LiveCheckRecord(state: .ok, checkedAt: clock.now(), source: .backup))
        let tables = try BackupInspector.tableCounts(path: tmp)
        let sha = try hashedBeside ?? BackupInspector.sha256(path: tmp, progress: hashing, cancellation: cancellation)
        guard let fileInfo = FileSystem.info(tmp) else { throw BackupError.io(operation: "stat", path: tmp, errno: errno) }
        if cancellation?.isCancelled == true { throw BackupError.cancelled }

        let verifiedAt = clock.now()
        var newRecord = BackupRecord(
            name: "", kind: kind, createdAt: started, sizeBytes: fileInfo.size, sha256: sha,
            pageCount: copy.pageCount, pageSize: copy.pageSize, fileModifiedAt: fileInfo.modified.timeIntervalSince1970,
            durationSeconds: 0, copySeconds: copy.seconds, sourcePath: layout.databasePath,
            sourceSizeBytes: info.sizeBytes, sourceJournalMode: copy.sourceJournalMode,
            userVersion: copy.userVersion, applicationId: copy.applicationId, appVersion: appVersion,
            tables: tables, verification: Verification(method: "quick_check", ok: true, checkedAt: verifiedAt),
            strategy: copy.strategy, restarts: copy.restarts, longestWriterHoldMs: copy.longestWriterHoldMs,
            madeSequence: (catalog.entries().compactMap { $0.record?.madeSequence }.max() ?? 0) + 1,
            toolVersion: ToolVersion.current)
        newRecord.pace = pace
        if polite { newRecord.pauses = copy.pauses; newRecord.pausedSeconds = copy.pausedSeconds }

        // Metadata first, then the file: a crash in between leaves metadata without a file
        // (dropped), never a good-looking file without its checks.
        var attempt = 1
        while true {
            let name = BackupName.make(kind: kind, date: started, appVersion: appVersion, attempt: attempt)
            let final = dir + "/" + name
            if FileSystem.exists(final) { attempt += 1; continue }
            newRecord.name = name
            newRecord.durationSeconds = run.elapsed
            try metadata.save(newRecord)
            if try FileSystem.renameNoReplace(tmp, to: final) {
                keepTemp = true
                break
            }
            try? metadata.remove(name)
            attempt += 1
        }

        var warnings: [String] = []
        do {
            // A courtesy for the POS app's settings screen: not worth a second busy wait.
            var quick = settingsStore
            quick.busyTimeoutMs = probeTimeoutMs
            try quick.set("last_backup", ISO8601DateFormatter().string(from: started))
        } catch {
            warnings.append("could not update last_backup in the settings: \(BackupError(error).description)")
        }
        let retention = applyRetentionAfterCreate(trigger: run.trigger, protecting: newRecord.name)
        warnings += retention.warnings
        let entry = try catalog.entry(named: newRecord.name)
        return CreateResult(entry: entry, record: newRecord, pruned: madeRoom + retention.removed, warnings: warnings)
    }

    /// A hot journal that cannot be rolled back (the folder is not ours to write) said as
    /// what it is and what to do, instead of SQLite's "attempt to write a readonly database".
    private func withHotJournalAdvice<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as SQLiteError where e.isWriteRefused {
            guard FileSystem.exists(layout.databasePath + "-journal") else { throw e }
            let folder = FileSystem.parent(of: layout.databasePath)
            throw BackupError.hotJournalNeedsWriteAccess(path: layout.databasePath, folder: folder, who: Ownership.describe(folder))
        }
    }
}
