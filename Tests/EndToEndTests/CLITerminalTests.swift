import BackupEngine
import Foundation
import TestSupport
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
        XCTAssertTrue(r.stdout.contains("over \(shop.layout.databasePath)? The current database will first be saved as mr5-pos.db.corrupted.<time>."), r.stdout)
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
        // The real name, stamped when the engine saved it (the question could only say <time>).
        let saved = try XCTUnwrap(r.stdout.range(of: "The previous database is saved as "), r.stdout)
        let savedPath = String(r.stdout[saved.upperBound...].prefix { !$0.isNewline }).trimmingCharacters(in: CharacterSet(charactersIn: ". \r"))
        XCTAssertTrue(savedPath.contains("mr5-pos.db.corrupted."), savedPath)
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
