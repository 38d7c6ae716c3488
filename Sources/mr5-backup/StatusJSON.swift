import BackupEngine
import Foundation

/// `status --json`.
struct StatusJSON: Encodable {
    /// `OK`, `WARNING`, `CRITICAL` or `UNKNOWN`.
    var status: String
    /// The exit code: 0, 1, 2 or 3.
    var exitCode: Int
    /// The one line plain `status` prints.
    var summary: String
    var reasons: [String]
    /// The reasons with their kind, for code that acts on them (never parse `reasons`).
    var findings: [FindingJSON]
    var checkedAt: Date
    var dataDir: String
    /// Absent when a backup folder cannot be read (the status is then UNKNOWN and says why).
    var backupCount: Int?
    var lastBackupName: String?
    var lastBackupAt: Date?
    var frequency: String?
    var nextBackupAt: Date?
    /// Whether a console or daemon holds the scheduler for this data dir; absent when its
    /// lock, in the backup folder, cannot be read.
    var schedulerRunning: Bool?
    var schedulerPid: Int32?
    /// The live database: `ok`, `missing`, `empty`, `not-a-database`, `damaged`, `locked`, `hot-journal`, `unreadable`.
    var liveDatabase: String? = nil
    /// The last full check of the live database (a backup's check, `--check-live`, a restore).
    var lastLiveCheckAt: Date? = nil
    var lastLiveCheckState: String? = nil
    /// Backups on disk that failed a check (not counted in `backupCount`).
    var corruptBackupCount: Int? = 0
    /// Every problem behind a shortened reason (e.g. each line `quick_check` found).
    var detail: String? = nil
    /// Nagios performance data, as after the `|` of the plain line.
    var performanceData: String? = nil
    /// Notifications waiting in the outbox, and the last delivery (target masked).
    /// Absent when the history's folder (where the outbox is) cannot be read.
    var notifyPending: Int? = 0
    var lastNotification: NotifyResultJSON? = nil
    /// Off-site copies, when set up (as `offsite status --json`).
    var offsite: OffsiteStatusJSON? = nil
    /// Continuous protection, when set up (as `continuous status --json`).
    var continuous: ContinuousStatusJSON? = nil
}

/// One health finding in `status --json`: `kind` is stable (`live_db_missing`, `disk_low`…).
struct FindingJSON: Encodable {
    var kind: String
    var level: String
    var message: String
    var backupName: String?
    var path: String?

    init(_ f: HealthFinding) {
        kind = f.kind.rawValue; level = f.level.word; message = f.message; backupName = f.backupName; path = f.path
    }
}
