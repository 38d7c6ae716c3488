import Foundation

/// A backup that was made, verified and put in place.
public struct CreateResult: Sendable {
    public var entry: BackupEntry
    public var record: BackupRecord
    /// Backups retention removed afterwards.
    public var pruned: [String]
    /// A warning that did not fail the backup (e.g. `last_backup` could not be written).
    public var warnings: [String]
}

/// The outcome of checking one backup.
public struct VerifyResult: Sendable {
    public var name: String
    public var ok: Bool
    public var method: String
    public var sha256: String?
    /// False when there was no recorded hash to compare with (a file without metadata).
    public var hashCompared: Bool
    public var message: String?
    /// Every problem the check found, when `message` could only say the first.
    public var detail: String? = nil
    public var durationSeconds: Double
    /// False when the data dir could not be written: the check ran, nothing was recorded.
    public var recorded: Bool = true
}

/// A completed restore.
public struct RestoreResult: Sendable {
    public var restoredFrom: String
    /// Where the database as it was before the restore is saved (nil when there was none).
    public var savedCurrentAs: String?
    public var tables: [TableCount]
    public var durationSeconds: Double
    /// Always true: the POS app must reopen the database.
    public var restartRequired: Bool { true }
}

/// What retention removed (or would remove, on a dry run).
public struct PruneResult: Sendable {
    public var deleted: [BackupEntry]
    public var kept: [BackupEntry]
    public var dryRun: Bool
    /// Every backup with the rules that keep it (none for those deleted), newest first.
    public var decisions: [RetentionPolicy.Decision] = []
}
