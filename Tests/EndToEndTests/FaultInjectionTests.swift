import BackupEngine
import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Issue 6, fault injection: the real `mr5-backup` binary against real databases of
/// 50 MB made by `mr5-pos-sim`, killed with SIGKILL, starved of disk, locked out, written
/// to concurrently and fed damaged backups. docs/RELIABILITY.md describes each case.
final class FaultInjectionTests: XCTestCase {

    /// Kill delays spread over `duration`: one random moment in each of `count` equal
    /// slices (plus 10% past the end, where the run may already have finished).
    private func spreadDelays(count: Int, over duration: TimeInterval) -> [TimeInterval] {
        (0..<count).map { i in (Double(i) + Double.random(in: 0..<1)) / Double(count) * duration * 1.1 }.shuffled()
    }

    private func timed(_ body: () throws -> Void) rethrows -> TimeInterval {
        let t0 = Date()
        try body()
        return Date().timeIntervalSince(t0)
    }

    // MARK: 1. kill -9 during create

    func testKillDuringCreateLeavesNoFalseBackupAndNextRunCleansUp() throws {
        let shop = try SimShop(padMB: 50)
        var duration: TimeInterval = 0
        duration = try timed {
            XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        }
        var checked: [String: String] = [:]   // name -> sha already verified by `verify`
        var killsLanded = 0, sawTemp = 0
        // Kills past the end of a run do not count: keep going until 22 landed (60 tries at most).
        var delays = spreadDelays(count: 22, over: duration)
        // The first timed run is cold; later ones can be much faster. Each kill that comes too
        // late shrinks the window the remaining kills are drawn from.
        var horizon = duration
        var i = -1
        while killsLanded < 22 && i < 59 {
            i += 1
            if i >= delays.count { delays.append(Double.random(in: 0..<horizon * 0.9)) }
            let delay = delays[i] < horizon ? delays[i] : Double.random(in: 0..<horizon * 0.9)
            let child = try shop.startCLI(["create"])
            usleep(UInt32(delay * 1_000_000))
            child.killHard()
            if child.wasKilled { killsLanded += 1 } else { horizon = min(horizon, delay) * 0.9 }

            // Nothing may be listed as verified unless `verify` agrees.
            for b in try listBackups(shop) where b.status == "verified" && checked[b.name] != b.sha256 {
                let v = try run(["verify", b.name] + shop.dirArgs)
                XCTAssertEqual(v.exitCode, 0, "kill at \(Int(delay * 1000)) ms: \(b.name) listed as verified but verify says: \(v.stdout) \(v.stderr)")
                checked[b.name] = b.sha256
            }
            XCTAssertFalse(try listBackups(shop).contains { $0.name.hasPrefix(".tmp-") })
            XCTAssertEqual(try DBProbe.integrity(shop.dbPath), "ok", "live database after kill at \(Int(delay * 1000)) ms")
            if !shop.tempFiles().isEmpty { sawTemp += 1 }

            // The next complete run removes what the killed ones left.
            if i % 6 == 5 || killsLanded == 22 {
                let r = try run(["create"] + shop.dirArgs)
                XCTAssertEqual(r.exitCode, 0, r.stderr)
                XCTAssertEqual(shop.tempFiles(), [], "temp files left after a complete create")
            }
        }
        XCTAssertGreaterThanOrEqual(killsLanded, 20, "at least 20 kills must land while create runs")
        XCTAssertGreaterThan(sawTemp, 0, "no kill landed during the copy (temp file never seen)")
        print("kill-create: \(killsLanded) kills landed over a \(Int(duration * 1000)) ms create; \(sawTemp) left a .tmp- file")
    }

    // MARK: 2. kill -9 during restore

    /// Nobody else has the database open: a WAL database leaves WAL mode for the restore.
    func testKillDuringRestoreWAL() throws { try killDuringRestore(journal: "wal", kills: 12) }
    /// The POS app has it open: the restore stays in WAL mode (uncommitted WAL frames).
    func testKillDuringRestoreWALWithTheAppOpen() throws { try killDuringRestore(journal: "wal", kills: 10, appOpen: true) }
    func testKillDuringRestoreRollbackJournal() throws { try killDuringRestore(journal: "delete", kills: 10) }

    private func killDuringRestore(journal: String, kills: Int, appOpen: Bool = false) throws {
        let shop = try SimShop(padMB: 50, journal: journal)
        // An idle connection of the POS app, open across every restore and kill.
        let app = appOpen ? try ChildProcess("/usr/bin/sqlite3", [shop.dbPath]) : nil
        defer { app?.killHard() }
        if let app {
            app.write("SELECT 'open', count(*) > 0 FROM sqlite_schema;\n")
            XCTAssertTrue(app.waitForOutput { $0.contains("open|1") }, app.stderr)
        }
        try shop.writeBurst(seconds: 0.2)
        let created = try run(["create", "--json"] + shop.dirArgs)
        XCTAssertEqual(created.exitCode, 0, created.stderr)
        let name = try XCTUnwrap((try created.json()["backup"] as? [String: Any])?["name"] as? String)
        let backupState = try DBProbe.fingerprint(shop.dataDir + "/backups/" + name)

        // Make the live database differ from the backup, pages and rows alike.
        func diverge() throws {
            try shop.writeBurst(seconds: 0.15)
            _ = try sqlite3(shop.dbPath, "DELETE FROM sim_pad WHERE id IN (SELECT id FROM sim_pad ORDER BY random() LIMIT 40); INSERT INTO sim_pad(data) VALUES(randomblob(100000));")
            XCTAssertNotEqual(try DBProbe.fingerprint(shop.dbPath), backupState)
        }
        func savedCopies() -> [String] {
            listDir(shop.dataDir).filter { $0.contains(".corrupted.") && !$0.hasPrefix(".tmp-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") && !$0.hasSuffix("-journal") }
        }
        func removeSavedCopies() {
            for f in listDir(shop.dataDir) where f.contains(".corrupted.") { try? FileManager.default.removeItem(atPath: shop.dataDir + "/" + f) }
        }

        try diverge()
        let duration = try timed {
            let r = try run(["restore", name, "--yes"] + shop.dirArgs)
            XCTAssertEqual(r.exitCode, 0, r.stderr)
        }
        XCTAssertEqual(try DBProbe.fingerprint(shop.dbPath), backupState)
        removeSavedCopies()
        try diverge()

        // Every phase of the restore must see a kill land: before the database as it was is
        // saved, while the backup is written into it, and after that write committed.
        var plan = PhaseKillPlan(phases: ["checking the backup and saving the database as it was",
                                          "writing the backup into the database", "checking and recording the restored database"])
        var savedChecked = 0
        // Kills after the end do not count: keep going until `kills` landed and every phase
        // had one (50 extra tries at most).
        var delays = spreadDelays(count: kills, over: duration)
        var horizon = duration   // shrinks when a kill comes after the run ended (see kill-create)
        var attempt = -1
        while (plan.landedTotal < kills || !plan.missing.isEmpty) && attempt < kills + 50 {
            attempt += 1
            let delay: TimeInterval
            if plan.landedTotal >= kills, let phase = plan.missing.first {
                delay = plan.delay(toward: phase, duration: duration)
            } else {
                if attempt >= delays.count { delays.append(Double.random(in: 0..<horizon * 0.9)) }
                delay = delays[attempt] < horizon ? delays[attempt] : Double.random(in: 0..<horizon * 0.9)
            }
            let before = try DBProbe.fingerprint(shop.dbPath)
            let child = try shop.startCLI(["restore", name, "--yes"])
            usleep(UInt32(delay * 1_000_000))
            child.killHard()
            let landed = child.wasKilled
            if !landed { horizon = min(horizon, delay) * 0.9 }
            let ms = Int(delay * 1000)

            XCTAssertEqual(try DBProbe.integrity(shop.dbPath), "ok", "\(journal): live database after kill at \(ms) ms")
            let after = try DBProbe.fingerprint(shop.dbPath)
            XCTAssertTrue(after == before || after == backupState, "\(journal): kill at \(ms) ms left a mix: \(after.prefix(80))")
            let saved = savedCopies()
            XCTAssertLessThanOrEqual(saved.count, 1)
            for s in saved {
                let path = shop.dataDir + "/" + s
                savedChecked += 1
                XCTAssertEqual(try DBProbe.integrity(path), "ok", "\(journal): saved copy \(s) after kill at \(ms) ms")
                XCTAssertEqual(try DBProbe.fingerprint(path), before, "\(journal): saved copy \(s) is not the database as it was")
            }
            // The phase the kill landed in, from what it left.
            let phase = !landed ? plan.ended : after == backupState ? 2 : saved.isEmpty ? 0 : 1
            plan.record(delay: delay, phase: phase)
            if after == backupState {
                XCTAssertEqual(saved.count, 1, "\(journal): the restore wrote but no complete .corrupted. copy exists (kill at \(ms) ms)")
                removeSavedCopies()
                try diverge()
            } else {
                removeSavedCopies()
            }
        }
        // A later operation clears what the killed restores left (.tmp- copies in the data dir).
        let r = try run(["verify", name] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let done = try run(["restore", name, "--yes"] + shop.dirArgs)
        XCTAssertEqual(done.exitCode, 0, done.stderr)
        XCTAssertEqual(shop.tempFiles(), [])
        XCTAssertEqual(try DBProbe.fingerprint(shop.dbPath), backupState)
        XCTAssertEqual(try sqlite3(shop.dbPath, "PRAGMA journal_mode"), journal, "the restore leaves the journal mode as it found it")
        if let app {
            app.write("SELECT 'still', count(*) > 0 FROM sqlite_schema;\n")
            XCTAssertTrue(app.waitForOutput { $0.contains("still|1") }, "the app's connection still reads: \(app.stderr)")
        }
        XCTAssertGreaterThanOrEqual(plan.landedTotal, kills, "kills that landed while restore ran")
        for phase in plan.missing {
            XCTFail("\(journal): no kill landed while the restore was \(plan.phases[phase]) (\(attempt + 1) tries; \(plan.summary))")
        }
        print("kill-restore \(journal)\(appOpen ? " (app open)" : ""): \(plan.landedTotal) kills landed in \(attempt + 1) tries over a \(Int(duration * 1000)) ms restore (\(plan.summary)); saved copies checked \(savedChecked)")
    }

    // MARK: 3. disk full

    /// Mounts a tmpfs of `sizeMB` at `dir`, unmounted when the test ends. Returns false
    /// (and says so visibly) where mounting is not permitted.
    private func mountTmpfs(_ dir: String, sizeMB: Int) throws -> Bool {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard getuid() == 0 else {
            print("NOTICE: not root, tmpfs disk-full cases skipped; the injected write failure case (RLIMIT_FSIZE) covers them")
            return false
        }
        // 0700 as the engine makes backups/ (a tmpfs is 1777 by default, which a root run refuses).
        let m = shell("mount -t tmpfs -o size=\(sizeMB)m,mode=0700 tmpfs \(shq(dir))")
        guard m.status == 0 else {
            print("NOTICE: mount -t tmpfs failed (\(m.output.trimmingCharacters(in: .whitespacesAndNewlines))); tmpfs disk-full cases skipped, the injected write failure case covers them")
            return false
        }
        addTeardownBlock { shell("umount \(shq(dir)) || umount -l \(shq(dir))") }
        return true
    }

    /// Asserts the common outcome of a failed create: exit 1, one line mentioning
    /// `text`, no temp or new file, older backups byte-identical, history and status say so.
    private func assertCleanCreateFailure(_ r: ProcessResult, shop: SimShop, mentioning texts: [String],
                                          backupsBefore: [String: String], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(r.exitCode, 1, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("mr5-backup: "), r.stderr, file: file, line: line)
        XCTAssertTrue(texts.contains { r.stderr.lowercased().contains($0) }, "message should mention \(texts): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(shop.tempFiles(), [], "partial files left", file: file, line: line)
        XCTAssertFalse(listDir(shop.backupsDir).contains { $0.hasSuffix("-journal") }, file: file, line: line)
        var after: [String: String] = [:]
        for b in try listBackups(shop) { after[b.name] = try DBProbe.sha256(b.path) }
        XCTAssertEqual(after, backupsBefore, "older backups changed", file: file, line: line)
        let h = try lastHistory(shop, file: file, line: line)
        XCTAssertEqual(h["operation"] as? String, "create", "\(h)", file: file, line: line)
        XCTAssertEqual(h["outcome"] as? String, "failure", "\(h)", file: file, line: line)
        XCTAssertTrue(texts.contains { (h["message"] as? String ?? "").lowercased().contains($0) }, "history: \(h)", file: file, line: line)
        let s = try run(["status"] + shop.dirArgs)
        XCTAssertNotEqual(s.exitCode, 0, "status after a failed backup: \(s.stdout)", file: file, line: line)
        XCTAssertTrue(s.stdout.contains("failed"), "status should name the failure: \(s.stdout)", file: file, line: line)
    }

    private func backupHashes(_ shop: SimShop) throws -> [String: String] {
        var result: [String: String] = [:]
        for b in try listBackups(shop) { result[b.name] = try DBProbe.sha256(b.path) }
        return result
    }

    func testDiskFullBeforeCopyIsRefusedCleanly() throws {
        let shop = try SimShop(padMB: 2)
        guard try mountTmpfs(shop.backupsDir, sizeMB: 5) else { throw XCTSkip("tmpfs mount not permitted (not root)") }
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)   // an older backup that fits
        let before = try backupHashes(shop)
        XCTAssertEqual(before.count, 1)
        _ = try sqlite3(shop.dbPath, "INSERT INTO sim_pad(data) SELECT randomblob(65000) FROM sim_pad LIMIT 60;")   // now ~6 MB
        let r = try run(["create"] + shop.dirArgs)
        try assertCleanCreateFailure(r, shop: shop, mentioning: ["space"], backupsBefore: before)
    }

    func testDiskFillingDuringCopyFailsCleanly() throws {
        let shop = try SimShop(padMB: 40)
        guard try mountTmpfs(shop.backupsDir, sizeMB: 100) else { throw XCTSkip("tmpfs mount not permitted (not root)") }
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let before = try backupHashes(shop)
        // The pre-check sees about 58 MB free for a 41 MB copy and passes; as soon as the
        // temp file appears (after the check), another process takes all but 1 MB.
        let filler = shop.backupsDir + "/filler"
        let child = try shop.startCLI(["create"])
        var filled = false
        let deadline = Date().addingTimeInterval(20)
        while child.process.isRunning && Date() < deadline && !filled {
            if listDir(shop.backupsDir).contains(where: { $0.hasPrefix(".tmp-") }) {
                var st = statvfs()
                statvfs(shop.backupsDir, &st)
                let free = Int64(st.f_bavail) * Int64(st.f_frsize)
                _ = free
                let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
                if fd >= 0 {
                    // 1 MB at a time until ENOSPC: the copy is writing at the same moment.
                    var offset: off_t = 0
                    while posix_fallocate(fd, offset, 1 << 20) == 0 { offset += 1 << 20 }
                    filled = offset > 0
                    close(fd)
                }
            } else {
                usleep(200)
            }
        }
        _ = child.wait()
        XCTAssertTrue(filled, "the copy finished before the disk could be filled")
        let r = child.result
        try? FileManager.default.removeItem(atPath: filler)
        try assertCleanCreateFailure(r, shop: shop, mentioning: ["disk full", "space"], backupsBefore: before)
    }

    /// The same disk-full path without root: the child may not write files larger than
    /// 8 MB (RLIMIT_FSIZE, SIGXFSZ ignored), so the copy's writes fail part-way.
    func testInjectedWriteFailureDuringCopyFailsCleanly() throws {
        let shop = try SimShop(padMB: 20)
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let before = try backupHashes(shop)
        let p = try ChildProcess("/bin/sh", ["-c", "trap '' XFSZ; exec prlimit --fsize=8388608 \"$@\"", "sh", shop.backupBin, "create"] + shop.dirArgs)
        p.wait()
        let r = p.result
        try assertCleanCreateFailure(r, shop: shop, mentioning: ["disk", "space", "i/o", "large"], backupsBefore: before)
    }

    // MARK: 4. lock contention

    func testExclusiveLockLongerThanBusyTimeoutFailsClearlyAndIsRecorded() throws {
        let shop = try SimShop(padMB: 1, journal: "delete")
        // A short busy timeout so the test does not wait out the 30 s default.
        let timeoutArgs = ["--busy-timeout", "2"]
        let holder = try ChildProcess("/usr/bin/sqlite3", [shop.dbPath])
        holder.write("BEGIN EXCLUSIVE;\nUPDATE sim_meta SET v = v WHERE k = 'accounts';\nSELECT 'locked-now';\n")
        XCTAssertTrue(holder.waitForOutput { $0.contains("locked-now") }, "sqlite3 did not take the lock: \(holder.stderr)")
        defer { holder.closeInput(); holder.wait(timeout: 10) }

        let started = Date()
        let r = try run(["create"] + timeoutArgs + shop.dirArgs)
        let took = Date().timeIntervalSince(started)
        XCTAssertEqual(r.exitCode, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("locked"), "message should name the lock: \(r.stderr)")
        XCTAssertEqual(shop.tempFiles(), [])
        XCTAssertEqual(try listBackups(shop).count, 0)
        let h = try lastHistory(shop)
        XCTAssertEqual(h["outcome"] as? String, "failure")
        XCTAssertTrue((h["message"] as? String ?? "").contains("locked"), "\(h)")
        print("lock contention: create gave up after \(String(format: "%.1f", took)) s: \(r.stderr.trimmingCharacters(in: .newlines))")

        // Once the lock is gone the next attempt succeeds.
        holder.closeInput()
        holder.wait(timeout: 10)
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
    }

    // MARK: 5. concurrent writer

    func testBackupsUnderWriterWAL() throws { try backupsUnderWriter(journal: "wal") }
    func testBackupsUnderWriterRollbackJournal() throws { try backupsUnderWriter(journal: "delete") }

    private func backupsUnderWriter(journal: String) throws {
        let shop = try SimShop(padMB: 50, journal: journal)
        let writer = try shop.startWriter(intervalMs: journal == "wal" ? 5 : 10)
        var names: [String] = []
        for i in 0..<10 {
            let r = try run(["create", "--json"] + shop.dirArgs)
            XCTAssertEqual(r.exitCode, 0, "\(journal) backup \(i): \(r.stderr)")
            guard r.exitCode == 0, let b = try r.json()["backup"] as? [String: Any], let name = b["name"] as? String,
                  let path = b["path"] as? String else { continue }
            names.append(name)
            let v = try run(["verify", name, "--full"] + shop.dirArgs)
            XCTAssertEqual(v.exitCode, 0, "\(journal) backup \(i) \(name): \(v.stdout) \(v.stderr)")
            // Check a copy: the check opens read-write, and the backup must stay untouched.
            let copy = shop.scratch + "/check-\(i).db"
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            XCTAssertTrue(try shop.invariantHolds(copy), "\(journal) backup \(i) \(name) is not a consistent snapshot")
            try? FileManager.default.removeItem(atPath: copy)
        }
        writer.terminate()
        let stats = (try? JSONSerialization.jsonObject(with: Data(writer.stdout.utf8))) as? [String: Any] ?? [:]
        let commits = stats["commits"] as? Int ?? 0, errors = stats["errors"] as? Int ?? -1
        XCTAssertEqual(names.count, 10)
        XCTAssertGreaterThan(commits, 50, "the writer must have been committing: \(writer.stdout)")
        if journal == "wal" { XCTAssertEqual(errors, 0, "writer errors in WAL mode: \(writer.stdout)") }
        XCTAssertTrue(try shop.invariantHolds(shop.dbPath))
        print("writer \(journal): 10 backups, writer \(writer.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    // MARK: 6. corrupted stored backups

    /// Files beside the live database (backups/ and logs/ left out). SQLite itself may
    /// create an empty `-wal` (and `-shm`) when any reader opens a WAL database; those are
    /// left out too, the live file's own bytes are compared by hash.
    private func besideLive(_ shop: SimShop) -> [String: String] {
        DemoFixture.snapshot(shop.dataDir).filter {
            // logs/ is ours: the metrics are rewritten after every recorded attempt.
            !$0.key.hasPrefix("backups/") && !$0.key.hasPrefix("logs") && !$0.key.hasSuffix("-shm")
                && !($0.key.hasSuffix("-wal") && $0.value.hasPrefix("0 "))
        }
    }

    func testCorruptedBackupsAreReportedAndNeverRestored() throws {
        let shop = try SimShop(padMB: 50)
        let created = try run(["create", "--json"] + shop.dirArgs)
        XCTAssertEqual(created.exitCode, 0, created.stderr)
        let good = try XCTUnwrap((try created.json()["backup"] as? [String: Any])?["path"] as? String)
        let goodName = (good as NSString).lastPathComponent
        let size = try XCTUnwrap(fileSize(good))
        let metaPath = shop.backupsDir + "/.meta/" + goodName + ".json"
        let meta = try Data(contentsOf: URL(fileURLWithPath: metaPath))
        try shop.writeBurst(seconds: 0.1)

        // Each case damages a copy of the good backup under its own name (with the good
        // one's metadata, as if the damage happened after it was made), or drops a
        // foreign file under the backup pattern.
        enum Damage { case flip(Int64), truncate(Int64), empty, text, foreignSQLite, randomBytesWithHeader }
        var cases: [(String, Damage)] = (0..<5).map { i in
            let offset = i == 0 ? Int64(100) : (i == 1 ? Int64(20_000) : Int64.random(in: 4096..<size))
            return ("flip@\(offset)", .flip(offset))
        }
        cases += [("truncate-half", .truncate(size / 2)), ("truncate-1-byte", .truncate(size - 1)), ("zero-length", .empty),
                  ("text-file", .text), ("foreign-sqlite", .foreignSQLite), ("garbage-with-header", .randomBytesWithHeader)]

        for (i, (label, damage)) in cases.enumerated() {
            let name = String(format: "backup-2001-01-%02d-000000.db", i + 1)
            let path = shop.backupsDir + "/" + name
            var withMeta = true
            switch damage {
            case .flip(let offset):
                try FileManager.default.copyItem(atPath: good, toPath: path)
                let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
                try h.seek(toOffset: UInt64(offset))
                let byte = try h.read(upToCount: 1)?.first ?? 0
                try h.seek(toOffset: UInt64(offset))
                try h.write(contentsOf: Data([byte ^ 0x5A]))
                try h.close()
            case .truncate(let length):
                try FileManager.default.copyItem(atPath: good, toPath: path)
                XCTAssertEqual(truncate(path, off_t(length)), 0)
            case .empty:
                FileManager.default.createFile(atPath: path, contents: Data())
            case .text:
                withMeta = false
                try "order,total\n1,9.99\n".write(toFile: path, atomically: false, encoding: .utf8)
            case .foreignSQLite:
                withMeta = false
                _ = try sqlite3(path, "CREATE TABLE photos(id INTEGER PRIMARY KEY, caption TEXT); INSERT INTO photos(caption) VALUES('beach');")
            case .randomBytesWithHeader:
                withMeta = false
                var bytes = Data("SQLite format 3\u{0}".utf8)
                bytes.append(Data((0..<(64 * 1024)).map { _ in UInt8.random(in: 0...255) }))
                bytes[16] = 0x10; bytes[17] = 0x00   // a valid page size, 4096
                try bytes.write(to: URL(fileURLWithPath: path))
            }
            if withMeta {
                var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: meta) as? [String: Any])
                object["name"] = name
                // The metadata as it was: the size and mtime the catalog saw when it verified.
                let data = try JSONSerialization.data(withJSONObject: object)
                try data.write(to: URL(fileURLWithPath: shop.backupsDir + "/.meta/" + name + ".json"))
            }
            let liveBefore = try DBProbe.sha256(shop.dbPath)
            let treeBefore = besideLive(shop)

            let v = try run(["verify", name] + shop.dirArgs)
            XCTAssertEqual(v.exitCode, 1, "\(label): verify should fail: \(v.stdout) \(v.stderr)")
            XCTAssertTrue(v.stdout.contains("FAILED") || v.stderr.contains("mr5-backup:"), "\(label): \(v.stdout) \(v.stderr)")
            let said = (v.stdout + v.stderr).lowercased()
            XCTAssertTrue(["sha-256", "not an sqlite", "quick_check", "changed", "size", "damaged", "corrupt", "zero", "header", "not a backup", "foreign"].contains { said.contains($0) },
                          "\(label): verify should say what is wrong: \(v.stdout) \(v.stderr)")

            let r = try run(["restore", name, "--yes"] + shop.dirArgs)
            XCTAssertNotEqual(r.exitCode, 0, "\(label): restore must refuse: \(r.stdout)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(label): \(r.stderr)")
            XCTAssertEqual(try DBProbe.sha256(shop.dbPath), liveBefore, "\(label): the live database changed")
            XCTAssertEqual(besideLive(shop), treeBefore,
                           "\(label): files beside the live database changed")
            print("corruption \(label): verify -> \((v.stdout + v.stderr).split(separator: "\n").first ?? ""); restore -> \(r.stderr.trimmingCharacters(in: .newlines))")
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: shop.backupsDir + "/.meta/" + name + ".json")
        }
        // The good backup is still good.
        XCTAssertEqual(try run(["verify", goodName] + shop.dirArgs).exitCode, 0)
    }
}
