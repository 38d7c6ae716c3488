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
    /// The last change to the live database (its file or its WAL).
    public var databaseChangedAt: Date?

    /// How far the replica is behind the newest commit: 0 when it has everything.
    public var lag: TimeInterval? {
        guard let changed = databaseChangedAt else { return nil }
        guard let synced = lastSyncAt else { return config.map { changed.timeIntervalSince($0.configuredAt) }.map { max(0, $0) } }
        return max(0, changed.timeIntervalSince(synced).rounded(.down))
    }
}
