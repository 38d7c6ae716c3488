import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Pushing backups to the off-site repository. A push never takes the operation lock for
/// its restic run (it must never hold up a local backup): it takes the off-site lock, and
/// the operation lock only for the moment it writes a backup's metadata.
extension OffsiteService {

    /// Pushes one backup, or (with no name) every verified backup not pushed yet, oldest
    /// first, each recorded on its own; the first failure stops the round. A push reads
    /// the verified local file and never changes it.
    /// `lockWait`: how long to wait for another restic of this data dir (our off-site lock);
    /// `repositoryLockWait`: for a live lock in the repository (another terminal's prune).
    public func push(name: String? = nil, trigger: Trigger = .cli, timeLimit: TimeInterval? = nil,
                            lockWait: TimeInterval = 120, repositoryLockWait: TimeInterval = 600,
                            cancellation: CancellationFlag? = nil) throws -> [OffsitePushResult] {
        _ = try requireConfig()
        let entries: [BackupEntry]
        if let name {
            let entry = try catalog.entry(named: name)
            guard entry.kind.isBackup else { throw BackupError.notRestorable(name: name, reason: "only backups are copied off-site, not a restore's saved copy or a .sql file") }
            if let copy = entry.record?.offsite {
                return [OffsitePushResult(name: name, snapshot: copy.snapshot, bytesAdded: 0, seconds: 0, alreadyPushed: true)]
            }
            guard entry.status == .verified else {
                throw BackupError.notRestorable(name: name, reason: "only verified backups are copied off-site (\(entry.statusDetail ?? entry.status.rawValue))")
            }
            entries = [entry]
        } else {
            // Marks follow the repository: a snapshot gone since (a drive that took a push
            // with it, a prune) sends its backup again in this round.
            if let restic = try? restic(cancellation: cancellation), let list = try? contact(restic) {
                forgetMarks(notIn: list, allHosts: false)
                if let install = installID() {
                    let shared = Self.sharedTerminal(list, install: install)
                    if shared != state().sharedTerminal { try? updateState { $0.sharedTerminal = shared } }
                }
            }
            entries = pendingPushes()
        }
        var results: [OffsitePushResult] = []
        for (index, entry) in entries.enumerated() {
            if cancellation?.isCancelled == true { throw BackupError.cancelled }
            do {
                results.append(try pushOne(entry, trigger: trigger, timeLimit: timeLimit, lockWait: lockWait,
                                           repositoryLockWait: repositoryLockWait, cancellation: cancellation))
            } catch BackupError.backupNotFound where name == nil {
                // Removed by retention meanwhile: nothing to push, and the newer ones still go.
                continue
            } catch let error as BackupError where entries.count > 1 && error != .cancelled {
                if case .busy = error { throw error }
                // Said with what went and what did not: each push is recorded on its own,
                // and a person sees the round as a whole.
                throw BackupError.offsitePartlyPushed(pushed: results.map(\.name), notPushed: entries[index...].map(\.name), cause: error)
            }
        }
        // A round from cron with nothing to push reports instead (a push carried the health):
        // a till whose backups fail still tells the fleet.
        if name == nil && entries.isEmpty { reportHealthIfDue(cancellation: cancellation) }
        return results
    }

    private func pushOne(_ entry: BackupEntry, trigger: Trigger, timeLimit: TimeInterval?, lockWait: TimeInterval,
                         repositoryLockWait: TimeInterval, cancellation: CancellationFlag?) throws -> OffsitePushResult {
        // Another restic of this data dir at work is not a failed push: refused before
        // anything is recorded or counted (the scheduler's next round pushes).
        let lock = try DataDirLock.offsite.take(layout, for: "offsite-push", now: clock.now(), wait: lockWait)
        defer { lock.release() }
        do {
            return try engine.recorded(.offsitePush, trigger: trigger, name: entry.name, kind: entry.kind, failureLog: "Off-site push failed: ") { run in
                var restic = try restic(cancellation: cancellation)
                // A folder repository's drive is watched while restic writes to it.
                let config = restic.config
                let watch = RepositoryAddress.localFolder(config.repository).flatMap { folder in
                    config.repositoryMount.map { DriveWatch(folder: folder, mountPoint: $0, outer: cancellation ?? self.cancellation) }
                }
                defer { watch?.stop() }
                if let watch { restic.cancellation = watch.flag }
                // The marker is written under the operation lock, so retention (which holds it)
                // either removed the backup before (we see that now) or sees the marker.
                try DataDirLock.operation.holding(layout, for: "offsite-push", now: clock.now(), wait: 600) {
                    try FileSystem.writeAtomically(try JSONEncoder().encode(PushMarker(name: entry.name, pid: getpid())), to: paths.pushing)
                    guard FileSystem.exists(entry.path) else {
                        try? FileSystem.remove(paths.pushing)
                        throw BackupError.backupNotFound(name: entry.name)
                    }
                }
                defer { try? FileSystem.remove(paths.pushing) }

                let limit = timeLimit ?? Self.pushTimeLimit(bytes: entry.sizeBytes)
                // The till's health rides with the push: the fleet reads it from the list alone.
                let health = healthReport()
                let tags = ["kind:\(entry.kind.rawValue)", "app:\(ToolVersion.current)", "name:\(entry.name)", "size:\(entry.sizeBytes)"]
                    + (installID().map { ["install:\($0)"] } ?? []) + [health.healthTag]
                let output: ChildProgram.Result
                do {
                    output = try withRepositoryLockRetry(restic, wait: Self.repositoryWait(trigger, repositoryLockWait)) {
                        try restic.backup(file: entry.path, host: terminalID, tags: tags, time: Self.resticTime(entry.createdAt), timeLimit: limit)
                    }
                } catch {
                    // The drive went mid-push: that is the cause, whatever restic said.
                    if watch?.driveGone == true || (try? requireDrive(config)) == nil {
                        removeStrays(config)
                        try requireDrive(config)
                    }
                    throw error
                }
                guard let summary = Restic.backupSummary(output.stdout) else {
                    throw BackupError.offsiteFailed(action: "push", reason: "restic reported no snapshot", detail: String(decoding: output.stdout, as: UTF8.self))
                }
                // Pushed only when the repository has it: the drive still the one set up,
                // and the snapshot there. restic says "done" for a drive pulled mid-push.
                do {
                    try requireDrive(restic.config)
                } catch {
                    removeStrays(restic.config)
                    throw error
                }
                // A server that answered has it; a folder's drive may have gone mid-push: its
                // snapshot file is looked for where the drive is mounted.
                guard Self.snapshotStored(summary.snapshot, in: restic.config) else {
                    throw BackupError.offsiteFailed(action: "push", reason: "snapshot \(summary.snapshot) is not in the repository after the push", detail: nil)
                }
                var copy = OffsiteCopy(snapshot: summary.snapshot, pushedAt: clock.now(), bytesAdded: summary.added)
                if state().damage != nil {
                    // Into a damaged repository a push may reuse a damaged blob: restored
                    // and compared now, and counted safe only after a whole check.
                    try drillPushed(summary.snapshot, entry: entry, restic: restic)
                    copy.pushedWhileDamaged = true
                }
                try markPushed(entry.name, copy)
                noteHealthReported(health)
                try updateState { s in
                    s.lastPushAt = copy.pushedAt
                    s.lastPushSnapshot = copy.snapshot
                    s.lastPushBackup = entry.name
                    s.consecutiveFailures = 0
                    s.retryAfter = nil
                    s.failedBackups.removeAll { $0 == entry.name }
                    s.snapshots = s.snapshots.map { $0 + 1 }
                    s.bytesStored = s.bytesStored.map { $0 + copy.bytesAdded }
                }
                let seconds = run.elapsed
                engine.record(run.entry(outcome: .success, backupName: entry.name, kind: entry.kind, sizeBytes: entry.sizeBytes,
                                 durationSeconds: seconds,
                                 message: "pushed to \(restic.config.displayRepository) as snapshot \(copy.snapshot), \(ByteCount.format(copy.bytesAdded)) added"
                                    + (copy.pushedWhileDamaged == true ? " (the repository is damaged: this snapshot restores, but run mr5-backup offsite repair)" : "")))
                logger.info("Off-site push of \(entry.name): snapshot \(copy.snapshot), \(ByteCount.format(copy.bytesAdded)) added in \(String(format: "%.1f", seconds)) s")
                return OffsitePushResult(name: entry.name, snapshot: copy.snapshot, bytesAdded: copy.bytesAdded, seconds: seconds,
                                         alreadyPushed: false, intoDamagedRepository: copy.pushedWhileDamaged == true)
            }
        } catch let error as BackupError {
            // A person's mistyped input is not a failed push, nor is another restic of ours
            // running (the next round pushes); anything else counts, on its own.
            if case .busy = error { throw error }
            if case .backupNotFound = error { throw error }
            if !(error.isInputError && trigger != .scheduler), error != .cancelled {
                let now = clock.now()
                try? updateState { s in
                    s.consecutiveFailures += 1
                    s.failuresTotal += 1
                    s.lastFailureAt = now
                    s.lastFailure = error.description
                    if !s.failedBackups.contains(entry.name) { s.failedBackups.append(entry.name) }
                    s.retryAfter = now.addingTimeInterval(OffsiteState.backoff(afterFailures: s.consecutiveFailures))
                }
                engine.refreshMetrics()
            }
            throw error
        }
    }

    /// Writes the push into the backup's metadata, under the operation lock for that
    /// moment only (verify and retention write metadata under it too).
    private func markPushed(_ name: String, _ copy: OffsiteCopy) throws {
        try DataDirLock.operation.holding(layout, for: "offsite-push", now: clock.now(), wait: 600) {
            guard var record = metadata.load(name) else { return }  // removed meanwhile: the history still has it
            record.offsite = copy
            try metadata.save(record)
        }
    }

    /// True unless `config` is a folder repository without the snapshot file `id` (restic
    /// names a snapshot's file by its whole id; 0.14's summary gives the first 8 digits).
    static func snapshotStored(_ id: String, in config: OffsiteConfig) -> Bool {
        guard let folder = RepositoryAddress.localFolder(config.repository) else { return true }
        guard (8...64).contains(id.count), id.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return false }
        if id.count == 64 { return FileSystem.exists(folder + "/snapshots/" + id) }
        return FileSystem.list(folder + "/snapshots").contains { $0.count == 64 && $0.hasPrefix(id) }
    }

    /// At least 30 minutes, plus a second per MiB (a slow uplink at a shop).
    static func pushTimeLimit(bytes: Int64) -> TimeInterval { 1800 + Double(bytes) / 1_048_576 }

    /// The backup's own time, in the local time restic reads `--time` in.
    static func resticTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }

    /// How long to wait for another's live lock in the repository: the scheduler waits
    /// (unattended, it says so in the log); a person is told at once who holds it.
    static func repositoryWait(_ trigger: Trigger, _ wait: TimeInterval) -> TimeInterval {
        trigger == .scheduler ? wait : 0
    }

    /// Runs `body`; when another restic holds the repository's lock, has restic remove
    /// the stale ones (a dead process of this machine's; another machine's after 30
    /// minutes) and tries again. A live lock is waited for up to `wait` seconds, said once
    /// in the log with its holder; `wait` 0 (a person's command) refuses at once, naming
    /// the holder and how to clear it, rather than wait without saying so.
    func withRepositoryLockRetry<T>(_ restic: Restic, wait: TimeInterval, _ body: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(wait)
        var triedUnlock = false
        var said = false
        var pause: TimeInterval = 2
        while true {
            do { return try body() } catch let error as BackupError {
                guard case .offsiteLocked(_, let holder, _, let now) = error else { throw error }
                if !triedUnlock {
                    triedUnlock = true
                    if let removed = try? restic.unlock(), removed > 0 {
                        logger.info("Off-site repository: removed \(removed) stale lock\(removed == 1 ? "" : "s"); trying again")
                        continue
                    }
                }
                guard Date().addingTimeInterval(pause) < deadline else { throw error }
                if restic.cancellation?.isCancelled == true { throw BackupError.cancelled }
                if !said {
                    said = true
                    let who = holder.map { $0.holder(now: now) } ?? "another restic"
                    logger.info("Off-site repository is locked by \(who): waiting up to \(Int(wait)) s")
                }
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 30)
                // A lock whose holder died while we waited is stale now.
                triedUnlock = false
            }
        }
    }
}
