import Foundation

/// What the history says about regular backups (the `create` attempts behind scheduled and
/// manual backups). The one source for "last success", "failures in a row" and "failures
/// total", so that `status`, the console, the metrics and the scheduler agree.
///
/// A cancelled attempt (SIGTERM, quit) is neither a success nor a failure: it is skipped.
public struct BackupHistorySummary: Sendable, Equatable {
    /// Start of the newest successful backup.
    public var lastSuccessAt: Date?
    public var lastSuccessName: String?
    public var lastSuccessSizeBytes: Int64?
    public var lastSuccessDurationSeconds: Double?
    /// Start of the newest attempt, and how it ended.
    public var lastAttemptAt: Date?
    public var lastAttemptSucceeded: Bool?
    /// The error of the newest failure when the newest attempt failed.
    public var lastError: String?
    /// Failures since the newest success (0 when the newest attempt succeeded).
    public var consecutiveFailures: Int
    /// Every failed attempt in the history.
    public var failuresTotal: Int

    /// An empty history.
    public init() {
        consecutiveFailures = 0
        failuresTotal = 0
    }

    /// Summarises `history` (any order).
    public init(history: [HistoryEntry]) {
        self.init()
        let cancelled = BackupError.cancelled.description
        let attempts = history
            .filter { $0.operation == .create && $0.outcome != .cancelled && $0.message != cancelled }
            .sorted { $0.startedAt > $1.startedAt }
        var inFailureRun = true
        for entry in attempts {
            if lastAttemptAt == nil {
                lastAttemptAt = entry.startedAt
                lastAttemptSucceeded = entry.outcome == .success
                if entry.outcome == .failure { lastError = entry.message }
            }
            switch entry.outcome {
            case .success:
                inFailureRun = false
                if lastSuccessAt == nil {
                    lastSuccessAt = entry.startedAt
                    lastSuccessName = entry.backupName
                    lastSuccessSizeBytes = entry.sizeBytes
                    lastSuccessDurationSeconds = entry.durationSeconds
                }
            case .failure:
                failuresTotal += 1
                if inFailureRun { consecutiveFailures += 1 }
            case .cancelled:
                break
            }
        }
    }
}
