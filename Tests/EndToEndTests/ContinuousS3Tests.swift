import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Continuous protection into an S3 API server (moto on 127.0.0.1) with the real
/// Litestream: its settings as options, its keys only in a 0600 file and Litestream's
/// environment, a moment restored, and a lost till brought back from the bucket.
final class ContinuousS3Tests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/local/bin/litestream") else {
            throw XCTSkip("needs Litestream in /usr/local/bin (.ci/run installs it)")
        }
        guard S3Server.program != nil else { throw XCTSkip("needs moto_server (.ci/run installs it)") }
    }

    private func probes(_ db: String) -> String {
        shell("sqlite3 -cmd '.timeout 5000' \(shq(db)) 'SELECT count(*) FROM probe'").output
    }

    func testAnS3ReplicaKeepsItsKeysPrivateRestoresAMomentAndBringsALostTillBack() throws {
        let server = try S3Server()
        defer { server.stop() }
        // Litestream makes no bucket: the shop's bucket is there before, as on AWS or MinIO.
        XCTAssertEqual(shell("curl -s -o /dev/null -w '%{http_code}' -X PUT http://127.0.0.1:\(server.port)/mr5-replicas").output, "200")
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let envFile = shop.root + "/s3.env"
        try S3Server.environmentFile.write(toFile: envFile, atomically: true, encoding: .utf8)
        let options = ["--option", "endpoint=http://127.0.0.1:\(server.port)", "--option", "force-path-style=true"]
        let replica = "s3://mr5-replicas/shops"

        assertRefused(try run(["continuous", "init", "--replica", replica] + options + shop.dirArgs), exit: 2, mentioning: "an S3 replica needs its keys")
        assertRefused(try run(["continuous", "init", "--replica", replica, "--env-file", envFile, "--option", "secret=x"] + shop.dirArgs),
                      exit: 2, mentioning: "secret is not an S3 setting")
        let made = try run(["continuous", "init", "--replica", replica, "--env-file", envFile] + options + shop.dirArgs)
        XCTAssertEqual(made.exitCode, 0, made.stderr)
        let path = try XCTUnwrap(try run(["continuous", "status", "--json"] + shop.dirArgs).json()["replicaPath"] as? String)
        XCTAssertTrue(path.hasPrefix(replica + "/"), path)
        XCTAssertTrue(made.stdout.contains("Keep this path for a recovery on a new till: \(path)"), made.stdout)
        // The keys: in a 0600 file of their own, nowhere else.
        let kept = shop.layout.metaDir + "/continuous"
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: kept + "/env"))[.posixPermissions] as? Int, 0o600)
        for file in ["config.json", "litestream.yml", "state.json"] {
            XCTAssertFalse(try String(contentsOfFile: kept + "/" + file, encoding: .utf8).contains("mr5testsecret"), file)
        }
        // A setup that fails (a bucket that is not there) leaves the working keys as they were.
        let otherKeys = shop.root + "/other.env"
        try "AWS_ACCESS_KEY_ID=other\nAWS_SECRET_ACCESS_KEY=othersecret\n".write(toFile: otherKeys, atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["continuous", "init", "--replica", "s3://no-such-bucket/x", "--env-file", otherKeys] + options + shop.dirArgs).exitCode, 1)
        XCTAssertEqual(try String(contentsOfFile: kept + "/env", encoding: .utf8), S3Server.environmentFile)
        XCTAssertEqual(try run(["continuous", "status", "--json"] + shop.dirArgs).json()["replicaPath"] as? String, path)

        let daemon = try startDaemonRunningLitestream(shop)

        // A sale, its moment once the bucket holds it, then another sale.
        let db = shop.layout.databasePath
        XCTAssertEqual(shell("sqlite3 -cmd '.timeout 5000' \(shq(db)) 'CREATE TABLE probe(n); INSERT INTO probe VALUES (1)'").status, 0)
        let iso = ISO8601DateFormatter()
        let moment = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up) + 1)
        XCTAssertTrue(eventually(timeout: 30) {
            Date() > moment && (try? self.run(["restore", "--at", iso.string(from: moment), "--dry-run", "--json"] + shop.dirArgs))?.exitCode == 0
        }, "the moment reached the bucket")
        XCTAssertEqual(probes(shop.layout.pointInTimeDir + "/" + BackupName.make(kind: .pointInTime, date: moment)), "1\n")
        XCTAssertEqual(shell("sqlite3 -cmd '.timeout 5000' \(shq(db)) 'INSERT INTO probe VALUES (2)'").status, 0)
        daemon.terminate()   // Litestream finishes its sync when stopped
        XCTAssertNotNil(daemon.wait(timeout: 30))

        // The till is lost: the whole path, the same options and keys, an empty data dir.
        let newTill = shop.root + "/new-till"
        try FileManager.default.createDirectory(atPath: newTill, withIntermediateDirectories: false)
        assertRefused(try run(["continuous", "restore", "--replica", replica, "--env-file", envFile, "--yes", "--owner", "root", "--data-dir", newTill] + options),
                      exit: 2, mentioning: "give the whole path continuous init printed")
        let back = try run(["continuous", "restore", "--replica", path, "--env-file", envFile, "--yes", "--owner", "root", "--data-dir", newTill] + options)
        XCTAssertEqual(back.exitCode, 0, back.stderr)
        XCTAssertTrue(back.stdout.contains("continuous init --replica \(replica) --option endpoint="), back.stdout)
        XCTAssertEqual(probes(newTill + "/mr5-pos.db"), "2\n", "every commit, the last one too")
    }

    func testWrongKeysAreOneLineAndKeepNothing() throws {
        let server = try S3Server(checkingKeys: true)
        defer { server.stop() }
        let shop = try DemoFixture()
        let envFile = shop.root + "/s3.env"
        try S3Server.environmentFile.write(toFile: envFile, atomically: true, encoding: .utf8)
        // A rollback-journal database asked to switch: a refused setup never switches it.
        let db = shop.layout.databasePath
        XCTAssertEqual(shell("sqlite3 \(shq(db)) 'PRAGMA journal_mode=DELETE'").status, 0)
        let r = try run(["continuous", "init", "--replica", "s3://mr5-replicas/shops", "--env-file", envFile, "--switch-to-wal",
                         "--option", "endpoint=http://127.0.0.1:\(server.port)", "--option", "force-path-style=true"] + shop.dirArgs)
        assertRefused(r, exit: 1, mentioning: "the S3 server refused: InvalidAccessKeyId")
        XCTAssertFalse(r.stderr.contains("RequestID"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.layout.metaDir + "/continuous"), "nothing kept")
        XCTAssertEqual(shell("sqlite3 \(shq(db)) 'PRAGMA journal_mode'").output, "delete\n")
        // A password in the replica string is never said back.
        let secret = try run(["continuous", "init", "--replica", "sftp://pos:Hunter2Pass@nas/srv"] + shop.dirArgs)
        assertRefused(secret, exit: 2, mentioning: "sftp://pos:***@nas/srv is neither")
        XCTAssertFalse(secret.stderr.contains("Hunter2Pass"), secret.stderr)
    }
}
