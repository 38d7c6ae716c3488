import Foundation

/// Backups that wait to be checked again: their metadata was lost or cannot be read, or
/// their file time changed (a data dir copied with tar). The files are the truth and the
/// metadata a cache: each is hashed and checked like `verify`, and adopted (its metadata
/// written again) when it passes, before any retention decision is made over it.
extension BackupEngine {
    /// Checks every pending backup; the caller holds the operation lock. One history entry
    /// each, so a technician sees what was checked again and why.
    @discardableResult
    func checkPendingBackups(trigger: Trigger, cancellation: CancellationFlag? = nil) -> [VerifyResult] {
        var results: [VerifyResult] = []
        for entry in catalog.entries() where entry.kind.isBackup {
            guard let why = entry.pendingCheck else { continue }
            if cancellation?.isCancelled == true { break }
            let run = OperationRun(engine: self, operation: .verify, trigger: trigger)
            do {
                let result = try performVerify(entry: entry, full: false, progress: nil, run: run)
                let reason = why == .metadataMissing ? "its metadata was missing" : "its file time changed"
                let message = result.ok
                    ? "checked again because \(reason): quick_check ok, SHA-256 \(result.hashCompared ? "matches" : "recorded")"
                    : result.message ?? "failed verification"
                record(run.entry(outcome: result.ok ? .success : .failure, backupName: entry.name, kind: entry.kind,
                                 sizeBytes: entry.sizeBytes, durationSeconds: result.durationSeconds, message: message, detail: result.detail))
                if result.ok {
                    logger.info("Checked \(entry.name) again (\(reason)): ok")
                } else {
                    logger.error("Checked \(entry.name) again (\(reason)): \(message)")
                }
                results.append(result)
            } catch {
                // It stays pending (unverified): never counted good, and checked again next time.
                let e = BackupError(error)
                record(run.entry(outcome: .failure, backupName: entry.name, kind: entry.kind, message: e.description, detail: e.detail))
                logger.error("Could not check \(entry.name) again: \(e.description)")
            }
        }
        return results
    }

    /// The scheduler's round: pending backups are checked when no other operation runs
    /// (a busy lock leaves them for the next round). Nil when there was nothing to check
    /// or the lock was busy.
    public func checkPendingBackupsIfIdle(trigger: Trigger = .scheduler, cancellation: CancellationFlag? = nil) -> [VerifyResult]? {
        guard catalog.entries().contains(where: { $0.pendingCheck != nil && $0.kind.isBackup }),
              Ownership.canWrite(layout.backupsDir) else { return nil }
        return try? DataDirLock.operation.holding(layout, for: "verify", now: clock.now(), wait: 0) {
            checkPendingBackups(trigger: trigger, cancellation: cancellation)
        }
    }
}
