import Foundation

/// What we know about one backup file, kept in `backups/.meta/<name>.json`.
public struct BackupRecord: Codable, Sendable, Equatable {
    public var name: String
    public var kind: BackupKind
    public var createdAt: Date
    public var sizeBytes: Int64
    public var sha256: String
    public var pageCount: Int64
    public var pageSize: Int64
    /// Modification time of the file (seconds since 1970, with nanoseconds) when it was last
    /// hashed; a change means someone wrote to it. A number, not an ISO date, to keep the precision.
    public var fileModifiedAt: Double
    public var durationSeconds: Double
    public var copySeconds: Double
    public var sourcePath: String
    public var sourceSizeBytes: Int64
    public var sourceJournalMode: String
    public var userVersion: Int64
    public var applicationId: Int64
    public var appVersion: String?
    public var tables: [TableCount]
    public var verification: Verification
    /// How the copy was taken (see `CopyStrategy`), restarts seen and the longest time
    /// writers could have been held off.
    public var strategy: CopyStrategy
    public var restarts: Int
    public var longestWriterHoldMs: Double
    /// 1 for the first backup this data dir made, then one more for each: the order backups
    /// were made, which a clock set back cannot change (nil for records older than it).
    public var madeSequence: Int? = nil
    /// The mr5-backup version that made the backup (nil for records older than 0.2.0 and
    /// for files it did not make itself).
    public var toolVersion: String? = nil
    /// Its copy in the off-site repository, once pushed.
    public var offsite: OffsiteCopy? = nil
    /// `full` or `polite` (nil for records older than 0.3.0), and a polite copy's pauses
    /// for the POS and their total length.
    public var pace: CopyPace? = nil
    public var pauses: Int? = nil
    public var pausedSeconds: Double? = nil
}
