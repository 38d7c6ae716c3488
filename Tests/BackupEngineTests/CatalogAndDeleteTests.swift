@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

final class CatalogAndDeleteTests: XCTestCase {
    func testFolderIsTheTruthAndMetadataOnlyAddsToIt() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let engine = BackupEngine(layout: layout)
        let made = try engine.createBackup()
        // A file copied in by hand (no metadata) is listed, as unverified, with the time from its name.
        try FileManager.default.copyItem(atPath: made.entry.path, toPath: layout.backupsDir + "/backup-2024-01-02-030405.db")
        // Files that are none of ours are ignored.
        try "x".write(toFile: layout.backupsDir + "/notes.txt", atomically: true, encoding: .utf8)
        try "x".write(toFile: layout.backupsDir + "/backup-latest.db", atomically: true, encoding: .utf8)
        let list = engine.listBackups()
        XCTAssertEqual(list.map(\.name), [made.entry.name, "backup-2024-01-02-030405.db"])
        let manual = list[1]
        XCTAssertEqual(manual.status, .unverified)
        XCTAssertEqual(BackupName.stamp(manual.createdAt), "2024-01-02-030405")
        // Verifying it adopts it: from then on it is tracked like our own.
        XCTAssertTrue(try engine.verify(name: manual.name).ok)
        XCTAssertEqual(try engine.backup(named: manual.name).status, .verified)
        // Deleted by hand: gone from the list at once.
        try FileManager.default.removeItem(atPath: made.entry.path)
        XCTAssertEqual(engine.listBackups().map(\.name), ["backup-2024-01-02-030405.db"])
    }

    func testBytesChangedWithoutSizeChangeAreCaughtByVerify() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let engine = BackupEngine(layout: layout)
        let made = try engine.createBackup()
        var data = try Data(contentsOf: URL(fileURLWithPath: made.entry.path))
        data[data.count - 10] ^= 0x01
        try data.write(to: URL(fileURLWithPath: made.entry.path))
        XCTAssertNotEqual(engine.listBackups().first?.status, .verified, "a modified file is no longer shown as verified")
        let v = try engine.verify(name: made.entry.name, full: true)
        XCTAssertFalse(v.ok)
        XCTAssertEqual(engine.listBackups().first?.status, .corrupt)
    }

    func testDeletingNewestVerifiedNeedsForce() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_000_000))
        let engine = BackupEngine(layout: layout, clock: clock)
        let older = try engine.createBackup()
        clock.advance(by: 60)
        let newest = try engine.createBackup()
        assertThrowsBackupError(try engine.delete(name: newest.entry.name)) { $0 == .lastGoodBackup(name: newest.entry.name) }
        XCTAssertTrue(FileSystem.exists(newest.entry.path))
        XCTAssertEqual(try engine.delete(name: older.entry.name).name, older.entry.name)
        XCTAssertFalse(FileSystem.exists(older.entry.path))
        XCTAssertFalse(FileSystem.exists(layout.metaDir + "/\(older.entry.name).json"))
        _ = try engine.delete(name: newest.entry.name, force: true)
        XCTAssertTrue(engine.listBackups().isEmpty)
        let ops = engine.history().map(\.operation)
        XCTAssertEqual(ops.filter { $0 == .delete }.count, 2)
    }

    func testOperationLockRefusesASecondOperationAndNamesTheHolder() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        try layout.ensureDirectories()
        let engine = BackupEngine(layout: layout)
        // Another process holds the lock.
        let holder = try ChildProcess("/usr/bin/python3", ["-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)",
                                                           layout.operationLockPath])
        defer { holder.terminate() }
        XCTAssertTrue(holder.waitForOutput { $0.contains("locked") }, holder.stderr)
        assertThrowsBackupError(try engine.createBackup()) { if case .busy = $0 { return true }; return false }
        XCTAssertTrue(engine.listBackups().isEmpty)
        XCTAssertTrue(engine.history().isEmpty, "a busy refusal to a person changes no file; the scheduler's are recorded")

        // Within one process, two threads are serialised the same way.
        holder.terminate()
        let lock = try FileLock(path: layout.operationLockPath, operation: "restore", now: Date())
        assertThrowsBackupError(try engine.createBackup()) {
            if case .busy(let who) = $0 { return who.contains("restore by pid \(getpid())") }; return false
        }
        lock.release()
        XCTAssertNoThrow(try engine.createBackup())
    }

    func testDiskUsageCountsPerKind() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let engine = BackupEngine(layout: layout)
        let a = try engine.createBackup(kind: .scheduled)
        let b = try engine.createPreUpdateBackup(appVersion: "3.0")
        let usage = try engine.diskUsage()
        XCTAssertEqual(usage.bytesByKind[.scheduled], a.entry.sizeBytes)
        XCTAssertEqual(usage.bytesByKind[.preUpdate], b.entry.sizeBytes)
        XCTAssertEqual(usage.totalBackupBytes, a.entry.sizeBytes + b.entry.sizeBytes)
        XCTAssertGreaterThan(usage.freeBytes, 0)
        XCTAssertGreaterThanOrEqual(usage.filesystemBytes, usage.freeBytes)
    }

    func testSettingsUseAppTableWhenPresentElseOwnFile() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let engine = BackupEngine(layout: layout)
        XCTAssertEqual(try engine.frequency(), .every(seconds: 3 * 3600))
        try engine.setFrequency("daily")
        XCTAssertEqual(try sqlite3(layout.databasePath, "SELECT value FROM settings WHERE key='backup_frequency'"), "daily")
        assertThrowsBackupError(try engine.setFrequency("every tuesday")) { if case .invalidSetting = $0 { return true }; return false }
        assertThrowsBackupError(try engine.setFrequency("1m")) { if case .invalidSetting = $0 { return true }; return false }
        XCTAssertEqual(try engine.frequency(), .every(seconds: 86400))

        // No settings table: kept in our own metadata, and no table is created in the POS database.
        let tmp2 = TempDir()
        let layout2 = DataLayout(dataDir: tmp2.path)
        try sqlite3(layout2.databasePath, "CREATE TABLE t(x)")
        let engine2 = BackupEngine(layout: layout2)
        try engine2.setFrequency("30m")
        XCTAssertEqual(try engine2.frequency(), .every(seconds: 1800))
        XCTAssertEqual(try sqlite3(layout2.databasePath, "SELECT group_concat(name) FROM sqlite_schema"), "t")
        XCTAssertTrue(FileSystem.exists(layout2.settingsPath))
    }

    func testFrequencyParsing() throws {
        XCTAssertEqual(try BackupFrequency.parse("off"), .off)
        XCTAssertEqual(try BackupFrequency.parse("hourly"), .every(seconds: 3600))
        XCTAssertEqual(try BackupFrequency.parse("weekly"), .every(seconds: 604800))
        XCTAssertEqual(try BackupFrequency.parse("3h").settingValue, "3h")
        XCTAssertEqual(try BackupFrequency.parse("90m").description, "1h30m")
        XCTAssertEqual(try BackupFrequency.parse("1d").settingValue, "daily")
        for bad in ["", "0h", "-3h", "3x", "h", "4m", "99999999999999d", "3 hours"] {
            XCTAssertThrowsError(try BackupFrequency.parse(bad), bad)
        }
    }

    func testDataLayoutResolution() {
        let env = ["HOME": "/home/tech", "MR5_POS_DATA_DIR": "/srv/pos"]
        XCTAssertEqual(DataLayout.resolve(dataDir: "/x", database: nil, environment: env).dataDir, "/x")
        XCTAssertEqual(DataLayout.resolve(dataDir: nil, database: nil, environment: env).dataDir, "/srv/pos")
        XCTAssertEqual(DataLayout.resolve(dataDir: nil, database: nil, environment: ["HOME": "/home/tech"]).databasePath, "/home/tech/.config/mr5-pos/mr5-pos.db")
        XCTAssertEqual(DataLayout.resolve(dataDir: nil, database: "/db/other.db", environment: ["XDG_CONFIG_HOME": "/cfg"]).dataDir, "/cfg/mr5-pos")
        XCTAssertEqual(DataLayout.resolve(dataDir: nil, database: "/db/other.db", environment: ["XDG_CONFIG_HOME": "/cfg"]).databasePath, "/db/other.db")
    }
}
