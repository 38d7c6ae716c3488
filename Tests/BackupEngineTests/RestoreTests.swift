@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

final class RestoreTests: XCTestCase {
    func testRestoreBringsBackContentAndSavesCurrentDatabase() throws {
        for journal in ["WAL", "DELETE"] {
            let tmp = TempDir()
            let layout = try makeDataDir(tmp, journal: journal)
            let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_000_000))
            let engine = BackupEngine(layout: layout, clock: clock)
            let backup = try engine.createBackup()
            try sqlite3(layout.databasePath, "DELETE FROM orders WHERE id > 50; INSERT INTO products(name) VALUES ('after-backup');")
            let before = try sqlite3(layout.databasePath, "SELECT count(*) FROM orders")
            XCTAssertEqual(before, "50")
            clock.advance(by: 60)

            let result = try engine.restore(name: backup.entry.name)
            XCTAssertEqual(try sqlite3(layout.databasePath, "SELECT count(*) FROM orders"), "200", journal)
            XCTAssertEqual(try sqlite3(layout.databasePath, "SELECT count(*) FROM products WHERE name='after-backup'"), "0")
            XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA integrity_check"), "ok")
            // A WAL database leaves WAL mode for the restore (nobody else had it open) and is
            // in it again after.
            XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA journal_mode"), journal.lowercased(), journal)
            XCTAssertFalse(FileManager.default.fileExists(atPath: layout.databasePath + "-journal"), journal)
            // The database as it was is saved beside it, complete and consistent.
            let saved = try XCTUnwrap(result.savedCurrentAs)
            XCTAssertEqual(saved, layout.databasePath + ".corrupted.2025-11-24-160100")
            XCTAssertEqual(try sqlite3(saved, "SELECT count(*) FROM orders"), "50")
            XCTAssertEqual(try sqlite3(saved, "SELECT count(*) FROM products WHERE name='after-backup'"), "1")
            XCTAssertTrue(result.restartRequired)
            // Its check and hash ran beside the write; both are recorded when restore returns.
            let savedEntry = try XCTUnwrap(engine.listBackups().first { $0.kind == .savedBeforeRestore })
            XCTAssertEqual(savedEntry.record?.verification.ok, true, journal)
            XCTAssertEqual(savedEntry.record?.sha256, try BackupInspector.sha256(path: saved), journal)
            XCTAssertEqual(savedEntry.record?.tables.first { $0.table == "orders" }?.rows, 50, journal)
            XCTAssertEqual(savedEntry.record?.sourceJournalMode, journal.lowercased(), "an undo puts the journal mode back too")
            XCTAssertEqual(engine.history().first?.operation, .restore)
            XCTAssertEqual(engine.history().first?.outcome, .success)
        }
    }

    func testRestoreWhileAnotherConnectionIsOpenKeepsItCoherent() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let backup = try engine.createBackup()
        try sqlite3(layout.databasePath, "DELETE FROM orders")
        // A long-lived reader (like the POS app) reads after the restore through the same connection.
        let reader = try ChildProcess("/usr/bin/sqlite3", [layout.databasePath])
        reader.write("SELECT 'before', count(*) FROM orders;\n")
        XCTAssertTrue(reader.waitForOutput { $0.contains("before|") }, reader.stderr)
        _ = try engine.restore(name: backup.entry.name)
        reader.write("SELECT 'after', count(*) FROM orders;\n.quit\n")
        reader.closeInput()
        XCTAssertEqual(reader.wait(), 0, reader.stderr)
        let text = reader.stdout
        XCTAssertTrue(text.contains("before|0"), text)
        XCTAssertTrue(text.contains("after|200"), text)
    }

    /// A POS app update may change the database's page size; SQLite cannot change a WAL
    /// database's page size while another connection is open (found by hand: the restore
    /// failed as "the database cannot be written (read-only file...)").
    func testABackupWithAnotherPageSizeNeedsTheAppStoppedAndThenRestores() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_000_000))
        let engine = BackupEngine(layout: layout, clock: clock)
        let backup = try engine.createBackup()
        _ = try sqlite3(layout.databasePath, "PRAGMA journal_mode=DELETE; PRAGMA page_size=8192; VACUUM; DELETE FROM orders WHERE id > 10; PRAGMA journal_mode=WAL;")
        let state = "PRAGMA page_size; SELECT count(*), total(id) FROM orders; SELECT count(*) FROM products"
        let changed = try sqlite3(layout.databasePath, state)
        clock.advance(by: 60)

        let app = try ChildProcess("/usr/bin/sqlite3", [layout.databasePath])
        app.write("SELECT 'open', count(*) FROM orders;\n")
        XCTAssertTrue(app.waitForOutput { $0.contains("open|10") }, app.stderr)
        let phases = Locked<[BackupProgress.Phase]>([])
        XCTAssertThrowsError(try engine.restore(name: backup.entry.name, progress: { p in phases.withLock { $0.append(p.phase) } })) { error in
            guard case .pageSizeChangeNeedsAppStopped(_, let backupSize, let liveSize) = error as? BackupError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual([backupSize, liveSize], [4096, 8192])
            XCTAssertTrue(BackupError(error).description.contains("stop the POS app and restore again"), "\(error)")
        }
        XCTAssertEqual(try sqlite3(layout.databasePath, state), changed, "the live database is untouched")
        XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA journal_mode"), "wal")
        XCTAssertFalse(phases.withLock { $0 }.contains(.savingCurrent), "refused before the current database was saved: \(phases.withLock { $0 })")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: tmp.path).contains { $0.contains(".corrupted.") },
                       "a refused restore leaves no saved copy")
        XCTAssertFalse(engine.listBackups().contains { $0.kind == .savedBeforeRestore }, "nor its metadata")
        XCTAssertEqual(engine.history().first?.outcome, .failure)
        app.write(".quit\n")
        app.closeInput()
        XCTAssertEqual(app.wait(), 0, app.stderr)

        clock.advance(by: 60)
        _ = try engine.restore(name: backup.entry.name)
        XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA page_size; PRAGMA journal_mode; SELECT count(*) FROM orders; PRAGMA integrity_check"),
                       "4096\nwal\n200\nok")
    }

    /// A restore killed while the live file was out of WAL mode leaves it sound in
    /// rollback mode; restoring a backup of the WAL database puts WAL mode back.
    func testRestoringABackupOfAWALDatabasePutsWALModeBack() throws {
        try assertWALAfterRestore(backupOf: "WAL", thenLive: "PRAGMA journal_mode=DELETE", answers: "delete")
    }

    /// A backup of a rollback-mode database restored into a WAL one (the POS app switched
    /// since): the live file leaves WAL mode for the restore and goes back to it.
    func testAWALDatabaseIsInWALModeAfterRestoringABackupFromBeforeItWas() throws {
        try assertWALAfterRestore(backupOf: "DELETE", thenLive: "PRAGMA journal_mode=WAL; DELETE FROM orders;", answers: "wal")
    }

    /// Backs up a database in `journal` mode, runs `sql` on the live file (which answers
    /// `answers`), restores, and expects WAL mode and every row.
    private func assertWALAfterRestore(backupOf journal: String, thenLive sql: String, answers: String,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, journal: journal)
        let engine = BackupEngine(layout: layout)
        let backup = try engine.createBackup()
        XCTAssertEqual(try sqlite3(layout.databasePath, sql), answers, file: file, line: line)
        _ = try engine.restore(name: backup.entry.name)
        XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA journal_mode; SELECT count(*) FROM orders"), "wal\n200", file: file, line: line)
    }

    func testCorruptBackupIsRefusedAndLiveDatabaseUntouched() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let backup = try engine.createBackup()
        try sqlite3(layout.databasePath, "PRAGMA wal_checkpoint(TRUNCATE)")
        let liveBefore = try Data(contentsOf: URL(fileURLWithPath: layout.databasePath))

        // One flipped byte in the middle.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: backup.entry.path))
        try handle.seek(toOffset: 6000)
        let byte = try XCTUnwrap(handle.readData(ofLength: 1).first)
        try handle.seek(toOffset: 6000)
        handle.write(Data([byte ^ 0xFF]))
        try handle.close()

        let verify = try engine.verify(name: backup.entry.name)
        XCTAssertFalse(verify.ok)
        XCTAssertTrue(verify.message?.contains("SHA-256") ?? false)
        assertThrowsBackupError(try engine.restore(name: backup.entry.name)) {
            if case .verificationFailed = $0 { return true }; return false
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: layout.databasePath)), liveBefore)
        XCTAssertFalse(FileSystem.list(tmp.path).contains { $0.contains(".corrupted.") })
        XCTAssertEqual(engine.listBackups().first?.status, .corrupt)
    }

    func testTruncatedAndZeroLengthBackupsAreDetected() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let a = try engine.createBackup()
        let b = try engine.createBackup()
        XCTAssertEqual(truncate(a.entry.path, 8192), 0)
        XCTAssertEqual(truncate(b.entry.path, 0), 0)
        // Size changed: listed as corrupt at once, before any hashing.
        XCTAssertTrue(engine.listBackups().allSatisfy { $0.status == .corrupt })
        for name in [a.entry.name, b.entry.name] {
            XCTAssertFalse(try engine.verify(name: name).ok)
            assertThrowsBackupError(try engine.restore(name: name)) {
                if case .verificationFailed = $0 { return true }; return false
            }
        }
    }

    func testRestoreIntoMissingOrGarbageLiveFile() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let backup = try engine.createBackup()
        try sqlite3(layout.databasePath, "PRAGMA wal_checkpoint(TRUNCATE)")

        // Garbage where the database was: saved raw, then replaced by rename.
        try FileManager.default.removeItem(atPath: layout.databasePath)
        try? FileManager.default.removeItem(atPath: layout.databasePath + "-wal")
        try? FileManager.default.removeItem(atPath: layout.databasePath + "-shm")
        try Data(repeating: 0x41, count: 10_000).write(to: URL(fileURLWithPath: layout.databasePath))
        let r1 = try engine.restore(name: backup.entry.name)
        XCTAssertEqual(try sqlite3(layout.databasePath, "SELECT count(*) FROM orders"), "200")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(r1.savedCurrentAs))), Data(repeating: 0x41, count: 10_000))

        // Missing entirely: nothing to save, the backup is put in place.
        try FileManager.default.removeItem(atPath: layout.databasePath)
        let r2 = try engine.restore(name: backup.entry.name)
        XCTAssertNil(r2.savedCurrentAs)
        XCTAssertEqual(try sqlite3(layout.databasePath, "SELECT count(*) FROM orders"), "200")
    }

    func testLegacyAndCraftedNamesAreRefused() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        _ = try engine.createBackup()
        try "-- PostgreSQL dump\n".write(toFile: layout.backupsDir + "/backup-2025-10-20-120000.sql", atomically: true, encoding: .utf8)
        let legacy = try XCTUnwrap(engine.listBackups().first { $0.kind == .legacySQL })
        XCTAssertEqual(legacy.name, "backup-2025-10-20-120000.sql")
        XCTAssertFalse(legacy.isRestorable)
        assertThrowsBackupError(try engine.restore(name: legacy.name)) { if case .notRestorable = $0 { return true }; return false }

        for bad in ["../mr5-pos.db", "backups/backup-2025-01-01-000000.db", "..", "", ".meta", "backup-2025-01-01-000000.db/..", "mr5-pos.db"] {
            assertThrowsBackupError(try engine.restore(name: bad)) { $0 == .invalidBackupName(bad) }
            assertThrowsBackupError(try engine.delete(name: bad)) { $0 == .invalidBackupName(bad) }
        }
        assertThrowsBackupError(try engine.restore(name: "backup-2001-01-01-000000.db")) { $0 == .backupNotFound(name: "backup-2001-01-01-000000.db") }

        // A symlink that matches the pattern but points outside is never used, nor deleted through.
        let outside = tmp.file("outside.db")
        try sqlite3(outside, "CREATE TABLE secret(x); INSERT INTO secret VALUES (1);")
        let link = layout.backupsDir + "/backup-2030-01-01-000000.db"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)
        XCTAssertFalse(engine.listBackups().contains { $0.name == "backup-2030-01-01-000000.db" })
        assertThrowsBackupError(try engine.restore(name: "backup-2030-01-01-000000.db")) { if case .notRestorable = $0 { return true }; return false }
        assertThrowsBackupError(try engine.delete(name: "backup-2030-01-01-000000.db", force: true)) { if case .notRestorable = $0 { return true }; return false }
        XCTAssertTrue(FileSystem.exists(outside))
    }
}
