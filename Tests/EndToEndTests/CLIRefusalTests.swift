import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Bad input through the built binary: exit 2 (or 1, or 3 for `status`), exactly one line
/// on stderr naming the problem, and no file changed.
final class CLIRefusalTests: XCTestCase {
    /// Every command that works on a data dir, with arguments that would otherwise be fine.
    private let commands: [[String]] = [
        ["list"], ["create"], ["verify"], ["verify", "backup-2025-10-27-143000.db"],
        ["restore", "backup-2025-10-27-143000.db", "--yes"], ["delete", "backup-2025-10-27-143000.db", "--yes"],
        ["prune"], ["prune", "--dry-run"], ["pre-update", "--app-version", "2.5.0"], ["history"],
        ["settings", "get", "backup_frequency"], ["settings", "set", "backup_frequency", "1h"],
    ]

    func testMissingDataDirIsRefusedByEveryCommand() throws {
        let shop = try DemoFixture()
        let missing = shop.root + "/no-such-shop"
        for command in commands {
            let r = try run(command + ["--data-dir", missing])
            assertRefused(r, exit: 2, mentioning: "data dir not found: \(missing)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: missing), "\(command) created the data dir")
        }
        // The same through the environment variable.
        let viaEnv = try run(["list"], env: [DataLayout.environmentVariable: missing])
        assertRefused(viaEnv, exit: 2, mentioning: "data dir not found")
        // status answers UNKNOWN (3) on stdout, as monitoring plugins do.
        let status = try run(["status", "--data-dir", missing])
        XCTAssertEqual(status.exitCode, 3)
        XCTAssertTrue(status.stdout.hasPrefix("UNKNOWN - data dir not found: \(missing)"), status.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    func testANonSQLiteFileAsDatabaseIsRefused() throws {
        let shop = try DemoFixture()
        let fake = shop.dataDir + "/notes.txt"
        try Data("this is not a database, just the technician's notes\n".utf8).write(to: URL(fileURLWithPath: fake))
        let args = shop.dirArgs + ["--db", fake]

        // Refused input from a person changes no file, not even the history.
        for command in [["settings", "get", "backup_frequency"], ["settings", "set", "backup_frequency", "1h"],
                        ["create"], ["pre-update", "--app-version", "2.5.0"]] {
            let before = shop.snapshot()
            assertRefused(try run(command + args), exit: 2, mentioning: "not an SQLite database")
            XCTAssertEqual(shop.snapshot(), before, "\(command)")
        }
        // A missing database file too.
        assertRefused(try run(["create"] + shop.dirArgs + ["--db", shop.dataDir + "/gone.db"]), exit: 2, mentioning: "database not found")
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.dataDir + "/gone.db"), "the engine never creates a database")
        // The shop's data is not there as it should be: CRITICAL, exit 2, with what to restore.
        let status = try run(["status"] + args)
        XCTAssertEqual(status.exitCode, 2, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("CRITICAL - live database is not an SQLite database: restore backup-"), status.stdout)
    }

    func testUnknownAndEscapingBackupNamesAreRefused() throws {
        let shop = try DemoFixture()
        let before = shop.snapshot()
        for name in ["backup-2020-01-01-000000.db", "pre-update-v9.9.9-2020-01-01-000000.db"] {
            for command in [["verify", name], ["restore", name, "--yes"], ["delete", name, "--yes"]] {
                assertRefused(try run(command + shop.dirArgs), exit: 2, mentioning: "no backup named '\(name)'")
            }
        }
        for name in ["../mr5-pos.db", "../../etc/passwd", "pre-update/../../mr5-pos.db", "..", ".meta", "mr5-pos.db"] {
            for command in [["verify", name], ["restore", name, "--yes"], ["delete", name, "--yes"]] {
                assertRefused(try run(command + shop.dirArgs), exit: 2, mentioning: "invalid backup name")
            }
        }
        XCTAssertEqual(shop.snapshot(), before)
        XCTAssertTrue(FileManager.default.fileExists(atPath: shop.layout.databasePath))
    }

    func testRestoreAndDeleteWithoutYesAndNoTerminalAreRefused() throws {
        let shop = try DemoFixture()
        let name = shop.backupNames()[2]
        let before = shop.snapshot()
        // Even a "y" typed into a pipe is not a confirmation.
        for command in [["restore", name], ["delete", name]] {
            let r = try run(command + shop.dirArgs, stdin: "y\n")
            assertRefused(r, exit: 2, mentioning: "add --yes")
        }
        XCTAssertEqual(shop.snapshot(), before)
    }

    func testALegacySQLFileCannotBeRestoredOrVerified() throws {
        let shop = try DemoFixture()
        let legacy = try XCTUnwrap(shop.backupNames().first { $0.hasSuffix(".sql") })
        let before = shop.snapshot()
        assertRefused(try run(["restore", legacy, "--yes"] + shop.dirArgs), exit: 2, mentioning: "PostgreSQL-era")
        XCTAssertEqual(shop.snapshot(), before)
        assertRefused(try run(["verify", legacy] + shop.dirArgs), exit: 2, mentioning: "PostgreSQL-era")
    }

    func testInvalidSettingsAreRefusedAndChangeNothing() throws {
        let shop = try DemoFixture()
        let before = shop.snapshot()
        for value in ["2s", "every day", "0h", "", "1000000000000000000d"] {
            assertRefused(try run(["settings", "set", "backup_frequency", value] + shop.dirArgs), exit: 2,
                          mentioning: "for backup_frequency")
        }
        // A value that looks like an option needs `--` first, as with any command line tool.
        assertRefused(try run(["settings", "set"] + shop.dirArgs + ["backup_frequency", "--", "-3h"]), exit: 2,
                      mentioning: "for backup_frequency")
        for value in ["0", "abc", "1001"] {
            assertRefused(try run(["settings", "set", "backup_keep", value] + shop.dirArgs), exit: 2, mentioning: "backup_keep")
        }
        assertRefused(try run(["settings", "set", "last_backup", "yesterday"] + shop.dirArgs), exit: 2, mentioning: "cannot be set")
        assertRefused(try run(["settings", "set", "colour", "blue"] + shop.dirArgs), exit: 2, mentioning: "unknown setting")
        assertRefused(try run(["settings", "get", "colour"] + shop.dirArgs), exit: 2, mentioning: "unknown setting")
        XCTAssertEqual(shop.snapshot(), before)
        XCTAssertEqual(try sqlite3(shop.layout.databasePath, "SELECT value FROM settings WHERE key = 'backup_frequency'"), "3h")
    }

    func testBadOptionValuesAreUsageErrors() throws {
        let shop = try DemoFixture()
        let before = shop.snapshot()
        assertRefused(try run(["history", "--limit", "0"] + shop.dirArgs), exit: 2, mentioning: "--limit")
        assertRefused(try run(["prune", "--keep", "0"] + shop.dirArgs), exit: 2, mentioning: "keep at least 1")
        assertRefused(try run(["prune", "--keep", "many"] + shop.dirArgs), exit: 2, mentioning: "many")
        assertRefused(try run(["verify", shop.backupNames()[0], "--all"] + shop.dirArgs), exit: 2, mentioning: "not both")
        assertRefused(try run(["demo", "--size-mb", "0", "--data-dir", shop.root + "/d"]), exit: 2, mentioning: "--size-mb")
        assertRefused(try run(["pre-update"] + shop.dirArgs), exit: 2, mentioning: "--app-version")
        XCTAssertEqual(shop.snapshot(), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.root + "/d"))

        // An app version that would escape the folder.
        assertRefused(try run(["pre-update", "--app-version", "../../x"] + shop.dirArgs), exit: 2, mentioning: "invalid app version")
        XCTAssertEqual(shop.snapshot(), before)
    }
}
