import BackupEngine
import Foundation
import XCTest

/// The confirmation question and the progress bar, on a real pseudo-terminal.
final class CLITerminalTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux 'script' for a pty")
    }

    func testRestoreAsksAndNoChangesNothing() throws {
        let shop = try DemoFixture()
        let name = shop.backupNames()[2]
        let before = shop.snapshot()
        let r = try runInTerminal(["restore", name] + shop.dirArgs, stdin: "n\n")
        XCTAssertEqual(r.exitCode, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains("Restore \(name) ("), r.stdout)
        XCTAssertTrue(r.stdout.contains("over \(shop.layout.databasePath)? The current database will first be saved as mr5-pos.db.corrupted."), r.stdout)
        XCTAssertTrue(r.stdout.contains("[y/N]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("mr5-backup: restore cancelled; nothing was changed"), r.stdout)
        XCTAssertEqual(shop.snapshot(), before)
    }

    func testRestoreAnsweredYesRestoresWithAProgressBar() throws {
        let shop = try DemoFixture()
        let name = shop.backupNames()[2]
        let expected = try sqlite3(shop.layout.backupsDir + "/" + name, "SELECT count(*) FROM orders")
        let r = try runInTerminal(["restore", name] + shop.dirArgs, stdin: "y\n")
        XCTAssertEqual(r.exitCode, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("Restore: restoring ["), "progress bar drawn on a terminal: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("Restored \(name)"), r.stdout)
        XCTAssertEqual(try sqlite3(shop.layout.databasePath, "SELECT count(*) FROM orders"), expected)
    }

    func testDeleteAsksAndYesDeletes() throws {
        let shop = try DemoFixture()
        let name = shop.backupNames()[3]
        let r = try runInTerminal(["delete", name] + shop.dirArgs, stdin: "yes\n")
        XCTAssertEqual(r.exitCode, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("This cannot be undone. [y/N]"), r.stdout)
        XCTAssertFalse(shop.backupNames().contains(name))
    }
}
