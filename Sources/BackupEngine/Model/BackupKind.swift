/// What made a backup. Raw values are the words used in files, JSON and the CLI.
public enum BackupKind: String, Codable, Sendable, CaseIterable {
    /// Made by the scheduler.
    case scheduled
    /// Made on request (CLI `create`, console `c`).
    case manual
    /// Made before an app update, kept separately.
    case preUpdate = "pre-update"
    /// A `.sql` file left by the PostgreSQL-era service: listed, deletable, never restorable.
    case legacySQL = "legacy-sql"
    /// The live database as it was before a restore (`mr5-pos.db.corrupted.<time>`, beside
    /// it): listed, restorable (undo), deletable; kept by its own count.
    case savedBeforeRestore = "saved-before-restore"
    /// A moment fetched from the continuous replica (`restore --at`), checked like a backup
    /// and kept in `backups/point-in-time/` by its own count (`point_in_time_keep`), out of
    /// the backups' rotation: restorable, never judged or pushed as a backup.
    case pointInTime = "point-in-time"

    /// Scheduled and manual backups share one retention count.
    public var isRegular: Bool { self == .scheduled || self == .manual }

    /// A backup made by mr5-backup (scheduled, manual, pre-update): what "backups" counts,
    /// what health judges and what is protected as the newest verified one.
    public var isBackup: Bool { isRegular || self == .preUpdate }
}
