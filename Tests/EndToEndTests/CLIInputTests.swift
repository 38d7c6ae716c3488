import BackupEngine
import Foundation
import TestSupport
import XCTest

/// What a technician types that once went wrong: full paths as `create` prints them,
/// negative numbers, `--busy-timeout`, counts of one, and `status`'s wording.
final class CLIInputTests: XCTestCase {
    func testBusyTimeoutIsAcceptedInRangeAndRefusedOutside() throws {
        let shop = try DemoFixture()
        let help = try run(["create", "--help"])
        XCTAssertTrue(help.stdout.contains("--busy-timeout"), help.stdout)
        let ok = try run(["create", "--busy-timeout", "5"] + shop.dirArgs)
        XCTAssertEqual(ok.exitCode, 0, ok.stderr)
        let before = shop.snapshot()
        for bad in ["0", "3601"] {
            assertRefused(try run(["create", "--busy-timeout", bad] + shop.dirArgs), exit: 2, mentioning: "--busy-timeout must be between 1 and 3600")
        }
        assertRefused(try run(["list", "--busy-timeout", "-1"] + shop.dirArgs), exit: 2, mentioning: "--busy-timeout")
        XCTAssertEqual(shop.snapshot(), before)
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["status", "--busy-timeout", "1"] + shop.dirArgs).exitCode, 0)
    }

    func testCreateJSONCarriesTheCopyFigures() throws {
        let shop = try DemoFixture()
        let json = try run(["create", "--json"] + shop.dirArgs).json()
        let copy = try XCTUnwrap(json["copySeconds"] as? Double, "\(json)")
        let total = try XCTUnwrap(json["durationSeconds"] as? Double)
        XCTAssertGreaterThan(copy, 0)
        XCTAssertLessThanOrEqual(copy, total)
        XCTAssertFalse((json["strategy"] as? String ?? "").isEmpty, "\(json)")
        XCTAssertEqual(json["restarts"] as? Int, 0, "nothing writes to the demo shop meanwhile")
        XCTAssertNotNil(json["longestWriterHoldMs"] as? Double, "\(json)")
        let pre = try run(["pre-update", "--app-version", "2.5.0", "--json"] + shop.dirArgs).json()
        XCTAssertNotNil(pre["copySeconds"] as? Double, "\(pre)")
    }

    func testFullPathsAsCreatePrintsThemAreAccepted() throws {
        let shop = try DemoFixture()
        let created = try run(["create"] + shop.dirArgs)
        let path = try XCTUnwrap(created.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("/") }, created.stdout)
        XCTAssertEqual((path as NSString).deletingLastPathComponent, shop.layout.backupsDir)

        let verified = try run(["verify", path] + shop.dirArgs)
        XCTAssertEqual(verified.exitCode, 0, verified.stderr)
        XCTAssertTrue(verified.stdout.hasPrefix("ok      \((path as NSString).lastPathComponent)"), verified.stdout)

        let preUpdate = try XCTUnwrap(shop.backupNames().first { $0.hasPrefix("pre-update-") })
        let restored = try run(["restore", shop.layout.preUpdateDir + "/" + preUpdate, "--yes"] + shop.dirArgs)
        XCTAssertEqual(restored.exitCode, 0, restored.stderr)
        XCTAssertTrue(restored.stdout.contains("Restored \(preUpdate)"), restored.stdout)

        let old = shop.backupNames().filter { $0.hasPrefix("backup-") }.last!
        let deleted = try run(["delete", shop.layout.backupsDir + "/./" + old, "--yes"] + shop.dirArgs)
        XCTAssertEqual(deleted.exitCode, 0, deleted.stderr)
        XCTAssertFalse(shop.backupNames().contains(old))

        // A path anywhere else, even to a real backup's copy, stays refused.
        let elsewhere = shop.root + "/" + (path as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: path, toPath: elsewhere)
        let before = shop.snapshot()
        for command in [["verify", elsewhere], ["restore", elsewhere, "--yes"], ["delete", elsewhere, "--yes"],
                        ["verify", shop.dataDir + "/mr5-pos.db"], ["verify", shop.layout.metaDir + "/x.db"]] {
            assertRefused(try run(command + shop.dirArgs), exit: 2, mentioning: "invalid backup name")
            XCTAssertTrue(try run(command + shop.dirArgs).stderr.contains("(give the file name only, as 'mr5-backup list' shows it)"))
        }
        XCTAssertEqual(shop.snapshot(), before)
    }

    func testNegativeNumbersReachTheValidators() throws {
        let shop = try DemoFixture()
        let before = shop.snapshot()
        assertRefused(try run(["settings", "set", "backup_frequency", "-3h"] + shop.dirArgs), exit: 2, mentioning: "-3h")
        assertRefused(try run(["settings", "set", "backup_keep", "-1"] + shop.dirArgs), exit: 2, mentioning: "backup_keep")
        assertRefused(try run(["settings", "set", "backup_frequency"] + shop.dirArgs), exit: 2, mentioning: "missing the new value")
        assertRefused(try run(["settings", "set", "backup_frequency", "1h", "2h"] + shop.dirArgs), exit: 2, mentioning: "give one value")
        assertRefused(try run(["history", "--limit", "-1"] + shop.dirArgs), exit: 2, mentioning: "--limit must be 1 or more, not -1")
        assertRefused(try run(["prune", "--keep", "-1"] + shop.dirArgs), exit: 2, mentioning: "keep at least 1")
        assertRefused(try run(["prune", "--keep-pre-update", "-2"] + shop.dirArgs), exit: 2, mentioning: "not -2")
        XCTAssertEqual(shop.snapshot(), before)
        XCTAssertEqual(try sqlite3(shop.layout.databasePath, "SELECT value FROM settings WHERE key = 'backup_frequency'"), "3h")

        // The help flag still works, and a value after the key still reaches the engine.
        XCTAssertTrue(try run(["settings", "set", "--help"]).stdout.contains("USAGE"))
        let set = try run(["settings", "set", "backup_frequency", "2h"] + shop.dirArgs)
        XCTAssertEqual(set.exitCode, 0, set.stderr)
        XCTAssertEqual(set.stdout, "backup_frequency = 2h\n")
    }

    func testCountsOfOneAndListAndStatusAgree() throws {
        let shop = try DemoFixture()
        for key in ["backup_keep_daily", "backup_keep_weekly"] {
            XCTAssertEqual(try run(["settings", "set", key, "0"] + shop.dirArgs).exitCode, 0)
        }
        let regular = BackupEngine(layout: shop.layout).listBackups().filter(\.kind.isRegular).count
        _ = try run(["prune", "--keep", String(regular - 1)] + shop.dirArgs)
        let dry = try run(["prune", "--keep", String(regular - 2), "--dry-run"] + shop.dirArgs)
        XCTAssertTrue(dry.stdout.hasPrefix("Would delete 1 backup ("), dry.stdout)

        let n = BackupEngine(layout: shop.layout).listBackups().filter { $0.kind.isBackup && $0.isRestorable }.count
        let list = try run(["list"] + shop.dirArgs)
        let footer = try XCTUnwrap(list.stdout.split(separator: "\n").last)
        XCTAssertTrue(footer.hasPrefix("\(n) backups + 1 saved before restore + 1 legacy .sql, "), String(footer))
        let status = try run(["status"] + shop.dirArgs)
        XCTAssertTrue(status.stdout.contains(", \(n) backups, "), status.stdout)
    }

    func testStatusSaysEachThingOnce() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["settings", "set", "backup_frequency", "off"] + shop.dirArgs).exitCode, 0)
        let off = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(off.exitCode, 1, off.stdout)
        XCTAssertEqual(off.stdout.components(separatedBy: " ago").count - 1, 1, "one age, not two: \(off.stdout)")
        XCTAssertTrue(off.stdout.contains("last successful backup"), off.stdout)

        let empty = shop.root + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let none = try run(["status", "--data-dir", empty])
        XCTAssertTrue(none.stdout.contains("no backups on disk"), none.stdout)
        XCTAssertFalse(none.stdout.components(separatedBy: " | ")[0].contains("0 backups"), none.stdout)
        XCTAssertEqual(none.stdout.split(separator: "\n").count, 1, none.stdout)
    }
}
