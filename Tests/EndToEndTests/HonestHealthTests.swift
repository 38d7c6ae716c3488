import BackupEngine
import Foundation
import TestSupport
import XCTest

/// What a shop meets when things go wrong, end to end on real files: the exact severity
/// word, exactly one line, the right exit code, and nothing created where nothing should be.
final class HonestHealthTests: XCTestCase {
    // MARK: - Helpers

    /// Runs the built binary behind a wrapper (`setpriv ...`, `faketime ...`).
    private func runWrapped(_ wrapper: [String], _ args: [String], env: [String: String] = [:]) throws -> ProcessResult {
        let binary = try BuiltProduct.backup.required()
        var environment = ["PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8", "HOME": "/tmp"]
        environment.merge(env) { $1 }
        return try ChildProcess.run(wrapper[0], Array(wrapper.dropFirst()) + [binary] + args, env: environment)
    }

    private func asNobody(_ args: [String]) throws -> ProcessResult {
        try runWrapped(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], args)
    }

    /// Overwrites `count` pages three quarters into the file with random bytes (a disk error).
    private func damagePages(_ path: String, count: Int = 50) throws {
        _ = try sqlite3(path, "PRAGMA wal_checkpoint(TRUNCATE)")
        let size = try XCTUnwrap(fileSize(path))
        let pages = Int(size / 4096)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64(pages * 3 / 4 * 4096))
        var bytes = [UInt8](repeating: 0, count: count * 4096)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        handle.write(Data(bytes))
        try handle.close()
    }

    /// One line on stdout (status), nothing on stderr.
    private func assertStatusLine(_ r: ProcessResult, _ word: String, exit code: Int32, contains text: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.exitCode, code, r.stdout + r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, r.stdout, file: file, line: line)
        XCTAssertTrue(r.stdout.hasPrefix("\(word) - "), r.stdout, file: file, line: line)
        XCTAssertTrue(r.stdout.contains(text), "'\(text)' not in: \(r.stdout)", file: file, line: line)
        XCTAssertLessThanOrEqual(r.stdout.components(separatedBy: " | ")[0].count, 200, file: file, line: line)
        XCTAssertEqual(r.stderr, "", file: file, line: line)
    }

    private func newestVerified(_ shop: DemoFixture) -> String {
        BackupEngine(layout: shop.layout).newestVerified(in: BackupEngine(layout: shop.layout).listBackups())?.name ?? "?"
    }

    // MARK: - Damaged pages of the live database

    private func checkDamagedLiveDatabase(journal: String) throws {
        let shop = try DemoFixture(sizeMB: 2)
        _ = try sqlite3(shop.layout.databasePath, "PRAGMA journal_mode=\(journal)")
        let restore = newestVerified(shop)
        try damagePages(shop.layout.databasePath)

        // The next backup says the live database is damaged, in one line, and keeps nothing.
        let create = try run(["create"] + shop.dirArgs)
        XCTAssertEqual(create.exitCode, 1, create.stderr)
        XCTAssertEqual(create.stderrLines.count, 1, create.stderr)
        XCTAssertTrue(create.stderr.contains("the live database mr5-pos.db is damaged: quick_check found"), create.stderr)
        XCTAssertLessThanOrEqual(create.stderrLines[0].count, 200 + "mr5-backup: ".count)
        XCTAssertEqual(listDir(shop.layout.backupsDir).filter { $0.hasPrefix(".tmp-") }, [])

        let status = try run(["status"] + shop.dirArgs)
        assertStatusLine(status, "CRITICAL", exit: 2, contains: "live database damaged (")
        XCTAssertTrue(status.stdout.contains("restore \(restore) (newest verified"), status.stdout)

        // The whole text is kept: history --json detail, history --verbose; the table stays one line a row.
        let history = try run(["history", "--json", "--limit", "1"] + shop.dirArgs).json()
        let last = try XCTUnwrap((history["entries"] as? [[String: Any]])?.first)
        let detail = try XCTUnwrap(last["detail"] as? String)
        XCTAssertGreaterThan(detail.split(separator: "\n").count, 1, detail)
        XCTAssertFalse((last["message"] as? String ?? "\n").contains("\n"))
        let plain = try run(["history", "--limit", "3"] + shop.dirArgs)
        XCTAssertEqual(plain.stdout.split(separator: "\n").count, 4, plain.stdout)
        let verbose = try run(["history", "--verbose", "--limit", "1"] + shop.dirArgs)
        XCTAssertGreaterThan(verbose.stdout.split(separator: "\n").count, 3, verbose.stdout)
        let log = try String(contentsOfFile: shop.layout.logPath, encoding: .utf8)
        XCTAssertFalse(log.contains("btreeInitPage() returns error code 11\nPage"), "backup.log stays one line an entry")
    }

    func testDamagedPagesInAWALDatabaseAreCriticalAndNamed() throws { try checkDamagedLiveDatabase(journal: "WAL") }

    func testDamagedPagesInARollbackDatabaseAreCriticalAndNamed() throws { try checkDamagedLiveDatabase(journal: "DELETE") }

    func testCheckLiveFindsDamageBeforeAnyBackupRuns() throws {
        let shop = try DemoFixture(sizeMB: 2)
        try damagePages(shop.layout.databasePath)
        let status = try run(["status", "--check-live", "--json"] + shop.dirArgs).json()
        XCTAssertEqual(status["status"] as? String, "CRITICAL")
        XCTAssertEqual(status["liveDatabase"] as? String, "ok", "the cheap check alone cannot see it")
        XCTAssertEqual(status["lastLiveCheckState"] as? String, "damaged")
        XCTAssertNotNil(status["detail"] as? String)
        // And it is remembered for the next plain status.
        assertStatusLine(try run(["status"] + shop.dirArgs), "CRITICAL", exit: 2, contains: "live database damaged")
    }

    // MARK: - Missing, empty, not a database

    func testADeletedDatabaseIsCriticalWithTheBackupToRestore() throws {
        let shop = try DemoFixture()
        let restore = newestVerified(shop)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: shop.layout.databasePath + suffix) }
        assertStatusLine(try run(["status"] + shop.dirArgs), "CRITICAL", exit: 2,
                         contains: "live database missing: restore \(restore) (newest verified")
    }

    func testAnEmptyOrTextDatabaseChangesNothingAndIsCritical() throws {
        for content in ["", "this is not a database\n"] {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("mr5-bad-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: root + "/mr5-pos.db", contents: Data(content.utf8))
            let before = DemoFixture.snapshot(root)
            let word = content.isEmpty ? "empty" : "not an SQLite database"
            assertRefused(try run(["settings", "set", "backup_frequency", "3h", "--data-dir", root]), exit: 2, mentioning: word)
            assertRefused(try run(["create", "--data-dir", root]), exit: 2, mentioning: word)
            let status = try run(["status", "--data-dir", root])
            assertStatusLine(status, "CRITICAL", exit: 2, contains: content.isEmpty ? "live database is empty" : "live database is not an SQLite database")
            XCTAssertEqual(DemoFixture.snapshot(root), before, "no folder, setting or log created")
        }
    }

    // MARK: - Corrupt backups on disk

    func testCorruptBackupsOnDiskAreAWarningWithTheirNames() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let names = BackupEngine(layout: shop.layout).listBackups().filter { $0.kind == .scheduled }.map(\.name)
        for name in names.suffix(2) {
            let path = shop.layout.backupsDir + "/" + name
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
            try handle.seek(toOffset: 8192)
            handle.write(Data(repeating: 0x5A, count: 4096))
            try handle.close()
            XCTAssertEqual(try run(["verify", name] + shop.dirArgs).exitCode, 1)
        }
        let status = try run(["status"] + shop.dirArgs)
        assertStatusLine(status, "WARNING", exit: 1, contains: "2 corrupt backups on disk (")
        for name in names.suffix(2) { XCTAssertTrue(status.stdout.contains(name), status.stdout) }
        let good = BackupEngine(layout: shop.layout).listBackups().filter { $0.kind.isBackup && $0.isRestorable }.count
        XCTAssertTrue(status.stdout.contains(", \(good) backups"), "corrupt ones are not counted as backups: \(status.stdout)")
    }

    // MARK: - Hot journal

    /// A writer in rollback-journal mode killed with SIGKILL mid-transaction after its cache spilled.
    private func crashWriterMidTransaction(_ db: String) throws {
        _ = try sqlite3(db, "PRAGMA journal_mode=DELETE")
        let script = """
        import os, signal, sqlite3, sys
        c = sqlite3.connect(sys.argv[1], isolation_level=None)
        c.execute("PRAGMA cache_size=5")
        c.execute("BEGIN")
        c.execute("UPDATE orders SET notes = 'crash ' || coalesce(notes, '')")
        os.kill(os.getpid(), signal.SIGKILL)
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script, db]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertTrue(FileManager.default.fileExists(atPath: db + "-journal"), "no hot journal was left")
    }

    func testABackupRollsAHotJournalBackAndCopiesTheCommittedData() throws {
        let shop = try DemoFixture()
        let committed = try sqlite3(shop.layout.databasePath, "SELECT count(*) FROM orders WHERE notes LIKE 'crash %'")
        // Set before the crash: writing a setting opens the database read-write, which rolls the journal back.
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        try crashWriterMidTransaction(shop.layout.databasePath)
        let status = try run(["status"] + shop.dirArgs)
        assertStatusLine(status, "WARNING", exit: 1, contains: "hot journal")
        let create = try run(["create", "--json"] + shop.dirArgs)
        XCTAssertEqual(create.exitCode, 0, create.stderr)
        let name = try XCTUnwrap((try create.json()["backup"] as? [String: Any])?["name"] as? String ?? create.json()["name"] as? String)
        let copy = shop.layout.backupsDir + "/" + name
        XCTAssertEqual(try sqlite3(copy, "SELECT count(*) FROM orders WHERE notes LIKE 'crash %'"), committed)
        XCTAssertEqual(try sqlite3(copy, "PRAGMA integrity_check"), "ok")
    }

    func testAHotJournalInAFolderWeCannotWriteIsSaidInOneLine() throws {
        let shop = try DemoFixture()
        try crashWriterMidTransaction(shop.layout.databasePath)
        // The backup folders may be written by anyone, the database's folder only by its owner.
        for dir in [shop.layout.backupsDir, shop.layout.preUpdateDir, shop.layout.metaDir, shop.layout.logsDir] {
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir)
        }
        for file in [shop.layout.databasePath, shop.layout.databasePath + "-journal"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: file)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shop.dataDir)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shop.root)
        let r = try asNobody(["create", "--data-dir", shop.dataDir])
        XCTAssertEqual(r.exitCode, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("unfinished transaction from a crash (hot journal)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("start the POS app once, or run mr5-backup as the owner (running as nobody; owned by root)"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: shop.layout.databasePath + "-journal"), "the journal is left for SQLite")
    }

    // MARK: - A data dir owned by someone else

    func testReadOnlyWorkRunsAndWritingWorkSaysWhoMayWrite() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        // Readable by everyone, writable by root only.
        _ = shell("chmod -R a+rX \(shq(shop.root))")
        let before = DemoFixture.snapshot(shop.dataDir)
        let list = try asNobody(["list", "--data-dir", shop.dataDir])
        XCTAssertEqual(list.exitCode, 0, list.stderr)
        let status = try asNobody(["status", "--data-dir", shop.dataDir])
        XCTAssertEqual(status.stdout.split(separator: "\n").count, 1, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("OK - "), status.stdout)
        let verify = try asNobody(["verify", "--data-dir", shop.dataDir])
        XCTAssertEqual(verify.exitCode, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("(read-only data dir: not recorded)"), verify.stdout)
        for command in [["create"], ["prune"], ["settings", "set", "backup_frequency", "6h"]] {
            let r = try asNobody(command + ["--data-dir", shop.dataDir])
            XCTAssertEqual(r.exitCode, command[0] == "settings" ? 1 : 1, "\(command): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("permission denied (running as nobody; owned by root)"), "\(command): \(r.stderr)")
        }
        XCTAssertEqual(DemoFixture.snapshot(shop.dataDir), before, "nothing written as nobody")
    }

    /// A monitor run as another user against a `backups/` folder closed to it (0700) must
    /// say "permission denied", not "no backup named ..." or "no backups on disk".
    func testABackupFolderClosedToThisUserSaysPermissionDeniedNotNoBackups() throws {
        let shop = try DemoFixture()
        // A scheduler is expected and none runs: its lock is in backups/, so that is unknown too.
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "true"] + shop.dirArgs).exitCode, 0)
        let name = newestVerified(shop)
        // As the engine makes them: backups/ and logs/ (the history) 0700.
        _ = shell("chmod -R a+rX \(shq(shop.root)) && chmod 0700 \(shq(shop.layout.backupsDir)) \(shq(shop.layout.logsDir))")
        let before = DemoFixture.snapshot(shop.dataDir)
        let denied = "cannot read \(shop.layout.backupsDir): permission denied (running as nobody; owned by root)"
        for command in [["list"], ["verify"], ["verify", name], ["restore", name, "--yes"], ["delete", name, "--yes"],
                        ["prune", "--dry-run"]] {
            let r = try asNobody(command + ["--data-dir", shop.dataDir])
            XCTAssertEqual(r.exitCode, 1, "\(command): \(r.stdout + r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(denied), "\(command): \(r.stderr)")
        }
        let status = try asNobody(["status", "--data-dir", shop.dataDir])
        XCTAssertEqual(status.exitCode, 3, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("UNKNOWN - " + denied), status.stdout)
        XCTAssertFalse(status.stdout.contains("no verified backup"), status.stdout)
        XCTAssertFalse(status.stdout.contains("no backups on disk"), status.stdout)
        XCTAssertFalse(status.stdout.contains("no successful backup"), status.stdout)
        XCTAssertFalse(status.stdout.contains("no scheduler running"), status.stdout)
        // Counts that cannot be known are "U" in the performance data and absent in JSON, never 0.
        XCTAssertTrue(status.stdout.contains(" backups=U;;;0 failures=U;1;3;0 "), status.stdout)
        XCTAssertTrue(status.stdout.hasSuffix(" size=U\n"), status.stdout)
        let json = try asNobody(["status", "--json", "--data-dir", shop.dataDir])
        XCTAssertEqual(json.exitCode, 3, json.stdout)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["status"] as? String, "UNKNOWN")
        for key in ["backupCount", "corruptBackupCount", "schedulerRunning", "notifyPending"] { XCTAssertNil(object[key], "\(key): \(json.stdout)") }
        // A closed data dir is named as the folder that cannot be read.
        _ = shell("chmod 0700 \(shq(shop.dataDir))")
        let list = try asNobody(["list", "--data-dir", shop.dataDir])
        XCTAssertEqual(list.exitCode, 1, list.stdout + list.stderr)
        XCTAssertTrue(list.stderr.contains("cannot read \(shop.dataDir): permission denied"), list.stderr)
        // A closed folder above the data dir is not "data dir not found", and claims no counts.
        _ = shell("chmod 0700 \(shq(shop.root))")
        let above = try asNobody(["status", "--json", "--data-dir", shop.dataDir])
        XCTAssertEqual(above.exitCode, 3, above.stdout)
        let unknown = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(above.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(unknown["summary"] as? String, "UNKNOWN - cannot read \(shop.root): permission denied (running as nobody; owned by root)")
        for key in ["backupCount", "corruptBackupCount", "schedulerRunning", "notifyPending"] { XCTAssertNil(unknown[key], "\(key): \(above.stdout)") }
        XCTAssertEqual(DemoFixture.snapshot(shop.dataDir), before, "nothing written as nobody")
    }

    // MARK: - A restore refused by the POS holding its write lock

    func testARestoreRefusedByAHeldWriteLockLeavesNoSavedCopy() throws {
        let shop = try DemoFixture()
        let name = newestVerified(shop)
        let holder = try WriteLockHolder(database: shop.layout.databasePath)
        defer { holder.release() }
        let before = listDir(shop.dataDir).sorted()
        let savedBefore = before.filter { $0.contains(".corrupted.") }

        let r = try run(["restore", name, "--yes", "--busy-timeout", "1"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 1, r.stdout + r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("locked"), r.stderr)
        XCTAssertEqual(listDir(shop.dataDir).filter { $0.contains(".corrupted.") }.sorted(), savedBefore, "a refused restore leaves no saved copy")
        XCTAssertEqual(listDir(shop.dataDir).sorted(), before)
    }

    // MARK: - A clock that jumps back

    func testAClockSetBackKeepsItsBackupsAndIsAWarning() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let faketime = ["/usr/bin/faketime", "-f", "@2001-01-01 08:00:00"]
        let env = ["FAKETIME_DONT_FAKE_MONOTONIC": "1", "NO_FAKE_STAT": "1"]
        let first = try runWrapped(faketime, ["create", "--data-dir", shop.dataDir], env: env)
        XCTAssertEqual(first.exitCode, 0, first.stderr)
        let made = BackupEngine(layout: shop.layout).listBackups().first { $0.name.hasPrefix("backup-2001-01-01-") }?.name
        let second = try runWrapped(faketime, ["create", "--data-dir", shop.dataDir], env: env)
        XCTAssertEqual(second.exitCode, 0, second.stderr)
        let names = BackupEngine(layout: shop.layout).listBackups().map(\.name)
        XCTAssertTrue(names.contains(try XCTUnwrap(made)), "the backup made under the old clock must stay: \(names)")
        XCTAssertEqual(names.filter { $0.hasPrefix("backup-2001-01-01-") }.count, 2, "\(names)")

        let status = try runWrapped(faketime, ["status", "--data-dir", shop.dataDir], env: env)
        assertStatusLine(status, "WARNING", exit: 1, contains: "backups are dated after the current time (2001-01-01 08:00): set the date")
        XCTAssertTrue(status.stdout.range(of: #"next due in ([0-9]+m|[0-2]h[0-9]*m?|3h)"#, options: .regularExpression) != nil,
                      "the next run is at most one interval away: \(status.stdout)")
    }
}
