/// One thing the health rules found: how bad, what kind, and the one line a person reads.
/// Code decides on `kind` (which notification fires, what the console and the CLI add),
/// never on the words of `message`, so a message can be reworded freely.
public struct HealthFinding: Sendable, Equatable, Codable {
    /// What was found. Each kind is raised by one rule (or one family of rules, such as the
    /// off-site ones) in `HealthEvaluator` and `OffsiteRules`.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Something the rules need could not be read (a folder, a setting, free space).
        case unreadable = "unreadable"
        /// A file that decides what runs is a link, someone else's or writable by others.
        case untrustedFile = "untrusted_file"
        /// The live database is missing, empty or not an SQLite database.
        case liveDatabaseMissing = "live_db_missing"
        /// A check of the live database found damaged pages.
        case liveDatabaseDamaged = "live_db_damaged"
        /// The live database has a hot journal from a crash.
        case liveDatabaseHotJournal = "live_db_hot_journal"
        /// The POS holds the live database's lock (backups wait for it).
        case liveDatabaseLocked = "live_db_locked"
        /// The live database cannot be read by this user.
        case liveDatabaseUnreadable = "live_db_unreadable"
        /// The backup folder's filesystem is mounted read-only.
        case readOnlyFileSystem = "read_only_file_system"
        /// The notification targets file cannot be read as targets: nothing is sent.
        case notifyTargetsDamaged = "notify_targets_damaged"
        /// No verified backup is on disk.
        case noVerifiedBackup = "no_verified_backup"
        /// Corrupt backups are on disk.
        case corruptBackups = "corrupt_backups"
        /// Backups wait to be checked again (metadata lost, file time changed).
        case verifyPending = "verify_pending"
        /// A backup is dated after the current time (a clock that was wrong, a renamed file).
        case backupDatedAfterNow = "backup_dated_after_now"
        /// Backups failed in a row.
        case backupsFailing = "backups_failing"
        /// The last success is too old, or there is none.
        case backupOverdue = "backup_overdue"
        /// Scheduled backups are off.
        case scheduleOff = "schedule_off"
        /// The newest backup is far smaller or larger than the one before.
        case sizeAnomaly = "size_anomaly"
        /// Free space is low, or the next backup will not fit.
        case diskLow = "disk_low"
        /// No scheduler runs for this data dir.
        case schedulerStopped = "scheduler_stopped"
        /// restic is not installed while off-site copies are set up.
        case offsiteNotInstalled = "offsite_not_installed"
        /// The off-site repository was found damaged (a check or a restore drill).
        case offsiteDamaged = "offsite_damaged"
        /// The last off-site check or restore drill could not run.
        case offsiteCheckNotRun = "offsite_check_not_run"
        /// Another machine pushes under this terminal id too.
        case offsiteTerminalShared = "offsite_terminal_shared"
        /// No off-site copy for too long, or pushes failing in a row.
        case offsitePushesFailing = "offsite_pushes_failing"
        /// A file off-site copies need (the password, the env file, the SSH key) is gone.
        case offsiteFilesMissing = "offsite_files_missing"
        /// Continuous protection is set up and Litestream is not installed.
        case continuousNotInstalled = "continuous_not_installed"
        /// Continuous protection is set up and Litestream is not running.
        case continuousNotRunning = "continuous_not_running"
        /// The replica is behind the database's newest commit.
        case continuousLagging = "continuous_lagging"
        /// The continuous restore drill failed (or could not run).
        case continuousDrillFailed = "continuous_drill_failed"

        /// The off-site rules' kinds (one notification event covers them).
        public var isOffsite: Bool {
            switch self {
            case .offsiteNotInstalled, .offsiteDamaged, .offsiteCheckNotRun, .offsitePushesFailing, .offsiteTerminalShared,
                 .offsiteFilesMissing: return true
            default: return false
            }
        }
    }

    public var level: HealthLevel
    public var kind: Kind
    public var message: String
    /// The backup a finding names (the one to restore, the newest one), when it names one.
    public var backupName: String?
    /// The file or folder a finding is about, when it is about one.
    public var path: String?

    public init(_ level: HealthLevel, _ kind: Kind, _ message: String, backupName: String? = nil, path: String? = nil) {
        self.level = level; self.kind = kind; self.message = message
        self.backupName = backupName; self.path = path
    }
}
