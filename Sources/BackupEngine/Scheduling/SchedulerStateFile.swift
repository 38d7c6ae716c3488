import Foundation

/// The active scheduler's `SchedulerSnapshot`, shared with other processes through
/// `backups/.scheduler-state.json` (written atomically by the lock holder only).
public enum SchedulerStateFile {
    /// Writes the snapshot atomically (temp + fsync + rename + folder fsync).
    public static func write(_ snapshot: SchedulerSnapshot, to path: String) throws {
        let data = try HistoryLog.encoder.encode(snapshot)
        try FileSystem.writeAtomically(data, to: path, mode: 0o600)
    }

    /// The snapshot in the file, or nil when there is none or it cannot be decoded.
    public static func read(_ path: String) -> SchedulerSnapshot? {
        guard let data = FileSystem.readFile(path) else { return nil }
        return try? HistoryLog.decoder.decode(SchedulerSnapshot.self, from: data)
    }

    /// The active scheduler's state for this data dir, seen from outside (e.g. `status`):
    /// nil when no process holds the scheduler lock. The owner fields come from the lock
    /// itself, so a state file left by a dead process is never taken for a live one.
    public static func activeSnapshot(layout: DataLayout, now: Date = Date()) -> SchedulerSnapshot? {
        guard let holder = FileLock.holder(at: layout.schedulerLockPath) else { return nil }
        if var snapshot = read(layout.schedulerStatePath), snapshot.ownerPid == holder.pid {
            snapshot.ownerSince = holder.since
            return snapshot
        }
        // The holder has not written its state yet.
        var snapshot = SchedulerSnapshot(activity: .idle, frequency: "", intervalSeconds: nil, updatedAt: now)
        snapshot.ownerPid = holder.pid
        snapshot.ownerSince = holder.since
        return snapshot
    }
}
