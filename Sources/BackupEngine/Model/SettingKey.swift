/// Every setting the engine knows: where it lives, whether a person may set it, and the
/// least a count may be. The known keys, the writable ones, validation and the CLI's help
/// text all come from here.
public enum SettingKey: String, CaseIterable, Sendable {
    case backupFrequency = "backup_frequency"
    case backupKeep = "backup_keep"
    case backupKeepDaily = "backup_keep_daily"
    case backupKeepWeekly = "backup_keep_weekly"
    case preUpdateKeep = "pre_update_keep"
    case savedKeep = "saved_keep"
    /// Moments fetched from the continuous replica kept locally (`restore --at`).
    case pointInTimeKeep = "point_in_time_keep"
    case schedulerExpected = "scheduler_expected"
    case terminalID = "terminal_id"
    case offsiteKeepDaily = "offsite_keep_daily"
    case offsiteKeepWeekly = "offsite_keep_weekly"
    case offsiteKeepMonthly = "offsite_keep_monthly"
    /// Pre-update backups kept off-site, on their own count (the daily rules would forget
    /// all but a day's).
    case offsiteKeepPreUpdate = "offsite_keep_pre_update"
    /// restic's upload limit in KiB/s for a shop's uplink (0: none).
    case offsiteLimitUpload = "offsite_limit_upload"
    /// `till` (default) or `admin`: who forgets and prunes this till's snapshots (storage
    /// that refuses a till's deletes leaves it to the admin's `fleet prune`).
    case offsitePrune = "offsite_prune"
    /// `on` or `off` (default): the daemon reads the fleet and tells `terminal_dark`.
    case fleetWatch = "fleet_watch"
    /// The continuous replica's window, in days (Litestream's retention).
    case continuousKeep = "continuous_keep"
    /// How far behind the replica may fall before it is WARNING, then CRITICAL (seconds).
    case continuousLagWarning = "continuous_lag_warning"
    case continuousLagCritical = "continuous_lag_critical"
    /// Days between the scheduler's continuous restore drills.
    case continuousDrillDays = "continuous_drill_days"
    /// Written by the engine after each backup.
    case lastBackup = "last_backup"
    /// Set by `offsite init`.
    case offsiteRepository = "offsite_repository"
    case offsiteOptions = "offsite_options"

    /// Where a setting is kept.
    public enum Home: Sendable {
        /// The POS database's `settings` table (or `backups/.meta/settings.json`).
        case shop
        /// The off-site config, readable without the POS database.
        case offsite
        /// The continuous protection setup, beside it.
        case continuous
    }

    public var home: Home {
        switch self {
        case .offsiteKeepDaily, .offsiteKeepWeekly, .offsiteKeepMonthly, .offsiteKeepPreUpdate, .offsiteLimitUpload,
             .offsiteRepository, .offsiteOptions, .offsitePrune, .fleetWatch: return .offsite
        case .continuousKeep, .continuousLagWarning, .continuousLagCritical, .continuousDrillDays: return .continuous
        default: return .shop
        }
    }

    /// False for the settings the engine writes itself.
    public var isWritable: Bool {
        switch self {
        case .lastBackup, .offsiteRepository, .offsiteOptions: return false
        default: return true
        }
    }

    /// For a count of backups or snapshots to keep, the least it may be (0: that rule off).
    public var leastCount: Int? {
        switch self {
        case .backupKeep, .preUpdateKeep, .savedKeep, .pointInTimeKeep: return 1
        case .backupKeepDaily, .backupKeepWeekly, .offsiteKeepDaily, .offsiteKeepWeekly, .offsiteKeepMonthly, .offsiteKeepPreUpdate: return 0
        default: return nil
        }
    }

    public static func keys(_ include: (SettingKey) -> Bool) -> [String] { allCases.filter(include).map(\.rawValue) }

    /// `a, b, c or d`, for help text.
    public static func listed(_ include: (SettingKey) -> Bool) -> String {
        let names = keys(include)
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
