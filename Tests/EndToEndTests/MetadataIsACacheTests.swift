import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Metadata is a cache, never the truth: a backup that lost its metadata keeps its place
/// in time, is checked again and adopted before retention judges it, and a data dir
/// copied with tar is not "no verified backup". Real files, the built binary.
final class MetadataIsACacheTests: XCTestCase {
    private func shop() throws -> DemoFixture {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        return shop
    }

    private func listed(_ shop: DemoFixture) throws -> [[String: Any]] {
        let r = try run(["list", "--json"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(json["backups"] as? [[String: Any]])
    }

    private func newestRegular(_ shop: DemoFixture) throws -> String {
        let names = try listed(shop).compactMap { $0["name"] as? String }
        return try XCTUnwrap(names.first { $0.hasPrefix("backup-") && $0.hasSuffix(".db") })
    }

    func testTheNewestBackupThatLostOrBrokeItsMetadataStaysNewestAndIsCheckedAgainBeforeRetention() throws {
        for damage in ["removed", "truncated"] {
            let shop = try shop()
            let newest = try newestRegular(shop)
            let meta = shop.layout.metaDir + "/" + newest + ".json"
            if damage == "removed" {
                try FileManager.default.removeItem(atPath: meta)
            } else {
                let data = try Data(contentsOf: URL(fileURLWithPath: meta))
                try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: meta))
            }
            // Its place in time is its name's: still first, waiting to be checked again.
            let first = try XCTUnwrap(try listed(shop).first)
            XCTAssertEqual(first["name"] as? String, newest, damage)
            XCTAssertEqual(first["status"] as? String, "unverified", damage)
            let status = try run(["status"] + shop.dirArgs)
            XCTAssertEqual(status.exitCode, 1, status.stdout)
            XCTAssertTrue(status.stdout.hasPrefix("WARNING - 1 backup without metadata: verify pending"), status.stdout)

            // A dry run writes nothing and keeps it.
            let before = DemoFixture.snapshot(shop.dataDir)
            let dry = try run(["prune", "--dry-run", "--json"] + shop.dirArgs)
            XCTAssertEqual(dry.exitCode, 0, dry.stderr)
            let plan = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
            let removed = (plan["remove"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            XCTAssertFalse(removed.contains(newest), "\(damage): \(dry.stdout)")
            XCTAssertEqual(DemoFixture.snapshot(shop.dataDir), before, "a dry run writes nothing")

            // The next backup checks it again and adopts it before its retention runs.
            let create = try run(["create"] + shop.dirArgs)
            XCTAssertEqual(create.exitCode, 0, create.stderr)
            XCTAssertFalse(create.stdout.contains("removed \(newest)"), create.stdout)
            let after = try listed(shop)
            let adopted = try XCTUnwrap(after.first { $0["name"] as? String == newest }, "\(damage): retention removed it")
            XCTAssertEqual(adopted["status"] as? String, "verified", damage)
            XCTAssertEqual(after.first?["name"] as? String == newest, false, "the new backup is newer")
            let history = try run(["history", "--json"] + shop.dirArgs).stdout
            XCTAssertTrue(history.contains("checked again because its metadata was missing"), history)
            XCTAssertTrue(try run(["status"] + shop.dirArgs).stdout.hasPrefix("OK - "))
        }
    }

    func testVerifyAllRemakesADeletedMetaFolderAndEveryBackupPasses() throws {
        let shop = try shop()
        let count = try listed(shop).filter { ($0["name"] as? String ?? "").hasSuffix(".db") && $0["kind"] as? String != "saved-before-restore" }.count
        try FileManager.default.removeItem(atPath: shop.layout.metaDir)
        let status = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(status.exitCode, 2, "no verified backup: still CRITICAL, but says they wait\n" + status.stdout)
        XCTAssertTrue(status.stdout.contains("no verified backup on disk (\(count) without metadata: verify pending)"), status.stdout)
        let verify = try run(["verify", "--all"] + shop.dirArgs)
        XCTAssertEqual(verify.exitCode, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("\(count) of \(count) backups passed"), verify.stdout)
        XCTAssertTrue(FileSystem.isDirectory(shop.layout.metaDir))
        XCTAssertTrue(try run(["status"] + shop.dirArgs).stdout.hasPrefix("OK - "))
    }

    func testADataDirCopiedWithTarIsVerifyPendingNotCriticalAndTheHashDecides() throws {
        let shop = try shop()
        let copy = TempDir("mr5-tar")
        // GNU tar keeps file times to the second only: every backup's time changes.
        let tar = try ChildProcess.run("/bin/sh", ["-c", "tar --format=gnu -C \(shq(shop.root)) -cf - shop | tar -C \(shq(copy.path)) -xf -"])
        XCTAssertEqual(tar.exitCode, 0, tar.stderr)
        let dirArgs = ["--data-dir", copy.path + "/shop"]
        let before = DemoFixture.snapshot(copy.path + "/shop")
        let status = try run(["status"] + dirArgs)
        XCTAssertEqual(status.exitCode, 1, status.stdout)
        XCTAssertTrue(status.stdout.contains("backups changed since verified: verify pending"), status.stdout)
        XCTAssertFalse(status.stdout.contains("no verified backup"), status.stdout)
        XCTAssertEqual(DemoFixture.snapshot(copy.path + "/shop"), before, "status never hashes nor writes")

        // One backup's bytes really changed (same size): the hash says so, not the time.
        let victim = try XCTUnwrap(try listed(shop).compactMap { $0["name"] as? String }.first { $0.hasPrefix("backup-") && $0.hasSuffix(".db") })
        let path = copy.path + "/shop/backups/" + victim
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: 8192)
        handle.write(Data(repeating: 0x5A, count: 16))
        try handle.close()
        let verify = try run(["verify", "--all"] + dirArgs)
        XCTAssertEqual(verify.exitCode, 1, verify.stdout)
        let lines = verify.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains(victim) && $0.hasPrefix("FAILED") }, verify.stdout)
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok") }.count, lines.filter { $0.hasPrefix("ok") || $0.hasPrefix("FAILED") }.count - 1, verify.stdout)
    }

    func testTheSchedulerChecksPendingBackupsAgainWithoutABackupRun() throws {
        let shop = try shop()
        try FileManager.default.removeItem(atPath: shop.layout.metaDir)
        XCTAssertEqual(try run(["status"] + shop.dirArgs).exitCode, 2)
        // No backup is due for an hour: only the re-check can make it OK.
        let binary = try BuiltProduct.backup.required()
        let daemon = try ChildProcess(binary, ["daemon", "--first-run-after", "3600", "--fixed-interval", "3600", "--no-metrics"] + shop.dirArgs)
        defer { daemon.terminate() }
        XCTAssertTrue(eventually(timeout: 60) {
            ((try? self.run(["status"] + shop.dirArgs).stdout) ?? "").hasPrefix("OK - ")
        }, daemon.stderr + ((try? run(["status"] + shop.dirArgs).stdout) ?? ""))
        let history = try run(["history", "--json"] + shop.dirArgs).stdout
        XCTAssertTrue(history.contains("\"scheduler\"") && history.contains("checked again because its metadata was missing"), history)
    }

    func testABackupDatedAfterNowIsNamedWithAdviceAndIsNeverTheNewest() throws {
        let shop = try shop()
        let newest = try newestRegular(shop)
        // The clock was a year ahead when it was made (then corrected): a file named for next year.
        let stamp = try XCTUnwrap(newest.range(of: #"\d{4}"#, options: .regularExpression))
        let future = newest.replacingCharacters(in: stamp, with: String(Int(newest[stamp])! + 1))
        try FileManager.default.copyItem(atPath: shop.layout.backupsDir + "/" + newest, toPath: shop.layout.backupsDir + "/" + future)
        let status = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(status.exitCode, 1, status.stdout)
        XCTAssertTrue(status.stdout.contains("\(future) is dated after the current time ("), status.stdout)
        XCTAssertTrue(status.stdout.contains("delete it if the clock was wrong"), status.stdout)
        XCTAssertFalse(status.stdout.contains("system clock"), "a correct clock is never blamed\n" + status.stdout)
        let names = try listed(shop).compactMap { $0["name"] as? String }.filter { $0.hasPrefix("backup-") && $0.hasSuffix(".db") }
        XCTAssertEqual(names.first, newest, "one rule for newest: the list")
        XCTAssertEqual(names.last, future, "\(names)")
        let json = try run(["status", "--json"] + shop.dirArgs).stdout
        XCTAssertTrue(json.contains("\"backup_dated_after_now\""), json)
    }
}
