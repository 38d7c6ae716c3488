import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Three tills with their own terminal ids pushing into one repository, read as a fleet:
/// by a till and by the admin's machine, under an injected clock (faketime: restic itself
/// ignores it, the reports carry our clock), with a webhook receiver on 127.0.0.1.
final class FleetTests: XCTestCase {
    private var tills: [OffsiteFixture] = []
    private var chainPassword = ""
    /// The key the chain's password opens, as `offsite init` names it (the admin's `--key-hint`).
    private var chainKey = ""

    /// `mr5-backup args...` under `faketime -f +OFFSET` (nil: the real clock).
    private func at(_ offset: String?, _ args: [String]) throws -> ProcessResult {
        guard let offset else { return try run(args) }
        let binary = try BuiltProduct.backup.required()
        let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8", "HOME": "/tmp"]
        return try ChildProcess.run("/usr/bin/faketime", ["-f", offset, binary] + args, env: env)
    }

    /// Three tills `till-a`, `till-b`, `till-c` joined to `repository` with the chain's password.
    private func makeTills(repository: @escaping (DemoFixture) -> String, extra: [String] = []) throws {
        var repo = ""
        let first = try OffsiteFixture { shop in repo = repository(shop); return repo }
        chainPassword = first.shop.root + "/chain-password"
        try "chain-secret-of-the-shop\n".write(toFile: chainPassword, atomically: true, encoding: .utf8)
        tills = [first, try OffsiteFixture { _ in repo }, try OffsiteFixture { _ in repo }]
        for (i, till) in tills.enumerated() {
            // The demo's history of backups would each be pushed: one backup of its own is enough.
            try removeDemoBackups(till.shop.layout)
            let id = "till-" + ["a", "b", "c"][i]
            XCTAssertEqual(try run(["settings", "set", "terminal_id", id] + till.dirArgs).exitCode, 0)
            XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + till.dirArgs).exitCode, 0)
            let setup = try run(["offsite", "init", "--repository", repo, "--same-disk", "--password-file", chainPassword] + extra + till.dirArgs)
            XCTAssertEqual(setup.exitCode, 0, setup.stderr)
            if let said = setup.stdout.range(of: "The chain's key is ") {
                chainKey = String(setup.stdout[said.upperBound...].prefix { $0.isHexDigit })
            }
            // The chain's password is used once, at join: the till keeps a key of its own.
            let kept = try String(contentsOfFile: till.paths.password, encoding: .utf8)
            XCTAssertFalse(kept.contains("chain-secret"), "the till keeps its own key's password, not the chain's")
            XCTAssertEqual(try run(["create"] + till.dirArgs).exitCode, 0)
            let push = try run(["offsite", "push"] + till.dirArgs)
            XCTAssertEqual(push.exitCode, 0, push.stderr)
        }
    }

    private func rows(_ r: ProcessResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: [String: Any]] {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout + r.stderr, file: file, line: line)
        let terminals = try XCTUnwrap(json["terminals"] as? [[String: Any]], file: file, line: line)
        return Dictionary(uniqueKeysWithValues: terminals.map { ($0["terminal"] as? String ?? "?", $0) })
    }

    func testThreeTillsAreReadAsAFleetGoDarkAreToldOnceAndARevokedTillIsCutOff() throws {
        try makeTills { $0.root + "/repo" }
        let (a, b, c) = (tills[0], tills[1], tills[2])
        let receiver = try HTTPReceiver(log: a.shop.root + "/receiver.log")
        defer { receiver.stop() }
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/fleet"] + a.dirArgs).exitCode, 0)

        // till-c's live database is damaged: its backup fails, and it still reports.
        try damagePages(c.shop.layout.databasePath)
        XCTAssertEqual(try run(["create"] + c.dirArgs).exitCode, 1)
        XCTAssertEqual(try run(["offsite", "push"] + c.dirArgs).exitCode, 0)

        // Read on a till: one row each, worst first, the till's own reason, the keys named.
        let now = try run(["fleet", "--json"] + a.dirArgs)
        XCTAssertEqual(now.exitCode, 2, now.stderr)
        let first = try rows(now)
        XCTAssertEqual(Set(first.keys), ["till-a", "till-b", "till-c"])
        XCTAssertEqual(first["till-a"]?["status"] as? String, "OK")
        XCTAssertEqual(first["till-b"]?["status"] as? String, "OK")
        XCTAssertEqual(first["till-c"]?["status"] as? String, "CRITICAL")
        XCTAssertTrue((first["till-c"]?["reason"] as? String ?? "").contains("damaged"), "\(first["till-c"] ?? [:])")
        let keyIDs = Set(first.values.compactMap { $0["keyID"] as? String })
        XCTAssertEqual(keyIDs.count, 3, "each till opens the repository with a key of its own")
        let text = try run(["fleet"] + a.dirArgs)
        XCTAssertTrue(text.stdout.hasPrefix("CRITICAL - 3 terminals: 2 OK, 1 CRITICAL (till-c: "), text.stdout)
        XCTAssertTrue(text.stdout.contains("| terminals=3;;;0 ok=2;;;0 warning=0;;;0 critical=1;;;0"), text.stdout)

        // The console's fleet view in tmux: the rows, worst first; `/` finds a till; Enter
        // opens its last report whole.
        try consoleFleetView(a)

        // The admin's machine, with the chain's password and nothing of a till's.
        let admin = try run(["fleet", "--json", "--repository", a.repository, "--password-file", chainPassword, "--key-hint", chainKey])
        XCTAssertEqual(try rows(admin).count, 3, admin.stderr)

        // 7 h later till-a and till-c report again (their hourly report); till-b is silent:
        // two of its 3 h intervals, WARNING. till-a's daemon watches the fleet (fleet_watch)
        // and tells it once.
        XCTAssertEqual(try at("+7h", ["create"] + a.dirArgs).exitCode, 0)
        XCTAssertEqual(try at("+7h", ["offsite", "push"] + a.dirArgs).exitCode, 0)
        XCTAssertEqual(try at("+7h", ["offsite", "push"] + c.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["settings", "set", "fleet_watch", "on"] + a.dirArgs).stdout, "fleet_watch = on\n")
        // faketime runs the daemon as its child and dies on SIGTERM without passing it on:
        // the daemon itself is stopped first.
        let wrapper = try ChildProcess("/usr/bin/faketime", ["-f", "+7h", try BuiltProduct.backup.required(), "daemon", "--no-metrics"] + a.dirArgs)
        func stopDaemon() {
            if let pid = childProcess(of: wrapper.pid, named: "mr5-backup") { kill(pid, SIGTERM) }
            _ = wrapper.wait(timeout: 30)
        }
        addTeardownBlock { stopDaemon() }
        XCTAssertTrue(eventually(timeout: 60) { self.events(receiver).contains("terminal_dark") }, "the daemon's watch tells terminal_dark")
        stopDaemon()
        let dark = try at("+7h", ["fleet", "--json", "--metrics", a.shop.root + "/fleet.prom"] + a.dirArgs)
        let seven = try rows(dark)
        XCTAssertEqual(seven["till-b"]?["status"] as? String, "WARNING")
        XCTAssertTrue((seven["till-b"]?["reason"] as? String ?? "").hasPrefix("dark since "), "\(seven["till-b"] ?? [:])")
        XCTAssertEqual(seven["till-a"]?["status"] as? String, "OK")
        XCTAssertEqual(try at("+7h", ["fleet", "--watch"] + a.dirArgs).exitCode, 2, "told once: the second read raises nothing")
        let metrics = try String(contentsOfFile: a.shop.root + "/fleet.prom", encoding: .utf8)
        XCTAssertTrue(metrics.contains("mr5_fleet_terminal_verdict{terminal=\"till-b\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("mr5_fleet_terminals{verdict=\"critical\"} 1"), metrics)

        // 25 h: CRITICAL, dark since its last report.
        let day = try rows(try at("+25h", ["fleet", "--json"] + a.dirArgs))
        XCTAssertEqual(day["till-b"]?["status"] as? String, "CRITICAL")

        // till-b reports again: one terminal_recovered.
        XCTAssertEqual(try at("+8h", ["offsite", "push"] + b.dirArgs).exitCode, 0)
        XCTAssertEqual(try at("+8h", ["fleet", "--watch"] + a.dirArgs).exitCode, 2)
        XCTAssertTrue(eventually(timeout: 20) { self.events(receiver).contains("terminal_recovered") })
        let told = events(receiver)
        XCTAssertEqual(told.filter { $0 == "terminal_dark" }.count, 1, "\(told)")
        XCTAssertEqual(told.filter { $0 == "terminal_recovered" }.count, 1, "\(told)")

        // A stolen till-b is cut off: its next push fails in one line, the others go on.
        let revoke = try run(["fleet", "revoke", "till-b"] + a.dirArgs)
        XCTAssertEqual(revoke.exitCode, 0, revoke.stderr)
        assertRefused(try run(["fleet", "revoke", "till-a"] + a.dirArgs), exit: 2, mentioning: "is this terminal")
        let cut = try rows(try run(["fleet", "--json"] + a.dirArgs))
        XCTAssertEqual(cut["till-b"]?["keyRevoked"] as? Bool, true, "the fleet names the revoked key")
        XCTAssertEqual(cut["till-a"]?["keyRevoked"] as? Bool, false)
        XCTAssertEqual(try run(["create"] + b.dirArgs).exitCode, 0)
        let refused = try run(["offsite", "push"] + b.dirArgs)
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("revoked"), refused.stderr)
        XCTAssertEqual(try run(["create"] + a.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push"] + a.dirArgs).exitCode, 0)
    }

    /// The same on moto S3, read from the admin's machine with the storage keys' env file;
    /// pruning moved to the admin (`offsite_prune admin`) and done there.
    func testThreeTillsOnS3AreReadByTheAdminWhoPrunesForThem() throws {
        let server = try S3Server()
        defer { server.stop() }
        let bucket = "fleet-\(UInt32.random(in: 0...UInt32.max))"
        let env = NSTemporaryDirectory() + "/\(bucket).env"
        try S3Server.environmentFile.write(toFile: env, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: env) }
        try makeTills(repository: { _ in server.repository(bucket: bucket, path: "chain") }, extra: ["--env-file", env])
        for till in tills {
            XCTAssertEqual(try run(["settings", "set", "offsite_prune", "admin"] + till.dirArgs).stdout, "offsite_prune = admin\n")
        }
        assertRefused(try run(["offsite", "prune"] + tills[0].dirArgs), exit: 2, mentioning: "fleet prune")
        XCTAssertEqual(chainKey.count, 8, "offsite init names the chain's key")
        let admin = try run(["fleet", "--json", "--repository", tills[0].repository, "--password-file", chainPassword, "--env-file", env,
                             "--key-hint", chainKey])
        let listed = try rows(admin)
        XCTAssertEqual(Set(listed.keys), ["till-a", "till-b", "till-c"], admin.stderr)
        XCTAssertTrue(listed.values.allSatisfy { $0["status"] as? String == "OK" }, "\(listed)")
        let prune = try run(["fleet", "prune", "--repository", tills[0].repository, "--password-file", chainPassword, "--env-file", env,
                             "--key-hint", chainKey])
        XCTAssertEqual(prune.exitCode, 0, prune.stderr)
        XCTAssertTrue(prune.stdout.contains("3 kept"), prune.stdout)
    }

    private func consoleFleetView(_ till: OffsiteFixture) throws {
        let binary = try BuiltProduct.backup.required()
        let s = try TmuxSession(width: 120, height: 30, directory: till.shop.root)
        defer { s.kill() }
        try s.typeLine("PATH=/usr/local/bin:$PATH \(binary) --data-dir \(till.shop.dataDir); echo \"console-exit=$?\"")
        try s.waitFor(text: "Details: ")
        try s.send("F")
        let view = try s.waitFor(text: "till-b", timeout: 30)
        XCTAssertTrue(view.contains("CRITICAL - 3 terminals"), view)
        let order = ["till-c", "till-a", "till-b"].compactMap { view.range(of: $0)?.lowerBound }
        XCTAssertEqual(order.count, 3, view)
        XCTAssertTrue(order[0] < order[1] || order[0] < order[2], "the CRITICAL till first:\n\(view)")
        try s.send("/")
        try s.send("t", "i", "l", "l", "-", "b")
        let filtered = try s.waitFor(text: "(1 of 3)")
        XCTAssertFalse(filtered.contains("till-c "), filtered)
        try s.send("Enter")
        try s.send("Enter")
        let report = try s.waitFor(text: "backups verified and current")
        XCTAssertTrue(report.contains("till-b"), report)
        try s.send("Escape")
        try s.send("Escape")
        try s.send("Escape")
        try s.send("q")
        _ = try? s.waitFor(text: "console-exit=", timeout: 10)
    }

    private func events(_ receiver: HTTPReceiver) -> [String] {
        receiver.requests().filter { $0.method == "POST" }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["event"] as? String
        }
    }

    private func removeDemoBackups(_ layout: DataLayout) throws {
        for dir in [layout.backupsDir, layout.backupsDir + "/pre-update"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".db") || name.hasSuffix(".sql") {
                try FileManager.default.removeItem(atPath: dir + "/" + name)
            }
        }
    }

    /// Overwrites pages three quarters into the file with random bytes (a disk error).
    private func damagePages(_ path: String) throws {
        _ = try sqlite3(path, "PRAGMA wal_checkpoint(TRUNCATE)")
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64(size / 4096 * 3 / 4 * 4096))
        handle.write(Data((0..<(50 * 4096)).map { _ in UInt8.random(in: 0...255) }))
        try handle.close()
    }
}
