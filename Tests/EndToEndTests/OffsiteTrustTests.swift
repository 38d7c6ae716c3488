import BackupEngine
import Foundation
import TestSupport
import XCTest

/// A push counts only when the repository has it, and a backup's mark follows the
/// repository: a USB drive (a loop-mounted ext4 image) pulled mid-push, snapshots forgotten
/// by hand and by remote retention. Real restic, a real mount.
final class OffsiteTrustTests: XCTestCase {
    private func offsiteSnapshot(_ f: OffsiteFixture, _ name: String) throws -> String? {
        let json = try run(["list", "--json"] + f.dirArgs).json()
        let backups = try XCTUnwrap(json["backups"] as? [[String: Any]])
        return backups.first { $0["name"] as? String == name }?["offsiteSnapshot"] as? String
    }

    private func newBackup(_ f: OffsiteFixture) throws -> String {
        let r = try run(["create", "--json"] + f.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        return try XCTUnwrap((try r.json()["backup"] as? [String: Any])?["name"] as? String)
    }

    /// A USB drive: an ext4 image loop-mounted for the test (unmounted at its end).
    private func usbDrive() throws -> (image: String, mount: String) {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4") else {
            throw XCTSkip("needs root and mkfs.ext4 for a loop-mounted drive")
        }
        let tmp = TempDir("mr5-usb")
        let image = tmp.file("usb.img"), mount = tmp.file("usb")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        XCTAssertEqual(shell("truncate -s 96M \(shq(image)) && mkfs.ext4 -q -F \(shq(image))").status, 0)
        guard shell("mount -o loop \(shq(image)) \(shq(mount))").status == 0 else { throw XCTSkip("loop mounts are not permitted here") }
        addTeardownBlock { _ = tmp; shell("umount \(shq(mount)) 2>/dev/null; umount -l \(shq(mount)) 2>/dev/null") }
        return (image, mount)
    }

    func testADrivePulledMidPushIsNeverCountedAndTheBackupGoesAgainOnceItIsBack() throws {
        let (image, mount) = try usbDrive()
        let f = try OffsiteFixture { _ in mount + "/mr5" }
        XCTAssertEqual(try run(["offsite", "init", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push"] + f.dirArgs).exitCode, 0)

        // The drive goes while restic holds its lock: restic would write the rest into the
        // bare mount point (and retry its lost lock file for minutes).
        let name = try newBackup(f)
        let binary = try BuiltProduct.backup.required()
        let push = try ChildProcess(binary, ["offsite", "push", name] + f.dirArgs)
        XCTAssertTrue(eventually(timeout: 30) {
            ((try? FileManager.default.contentsOfDirectory(atPath: f.repository + "/locks")) ?? []).contains { $0.count == 64 }
        })
        XCTAssertEqual(shell("umount -l \(shq(mount))").status, 0)
        XCTAssertEqual(push.wait(timeout: 60), 1, push.stdout + push.stderr)
        XCTAssertTrue(push.stderr.contains("is not mounted at \(mount)"), push.stderr)
        XCTAssertNil(try offsiteSnapshot(f, name), "a push the drive did not keep is never marked")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: mount)) ?? [], [], "nothing left on the terminal's own disk")
        let status = try run(["offsite", "status"] + f.dirArgs).stdout
        XCTAssertTrue(status.contains(name), "still waiting to be pushed\n" + status)
        // Without the drive, a push is refused before restic could write anywhere.
        assertRefused(try run(["offsite", "push"] + f.dirArgs), exit: 1, mentioning: "is not mounted at \(mount)")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: mount)) ?? [], [])

        // Plugged back in: the backup is pushed, and it is really there.
        XCTAssertEqual(shell("mount -o loop \(shq(image)) \(shq(mount))").status, 0)
        let again = try run(["offsite", "push"] + f.dirArgs)
        XCTAssertEqual(again.exitCode, 0, again.stderr)
        let snapshot = try XCTUnwrap(try offsiteSnapshot(f, name))
        XCTAssertTrue(try run(["offsite", "list"] + f.dirArgs).stdout.contains(snapshot))
    }

    /// A push of two backups with the drive pulled during the second: the first counts, the
    /// second does not, and the round says which went and which did not. The upload limit
    /// (a setting, passed to restic) makes the second push last long enough to pull the drive.
    func testAPartFailedPushSaysWhatWentAndWhatDidNot() throws {
        let (_, mount) = try usbDrive()
        let f = try OffsiteFixture { _ in mount + "/mr5" }
        XCTAssertEqual(try run(["offsite", "init", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push"] + f.dirArgs).exitCode, 0)

        let small = try newBackup(f)  // the same bytes as the last: nothing new to send
        let filled = shell("sqlite3 \(shq(f.shop.layout.databasePath)) \"CREATE TABLE test_filler(b); INSERT INTO test_filler VALUES (randomblob(4000000));\"")
        XCTAssertEqual(filled.status, 0, filled.output)
        let big = try newBackup(f)  // 4 MB of new data: 8 s or more at 512 KiB/s
        XCTAssertEqual(try run(["settings", "set", "offsite_limit_upload", "512"] + f.dirArgs).exitCode, 0)

        let push = try ChildProcess(try BuiltProduct.backup.required(), ["offsite", "push"] + f.dirArgs)
        XCTAssertTrue(eventually(timeout: 60) { (try? self.offsiteSnapshot(f, small)) ?? nil != nil }, "the first of the two is pushed")
        // restic was given the shop's upload limit.
        let restic = try XCTUnwrap({ () -> Int32? in
            var found: Int32?
            _ = eventually(timeout: 10) { found = resticChild(of: push.pid); return found != nil }
            return found
        }())
        let argv = (try? String(contentsOfFile: "/proc/\(restic)/cmdline", encoding: .utf8)) ?? ""
        XCTAssertTrue(argv.contains("--limit-upload\u{0}512\u{0}"), argv.replacingOccurrences(of: "\u{0}", with: " "))
        XCTAssertEqual(shell("umount -l \(shq(mount))").status, 0)
        XCTAssertEqual(push.wait(timeout: 90), 1, push.stdout + push.stderr)
        XCTAssertTrue(push.stdout.contains("Pushed: \(small)\n"), push.stdout)
        XCTAssertTrue(push.stdout.contains("Not pushed: \(big)\n"), push.stdout)
        XCTAssertTrue(push.stderr.contains("is not mounted at \(mount)"), push.stderr)
        XCTAssertNotNil(try offsiteSnapshot(f, small))
        XCTAssertNil(try offsiteSnapshot(f, big))
    }

    func testAMarkStandsOnlyWhileItsSnapshotIsThereAndRetentionsForgettingIsNotPushedAgain() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        let name = try newBackup(f)
        XCTAssertEqual(try run(["offsite", "push"] + f.dirArgs).exitCode, 0)
        let snapshot = try XCTUnwrap(try offsiteSnapshot(f, name))
        // Someone forgets that snapshot by hand (or the repository is restored from an older copy).
        let forget = try ChildProcess.run("/usr/bin/restic", ["forget", snapshot, "--prune"],
                                          env: ["RESTIC_REPOSITORY": f.repository, "RESTIC_PASSWORD_FILE": f.paths.password, "HOME": f.shop.root])
        XCTAssertEqual(forget.exitCode, 0, forget.stderr)
        XCTAssertEqual(try run(["offsite", "list"] + f.dirArgs).exitCode, 0)
        XCTAssertNil(try offsiteSnapshot(f, name), "list: the mark went with its snapshot")
        // The next push round sends it again.
        let push = try run(["offsite", "push"] + f.dirArgs)
        XCTAssertEqual(push.exitCode, 0, push.stderr)
        XCTAssertTrue(push.stdout.contains("Pushed \(name) as snapshot"), push.stdout)

        // Remote retention keeps one a day: what it forgets is marked so, and not pushed again.
        for key in ["offsite_keep_weekly", "offsite_keep_monthly"] {
            XCTAssertEqual(try run(["settings", "set", key, "0"] + f.dirArgs).exitCode, 0)
        }
        XCTAssertEqual(try run(["settings", "set", "offsite_keep_daily", "1"] + f.dirArgs).exitCode, 0)
        let prune = try run(["offsite", "prune"] + f.dirArgs)
        XCTAssertEqual(prune.exitCode, 0, prune.stderr)
        let forgotten = try run(["list", "--json"] + f.dirArgs).json()["backups"] as? [[String: Any]] ?? []
        let unmarked = forgotten.filter { ($0["kind"] as? String) != "legacy-sql" && $0["offsiteSnapshot"] == nil }
        XCTAssertFalse(unmarked.isEmpty, "the forgotten ones show no off-site copy")
        XCTAssertTrue(try run(["offsite", "push"] + f.dirArgs).stdout.contains("Nothing waits to be pushed"))
    }

    func testOffsiteSettingsBeforeSetupSayTheDefaultAndAfterItTheKeptValue() throws {
        let f = try OffsiteFixture()
        let before = try run(["settings", "get", "offsite_keep_daily"] + f.dirArgs)
        XCTAssertEqual(before.stdout, "7\n")
        XCTAssertTrue(before.stderr.contains("off-site copies are not set up: this is the default"), before.stderr)
        XCTAssertEqual(try run(["settings", "get", "offsite_repository"] + f.dirArgs).stdout, "")
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["settings", "set", "offsite_keep_weekly", "3"] + f.dirArgs).exitCode, 0)
        let weekly = try run(["settings", "get", "offsite_keep_weekly"] + f.dirArgs)
        XCTAssertEqual(weekly.stdout, "3\n")
        XCTAssertEqual(weekly.stderr, "")
        XCTAssertEqual(try run(["settings", "get", "offsite_repository"] + f.dirArgs).stdout, f.repository + "\n")
    }

    func testRecoveryByTerminalTakesItsIdAndASpareStillPushingAsItIsAWarningOnBoth() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            throw XCTSkip("needs root and unshare to run a till under another host name")
        }
        // Two tills share a repository; the old box never set terminal_id: its host name
        // is its name in the repository.
        let box = try OffsiteFixture()
        let binary = try BuiltProduct.backup.required()
        func onOldBox(_ args: [String]) throws -> ProcessResult {
            try ChildProcess.run("/usr/bin/unshare", ["-u", "/bin/sh", "-c", "hostname oldbox; exec \"$0\" \"$@\"", binary] + args + box.dirArgs,
                                 env: ["HOME": box.shop.root])
        }
        XCTAssertEqual(try onOldBox(["offsite", "init", "--same-disk", "--repository", box.repository]).exitCode, 0)
        XCTAssertEqual(try onOldBox(["offsite", "push"]).exitCode, 0)
        let other = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "terminal_id", "till-1"] + other.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", box.repository, "--password-file", box.paths.password] + other.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push"] + other.dirArgs).exitCode, 0)

        // A new machine recovers the old box by its terminal id, and becomes it.
        let tmp = TempDir("mr5-spare")
        let dir = tmp.file("data")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let spare = ["--data-dir", dir]
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", box.repository, "--password-file", box.paths.password] + spare).exitCode, 0)
        let listed = try run(["offsite", "list", "--terminal", "oldbox"] + spare).stdout
        XCTAssertTrue(listed.contains("oldbox") && !listed.contains("till-1"), listed)
        let ambiguous = try run(["offsite", "restore", "--latest", "--dry-run"] + spare)
        XCTAssertTrue(ambiguous.stderr.contains("add --terminal ID"), ambiguous.stderr)
        let restore = try run(["offsite", "restore", "--latest", "--terminal", "oldbox", "--yes", "--owner", "root"] + spare)
        XCTAssertEqual(restore.exitCode, 0, restore.stderr)
        XCTAssertTrue(restore.stdout.contains("This terminal now pushes as oldbox, the terminal the snapshot came from"), restore.stdout)
        XCTAssertEqual(try run(["settings", "get", "terminal_id"] + spare).stdout, "oldbox\n")

        // The old box was not gone after all: both push as oldbox. Each is warned.
        XCTAssertEqual(try run(["create"] + spare).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push"] + spare).exitCode, 0)
        XCTAssertEqual(try onOldBox(["create"]).exitCode, 0)
        XCTAssertEqual(try onOldBox(["offsite", "push"]).exitCode, 0)
        XCTAssertEqual(try run(["create"] + spare).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push"] + spare).exitCode, 0)
        let boxStatus = try onOldBox(["status"]).stdout
        XCTAssertTrue(boxStatus.contains("oldbox is also pushed from another machine since"), boxStatus)
        let spareStatus = try run(["status"] + spare).stdout
        XCTAssertTrue(spareStatus.contains("oldbox is also pushed from another machine since"), spareStatus)
    }
}
