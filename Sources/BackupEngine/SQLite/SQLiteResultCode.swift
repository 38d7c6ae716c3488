import CSQLite

/// SQLite's result codes in words. Extended codes a shop can meet get their own sentence
/// (a hot journal, a read-only folder, a disk error); the rest fall back to their primary code.
enum SQLiteResultCode {
    static func words(_ code: Int32) -> String {
        if let text = extended[code] { return text }
        if let text = primary[code & 0xFF] { return text }
        return String(cString: sqlite3_errstr(code))
    }

    private static let extended: [Int32: String] = [
        776: "a crashed writer left an unfinished transaction (hot journal) that needs write access to roll back",  // READONLY_ROLLBACK
        264: "the database or its folder cannot be written (read-only file system or permissions)",  // READONLY_RECOVERY
        520: "the database's lock file cannot be written (read-only folder or permissions)",  // READONLY_CANTLOCK
        1032: "the database file was replaced or moved while open",  // READONLY_DBMOVED
        266: "a disk read failed (a failing disk or a file truncated underneath us)",  // IOERR_READ
        522: "the file is shorter than SQLite expects (truncated or still being written)",  // IOERR_SHORT_READ
        778: "a disk write failed",  // IOERR_WRITE
        1034: "fsync failed: the disk did not confirm the write",  // IOERR_FSYNC
        3850: "the database file could not be locked",  // IOERR_LOCK
        1546: "the database file's size could not be changed",  // IOERR_TRUNCATE
        4618: "the WAL index (-shm) could not be opened",  // IOERR_SHMOPEN
        2570: "a file could not be deleted (its folder is read-only or not ours)",  // IOERR_DELETE
        1544: "the database's folder cannot be written, which SQLite needs here (WAL index or journal)",  // READONLY_DIRECTORY
        14: "the database file cannot be opened (missing folder, permissions or too many open files)",
        526: "the database file cannot be opened: it is a folder",  // CANTOPEN_ISDIR
        517: "a writer that was interrupted left a snapshot that no longer exists; retry",  // BUSY_SNAPSHOT
        261: "the database is being recovered by another connection; retry",  // BUSY_RECOVERY
        779: "an index of the database is damaged",  // CORRUPT_INDEX
        2067: "a uniqueness rule of the database was violated",  // CONSTRAINT_UNIQUE
    ]

    private static let primary: [Int32: String] = [
        SQLITE_ERROR: "SQL error or missing table",
        SQLITE_INTERNAL: "an internal SQLite error",
        SQLITE_PERM: "access denied by the database",
        SQLITE_ABORT: "the operation was aborted",
        SQLITE_BUSY: "the database is locked by another process",
        SQLITE_LOCKED: "the database is locked by another connection",
        SQLITE_NOMEM: "out of memory",
        SQLITE_READONLY: "the database cannot be written (read-only file, folder or permissions)",
        SQLITE_INTERRUPT: "the operation was interrupted",
        SQLITE_IOERR: "a disk I/O error",
        SQLITE_CORRUPT: "the database disk image is malformed (damaged)",
        SQLITE_NOTFOUND: "an internal lookup failed",
        SQLITE_FULL: "the disk is full",
        SQLITE_CANTOPEN: "the database file cannot be opened",
        SQLITE_PROTOCOL: "a locking protocol error (another process misbehaved)",
        SQLITE_SCHEMA: "the database schema changed; retry",
        SQLITE_TOOBIG: "a value is too large",
        SQLITE_CONSTRAINT: "a rule of the database was violated",
        SQLITE_MISMATCH: "an unexpected value or no value",
        SQLITE_MISUSE: "SQLite was used incorrectly (a bug in mr5-backup)",
        SQLITE_NOLFS: "the file is too large for this system",
        SQLITE_AUTH: "not authorised",
        SQLITE_RANGE: "a parameter is out of range",
        SQLITE_NOTADB: "the file is not an SQLite database (or is encrypted)",
    ]
}
