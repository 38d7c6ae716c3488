import Foundation

/// How often the scheduler looks at things. The defaults are the product's; tests and
/// the demo shorten them.
public struct SchedulerTiming: Sendable, Equatable {
    /// First run after start when no recent backup exists (the 2 minutes).
    public var startupDelay: TimeInterval
    /// How often `backup_frequency` is re-read without a `settingsChanged()` call.
    public var settingsPoll: TimeInterval
    /// How often a follower re-reads the holder's state and tries to take over.
    public var followerPoll: TimeInterval
    /// How often the state file is rewritten with progress while a backup runs (real time).
    public var progressWriteInterval: TimeInterval
    /// How long a scheduled backup waits for the operation lock (a CLI operation running).
    public var lockWait: TimeInterval
    /// Testing and demos only: run at this interval whatever `backup_frequency` says,
    /// even under its 5-minute minimum. Nil in the product.
    public var fixedInterval: TimeInterval?
    /// The longest the metrics file goes unwritten while a scheduler runs (its
    /// `metrics_written_timestamp_seconds` makes a stale file an alert of its own).
    public var metricsRefresh: TimeInterval

    public init(startupDelay: TimeInterval = SchedulePlanner.startupDelay, settingsPoll: TimeInterval = 30,
                followerPoll: TimeInterval = 2, progressWriteInterval: TimeInterval = 2,
                lockWait: TimeInterval = 5, fixedInterval: TimeInterval? = nil, metricsRefresh: TimeInterval = 300) {
        self.startupDelay = startupDelay; self.settingsPoll = settingsPoll; self.followerPoll = followerPoll
        self.progressWriteInterval = progressWriteInterval; self.lockWait = lockWait; self.fixedInterval = fixedInterval
        self.metricsRefresh = metricsRefresh
    }

    /// The product's timing.
    public static let standard = SchedulerTiming()
}
