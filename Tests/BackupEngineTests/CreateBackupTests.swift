@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

final class CreateBackupTests: XCTestCase {
    func testBackupIsStandaloneVerifiedCopyWithSameSchemaAndContent() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let progress = ProgressLog()
        let result = try engine.createBackup(kind: .manual, progress: { progress.add($0) })

        let path = result.entry.path
        XCTAssertTrue(result.entry.name.hasPrefix("backup-"))
        XCTAssertEqual(result.entry.status, .verified)
        XCTAssertEqual(result.record.kind, .manual)
        // Rollback-journal mode, readable by the stock CLI, same schema and content.
        XCTAssertEqual(try sqlite3(path, "PRAGMA journal_mode"), "delete")
        XCTAssertEqual(try sqlite3(path, "PRAGMA user_version"), "42")
        XCTAssertEqual(try sqlite3(path, "PRAGMA application_id"), "1297437235")
        let schemaSQL = "SELECT type, name, sql FROM sqlite_schema ORDER BY name"
        XCTAssertEqual(try sqlite3(path, schemaSQL), try sqlite3(layout.databasePath, schemaSQL))
        XCTAssertEqual(try sqlite3(path, "SELECT sum(qty), count(*) FROM orders"), try sqlite3(layout.databasePath, "SELECT sum(qty), count(*) FROM orders"))
        XCTAssertEqual(try sqlite3(path, "SELECT body FROM notes_fts WHERE notes_fts MATCH 'drawer'"), "till drawer stuck")
        XCTAssertEqual(try sqlite3(path, "SELECT count(*) FROM audit"), "200")
        // Row counts recorded, counted on the copy.
        let counts = Dictionary(uniqueKeysWithValues: result.record.tables.map { ($0.table, $0.rows) })
        XCTAssertEqual(counts["orders"], 200)
        XCTAssertEqual(counts["products"], 200)
        XCTAssertEqual(counts["notes_fts"], 2)
        // SHA-256 matches the stock tool's.
        let sum = try ChildProcess.run("/usr/bin/sha256sum", [path]).stdout.split(separator: " ").first.map(String.init)
        XCTAssertEqual(sum, result.record.sha256)
        // Private: backups hold customer and payment data.
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let dirAttrs = try FileManager.default.attributesOfItem(atPath: layout.backupsDir)
        XCTAssertEqual((dirAttrs[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        // Progress was reported in pages and reached the total.
        let copying = progress.events.filter { $0.phase == .copying }
        XCTAssertFalse(copying.isEmpty)
        XCTAssertEqual(copying.last?.done, copying.last?.total)
        // No temp files left, and the log says so in the reference's words.
        XCTAssertTrue(FileSystem.list(layout.backupsDir).allSatisfy { !$0.hasPrefix(".tmp-") })
        let log = try String(contentsOfFile: layout.logPath, encoding: .utf8)
        XCTAssertTrue(log.contains("Backup completed successfully: \(result.entry.name)"))
        // last_backup updated in the app's own settings table.
        XCTAssertFalse(try sqlite3(layout.databasePath, "SELECT value FROM settings WHERE key='last_backup'").isEmpty)
        XCTAssertEqual(engine.history().first?.outcome, .success)
    }

    func testUncheckpointedWALContentIsInTheBackup() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        // A separate process keeps a connection open (so the WAL is not checkpointed away)
        // while another commits rows that live only in the -wal file.
        try sqlite3(layout.databasePath, "PRAGMA wal_autocheckpoint=0; INSERT INTO products(name) VALUES ('only-in-wal');")
        let holder = try ChildProcess("/usr/bin/sqlite3", [layout.databasePath])
        holder.write("PRAGMA wal_autocheckpoint=0; BEGIN; SELECT count(*) FROM products;\n")
        XCTAssertTrue(holder.waitForOutput { !$0.isEmpty }, "sqlite3 did not open the database")
        defer { holder.terminate() }
        try sqlite3(layout.databasePath, "PRAGMA wal_autocheckpoint=0; INSERT INTO products(name) VALUES ('wal-2');")
        XCTAssertGreaterThan(FileSystem.info(layout.databasePath + "-wal")?.size ?? 0, 0)

        let result = try BackupEngine(layout: layout).createBackup()
        XCTAssertEqual(try sqlite3(result.entry.path, "SELECT count(*) FROM products WHERE name IN ('only-in-wal', 'wal-2')"), "2")
    }

    func testSameSecondBackupsGetSuffixNeverOverwrite() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_000_000))
        let engine = BackupEngine(layout: layout, clock: clock)
        let first = try engine.createBackup()
        let second = try engine.createBackup()
        let third = try engine.createBackup()
        XCTAssertEqual(first.entry.name, "backup-2025-11-24-160000.db")
        XCTAssertEqual(second.entry.name, "backup-2025-11-24-160000-2.db")
        XCTAssertEqual(third.entry.name, "backup-2025-11-24-160000-3.db")
        XCTAssertEqual(engine.listBackups().count, 3)
    }

    func testPreUpdateBackupGoesToItsFolder() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let result = try engine.createPreUpdateBackup(appVersion: "2.4.1")
        XCTAssertTrue(result.entry.path.hasPrefix(layout.preUpdateDir + "/pre-update-v2.4.1-"))
        XCTAssertEqual(result.entry.kind, .preUpdate)
        XCTAssertEqual(result.entry.appVersion, "2.4.1")
        assertThrowsBackupError(try engine.createPreUpdateBackup(appVersion: "../evil")) {
            if case .invalidAppVersion = $0 { return true }; return false
        }
    }

    func testMissingOrForeignDatabaseIsRefusedAndNothingIsCreated() throws {
        let tmp = TempDir()
        let missing = BackupEngine(layout: DataLayout(dataDir: tmp.path))
        assertThrowsBackupError(try missing.createBackup()) { $0 == .databaseNotFound(path: tmp.file("mr5-pos.db")) }
        XCTAssertFalse(FileSystem.exists(tmp.file("mr5-pos.db")), "a wrong path must never create a database")
        XCTAssertFalse(FileSystem.exists(tmp.file("backups")))

        try "not a database at all, just text".write(toFile: tmp.file("mr5-pos.db"), atomically: true, encoding: .utf8)
        assertThrowsBackupError(try missing.createBackup()) { $0 == .notADatabase(path: tmp.file("mr5-pos.db")) }
        XCTAssertFalse(FileSystem.exists(tmp.file("backups")))

        let noDir = BackupEngine(layout: DataLayout(dataDir: tmp.file("nope")))
        assertThrowsBackupError(try noDir.createBackup()) { $0.isInputError }
        XCTAssertFalse(FileSystem.exists(tmp.file("nope")))
        // The failures are in the history of the dir that exists.
        XCTAssertEqual(missing.history().count, 0, "no logs/ folder is created for a refused input")
    }

    func testStaleTempFilesAreRemovedByTheNextRun() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        try layout.ensureDirectories()
        let stale = layout.backupsDir + "/.tmp-99999-2025-01-01-000000.db"
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: stale))
        try Data().write(to: URL(fileURLWithPath: layout.metaDir + "/backup-2020-01-01-000000.db.json"))
        _ = try engine.createBackup()
        XCTAssertFalse(FileSystem.exists(stale))
        XCTAssertFalse(FileSystem.exists(layout.metaDir + "/backup-2020-01-01-000000.db.json"))
    }

    func testInsufficientSpaceIsRefusedWithNumbers() throws {
        // The real full-disk case (tmpfs) is in the fault-injection suite; here the check before copying.
        let e = BackupError.insufficientSpace(needed: 1_288_490_188, available: 314_572_800, mountPoint: "/data")
        XCTAssertEqual(e.description, "not enough space: need 1.2 GiB, 300 MiB free on /data")
    }
}

/// Collects progress events from the working thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [BackupProgress] = []
    func add(_ p: BackupProgress) { lock.lock(); list.append(p); lock.unlock() }
    var events: [BackupProgress] { lock.lock(); defer { lock.unlock() }; return list }
}
