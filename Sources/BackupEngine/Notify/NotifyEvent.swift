import Foundation

/// One thing worth telling someone who is not looking. The JSON a webhook receives and a
/// command reads on stdin; `text` is the one-line message chat webhooks show as is.
public struct NotifyEvent: Codable, Equatable, Sendable {
    public enum Name: String, Codable, Sendable, CaseIterable {
        case backupFailed = "backup_failed"
        case backupRecovered = "backup_recovered"
        case backupOverdue = "backup_overdue"
        case liveDBDamaged = "live_db_damaged"
        case liveDBMissing = "live_db_missing"
        case corruptBackupFound = "corrupt_backup_found"
        case diskLow = "disk_low"
        case sizeAnomaly = "size_anomaly"
        case restoreDone = "restore_done"
        case schedulerStopped = "scheduler_stopped"
        case offsiteFailed = "offsite_failed"
        case offsiteRecovered = "offsite_recovered"
        case offsiteDamaged = "offsite_damaged"
        case continuousFailed = "continuous_failed"
        case continuousRecovered = "continuous_recovered"
        /// Another till of the fleet stopped reporting, or reports again (`fleet_watch`).
        case terminalDark = "terminal_dark"
        case terminalRecovered = "terminal_recovered"
        case test
    }

    public var id: String
    public var event: Name
    /// `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`: from the same health function as `status`.
    public var severity: String
    public var terminal: String
    public var dataDir: String
    public var time: Date
    public var message: String
    /// The one-line message, for Slack, Mattermost and Rocket.Chat incoming webhooks.
    public var text: String
    public var backupName: String?
    public var error: String?
    public var reasons: [String]?

    public init(event: Name, severity: HealthLevel, terminal: String, dataDir: String, time: Date, message: String,
                backupName: String? = nil, error: String? = nil, reasons: [String]? = nil) {
        id = UUID().uuidString
        self.event = event
        self.severity = severity.word
        self.terminal = terminal
        self.dataDir = dataDir
        self.time = time
        self.message = OneLine.make(message)
        text = OneLine.make("[\(severity.word)] \(terminal): \(message)")
        self.backupName = backupName
        self.error = error
        self.reasons = reasons
    }
}
