import CSQLite
import Foundation

/// The main database file beneath a connection, read through SQLite's own open file
/// (`SQLITE_FCNTL_FILE_POINTER`, then the VFS's `xFileSize` and `xRead`).
///
/// Why not `open()` the path: closing any second descriptor of a file drops every POSIX
/// lock this process holds on it, the SHARED lock that makes the bytes consistent
/// included (and another connection's in the same process). SQLite's own descriptor is
/// never closed under us.
///
/// Only meaningful while the connection holds a read transaction in rollback-journal
/// mode: SHARED keeps every writer out of the file, and SQLite has rolled back any hot
/// journal before granting it, so the bytes are one whole database. In WAL mode the file
/// alone is not the database (committed pages may still be in the -wal).
struct SQLiteMainFile {
    private let file: UnsafeMutablePointer<sqlite3_file>
    private let methods: UnsafePointer<sqlite3_io_methods>
    private let connection: SQLiteConnection

    init(_ connection: SQLiteConnection) throws {
        var pointer: UnsafeMutablePointer<sqlite3_file>?
        let rc = sqlite3_file_control(connection.handle, "main", SQLITE_FCNTL_FILE_POINTER, &pointer)
        guard rc == SQLITE_OK, let pointer, let methods = pointer.pointee.pMethods else {
            throw SQLiteError(extendedCode: rc == SQLITE_OK ? SQLITE_MISUSE : rc, message: "the database file is not open",
                              path: connection.path, busyTimeoutMs: connection.busyTimeoutMs)
        }
        self.file = pointer
        self.methods = methods
        self.connection = connection
    }

    /// The file's size in bytes as the VFS sees it.
    func size() throws -> Int64 {
        var size: sqlite3_int64 = 0
        let rc = methods.pointee.xFileSize?(file, &size) ?? SQLITE_MISUSE
        try check(rc, "xFileSize")
        return Int64(size)
    }

    /// Fills `buffer` from `offset`; a short read (the file ended) is an error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        let rc = methods.pointee.xRead?(file, buffer.baseAddress, Int32(buffer.count), sqlite3_int64(offset)) ?? SQLITE_MISUSE
        try check(rc, "xRead")
    }

    private func check(_ rc: Int32, _ call: String) throws {
        guard rc != SQLITE_OK else { return }
        throw SQLiteError(extendedCode: rc, message: String(cString: sqlite3_errstr(rc)) + " (\(call))",
                          path: connection.path, busyTimeoutMs: connection.busyTimeoutMs)
    }
}
