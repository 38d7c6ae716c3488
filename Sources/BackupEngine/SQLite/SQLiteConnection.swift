import CSQLite
import Foundation

/// One SQLite connection. Not shared between threads: each engine operation opens its own
/// connections and closes them before it returns, so no connection outlives its lock.
///
/// The only way the package talks to SQLite, with `SQLiteStatement` and `SQLiteBackup`:
/// every failure comes back as an `SQLiteError` that keeps the codes, the message and the SQL.
public final class SQLiteConnection {
    public enum Mode: Sendable {
        /// Never creates the file and never writes (the source of a backup).
        case readOnly
        /// A file we wrote ourselves and nobody else touches: no locking, no -wal/-shm created.
        case immutable
        /// Writes an existing file; never creates one (the live database on restore).
        case readWrite
        /// Creates the file (our temp files and the demo only).
        case create
    }

    let handle: OpaquePointer
    public let path: String
    public let busyTimeoutMs: Int32

    public init(path: String, mode: Mode, busyTimeoutMs: Int32 = 5_000) throws {
        self.path = path
        self.busyTimeoutMs = busyTimeoutMs
        // Not SQLITE_OPEN_NOFOLLOW: it refuses a link anywhere in the path, and a data dir
        // or `backups/` that is a link (a second disk) is a real setup. The last component
        // is ours to check: a live database behind a link is resolved and checked once
        // (`DataLayout.resolvingDatabaseLink`), temp files are created by `FileSystem`
        // with O_EXCL|O_NOFOLLOW before SQLite opens them, and a backup that is a link is
        // never used (`Catalog`).
        var flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readOnly, .immutable: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var uri = "file:" + SQLiteConnection.percentEncode(path)
        if mode == .immutable { uri += "?immutable=1" }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(uri, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let code = db.map { sqlite3_extended_errcode($0) } ?? rc
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            let systemErrno = SQLiteError.systemErrno(db, code: code == 0 ? rc : code, path: path)
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(extendedCode: code == 0 ? rc : code, message: message, path: path, busyTimeoutMs: busyTimeoutMs,
                              systemErrno: systemErrno)
        }
        handle = db
        sqlite3_busy_timeout(db, busyTimeoutMs)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs statements that return no rows we need (several, separated by `;`).
    public func execute(_ sql: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql,
                              path: path, busyTimeoutMs: busyTimeoutMs,
                              systemErrno: SQLiteError.systemErrno(handle, code: sqlite3_extended_errcode(handle), path: path))
        }
    }

    /// A prepared statement; it must not outlive this connection.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// Runs one statement with arguments, for its effect; returns the rows it changed.
    @discardableResult
    public func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// The first column of every row, as text (NULLs left out).
    public func texts(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [String] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var out: [String] = []
        while try statement.step() {
            if let text = statement.text(0) { out.append(text) }
        }
        return out
    }

    /// The first column of the first row as an integer; a query that returns no row or
    /// NULL is an error, never a silent 0.
    public func int64(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> Int64 {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        guard try statement.step(), let value = statement.int64(0) else { throw SQLiteError.noRow(sql: sql, path: path) }
        return value
    }

    /// The first column of the first row as text; nil when there is no row or it is NULL
    /// (for lookups where "not there" is an answer, such as a setting).
    public func optionalText(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> String? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    /// The first column of the first row as text; an error when there is none.
    public func text(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> String {
        guard let value = try optionalText(sql, arguments) else { throw SQLiteError.noRow(sql: sql, path: path) }
        return value
    }

    /// The error SQLite holds for this connection right now.
    func lastError(sql: String? = nil) -> SQLiteError {
        SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)),
                    sql: sql, path: path, busyTimeoutMs: busyTimeoutMs,
                              systemErrno: SQLiteError.systemErrno(handle, code: sqlite3_extended_errcode(handle), path: path))
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
    /// Attaches the database file at `path`, read as immutable (never written, never
    /// locked: a backup), under `schema`. Outside any transaction.
    public func attachImmutable(_ path: String, as schema: String) throws {
        try run("ATTACH DATABASE ? AS \(Self.quoteIdentifier(schema))", [.text("file:" + Self.percentEncode(path) + "?immutable=1")])
    }

    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension SQLiteConnection {
    /// Runs `body`, interrupting any statement still running after `seconds` (it then
    /// fails with SQLITE_INTERRUPT, `isInterrupt`), so one slow query cannot hold up the rest.
    public func withTimeLimit<T>(_ seconds: TimeInterval, _ body: () throws -> T) rethrows -> T {
        let deadline = DeadlineBox(Date().addingTimeInterval(seconds))
        let context = Unmanaged.passUnretained(deadline).toOpaque()
        sqlite3_progress_handler(handle, 10_000, { context in
            guard let context else { return 0 }
            return Date() > Unmanaged<DeadlineBox>.fromOpaque(context).takeUnretainedValue().deadline ? 1 : 0
        }, context)
        defer { sqlite3_progress_handler(handle, 0, nil, nil) }
        // A single long step (`count(*)` is one) never calls the progress handler: a timer
        // interrupts it too. `sqlite3_interrupt` is safe from another thread while the
        // connection is open; `finished` (under its lock) keeps the timer from firing later.
        let finished = Locked(false)
        let target = InterruptTarget(handle: handle)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            finished.withLock { done in if !done { sqlite3_interrupt(target.handle) } }
        }
        defer { finished.withLock { $0 = true } }
        return try withExtendedLifetime(deadline) { try body() }
    }
}

/// The connection a timer may interrupt: SQLite allows `sqlite3_interrupt` from any thread
/// while the connection is open, and `withTimeLimit` keeps it open until the timer is disarmed.
private struct InterruptTarget: @unchecked Sendable {
    let handle: OpaquePointer
}

/// The deadline a progress handler reads (a class, so C code can hold a pointer to it).
private final class DeadlineBox {
    let deadline: Date
    init(_ deadline: Date) { self.deadline = deadline }
}

extension SQLiteError {
    /// The statement was interrupted (a time limit ran out).
    public var isInterrupt: Bool { resultCode == SQLITE_INTERRUPT }
}
