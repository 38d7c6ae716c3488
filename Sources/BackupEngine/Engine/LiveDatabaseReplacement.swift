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

    /// Opens the live database read-write (never create), which makes SQLite roll a hot
    /// journal back, exactly as the POS app would on its next start.
    func rollBackHotJournal() throws {
        let db = try SQLiteConnection(path: databasePath, mode: .readWrite, busyTimeoutMs: busyTimeoutMs)
        _ = try db.int64("SELECT count(*) FROM sqlite_schema")
    }

    /// True when the live file opens as a readable SQLite database.
    func opens() -> Bool {
        guard let db = try? SQLiteConnection(path: databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs) else { return false }
        return (try? db.int64("SELECT count(*) FROM sqlite_schema")) != nil
    }

    /// The live database's journal mode (`wal`, `delete`...), nil when it cannot be read.
    func journalMode() -> String? {
        guard let db = try? SQLiteConnection(path: databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs) else { return nil }
        return (try? db.text("PRAGMA journal_mode"))?.lowercased()
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

    /// Refuses, before the current database is saved, a backup whose page size differs
    /// from the live WAL database's while another program has it open: the write would
    /// refuse it the same way (`leaveWALWhenAlone`), after saving the current database for
    /// nothing (about 20 s at 4 GiB). Read-only unless the page sizes differ in WAL mode;
    /// then, with nobody else on the file, the probe's switch out of WAL mode succeeds and
    /// is undone at once. If WAL mode cannot be put back (a program opened the file that
    /// moment), that program is the POS app: refused the same way, nothing saved yet.
    func requirePageSizeChangeAllowed(backupPath: String) throws {
        let src = try SQLiteConnection(path: backupPath, mode: .immutable, busyTimeoutMs: busyTimeoutMs)
        let backupPageSize = try src.int64("PRAGMA page_size")
        let (livePageSize, liveMode) = try {
            let reader = try SQLiteConnection(path: databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs)
            return (try reader.int64("PRAGMA page_size"), try reader.text("PRAGMA journal_mode").lowercased())
        }()
        guard livePageSize != backupPageSize, liveMode == "wal" else { return }
        let dst = try SQLiteConnection(path: databasePath, mode: .readWrite, busyTimeoutMs: busyTimeoutMs)
        guard try leaveWALWhenAlone(live: dst, backup: src) else { return }
        guard (try? dst.text("PRAGMA journal_mode=WAL"))?.lowercased() == "wal" else {
            throw BackupError.pageSizeChangeNeedsAppStopped(path: databasePath, backupPageSize: backupPageSize, livePageSize: livePageSize)
        }
    }

    /// Saves the current database as `mr5-pos.db.corrupted.<stamp>` (with `-2`, `-3`... when
    /// taken) and returns its path: a consistent copy through the backup API when it opens,
    /// a raw copy of the file and its -wal/-journal when it does not.
    func saveCurrent(stamp: String, consistent: Bool, progress: ProgressHandler?) throws -> (path: String, consistent: Bool) {
        var savedPath = databasePath + ".corrupted." + stamp
        var n = 2
        while FileSystem.exists(savedPath) { savedPath = databasePath + ".corrupted." + stamp + "-\(n)"; n += 1 }

        let tmp = FileSystem.temporaryPath(in: folder, label: FileSystem.fileName(of: savedPath))
        defer { try? FileSystem.remove(tmp); try? FileSystem.remove(tmp + "-journal") }
        if consistent {
            do {
                try FileSystem.createPrivateFile(tmp)
                _ = try HotCopy(busyTimeoutMs: busyTimeoutMs).copy(
                    source: databasePath, destination: tmp,
                    progress: progress.map { p in { d, t in p(BackupProgress(phase: .savingCurrent, done: d, total: t)) } },
                    cancellation: nil)
                try FileSystem.fsyncFile(tmp)
                try FileSystem.renameDurably(tmp, to: savedPath)
                return (savedPath, true)
            } catch {
                // Only a database found damaged while copying falls back to its raw bytes;
                // anything else (locked, full, an I/O error) refuses the restore.
                let e = BackupError(error)
                let damaged: Bool
                switch e {
                case .notADatabase: damaged = true
                case .sqlite(let s): damaged = s.isCorrupt
                default: damaged = false
                }
                guard damaged else { throw e }
                try? FileSystem.remove(tmp)
            }
        }
        // No connection of ours is open on the live file here, so plain I/O cannot drop a lock.
        // All copies are made before any is renamed into place: a failure leaves no orphans.
        let sides = ["-wal", "-journal"].filter { FileSystem.info(databasePath + $0)?.isRegular == true }
        defer { for suffix in sides { try? FileSystem.remove(tmp + suffix) } }
        for suffix in sides { try FileSystem.copyFile(databasePath + suffix, to: tmp + suffix) }
        try FileSystem.copyFile(databasePath, to: tmp)
        try FileSystem.renameDurably(tmp, to: savedPath)
        for suffix in sides { try FileSystem.renameDurably(tmp + suffix, to: savedPath + suffix) }
        return (savedPath, false)
    }

    /// Writes the backup into the live database as one write transaction, so connections
    /// the POS app holds see an ordinary change. `walAfter`: the backup was taken of a WAL
    /// database, so the restored one is put in WAL mode too (also after a restore that was
    /// killed while the file was out of WAL mode, see `leaveWALWhenAlone`). Returns false
    /// when the database was to end in WAL mode and could not be put in it (a program
    /// opened it the moment the restore ended): it is sound in rollback-journal mode, which
    /// every SQLite program opens, and the caller says so.
    func writeThroughBackupAPI(from backupPath: String, walAfter: Bool, progress: ProgressHandler?) throws -> Bool {
        let dst = try SQLiteConnection(path: databasePath, mode: .readWrite, busyTimeoutMs: busyTimeoutMs)
        let src = try SQLiteConnection(path: backupPath, mode: .immutable, busyTimeoutMs: busyTimeoutMs)
        let backToWAL = try leaveWALWhenAlone(live: dst, backup: src)
        do {
            try copyIn(from: src, to: dst, progress: progress)
        } catch {
            // The transaction rolled back: the file is as it was, and so must its mode be.
            if backToWAL { _ = try? dst.text("PRAGMA journal_mode=WAL") }
            throw error
        }
        guard backToWAL || walAfter else { return true }
        return (try? dst.text("PRAGMA journal_mode=WAL"))?.lowercased() == "wal"
    }

    /// The backup API's one transaction; the backup handle is released when this returns,
    /// so the live connection can change its journal mode afterwards.
    private func copyIn(from src: SQLiteConnection, to dst: SQLiteConnection, progress: ProgressHandler?) throws {
        let backup = try SQLiteBackup(from: src, to: dst)
        try backup.run(policy: .init(busyTimeoutMs: busyTimeoutMs, busyPauseMicros: 5_000, contended: .destination),
                       pages: { 4096 }) { step in
            progress?(BackupProgress(phase: .restoring, done: step.done, total: step.total))
        }
        try backup.finish()
    }

    /// Takes the live file out of WAL mode for the restore when no other connection has it
    /// open (the POS app stopped); true when WAL mode is to be put back afterwards. A kill
    /// during the restore leaves the file sound but in rollback mode; the next restore of a
    /// backup of a WAL database puts WAL mode back.
    ///
    /// In WAL mode SQLite looks every page up in the WAL's index before writing it, and the
    /// index grows with the restore's one transaction: the lookups grow with the square of
    /// the size (8% of a 4 GiB restore). In rollback mode the same transaction is as atomic
    /// (a journal of the pages it replaces). With the POS app open the switch is refused at
    /// once (busy) and the restore stays in WAL mode, which its connections see as an
    /// ordinary change; except when the page sizes differ, which SQLite cannot change in
    /// WAL mode (its backup API answers "read-only"): a backup from before the POS app
    /// changed its page size needs the app stopped. Any other failure is the restore's.
    private func leaveWALWhenAlone(live: SQLiteConnection, backup: SQLiteConnection) throws -> Bool {
        guard try live.text("PRAGMA journal_mode").lowercased() == "wal" else { return false }
        do {
            if try live.text("PRAGMA journal_mode=DELETE").lowercased() == "delete" { return true }
        } catch let error as SQLiteError where error.isBusy {
            // Another connection has the file open.
        }
        let livePageSize = try live.int64("PRAGMA page_size")
        let backupPageSize = try backup.int64("PRAGMA page_size")
        if livePageSize != backupPageSize {
            throw BackupError.pageSizeChangeNeedsAppStopped(path: databasePath, backupPageSize: backupPageSize, livePageSize: livePageSize)
        }
        return false
    }

    /// Copies the backup beside the live file (fsynced), ready to be swapped in; the live
    /// database is not touched yet.
    func stage(_ backupPath: String) throws -> String {
        let tmp = FileSystem.temporaryPath(in: folder, label: "restore.db")
        do { try FileSystem.copyFile(backupPath, to: tmp) } catch { try? FileSystem.remove(tmp); throw error }
        return tmp
    }

    /// Puts the staged copy where the live file was (missing or unopenable), removing the
    /// old side files: they belong to the old file and are in the saved copy.
    func swapIn(_ staged: String) throws {
        defer { try? FileSystem.remove(staged) }
        for suffix in ["-wal", "-shm", "-journal"] { try FileSystem.remove(databasePath + suffix) }
        try FileSystem.renameDurably(staged, to: databasePath)
    }

    /// Removes a saved copy (and its side files) when the restore changed nothing after all.
    func discardSavedCopy(_ saved: String) {
        for suffix in ["", "-wal", "-journal"] { try? FileSystem.remove(saved + suffix) }
        try? FileSystem.fsyncDirectory(folder)
    }

    /// `quick_check` of the live file: nil when it is fine, else what it found.
    func quickCheck() throws -> CheckFindings? {
        let live = try SQLiteConnection(path: databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs)
        let rows = try live.texts("PRAGMA quick_check(100)")
        return rows == ["ok"] ? nil : CheckFindings(check: "quick_check", lines: rows)
    }
}
