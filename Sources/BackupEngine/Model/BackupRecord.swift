import Foundation

/// The result of one verification of a backup file.
public struct Verification: Codable, Sendable, Equatable {
    /// `quick_check`, `integrity_check`, or `sha256` (hash compared only).
    public var method: String
    public var ok: Bool
    public var checkedAt: Date
    /// What was wrong, when `ok` is false.
    public var message: String?

    public init(method: String, ok: Bool, checkedAt: Date, message: String? = nil) {
        self.method = method; self.ok = ok; self.checkedAt = checkedAt; self.message = message
    }

    /// The message of a check that stopped because the file's SHA-256 no longer matches
    /// the recorded one (no SQLite check ran then).
    public static let contentsChangedMessage = "contents changed since the backup was made (SHA-256 differs)"

    /// True when the check failed because the file's bytes changed, not in an SQLite check.
    public var contentsChanged: Bool { !ok && message == Self.contentsChangedMessage }
}

/// Rows in one table of a backup, counted on the backup file itself.
public struct TableCount: Codable, Sendable, Equatable {
    public var table: String
    public var rows: Int64
    public init(table: String, rows: Int64) { self.table = table; self.rows = rows }
}

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

/// How sure we are that a backup file is good.
public enum BackupStatus: String, Codable, Sendable {
    /// Hashed and checked; the file still has the size and time it had then.
    case verified
    /// Never checked by us (no metadata), or changed since: run `verify`.
    case unverified
    /// Failed its last check, or its size changed since it was verified.
    case corrupt
}

/// One backup as listed: the file in the folder, joined with its metadata.
public struct BackupEntry: Sendable, Equatable {
    public var name: String
    public var path: String
    public var kind: BackupKind
    public var createdAt: Date
    public var sizeBytes: Int64
    public var status: BackupStatus
    /// Why the status is not `verified`, in words.
    public var statusDetail: String?
    public var appVersion: String?
    public var record: BackupRecord?

    /// Order among backups made in the same second: 1 for `...-HHMMSS.db`, N for the
    /// collision suffix `...-HHMMSS-N.db` (names carry whole seconds only).
    public var sequence: Int {
        guard name.hasSuffix(".db") else { return 1 }
        let parts = name.dropLast(3).split(separator: "-")
        guard parts.count >= 2, let last = parts.last, let before = parts.dropLast().last,
              before.count == 6, Int(before) != nil, last.count < 6, let n = Int(last) else { return 1 }
        return n
    }

    /// Newest first: by creation time, then by collision suffix.
    /// Newest first by the order they were made when both carry it (a clock that jumped
    /// back must not make the newest backup look oldest); backups without it (made by the
    /// old service or an older mr5-backup) come after those with it, by date.
    public static func newerFirst(_ a: BackupEntry, _ b: BackupEntry) -> Bool {
        SortKey(a).isNewer(than: SortKey(b))
    }

    /// `entries` sorted by `newerFirst`, each key read once: a comparison that copies the
    /// record and splits the name cost a tenth of listing 1,000 backups.
    public static func sortedNewerFirst(_ entries: [BackupEntry]) -> [BackupEntry] {
        let keys = entries.map(SortKey.init)
        return entries.indices.sorted { keys[$0].isNewer(than: keys[$1]) }.map { entries[$0] }
    }

    /// What `newerFirst` compares.
    struct SortKey {
        let madeSequence: Int?
        let createdAt: Date
        let sequence: Int
        let name: String

        init(_ e: BackupEntry) {
            madeSequence = e.record?.madeSequence
            createdAt = e.createdAt
            sequence = e.sequence
            name = e.name
        }

        func isNewer(than b: SortKey) -> Bool {
            let sa = madeSequence, sb = b.madeSequence
            if (sa != nil) != (sb != nil) { return sa != nil }
            if let sa, let sb, sa != sb { return sa > sb }
            if createdAt != b.createdAt { return createdAt > b.createdAt }
            if sequence != b.sequence { return sequence > b.sequence }
            return name > b.name
        }
    }

    /// Only SQLite backups that have not failed a check can be restored.
    public var isRestorable: Bool { kind != .legacySQL && status != .corrupt }
}
