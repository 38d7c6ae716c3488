import Foundation

/// The rules for taking attempts made by other processes (read from the history) into the
/// scheduler's plan, so that a manual backup from the CLI resets the schedule and the
/// scheduler, `status` and the console count failures alike. Pure: it sees plain values
/// and changes only itself and the plan it is given; unit-tested next to `SchedulePlanner`.
public struct HistoryAdoption: Sendable, Equatable {
    /// The newest success already taken into the plan (wall time).
    public var adoptedSuccess: Date?
    /// The newest failure already taken into the plan (wall time).
    public var adoptedFailure: Date?
    /// When this scheduler's own last attempt started (wall time, whole seconds).
    public var ownLastAttempt: Date?

    public init(adoptedSuccess: Date? = nil, adoptedFailure: Date? = nil, ownLastAttempt: Date? = nil) {
        self.adoptedSuccess = adoptedSuccess
        self.adoptedFailure = adoptedFailure
        self.ownLastAttempt = ownLastAttempt
    }

    /// Takes `summary` into `plan`:
    /// - a success newer than any adopted becomes the plan's last success;
    /// - when the history covers our own last attempt (or something newer) it is the
    ///   truth for the failure count, and a newer failure by someone else starts the backoff.
    /// Returns true when the history is current, so its last attempt may be shown.
    /// `nowWall`/`nowMono` convert history times to the plan's monotonic seconds.
    public mutating func adopt(_ summary: BackupHistorySummary, into plan: inout SchedulePlanner.State,
                               nowWall: Date, nowMono: Double) -> Bool {
        func mono(_ date: Date) -> Double { nowMono - max(0, nowWall.timeIntervalSince(date)) }

        if let success = summary.lastSuccessAt, success > (adoptedSuccess ?? .distantPast) {
            plan.lastSuccessAt = mono(success)
            adoptedSuccess = success
        }
        let historyIsCurrent = (summary.lastAttemptAt ?? .distantPast) >= (ownLastAttempt ?? .distantPast)
        guard historyIsCurrent else { return false }
        plan.consecutiveFailures = summary.consecutiveFailures
        if summary.lastAttemptSucceeded == false, let failed = summary.lastAttemptAt,
           failed > (adoptedFailure ?? .distantPast), failed > (ownLastAttempt ?? .distantPast) {
            plan.lastFailureAt = mono(failed)
            adoptedFailure = failed
        }
        return true
    }
}
