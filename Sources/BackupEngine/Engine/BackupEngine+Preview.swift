import Foundation

extension BackupEngine {
    /// Compares the live database with a backup, table by table (rows on each side, the
    /// newest date), before a restore; changes nothing. The live side is read in one read
    /// transaction in WAL mode (writers go on) and statement by statement in rollback mode
    /// (each holds the read lock only for its own count). A table that takes longer than
    /// `tableTimeLimit` is marked `timedOut` and the rest still come. `onTable` sees the
    /// preview grow, for a dialog that fills in as the numbers arrive.
    public func restorePreview(name: String, tableTimeLimit: TimeInterval = 3,
                               onTable: ((RestorePreview) -> Void)? = nil) throws -> RestorePreview {
        let entry = try catalog.entry(named: name)
        guard entry.kind != .legacySQL else {
            throw BackupError.notRestorable(name: name, reason: "a PostgreSQL-era .sql file cannot be restored into SQLite")
        }
        return try restorePreview(entry: entry, tableTimeLimit: tableTimeLimit, onTable: onTable)
    }

    /// The preview for a backup file that may not be in the catalog (a snapshot being fetched).
    func restorePreview(entry: BackupEntry, tableTimeLimit: TimeInterval = 3,
                        onTable: ((RestorePreview) -> Void)? = nil) throws -> RestorePreview {
        let name = entry.name
        try BackupInspector.requireSQLiteHeader(entry.path)
        let backupDB = try SQLiteConnection(path: entry.path, mode: .immutable, busyTimeoutMs: busyTimeoutMs)
        let liveState = checkLiveDatabase(full: false)
        let liveDB = liveState == .ok
            ? try? SQLiteConnection(path: layout.databasePath, mode: LiveDatabaseAccess.readMode(layout.databasePath), busyTimeoutMs: busyTimeoutMs)
            : nil
        // The backup beside the live database in one connection, to match rows by rowid
        // (attached before the read transaction: SQLite refuses it inside one).
        let attached = liveDB.map { (try? $0.attachImmutable(entry.path, as: Self.previewSchema)) != nil } ?? false
        let liveSize = FileSystem.info(layout.databasePath).map { $0.size + (FileSystem.info(layout.databasePath + "-wal")?.size ?? 0) } ?? 0
        var preview = RestorePreview(backup: name, backupCreatedAt: entry.createdAt, liveSizeBytes: liveSize,
                                     backupSizeBytes: entry.sizeBytes, liveReadable: liveDB != nil, tables: [])

        let backupTables = try BackupInspector.tableNames(backupDB)
        let liveTables = (try? liveDB.map(BackupInspector.tableNames)) ?? nil ?? []
        let names = backupTables + liveTables.filter { !backupTables.contains($0) }
        let snapshot = liveDB.map { (try? $0.optionalText("PRAGMA journal_mode"))??.lowercased() == "wal" } ?? false
        if snapshot, let liveDB { try? liveDB.execute("BEGIN"); _ = try? liveDB.int64("SELECT count(*) FROM sqlite_schema") }
        defer { if snapshot, let liveDB { try? liveDB.execute("COMMIT") } }

        for table in names {
            var row = RestorePreview.Table(name: table)
            let onBackup = backupTables.contains(table), onLive = liveTables.contains(table)
            let columns = (try? columnsOf(table, in: onBackup ? backupDB : liveDB!)) ?? []
            row.dateColumn = DateColumn.pick(columns)
            if onBackup {
                let side = measure(table, dateColumn: row.dateColumn, in: backupDB, limit: tableTimeLimit)
                row.backupRows = side.rows; row.backupNewest = side.newest; row.timedOut = row.timedOut || side.timedOut
            }
            if onLive, let liveDB {
                let side = measure(table, dateColumn: row.dateColumn, in: liveDB, limit: tableTimeLimit)
                row.liveRows = side.rows; row.liveNewest = side.newest; row.timedOut = row.timedOut || side.timedOut
            }
            // A table on one side only has 0 rows on the other.
            row.inBackup = onBackup
            row.inLive = onLive || liveDB == nil
            if !onBackup, row.liveRows != nil { row.backupRows = 0 }
            if !onLive, liveDB != nil, row.backupRows != nil { row.liveRows = 0 }
            if onBackup, onLive, attached, let liveDB, !row.timedOut {
                let matched = compareRows(table, dateColumn: row.dateColumn, in: liveDB, limit: tableTimeLimit)
                row.leaving = matched?.leaving
                row.returning = matched?.returning
            }
            preview.tables.append(row)
            onTable?(preview)
        }
        return preview
    }

    /// The schema name the backup is attached under for the comparison.
    static let previewSchema = "mr5_backup"

    /// Rows only in the live table and rows only in the backup's, within the time limit;
    /// nil for a table without rowid (or out of time): the net count stands alone.
    ///
    /// A row is the same row on both sides when its rowid matches and, in a dated table,
    /// its date too: SQLite gives a sale made after a restore the rowid of an order the
    /// restore took away, and only its date tells them apart. A row edited since (same
    /// rowid, same date) is not counted: the sentence says rows, not edits.
    private func compareRows(_ table: String, dateColumn: String?, in db: SQLiteConnection,
                             limit: TimeInterval) -> (leaving: Int64, returning: Int64)? {
        let live = "main." + SQLiteConnection.quoteIdentifier(table)
        let backup = Self.previewSchema + "." + SQLiteConnection.quoteIdentifier(table)
        let sameDate = dateColumn.map { " AND b.\(SQLiteConnection.quoteIdentifier($0)) IS l.\(SQLiteConnection.quoteIdentifier($0))" } ?? ""
        return try? db.withTimeLimit(limit) {
            let leaving = try db.int64("SELECT count(*) FROM \(live) AS l WHERE NOT EXISTS (SELECT 1 FROM \(backup) AS b WHERE b.rowid = l.rowid\(sameDate))")
            let returning = try db.int64("SELECT count(*) FROM \(backup) AS b WHERE NOT EXISTS (SELECT 1 FROM \(live) AS l WHERE l.rowid = b.rowid\(sameDate))")
            return (leaving, returning)
        }
    }

    private func columnsOf(_ table: String, in db: SQLiteConnection) throws -> [(name: String, type: String)] {
        let statement = try db.prepare("SELECT name, type FROM pragma_table_info(?)")
        try statement.bind([.text(table)])
        var out: [(name: String, type: String)] = []
        while try statement.step() { out.append((statement.text(0) ?? "", statement.text(1) ?? "")) }
        return out
    }

    /// Rows and newest date of one table on one side, within the time limit.
    private func measure(_ table: String, dateColumn: String?, in db: SQLiteConnection,
                         limit: TimeInterval) -> (rows: Int64?, newest: String?, timedOut: Bool) {
        let quoted = SQLiteConnection.quoteIdentifier(table)
        do {
            return try db.withTimeLimit(limit) {
                let rows = try db.int64("SELECT count(*) FROM \(quoted)")
                let newest = try dateColumn.flatMap { try db.optionalText("SELECT max(\(SQLiteConnection.quoteIdentifier($0))) FROM \(quoted)") }
                return (rows, newest, false)
            }
        } catch let e as SQLiteError where e.isInterrupt {
            return (nil, nil, true)
        } catch {
            return (nil, nil, false)
        }
    }
}
