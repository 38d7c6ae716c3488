import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Restore sentences say both directions: the sales made since a restore that an undo
/// takes away, the orders it brings back, the tables the backup does not have; and
/// undo never quietly offers another day's copy.
final class RestoreSentenceTests: XCTestCase {
    private func orders(_ db: String) throws -> Int { Int(try sqlite3(db, "SELECT count(*) FROM orders")) ?? -1 }

    func testUndoAfterNewSalesNamesTheSalesThatLeaveAndTheOrdersThatComeBack() throws {
        let shop = try DemoFixture()
        let db = shop.layout.databasePath
        // Back to the oldest backup: the orders since then leave (they stay in the saved copy).
        let old = try XCTUnwrap(BackupEngine(layout: shop.layout).listBackups().last { $0.kind == .scheduled })
        XCTAssertEqual(try run(["restore", old.name, "--yes"] + shop.dirArgs).exitCode, 0)
        let gone = try XCTUnwrap(BackupEngine(layout: shop.layout).undoCandidate()).copy
        let lostByRestore = try orders(gone.path) - (try orders(db))
        XCTAssertGreaterThan(lostByRestore, 5)
        // Five sales on the restored database: SQLite gives them the ids of orders the restore took.
        _ = try sqlite3(db, """
            INSERT INTO orders (order_number, status, subtotal_cents, tax_cents, total_cents, created_at)
            SELECT 'AFTER-' || value, 'paid', 100, 10, 110, '2099-01-01 12:0' || value || ':00' FROM generate_series(1, 5);
            """)
        let preview = try run(["restore", gone.name, "--dry-run", "--json"] + shop.dirArgs)
        XCTAssertEqual(preview.exitCode, 0, preview.stderr)
        let json = try preview.json()
        let sentence = try XCTUnwrap(json["consequence"] as? String)
        XCTAssertTrue(sentence.contains("(5 orders") && sentence.contains("leave the live database"), sentence)
        XCTAssertTrue(sentence.contains("\(lostByRestore) orders") && sentence.contains("come back"), sentence)
        let ordersRow = try XCTUnwrap((json["tables"] as? [[String: Any]])?.first { $0["name"] as? String == "orders" })
        XCTAssertEqual((ordersRow["leavingRows"] as? NSNumber)?.intValue, 5)
        XCTAssertEqual((ordersRow["returningRows"] as? NSNumber)?.intValue, lostByRestore)
        let text = try run(["restore", gone.name, "--dry-run"] + shop.dirArgs).stdout
        XCTAssertTrue(text.contains("-5 +\(lostByRestore)"), text)
    }

    func testATableMissingFromTheBackupIsNamedAsGoingNotShownAsZero() throws {
        let shop = try DemoFixture()
        let backup = try XCTUnwrap(BackupEngine(layout: shop.layout).listBackups().first { $0.kind == .scheduled })
        _ = try sqlite3(shop.layout.databasePath, "CREATE TABLE loyalty (id INTEGER PRIMARY KEY, points INTEGER); INSERT INTO loyalty (points) VALUES (10), (20), (30);")
        let r = try run(["restore", backup.name, "--dry-run"] + shop.dirArgs)
        XCTAssertTrue(r.stdout.contains("table loyalty (3 rows) is not in the backup and goes") || r.stdout.contains("Table loyalty (3 rows) is not in the backup and goes"), r.stdout)
        let row = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.contains(" loyalty ") })
        XCTAssertTrue(row.contains("none"), String(row))
    }

    func testUndoSaysWhenTheNewestSavedCopyIsGoneAndWhoseCopyItOffers() throws {
        let shop = try DemoFixture()
        let backups = BackupEngine(layout: shop.layout).listBackups().filter { $0.kind == .scheduled }
        XCTAssertEqual(try run(["restore", backups[1].name, "--yes"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["restore", backups[2].name, "--yes"] + shop.dirArgs).exitCode, 0)
        let engine = BackupEngine(layout: shop.layout)
        let newest = try XCTUnwrap(engine.undoCandidate())
        XCTAssertNil(newest.newestGone)
        XCTAssertEqual(newest.restored, backups[2].name)
        try FileManager.default.removeItem(atPath: newest.copy.path)
        let undo = try run(["undo-restore"] + shop.dirArgs, stdin: "n\n")
        XCTAssertTrue(undo.stdout.hasPrefix("The copy the most recent restore saved (\(newest.copy.name)) is gone; the newest one left, "), undo.stdout)
        XCTAssertTrue(undo.stdout.contains("was saved by the restore of \(backups[1].name) at "), undo.stdout)
    }
}
