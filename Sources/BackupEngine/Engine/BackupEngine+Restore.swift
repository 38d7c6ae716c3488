import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension BackupEngine {
    /// Restores a backup into the live database:
    /// (a) verifies it and refuses a bad one; (b) saves the current database as
    /// `mr5-pos.db.corrupted.<time>`; (c) writes the backup in through the backup API, one
    /// write transaction that open connections see as an ordinary change (or, when the live
    /// file is missing or unopenable, renames a fsynced copy over it); (d) checks the result.
    /// The POS app must be restarted afterwards.
    public func restore(name: String, trigger: Trigger = .cli, progress: ProgressHandler? = nil) throws -> RestoreResult {
        try recorded(.restore, trigger: trigger, name: name, failureLog: "Restore failed: ") { run in
            let entry = try catalog.entry(named: name)
            guard entry.kind != .legacySQL else {
                throw BackupError.notRestorable(name: name, reason: "a PostgreSQL-era .sql file cannot be restored into SQLite")
            }
            if let why = rawSavedCopyProblem(entry) { throw BackupError.notRestorable(name: name, reason: why) }
            if let info = FileSystem.info(layout.databasePath), !info.isRegular {
                throw BackupError.notARegularFile(path: layout.databasePath)
            }
            guard FileSystem.isDirectory(FileSystem.parent(of: layout.databasePath)) else {
                throw BackupError.databaseNotFound(path: layout.databasePath)
            }
            // Restoring over a missing file is recovery of the shop's own database; a
            // missing file elsewhere (a mistyped --db) is refused rather than created.
            if !FileSystem.exists(layout.databasePath) && !layout.usesDefaultDatabase {
                throw BackupError.databaseNotFound(path: layout.databasePath)
            }
            try run.takeLock()
            let result = try performRestore(entry: entry, run: run, progress: progress)
            let saved = result.savedCurrentAs.map { FileSystem.fileName(of: $0) }
            var done = run.entry(outcome: .success, backupName: name, kind: entry.kind, sizeBytes: entry.sizeBytes,
                                 durationSeconds: result.durationSeconds,
                                 message: "restored; previous database saved as \(saved ?? "(none)"); restart the POS app")
            done.savedCopy = saved
            record(done)
            if let saved { applySavedCopyRetention(protecting: [saved, name], trigger: trigger) }
            logger.info("Restore completed successfully from \(name); previous database saved as \(result.savedCurrentAs ?? "(none)"); restart the POS app")
            return result
        }
    }

    private func performRestore(entry: BackupEntry, run: OperationRun, progress: ProgressHandler?) throws -> RestoreResult {
        // (a) The backup must be exactly what we verified when it was made.
        let check = try performVerify(entry: entry, full: false, progress: progress, run: run)
        guard check.ok else {
            throw BackupError.verificationFailed(name: entry.name, reason: (check.message ?? "failed") + "; restore refused, the live database is untouched")
        }
        let backupTables = try BackupInspector.tableCounts(path: entry.path)
        let live = LiveDatabaseReplacement(databasePath: layout.databasePath, busyTimeoutMs: busyTimeoutMs)
        removeStaleFiles()

        let liveExists = FileSystem.exists(live.databasePath)
        var liveState = liveExists ? checkLiveDatabase(full: false) : .missing
        if liveState == .hotJournal {
            // Let SQLite roll the crashed writer's transaction back (a read-write open does),
            // then the database is consistent again and goes the normal way.
            try live.rollBackHotJournal()
            liveState = checkLiveDatabase(full: false)
        }
        if liveState == .locked {
            // A database the POS app holds locked is not damaged: refuse and change nothing
            // (treating it as unopenable would replace a file another process has open).
            throw BackupError.databaseLocked(path: live.databasePath, seconds: max(1, Int(busyTimeoutMs / 1000)))
        }
        if case .unreadable(let why) = liveState {
            throw BackupError.liveDatabaseUnreadable(path: live.databasePath, reason: why)
        }
        if liveState == .hotJournal {
            let folder = FileSystem.parent(of: live.databasePath)
            throw BackupError.hotJournalNeedsWriteAccess(path: live.databasePath, folder: folder, who: Ownership.describe(folder))
        }
        // Only a file that is missing, empty, not a database or damaged is replaced by
        // rename; anything that opens is written through the backup API.
        let liveOpens = liveState == .ok
        try live.requireSpace(forBackupOf: entry.sizeBytes, liveExists: liveExists)

        // The backup schedule is the technician's current choice, not part of the shop's
        // data: keep it across the restore (an old backup would otherwise bring back an
        // old frequency, retention count and an empty last_backup).
        let keptSettings = liveOpens ? backupSettings() : [:]
        // Recorded with the saved copy, so an undo puts the journal mode back too.
        let liveJournalMode = liveOpens ? live.journalMode() : nil
        // After reading the mode: its probe may leave WAL mode for a moment.
        if liveOpens { try live.requirePageSizeChangeAllowed(backupPath: entry.path) }

        // (b) Save what is there now.
        var saved: String?
        var recording: SideWork<Void>?
        // Before this returns, whatever happened: the saved-copy retention and undo after it
        // read the saved copy's metadata.
        defer { _ = try? recording?.result() }
        if liveExists {
            let copy = try live.saveCurrent(stamp: BackupName.stamp(run.started), consistent: liveOpens, progress: progress)
            saved = copy.path
            // The saved copy is complete and nothing writes it again: it is checked and
            // hashed while the backup is written in (the check is a core's work, the write
            // the disk's), not before.
            let madeAt = run.started
            recording = SideWork { [self] in
                recordSavedCopy(at: copy.path, consistent: copy.consistent, madeAt: madeAt, journalMode: liveJournalMode)
            }
        }

        // (c) Put the backup in place. Until the swap the live database is unchanged, and
        // then a refused restore must leave no saved copy behind either.
        var swapStarted = false
        do {
            if liveOpens {
                // One write transaction: when it fails, SQLite has rolled it back.
                let inWAL = try live.writeThroughBackupAPI(from: entry.path, walAfter: entry.record?.sourceJournalMode.lowercased() == "wal",
                                                           progress: progress)
                if !inWAL {
                    logger.warning("Restore left \(FileSystem.fileName(of: live.databasePath)) in rollback-journal mode: WAL mode could not be set back (another program opened it as the restore ended); the POS app works either way, and the next restore of a WAL backup sets it back")
                }
            } else {
                let staged = try live.stage(entry.path)
                swapStarted = true
                try live.swapIn(staged)
            }
        } catch {
            if swapStarted {
                throw BackupError.restoreInterrupted(reason: BackupError(error).description,
                                                     savedCopy: saved.map { FileSystem.fileName(of: $0) } ?? "(none)")
            }
            if let saved {
                _ = try? recording?.result()
                live.discardSavedCopy(saved)
                try? metadata.remove(FileSystem.fileName(of: saved))
            }
            throw error
        }
        // (d) Check what is now live.
        let savedName = saved.map { FileSystem.fileName(of: $0) } ?? "(none)"
        let problem: CheckFindings?
        do { problem = try live.quickCheck() } catch {
            throw BackupError.restoreCheckFailed(reason: "the check could not run: " + BackupError(error).description, savedCopy: savedName)
        }
        if let problem {
            throw BackupError.restoreCheckFailed(reason: problem.summary, savedCopy: savedName)
        }
        saveLiveCheck(LiveCheckRecord(state: .ok, checkedAt: clock.now(), source: .restore))
        for (key, value) in keptSettings.sorted(by: { $0.key < $1.key }) {
            do { try settingsStore.set(key, value) } catch {
                logger.warning("Restore could not keep setting \(key) = \(value): \(BackupError(error).description)")
            }
        }
        return RestoreResult(restoredFrom: entry.name, savedCurrentAs: saved, tables: backupTables,
                             durationSeconds: run.elapsed)
    }

    /// Metadata for a copy a restore saved, so it is listed, checked and restorable like a
    /// backup: a consistent copy is checked and hashed now; a raw copy of a database that
    /// did not open is marked damaged (listed, never restored, never removed automatically).
    private func recordSavedCopy(at path: String, consistent: Bool, madeAt: Date, journalMode: String?) {
        let name = FileSystem.fileName(of: path)
        do {
            let info = try FileSystem.info(path).orThrow(BackupError.io(operation: "stat", path: path, errno: ENOENT))
            var verification = Verification(method: "quick_check", ok: false, checkedAt: clock.now(),
                                            message: "saved raw from a database that did not open: kept for investigation, not restorable")
            var tables: [TableCount] = []
            var pages: (Int64, Int64) = (0, 0)
            if consistent {
                let findings = try BackupInspector.check(path: path, full: false)
                verification = Verification(method: "quick_check", ok: findings == nil, checkedAt: clock.now(), message: findings?.summary)
                tables = (try? BackupInspector.tableCounts(path: path)) ?? []
                if let header = try? BackupInspector.header(path: path) { pages = (header.pageCount, header.pageSize) }
            }
            let sha = try BackupInspector.sha256(path: path)
            let record = BackupRecord(
                name: name, kind: .savedBeforeRestore, createdAt: madeAt, sizeBytes: info.size, sha256: sha,
                pageCount: pages.0, pageSize: pages.1, fileModifiedAt: info.modified.timeIntervalSince1970,
                durationSeconds: 0, copySeconds: 0, sourcePath: layout.databasePath, sourceSizeBytes: info.size,
                sourceJournalMode: journalMode ?? "", userVersion: 0, applicationId: 0, appVersion: nil, tables: tables,
                verification: verification, strategy: consistent ? .savedBeforeRestore : .savedRaw,
                restarts: 0, longestWriterHoldMs: 0,
                madeSequence: (catalog.entries().compactMap { $0.record?.madeSequence }.max() ?? 0) + 1)
            try metadata.save(record)
        } catch {
            logger.warning("Could not record the saved copy \(name): \(BackupError(error).description)")
        }
    }

    /// Keeps the newest `saved_keep` restorable saved copies (and every damaged one, which
    /// is never removed automatically); each removal is named.
    func applySavedCopyRetention(protecting protected: Set<String>, trigger: Trigger) {
        applyOwnCount(of: .savedBeforeRestore, keep: savedCopiesToKeep(), setting: SettingKey.savedKeep.rawValue,
                      protecting: protected, trigger: trigger)
    }

    /// Keeps the newest `keep` restorable copies of a kind counted on its own (saved copies,
    /// moments); anything not restorable is left for a person. Each removal is recorded.
    func applyOwnCount(of kind: BackupKind, keep: Int, setting: String, protecting protected: Set<String>, trigger: Trigger) {
        let copies = catalog.entries().filter { $0.kind == kind && $0.isRestorable }
        for entry in copies.dropFirst(keep) where !protected.contains(entry.name) {
            do {
                try removeBackupFiles(entry)
                let message = "retention removed \(entry.name) (kept: \(keep) newest, \(setting))"
                record(HistoryEntry(startedAt: clock.now(), operation: .prune, trigger: trigger, outcome: .success,
                                    durationSeconds: 0, backupName: entry.name, kind: entry.kind, message: message))
                logger.info("\(message)")
            } catch {
                logger.warning("Could not remove \(entry.name): \(BackupError(error).description)")
            }
        }
    }

    /// The copy saved by the most recent restore that is still on disk and can be
    /// restored: what undo restores. A restore that failed after saving counts too.
    public func lastSavedCopy() -> BackupEntry? { undoCandidate()?.copy }

    /// What undo would restore, and which restore saved it. When the copy the most recent
    /// restore saved is gone (deleted by hand, removed by retention), the newest one left
    /// is offered, saying so (`newestGone`): never silently a copy from another day.
    public func undoCandidate() -> UndoCandidate? {
        let entries = catalog.entries()
        var gone: String?
        for entry in history() where entry.operation == .restore {
            guard let name = entry.savedCopy else { continue }
            guard let saved = entries.first(where: { $0.name == name }) else {
                if gone == nil { gone = name }
                continue
            }
            guard rawSavedCopyProblem(saved) == nil && saved.isRestorable else { return nil }
            return UndoCandidate(copy: saved, restoredAt: entry.startedAt, restored: entry.backupName, newestGone: gone)
        }
        return nil
    }

    /// Why a saved copy cannot be checked or restored on its own: it was saved raw from a
    /// database that did not open (its -wal/-journal belong with it; alone, the main file
    /// is a half-written transaction). Nil for everything else.
    func rawSavedCopyProblem(_ entry: BackupEntry) -> String? {
        guard entry.kind == .savedBeforeRestore else { return nil }
        let hasSideFiles = ["-wal", "-journal"].contains { FileSystem.exists(entry.path + $0) }
        guard entry.record?.strategy == .savedRaw || hasSideFiles else { return nil }
        return "saved raw from a database that did not open: kept for investigation, not restorable"
    }

    /// Restores the copy the most recent restore saved (undo). Throws `.nothingToUndo` when
    /// there is none; the undo saves the current database again, so it can be undone too.
    public func undoRestore(trigger: Trigger = .cli, progress: ProgressHandler? = nil) throws -> RestoreResult {
        guard let saved = lastSavedCopy() else { throw BackupError.nothingToUndo }
        return try restore(name: saved.name, trigger: trigger, progress: progress)
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let value = self else { throw error() }
        return value
    }
}
