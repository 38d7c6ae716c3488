import Foundation

/// One running engine operation, as `BackupEngine.recorded` sees it: when it started,
/// the operation lock once taken, and the history entry it will leave. Owned by the
/// thread running the operation; it lives only for that call.
final class OperationRun {
    let engine: BackupEngine
    let operation: HistoryEntry.Operation
    let trigger: Trigger
    /// Wall time, for names and the history.
    let started: Date
    /// Monotonic start, for durations.
    let t0: UInt64
    private var lock: FileLock?

    init(engine: BackupEngine, operation: HistoryEntry.Operation, trigger: Trigger) {
        self.engine = engine
        self.operation = operation
        self.trigger = trigger
        started = engine.clock.now()
        t0 = engine.clock.monotonicNanos()
    }

    /// Takes the data dir's operation lock for the rest of the operation, creating the
    /// backup folders first when the operation writes.
    func takeLock(wait: TimeInterval = 0, createFolders: Bool = true) throws {
        if createFolders {
            let layout = engine.layout
            try engine.requireWritable([layout.backupsDir, layout.metaDir, layout.logsDir])
            try layout.ensureDirectories()
        }
        lock = try DataDirLock.operation.take(engine.layout, for: operation.rawValue, now: started, wait: wait)
    }

    func releaseLock() {
        lock?.release()
        lock = nil
    }

    /// Seconds since the operation started.
    var elapsed: Double { engine.seconds(since: t0) }

    /// This operation's history entry.
    func entry(outcome: HistoryEntry.Outcome, backupName: String? = nil, kind: BackupKind? = nil,
               sizeBytes: Int64? = nil, durationSeconds: Double? = nil, message: String?,
               detail: String? = nil) -> HistoryEntry {
        HistoryEntry(startedAt: started, operation: operation, trigger: trigger, outcome: outcome,
                     durationSeconds: durationSeconds ?? elapsed, backupName: backupName, kind: kind,
                     sizeBytes: sizeBytes, message: message, detail: detail)
    }
}
