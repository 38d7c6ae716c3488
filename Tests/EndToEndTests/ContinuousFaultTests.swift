import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Continuous protection meeting a full replica drive with the real Litestream: the lag
/// passes its threshold, `status` warns and one `continuous_failed` goes out; once the
/// drive has room again Litestream catches up by itself and one `continuous_recovered`
/// follows. Nothing committed meanwhile is missing from the replica.
final class ContinuousFaultTests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/local/bin/litestream") else {
            throw XCTSkip("needs Litestream in /usr/local/bin (.ci/run installs it)")
        }
        guard getuid() == 0 else { throw XCTSkip("needs root to mount a small tmpfs as the full drive") }
    }

    private func events(_ receiver: HTTPReceiver) -> [String] {
        receiver.requests().filter { $0.method == "POST" }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["event"] as? String
        }
    }

    func testAFullReplicaDriveWarnsOnceAndItsRecoveryIsToldWithNothingMissing() throws {
        let shop = try DemoFixture()
        let drive = shop.root + "/usb"
        try FileManager.default.createDirectory(atPath: drive, withIntermediateDirectories: false)
        XCTAssertEqual(shell("mount -t tmpfs -o size=6m,mode=0700 tmpfs \(shq(drive))").status, 0)
        addTeardownBlock { shell("umount \(shq(drive)) || umount -l \(shq(drive))") }
        for setting in [("scheduler_expected", "false")] {
            XCTAssertEqual(try run(["settings", "set", setting.0, setting.1] + shop.dirArgs).exitCode, 0)
        }
        let receiver = try HTTPReceiver(log: shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/hook"] + shop.dirArgs).exitCode, 0)
        let made = try run(["continuous", "init", "--replica", drive + "/mr5"] + shop.dirArgs)
        XCTAssertEqual(made.exitCode, 0, made.stderr)
        XCTAssertEqual(try run(["settings", "set", "continuous_lag_warning", "5"] + shop.dirArgs).exitCode, 0)
        let daemon = try startDaemonRunningLitestream(shop, extra: ["--no-metrics"])

        // More than the drive holds, incompressible: Litestream cannot write it.
        let db = shop.layout.databasePath
        XCTAssertEqual(shell("sqlite3 -cmd '.timeout 5000' \(shq(db)) 'CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(8000000))'").status, 0)
        var line = ""
        XCTAssertTrue(eventually(timeout: 60) {
            line = (try? self.run(["status"] + shop.dirArgs).stdout) ?? ""
            return line.hasPrefix("WARNING") && line.contains("behind the database")
        }, line)
        // An attempt evaluates the conditions at once (the daemon would within 30 s).
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        XCTAssertTrue(eventually(timeout: 30) { self.events(receiver).contains("continuous_failed") }, "\(self.events(receiver))")

        // Room again: Litestream catches up by itself, and the recovery is told once.
        XCTAssertEqual(shell("mount -o remount,size=64m \(shq(drive))").status, 0)
        XCTAssertTrue(eventually(timeout: 90) {
            line = (try? self.run(["status"] + shop.dirArgs).stdout) ?? ""
            // (The filler's backup is a size anomaly of its own: only the replica is judged here.)
            return line.contains("replica 0 s behind") && !line.contains("behind the database")
        }, line)
        // A polite backup, as the scheduler makes them, beside the running Litestream.
        let polite = try run(["create", "--nice", "--json"] + shop.dirArgs)
        XCTAssertEqual(polite.exitCode, 0, polite.stderr)
        XCTAssertEqual((try polite.json()["backup"] as? [String: Any])?["pace"] as? String, "polite")
        XCTAssertTrue(eventually(timeout: 30) { self.events(receiver).contains("continuous_recovered") }, "\(self.events(receiver))")
        XCTAssertEqual(events(receiver).filter { $0.hasPrefix("continuous_") }, ["continuous_failed", "continuous_recovered"])

        // Nothing missing: the replica's newest moment holds the filler.
        daemon.terminate()
        XCTAssertNotNil(daemon.wait(timeout: 30))
        let newTill = shop.root + "/new-till"
        try FileManager.default.createDirectory(atPath: newTill, withIntermediateDirectories: false)
        let back = try run(["continuous", "restore", "--replica", drive + "/mr5", "--yes", "--owner", "root", "--data-dir", newTill])
        XCTAssertEqual(back.exitCode, 0, back.stderr)
        XCTAssertEqual(shell("sqlite3 \(shq(newTill + "/mr5-pos.db")) 'SELECT length(b) FROM filler'").output, "8000000\n")
    }
}
