import Foundation

extension BackupEngine {
    /// What the live database is now. Cheap unless `full` (see `LiveDatabaseInspector`);
    /// a full check's result is kept (`lastLiveCheck()`), when the data dir can be written.
    public func checkLiveDatabase(full: Bool = false) -> LiveDatabaseState {
        let state = LiveDatabaseInspector(databasePath: layout.databasePath, busyTimeoutMs: full ? busyTimeoutMs : probeTimeoutMs).classify(full: full)
        if full, state != .locked { saveLiveCheck(LiveCheckRecord(state: state, checkedAt: clock.now(), source: .liveQuickCheck)) }
        return state
    }

    /// The last full check of the live database (by a backup, `status --check-live` or a restore).
    public func lastLiveCheck() -> LiveCheckRecord? {
        guard let data = FileSystem.readFile(layout.liveCheckPath) else { return nil }
        return try? HistoryLog.decoder.decode(LiveCheckRecord.self, from: data)
    }

    /// Keeps a full check's result; a data dir that cannot be written keeps none (logged).
    func saveLiveCheck(_ record: LiveCheckRecord) {
        guard FileSystem.isDirectory(layout.metaDir), Ownership.canWrite(layout.metaDir) else { return }
        do {
            try FileSystem.writeAtomically(try MetadataStore.encoder.encode(record), to: layout.liveCheckPath)
        } catch {
            logger.warning("Could not keep the live database check: \(BackupError(error).description)")
        }
    }
}
