import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks a backup file that no one else writes: SQLite's own structural check, the
/// rows in every table, and the SHA-256 of its bytes.
public enum BackupInspector {

    /// `PRAGMA quick_check` (or the full `integrity_check`); nil when fine, else what it found.
    static func check(path: String, full: Bool) throws -> CheckFindings? {
        try requireSQLiteHeader(path)
        let name = full ? "integrity_check" : "quick_check"
        let db = try SQLiteConnection(path: path, mode: .immutable)
        let messages: [String]
        do {
            messages = try db.checkLines(full ? "PRAGMA integrity_check(100)" : "PRAGMA quick_check(100)")
        } catch let error as SQLiteError {
            return CheckFindings(check: name, lines: ["could not run: \(BackupError(error).description)"])
        }
        if messages == ["ok"] { return nil }
        return CheckFindings(check: name, lines: messages)
    }

    /// The rows a check returns. On badly damaged files SQLite stops part-way with
    /// "database disk image is malformed" after some rows: that is one more finding, not
    /// a failure to check.

    /// Opens the file as a database and reads the basics; throws for a non-database.
    static func header(path: String) throws -> (pageCount: Int64, pageSize: Int64, journal: String) {
        try requireSQLiteHeader(path)
        let db = try SQLiteConnection(path: path, mode: .immutable)
        let count = try db.int64("PRAGMA page_count")
        let size = try db.int64("PRAGMA page_size")
        return (count, size, try db.optionalText("PRAGMA journal_mode") ?? "delete")
    }

    /// Rows in every table (virtual ones included), in schema order.
    public static func tableCounts(path: String) throws -> [TableCount] {
        let db = try SQLiteConnection(path: path, mode: .immutable)
        var counts: [TableCount] = []
        for name in try tableNames(db) {
            // A virtual table whose module this SQLite lacks cannot be counted; leave it out.
            if let n = try? db.int64("SELECT count(*) FROM \(SQLiteConnection.quoteIdentifier(name))") {
                counts.append(TableCount(table: name, rows: n))
            }
        }
        return counts
    }

    /// The user tables of a database (SQLite's own left out), in schema order.
    static func tableNames(_ db: SQLiteConnection) throws -> [String] {
        try db.texts("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")
    }

    /// Hex SHA-256 of the file, reading 1 MiB at a time.
    static func sha256(path: String, progress: ((Int64, Int64) -> Void)? = nil,
                       cancellation: CancellationFlag? = nil) throws -> String {
        let fd = try FileSystem.openForReading(path)
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        let total = Int64(st.st_size)
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var done: Int64 = 0
        var lastReport: Int64 = 0
        while true {
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw BackupError.io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: n))
            done += Int64(n)
            if done - lastReport >= 16 << 20 {
                lastReport = done
                progress?(done, total)
                if cancellation?.isCancelled == true { throw BackupError.cancelled }
            }
        }
        progress?(done, total)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Refuses zero-length, truncated-header and non-SQLite files with a clear message.
    static func requireSQLiteHeader(_ path: String) throws {
        guard let info = FileSystem.info(path) else { throw BackupError.io(operation: "open", path: path, errno: ENOENT) }
        guard info.isRegular else { throw BackupError.notARegularFile(path: path) }
        let bytes = try FileSystem.readHeader(path, count: 100)
        guard bytes.count == 100, Array(bytes[0..<16]) == SQLiteConnection.headerMagic else {
            throw BackupError.notADatabase(path: path)
        }
        // Page size and page count in the header must account for the file's length.
        var pageSize = Int64(bytes[16]) << 8 | Int64(bytes[17])
        if pageSize == 1 { pageSize = 65536 }
        let pages = Int64(bytes[28]) << 24 | Int64(bytes[29]) << 16 | Int64(bytes[30]) << 8 | Int64(bytes[31])
        if pageSize >= 512, pages > 0, info.size < pages * pageSize {
            throw BackupError.verificationFailed(name: FileSystem.fileName(of: path),
                reason: "file is truncated: \(info.size) bytes, header says \(pages * pageSize)")
        }
    }
}
