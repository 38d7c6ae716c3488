import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Restoring from the continuous replica with the real Litestream: `restore --at` two
/// different seconds with their exact rows, the moment kept as a verified `point-in-time`
/// copy, a restore carried through replication with the moments before it still there,
/// and a lost till brought back into an empty data dir.
final class ContinuousRestoreTests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/local/bin/litestream") else {
            throw XCTSkip("needs Litestream in /usr/local/bin (.ci/run installs it)")
        }
    }

    /// The newest transaction file of level 0, where each commit lands first.
    private func newestTransaction(_ replica: String) -> String? {
        ((try? FileManager.default.contentsOfDirectory(atPath: replica + "/ltx/0")) ?? []).filter { $0.hasSuffix(".ltx") }.max()
    }

    private func probes(_ db: String) -> String {
        shell("sqlite3 -cmd '.timeout 5000' \(shq(db)) 'SELECT count(*) FROM probe'").output
    }

    func testRestoreAtTwoSecondsKeepsEachMomentAndALostTillComesBackIntoAnEmptyDataDir() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let replica = shop.root + "/replica"
        XCTAssertEqual(try run(["continuous", "init", "--same-disk", "--replica", replica] + shop.dirArgs).exitCode, 0)
        let path = try XCTUnwrap(try run(["continuous", "status", "--json"] + shop.dirArgs).json()["replicaPath"] as? String)
        let daemon = try startDaemonRunningLitestream(shop)

        // Each commit replicated, then the moment: the next whole second after it was seen
        // in the replica, and the next commit only after that second.
        let db = shop.layout.databasePath
        var moments: [Date] = []
        for n in 1...3 {
            let before = newestTransaction(path)
            let sql = n == 1 ? "CREATE TABLE probe(n); INSERT INTO probe VALUES (1)" : "INSERT INTO probe VALUES (\(n))"
            XCTAssertEqual(shell("sqlite3 \(shq(db)) 'PRAGMA busy_timeout=5000; \(sql)'").status, 0)
            XCTAssertTrue(eventually(timeout: 30) { self.newestTransaction(path) != before }, "commit \(n) replicated")
            let moment = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up))
            moments.append(moment)
            XCTAssertTrue(eventually(timeout: 5) { Date() > moment.addingTimeInterval(0.2) })
        }

        // A script's moment (ISO 8601 in UTC), looked at without changing anything.
        let iso = ISO8601DateFormatter()
        let dry = try run(["restore", "--at", iso.string(from: moments[0]), "--dry-run", "--json"] + shop.dirArgs)
        XCTAssertEqual(dry.exitCode, 0, dry.stderr)
        let first = try XCTUnwrap(try dry.json()["backup"] as? String)
        XCTAssertEqual(first, BackupName.make(kind: .pointInTime, date: moments[0]))
        XCTAssertEqual(probes(shop.layout.pointInTimeDir + "/" + first), "1\n")
        XCTAssertEqual(probes(db), "3\n", "a dry run changes nothing")
        let mode = (try FileManager.default.attributesOfItem(atPath: shop.layout.pointInTimeDir + "/" + first))[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)

        // A technician's moment (local time), restored: the normal restore, saved copy and all.
        let local = DateFormatter()
        local.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let beforeRestore = newestTransaction(path)
        let restored = try run(["restore", "--at", local.string(from: moments[1]), "--yes"] + shop.dirArgs)
        XCTAssertEqual(restored.exitCode, 0, restored.stderr)
        XCTAssertTrue(restored.stdout.contains("fetched from the replica and verified"), restored.stdout)
        XCTAssertTrue(restored.stdout.contains("The previous database is saved as"), restored.stdout)
        XCTAssertEqual(probes(db), "2\n")
        let listed = try XCTUnwrap(try run(["list", "--json"] + shop.dirArgs).json()["backups"] as? [[String: Any]])
        XCTAssertEqual(listed.filter { $0["kind"] as? String == "point-in-time" }.map { $0["status"] as? String }, ["verified", "verified"])

        // The restore went through replication as a change (its result is the newest
        // moment; the moments before it stay, below).
        XCTAssertTrue(eventually(timeout: 30) { self.newestTransaction(path) != beforeRestore }, "the restore replicated")

        // Their own count, one: a dry run keeps the moment it fetched and removes nothing.
        let moment = { (i: Int) in BackupName.make(kind: .pointInTime, date: moments[i]) }
        let kept = { Set(try FileManager.default.contentsOfDirectory(atPath: shop.layout.pointInTimeDir).filter { !$0.hasPrefix(".") }) }
        XCTAssertEqual(try run(["settings", "set", "point_in_time_keep", "1"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["restore", "--at", iso.string(from: moments[2]), "--dry-run"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try kept(), [moment(0), moment(1), moment(2)])
        // A kept moment that changed since its check is never used, nor removed unasked.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: shop.layout.pointInTimeDir + "/" + moment(0)))
        handle.seekToEndOfFile(); handle.write(Data([0])); handle.closeFile()
        assertRefused(try run(["restore", "--at", iso.string(from: moments[0]), "--dry-run"] + shop.dirArgs), exit: 2,
                      mentioning: "a copy of this moment is already there and is not verified")
        // A real restore applies the count: the changed one stays for a person.
        let beforeSecond = newestTransaction(path)
        XCTAssertEqual(try run(["restore", "--at", iso.string(from: moments[2]), "--yes"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(probes(db), "3\n")
        XCTAssertEqual(try kept(), [moment(0), moment(2)])
        XCTAssertTrue(eventually(timeout: 30) { self.newestTransaction(path) != beforeSecond }, "the second restore replicated")

        // Outside the window, and a time it cannot read: one line each, nothing fetched.
        assertRefused(try run(["restore", "--at", "2 days ago", "--yes"] + shop.dirArgs), exit: 2,
                      mentioning: "is outside the replica's window: any moment from")
        assertRefused(try run(["restore", "--at", "yesterday", "--yes"] + shop.dirArgs), exit: 2, mentioning: "cannot read the time yesterday")
        assertRefused(try run(["restore", "--at", iso.string(from: Date().addingTimeInterval(3600)), "--yes"] + shop.dirArgs), exit: 2,
                      mentioning: "is later than now")
        assertRefused(try run(["restore", "--at", "1 minute ago", "backup-x.db"] + shop.dirArgs), exit: 2, mentioning: "one of them")

        daemon.terminate()
        XCTAssertNotNil(daemon.wait(timeout: 30))

        // The till is lost: a new one, an empty data dir of its own.
        let newTill = shop.root + "/new-till"
        try FileManager.default.createDirectory(atPath: newTill, withIntermediateDirectories: false)
        // A WAL left where the database was would be applied to the restored one: refused.
        try Data("junk".utf8).write(to: URL(fileURLWithPath: newTill + "/mr5-pos.db-wal"))
        assertRefused(try run(["continuous", "restore", "--replica", replica, "--yes", "--owner", "root", "--data-dir", newTill]), exit: 2,
                      mentioning: "mr5-pos.db-wal is there without its database")
        try FileManager.default.removeItem(atPath: newTill + "/mr5-pos.db-wal")
        let back = try run(["continuous", "restore", "--replica", replica, "--yes", "--owner", "root", "--data-dir", newTill])
        XCTAssertEqual(back.exitCode, 0, back.stderr)
        XCTAssertTrue(back.stdout.contains("integrity_check ok"), back.stdout)
        XCTAssertTrue(back.stdout.contains("continuous init --replica \(replica)"), back.stdout)
        XCTAssertEqual(probes(newTill + "/mr5-pos.db"), "3\n", "the newest moment: the last restore's result")
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: newTill + "/mr5-pos.db"))[.posixPermissions] as? Int, 0o600)
        assertRefused(try run(["continuous", "restore", "--replica", replica, "--yes", "--data-dir", newTill]), exit: 2,
                      mentioning: "already exists: continuous restore brings a lost till back into an empty data dir")
        let older = shop.root + "/older-till"
        try FileManager.default.createDirectory(atPath: older, withIntermediateDirectories: false)
        let atTwo = try run(["continuous", "restore", "--replica", replica, "--at", iso.string(from: moments[1]), "--yes", "--owner", "root", "--data-dir", older])
        XCTAssertEqual(atTwo.exitCode, 0, atTwo.stderr)
        XCTAssertEqual(probes(older + "/mr5-pos.db"), "2\n", "a moment before the restores is still restorable")
        // Set up again there, in a data dir that never had a backup (no backups/ folder yet).
        try FileManager.default.removeItem(atPath: older + "/backups")
        let again = try run(["continuous", "init", "--same-disk", "--replica", replica, "--data-dir", older])
        XCTAssertEqual(again.exitCode, 0, again.stderr)
        assertRefused(try run(["continuous", "restore", "--replica", replica, "--terminal", "till-99", "--yes", "--owner", "root", "--data-dir", shop.root]),
                      exit: 2, mentioning: "holds no replica of till-99")
    }

}
