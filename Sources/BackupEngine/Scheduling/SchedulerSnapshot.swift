import Foundation

/// What the scheduler is doing, readable from any thread at any moment without waiting
/// on a running backup. The same value is written to `backups/.scheduler-state.json` so
/// that a second console can show the active scheduler's state.
public struct SchedulerSnapshot: Codable, Sendable, Equatable {
    public enum Activity: String, Codable, Sendable {
        /// Waiting for the next run.
        case idle
        /// A backup is being made (see `progress`).
        case running
        /// `backup_frequency` is `off`.
        case disabled
        /// Another process holds the scheduler lock; this one only shows its state.
        case heldByOther
        /// Not started yet, or stopped.
        case stopped
    }

    public var activity: Activity
    /// Progress of the running backup, when `activity == .running`.
    public var progressDone: Int64?
    public var progressTotal: Int64?
    /// The phase of the running backup (`copying`, `checking`, `hashing`), when running.
    public var progressPhase: String?
    /// True while the running backup copies politely (writer-friendly pacing).
    public var progressPolite: Bool?
    /// When `activity == .heldByOther`: what the holder is doing (idle, running, disabled).
    public var holderActivity: Activity?
    /// Interval in seconds (nil when off).
    public var intervalSeconds: Int?
    /// The frequency setting as text (`3h`, `daily`, `off`).
    public var frequency: String
    /// Wall-clock time of the next run (nil when off or unknown).
    public var nextRunAt: Date?
    /// The last attempt by the scheduler, and whether it succeeded.
    public var lastAttemptAt: Date?
    public var lastAttemptSucceeded: Bool?
    public var lastError: String?
    public var lastSuccessAt: Date?
    public var consecutiveFailures: Int
    /// The process running the scheduler, and since when.
    public var ownerPid: Int32?
    public var ownerSince: Date?
    /// What holds the scheduler: `daemon` or `console` (nil in state files of older versions).
    public var ownerKind: String?
    /// Since when the scheduler has seen the POS hold the live database's lock (nil: free
    /// at its last look), so `status` can say for how long.
    public var liveLockedSince: Date?
    /// When this snapshot was taken (a stale one means the holder died).
    public var updatedAt: Date

    public init(activity: Activity, frequency: String, intervalSeconds: Int?, updatedAt: Date) {
        self.activity = activity
        self.frequency = frequency
        self.intervalSeconds = intervalSeconds
        self.consecutiveFailures = 0
        self.updatedAt = updatedAt
    }
}
