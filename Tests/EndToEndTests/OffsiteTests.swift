@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Off-site copies to a local folder repository (what a USB drive is), with the real restic.
final class OffsiteTests: XCTestCase {
    func testSetupPushListDrillCheckPruneAndStatus() throws {
        let f = try OffsiteFixture()
        let setup = try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs)
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
        XCTAssertTrue(setup.stdout.contains("Created the off-site repository \(f.repository)"), setup.stdout)
        // The password is printed once and kept 0600, never anywhere else.
        let password = try String(contentsOfFile: f.paths.password, encoding: .utf8).trimmingCharacters(in: .newlines)
        XCTAssertEqual(password.count, 64)
        XCTAssertTrue(setup.stdout.contains(password))
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: f.paths.password)[.posixPermissions] as? Int, 0o600)

        let name = try f.newestBackup(self)
        let push = try run(["offsite", "push", name] + f.dirArgs)
        XCTAssertEqual(push.exitCode, 0, push.stderr)
        XCTAssertTrue(push.stdout.contains("Pushed \(name) as snapshot "), push.stdout)
        let again = try run(["offsite", "push", name] + f.dirArgs)
        XCTAssertTrue(again.stdout.contains("was already pushed"), again.stdout)

        let list = try run(["offsite", "list", "--json"] + f.dirArgs)
        let snapshots = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(snapshots.count, 1)
        XCTAssertEqual(snapshots.first?["backupName"] as? String, name)
        XCTAssertEqual(snapshots.first?["kind"] as? String, "scheduled")
        XCTAssertNotNil(snapshots.first?["sizeBytes"])
        let snapshot = try XCTUnwrap(snapshots.first?["shortId"] as? String)

        // The local list carries the push; the metadata and the history name the snapshot.
        let local = try run(["list", "--json"] + f.dirArgs).stdout
        XCTAssertTrue(local.contains("\"offsiteSnapshot\" : \"\(snapshot)\""), local)
        let history = try run(["history", "--json"] + f.dirArgs).stdout
        XCTAssertTrue(history.contains("offsite-push") && history.contains(snapshot), history)

        let drill = try run(["offsite", "drill"] + f.dirArgs)
        XCTAssertEqual(drill.exitCode, 0, drill.stderr)
        XCTAssertTrue(drill.stdout.contains("identical to \(name)"), drill.stdout)
        XCTAssertEqual(try run(["offsite", "check", "--read-data-subset", "100%"] + f.dirArgs).exitCode, 0)
        let prune = try run(["offsite", "prune", "--dry-run"] + f.dirArgs)
        XCTAssertEqual(prune.exitCode, 0, prune.stderr)
        XCTAssertTrue(prune.stdout.contains("1 kept"), prune.stdout)

        let status = try run(["offsite", "status", "--json"] + f.dirArgs)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["lastPushSnapshot"] as? String, snapshot)
        XCTAssertEqual(json["consecutiveFailures"] as? Int, 0)
        XCTAssertEqual((json["lastDrill"] as? [String: Any])?["ok"] as? Bool, true)
        XCTAssertEqual((json["lastCheck"] as? [String: Any])?["ok"] as? Bool, true)
        XCTAssertFalse((json["pending"] as? [String] ?? []).contains(name))

        let metrics = try String(contentsOfFile: f.shop.layout.defaultMetricsPath, encoding: .utf8)
        XCTAssertTrue(metrics.contains("mr5_backup_offsite_configured 1"), metrics)
        XCTAssertFalse(metrics.contains("mr5_backup_offsite_last_push_timestamp_seconds 0\n"), metrics)
        XCTAssertTrue(metrics.contains("mr5_backup_offsite_last_drill_success 1"), metrics)

        XCTAssertFalse(f.everythingWritten().contains(password), "the password leaked into logs, history or metadata")
        XCTAssertEqual(try run(["settings", "get", "offsite_repository"] + f.dirArgs).stdout, f.repository + "\n")
    }

    func testALostDataDirIsRecoveredFromAFolderRepository() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        let name = try f.newestBackup(self)
        XCTAssertEqual(try run(["offsite", "push", name] + f.dirArgs).exitCode, 0)
        let expected = try OffsiteFixture.counts(f.shop.layout.backupsDir + "/" + name)

        // A new terminal: an empty data dir, the old repository and the password from the safe.
        let tmp = TempDir("mr5-new-terminal")
        let safe = tmp.file("password-from-the-safe")
        try FileManager.default.copyItem(atPath: f.paths.password, toPath: safe)
        let newDir = ["--data-dir", tmp.path]
        let setup = try run(["offsite", "init", "--same-disk", "--repository", f.repository, "--password-file", safe] + newDir)
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
        XCTAssertTrue(setup.stdout.contains("existing repository"), setup.stdout)
        let restore = try run(["offsite", "restore", "--latest", "--yes", "--owner", "root"] + newDir)
        XCTAssertEqual(restore.exitCode, 0, restore.stderr)
        XCTAssertTrue(restore.stdout.contains("Restored \(name)"), restore.stdout)
        XCTAssertEqual(try OffsiteFixture.counts(tmp.file("mr5-pos.db")), expected)
        // The recovered terminal has a verified local backup and carries on.
        XCTAssertEqual(try run(["verify", name] + newDir).exitCode, 0)
        XCTAssertEqual(try run(["create"] + newDir).exitCode, 0)
    }

    func testAWrongPasswordOrAMissingDriveChangesNothing() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        let configBefore = try Data(contentsOf: URL(fileURLWithPath: f.paths.config))

        let other = try OffsiteFixture()
        let wrong = other.shop.root + "/wrong"
        try "not-the-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let refused = try run(["offsite", "init", "--same-disk", "--repository", f.repository, "--password-file", wrong] + other.dirArgs)
        assertRefused(refused, exit: 1, mentioning: "wrong password for the off-site repository \(f.repository)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.paths.config), "a refused setup keeps nothing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.paths.password))

        let unmounted = try run(["offsite", "init", "--repository", "/media/no-such-drive/mr5"] + other.dirArgs)
        assertRefused(unmounted, exit: 2, mentioning: "the folder /media/no-such-drive does not exist (is the drive mounted?)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/media/no-such-drive"))
        // A mount point whose drive is not mounted is a folder on the terminal's own disk.
        try FileManager.default.createDirectory(atPath: other.shop.root + "/usb", withIntermediateDirectories: false)
        let sameDisk = try run(["offsite", "init", "--repository", other.shop.root + "/usb/mr5"] + other.dirArgs)
        assertRefused(sameDisk, exit: 2, mentioning: "is on the same disk as the data dir (is the drive mounted?)")
        XCTAssertTrue(sameDisk.stderr.contains("--same-disk"), sameDisk.stderr)

        // The drive is unplugged after setup: the push fails in one line, counted on its own;
        // the local backups are untouched.
        try FileManager.default.moveItem(atPath: f.repository, toPath: f.repository + "-unplugged")
        let name = try f.newestBackup(self)
        let push = try run(["offsite", "push", name] + f.dirArgs)
        assertRefused(push, exit: 1, mentioning: "no restic repository at \(f.repository) (is the drive mounted?")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: f.paths.config)), configBefore)
        let status = try run(["offsite", "status"] + f.dirArgs).stdout
        XCTAssertTrue(status.contains("Failing: 1 push failed in a row"), status)
        XCTAssertEqual(try run(["offsite", "push", name] + f.dirArgs).exitCode, 1)
        let again = try run(["offsite", "status"] + f.dirArgs).stdout
        XCTAssertTrue(again.contains("Failing: 2 pushes failed in a row"), again)
        XCTAssertEqual(try run(["verify", name] + f.dirArgs).exitCode, 0)
        let history = try run(["history", "--json"] + f.dirArgs).stdout
        XCTAssertTrue(history.contains("\"offsite-push\"") && history.contains("\"failure\""), history)

        try FileManager.default.moveItem(atPath: f.repository + "-unplugged", toPath: f.repository)
        XCTAssertEqual(try run(["offsite", "push", name] + f.dirArgs).exitCode, 0)
        XCTAssertTrue(try run(["offsite", "status"] + f.dirArgs).stdout.contains("Waiting to be pushed"))
        XCTAssertFalse(try run(["offsite", "status"] + f.dirArgs).stdout.contains("Failing"))
    }

    func testResticKilledMidPushLeavesAStaleLockTheNextRunsRemove() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        let name = try f.newestBackup(self)
        let binary = try BuiltProduct.backup.required()
        let push = try ChildProcess(binary, ["offsite", "push", name] + f.dirArgs)
        // Killed once it holds its lock in the repository: mid-push, for certain. restic
        // writes each file under a temporary name and renames it; only a file under its final
        // name (64 hex digits) is a lock. A kill before the rename leaves a temporary file no
        // restic reads as a lock or removes (seen under load).
        var restic: Int32?
        XCTAssertTrue(eventually(timeout: 30) {
            restic = resticChild(of: push.pid)
            let locks = (try? FileManager.default.contentsOfDirectory(atPath: f.repository + "/locks")) ?? []
            return restic != nil && locks.contains { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }
        }, "restic never took its lock")
        if let restic { kill(restic, SIGKILL) }
        XCTAssertEqual(push.wait(timeout: 60), 1, push.stdout + push.stderr)
        XCTAssertTrue(push.stderr.contains("restic was killed"), push.stderr)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: f.repository + "/locks").isEmpty, "the killed restic left its lock")

        let retry = try run(["offsite", "push", name] + f.dirArgs)
        XCTAssertEqual(retry.exitCode, 0, retry.stderr)
        // check takes the exclusive lock: the stale one is removed first.
        let check = try run(["offsite", "check"] + f.dirArgs)
        XCTAssertEqual(check.exitCode, 0, check.stderr)
        let left = try FileManager.default.contentsOfDirectory(atPath: f.repository + "/locks")
        XCTAssertTrue(left.isEmpty, "locks left after check: \(left)")
    }

    func testALiveLockIsNamedToAPersonAndWaitedForByTheScheduler() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push", try f.newestBackup(self)] + f.dirArgs).exitCode, 0)
        // Another restic on this machine (a technician's by hand) holds a lock while it reads its stdin.
        let other = try ChildProcess("/usr/bin/restic", ["backup", "--stdin", "--stdin-filename", "other", "--host", "bench"],
                                     env: ["RESTIC_REPOSITORY": f.repository, "RESTIC_PASSWORD_FILE": f.paths.password])
        XCTAssertTrue(eventually(timeout: 30) {
            ((try? FileManager.default.contentsOfDirectory(atPath: f.repository + "/locks")) ?? []).contains { $0.count == 64 }
        })
        // A person is told at once who holds it, never left waiting without a word.
        let refused = try run(["offsite", "prune"] + f.dirArgs)
        XCTAssertEqual(refused.exitCode, 1, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("is locked by this terminal's restic \(Restic.hostName) (pid \(other.pid))"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("wait for it to finish"), refused.stderr)

        // The scheduler waits for it, and says so once in the log with the holder.
        let engine = BackupEngine(layout: f.shop.layout)
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Result<OffsitePruneResult, Error>?>(nil)
        Thread.detachNewThread {
            result.withLock { $0 = Result { try engine.offsite.prune(trigger: .scheduler) } }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .timedOut, "the scheduler's prune waits for the live lock")
        XCTAssertTrue(other.process.isRunning, "the other restic still holds its lock: " + other.stderr)
        other.write("the other restic's data")
        other.closeInput()
        XCTAssertEqual(other.wait(timeout: 60), 0, other.stderr)
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertNoThrow(try result.withLock { $0 }?.get())
    }

    func testADamagedRepositoryIsCriticalButAnUnreachableOneOnlyAWarning() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push", try f.newestBackup(self)] + f.dirArgs).exitCode, 0)

        // The repository cannot be read at all: the check could not run, which is no damage.
        try FileManager.default.moveItem(atPath: f.repository, toPath: f.repository + "-away")
        assertRefused(try run(["offsite", "check"] + f.dirArgs), exit: 1, mentioning: "no restic repository at")
        let unreachable = try run(["status"] + f.dirArgs)
        XCTAssertEqual(unreachable.exitCode, 1, unreachable.stdout)
        XCTAssertTrue(unreachable.stdout.contains("the last off-site check could not run"), unreachable.stdout)
        try FileManager.default.moveItem(atPath: f.repository + "-away", toPath: f.repository)

        // A pack whose bytes changed on the storage: restic's check finds it, and that is CRITICAL.
        let packs = FileManager.default.enumerator(atPath: f.repository + "/data")?.allObjects.compactMap { $0 as? String }
            .filter { $0.count > 3 } ?? []
        let pack = try XCTUnwrap(packs.first.map { f.repository + "/data/" + $0 })
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: pack))
        try handle.seek(toOffset: 100)
        handle.write(Data("damaged by the storage".utf8))
        try handle.close()
        let check = try run(["offsite", "check", "--read-data-subset", "100%"] + f.dirArgs)
        assertRefused(check, exit: 1, mentioning: "the off-site repository is damaged")
        let status = try run(["status"] + f.dirArgs)
        XCTAssertEqual(status.exitCode, 2, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("CRITICAL - the off-site repository is damaged"), status.stdout)
    }

    func testWithoutResticTheSetupIsRefusedAndStatusWarns() throws {
        let f = try OffsiteFixture()
        let noRestic = ["PATH": "/nonexistent"]
        let refused = try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs, env: noRestic)
        assertRefused(refused, exit: 1, mentioning: "restic is not installed (apt install restic)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.paths.config))

        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        let status = try run(["status"] + f.dirArgs, env: noRestic)
        XCTAssertEqual(status.exitCode, 1, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("WARNING - restic is not installed (apt install restic): off-site copies are not being made"), status.stdout)
    }

    func testTheDaemonPushesEachNewBackup() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        // Only the backup the daemon makes waits: the demo's older ones are pushed by hand first.
        XCTAssertEqual(try run(["offsite", "push"] + f.dirArgs).exitCode, 0)
        let binary = try BuiltProduct.backup.required()
        let daemon = try ChildProcess(binary, ["daemon", "--first-run-after", "0", "--fixed-interval", "3600", "--no-metrics"] + f.dirArgs)
        defer { daemon.terminate() }
        var pushed: String?
        XCTAssertTrue(eventually(timeout: 90) {
            let entries = HistoryLog(path: f.shop.layout.historyPath).read(limit: nil)
            pushed = entries.first { $0.operation == .offsitePush && $0.outcome == .success && $0.trigger == .scheduler }?.backupName
            return pushed != nil
        }, daemon.stderr)
        let made = HistoryLog(path: f.shop.layout.historyPath).read(limit: nil).first { $0.operation == .create && $0.trigger == .scheduler }
        XCTAssertEqual(pushed, made?.backupName, "the scheduler's own new backup went off-site")
    }

    func testOffsiteFailuresAreToldOnceAndTheirRecovery() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        let receiver = try HTTPReceiver(log: f.shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/hook"] + f.dirArgs).exitCode, 0)
        let name = try f.newestBackup(self)
        try FileManager.default.moveItem(atPath: f.repository, toPath: f.repository + "-away")
        for _ in 0..<3 { XCTAssertEqual(try run(["offsite", "push", name] + f.dirArgs).exitCode, 1) }
        try FileManager.default.moveItem(atPath: f.repository + "-away", toPath: f.repository)
        XCTAssertEqual(try run(["offsite", "push", name] + f.dirArgs).exitCode, 0)
        let events = receiver.requests().filter { $0.method == "POST" }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["event"] as? String
        }
        XCTAssertEqual(events, ["offsite_failed", "offsite_recovered"])
    }
}
