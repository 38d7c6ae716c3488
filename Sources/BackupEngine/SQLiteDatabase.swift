import CSQLite
import Foundation

/// One SQLite connection. Not shared between threads: each engine operation opens its own
/// connections and closes them before it returns, so no connection outlives its lock.
final class SQLiteDatabase {
    enum Mode {
        /// Never creates the file and never writes (the source of a backup).
        case readOnly
        /// A file we wrote ourselves and nobody else touches: no locking, no -wal/-shm created.
        case immutable
        /// Writes an existing file; never creates one (the live database on restore).
        case readWrite
        /// Creates the file (our temp files only).
        case create
    }

    let handle: OpaquePointer
    let path: String

    init(path: String, mode: Mode, busyTimeoutMs: Int32 = 5_000) throws {
        self.path = path
        var flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readOnly, .immutable: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var uri = "file:" + SQLiteDatabase.percentEncode(path)
        if mode == .immutable { uri += "?immutable=1" }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(uri, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteDatabase.error(code: rc, message: message, path: path, busyTimeoutMs: busyTimeoutMs)
        }
        handle = db
        sqlite3_busy_timeout(db, busyTimeoutMs)
        sqlite3_extended_result_codes(db, 1)
        self.busyTimeoutMs = busyTimeoutMs
    }

    let busyTimeoutMs: Int32

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs statements that return no rows we need.
    func execute(_ sql: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw SQLiteDatabase.error(code: rc, message: message, path: path, busyTimeoutMs: busyTimeoutMs)
        }
    }

    /// Runs one statement and returns every row, each column as text (NULL as nil).
    func query(_ sql: String, _ arguments: [String] = []) throws -> [[String?]] {
        var stmt: OpaquePointer?
        var rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw lastError(rc) }
        defer { sqlite3_finalize(stmt) }
        for (index, argument) in arguments.enumerated() {
            sqlite3_bind_text(stmt, Int32(index + 1), argument, -1, mr5_sqlite_transient())
        }
        var rows: [[String?]] = []
        let columns = sqlite3_column_count(stmt)
        while true {
            rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw lastError(rc) }
            var row: [String?] = []
            row.reserveCapacity(Int(columns))
            for column in 0..<columns {
                if let text = sqlite3_column_text(stmt, column) {
                    row.append(String(cString: text))
                } else {
                    row.append(nil)
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// The first column of the first row as an integer (PRAGMA page_count and the like).
    func scalarInt(_ sql: String, _ arguments: [String] = []) throws -> Int64 {
        let rows = try query(sql, arguments)
        guard let first = rows.first?.first, let text = first, let value = Int64(text) else { return 0 }
        return value
    }

    /// The first column of the first row as text.
    func scalarText(_ sql: String) throws -> String? {
        try query(sql).first?.first ?? nil
    }

    /// Number of rows changed by the last statement.
    var changes: Int32 { sqlite3_changes(handle) }

    func lastError(_ rc: Int32) -> BackupError {
        SQLiteDatabase.error(code: rc, message: String(cString: sqlite3_errmsg(handle)), path: path, busyTimeoutMs: busyTimeoutMs)
    }

    /// Maps an SQLite result code to the engine's error, with the wording a technician needs.
    static func error(code: Int32, message: String, path: String, busyTimeoutMs: Int32) -> BackupError {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .databaseLocked(path: path, seconds: max(1, Int(busyTimeoutMs / 1000)))
        case SQLITE_NOTADB:
            return .notADatabase(path: path)
        case SQLITE_FULL:
            return .diskFull(path: path)
        case SQLITE_CANTOPEN:
            if !FileManager.default.fileExists(atPath: path) { return .databaseNotFound(path: path) }
            return .sqlite(code: code, message: message, path: path)
        default:
            return .sqlite(code: code, message: message, path: path)
        }
    }

    /// Escapes a path for a `file:` URI (SQLITE_OPEN_URI is on so that `immutable=1` works,
    /// and then `?`, `#` and `%` in a folder name would otherwise be misread).
    static func percentEncode(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"), 0..<0x20, 0x7F...0xFF:
                out += String(format: "%%%02X", byte)
            default:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    /// Quotes an identifier for use in SQL text (table names from sqlite_schema).
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
