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

    /// Scheduled and manual backups share one retention count.
    public var isRegular: Bool { self == .scheduled || self == .manual }
}
