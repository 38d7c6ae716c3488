import BackupEngine
import Foundation

/// What `DemoShop.create` built.
public struct DemoReport: Sendable, Equatable {
    /// The data dir (absolute).
    public var dataDir: String
    /// The demo's `mr5-pos.db`.
    public var databasePath: String
    /// Size of the database file when the demo was finished.
    public var databaseBytes: Int64
    /// Rows per table in the finished database.
    public var rowCounts: [TableCount]
    /// Backups made through the engine that are still in the folders, newest first.
    public var backups: [String]
    /// Backups the engine's retention removed while the history was played (they show in the history).
    public var pruned: [String]
    /// The PostgreSQL-era `.sql` file placed in `backups/`.
    public var legacyFile: String
    /// Failed attempts written to the history.
    public var failedAttempts: Int
    /// Wall time the whole demo took.
    public var seconds: Double
}
