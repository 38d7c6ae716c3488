import BackupEngine
import Foundation
import TestSupport
import XCTest

/// A dead till's lock is named with its host, pid and age and cleared by `offsite unlock`,
/// reads never wait on it; every command that talks to the repository stops within its
/// time limit, and on SIGTERM, with no restic left behind. Real restic, moto and locks.
final class OffsiteLockAndTimeTests: XCTestCase {
    /// The restic processes working for the shop at `root` (their cache is under it).
    private func resticProcesses(of root: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry), let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .whitespacesAndNewlines) == "restic",
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  String(decoding: cmdline, as: UTF8.self).contains(root) else { return nil }
            return pid
        }
    }

    func testADeadTillsLockIsNamedReadsIgnoreItAndUnlockAllClearsIt() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            throw XCTSkip("needs root and unshare to write a lock under another host name")
        }
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        let name = try f.newestBackup(self)
        XCTAssertEqual(try run(["offsite", "push", name] + f.dirArgs).exitCode, 0)
        // till-9 takes an exclusive lock (a prune) and dies: restic keeps another host's lock
        // for 30 minutes whatever became of it.
        let password = try String(contentsOfFile: f.paths.password, encoding: .utf8).trimmingCharacters(in: .newlines)
        let till9 = try ChildProcess("/usr/bin/unshare", ["-u", "/bin/sh", "-c",
            "hostname till-9; echo ready; exec restic -r \(shq(f.repository)) --password-file \(shq(f.paths.password)) check --read-data"],
            env: ["HOME": f.shop.root, "RESTIC_CACHE_DIR": f.shop.root + "/till9-cache"])
        _ = password
        XCTAssertTrue(eventually(timeout: 30) {
            ((try? FileManager.default.contentsOfDirectory(atPath: f.repository + "/locks")) ?? []).contains { $0.count == 64 }
        }, till9.stderr)
        till9.killHard()
        _ = till9.wait(timeout: 10)

        // A person's push is told at once who holds it and how to clear it.
        let push = try run(["offsite", "check"] + f.dirArgs)
        XCTAssertEqual(push.exitCode, 1, push.stdout)
        XCTAssertEqual(push.stderrLines.count, 1, push.stderr)
        XCTAssertTrue(push.stderr.contains("is locked by till-9 (pid "), push.stderr)
        XCTAssertTrue(push.stderr.contains("if till-9 is gone, run 'mr5-backup offsite unlock --all'"), push.stderr)
        // Reads take no lock: listing and a restore preview work for a recovery.
        XCTAssertEqual(try run(["offsite", "list"] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "restore", "--latest", "--dry-run"] + f.dirArgs).exitCode, 0)

        // unlock removes only stale locks and says who still holds one; --all clears it.
        let unlock = try run(["offsite", "unlock"] + f.dirArgs)
        XCTAssertEqual(unlock.exitCode, 0, unlock.stderr)
        XCTAssertTrue(unlock.stdout.contains("Still locked by till-9 (pid "), unlock.stdout)
        let all = try run(["offsite", "unlock", "--all"] + f.dirArgs)
        XCTAssertEqual(all.exitCode, 2, "no terminal to confirm on: --yes is needed\n" + all.stderr)
        let cleared = try run(["offsite", "unlock", "--all", "--yes"] + f.dirArgs)
        XCTAssertEqual(cleared.exitCode, 0, cleared.stderr)
        XCTAssertTrue(cleared.stdout.contains("Locked by till-9") && cleared.stdout.contains("Removed 1 lock."), cleared.stdout)
        XCTAssertEqual(try run(["offsite", "check"] + f.dirArgs).exitCode, 0)
    }

    func testAFrozenServerStopsEveryCommandWithinItsLimitAndSIGTERMLeavesNoRestic() throws {
        let server = try S3Server()
        let (f, _) = try OffsiteFixture.onS3(server, bucket: "mr5-frozen", path: "shop", self)
        XCTAssertEqual(try run(["offsite", "push", try f.newestBackup(self)] + f.dirArgs).exitCode, 0)
        let before = Set(resticProcesses(of: f.shop.root))
        server.pause()
        defer { server.resume() }
        for args in [["offsite", "list"], ["offsite", "restore", "--latest", "--dry-run"], ["offsite", "check"]] {
            let start = Date()
            let r = try run(args + ["--timeout", "3"] + f.dirArgs)
            XCTAssertLessThan(Date().timeIntervalSince(start), 12, "\(args)")
            XCTAssertEqual(r.exitCode, 1, "\(args): \(r.stdout)")
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("stopped after 3 s without finishing"), "\(args): \(r.stderr)")
        }
        XCTAssertTrue(Set(resticProcesses(of: f.shop.root)).subtracting(before).isEmpty, "a restic was left running")

        // SIGTERM to a command waiting on the frozen server stops its restic too.
        let binary = try BuiltProduct.backup.required()
        let list = try ChildProcess(binary, ["offsite", "list"] + f.dirArgs)
        XCTAssertTrue(eventually(timeout: 20) { resticChild(of: list.pid) != nil })
        kill(list.pid, SIGTERM)
        XCTAssertNotNil(list.wait(timeout: 15), "mr5-backup did not stop on SIGTERM")
        XCTAssertTrue(eventually(timeout: 10) { Set(self.resticProcesses(of: f.shop.root)).subtracting(before).isEmpty }, "restic outlived mr5-backup")
    }
}
