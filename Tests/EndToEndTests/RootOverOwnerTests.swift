import BackupEngine
import DemoShop
import Foundation
import TestSupport
import XCTest

/// A root-run mr5-backup over a data dir that belongs to the POS user (`nobody` here),
/// who plants links, programs and config in it as an attacker would (with `setpriv`).
/// The tool is started as root and switches to the owner in-process (launching it through
/// setpriv would hide a failed switch). After each attack: the root-owned canary outside
/// the data dir is unchanged, no planted program ran as root, and a refusal is one line.
final class RootOverOwnerTests: XCTestCase {
    static let nobody: uid_t = 65534

    /// A demo shop owned by nobody, a root-only canary beside it, and a marker path a
    /// planted program writes its uid into.
    final class Shop {
        let tmp = TempDir("mr5-root")
        let dataDir: String
        let canary: String
        let canaryText = "root's secret \(UUID().uuidString)\n"
        var marker: String { dataDir + "/ran-as" }
        var layout: DataLayout { DataLayout(dataDir: dataDir) }
        var dirArgs: [String] { ["--data-dir", dataDir] }

        init() throws {
            dataDir = tmp.file("shop")
            _ = try DemoShop.create(at: dataDir, sizeMB: 1)
            canary = tmp.file("canary")
            try canaryText.write(toFile: canary, atomically: false, encoding: .utf8)
            chmod(canary, 0o600)
            try giveAll(dataDir, to: RootOverOwnerTests.nobody)
        }

        /// Runs a command as nobody (the attacker, or the POS user afterwards).
        @discardableResult
        func asNobody(_ executable: String, _ args: [String], stdin: String = "") throws -> ProcessResult {
            try ChildProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", executable] + args,
                                 env: ["HOME": "/nonexistent"], stdin: stdin)
        }

        /// Writes `text` to `path` as nobody (so the file is the attacker's).
        func plant(_ text: String, at path: String, mode: String = "600") throws {
            let r = try asNobody("/bin/sh", ["-c", "umask 077; cat > \"$1\" && chmod \(mode) \"$1\"", "sh", path], stdin: text)
            XCTAssertEqual(r.exitCode, 0, r.stderr)
        }

        func link(_ target: String, at path: String) throws {
            let r = try asNobody("/bin/ln", ["-sfn", target, path])
            XCTAssertEqual(r.exitCode, 0, r.stderr)
        }

        /// A program that records the uid it ran as.
        func plantProgram() throws -> String {
            let path = dataDir + "/evil.sh"
            // Reads its input (a notification's JSON) so the sender never meets a closed pipe.
            try plant("#!/bin/sh\nid -u > '\(marker)'\ncat > /dev/null\nexit 1\n", at: path, mode: "755")
            return path
        }

        func assertCanaryIntact(file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(try? String(contentsOfFile: canary, encoding: .utf8), canaryText, "the root-owned canary changed", file: file, line: line)
            XCTAssertEqual(FileSystem.ownerID(canary, followingLinks: false), 0, file: file, line: line)
        }

        /// The planted program did not run as root: its marker is absent or says 65534.
        func assertNothingRanAsRoot(file: StaticString = #filePath, line: UInt = #line) {
            guard let uid = try? String(contentsOfFile: marker, encoding: .utf8) else { return }
            XCTAssertEqual(uid.trimmingCharacters(in: .whitespacesAndNewlines), "65534", "a planted program ran as uid \(uid)", file: file, line: line)
            XCTAssertEqual(FileSystem.ownerID(marker, followingLinks: false), RootOverOwnerTests.nobody, file: file, line: line)
        }

        /// Every path under the data dir that does not belong to nobody.
        func notOwnedByNobody() -> [String] {
            var out: [String] = []
            guard let walker = FileManager.default.enumerator(atPath: dataDir) else { return ["(unreadable)"] }
            while let relative = walker.nextObject() as? String {
                var st = stat()
                if lstat(dataDir + "/" + relative, &st) == 0, st.st_uid != RootOverOwnerTests.nobody { out.append("\(relative) (uid \(st.st_uid))") }
            }
            return out
        }
    }

    override func setUpWithError() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv")
        }
    }

    /// The refusal after the `running as nobody` note: two lines in all, the last one naming `text`.
    func assertRefusedAfterSwitch(_ r: ProcessResult, mentioning text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.exitCode, 0, file: file, line: line)
        XCTAssertTrue(r.stderrLines.first?.contains("running as nobody, the owner of") == true, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 2, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderrLines.last?.contains(text) == true, "stderr lacks '\(text)': \(r.stderr)", file: file, line: line)
    }

    // MARK: - Acting as the owner

    func testRootCreateRunsAsTheOwnerSaysSoOnStderrAndLeavesOnlyTheOwnersFiles() throws {
        let shop = try Shop()
        let r = try run(["create", "--json"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stderrLines, ["mr5-backup: running as nobody, the owner of \(shop.dataDir)"])
        XCTAssertNoThrow(try r.json(), "stdout stays pure JSON")
        XCTAssertEqual(shop.notOwnedByNobody(), [])
        let status = try run(["status"] + shop.dirArgs)
        XCTAssertTrue(status.stdout.hasPrefix("WARNING") || status.stdout.hasPrefix("OK"), status.stdout)
        XCTAssertFalse(status.stdout.contains("running as"), "the note never goes to stdout")
    }

    func testFilesAnEarlierRootRunLeftAreGivenBackAndALinkRootOwnsIsRefusedWithTheChownLine() throws {
        let shop = try Shop()
        let stray = shop.layout.logsDir + "/.notify.lock"
        FileManager.default.createFile(atPath: stray, contents: Data())  // as root, as 0.2.0 left it
        let r = try run(["list"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("gave 1 file left by root back to nobody"), r.stderr)
        XCTAssertEqual(FileSystem.ownerID(stray, followingLinks: false), Self.nobody)

        let rootLink = shop.layout.logsDir + "/planted"
        XCTAssertEqual(symlink(shop.canary, rootLink), 0)
        let refused = try run(["list"] + shop.dirArgs)
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("chown -h nobody '\(rootLink)'"), refused.stderr)
        shop.assertCanaryIntact()
    }

    func testRootRestoreLeavesADatabaseTheOwnerOpensAndTheOwnersCommandsWorkAfterwards() throws {
        let shop = try Shop()
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let name = BackupEngine(layout: shop.layout).listBackups().first { $0.kind.isRegular }!.name
        let r = try run(["restore", name, "--yes"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(shop.notOwnedByNobody(), [])
        let binary = try BuiltProduct.backup.required()
        let read = try shop.asNobody("/usr/bin/sqlite3", ["-readonly", shop.layout.databasePath, "SELECT count(*) FROM orders"])
        XCTAssertEqual(read.exitCode, 0, read.stderr)
        XCTAssertEqual(try shop.asNobody(binary, ["verify", "--all"] + shop.dirArgs).exitCode, 0)
        let undo = try shop.asNobody(binary, ["undo-restore", "--yes"] + shop.dirArgs)
        XCTAssertEqual(undo.exitCode, 0, undo.stderr)
        let test = try shop.asNobody(binary, ["notify", "test"] + shop.dirArgs)
        XCTAssertNotEqual(test.exitCode, 1, test.stderr)
    }

    func testRecoveryIntoAFolderRootOwnsNeedsOwnerAndThenHandsTheDatabaseToThatUser() throws {
        let shop = try Shop()
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let name = BackupEngine(layout: shop.layout).listBackups().first { $0.kind.isRegular }!.name
        // The new terminal: an empty folder root made, holding only the backups folder copied in.
        let fresh = shop.tmp.file("new-terminal")
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: shop.layout.backupsDir, toPath: fresh + "/backups")
        try giveAll(fresh, to: 0)
        let refused = try run(["restore", name, "--yes", "--data-dir", fresh])
        assertRefused(refused, exit: 2, mentioning: "add --owner USER")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh + "/mr5-pos.db"))

        let r = try run(["restore", name, "--yes", "--owner", "nobody", "--data-dir", fresh])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(FileSystem.ownerID(fresh + "/mr5-pos.db", followingLinks: false), Self.nobody)
        let read = try shop.asNobody("/usr/bin/sqlite3", ["-readonly", fresh + "/mr5-pos.db", "PRAGMA quick_check"])
        XCTAssertEqual(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok", read.stderr)
    }

    // MARK: - Programs the owner planted

    func testAPlantedCommandTargetNeverRunsAsRoot() throws {
        let shop = try Shop()
        let program = try shop.plantProgram()
        let binary = try BuiltProduct.backup.required()
        XCTAssertEqual(try shop.asNobody(binary, ["notify", "add", "command", program] + shop.dirArgs).exitCode, 0)
        _ = try run(["notify", "test"] + shop.dirArgs)
        _ = try run(["verify", "--all"] + shop.dirArgs)
        XCTAssertTrue(FileManager.default.fileExists(atPath: shop.marker), "the target is the owner's own: it runs, as the owner")
        shop.assertNothingRanAsRoot()
    }

    func testAnOutboxLineNamingACommandIsDroppedNotRun() throws {
        let shop = try Shop()
        let program = try shop.plantProgram()
        // A real waiting delivery (its receiver is down), then its target rewritten by hand
        // into a command; the targets file still names only the webhook.
        let binary = try BuiltProduct.backup.required()
        let dead = "http://127.0.0.1:\(FreePort.pick())/hook"
        XCTAssertEqual(try shop.asNobody(binary, ["notify", "add", "webhook", dead] + shop.dirArgs).exitCode, 0)
        _ = try shop.asNobody(binary, ["notify", "test"] + shop.dirArgs)
        let waiting = try String(contentsOfFile: shop.layout.notifyOutboxPath, encoding: .utf8)
        let stored = dead.replacingOccurrences(of: "/", with: "\\/")  // JSONEncoder escapes slashes
        XCTAssertTrue(waiting.contains(stored), waiting)
        let forged = waiting.replacingOccurrences(of: "\"kind\":\"webhook\"", with: "\"kind\":\"command\"")
            .replacingOccurrences(of: stored, with: program)
        XCTAssertNotEqual(forged, waiting)
        try shop.asNobody("/bin/rm", [shop.layout.notifyOutboxPath])
        try shop.plant(forged, at: shop.layout.notifyOutboxPath)
        _ = try run(["notify", "flush"] + shop.dirArgs)
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.marker), "a command named only by the outbox ran")
        let log = (try? String(contentsOfFile: shop.layout.logPath, encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("that target is not in the notification targets file"), log)
        XCTAssertFalse((try String(contentsOfFile: shop.layout.notifyOutboxPath, encoding: .utf8)).contains(program))
    }

    func testTargetsWritableByOthersAreRefusedAndStatusIsCritical() throws {
        let shop = try Shop()
        let program = try shop.plantProgram()
        let targets = shop.layout.notifyTargetsPath
        try shop.plant("[{\"kind\":\"command\",\"target\":\"\(program)\"}]", at: targets, mode: "666")
        let status = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(status.exitCode, 2, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("CRITICAL - the notification targets file is writable by others: \(targets)"), status.stdout)
        let json = try run(["status", "--json"] + shop.dirArgs).json()
        let findings = json["findings"] as? [[String: Any]] ?? []
        let untrusted = findings.first { $0["kind"] as? String == "untrusted_file" }
        XCTAssertEqual(untrusted?["level"] as? String, "CRITICAL", "\(findings)")
        XCTAssertEqual(untrusted?["path"] as? String, targets)
        _ = try run(["notify", "test"] + shop.dirArgs)
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.marker), "a command from a file anyone can write ran")
    }

    func testSftpCommandInTheOffsiteConfigNeverRunsAsRootAndALooseConfigIsRefused() throws {
        let shop = try Shop()
        // As ssh would be, with restic waiting on its stdin: it reads nothing and exits.
        let program = shop.dataDir + "/evil.sh"
        try shop.plant("#!/bin/sh\nid -u > '\(shop.marker)'\nexit 1\n", at: program, mode: "755")
        let offsite = shop.layout.metaDir + "/offsite"
        try shop.asNobody("/bin/mkdir", ["-p", "-m", "700", offsite])
        let config = """
            {"repository":"sftp:evil@127.0.0.1:/repo","options":["sftp.command=\(program)"],"configuredAt":"2026-12-04T10:00:00Z",\
            "keepDaily":7,"keepWeekly":8,"keepMonthly":12}
            """
        try shop.plant(config, at: offsite + "/config.json")
        try shop.plant("pw\n", at: offsite + "/password")
        _ = try run(["offsite", "push"] + shop.dirArgs)
        shop.assertNothingRanAsRoot()

        try? FileManager.default.removeItem(atPath: shop.marker)
        XCTAssertEqual(try shop.asNobody("/bin/chmod", ["664", offsite + "/config.json"]).exitCode, 0)
        let refused = try run(["offsite", "push"] + shop.dirArgs)
        assertRefusedAfterSwitch(refused, mentioning: "the off-site config is writable by its group")
        XCTAssertFalse(FileManager.default.fileExists(atPath: shop.marker))
    }

    // MARK: - Links planted where we write

    func testLinkedLocksAreRefusedAndTheirTargetsUntouched() throws {
        let shop = try Shop()
        for (lock, args) in [(shop.layout.operationLockPath, ["create"]), (shop.layout.operationLockPath, ["delete", "backup-x.db", "--yes"]),
                             (shop.layout.notifyLockPath, ["notify", "test"])] {
            try shop.link(shop.canary, at: lock)
            let r = try run(args + shop.dirArgs)
            if lock == shop.layout.operationLockPath, args[0] == "create" {
                assertRefusedAfterSwitch(r, mentioning: "refusing \(lock): it is a symbolic link")
            }
            shop.assertCanaryIntact()
            try shop.asNobody("/bin/rm", ["-f", lock])
        }
        try shop.link(shop.canary, at: shop.layout.schedulerLockPath)
        let daemon = try run(["daemon"] + shop.dirArgs)
        XCTAssertNotEqual(daemon.exitCode, 0)
        XCTAssertTrue(daemon.stderr.contains("refusing \(shop.layout.schedulerLockPath): it is a symbolic link"), daemon.stderr)
        shop.assertCanaryIntact()
    }

    func testLinkedLogHistoryAndMetricsNeverWriteOutside() throws {
        let shop = try Shop()
        let created = shop.tmp.file("nologin")
        try shop.link(shop.canary, at: shop.layout.logPath)
        try shop.link(created, at: shop.layout.historyPath)
        try shop.link(shop.canary, at: shop.layout.defaultMetricsPath)
        _ = try run(["create"] + shop.dirArgs)
        _ = try run(["verify", "--all"] + shop.dirArgs)
        shop.assertCanaryIntact()
        XCTAssertFalse(FileManager.default.fileExists(atPath: created), "root created a file through a planted link")
    }

    func testALinkedTerminalIDIsNeverRead() throws {
        let shop = try Shop()
        let receiver = try HTTPReceiver(log: shop.tmp.file("requests.jsonl"))
        let binary = try BuiltProduct.backup.required()
        XCTAssertEqual(try shop.asNobody(binary, ["notify", "add", "webhook", "http://127.0.0.1:\(receiver.port)/hook"] + shop.dirArgs).exitCode, 0)
        try shop.asNobody("/bin/rm", ["-f", shop.layout.metaDir + "/terminal-id"])
        try shop.link(shop.canary, at: shop.layout.metaDir + "/terminal-id")
        try shop.asNobody("/bin/mv", [shop.layout.databasePath, shop.layout.databasePath + ".away"])
        _ = try run(["notify", "test"] + shop.dirArgs)
        let bodies = receiver.requests().map(\.body).joined()
        XCTAssertFalse(bodies.isEmpty, "the webhook heard nothing")
        XCTAssertFalse(bodies.contains("root's secret"), bodies)
        shop.assertCanaryIntact()
    }

    func testBackupsLinkedToAnotherShopIsRefusedAndThatShopKeepsItsBackups() throws {
        let shop = try Shop()
        let other = shop.tmp.file("other-shop")
        _ = try DemoShop.create(at: other, sizeMB: 1)
        try giveAll(other, to: 4242)
        let before = try FileManager.default.contentsOfDirectory(atPath: other + "/backups").sorted()
        try shop.asNobody("/bin/mv", [shop.layout.backupsDir, shop.dataDir + "/backups.mine"])
        XCTAssertEqual(symlink(other + "/backups", shop.layout.backupsDir), 0)
        _ = lchown(shop.layout.backupsDir, Self.nobody, Self.nobody)
        for args in [["create"], ["prune"], ["list"]] {
            let r = try run(args + shop.dirArgs)
            // Refused before the switch: root sees whose folder the link leads to.
            assertRefused(r, exit: 1, mentioning: "refusing \(shop.layout.backupsDir): it is a link to a folder that belongs to 4242")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: other + "/backups").sorted(), before)
    }

    func testBackupsOnASecondDiskThroughTheOwnersLinkStillWork() throws {
        let shop = try Shop()
        let disk = shop.tmp.file("second-disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: false)
        try giveAll(disk, to: Self.nobody)
        try shop.asNobody("/bin/mv", [shop.layout.backupsDir, disk + "/backups"])
        try shop.link(disk + "/backups", at: shop.layout.backupsDir)
        let r = try run(["create"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(shop.notOwnedByNobody(), [])
        XCTAssertEqual(try run(["verify", "--all"] + shop.dirArgs).exitCode, 0)
    }

    func testALinkPlantedAtEveryRestoreTempNameAndAWatcherSwappingOneInNeverReachesTheCanary() throws {
        let shop = try Shop()
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let name = BackupEngine(layout: shop.layout).listBackups().first { $0.kind.isRegular }!.name
        // The names 0.2.0 used, planted ahead, and a watcher that turns every new temp file
        // (and its side copies) into a link to the canary as soon as it appears.
        for pid in 1...5 { try shop.link(shop.canary, at: shop.dataDir + "/.tmp-\(pid)-restore.db") }
        let watcher = try ChildProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", """
            cd '\(shop.dataDir)' || exit 1
            while :; do for f in .tmp-*; do [ -f "$f" ] && [ ! -L "$f" ] && ln -sfn '\(shop.canary)' "$f.x" && mv -f "$f.x" "$f"; done; done
            """])
        defer { watcher.killHard() }
        for _ in 0..<3 {
            _ = try run(["restore", name, "--yes"] + shop.dirArgs)
            shop.assertCanaryIntact()
        }
    }

    func testALiveDatabaseLinkedToAnotherUsersFileIsRefused() throws {
        let shop = try Shop()
        let rootDB = shop.tmp.file("root.db")
        _ = try sqlite3(rootDB, "CREATE TABLE secret(x); INSERT INTO secret VALUES ('root only');")
        chmod(rootDB, 0o600)
        try shop.asNobody("/bin/rm", ["-f", shop.layout.databasePath, shop.layout.databasePath + "-wal", shop.layout.databasePath + "-shm"])
        try shop.link(rootDB, at: shop.layout.databasePath)
        let backupsBefore = try FileManager.default.contentsOfDirectory(atPath: shop.layout.backupsDir).sorted()
        let r = try run(["create"] + shop.dirArgs)
        assertRefusedAfterSwitch(r, mentioning: "the live database belongs to root, not to nobody")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shop.layout.backupsDir).sorted(), backupsBefore)
    }

    func testALiveDatabaseBehindTheOwnersLinkBacksUpAndRestoresInPlace() throws {
        let shop = try Shop()
        let real = shop.dataDir + "/db/real.db"
        try shop.asNobody("/bin/mkdir", [shop.dataDir + "/db"])
        try shop.asNobody("/bin/mv", [shop.layout.databasePath, real])
        try shop.link(real, at: shop.layout.databasePath)
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let name = BackupEngine(layout: DataLayout(dataDir: shop.dataDir, databasePath: real)).listBackups().first { $0.kind.isRegular }!.name
        _ = try sqlite3(real, "DELETE FROM orders;")
        let r = try run(["restore", name, "--yes"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(FileSystem.info(shop.layout.databasePath)?.isSymlink, true, "the link stays")
        XCTAssertNotEqual(try sqlite3(real, "SELECT count(*) FROM orders;").trimmingCharacters(in: .whitespacesAndNewlines), "0")
        XCTAssertEqual(FileSystem.ownerID(real, followingLinks: false), Self.nobody)
    }

    // MARK: - Links that would lead root elsewhere

    func testBackupsLinkedToARootFolderIsNeverGivenAwayOrWalked() throws {
        let shop = try Shop()
        let victim = shop.tmp.file("victim")
        try FileManager.default.createDirectory(atPath: victim + "/sub", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: victim + "/sub/file", contents: Data("root's".utf8))
        try shop.asNobody("/bin/mv", [shop.layout.backupsDir, shop.dataDir + "/backups.mine"])
        try shop.link(victim, at: shop.layout.backupsDir)
        _ = try run(["list"] + shop.dirArgs)
        _ = try run(["create"] + shop.dirArgs)
        for path in [victim, victim + "/sub", victim + "/sub/file"] {
            XCTAssertEqual(FileSystem.ownerID(path, followingLinks: false), 0, "\(path) was given away")
        }
    }

    func testADataDirPathThatIsTheOwnersLinkToARootFolderIsRefusedWithAndWithoutOwner() throws {
        let shop = try Shop()
        let victim = shop.tmp.file("victim")
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: victim + "/file", contents: Data("root's".utf8))
        let link = shop.dataDir + "/elsewhere"
        try shop.link(victim, at: link)
        for extra in [["--owner", "nobody"], []] {
            let r = try run(["list", "--data-dir", link] + extra)
            assertRefused(r, exit: 1, mentioning: "the way to the data dir goes through a link that belongs to nobody")
        }
        XCTAssertEqual(FileSystem.ownerID(victim, followingLinks: false), 0)
        XCTAssertEqual(FileSystem.ownerID(victim + "/file", followingLinks: false), 0)
    }

    func testARootOwnedDataDirWithAFolderOthersCanWriteIsRefused() throws {
        let tmp = TempDir("mr5-root")
        let dir = tmp.file("shop")
        _ = try DemoShop.create(at: dir, sizeMB: 1)
        XCTAssertEqual(try run(["list", "--data-dir", dir]).exitCode, 0, "root's own data dir is used as root")
        chmod(dir + "/backups", 0o770)
        let r = try run(["create", "--data-dir", dir])
        assertRefused(r, exit: 1, mentioning: "refusing \(dir)/backups: it is writable by its group or others in a data dir root owns")
    }

    func testAPlantedProgramNeverGetsTheTechniciansTerminal() throws {
        let shop = try Shop()
        let program = shop.dataDir + "/evil.sh"
        // What a TIOCSTI injection needs first: the controlling terminal, through /dev/tty.
        try shop.plant("#!/bin/sh\nif (exec 3</dev/tty) 2>/dev/null; then echo terminal; else echo none; fi > '\(shop.marker)'\ncat > /dev/null\n",
                       at: program, mode: "755")
        let binary = try BuiltProduct.backup.required()
        XCTAssertEqual(try shop.asNobody(binary, ["notify", "add", "command", program] + shop.dirArgs).exitCode, 0)
        let r = try runInTerminal(["notify", "test"] + shop.dirArgs, stdin: "")
        XCTAssertTrue(r.stdout.contains("ok"), r.stdout)
        XCTAssertEqual(try String(contentsOfFile: shop.marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), "none")
    }

    func testADemoMadeByRootInTheOwnersFolderIsTheOwners() throws {
        let shop = try Shop()
        let demo = shop.dataDir + "/newdemo"
        let r = try run(["demo", "--size-mb", "1", "--data-dir", demo])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("running as nobody, the owner of \(shop.dataDir)"), r.stderr)
        XCTAssertEqual(shop.notOwnedByNobody(), [])
    }

    func testOwnerIsOnlyForAFolderWithNoDatabaseYet() throws {
        let shop = try Shop()
        let r = try run(["list", "--owner", "nobody"] + shop.dirArgs)
        assertRefused(r, exit: 2, mentioning: "--owner is for a data dir with no database yet")
    }

    // MARK: - Clean text

    func testControlBytesInHistoryAndTableNamesNeverReachTheTerminal() throws {
        let shop = try Shop()
        let hostile = "\u{1B}[2J\u{1B}]0;owned\u{07}\u{9B}31m"
        _ = try sqlite3(shop.layout.databasePath, "CREATE TABLE \"t\(hostile)\"(x); INSERT INTO \"t\(hostile)\" VALUES (1);")
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let name = BackupEngine(layout: shop.layout).listBackups().first { $0.kind.isRegular }!.name
        let entry = "{\"startedAt\":\"2026-12-04T10:00:00Z\",\"operation\":\"create\",\"trigger\":\"cli\",\"outcome\":\"failure\",\"durationSeconds\":1,\"message\":\"disk \(hostile.unicodeScalars.map { $0.value < 0x20 || $0.value >= 0x7F ? String(format: "\\\\u%04x", $0.value) : String($0) }.joined()) gone\"}\n"
        let history = try FileHandle(forWritingTo: URL(fileURLWithPath: shop.layout.historyPath))
        history.seekToEndOfFile(); history.write(Data(entry.utf8)); try history.close()
        for args in [["history"], ["status"], ["list"], ["restore", name, "--dry-run"], ["history", "--json"], ["restore", name, "--dry-run", "--json"]] {
            let r = try run(args + shop.dirArgs)
            for (stream, text) in [("stdout", r.stdout), ("stderr", r.stderr)] {
                let bad = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
                XCTAssertTrue(bad.isEmpty, "\(args.joined(separator: " ")) \(stream) holds control bytes: \(bad.map(\.value))")
            }
            XCTAssertFalse(r.stdout.isEmpty, args.joined(separator: " "))
        }
        let log = try String(contentsOfFile: shop.layout.logPath, encoding: .utf8)
        XCTAssertFalse(log.unicodeScalars.contains { $0.value == 0x1B })
    }
}

/// chown -R without following links.
func giveAll(_ path: String, to uid: uid_t) throws {
    let r = try ChildProcess.run("/bin/chown", ["-R", "-h", "\(uid):\(uid)", path])
    guard r.exitCode == 0 else { throw NSError(domain: "chown", code: Int(r.exitCode), userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
}
