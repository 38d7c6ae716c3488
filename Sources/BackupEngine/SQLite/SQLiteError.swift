import CSQLite
import Foundation

/// A failure reported by SQLite, with everything needed to explain it: the primary and
/// extended result codes, SQLite's own message, the SQL that was running (if any) and the
/// file it was about. The engine turns it into a `BackupError` in one place
/// (`BackupError.init(_: SQLiteError)`); its `description` says the code in words.
public struct SQLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The extended result code (`SQLITE_READONLY_ROLLBACK` = 776, ...).
    public let extendedCode: Int32
    /// SQLite's message for this failure (`sqlite3_errmsg`), or its generic text.
    public let message: String
    /// The statement that failed; nil for opening, stepping a backup and the like.
    public let sql: String?
    /// The database file the failure is about.
    public let path: String
    /// The busy timeout the connection used, to say how long we waited for a lock.
    public let busyTimeoutMs: Int32
    /// The system call's errno behind an I/O or open failure (`sqlite3_system_errno`), 0
    /// when none: it tells a read-only filesystem or too many open files from a missing file.
    public let systemErrno: Int32

    public init(extendedCode: Int32, message: String, sql: String? = nil, path: String, busyTimeoutMs: Int32 = 0,
                systemErrno: Int32 = 0) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
        self.path = path
        self.busyTimeoutMs = busyTimeoutMs
        self.systemErrno = systemErrno
    }

    /// The errno behind the last failure on `handle`. SQLite does not keep it for a file it
    /// opened on its own (a journal, the WAL), so a CANTOPEN without one is judged from
    /// what can be measured: this process at its open-file limit is EMFILE, the folder of
    /// `path` on a read-only mount EROFS, its filesystem out of inodes ENOSPC.
    static func systemErrno(_ handle: OpaquePointer?, code: Int32, path: String) -> Int32 {
        let recorded = handle.map { sqlite3_system_errno($0) } ?? 0
        // ENOENT too: after a side file cannot be created SQLite tries to open it read-only.
        guard recorded == 0 || recorded == ENOENT, (code & 0xFF) == SQLITE_CANTOPEN else { return recorded }
        if FileSystem.atOpenFileLimit() { return EMFILE }
        let folder = FileSystem.parent(of: path)
        if FileSystem.isOnReadOnlyMount(folder) { return EROFS }
        if FileSystem.hasBytesButNoInodes(folder) { return ENOSPC }
        return recorded
    }

    /// A query that had to return a row returned none (instead of silently reading 0).
    static func noRow(sql: String, path: String) -> SQLiteError {
        SQLiteError(extendedCode: SQLITE_MISMATCH, message: "the query returned no value", sql: sql, path: path)
    }

    /// The primary result code (`SQLITE_READONLY` = 8 for 776).
    public var resultCode: Int32 { extendedCode & 0xFF }

    /// What the code means, in words a technician can act on.
    public var meaning: String { SQLiteResultCode.words(extendedCode) }

    public var isBusy: Bool { resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED }
    /// Damaged pages (`SQLITE_CORRUPT`).
    public var isCorrupt: Bool { resultCode == SQLITE_CORRUPT }
    /// Not an SQLite database, or encrypted (`SQLITE_NOTADB`).
    public var isNotADatabase: Bool { resultCode == SQLITE_NOTADB }
    /// The disk is full (`SQLITE_FULL`).
    public var isFull: Bool { resultCode == SQLITE_FULL }
    /// The file cannot be opened (`SQLITE_CANTOPEN`).
    public var isCantOpen: Bool { resultCode == SQLITE_CANTOPEN }
    /// A write was refused or failed: read-only (`SQLITE_READONLY`) or an I/O error (`SQLITE_IOERR`).
    public var isWriteRefused: Bool { resultCode == SQLITE_READONLY || resultCode == SQLITE_IOERR }
    public var isIOError: Bool { resultCode == SQLITE_IOERR }
    /// Access denied (`SQLITE_PERM`, `SQLITE_AUTH`).
    public var isPermission: Bool { resultCode == SQLITE_PERM || resultCode == SQLITE_AUTH }
    /// A crashed writer's hot journal that this read-only connection cannot roll back.
    public var isReadOnlyRollback: Bool { extendedCode == SQLITE_READONLY | (3 << 8) }  // SQLITE_READONLY_ROLLBACK, 776 (a macro Swift does not import)

    /// One line: the meaning, SQLite's own text when it adds something, the code and the file.
    public var description: String {
        let own = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let generic = String(cString: sqlite3_errstr(extendedCode))
        var text = meaning
        if !own.isEmpty && own != generic && !meaning.contains(own) { text += " (\(own))" }
        return "\(text) [SQLite \(extendedCode)] on \(path)"
    }
}
