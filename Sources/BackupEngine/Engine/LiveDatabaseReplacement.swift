import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The mechanics of putting a backup in place of the live database: saving what is there
/// now, writing the backup in, and checking the result. The engine's restore decides
/// when (after verifying the backup, under the operation lock); this type knows how.
struct LiveDatabaseReplacement {
    let databasePath: String
    let busyTimeoutMs: Int32

    private var folder: String { FileSystem.parent(of: databasePath) }

    /// True when the live file opens as a readable SQLite database.
    func opens() -> Bool {
        guard let db = try? SQLiteConnection(path: databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs) else { return false }
        return (try? db.int64("SELECT count(*) FROM sqlite_schema")) != nil
    }

    /// Refuses before writing when the saved copy and the restored file cannot both fit.
    func requireSpace(forBackupOf backupBytes: Int64, liveExists: Bool) throws {
        let liveBytes = liveExists ? (FileSystem.info(databasePath)?.size ?? 0) + (FileSystem.info(databasePath + "-wal")?.size ?? 0) : 0
        let space = try FileSystem.space(folder)
        let needed = liveBytes + backupBytes + (1 << 20)
        if needed > space.free {
            throw BackupError.insufficientSpace(needed: needed, available: space.free, mountPoint: space.mountPoint)
        }
    }

    /// Saves the current database as `mr5-pos.db.corrupted.<stamp>` (with `-2`, `-3`... when
    /// taken) and returns its path: a consistent copy through the backup API when it opens,
    /// a raw copy of the file and its -wal/-journal when it does not.
    func saveCurrent(stamp: String, consistent: Bool, progress: ProgressHandler?) throws -> String {
        var savedPath = databasePath + ".corrupted." + stamp
        var n = 2
        while FileSystem.exists(savedPath) { savedPath = databasePath + ".corrupted." + stamp + "-\(n)"; n += 1 }

        let tmp = folder + "/.tmp-\(getpid())-" + FileSystem.fileName(of: savedPath)
        defer { try? FileSystem.remove(tmp); try? FileSystem.remove(tmp + "-journal") }
        if consistent {
            do {
                try FileSystem.createPrivateFile(tmp, replacing: true)
                _ = try HotCopy(busyTimeoutMs: busyTimeoutMs).copy(
                    source: databasePath, destination: tmp,
                    progress: progress.map { p in { d, t in p(BackupProgress(phase: .savingCurrent, done: d, total: t)) } },
                    cancellation: nil)
                try FileSystem.fsyncFile(tmp)
                try FileSystem.renameDurably(tmp, to: savedPath)
                return savedPath
            } catch {
                switch BackupError(error) {
                case .databaseLocked, .diskFull, .insufficientSpace, .system: throw BackupError(error)
                default: try? FileSystem.remove(tmp)   // damaged: fall back to the raw bytes below
                }
            }
        }
        // No connection of ours is open on the live file here, so plain I/O cannot drop a lock.
        for suffix in ["-wal", "-journal"] where FileSystem.info(databasePath + suffix)?.isRegular == true {
            let sideTmp = tmp + suffix
            try FileSystem.copyFile(databasePath + suffix, to: sideTmp)
            try FileSystem.renameDurably(sideTmp, to: savedPath + suffix)
        }
        try FileSystem.copyFile(databasePath, to: tmp)
        try FileSystem.renameDurably(tmp, to: savedPath)
        return savedPath
    }

    /// Writes the backup into the live database as one write transaction, so connections
    /// the POS app holds see an ordinary change.
    func writeThroughBackupAPI(from backupPath: String, progress: ProgressHandler?) throws {
        let dst = try SQLiteConnection(path: databasePath, mode: .readWrite, busyTimeoutMs: busyTimeoutMs)
        let src = try SQLiteConnection(path: backupPath, mode: .immutable, busyTimeoutMs: busyTimeoutMs)
        let backup = try SQLiteBackup(from: src, to: dst)
        try backup.run(policy: .init(busyTimeoutMs: busyTimeoutMs, busyPauseMicros: 5_000, contended: .destination),
                       pages: { 4096 }) { step in
            progress?(BackupProgress(phase: .restoring, done: step.done, total: step.total))
        }
        try backup.finish()
    }

    /// Puts a copy of the backup where the live file was (missing or unopenable), removing
    /// the old side files: they belong to the old file and are in the saved copy.
    func replaceFile(with backupPath: String) throws {
        let tmp = folder + "/.tmp-\(getpid())-restore.db"
        defer { try? FileSystem.remove(tmp) }
        try FileSystem.copyFile(backupPath, to: tmp)
        for suffix in ["-wal", "-shm", "-journal"] { try FileSystem.remove(databasePath + suffix) }
        try FileSystem.renameDurably(tmp, to: databasePath)
    }

    /// `quick_check` of the live file: nil when it is fine, else what it found.
    func quickCheck() throws -> String? {
        let live = try SQLiteConnection(path: databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs)
        let rows = try live.texts("PRAGMA quick_check(5)")
        return rows == ["ok"] ? nil : rows.joined(separator: "; ")
    }
}
