import Foundation

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
    /// Set when the listing found it dated more than a minute after the current time.
    public var datedAfterNow = false
    /// Why it waits to be checked again before it counts as verified (nil: it does not).
    public var pendingCheck: PendingCheck? = nil

    /// A backup that is probably good but must be hashed again to be trusted.
    public enum PendingCheck: String, Codable, Sendable {
        /// Its metadata is missing or cannot be read (lost in a crash, removed, truncated).
        case metadataMissing = "metadata_missing"
        /// Same size as verified, another file time (copied with `tar` or `cp -p`, touched).
        case fileTimeChanged = "file_time_changed"
    }

    /// Order among backups made in the same second: 1 for `...-HHMMSS.db`, N for the
    /// collision suffix `...-HHMMSS-N.db` (names carry whole seconds only).
    public var sequence: Int {
        guard name.hasSuffix(".db") else { return 1 }
        let parts = name.dropLast(3).split(separator: "-")
        guard parts.count >= 2, let last = parts.last, let before = parts.dropLast().last,
              before.count == 6, Int(before) != nil, last.count < 6, let n = Int(last) else { return 1 }
        return n
    }

    /// Newest first, the one rule for "newest" everywhere (the list, status, retention, the
    /// next due time): a backup dated after now comes after every other (a clock set
    /// forward once, or a file renamed by hand, must not stay "newest" for ever); then by
    /// the time in its name, then by collision suffix. Never by whether its metadata
    /// exists: metadata is a cache, and a backup that lost it keeps its place in time.
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
        let datedAfterNow: Bool
        let createdAt: Date
        let sequence: Int
        let name: String

        init(_ e: BackupEntry) {
            datedAfterNow = e.datedAfterNow
            createdAt = e.createdAt
            sequence = e.sequence
            name = e.name
        }

        func isNewer(than b: SortKey) -> Bool {
            if datedAfterNow != b.datedAfterNow { return !datedAfterNow }
            if createdAt != b.createdAt { return createdAt > b.createdAt }
            if sequence != b.sequence { return sequence > b.sequence }
            return name > b.name
        }
    }

    /// Only SQLite backups that have not failed a check can be restored.
    public var isRestorable: Bool { kind != .legacySQL && status != .corrupt }
}
