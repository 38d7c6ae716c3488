@testable import BackupEngine
import DemoShop
import Foundation
import TestSupport
import XCTest

/// Restore you can reason about (preview) and undo, and retention that makes room.
final class RestoreUndoTests: XCTestCase {
    private func counts(_ db: String) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for table in try sqlite3(db, "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'").split(separator: "\n") {
            out[String(table)] = Int64(try sqlite3(db, "SELECT count(*) FROM \"\(table)\""))
        }
        return out
    }

    private func oldestPreUpdate(_ shop: DemoFixture) -> BackupEntry {
        BackupEngine(layout: shop.layout).listBackups().filter { $0.kind == .preUpdate }.last!
    }

    func testDryRunJSONMatchesSQLiteOnBothFilesAndChangesNothing() throws {
        let shop = try DemoFixture()
        let backup = oldestPreUpdate(shop)
        let before = shop.snapshot()
        let r = try run(["restore", backup.name, "--dry-run", "--json"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let json = try r.json()
        XCTAssertEqual(json["backup"] as? String, backup.name)
        let live = try counts(shop.layout.databasePath), copy = try counts(backup.path)
        let tables = try XCTUnwrap(json["tables"] as? [[String: Any]])
        XCTAssertEqual(Set(tables.compactMap { $0["name"] as? String }), Set(live.keys))
        for t in tables {
            let name = t["name"] as! String
            XCTAssertEqual((t["liveRows"] as? NSNumber)?.int64Value, live[name], name)
            XCTAssertEqual((t["backupRows"] as? NSNumber)?.int64Value, copy[name], name)
        }
        let orders = try XCTUnwrap(tables.first { $0["name"] as? String == "orders" })
        XCTAssertEqual(orders["dateColumn"] as? String, "created_at")
        XCTAssertEqual(orders["liveNewest"] as? String, try sqlite3(shop.layout.databasePath, "SELECT max(created_at) FROM orders"))
        XCTAssertEqual(orders["backupNewest"] as? String, try sqlite3(backup.path, "SELECT max(created_at) FROM orders"))
        let lost = live["orders"]! - copy["orders"]!
        XCTAssertTrue((json["consequence"] as? String ?? "").hasPrefix("Orders after "), "\(json)")
        XCTAssertTrue((json["consequence"] as? String ?? "").contains("\(lost) orders"), "\(json)")
        XCTAssertEqual(json["advice"] as? String, "Stop the POS app before restoring; restart it afterwards.")
        let after = shop.snapshot().filter { !($0.key.hasSuffix("-wal") && $0.value.hasPrefix("0 ")) }
        XCTAssertEqual(after, before, "a dry run changes nothing: \(Set(after.map { "\($0.key) \($0.value)" }).symmetricDifference(before.map { "\($0.key) \($0.value)" }).sorted())")

        let text = try run(["restore", backup.name, "--dry-run"] + shop.dirArgs)
        XCTAssertTrue(text.stdout.contains("leave the live database. The live database stays in the saved copy."), text.stdout)
        XCTAssertTrue(text.stdout.hasSuffix("Dry run: nothing was changed.\n"), text.stdout)
    }

    func testRestoreThenUndoGivesBackTheExactDatabase() throws {
        let shop = try DemoFixture()
        let db = shop.layout.databasePath
        let before = try counts(db)
        let savedBefore = BackupEngine(layout: shop.layout).listBackups().filter { $0.kind == .savedBeforeRestore }.map(\.name)
        let backup = oldestPreUpdate(shop)
        XCTAssertEqual(try run(["restore", backup.name, "--yes"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try counts(db), try counts(backup.path))

        // The saved copy is listed, with its kind, size and check.
        let list = try run(["list", "--json"] + shop.dirArgs).json()
        let saved = try XCTUnwrap((list["backups"] as? [[String: Any]])?.first {
            $0["kind"] as? String == "saved-before-restore" && !savedBefore.contains($0["name"] as? String ?? "")
        })
        XCTAssertEqual(saved["status"] as? String, "verified")
        XCTAssertTrue((saved["name"] as? String ?? "").hasPrefix("mr5-pos.db.corrupted."))

        let undo = try run(["undo-restore", "--yes"] + shop.dirArgs)
        XCTAssertEqual(undo.exitCode, 0, undo.stderr)
        XCTAssertTrue(undo.stdout.contains("restoring \(saved["name"] as! String)"), undo.stdout)
        XCTAssertEqual(try counts(db), before, "undo gives back the database that was live")
        XCTAssertEqual(try sqlite3(db, "PRAGMA integrity_check"), "ok")
        // The undo saved the restored state in turn: it can be undone too.
        let again = BackupEngine(layout: shop.layout).listBackups().filter { $0.kind == .savedBeforeRestore }
        XCTAssertEqual(again.count, savedBefore.count + 2)
    }

    func testASavedCopyIsRestorableAndDeletable() throws {
        let shop = try DemoFixture()
        let backup = oldestPreUpdate(shop)
        let live = try counts(shop.layout.databasePath)
        let savedBefore = Set(BackupEngine(layout: shop.layout).listBackups().map(\.name))
        XCTAssertEqual(try run(["restore", backup.name, "--yes"] + shop.dirArgs).exitCode, 0)
        let saved = try XCTUnwrap(BackupEngine(layout: shop.layout).listBackups().first { $0.kind == .savedBeforeRestore && !savedBefore.contains($0.name) })
        let verify = try run(["verify", saved.name] + shop.dirArgs)
        XCTAssertEqual(verify.exitCode, 0, verify.stdout + verify.stderr)
        XCTAssertEqual(try run(["restore", saved.name, "--yes"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try counts(shop.layout.databasePath), live)
        let delete = try run(["delete", saved.name, "--yes"] + shop.dirArgs)
        XCTAssertEqual(delete.exitCode, 0, delete.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: saved.path))
        assertRefused(try run(["restore", saved.name, "--yes"] + shop.dirArgs), exit: 2, mentioning: "no backup named")
    }

    func testNothingToUndoIsSaidInOneLine() throws {
        let shop = try DemoFixture()
        for saved in BackupEngine(layout: shop.layout).listBackups().filter({ $0.kind == .savedBeforeRestore }) {
            XCTAssertEqual(try run(["delete", saved.name, "--yes"] + shop.dirArgs).exitCode, 0)
        }
        assertRefused(try run(["undo-restore", "--yes"] + shop.dirArgs), exit: 2, mentioning: "nothing to undo")
    }

    func testPruneDryRunJSONSaysWhyEachBackupStays() throws {
        let shop = try DemoFixture()
        let json = try run(["prune", "--dry-run", "--json"] + shop.dirArgs).json()
        let keep = try XCTUnwrap(json["keep"] as? [[String: Any]])
        let reasons = Set(keep.flatMap { $0["reasons"] as? [String] ?? [] })
        XCTAssertTrue(reasons.isSuperset(of: ["last", "daily", "weekly", "newest-verified", "pre-update"]), "\(reasons)")
        XCTAssertNotNil(json["remove"] as? [[String: Any]])
    }

    /// Retention makes room on a real full disk before it refuses.
    func testAFullDiskMakesRoomFromDepthBeforeRefusing() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mr5-room-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let mount = try ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", root])
        guard mount.exitCode == 0 else { throw XCTSkip("tmpfs mount not permitted: \(mount.stderr)") }
        addTeardownBlock { _ = try? ChildProcess.run("/bin/umount", ["-l", root]) }
        let dataDir = root + "/shop"
        _ = try DemoShop.create(at: dataDir, sizeMB: 2)
        let layout = DataLayout(dataDir: dataDir)
        let engine = BackupEngine(layout: layout)
        let before = engine.listBackups().filter(\.kind.isBackup).map(\.name)
        // Fill the disk until the next backup no longer fits.
        let free = try XCTUnwrap(try engine.diskUsage().freeBytes)
        let fill = free - (1 << 20)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/filler", contents: Data(count: Int(fill))))

        let r = try run(["create", "--data-dir", dataDir])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let history = engine.history().filter { $0.message?.contains("to make room") == true }
        XCTAssertFalse(history.isEmpty, "each removal is named")
        XCTAssertTrue(history[0].message!.contains(" free, "), history[0].message!)
        let after = engine.listBackups().filter(\.kind.isBackup).map(\.name)
        XCTAssertTrue(after.contains(before[0]) && after.contains(before[1]), "the newest two verified stay: \(after)")
        XCTAssertTrue(after.contains { $0.hasPrefix("pre-update-v2.4.0") }, "the newest pre-update stays: \(after)")

        // Only the protected ones left (the newest two verified, the newest pre-update) and
        // the disk full to the brim: nothing more may go, so the backup is refused as before.
        for key in ["backup_keep_daily", "backup_keep_weekly"] { try engine.setRetention(key, 0) }
        _ = try engine.prune(policy: RetentionPolicy(keepRegular: 2, keepPreUpdate: 1))
        let big = try XCTUnwrap(try engine.diskUsage().freeBytes)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/filler2", contents: Data(count: Int(max(0, big - 4096)))))
        let last = try run(["create", "--data-dir", dataDir])
        XCTAssertEqual(last.exitCode, 1, last.stdout)
        XCTAssertTrue(last.stderr.contains("not enough space"), last.stderr)
        let left = engine.listBackups()
        XCTAssertEqual(left.filter { $0.kind.isRegular && $0.status == .verified }.count, 2, "\(left.map(\.name))")
        XCTAssertTrue(left.contains { $0.name.hasPrefix("pre-update-v2.4.0") })
    }
}

/// Review findings: a raw saved copy is never restored, make-room never deletes in vain.
final class RestoreSafetyTests: XCTestCase {
    func testARawSavedCopyIsListedButNeverVerifiedIntoARestorableOne() throws {
        let shop = try DemoFixture()
        let db = shop.layout.databasePath
        // A live database that does not open: the restore saves its raw bytes.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try Data("garbage, not a database at all".utf8 + [UInt8](repeating: 0x41, count: 4096)).write(to: URL(fileURLWithPath: db))
        let backup = try XCTUnwrap(BackupEngine(layout: shop.layout).newestVerified(in: BackupEngine(layout: shop.layout).listBackups()))
        XCTAssertEqual(try run(["restore", backup.name, "--yes"] + shop.dirArgs).exitCode, 0)
        let engine = BackupEngine(layout: shop.layout)
        let raw = try XCTUnwrap(engine.listBackups().first { $0.kind == .savedBeforeRestore && $0.record?.strategy.rawValue == "saved-raw" })
        XCTAssertEqual(raw.status, .corrupt, "listed as damaged")
        for args in [["verify", raw.name], ["restore", raw.name, "--yes"]] {
            let r = try run(args + shop.dirArgs)
            XCTAssertNotEqual(r.exitCode, 0, "\(args)")
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("saved raw from a database that did not open"), r.stderr)
        }
        XCTAssertEqual(BackupEngine(layout: shop.layout).listBackups().first { $0.name == raw.name }?.status, .corrupt,
                       "never verified into a restorable one")
        XCTAssertNotEqual(engine.lastSavedCopy()?.name, raw.name, "undo never picks it")
    }

    func testMakeRoomRemovesNothingWhenRemovingWouldNotBeEnough() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout, metrics: .none)
        for _ in 0..<3 { _ = try engine.createBackup() }
        let before = engine.listBackups().map(\.name)
        let removed = try engine.makeRoom(needed: Int64.max / 4, in: layout.backupsDir, trigger: .cli)
        XCTAssertEqual(removed, [])
        XCTAssertEqual(engine.listBackups().map(\.name), before)
    }
}
