import Foundation

extension BackupEngine {
    /// Deletes one backup (and its metadata). The newest verified backup needs `force`.
    public func delete(name: String, force: Bool = false, trigger: Trigger = .cli) throws -> BackupEntry {
        try recorded(.delete, trigger: trigger, name: name, failureLog: "Delete failed: ") { run in
            let entry = try catalog.entry(named: name)
            try run.takeLock()
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
            let entries = catalog.entries()
            let doomed = policy.toDelete(from: entries)
            let names = Set(doomed.map(\.name))
            return PruneResult(deleted: doomed, kept: entries.filter { !names.contains($0.name) }, dryRun: true)
        }
        return try recorded(.prune, trigger: trigger, failureLog: "Prune failed: ") { run in
            try run.takeLock()
            let entries = catalog.entries()
            let doomed = policy.toDelete(from: entries)
            for entry in doomed { try removeBackupFiles(entry) }
            let names = Set(doomed.map(\.name))
            record(run.entry(outcome: .success,
                             message: doomed.isEmpty ? "nothing to remove" : "removed " + doomed.map(\.name).joined(separator: ", ")))
            if !doomed.isEmpty { logger.info("Prune removed \(doomed.map(\.name).joined(separator: ", "))") }
            return PruneResult(deleted: doomed, kept: entries.filter { !names.contains($0.name) }, dryRun: false)
        }
    }

    /// Retention after a new backup, under the creating operation's lock. A removal that
    /// fails does not fail the backup: it is a warning, and the prune entry says failure.
    /// The backup just made is never removed by the retention it runs after.
    func applyRetentionAfterCreate(trigger: Trigger, protecting newName: String) -> (removed: [String], warnings: [String]) {
        let doomed = retentionPolicy().toDelete(from: catalog.entries(), protecting: [newName])
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
            record(HistoryEntry(startedAt: clock.now(), operation: .prune, trigger: trigger,
                                outcome: removed.count == doomed.count ? .success : .failure,
                                durationSeconds: 0, message: "retention removed " + (removed.isEmpty ? "nothing" : removed.joined(separator: ", "))))
        }
        return (removed, warnings)
    }

    func removeBackupFiles(_ entry: BackupEntry) throws {
        try FileSystem.remove(entry.path)
        try FileSystem.fsyncDirectory(FileSystem.parent(of: entry.path))
        try? metadata.remove(entry.name)
    }
}
