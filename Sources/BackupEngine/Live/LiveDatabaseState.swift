import Foundation

/// What the live `mr5-pos.db` is, as far as mr5-backup can tell. One classification for
/// `status`, the console, the scheduler and the metrics (see `BackupEngine.checkLiveDatabase`).
public enum LiveDatabaseState: Codable, Equatable, Sendable {
    /// Opens and its schema reads (and, after a full check, `quick_check` is ok).
    case ok
    /// The file is not there.
    case missing
    /// 0 bytes: SQLite would read it as an empty database with no tables.
    case empty
    /// Not an SQLite database (a text file, a damaged header, an encrypted file).
    case notADatabase
    /// Pages are damaged: what the check found.
    case damaged(CheckFindings)
    /// Another process holds a lock that keeps even readers out (longer than the busy timeout).
    case locked
    /// A crashed writer left a hot journal; it is rolled back by the next connection that can write.
    case hotJournal
    /// mr5-backup cannot read it (permissions, not a regular file): the reason in words.
    case unreadable(String)

    /// The name used in JSON, metrics help and docs.
    public var name: String {
        switch self {
        case .ok: return "ok"
        case .missing: return "missing"
        case .empty: return "empty"
        case .notADatabase: return "not-a-database"
        case .damaged: return "damaged"
        case .locked: return "locked"
        case .hotJournal: return "hot-journal"
        case .unreadable: return "unreadable"
        }
    }

    /// The metrics gauge: 0 ok, then one number per state.
    public var gaugeValue: Int {
        switch self {
        case .ok: return 0
        case .missing: return 1
        case .empty: return 2
        case .notADatabase: return 3
        case .damaged: return 4
        case .locked: return 5
        case .hotJournal: return 6
        case .unreadable: return 7
        }
    }

    /// Missing, empty, not a database or damaged: the shop's data is not there as it should be.
    public var isLost: Bool {
        switch self {
        case .missing, .empty, .notADatabase, .damaged: return true
        default: return false
        }
    }

    /// Whether a backup can be made of it at all.
    public var canBeBackedUp: Bool {
        switch self {
        case .ok, .locked, .hotJournal, .damaged: return true
        default: return false
        }
    }

    /// One line: `live database damaged (quick_check found 20 problems (first: ...))`.
    public var description: String {
        switch self {
        case .ok: return "live database ok"
        case .missing: return "live database missing"
        case .empty: return "live database is empty (0 bytes)"
        case .notADatabase: return "live database is not an SQLite database"
        case .damaged(let findings): return "live database damaged (\(findings.summary))"
        case .locked: return "live database locked by another process"
        case .hotJournal: return "live database has an unfinished transaction from a crash (hot journal)"
        case .unreadable(let why): return "live database cannot be read: \(why)"
        }
    }
}

/// The last full check of the live database, kept in `backups/.meta/live-check.json`.
public struct LiveCheckRecord: Codable, Equatable, Sendable {
    /// How the check was made.
    public enum Source: String, Codable, Sendable {
        /// A backup's copy passed `quick_check`: the live database as of its snapshot was whole.
        case backup
        /// `quick_check` on the live file itself (`status --check-live`, or after a copy failed its check).
        case liveQuickCheck = "live-quick-check"
        /// A restore wrote the database and checked it.
        case restore
    }

    public var state: LiveDatabaseState
    public var checkedAt: Date
    public var source: Source

    public init(state: LiveDatabaseState, checkedAt: Date, source: Source) {
        self.state = state; self.checkedAt = checkedAt; self.source = source
    }
}
