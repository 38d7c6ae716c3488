import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Continuous protection with the real Litestream (0.5.x, which `.ci/run` installs in
/// /usr/local/bin): setting it up into a folder, the daemon running it, Litestream killed
/// and started again, turned off, and what is refused.
final class ContinuousTests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/local/bin/litestream") else {
            throw XCTSkip("needs Litestream in /usr/local/bin (.ci/run installs it)")
        }
    }

    private func status(_ shop: DemoFixture) throws -> [String: Any] {
        try run(["continuous", "status", "--json"] + shop.dirArgs).json()
    }

    private func transactionFiles(_ replica: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: replica)
        var out: [String] = []
        while let path = walker?.nextObject() as? String {
            if path.hasSuffix(".ltx"), ("/" + path).contains("/ltx/0/") { out.append(path) }
        }
        return out.sorted()
    }

    func testSetupRefusesTheSameDiskARollbackDatabaseAnOpenOneToSwitchAndAnotherDatabasesReplica() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let replica = shop.root + "/replica"
        assertRefused(try run(["continuous", "init", "--replica", replica] + shop.dirArgs), exit: 2, mentioning: "is on the same disk as the data dir")
        assertRefused(try run(["continuous", "init", "--replica", "sftp://pos@nas/shop"] + shop.dirArgs), exit: 2, mentioning: "an SFTP replica logs in with a key of this till's own")
        assertRefused(try run(["continuous", "init", "--replica", replica, "--option", "region=x"] + shop.dirArgs), exit: 2,
                      mentioning: "are for an S3 or SFTP replica, not a folder")

        // A rollback-journal database: refused, and never switched unasked.
        XCTAssertEqual(shell("sqlite3 \(shq(shop.layout.databasePath)) 'PRAGMA journal_mode=DELETE'").status, 0)
        let rollback = try run(["continuous", "init", "--same-disk", "--replica", replica] + shop.dirArgs)
        assertRefused(rollback, exit: 2, mentioning: "continuous protection needs the database in WAL mode")
        XCTAssertTrue(rollback.stderr.contains("--switch-to-wal"), rollback.stderr)
        XCTAssertEqual(shell("sqlite3 \(shq(shop.layout.databasePath)) 'PRAGMA journal_mode'").output, "delete\n")

        // Open (idle) in another process, as a running POS has it: no switch under it.
        let pos = try ChildProcess("/usr/bin/python3", ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1])
            c.execute("SELECT count(*) FROM orders").fetchall()
            print("open", flush=True)
            time.sleep(120)
            """, shop.layout.databasePath])
        XCTAssertTrue(eventually(timeout: 10) { pos.stdout.contains("open") })
        let open = try run(["continuous", "init", "--same-disk", "--switch-to-wal", "--replica", replica] + shop.dirArgs)
        assertRefused(open, exit: 2, mentioning: "is open in another process (pid \(pos.pid))")
        XCTAssertEqual(shell("sqlite3 \(shq(shop.layout.databasePath)) 'PRAGMA journal_mode'").output, "delete\n")
        pos.terminate()
        _ = pos.wait(timeout: 10)

        let made = try run(["continuous", "init", "--same-disk", "--switch-to-wal", "--replica", replica] + shop.dirArgs)
        XCTAssertEqual(made.exitCode, 0, made.stderr)
        XCTAssertTrue(made.stdout.contains("does not encrypt"), made.stdout)
        XCTAssertEqual(shell("sqlite3 \(shq(shop.layout.databasePath)) 'PRAGMA journal_mode'").output, "wal\n")
        let json = try status(shop)
        let path = try XCTUnwrap(json["replicaPath"] as? String)
        XCTAssertTrue(path.hasPrefix(replica + "/"), path)
        XCTAssertFalse(transactionFiles(path).isEmpty, "synced once before anything was kept")
        for dir in [replica, (path as NSString).deletingLastPathComponent, path] {
            XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: dir))[.posixPermissions] as? Int, 0o700, dir)
        }
        XCTAssertEqual(json["running"] as? Bool, false)
        let health = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(health.exitCode, 1, health.stdout)
        XCTAssertTrue(health.stdout.contains("continuous protection is set up but Litestream is not running"), health.stdout)

        // The setup copied to a machine it was not made on (its machine id differs): never
        // run there, and said as CRITICAL.
        let configPath = shop.layout.metaDir + "/continuous/config.json"
        let kept = try String(contentsOfFile: configPath, encoding: .utf8)
        try kept.replacingOccurrences(of: #""machineID" : ""#, with: #""machineID" : "0another"#).write(toFile: configPath, atomically: true, encoding: .utf8)
        let copied = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(copied.exitCode, 2, copied.stdout)
        XCTAssertTrue(copied.stdout.contains("continuous protection was set up on another machine"), copied.stdout)
        try kept.write(toFile: configPath, atomically: true, encoding: .utf8)

        // The same data dir copied to another folder, setup and all: its setup is never run
        // (its Litestream would write into the original's replica); set up there, it is an
        // install of its own, beside the original's.
        let spare = shop.root + "/spare"
        XCTAssertEqual(shell("cp -a \(shq(shop.dataDir)) \(shq(spare))").status, 0)
        let copiedHere = try run(["status", "--data-dir", spare])
        XCTAssertEqual(copiedHere.exitCode, 2, copiedHere.stdout)
        XCTAssertTrue(copiedHere.stdout.contains("came with a data dir copied from another folder"), copiedHere.stdout)
        XCTAssertEqual(try run(["continuous", "init", "--same-disk", "--replica", replica, "--data-dir", spare]).exitCode, 0)
        let sparePath = try XCTUnwrap(try run(["continuous", "status", "--json", "--data-dir", spare]).json()["replicaPath"] as? String)
        XCTAssertNotEqual(sparePath, path)
        XCTAssertTrue(sparePath.hasPrefix(replica + "/"), sparePath)
        // A till's own replica folder is not a replica folder (the new one would nest in it).
        assertRefused(try run(["continuous", "init", "--same-disk", "--replica", path, "--data-dir", spare]), exit: 2,
                      mentioning: "is one till's replica; give the folder above")
    }

    func testTheDaemonRunsLitestreamStartsItAgainWhenKilledAndStopsIt() throws {
        let shop = try DemoFixture()
        let replica = shop.root + "/replica"
        XCTAssertEqual(try run(["continuous", "init", "--same-disk", "--replica", replica] + shop.dirArgs).exitCode, 0)
        let path = try XCTUnwrap(try status(shop)["replicaPath"] as? String)
        let daemon = try ChildProcess(try BuiltProduct.backup.required(), ["daemon"] + shop.dirArgs)
        addTeardownBlock { daemon.terminate(); _ = daemon.wait(timeout: 20) }
        var first: Int32 = 0
        XCTAssertTrue(eventually(timeout: 30) {
            first = ((try? self.status(shop))?["pid"] as? Int32) ?? 0
            return first > 0
        }, "the daemon starts Litestream")

        // A commit reaches the replica within seconds.
        let before = transactionFiles(path).count
        XCTAssertEqual(shell("sqlite3 \(shq(shop.layout.databasePath)) 'PRAGMA busy_timeout=5000; CREATE TABLE t_probe(x); INSERT INTO t_probe VALUES (1)'").status, 0)
        XCTAssertTrue(eventually(timeout: 30) { self.transactionFiles(path).count > before }, "replicated")
        // The metrics say it, rewritten by the scheduler when they change.
        XCTAssertTrue(eventually(timeout: 30) {
            let text = (try? String(contentsOfFile: shop.layout.logsDir + "/mr5_backup.prom", encoding: .utf8)) ?? ""
            return text.contains("mr5_backup_continuous_running 1\n") && text.contains("mr5_backup_continuous_configured 1\n")
        }, "the metrics say Litestream runs")

        // Killed as a crash would: started again, and the next commit still goes.
        XCTAssertEqual(kill(first, SIGKILL), 0)
        var second: Int32 = 0
        XCTAssertTrue(eventually(timeout: 30) {
            let json = try? self.status(shop)
            second = (json?["pid"] as? Int32) ?? 0
            return second > 0 && second != first && (json?["restarts"] as? Int) == 1
        }, "started again")
        XCTAssertTrue(try String(contentsOfFile: shop.layout.logsDir + "/backup.log", encoding: .utf8).contains("Continuous protection: Litestream is not running: Litestream exited with status 9"))
        let again = transactionFiles(path).count
        XCTAssertEqual(shell("sqlite3 \(shq(shop.layout.databasePath)) 'PRAGMA busy_timeout=5000; INSERT INTO t_probe VALUES (2)'").status, 0)
        XCTAssertTrue(eventually(timeout: 30) { self.transactionFiles(path).count > again }, "replicated after the restart")
        // Nothing missing across the kill: the replica's newest moment has both commits.
        let check = shop.root + "/after-kill"
        try FileManager.default.createDirectory(atPath: check, withIntermediateDirectories: false)
        XCTAssertEqual(try run(["continuous", "restore", "--replica", replica, "--yes", "--owner", "root", "--data-dir", check]).exitCode, 0)
        XCTAssertEqual(shell("sqlite3 \(shq(check + "/mr5-pos.db")) 'SELECT count(*) FROM t_probe'").output, "2\n")

        // A longer window: a setting, and Litestream is started again with it.
        XCTAssertEqual(try run(["settings", "set", "continuous_keep", "30"] + shop.dirArgs).stdout, "continuous_keep = 30 days\n")
        XCTAssertEqual(try run(["settings", "get", "continuous_keep"] + shop.dirArgs).stdout, "30\n")
        assertRefused(try run(["settings", "set", "continuous_keep", "0"] + shop.dirArgs), exit: 2, mentioning: "keep between 1 and 3650 days")
        XCTAssertEqual(try run(["settings", "get", "continuous_lag_warning"] + shop.dirArgs).stdout, "60\n")
        XCTAssertEqual(try run(["settings", "set", "continuous_lag_warning", "30"] + shop.dirArgs).stdout, "continuous_lag_warning = 30 seconds\n")
        XCTAssertEqual(try run(["settings", "set", "continuous_drill_days", "2"] + shop.dirArgs).exitCode, 0)
        assertRefused(try run(["settings", "set", "continuous_lag_critical", "soon"] + shop.dirArgs), exit: 2, mentioning: "give a whole number of seconds")
        XCTAssertTrue(eventually(timeout: 60) {
            let yml = (try? String(contentsOfFile: shop.layout.metaDir + "/continuous/litestream.yml", encoding: .utf8)) ?? ""
            let pid = ((try? self.status(shop))?["pid"] as? Int32) ?? 0
            return yml.contains("retention: 720h") && pid > 0 && pid != second
        }, "Litestream started again with a 30-day window")
        second = try XCTUnwrap(try status(shop)["pid"] as? Int32)

        // The drill: the newest moment restores whole, and a backup made now is the same,
        // table by table, as the replica's moment of it.
        let backup = try run(["create"] + shop.dirArgs)
        XCTAssertEqual(backup.exitCode, 0, backup.stderr)
        let drill = try run(["continuous", "drill"] + shop.dirArgs)
        XCTAssertEqual(drill.exitCode, 0, drill.stdout + drill.stderr)
        XCTAssertTrue(drill.stdout.contains("the newest moment restores and checks ok"), drill.stdout)
        XCTAssertTrue(drill.stdout.contains("holds the same rows in every table"), drill.stdout)
        XCTAssertTrue(try run(["continuous", "status"] + shop.dirArgs).stdout.contains("Last restore drill: ok"))
        let line = try run(["status"] + shop.dirArgs).stdout
        XCTAssertNotNil(line.range(of: #"replica \d+ s behind.* lag=\d+s;30;900;0"#, options: .regularExpression), "the thresholds as set: " + line)
        XCTAssertEqual((try run(["status", "--json"] + shop.dirArgs).json()["continuous"] as? [String: Any])?["running"] as? Bool, true)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: shop.layout.metaDir + "/continuous"))?.filter { $0.contains("drill") }, [],
                       "the drill's files are removed")

        // Off: the setup goes and Litestream with it; the replica stays.
        let off = try run(["continuous", "off"] + shop.dirArgs)
        XCTAssertEqual(off.exitCode, 0, off.stderr)
        XCTAssertTrue(eventually(timeout: 30) { kill(second, 0) != 0 }, "Litestream stopped")
        XCTAssertEqual(try status(shop)["configured"] as? Bool, false)
        XCTAssertFalse(transactionFiles(path).isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.layout.metaDir + "/continuous/meta"), "Litestream's bookkeeping (a copy of the database) goes with it")
        daemon.terminate()
        XCTAssertNotNil(daemon.wait(timeout: 30))
        XCTAssertEqual(shell("pgrep -f '^/usr/local/bin/litestream replicate .*\(shop.dataDir)' || true").output, "", "no Litestream left")
    }

    func testWithoutLitestreamSetupIsOneLineAndStatusWarns() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let noLitestream = ["PATH": "/usr/bin:/bin"]
        assertRefused(try run(["continuous", "init", "--same-disk", "--replica", shop.root + "/replica"] + shop.dirArgs, env: noLitestream),
                      exit: 1, mentioning: "Litestream is not installed")
        XCTAssertEqual(try status(shop)["configured"] as? Bool, false, "nothing kept")
        XCTAssertEqual(try run(["continuous", "init", "--same-disk", "--replica", shop.root + "/replica"] + shop.dirArgs).exitCode, 0)
        let warned = try run(["status"] + shop.dirArgs, env: noLitestream)
        XCTAssertEqual(warned.exitCode, 1, warned.stdout)
        XCTAssertTrue(warned.stdout.hasPrefix("WARNING - Litestream is not installed"), warned.stdout)
    }
}
