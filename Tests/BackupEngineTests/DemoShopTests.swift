import BackupEngine
import DemoShop
import Foundation
import TestSupport
import XCTest

final class DemoShopTests: XCTestCase {
    /// The embedded schema must be the file in assets/, byte for byte.
    func testEmbeddedSchemaMatchesAssetsFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("assets/demo-schema.sql")
        let data = try Data(contentsOf: file)
        XCTAssertEqual(data, Data(DemoShop.schemaSQL.utf8),
                       "assets/demo-schema.sql and DemoShop.schemaSQL differ: copy the file's text into the Swift constant")
    }

    /// The benchmark's shop of any size: the demo's tables, filled past the size asked,
    /// whole, items and payments belonging to real orders; never over an existing file.
    func testBulkShopIsShopShapedAndAtLeastTheSizeAsked() throws {
        let tmp = TempDir("bulk")
        let path = tmp.file("shop.db")
        try BulkShop.create(at: path, sizeMB: 3, journalMode: "delete")
        XCTAssertEqual(try sqlite3(path, "PRAGMA journal_mode"), "delete")
        XCTAssertEqual(try sqlite3(path, "PRAGMA integrity_check"), "ok")
        let size = try XCTUnwrap(FileSystem.info(path)).size
        XCTAssertGreaterThanOrEqual(size, 3 << 20)
        XCTAssertLessThan(size, 5 << 20, "a small shop ends near its size")
        XCTAssertEqual(try sqlite3(path, "SELECT count(*) FROM order_items WHERE order_id NOT IN (SELECT id FROM orders)"), "0")
        XCTAssertEqual(try sqlite3(path, "SELECT count(*) FROM orders WHERE id NOT IN (SELECT order_id FROM payments)"), "0")
        XCTAssertEqual(try sqlite3(path, "SELECT count(DISTINCT product_id) > 20 AND count(*) > 10000 FROM order_items"), "1")
        XCTAssertEqual(try sqlite3(path, "SELECT max(created_at) < datetime('now') FROM orders"), "1")
        XCTAssertThrowsError(try BulkShop.create(at: path, sizeMB: 1))
    }

    func testCreatesAShopWithHistoryBackupsAndLegacyFile() throws {
        let tmp = TempDir("demo")
        let dir = tmp.file("shop/nested")   // parents are created
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let report = try DemoShop.create(at: dir, sizeMB: 2, now: now)
        let layout = DataLayout(dataDir: dir)

        // The database: WAL mode, about the size asked for, every table filled.
        XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA journal_mode"), "wal")
        XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA integrity_check"), "ok")
        XCTAssertGreaterThanOrEqual(report.databaseBytes, 2 << 20)
        XCTAssertLessThan(report.databaseBytes, 3 << 20)
        let counts = Dictionary(uniqueKeysWithValues: report.rowCounts.map { ($0.table, $0.rows) })
        for table in ["categories", "products", "customers", "orders", "order_items", "payments", "settings"] {
            XCTAssertGreaterThan(counts[table] ?? 0, 0, table)
        }
        XCTAssertGreaterThan(counts["order_items"] ?? 0, counts["orders"] ?? 0)
        // Every paid order is paid in full (split payments add up).
        XCTAssertEqual(try sqlite3(layout.databasePath, """
            SELECT count(*) FROM orders o WHERE status IN ('paid', 'refunded')
              AND total_cents <> (SELECT sum(amount_cents) FROM payments p WHERE p.order_id = o.id)
            """), "0")

        // The engine sees the demo's schedule and a last_backup in the past.
        let engine = BackupEngine(layout: layout)
        XCTAssertEqual(try engine.frequency(), .every(seconds: 3 * 3600))
        XCTAssertTrue(engine.settingsInAppDatabase)

        // Backups of every kind, all in the past, all verified except the legacy file.
        let entries = engine.listBackups()
        let history = engine.history()
        let kinds = Set(entries.map(\.kind))
        XCTAssertEqual(kinds, [.scheduled, .manual, .preUpdate, .legacySQL, .savedBeforeRestore])
        XCTAssertTrue(entries.allSatisfy { $0.createdAt < now })
        XCTAssertTrue(entries.filter { $0.kind != .legacySQL }.allSatisfy { $0.status == .verified })
        // Eleven days of backups: retention's daily and weekly layers both show.
        let decisions = try engine.prune(dryRun: true).decisions
        XCTAssertTrue(decisions.contains { $0.reasons == [.daily] }, "a backup kept only as the day's")
        XCTAssertTrue(decisions.contains { $0.reasons == [.weekly] }, "a backup kept only as the week's")
        XCTAssertGreaterThan(entries.filter { $0.kind.isRegular }.count, 5)
        // One earlier restore, whose saved copy is there to undo.
        XCTAssertEqual(history.filter { $0.operation == .restore && $0.outcome == .success }.count, 1)
        XCTAssertEqual(engine.lastSavedCopy()?.kind, .savedBeforeRestore)
        XCTAssertEqual(entries.filter { $0.kind == .preUpdate }.map(\.appVersion), ["2.4.0", "2.3.0"])
        XCTAssertEqual(entries.first { $0.kind == .legacySQL }?.name, report.legacyFile)
        XCTAssertEqual(Set(report.backups), Set(entries.filter(\.kind.isBackup).map(\.name)))
        // The list is in time order, pre-update backups among the others.
        let times = entries.filter(\.kind.isBackup).map(\.createdAt)
        XCTAssertEqual(times, times.sorted(by: >))
        XCTAssertGreaterThan(report.pruned.count, 0)
        // The database grew between backups, so sizes differ.
        let sizes = entries.filter { $0.kind.isRegular }.map(\.sizeBytes)
        XCTAssertGreaterThan(Set(sizes).count, 1)

        // The history has the failure, the prune and the successes, newest first.
        XCTAssertEqual(history.filter { $0.outcome == .failure }.count, 1)
        XCTAssertTrue(history.first { $0.outcome == .failure }?.message?.contains("locked") ?? false)
        XCTAssertTrue(history.contains { $0.operation == .prune })
        XCTAssertEqual(history.filter { $0.operation == .create && $0.outcome == .success }.count, 17)
        XCTAssertEqual(report.failedAttempts, 1)
        let log = try String(contentsOfFile: layout.logPath, encoding: .utf8)
        XCTAssertTrue(log.contains("Backup completed successfully"))
        XCTAssertTrue(log.contains("Backup failed"))

        // No temp files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".tmp") }, [])
    }

    func testRefusesWhenADatabaseIsAlreadyThere() throws {
        let tmp = TempDir("demo")
        let db = tmp.file("mr5-pos.db")
        try sqlite3(db, "CREATE TABLE mine (x); INSERT INTO mine VALUES (42);")
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        XCTAssertThrowsError(try DemoShop.create(at: tmp.path, sizeMB: 1)) { error in
            XCTAssertEqual(error as? BackupError, .demoDataExists(path: tmp.path))
            XCTAssertTrue("\(error)".contains("not touching it"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("backups")))
    }

    func testRefusesAnAbsurdSize() {
        let tmp = TempDir("demo")
        XCTAssertThrowsError(try DemoShop.create(at: tmp.path, sizeMB: 0)) { error in
            XCTAssertTrue((error as? BackupError)?.isInputError ?? false)
        }
    }

    /// The default 20 MB shop must be quick enough for a newcomer's first command.
    func testDefaultSizeIsQuick() throws {
        let tmp = TempDir("demo")
        let report = try DemoShop.create(at: tmp.path)
        XCTAssertGreaterThanOrEqual(report.databaseBytes, 20 << 20)
        // "A few seconds at most" in a release build; a debug build on a shared 2-core box gets more room.
        XCTAssertLessThan(report.seconds, 30, "demo took \(report.seconds) s")
        print("demo 20 MB took \(String(format: "%.2f", report.seconds)) s")
    }
}
