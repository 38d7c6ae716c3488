import Foundation

/// Continuous protection as it stands, read from files only (Litestream is never run for
/// it): the setup, whether Litestream runs, the newest moment in the replica and the lag.
public struct ContinuousStatus: Sendable, Equatable {
    /// nil: not set up for this data dir.
    public var config: ContinuousConfig?
    public var installed: Bool
    public var state: ContinuousState
    public var running: Bool
    /// The newest transaction file in the replica (the last sync), and the oldest snapshot
    /// (the window's start), to the second.
    public var lastSyncAt: Date?
    public var windowStart: Date?
    /// The bytes the replica holds (a folder's summed, a remote one's as last listed).
    public var replicaBytes: Int64?
    /// The last commit to the live database (its WAL's time).
    public var databaseChangedAt: Date?
    /// Why it cannot replicate now, whatever Litestream says (a pulled drive, a setup
    /// copied from another machine, a setup that cannot be read).
    public var problem: String?
    /// When this status was read.
    public var now: Date?

    /// How far the replica is behind: 0 when it has the newest commit; when a commit came
    /// after the newest file in the replica, the time since that file (a Litestream that
    /// is stuck while sales go on is behind by all of it). A commit of the last 3 s is
    /// Litestream's to sync yet (it does within about a second): counted from the commit.
    public var lag: TimeInterval? {
        guard let changed = databaseChangedAt, let now else { return nil }
        let synced = lastSyncAt ?? config?.configuredAt ?? changed
        guard changed.timeIntervalSince(synced) > 1 else { return 0 }
        if now.timeIntervalSince(changed) < 3 { return max(0, now.timeIntervalSince(changed).rounded(.down)) }
        return max(0, now.timeIntervalSince(synced).rounded(.down))
    }
}
