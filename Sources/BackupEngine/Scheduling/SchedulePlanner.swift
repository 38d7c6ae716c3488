import Foundation

/// The schedule rules, as pure functions over plain numbers so they can be tested and
/// explained without a clock:
///
/// - the first run is 2 minutes after the scheduler starts, unless the last successful
///   backup is younger than the interval: then it is at last success + interval (a
///   restarted console does not pile up backups; a terminal that was off overnight
///   catches up 2 minutes after start);
/// - after a success, the next run is one interval after that backup started;
/// - after a failure, retries back off 5, 10, 20, 40... minutes, never later than the
///   regular next run (one interval after the failure, or after the last success).
///
/// Times in `State` are seconds on the monotonic clock, so a wall-clock jump neither
/// skips nor doubles a run.
public enum SchedulePlanner {
    /// Delay of the first run after start when no recent backup exists.
    public static let startupDelay: TimeInterval = 120
    /// The first retry after a failure; each further failure doubles it.
    public static let firstBackoff: TimeInterval = 300

    /// What the planner needs to know, in monotonic seconds.
    public struct State: Sendable, Equatable {
        /// When this scheduler became the active one for the data dir.
        public var startedAt: Double
        /// Start of the last successful backup (ours, or another process's seen in the history).
        public var lastSuccessAt: Double?
        /// End of the last failed attempt.
        public var lastFailureAt: Double?
        /// Failures since the last success.
        public var consecutiveFailures: Int
        /// False until this scheduler has made its first attempt: until then the first-run rule applies.
        public var hasAttempted: Bool

        public init(startedAt: Double, lastSuccessAt: Double? = nil, lastFailureAt: Double? = nil,
                    consecutiveFailures: Int = 0, hasAttempted: Bool = false) {
            self.startedAt = startedAt; self.lastSuccessAt = lastSuccessAt; self.lastFailureAt = lastFailureAt
            self.consecutiveFailures = consecutiveFailures; self.hasAttempted = hasAttempted
        }
    }

    /// The wait after the `failures`-th failure in a row: 5, 10, 20, 40... minutes,
    /// capped at `interval` (never later than the regular next run).
    public static func backoff(afterFailures failures: Int, interval: TimeInterval) -> TimeInterval {
        guard failures >= 1 else { return interval }
        // 2^20 * 5 min is far beyond any interval; stop doubling before it overflows.
        let doubling = pow(2.0, Double(min(failures - 1, 20)))
        return min(firstBackoff * doubling, interval)
    }

    /// When the next run is due, in monotonic seconds (it may be in the past: run now).
    public static func nextRun(_ s: State, interval: TimeInterval, startupDelay: TimeInterval = startupDelay) -> Double {
        if !s.hasAttempted {
            // "Younger than the interval" is judged at start; the rule is re-evaluated with
            // the new interval when the setting changes before the first run.
            if let success = s.lastSuccessAt, success + interval > s.startedAt {
                return success + interval
            }
            return s.startedAt + startupDelay
        }
        let regular = s.lastSuccessAt.map { $0 + interval }
        if s.consecutiveFailures > 0, let failed = s.lastFailureAt {
            var retry = failed + backoff(afterFailures: s.consecutiveFailures, interval: interval)
            if let regular, regular > failed { retry = min(retry, regular) }
            return retry
        }
        if let regular { return regular }
        // Attempted, no success and no failure on record (history unwritable): one interval from start.
        return (s.lastFailureAt ?? s.startedAt) + interval
    }

    /// Where the schedule stands judged from the history alone, for `status` when no
    /// scheduler runs: when a running scheduler would make the next backup. Nil when the
    /// schedule is off, or when nothing has ever been attempted (then a scheduler runs
    /// its first backup 2 minutes after it starts). The date may be in the past: overdue.
    /// With `now`, the next run is never more than one interval away: a clock set back
    /// (a dead CMOS battery) leaves backups dated in the future, which must not stop the schedule.
    public static func projectedNextRun(history: BackupHistorySummary, frequency: BackupFrequency, now: Date? = nil) -> Date? {
        guard let interval = frequency.interval else { return nil }
        let regular = history.lastSuccessAt.map { $0.addingTimeInterval(interval) }
        var next = regular
        if history.consecutiveFailures > 0, let failed = history.lastAttemptAt {
            var retry = failed.addingTimeInterval(backoff(afterFailures: history.consecutiveFailures, interval: interval))
            if let regular, regular > failed { retry = min(retry, regular) }
            next = retry
        }
        if let now, let planned = next { return min(planned, now.addingTimeInterval(interval)) }
        return next
    }

    /// A short duration for screens and messages: `45s`, `12m`, `2h18m`, `3d4h`.
    public static func durationText(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds.rounded()))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 {
            let m = s % 3600 / 60
            return m == 0 ? "\(s / 3600)h" : "\(s / 3600)h\(m)m"
        }
        let h = s % 86400 / 3600
        return h == 0 ? "\(s / 86400)d" : "\(s / 86400)d\(h)h"
    }
}
