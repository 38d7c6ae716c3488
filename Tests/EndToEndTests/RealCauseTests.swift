import BackupEngine
import DemoShop
import Foundation
import TestSupport
import XCTest

/// The real cause, named: a filesystem remounted read-only, one out of inodes, a process
/// out of file descriptors. Real tmpfs mounts (as root) and a real `ulimit -n`.
final class RealCauseTests: XCTestCase {
    /// A demo shop on its own tmpfs at `dir` (extra mount options: `nr_inodes=...`),
    /// unmounted when the test ends.
    private func shopOnTmpfs(_ options: String = "") throws -> (dataDir: String, mount: String) {
        guard getuid() == 0 else { throw XCTSkip("needs root to mount a tmpfs") }
        let tmp = TempDir("mr5-cause")
        let mount = tmp.file("fs")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let m = shell("mount -t tmpfs -o size=64m,mode=0755\(options) tmpfs \(shq(mount))")
        guard m.status == 0 else { throw XCTSkip("mount -t tmpfs failed: \(m.output)") }
        addTeardownBlock { _ = tmp; shell("umount \(shq(mount)) || umount -l \(shq(mount))") }
        let dataDir = mount + "/shop"
        _ = try DemoShop.create(at: dataDir, sizeMB: 1, now: Date())
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false", "--data-dir", dataDir]).exitCode, 0)
        return (dataDir, mount)
    }

    func testAReadOnlyFilesystemIsNamedAndCriticalNotPermissions() throws {
        let (dataDir, mount) = try shopOnTmpfs()
        XCTAssertEqual(shell("mount -o remount,ro \(shq(mount))").status, 0)
        let create = try run(["create", "--data-dir", dataDir])
        assertRefused(create, exit: 1, mentioning: "read-only file system: \(dataDir)/backups")
        XCTAssertFalse(create.stderr.contains("permission denied"), create.stderr)
        let status = try run(["status", "--data-dir", dataDir])
        XCTAssertEqual(status.exitCode, 2, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("CRITICAL - read-only file system: \(dataDir)/backups: no backup can be made"), status.stdout)
        XCTAssertFalse(status.stdout.contains("no scheduler running"), "no scheduler can run there: one reason, not two\n" + status.stdout)
        XCTAssertTrue(try run(["status", "--json", "--data-dir", dataDir]).stdout.contains("\"read_only_file_system\""))
    }

    func testOutOfInodesIsNotCalledADiskFull() throws {
        let (dataDir, mount) = try shopOnTmpfs(",nr_inodes=200")
        // Use up the inodes left with empty files: bytes stay free.
        var i = 0
        while FileManager.default.createFile(atPath: "\(mount)/filler-\(i)", contents: nil) { i += 1 }
        let create = try run(["create", "--data-dir", dataDir])
        assertRefused(create, exit: 1, mentioning: "no free inodes on the filesystem of")
        XCTAssertFalse(create.stderr.contains("disk full"), create.stderr)
    }

    func testTooManyOpenFilesIsSaidRecordedAndExitOne() throws {
        let shop = try DemoFixture()
        let binary = try BuiltProduct.backup.required()
        // Every limit from "cannot open the database" to "cannot open the temp file" is met.
        for limit in 8...15 {
            let r = try ChildProcess.run("/bin/sh", ["-c", "ulimit -n \(limit); exec \(shq(binary)) create --data-dir \(shq(shop.dataDir))"])
            if r.exitCode == 0 { continue }
            XCTAssertEqual(r.exitCode, 1, "ulimit -n \(limit): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("too many open files"), "ulimit -n \(limit): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("database not found"), r.stderr)
        }
        let history = try run(["history", "--json"] + shop.dirArgs).stdout
        XCTAssertTrue(history.contains("too many open files"), "recorded in the history\n" + history)
    }
}
