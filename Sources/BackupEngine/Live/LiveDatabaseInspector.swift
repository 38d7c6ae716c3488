import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Classifies the live database. The cheap checks (exists, size, header, schema readable)
/// cost a few system calls and one small read, so `status`, every console refresh and
/// every scheduler tick can afford them; the full check adds `quick_check`, which reads
/// every page (in rollback-journal mode it holds a read lock, and so blocks writers, for
/// as long as that takes; in WAL mode writers go on).
struct LiveDatabaseInspector {
    let databasePath: String
    let busyTimeoutMs: Int32

    func classify(full: Bool) -> LiveDatabaseState {
        guard let info = FileSystem.info(databasePath) else {
            // A folder we cannot search hides the file: say that, not "missing".
            let folder = FileSystem.parent(of: databasePath)
            if FileSystem.isDirectory(folder), access(folder, X_OK) != 0 {
                return .unreadable("permission denied on \(folder) (\(Ownership.describe(folder)))")
            }
            return .missing
        }
        if info.isDirectory || (!info.isRegular && !FileSystem.isRegularFileFollowingLinks(databasePath)) {
            return .unreadable("not a regular file: \(databasePath)")
        }
        // Reading the header with plain I/O while no connection of ours is open cannot drop a lock.
        let header: [UInt8]
        do { header = try FileSystem.readHeader(databasePath, count: 100) } catch {
            guard case .system(_, _, let err) = BackupError(error) else { return .unreadable(BackupError(error).description) }
            return .unreadable("\(err.description.lowercased()) (\(Ownership.describe(databasePath)))")
        }
        if header.isEmpty { return .empty }
        guard header.count == 100, Array(header[0..<16]) == SQLiteConnection.headerMagic else { return .notADatabase }

        // A quick look right after another found the lock held: the same answer, no wait.
        if !full, RecentLock.isRecent(databasePath) { return .locked }
        do {
            let db = try SQLiteConnection(path: databasePath, mode: LiveDatabaseAccess.readMode(databasePath), busyTimeoutMs: busyTimeoutMs)
            _ = try db.int64("SELECT count(*) FROM sqlite_schema")
            guard full else { return .ok }
            // One read transaction: a consistent snapshot (WAL writers go on).
            try db.execute("BEGIN")
            defer { try? db.execute("COMMIT") }
            let lines = try db.checkLines("PRAGMA quick_check(100)")
            return lines == ["ok"] ? .ok : .damaged(CheckFindings(check: "quick_check", lines: lines))
        } catch let e as SQLiteError {
            return state(for: e)
        } catch {
            return .unreadable(BackupError(error).description)
        }
    }

    /// The state an SQLite error on the live file means.
    func state(for e: SQLiteError) -> LiveDatabaseState {
        // Not the database's state at all: this process or its filesystem (named as such).
        if [EMFILE, ENFILE, EROFS, ENOSPC, EDQUOT].contains(e.systemErrno) { return .unreadable(BackupError(sqlite: e).description) }
        if e.isReadOnlyRollback { return .hotJournal }
        if e.isBusy {
            RecentLock.note(databasePath)
            return .locked
        }
        if e.isIOError && FileSystem.exists(databasePath + "-journal") { return .hotJournal }
        if e.isNotADatabase { return .notADatabase }
        if e.isCorrupt { return .damaged(CheckFindings(check: "opening", lines: [e.message])) }
        if e.isPermission { return .unreadable("permission denied (\(Ownership.describe(databasePath)))") }
        return .unreadable(e.description)
    }
}
