@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Cases found by trying the product as a technician would.
final class UserReportedBugTests: XCTestCase {
    func testSameSecondBackupsSortByCollisionSuffixAndProtectTheRealNewest() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_000_000))
        let engine = BackupEngine(layout: layout, clock: clock)
        // Five backups within one second: names only carry the second.
        let names = try (0..<3).map { _ in defer { clock.advance(by: 0.15) }; return try engine.createBackup().entry.name }
        let pre = try (0..<2).map { _ in defer { clock.advance(by: 0.15) }; return try engine.createPreUpdateBackup(appVersion: "2.5.0").entry.name }
        let listed = engine.listBackups().map(\.name)
        XCTAssertEqual(listed, [pre[1], pre[0], names[2], names[1], names[0]])
        // The newest is the last one made, so it is the one that needs --force.
        assertThrowsBackupError(try engine.delete(name: pre[1])) { $0 == .lastGoodBackup(name: pre[1]) }
        XCTAssertNoThrow(try engine.delete(name: names[2]))
    }

    func testRestoreKeepsTheCurrentBackupSettings() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let engine = BackupEngine(layout: layout)
        let old = try engine.createBackup()
        try engine.setFrequency("2h")
        try engine.setRetention("backup_keep", 7)
        _ = try engine.restore(name: old.entry.name)
        XCTAssertEqual(try engine.frequency(), .every(seconds: 7200))
        XCTAssertEqual(engine.retentionPolicy().keepRegular, 7)
        XCTAssertFalse((try engine.setting("last_backup") ?? "").isEmpty)
    }

    func testRestoreNeverCreatesAMistypedDatabase() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let made = try BackupEngine(layout: layout).createBackup()
        let typo = DataLayout(dataDir: tmp.path, databasePath: tmp.file("mr5-pos.dbx"))
        assertThrowsBackupError(try BackupEngine(layout: typo).restore(name: made.entry.name)) {
            $0 == .databaseNotFound(path: tmp.file("mr5-pos.dbx"))
        }
        XCTAssertFalse(FileSystem.exists(tmp.file("mr5-pos.dbx")))
    }

    func testSettingsNeedTheShopsDatabase() throws {
        let tmp = TempDir()
        let engine = BackupEngine(layout: DataLayout(dataDir: tmp.path))
        assertThrowsBackupError(try engine.setFrequency("1h")) { $0 == .databaseNotFound(path: tmp.file("mr5-pos.db")) }
        assertThrowsBackupError(try engine.setRetention("backup_keep", 3)) { $0 == .databaseNotFound(path: tmp.file("mr5-pos.db")) }
        XCTAssertEqual(FileSystem.list(tmp.path), [], "nothing is written for a refused setting")
    }

    func testCancelledBackupIsRecordedAsCancelledNotFailed() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let engine = BackupEngine(layout: layout)
        let flag = CancellationFlag()
        flag.cancel()
        assertThrowsBackupError(try engine.createBackup(cancellation: flag)) { $0 == .cancelled }
        XCTAssertEqual(engine.history().first?.outcome, .cancelled)
        XCTAssertEqual(BackupHistorySummary(history: engine.history()).failuresTotal, 0)
        XCTAssertTrue(engine.listBackups().isEmpty)
        XCTAssertTrue(FileSystem.list(layout.backupsDir).allSatisfy { !$0.hasPrefix(".tmp-") })
        // The log says so in words a monitor grepping for "failed" passes over.
        let log = (try? String(contentsOfFile: layout.logPath, encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("Backup cancelled"), log)
        XCTAssertFalse(log.contains("Backup failed"), log)
    }
}
