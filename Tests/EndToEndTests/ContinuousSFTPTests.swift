import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Continuous protection into a real sshd on 127.0.0.1 over SFTP: the till's own key, the
/// server's key pinned (never trusted on first use: shown with its fingerprint), a server
/// whose key is not the pinned one refused, a moment restored, the server gone and back
/// (warned within the lag threshold, its recovery told), and a lost till brought back.
final class ContinuousSFTPTests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/local/bin/litestream") else {
            throw XCTSkip("needs Litestream in /usr/local/bin (.ci/run installs it)")
        }
    }

    func testAnSFTPReplicaPinsTheServersKeyAndBringsALostTillBack() throws {
        let server = try SFTPServer()
        defer { server.stop() }
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let replica = "sftp://\(server.user)@127.0.0.1:\(server.port)\(shop.root)/sftp-replicas"
        let key = ["--ssh-key", server.folder.file("client_key")]
        let hostKey = try String(contentsOfFile: server.folder.file("host_key.pub"), encoding: .utf8)
        let fingerprint = shell("ssh-keygen -lf \(shq(server.folder.file("host_key.pub"))) | cut -d' ' -f2").output.trimmingCharacters(in: .whitespacesAndNewlines)

        // Not pinned: the server's key is shown with its fingerprint, and nothing is kept.
        let unpinned = try run(["continuous", "init", "--replica", replica] + key + shop.dirArgs)
        assertRefused(unpinned, exit: 2, mentioning: "is not pinned: Litestream checks its ssh-ed25519 key, whose fingerprint is \(fingerprint)")
        XCTAssertFalse(unpinned.stderr.contains(hostKey.split(separator: " ")[1]), "the key itself comes from the server's admin, not from here")
        XCTAssertEqual(try run(["continuous", "status", "--json"] + shop.dirArgs).json()["configured"] as? Bool, false)
        // Another server's key: refused by Litestream in one line.
        let other = TempDir("mr5-otherkey")
        XCTAssertEqual(shell("ssh-keygen -q -t ed25519 -N '' -f \(shq(other.file("k")))").status, 0)
        let wrong = try run(["continuous", "init", "--replica", replica, "--host-key", try String(contentsOfFile: other.file("k.pub"), encoding: .utf8)] + key + shop.dirArgs)
        assertRefused(wrong, exit: 1, mentioning: "host key mismatch")

        let made = try run(["continuous", "init", "--replica", replica, "--host-key", hostKey] + key + shop.dirArgs)
        XCTAssertEqual(made.exitCode, 0, made.stderr)
        let path = try XCTUnwrap(try run(["continuous", "status", "--json"] + shop.dirArgs).json()["replicaPath"] as? String)
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: shop.layout.metaDir + "/continuous/ssh-key"))[.posixPermissions] as? Int, 0o600)

        let daemon = try startDaemonRunningLitestream(shop)
        let db = shop.layout.databasePath
        XCTAssertEqual(shell("sqlite3 -cmd '.timeout 5000' \(shq(db)) 'CREATE TABLE probe(n); INSERT INTO probe VALUES (1)'").status, 0)
        let moment = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up) + 1)
        let iso = ISO8601DateFormatter()
        XCTAssertTrue(eventually(timeout: 30) {
            Date() > moment && (try? self.run(["restore", "--at", iso.string(from: moment), "--dry-run"] + shop.dirArgs))?.exitCode == 0
        }, "the moment reached the server")
        // The server goes away: within the lag threshold status warns and one
        // continuous_failed goes out; back on the same port and key, Litestream catches up
        // by itself and one continuous_recovered follows.
        let receiver = try HTTPReceiver(log: shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/hook"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["settings", "set", "continuous_lag_warning", "5"] + shop.dirArgs).exitCode, 0)
        func events() -> [String] {
            receiver.requests().filter { $0.method == "POST" }.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["event"] as? String
            }.filter { $0.hasPrefix("continuous_") }
        }
        server.stop()
        XCTAssertEqual(shell("sqlite3 -cmd '.timeout 5000' \(shq(db)) 'INSERT INTO probe VALUES (2)'").status, 0)
        var line = ""
        XCTAssertTrue(eventually(timeout: 30) {
            line = (try? self.run(["status"] + shop.dirArgs).stdout) ?? ""
            // Litestream cannot open the replica and ends; started again with backoff.
            return line.hasPrefix("WARNING") && line.contains("connection refused")
        }, line)
        XCTAssertEqual(try run(["verify", "--all"] + shop.dirArgs).exitCode, 0)   // an attempt: the conditions are told at once
        XCTAssertTrue(eventually(timeout: 30) { events() == ["continuous_failed"] }, "\(events())")
        try server.start()
        XCTAssertTrue(eventually(timeout: 90) {
            line = (try? self.run(["status"] + shop.dirArgs).stdout) ?? ""
            return line.contains("replica 0 s behind") && !line.contains("cannot be read")
        }, line)
        XCTAssertEqual(try run(["verify", "--all"] + shop.dirArgs).exitCode, 0)
        XCTAssertTrue(eventually(timeout: 30) { events() == ["continuous_failed", "continuous_recovered"] }, "\(events())")
        daemon.terminate()
        XCTAssertNotNil(daemon.wait(timeout: 30))

        let newTill = shop.root + "/new-till"
        try FileManager.default.createDirectory(atPath: newTill, withIntermediateDirectories: false)
        let back = try run(["continuous", "restore", "--replica", path, "--host-key", hostKey, "--yes", "--owner", "root", "--data-dir", newTill] + key)
        XCTAssertEqual(back.exitCode, 0, back.stderr)
        XCTAssertEqual(shell("sqlite3 \(shq(newTill + "/mr5-pos.db")) 'SELECT count(*) FROM probe'").output, "2\n", "every commit, the last one too")
    }
}
