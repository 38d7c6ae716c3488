import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Every command's happy path through the built binary: exit code, text, `--json` parsed,
/// and nothing on stderr (no progress bar when stderr is not a terminal).
final class CLICommandTests: XCTestCase {
    func testDemoCreatesTheShopOnceAndNeverClobbersIt() throws {
        let tmp = try DemoFixture()
        // Default place: ./demo-data in the current directory.
        let r = try run(["demo", "--size-mb", "1"], directory: tmp.root)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Demo shop ready in \(tmp.root)/demo-data"), r.stdout)
        XCTAssertEqual(r.stderr, "")
        let layout = DataLayout(dataDir: tmp.root + "/demo-data")
        XCTAssertEqual(try sqlite3(layout.databasePath, "PRAGMA journal_mode"), "wal")
        // Eleven days of backups thinned by retention (how many depends on the weekday),
        // two pre-update backups, one copy saved by a restore, one legacy .sql file.
        let listed = BackupEngine(layout: layout).listBackups()
        XCTAssertGreaterThanOrEqual(listed.filter(\.kind.isRegular).count, 10)
        XCTAssertEqual(listed.filter { $0.kind == .savedBeforeRestore }.count, 1)
        XCTAssertEqual(listed.filter { $0.kind == .legacySQL }.count, 1)

        // A second time: refused, nothing touched.
        let before = DemoFixture.snapshot(layout.dataDir)
        let again = try run(["demo", "--size-mb", "1"], directory: tmp.root)
        assertRefused(again, exit: 2, mentioning: "already exists")
        XCTAssertEqual(DemoFixture.snapshot(layout.dataDir), before)

        // $MR5_DEMO_DIR, then --data-dir, win over ./demo-data.
        let viaEnv = try run(["demo", "--size-mb", "1"], env: ["MR5_DEMO_DIR": tmp.root + "/env-demo"], directory: tmp.root)
        XCTAssertEqual(viaEnv.exitCode, 0, viaEnv.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.root + "/env-demo/mr5-pos.db"))
        let explicit = try run(["demo", "--size-mb", "1", "--data-dir", tmp.root + "/x/y"])
        XCTAssertEqual(explicit.exitCode, 0, explicit.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.root + "/x/y/mr5-pos.db"))
    }

    func testListTextAndJSON() throws {
        let shop = try DemoFixture()
        let text = try run(["list"] + shop.dirArgs)
        XCTAssertEqual(text.exitCode, 0, text.stderr)
        XCTAssertEqual(text.stderr, "")
        let lines = text.stdout.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("CREATED"))
        XCTAssertEqual(lines.count, 1 + shop.backupNames().count + 1)   // header, every file, total
        XCTAssertTrue(text.stdout.contains("pre-update"))
        XCTAssertTrue(text.stdout.contains("legacy"))

        let json = try run(["list", "--json"] + shop.dirArgs).json()
        XCTAssertEqual(json["dataDir"] as? String, shop.dataDir)
        let backups = try XCTUnwrap(json["backups"] as? [[String: Any]])
        XCTAssertEqual(backups.map { $0["name"] as? String }, shop.backupNames())
        for b in backups {
            let path = try XCTUnwrap(b["path"] as? String)
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            XCTAssertEqual(b["sizeBytes"] as? Int, size)
            XCTAssertNotNil(parseISO(b["createdAt"]), "\(b)")
            XCTAssertTrue(["scheduled", "manual", "pre-update", "legacy-sql", "saved-before-restore"].contains(b["kind"] as? String ?? ""))
            if b["kind"] as? String == "legacy-sql" {
                XCTAssertEqual(b["restorable"] as? Bool, false)
            } else {
                XCTAssertEqual(b["status"] as? String, "verified")
                XCTAssertEqual((b["sha256"] as? String)?.count, 64)
                XCTAssertNotNil(parseISO(b["verifiedAt"]))
            }
        }
        XCTAssertEqual(backups.first { $0["kind"] as? String == "pre-update" }?["appVersion"] as? String, "2.4.0")
    }

    func testCreateAndPreUpdateTextAndJSON() throws {
        let shop = try DemoFixture()
        // The plain "5 newest" rule: whether the daily and weekly rules keep one more of the
        // demo's backups depends on the hour the demo was made.
        for key in ["backup_keep_daily", "backup_keep_weekly"] {
            XCTAssertEqual(try run(["settings", "set", key, "0"] + shop.dirArgs).exitCode, 0)
        }
        let text = try run(["create"] + shop.dirArgs)
        XCTAssertEqual(text.exitCode, 0, text.stderr)
        XCTAssertEqual(text.stderr, "")
        XCTAssertTrue(text.stdout.hasPrefix("Created backup-"), text.stdout)
        XCTAssertTrue(text.stdout.contains("Retention removed"), "the demo holds 5 regular backups already: \(text.stdout)")

        let json = try run(["create", "--kind", "scheduled", "--json"] + shop.dirArgs).json()
        let backup = try XCTUnwrap(json["backup"] as? [String: Any])
        XCTAssertEqual(backup["kind"] as? String, "scheduled")
        XCTAssertEqual(backup["status"] as? String, "verified")
        let path = try XCTUnwrap(backup["path"] as? String)
        XCTAssertEqual(try sqlite3(path, "PRAGMA quick_check"), "ok")
        XCTAssertEqual(backup["sizeBytes"] as? Int, try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertNotNil(parseISO(backup["createdAt"]))
        XCTAssertNotNil(json["durationSeconds"] as? Double)
        let tables = try XCTUnwrap(json["tables"] as? [String: Int])
        XCTAssertEqual(tables["orders"].map(String.init), try sqlite3(shop.layout.databasePath, "SELECT count(*) FROM orders"))
        // What retention removed (how many depends on the day: daily and weekly layers) is gone.
        let pruned = try XCTUnwrap(json["pruned"] as? [String])
        XCTAssertTrue(Set(pruned).isDisjoint(with: shop.backupNames()), "\(pruned)")

        let pre = try run(["pre-update", "--app-version", "2.5.0", "--json"] + shop.dirArgs)
        XCTAssertEqual(pre.exitCode, 0, pre.stderr)
        let preBackup = try XCTUnwrap(try pre.json()["backup"] as? [String: Any])
        XCTAssertEqual(preBackup["kind"] as? String, "pre-update")
        XCTAssertEqual(preBackup["appVersion"] as? String, "2.5.0")
        XCTAssertTrue((preBackup["path"] as? String ?? "").hasPrefix(shop.layout.preUpdateDir + "/pre-update-v2.5.0-"))
    }

    func testVerifyNewestNamedAllAndACorruptBackup() throws {
        let shop = try DemoFixture()
        let newest = try run(["verify"] + shop.dirArgs)
        XCTAssertEqual(newest.exitCode, 0, newest.stderr)
        XCTAssertTrue(newest.stdout.hasPrefix("ok      \(shop.backupNames()[0])"), newest.stdout)

        let all = try run(["verify", "--all", "--json"] + shop.dirArgs).json()
        XCTAssertEqual(all["ok"] as? Bool, true)
        let results = try XCTUnwrap(all["results"] as? [[String: Any]])
        let sqliteFiles = BackupEngine(layout: shop.layout).listBackups().filter(\.kind.isBackup).count
        XCTAssertEqual(results.count, sqliteFiles, "every backup (not the legacy .sql, not a saved copy)")
        XCTAssertTrue(results.allSatisfy { $0["hashCompared"] as? Bool == true && $0["method"] as? String == "quick_check" })

        // Damage one backup: verify names it and exits 1.
        let victim = shop.backupNames()[2]
        let path = shop.layout.backupsDir + "/" + victim
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 8192)
        handle.write(Data(repeating: 0xAB, count: 64))
        try handle.close()
        let bad = try run(["verify", victim, "--full", "--json"] + shop.dirArgs)
        XCTAssertEqual(bad.exitCode, 1)
        let badJSON = try bad.json()
        XCTAssertEqual(badJSON["ok"] as? Bool, false)
        let item = try XCTUnwrap((badJSON["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(item["method"] as? String, "integrity_check")
        XCTAssertTrue((item["message"] as? String ?? "").contains("SHA-256"), "\(item)")
        let allText = try run(["verify", "--all"] + shop.dirArgs)
        XCTAssertEqual(allText.exitCode, 1)
        XCTAssertTrue(allText.stdout.contains("FAILED  \(victim)"), allText.stdout)
        XCTAssertTrue(allText.stdout.contains("\(sqliteFiles - 1) of \(sqliteFiles) backups passed"), allText.stdout)
    }

    func testRestoreWithYesPutsTheBackupBack() throws {
        let shop = try DemoFixture()
        let name = shop.backupNames()[1]
        let backupOrders = try sqlite3(shop.layout.backupsDir + "/" + name, "SELECT count(*) FROM orders")
        _ = try sqlite3(shop.layout.databasePath, "DELETE FROM order_items; DELETE FROM payments; DELETE FROM orders;")
        XCTAssertEqual(try sqlite3(shop.layout.databasePath, "SELECT count(*) FROM orders"), "0")

        let savedBefore = try FileManager.default.contentsOfDirectory(atPath: shop.dataDir).filter { $0.hasPrefix("mr5-pos.db.corrupted.") }
        let r = try run(["restore", name, "--yes"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(r.stdout.contains("Restored \(name)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Restart the POS app"), r.stdout)
        XCTAssertEqual(try sqlite3(shop.layout.databasePath, "SELECT count(*) FROM orders"), backupOrders)
        let saved = try FileManager.default.contentsOfDirectory(atPath: shop.dataDir)
            .filter { $0.hasPrefix("mr5-pos.db.corrupted.") && !savedBefore.contains($0) }
        XCTAssertEqual(saved.count, 1)
        XCTAssertEqual(try sqlite3(shop.dataDir + "/" + saved[0], "SELECT count(*) FROM orders"), "0", "the emptied database was saved")
    }

    func testDeleteWithYesAndTheLastGoodBackupNeedsForce() throws {
        let shop = try DemoFixture()
        let names = shop.backupNames()
        let old = names[3]
        let r = try run(["delete", old, "--yes"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Deleted \(old)"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.layout.backupsDir + "/" + old))

        let before = shop.snapshot()
        let refused = try run(["delete", names[0], "--yes"] + shop.dirArgs)
        assertRefused(refused, exit: 2, mentioning: "--force")
        XCTAssertEqual(shop.snapshot(), before)

        let forced = try run(["delete", names[0], "--yes", "--force"] + shop.dirArgs)
        XCTAssertEqual(forced.exitCode, 0, forced.stderr)
        XCTAssertFalse(shop.backupNames().contains(names[0]))
    }

    func testPruneDryRunChangesNothingThenPrunes() throws {
        let shop = try DemoFixture()
        // Daily and weekly 0: the reference's plain "last N".
        for key in ["backup_keep_daily", "backup_keep_weekly"] {
            XCTAssertEqual(try run(["settings", "set", key, "0"] + shop.dirArgs).exitCode, 0)
        }
        let before = shop.snapshot()
        let regular = BackupEngine(layout: shop.layout).listBackups().filter(\.kind.isRegular).count
        let dry = try run(["prune", "--keep", "2", "--dry-run"] + shop.dirArgs)
        XCTAssertEqual(dry.exitCode, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.hasPrefix("Would delete \(regular - 2) backups"), dry.stdout)
        XCTAssertEqual(shop.snapshot(), before)

        let real = try run(["prune", "--keep", "2"] + shop.dirArgs)
        XCTAssertEqual(real.exitCode, 0, real.stderr)
        XCTAssertTrue(real.stdout.hasPrefix("Deleted \(regular - 2) backups"), real.stdout)
        let kinds = BackupEngine(layout: shop.layout).listBackups().map(\.kind)
        XCTAssertEqual(kinds.filter(\.isRegular).count, 2)
        XCTAssertEqual(kinds.filter { $0 == .preUpdate }.count, 2)
        XCTAssertEqual(kinds.filter { $0 == .legacySQL }.count, 1, "legacy files are never pruned")

        let nothing = try run(["prune", "--keep", "2"] + shop.dirArgs)
        XCTAssertTrue(nothing.stdout.hasPrefix("Nothing to prune"), nothing.stdout)
    }

    func testStatusOKWarningCriticalAndJSON() throws {
        let shop = try DemoFixture()
        let n = BackupEngine(layout: shop.layout).listBackups().filter { $0.kind.isBackup && $0.isRestorable }.count
        // Nobody runs the schedule: a WARNING until a daemon runs or cron is said to.
        let alone = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(alone.exitCode, 1, alone.stdout)
        XCTAssertTrue(alone.stdout.hasPrefix("WARNING - no scheduler running (start the daemon or the console), last backup 1h ago, \(n) backups"), alone.stdout)
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)

        let ok = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(ok.exitCode, 0, ok.stdout)
        XCTAssertTrue(ok.stdout.hasPrefix("OK - last backup 1h ago, \(n) backups, next due in "), ok.stdout)
        XCTAssertEqual(ok.stdout.split(separator: "\n").count, 1)
        XCTAssertEqual(ok.stderr, "")

        let json = try run(["status", "--json"] + shop.dirArgs).json()
        XCTAssertEqual(json["status"] as? String, "OK")
        XCTAssertEqual(json["exitCode"] as? Int, 0)
        XCTAssertEqual(json["backupCount"] as? Int, n)
        XCTAssertEqual(json["frequency"] as? String, "3h")
        XCTAssertEqual(json["schedulerRunning"] as? Bool, false)
        XCTAssertNotNil(parseISO(json["lastBackupAt"]))
        XCTAssertNotNil(parseISO(json["nextBackupAt"]))
        XCTAssertTrue((json["summary"] as? String ?? "").hasPrefix("OK - last backup 1h ago, \(n) backups"))
        // A data dir reached through a symlink is the same shop, not "not found".
        let link = shop.root + "/shop-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: shop.dataDir)
        let linked = try run(["status", "--data-dir", link])
        XCTAssertTrue(linked.stdout.hasPrefix("OK - last backup 1h ago, \(n) backups"), linked.stdout)

        // Off is never OK.
        XCTAssertEqual(try run(["settings", "set", "backup_frequency", "off"] + shop.dirArgs).exitCode, 0)
        let off = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(off.exitCode, 1, off.stdout)
        XCTAssertTrue(off.stdout.hasPrefix("WARNING - "), off.stdout)

        // A shop whose last backup is two days old.
        let stale = try DemoFixture(now: Date().addingTimeInterval(-2 * 86400))
        let critical = try run(["status"] + stale.dirArgs)
        XCTAssertEqual(critical.exitCode, 2, critical.stdout)
        XCTAssertTrue(critical.stdout.hasPrefix("CRITICAL - "), critical.stdout)
        // A missed run, no scheduler running: "next overdue by", as documented.
        XCTAssertTrue(critical.stdout.contains(", next overdue by "), critical.stdout)
        XCTAssertFalse(critical.stdout.contains("next due overdue"), critical.stdout)
        XCTAssertEqual(critical.stdout.components(separatedBy: "no scheduler running").count, 2, "said once: \(critical.stdout)")
    }

    func testHistoryTextLimitAndJSON() throws {
        let shop = try DemoFixture()
        let text = try run(["history", "--limit", "3"] + shop.dirArgs)
        XCTAssertEqual(text.exitCode, 0, text.stderr)
        XCTAssertEqual(text.stdout.split(separator: "\n").count, 1 + 3)
        XCTAssertTrue(text.stdout.hasPrefix("STARTED"))

        let json = try run(["history", "--limit", "100", "--json"] + shop.dirArgs).json()
        let entries = try XCTUnwrap(json["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, BackupEngine(layout: shop.layout).history().count)
        let failure = try XCTUnwrap(entries.first { $0["outcome"] as? String == "failure" })
        XCTAssertTrue((failure["message"] as? String ?? "").contains("locked"))
        XCTAssertEqual(failure["trigger"] as? String, "scheduler")
        let dates = entries.compactMap { parseISO($0["startedAt"]) }
        XCTAssertEqual(dates.count, entries.count)
        XCTAssertEqual(dates, dates.sorted(by: >), "newest first")
        XCTAssertTrue(entries.contains { $0["operation"] as? String == "prune" })
    }

    func testSettingsGetAndSet() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "get", "backup_frequency"] + shop.dirArgs).stdout, "3h\n")
        let set = try run(["settings", "set", "backup_frequency", "daily"] + shop.dirArgs)
        XCTAssertEqual(set.exitCode, 0, set.stderr)
        XCTAssertEqual(set.stdout, "backup_frequency = daily\n")
        XCTAssertEqual(try run(["settings", "get", "backup_frequency"] + shop.dirArgs).stdout, "daily\n")
        XCTAssertEqual(try sqlite3(shop.layout.databasePath, "SELECT value FROM settings WHERE key = 'backup_frequency'"), "daily",
                       "the POS app's own settings table holds it")
        XCTAssertEqual(try run(["settings", "set", "backup_frequency", "90m"] + shop.dirArgs).stdout, "backup_frequency = 90m\n")

        XCTAssertEqual(try run(["settings", "get", "backup_keep"] + shop.dirArgs).stdout, "5\n")
        XCTAssertEqual(try run(["settings", "set", "backup_keep", "7"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["settings", "get", "backup_keep"] + shop.dirArgs).stdout, "7\n")
        XCTAssertEqual(try run(["settings", "set", "pre_update_keep", "3"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["settings", "get", "pre_update_keep"] + shop.dirArgs).stdout, "3\n")
        let last = try run(["settings", "get", "last_backup"] + shop.dirArgs)
        XCTAssertNotNil(ISO8601DateFormatter().date(from: last.stdout.trimmingCharacters(in: .newlines)), last.stdout)
    }

    func testNoSubcommandWithoutATerminalGivesAHint() throws {
        let shop = try DemoFixture()
        let r = try run(shop.dirArgs)
        assertRefused(r, exit: 2, mentioning: "no terminal; use a subcommand such as 'mr5-backup status' (see --help)")

        let demo = try run(["--demo"], directory: shop.root)
        assertRefused(demo, exit: 2, mentioning: "no terminal")
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.root + "/demo-data"), "nothing created when refused")
    }

    func testHelpVersionCompletionAndUsageErrors() throws {
        let help = try run(["--help"])
        XCTAssertEqual(help.exitCode, 0)
        XCTAssertTrue(help.stdout.contains("OVERVIEW"))
        for command in ["create", "list", "verify", "restore", "delete", "prune", "pre-update", "status", "history", "settings", "demo", "daemon"] {
            XCTAssertTrue(help.stdout.contains("  \(command) "), "help lists \(command)")
        }
        XCTAssertEqual(try run(["help", "restore"]).exitCode, 0)
        // The version from the one place it is set (the Debian package reads it from here too).
        let version = try run(["--version"])
        XCTAssertEqual(version.exitCode, 0)
        XCTAssertEqual(version.stdout, ToolVersion.current + "\n")
        for shell in ["bash", "zsh", "fish"] {
            let script = try run(["--generate-completion-script", shell])
            XCTAssertEqual(script.exitCode, 0)
            XCTAssertTrue(script.stdout.contains("mr5-backup"), shell)
        }
        assertRefused(try run(["restore"]), exit: 2, mentioning: "'mr5-backup restore --help'")
        assertRefused(try run(["list", "--bogus"]), exit: 2, mentioning: "--bogus")
        assertRefused(try run(["frobnicate"]), exit: 2, mentioning: "frobnicate")
        assertRefused(try run(["create", "--kind", "weekly"]), exit: 2, mentioning: "weekly")
    }
}
