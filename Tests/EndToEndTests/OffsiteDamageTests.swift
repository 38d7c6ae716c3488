import BackupEngine
import Foundation
import TestSupport
import XCTest

/// A repository whose bytes the storage changed: CRITICAL until a check reads all of the
/// data and passes, pushes into it drilled one by one, `offsite repair` with what restic
/// 0.14 can do, and every till sharing the repository told. Real restic, real packs
/// damaged on disk.
final class OffsiteDamageTests: XCTestCase {
    /// The pack files of a folder repository, with their sizes.
    private func packs(_ repository: String) -> [String: Int] {
        var out: [String: Int] = [:]
        let walker = FileManager.default.enumerator(atPath: repository + "/data")
        while let relative = walker?.nextObject() as? String {
            guard relative.count > 3 else { continue }
            let path = repository + "/data/" + relative
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int { out[path] = size }
        }
        return out
    }

    /// Overwrites bytes inside a pack every 64 KiB, as a failing disk or storage would:
    /// every blob in it is damaged.
    private func damage(_ pack: String) throws {
        XCTAssertEqual(chmod(pack, 0o600), 0)
        let size = try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: pack))[.size] as? Int)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: pack))
        for offset in stride(from: 40, to: max(41, size - 200), by: 65_536) {
            try handle.seek(toOffset: UInt64(offset))
            handle.write(Data("damaged by the storage".utf8))
        }
        try handle.close()
    }

    /// Another program's data in the same repository (restic run by hand), in packs of its own.
    private func foreignPack(_ f: OffsiteFixture) throws -> String {
        let before = packs(f.repository)
        let put = shell("head -c 400000 /dev/urandom | RESTIC_REPOSITORY=\(shq(f.repository)) RESTIC_PASSWORD_FILE=\(shq(f.paths.password)) "
                        + "HOME=\(shq(f.shop.root)) restic backup -q --stdin --stdin-filename other.bin --host other-app")
        XCTAssertEqual(put.status, 0, put.output)
        let added = packs(f.repository).filter { before[$0.key] == nil }
        return try XCTUnwrap(added.max { $0.value < $1.value }?.key)
    }

    private func mark(_ f: OffsiteFixture, _ name: String) throws -> [String: Any]? {
        let backups = try XCTUnwrap(try run(["list", "--json"] + f.dirArgs).json()["backups"] as? [[String: Any]])
        return backups.first { $0["name"] as? String == name }
    }

    private func newBackup(_ f: OffsiteFixture) throws -> String {
        let r = try run(["create", "--json"] + f.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        return try XCTUnwrap((try r.json()["backup"] as? [String: Any])?["name"] as? String)
    }

    /// New rows in the live database, so the next backup's bytes share nothing with the packs.
    private func change(_ f: OffsiteFixture) {
        let r = shell("sqlite3 \(shq(f.shop.layout.databasePath)) \"CREATE TABLE IF NOT EXISTS test_filler(b); INSERT INTO test_filler VALUES (randomblob(300000));\"")
        XCTAssertEqual(r.status, 0, r.output)
    }

    private func setUp(_ f: OffsiteFixture, terminal: String? = nil, joining: OffsiteFixture? = nil) throws {
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + f.dirArgs).exitCode, 0)
        if let terminal { XCTAssertEqual(try run(["settings", "set", "terminal_id", terminal] + f.dirArgs).exitCode, 0) }
        let password = joining.map { ["--password-file", $0.paths.password] } ?? []
        let setup = try run(["offsite", "init", "--same-disk", "--repository", f.repository] + password + f.dirArgs)
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
    }

    func testDamageStaysCriticalUntilAWholeCheckPushesAreDrilledAndRepairForgetsWhatCannotBeRestored() throws {
        let f = try OffsiteFixture()
        try setUp(f)
        let first = try f.newestBackup(self)
        XCTAssertEqual(try run(["offsite", "push", first] + f.dirArgs).exitCode, 0)
        let receiver = try HTTPReceiver(log: f.shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/hooks"] + f.dirArgs).exitCode, 0)

        // The storage damages a pack: a check of all the data finds it, and that is CRITICAL.
        try damage(try foreignPack(f))
        assertRefused(try run(["offsite", "check", "--read-data"] + f.dirArgs), exit: 1, mentioning: "the off-site repository is damaged")
        let told = receiver.requests().filter { $0.method == "POST" }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["event"] as? String
        }
        XCTAssertEqual(told, ["offsite_damaged"], "someone who is not looking is told")
        let critical = try run(["status"] + f.dirArgs)
        XCTAssertEqual(critical.exitCode, 2, critical.stdout)
        XCTAssertTrue(critical.stdout.contains("the off-site repository is damaged (found by the check"), critical.stdout)
        // A partial check that misses the damaged pack proves nothing: still CRITICAL.
        _ = try run(["offsite", "check", "--read-data-subset", "1/1000"] + f.dirArgs)
        XCTAssertTrue(try run(["status"] + f.dirArgs).stdout.contains("the off-site repository is damaged"))
        XCTAssertTrue(try run(["offsite", "status"] + f.dirArgs).stdout.contains("DAMAGED: found"))

        // Pushes go on, each drilled: a backup of new data restores, and is marked unsafe.
        change(f)
        let second = try newBackup(f)
        let pushed = try run(["offsite", "push", second] + f.dirArgs)
        XCTAssertEqual(pushed.exitCode, 0, pushed.stderr)
        XCTAssertTrue(pushed.stdout.contains("the repository is damaged: this snapshot restores"), pushed.stdout)
        XCTAssertEqual(try mark(f, second)?["offsiteUnsafe"] as? Bool, true)
        XCTAssertTrue(try run(["status"] + f.dirArgs).stdout.contains("the off-site repository is damaged"))

        // Our own packs damaged too: a push that reuses a damaged blob is not counted.
        for (pack, _) in packs(f.repository) { try damage(pack) }
        let third = try newBackup(f)  // the same bytes as the second
        let reused = try run(["offsite", "push", third] + f.dirArgs)
        XCTAssertEqual(reused.exitCode, 1, reused.stdout)
        XCTAssertTrue(reused.stderr.contains("\(third) was pushed as snapshot") && reused.stderr.contains("but does not restore"), reused.stderr)
        XCTAssertNil(try mark(f, third)?["offsiteSnapshot"], "a push that does not restore is never marked")
        let drill = try run(["offsite", "drill"] + f.dirArgs)
        XCTAssertEqual(drill.exitCode, 1, drill.stdout)

        // Repair: the snapshots that use damaged packs are forgotten and named, the packs
        // pruned away, the repository checks whole, and their backups go again.
        let repair = try run(["offsite", "repair", "--yes"] + f.dirArgs)
        XCTAssertEqual(repair.exitCode, 0, repair.stdout + repair.stderr)
        XCTAssertTrue(repair.stdout.contains("could no longer be restored"), repair.stdout)
        XCTAssertTrue(repair.stdout.contains("the repository checks whole"), repair.stdout)
        XCTAssertTrue(repair.stdout.contains("of other-app"), "the other program's snapshot is named: \(repair.stdout)")
        for name in [first, second, third] {
            XCTAssertTrue(repair.stdout.contains("Pushed \(name) as snapshot"), repair.stdout)
            XCTAssertNotNil(try mark(f, name)?["offsiteSnapshot"], name)
            XCTAssertNil(try mark(f, name)?["offsiteUnsafe"], name)
        }
        let after = try run(["status"] + f.dirArgs)
        XCTAssertFalse(after.stdout.contains("damaged"), after.stdout)
        XCTAssertEqual(try run(["offsite", "check", "--read-data"] + f.dirArgs).exitCode, 0)
        let drilled = try run(["offsite", "drill"] + f.dirArgs)
        XCTAssertEqual(drilled.exitCode, 0, drilled.stderr)
    }

    func testADrillThatMeetsDamagedDataIsCriticalAndAPartialCheckDoesNotClearIt() throws {
        let f = try OffsiteFixture()
        try setUp(f)
        XCTAssertEqual(try run(["offsite", "push", try f.newestBackup(self)] + f.dirArgs).exitCode, 0)
        for (pack, size) in packs(f.repository) where size > 4096 { try damage(pack) }
        let drill = try run(["offsite", "drill"] + f.dirArgs)
        assertRefused(drill, exit: 1, mentioning: "the off-site repository is damaged: blob ")
        XCTAssertTrue(drill.stderr.contains("does not decrypt (ciphertext verification failed)"), drill.stderr)
        let critical = try run(["status"] + f.dirArgs)
        XCTAssertEqual(critical.exitCode, 2, critical.stdout)
        XCTAssertTrue(critical.stdout.hasPrefix("CRITICAL - the off-site repository is damaged (found by the restore drill"), critical.stdout)
        // A check of a sliver of the data passes or not; either way the damage stands.
        _ = try run(["offsite", "check", "--read-data-subset", "1/1000"] + f.dirArgs)
        XCTAssertTrue(try run(["status"] + f.dirArgs).stdout.hasPrefix("CRITICAL - the off-site repository is damaged"))
        XCTAssertTrue(try String(contentsOfFile: f.shop.layout.logsDir + "/backup.log", encoding: .utf8)
            .contains("Off-site repository is damaged (found by the restore drill)"))
    }

    /// restic run by hand on the test's repository, its JSON read back.
    private func restic(_ f: OffsiteFixture, _ args: [String], stdin: String = "") throws -> ProcessResult {
        try ChildProcess.run("/usr/bin/restic", args, env: ["RESTIC_REPOSITORY": f.repository, "RESTIC_PASSWORD_FILE": f.paths.password,
                                                           "HOME": f.shop.root], stdin: stdin)
    }

    func testRepairForgetsOnlyWhatNoLongerRestoresAndKeepsWhatSharesTheDamagedPack() throws {
        let f = try OffsiteFixture()
        try setUp(f)
        // Two snapshots (another program's, so the data is known) that share the first
        // 2.5 MB: a blob only the first one uses is damaged on the storage.
        let a = f.shop.root + "/a.bin", b = f.shop.root + "/b.bin"
        XCTAssertEqual(shell("head -c 4000000 /dev/urandom > \(shq(a)) && (head -c 2500000 \(shq(a)); head -c 1500000 /dev/urandom) > \(shq(b))").status, 0)
        for file in [a, b] {
            let put = shell("RESTIC_REPOSITORY=\(shq(f.repository)) RESTIC_PASSWORD_FILE=\(shq(f.paths.password)) HOME=\(shq(f.shop.root)) "
                            + "restic backup -q --host other-app --stdin --stdin-filename data.bin < \(shq(file))")
            XCTAssertEqual(put.status, 0, put.output)
        }
        let snapshots = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try restic(f, ["snapshots", "--json"]).stdout.utf8)) as? [[String: Any]])
            .sorted { ($0["time"] as? String ?? "") < ($1["time"] as? String ?? "") }
        XCTAssertEqual(snapshots.count, 2)
        func content(_ snapshot: [String: Any]) throws -> Set<String> {
            let tree = try XCTUnwrap(snapshot["tree"] as? String)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try restic(f, ["cat", "blob", tree]).stdout.utf8)) as? [String: Any])
            return Set(((json["nodes"] as? [[String: Any]])?.first?["content"] as? [String]) ?? [])
        }
        let onlyFirst = try content(snapshots[0]).subtracting(try content(snapshots[1]))
        var target: (pack: String, offset: Int)?
        for index in try restic(f, ["list", "index"]).stdout.split(separator: "\n") {
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try restic(f, ["cat", "index", String(index)]).stdout.utf8)) as? [String: Any])
            for pack in json["packs"] as? [[String: Any]] ?? [] {
                for blob in pack["blobs"] as? [[String: Any]] ?? [] where onlyFirst.contains(blob["id"] as? String ?? "") {
                    let id = try XCTUnwrap(pack["id"] as? String)
                    target = (f.repository + "/data/" + id.prefix(2) + "/" + id, try XCTUnwrap(blob["offset"] as? Int) + 100)
                }
            }
        }
        let (pack, offset) = try XCTUnwrap(target)
        XCTAssertEqual(chmod(pack, 0o600), 0)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: pack))
        try handle.seek(toOffset: UInt64(offset))
        handle.write(Data("damaged by the storage".utf8))
        try handle.close()
        assertRefused(try run(["offsite", "check", "--read-data"] + f.dirArgs), exit: 1, mentioning: "no longer matches its id")

        let repair = try run(["offsite", "repair", "--yes"] + f.dirArgs)
        XCTAssertEqual(repair.exitCode, 0, repair.stdout + repair.stderr)
        let first = try XCTUnwrap(snapshots[0]["short_id"] as? String), second = try XCTUnwrap(snapshots[1]["short_id"] as? String)
        XCTAssertTrue(repair.stdout.contains("forgot 1 snapshot that could no longer be restored (\(first) of other-app)"), repair.stdout)
        let left = try restic(f, ["snapshots", "--json"]).stdout
        XCTAssertFalse(left.contains(first), left)
        XCTAssertTrue(left.contains(second), "the snapshot that still restored is kept: \(left)")
        let back = f.shop.root + "/b.back"
        XCTAssertEqual(shell("RESTIC_REPOSITORY=\(shq(f.repository)) RESTIC_PASSWORD_FILE=\(shq(f.paths.password)) HOME=\(shq(f.shop.root)) "
                             + "restic dump \(second) /data.bin > \(shq(back)) && cmp \(shq(back)) \(shq(b))").status, 0, "and restores whole")
        XCTAssertEqual(try run(["offsite", "check", "--read-data"] + f.dirArgs).exitCode, 0)
    }

    func testDamageRestic014CannotRemoveStartsAFreshRepositoryBesideTheOldOne() throws {
        let f = try OffsiteFixture()
        let other = try OffsiteFixture { _ in f.repository }
        try setUp(f, terminal: "till-1")
        try setUp(other, terminal: "till-2", joining: f)
        XCTAssertEqual(try run(["offsite", "push"] + f.dirArgs).exitCode, 0)
        // A snapshot file itself damaged: no pack to forget it by, and restic 0.14 cannot drop it.
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: f.repository + "/snapshots")
        try damage(f.repository + "/snapshots/" + XCTUnwrap(snapshots.first))
        assertRefused(try run(["offsite", "check", "--read-data"] + f.dirArgs), exit: 1, mentioning: "the off-site repository is damaged")

        let repair = try run(["offsite", "repair", "--yes"] + f.dirArgs)
        XCTAssertEqual(repair.exitCode, 0, repair.stdout + repair.stderr)
        XCTAssertTrue(repair.stdout.contains("started a fresh repository \(f.repository)-repaired-"), repair.stdout)
        XCTAssertTrue(repair.stdout.contains("(left in place)") && repair.stdout.contains("set the other terminals up on it"), repair.stdout)
        let status = try run(["offsite", "status", "--json"] + f.dirArgs).json()
        let fresh = try XCTUnwrap(status["repository"] as? String)
        XCTAssertTrue(fresh.hasPrefix(f.repository + "-repaired-"), fresh)
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh + "/config"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.repository + "/config"), "the old repository is left as it was")
        XCTAssertEqual(status["pending"] as? [String], [], "every local backup went into the fresh one")
        XCTAssertNil(status["damage"] as? [String: Any])
        XCTAssertFalse(try run(["status"] + f.dirArgs).stdout.contains("damaged"))
        XCTAssertEqual(try run(["offsite", "drill"] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "check", "--read-data"] + f.dirArgs).exitCode, 0)
        XCTAssertTrue(try run(["offsite", "status"] + f.dirArgs).stdout.contains("Replaced after damage (left in place): \(f.repository)"))
        // The other till, still on the old repository, is told where till-1 went.
        _ = try run(["offsite", "push"] + other.dirArgs)
        let told = try run(["status", "--json"] + other.dirArgs).json()
        let damage = (told["findings"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == "offsite_damaged" }
        XCTAssertTrue((damage?["message"] as? String ?? "").contains("till-1 moved to \(fresh)"), "\(told)")
    }

    func testOtherTillsLearnOfTheDamageAndOfItsRepairAtTheirNextContact() throws {
        let one = try OffsiteFixture()
        let two = try OffsiteFixture { _ in one.repository }
        try setUp(one, terminal: "till-1")
        try setUp(two, terminal: "till-2", joining: one)
        XCTAssertEqual(try run(["offsite", "push", try one.newestBackup(self)] + one.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push", try two.newestBackup(self)] + two.dirArgs).exitCode, 0)

        try damage(try foreignPack(one))
        assertRefused(try run(["offsite", "check", "--read-data"] + one.dirArgs), exit: 1, mentioning: "the off-site repository is damaged")
        XCTAssertFalse(try run(["status"] + two.dirArgs).stdout.contains("damaged"), "till-2 has not been in touch yet")
        // till-2's next contact (its push round) reads till-1's damage report.
        XCTAssertEqual(try run(["offsite", "push"] + two.dirArgs).exitCode, 0)
        let told = try run(["status"] + two.dirArgs)
        XCTAssertEqual(told.exitCode, 2, told.stdout)
        XCTAssertTrue(told.stdout.contains("found by till-1's check"), told.stdout)

        let repair = try run(["offsite", "repair", "--yes"] + one.dirArgs)
        XCTAssertEqual(repair.exitCode, 0, repair.stdout + repair.stderr)
        XCTAssertTrue(repair.stdout.contains("of other-app"), repair.stdout)
        XCTAssertFalse(try run(["status"] + one.dirArgs).stdout.contains("damaged"))
        // And the repair reaches till-2 the same way.
        XCTAssertEqual(try run(["offsite", "push"] + two.dirArgs).exitCode, 0)
        let mended = try run(["status"] + two.dirArgs)
        XCTAssertFalse(mended.stdout.contains("damaged"), mended.stdout)
    }
}
