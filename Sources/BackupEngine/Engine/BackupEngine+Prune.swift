import Foundation

extension BackupEngine {
    /// Deletes one backup (and its metadata). The newest verified backup needs `force`.
    public func delete(name: String, force: Bool = false, trigger: Trigger = .cli) throws -> BackupEntry {
        try recorded(.delete, trigger: trigger, name: name, failureLog: "Delete failed: ") { run in
            let entry = try catalog.entry(named: name)
            try run.takeLock()
            if offsite.backupBeingPushed() == name { throw BackupError.busy(holder: "an off-site push of \(name)") }
            if !force, let newest = newestVerified(in: catalog.entries()), newest.name == name {
                throw BackupError.lastGoodBackup(name: name)
            }
            try removeBackupFiles(entry)
            record(run.entry(outcome: .success, backupName: name, kind: entry.kind, sizeBytes: entry.sizeBytes, message: "deleted"))
            logger.info("Deleted backup \(name)")
            return entry
        }
    }

    /// Applies retention; `dryRun` only says what would go.
    public func prune(policy: RetentionPolicy? = nil, dryRun: Bool = false, trigger: Trigger = .cli) throws -> PruneResult {
        let policy = policy ?? retentionPolicy()
        guard policy.keepRegular >= 1, policy.keepPreUpdate >= 1 else { throw BackupError.keepCountTooSmall }
        if dryRun {
            // An empty listing of a folder this user cannot open is not "nothing to prune".
            if let closed = unreadableBackupFolder() { throw closed }
            return pruneResult(policy.decide(catalog.entries(), protecting: Set([offsite.backupBeingPushed()].compactMap { $0 })), dryRun: true)
        }
        return try recorded(.prune, trigger: trigger, failureLog: "Prune failed: ") { run in
            try run.takeLock()
            // A backup that lost its metadata is checked and adopted first: retention then
            // judges it by its own time, never in favour of older backups.
            checkPendingBackups(trigger: trigger)
            // A backup an off-site push is reading stays until the push is done.
            let decisions = policy.decide(catalog.entries(), protecting: Set([offsite.backupBeingPushed()].compactMap { $0 }))
            let doomed = decisions.filter { !$0.keep }.map(\.entry)
            for entry in doomed { try removeBackupFiles(entry) }
            let because = "(kept: \(policy.summary))"
            record(run.entry(outcome: .success,
                             message: doomed.isEmpty ? "nothing to remove \(because)" : "removed " + doomed.map(\.name).joined(separator: ", ") + " " + because))
            for entry in doomed { logger.info("Prune removed \(entry.name) \(because)") }
            return pruneResult(decisions, dryRun: false)
        }
    }

    private func pruneResult(_ decisions: [RetentionPolicy.Decision], dryRun: Bool) -> PruneResult {
        PruneResult(deleted: decisions.filter { !$0.keep }.map(\.entry), kept: decisions.filter(\.keep).map(\.entry),
                    dryRun: dryRun, decisions: decisions)
    }

    /// Retention after a new backup, under the creating operation's lock. A removal that
    /// fails does not fail the backup: it is a warning, and the prune entry says failure.
    /// The backup just made is never removed by the retention it runs after.
    func applyRetentionAfterCreate(trigger: Trigger, protecting newName: String) -> (removed: [String], warnings: [String]) {
        let policy = retentionPolicy()
        checkPendingBackups(trigger: trigger)
        // A backup an off-site push is reading stays until the push is done (the next round removes it).
        let doomed = policy.toDelete(from: catalog.entries(), protecting: Set([newName] + [offsite.backupBeingPushed()].compactMap { $0 }))
        var removed: [String] = []
        var warnings: [String] = []
        for entry in doomed {
            do {
                try removeBackupFiles(entry)
                removed.append(entry.name)
            } catch {
                warnings.append("retention could not delete \(entry.name): \(BackupError(error).description)")
            }
        }
        if !doomed.isEmpty {
            let because = "(kept: \(policy.summary))"
            record(HistoryEntry(startedAt: clock.now(), operation: .prune, trigger: trigger,
                                outcome: removed.count == doomed.count ? .success : .failure,
                                durationSeconds: 0, message: "retention removed " + (removed.isEmpty ? "nothing" : removed.joined(separator: ", ")) + " " + because))
            for name in removed { logger.info("Retention removed \(name) \(because)") }
        }
        return (removed, warnings)
    }

    /// Removes backups kept only for depth until `needed` bytes are free (see
    /// `RetentionPolicy.makeRoomCandidates`); each removal is named in the history and the log.
    func makeRoom(needed: Int64, in dir: String, trigger: Trigger) throws -> [String] {
        // Only when removing them would be enough: never delete backups and then refuse anyway.
        let pushing = offsite.backupBeingPushed()
        let candidates = retentionPolicy().makeRoomCandidates(catalog.entries()).filter { $0.name != pushing }
        let free = try FileSystem.space(dir).free
        var enough = false, total: Int64 = 0
        for entry in candidates where !enough { total += entry.sizeBytes; enough = free + total >= needed }
        guard enough else { return [] }
        var removed: [String] = []
        for entry in candidates {
            let free = try FileSystem.space(dir).free
            if free >= needed { break }
            try removeBackupFiles(entry)
            removed.append(entry.name)
            let message = "removed \(entry.name) to make room: \(ByteCount.format(free)) free, \(ByteCount.format(needed)) needed"
            record(HistoryEntry(startedAt: clock.now(), operation: .prune, trigger: trigger, outcome: .success,
                                durationSeconds: 0, backupName: entry.name, kind: entry.kind, sizeBytes: entry.sizeBytes,
                                message: message))
            logger.warning("\(message)")
        }
        return removed
    }

    func removeBackupFiles(_ entry: BackupEntry) throws {
        // A raw saved copy brought its database's side files along.
        if entry.kind == .savedBeforeRestore { for suffix in ["-wal", "-journal"] { try FileSystem.remove(entry.path + suffix) } }
        try FileSystem.remove(entry.path)
        try FileSystem.fsyncDirectory(FileSystem.parent(of: entry.path))
        try? metadata.remove(entry.name)
    }
}
