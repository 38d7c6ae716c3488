import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The real binary's console in a real terminal (tmux), on a demo data dir.
final class ConsoleTmuxTests: XCTestCase {
    private var session: TmuxSession?
    private var tmp: TempDir?
    private var root: String { tmp?.path ?? "" }
    private var dataDir: String { root + "/shop" }
    private var binary = ""

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
        binary = try BuiltProduct.backup.required()
        tmp = TempDir("mr5-tmux")
        let demo = try run(["demo", "--data-dir", dataDir, "--size-mb", "2"])
        XCTAssertEqual(demo.exitCode, 0, demo.stderr)
    }

    override func tearDown() {
        session?.kill()
        session = nil
        tmp = nil
    }

    private var engine: BackupEngine { BackupEngine(layout: DataLayout(dataDir: dataDir)) }
    private var databasePath: String { dataDir + "/mr5-pos.db" }

    /// Opens the console in a fresh tmux session and waits for the first full screen.
    /// `prefix` goes before the program (`TZ=... `, `setpriv ... `), `options` after it;
    /// `firstText` is what the first screen shows (default: the newest backup's details).
    private func openConsole(width: Int = 100, height: Int = 30, prefix: String = "", options: String = "",
                             firstText: String? = nil) throws -> TmuxSession {
        let s = try TmuxSession(width: width, height: height, directory: root)
        session = s
        try s.typeLine("\(prefix)\(binary) \(options) --data-dir \(dataDir); echo \"console-exit=$?\"")
        try s.waitFor(text: firstText ?? "Details: " + engine.listBackups()[0].name)
        return s
    }

    private static func utcTime(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    func testScreenShowsBackupsAndCreateAddsOneAndQuitLeavesAUsableShell() throws {
        let s = try openConsole()
        let before = engine.listBackups()
        // The console's own scheduler plans a moment after the first frame ("planning…").
        let screen = try s.waitFor(text: "Next backup in")
        for entry in before.prefix(5) {
            XCTAssertTrue(screen.contains(Self.utcTime(entry.createdAt)), "\(entry.name) not on screen:\n\(screen)")
        }
        XCTAssertTrue(screen.contains("✓ verified"), screen)
        XCTAssertTrue(screen.contains("Next backup in"), screen)
        XCTAssertTrue(screen.contains("mr5-backup"), screen)
        XCTAssertTrue(screen.contains("· times in UTC"), screen)

        try s.send("c")
        let created = try s.waitFor("the created backup's name") { $0.contains("Created backup-") }
        let line = try XCTUnwrap(created.split(separator: "\n").first { $0.contains("Created backup-") })
        let name = String(line[line.range(of: "backup-")!.lowerBound...].prefix { $0 != ":" })
        let after = engine.listBackups()
        XCTAssertEqual(after.first?.name, name, "the new backup is on disk and newest")
        XCTAssertFalse(before.contains { $0.name == name })
        try s.waitFor(text: Self.utcTime(after[0].createdAt))

        try s.send("q")
        try s.waitFor(text: "console-exit=0")
        // The terminal is back to normal: echo and line editing work, the screen is the shell's.
        try s.typeLine("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' + ; echo \"sum=$((40+2))\"")
        let shell = try s.waitFor(text: "sum=42")
        XCTAssertTrue(shell.contains("icanon+echo+"), shell)
        XCTAssertFalse(shell.contains("Details:"), "the console's screen is gone:\n\(shell)")
    }

    func testTheConsolesSchedulerWritesMetricsWhereToldAndSaysStoppedOnQuit() throws {
        let metrics = root + "/textfile/mr5.prom"
        let s = try openConsole(options: "--metrics \(metrics)")
        let running = { (try? String(contentsOfFile: metrics, encoding: .utf8))?.contains("mr5_backup_scheduler_running 1") == true }
        XCTAssertTrue(eventually(timeout: 20) { running() }, "the console's scheduler writes its metrics there")
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        XCTAssertTrue(text.contains("mr5_backup_scheduler_running 0"), text)
    }

    func testWithTheDatabaseLockedTheListAndDiskShowAtOnceAndTheBannerSaysLocked() throws {
        let holder = try WriteLockHolder(database: databasePath)
        defer { holder.release() }
        let s = try TmuxSession(width: 100, height: 30, directory: root)
        session = s
        let started = Date()
        try s.typeLine("\(binary) --data-dir \(dataDir); echo \"console-exit=$?\"")
        let screen = try s.waitFor(text: "Details: " + engine.listBackups()[0].name, timeout: 10)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the backups and disk need no database lock")
        XCTAssertTrue(screen.contains("Disk ["), screen)
        try s.waitFor(text: "live database locked by another process", timeout: 10)
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testRestoreCancelChangesNothingThenConfirmRestores() throws {
        // A change made after every backup: a restore must take it away.
        _ = try sqlite3(databasePath, "CREATE TABLE e2e_marker(x); INSERT INTO e2e_marker VALUES (42);")
        let existing = corruptedCopies()   // the demo's own earlier restore left one
        let s = try openConsole()
        let target = engine.listBackups()[1]
        try s.send("j")
        try s.waitFor(text: "Details: " + target.name)

        try s.send("r")
        try s.waitFor(text: "Restore backup?")
        try s.send("n")
        try s.waitFor("the dialog to close") { !$0.contains("Restore backup?") }
        XCTAssertEqual(try sqlite3(databasePath, "SELECT x FROM e2e_marker"), "42", "n changed nothing")
        XCTAssertEqual(corruptedCopies(), existing)

        try s.send("r")
        try s.waitFor(text: "Restore backup?")
        try s.send("Enter")   // Cancel is the default
        try s.waitFor("the dialog to close") { !$0.contains("Restore backup?") }
        XCTAssertEqual(try sqlite3(databasePath, "SELECT x FROM e2e_marker"), "42", "Enter on Cancel changed nothing")

        try s.send("r")
        try s.waitFor(text: "Restore backup?")
        try s.send("y")
        try s.waitFor(text: "Restart the POS app now", timeout: 60)
        // The database now holds exactly the backup's contents.
        XCTAssertEqual(try sqlite3(databasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'e2e_marker'"), "0")
        let orders = try XCTUnwrap(target.record?.tables.first { $0.table == "orders" }?.rows)
        XCTAssertEqual(try sqlite3(databasePath, "SELECT count(*) FROM orders"), String(orders))
        XCTAssertEqual(try sqlite3(databasePath, "PRAGMA quick_check"), "ok")
        // The database as it was is kept, marker included.
        let saved = try XCTUnwrap(corruptedCopies().first { !existing.contains($0) })
        XCTAssertEqual(try sqlite3(dataDir + "/" + saved, "SELECT x FROM e2e_marker"), "42")
        try s.send("Enter")
        try s.waitFor("the notice to close") { !$0.contains("Restart the POS app now") }
    }

    func testTheRestoreDialogSaysWhatARestoreOfThePreUpdateBackupCosts() throws {
        let s = try openConsole()
        let list = engine.listBackups()
        let index = try XCTUnwrap(list.firstIndex { $0.kind == .preUpdate && $0.appVersion == "2.4.0" }, "the demo's pre-update backup of 2 days ago")
        for _ in 0..<index { try s.send("j") }
        try s.waitFor(text: "Details: " + list[index].name)
        let before = try sqlite3(databasePath, "SELECT count(*) FROM orders")
        try s.send("r")
        try s.waitFor(text: "Restore backup?")
        let screen = try s.waitFor("the consequence sentence", timeout: 30) {
            dialogText($0, title: "Restore backup?").contains("leave the live database")
        }
        let text = dialogText(screen, title: "Restore backup?")
        let preview = try engine.restorePreview(name: list[index].name)
        XCTAssertTrue(text.contains(preview.consequence), text)
        XCTAssertTrue(text.contains(RestorePreview.restartAdvice), text)
        XCTAssertTrue(text.contains("Table") && text.contains("In backup") && text.contains("Change"), text)
        XCTAssertTrue(text.contains("orders"), text)
        try s.send("Enter")   // Cancel is still the default
        try s.waitFor("the dialog to close") { !$0.contains("Restore backup?") }
        XCTAssertEqual(try sqlite3(databasePath, "SELECT count(*) FROM orders"), before, "nothing restored")
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testUOpensTheRestoreDialogOnTheCopyTheLastRestoreSaved() throws {
        let saved = try XCTUnwrap(engine.lastSavedCopy(), "the demo's earlier restore saved a copy")
        let s = try openConsole()
        try s.send("u")
        let screen = try s.waitFor("the comparison", timeout: 30) {
            dialogText($0, title: "Undo the last restore?").contains(RestorePreview.restartAdvice)
        }
        XCTAssertTrue(dialogText(screen, title: "Undo the last restore?").contains("Copy:     " + saved.name), screen)
        try s.send("Escape")
        try s.waitFor(text: "Details: " + saved.name)
        XCTAssertEqual(engine.lastSavedCopy()?.name, saved.name, "nothing restored")
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testNSendsATestAlertToARealWebhookAndShowsHowItWent() throws {
        let receiver = try HTTPReceiver(log: root + "/hook.jsonl")
        defer { receiver.stop() }
        try engine.addNotifyTarget(NotifyTarget(kind: .webhook, target: receiver.url + "/hook"))
        let s = try openConsole()
        try s.waitFor(text: "Alerts: webhook ")   // "not sent yet", unless the scheduler delivered an event already
        try s.send("n")
        let screen = try s.waitFor(text: "webhook http://127.0.0.1:\(receiver.port)/… ok ", timeout: 30)
        XCTAssertTrue(screen.contains("Alert test: every delivery ok"), screen)
        XCTAssertTrue(receiver.requests().contains { $0.method == "POST" && $0.path == "/hook" && $0.body.contains("test notification") },
                      "\(receiver.requests())")
        try s.send("Enter")
        try s.waitFor(text: "Alerts: webhook ✓ just now")
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testDeleteConfirmedRemovesTheFile() throws {
        let s = try openConsole()
        let target = engine.listBackups()[1]
        try s.send("j")
        try s.waitFor(text: "Details: " + target.name)
        try s.send("d")
        try s.waitFor(text: "Delete backup?")
        try s.send("y")
        try s.waitFor(text: "Deleted " + target.name)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
        XCTAssertFalse(engine.listBackups().contains { $0.name == target.name })
    }

    func testBackupByAnotherProcessAppears() throws {
        let s = try openConsole()
        let made = try run(["--data-dir", dataDir, "create"])
        XCTAssertEqual(made.exitCode, 0, made.stderr)
        let newest = try XCTUnwrap(engine.listBackups().first)
        XCTAssertTrue(made.stdout.contains(newest.name), made.stdout)
        try s.waitFor(text: Self.utcTime(newest.createdAt), timeout: 10)
        try s.send("g")
        try s.waitFor(text: "Details: " + newest.name)
        // And a file deleted by hand goes away.
        let gone = engine.listBackups()[2]
        try FileManager.default.removeItem(atPath: gone.path)
        try s.send("j", "j")
        try s.waitFor("the deleted file to leave the list", timeout: 10) { !$0.contains("Details: " + gone.name) && $0.contains("Details: ") }
    }

    func testResizeToCompactAndTooSmallStillDraws() throws {
        let s = try openConsole()
        try s.resize(width: 60, height: 20)
        try s.waitFor("the compact layout") { $0.contains("Next backup in") && !$0.contains("Details:") }
        try s.resize(width: 30, height: 8)
        try s.waitFor(text: "terminal too small")
        try s.resize(width: 100, height: 30)
        try s.waitFor(text: "Details: ")
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testUnknownTermIsOneLineAndExit2() throws {
        let s = try TmuxSession(width: 100, height: 30, directory: root)
        session = s
        try s.typeLine("TERM=no-such-terminal \(binary) --data-dir \(dataDir); echo \"console-exit=$?\"")
        let screen = try s.waitFor(text: "console-exit=2")
        XCTAssertTrue(screen.contains("TERM=no-such-terminal"), screen)
        XCTAssertFalse(screen.contains("Error opening terminal"), screen)
        // A known type that cannot move the cursor: refused the same way, no blank screen.
        try s.typeLine("clear; TERM=dumb \(binary) --data-dir \(dataDir); echo \"dumb-exit=$?\"")
        let dumb = try s.waitFor(text: "dumb-exit=2")
        XCTAssertTrue(dumb.contains("TERM=dumb cannot move the cursor"), dumb)
        // Not a terminal at all (a pipe): the same kind of message.
        let piped = try run(["--data-dir", dataDir])
        XCTAssertEqual(piped.exitCode, 2, piped.stderr)
        XCTAssertEqual(piped.stderrLines.count, 1, piped.stderr)
    }

    func testCtrlCRestoresTheTerminal() throws {
        let s = try openConsole()
        try s.send("C-c")
        try s.waitFor(text: "console-exit=130")
        try s.typeLine("echo \"sum=$((40+2))\"")
        try s.waitFor(text: "sum=42")
    }

    // MARK: - Honest health

    func testEnterOnAHistoryRowShowsTheWholeTextAndScrolls() throws {
        let problems = (1...40).map { "Page \($0 * 7): btreeInitPage() returns error code 11" }
        let findings = CheckFindings(check: "integrity_check", lines: problems)
        engine.record(HistoryEntry(startedAt: Date(), operation: .verify, trigger: .cli, outcome: .failure, durationSeconds: 0.3,
                                   backupName: engine.listBackups()[0].name, message: findings.summary, detail: findings.detail))
        let s = try openConsole(width: 160, height: 36)
        try s.send("h")
        let history = try s.waitFor(text: "integrity_check found 40 problems")
        XCTAssertFalse(history.contains("Page 14:"), "one line a row:\n\(history)")
        try s.send("Enter")
        // The whole box, not a capture taken while curses was still drawing it.
        let box = try s.waitFor("the box") { $0.contains("verify: failed") && $0.contains("Esc, q or Enter closes") }
        XCTAssertTrue(box.contains("Page 7: btreeInitPage()"), box)
        XCTAssertTrue(box.contains("Esc, q or Enter closes"), box)
        XCTAssertFalse(box.contains("Page 280:"), box)
        try s.send("End")
        try s.waitFor(text: "Page 280: btreeInitPage()")
        try s.send("PPage")
        try s.waitFor("PgUp to scroll back") { !$0.contains("Page 280:") }
        try s.send("Escape")
        try s.waitFor("the box to close") { !$0.contains("verify: failed") && $0.contains("History (newest first)") }
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testAnEmptyLiveDatabaseIsShownCIsRefusedAndTheBannerOpens() throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        XCTAssertTrue(FileManager.default.createFile(atPath: databasePath, contents: Data()))
        let before = engine.listBackups().map(\.name)
        let s = try openConsole(width: 140)
        try s.waitFor(text: "CRITICAL: live database is empty (0 bytes): restore " + before[0])
        try s.send("c")
        try s.waitFor(text: "Backup refused: live database is empty (0 bytes): restore")
        XCTAssertEqual(engine.listBackups().map(\.name), before, "nothing was made")
        try s.send("k")
        try s.waitFor(text: "Enter: every reason")
        try s.send("Enter")
        let box = try s.waitFor(text: "Health: CRITICAL")
        XCTAssertTrue(box.contains("Now: live database is empty (0 bytes)"), box)
        try s.send("q")
        try s.waitFor("the box to close") { !$0.contains("Health: CRITICAL") }
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testReadOnlyAsAnotherUserOpensSaysWhyAndWritesNothing() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to run the console as nobody")
        }
        // Readable by everyone, writable by root only.
        let chmod = try ChildProcess.run("/bin/chmod", ["-R", "a+rX", root])
        XCTAssertEqual(chmod.exitCode, 0, chmod.stderr)
        let before = DemoFixture.snapshot(dataDir)
        let s = try openConsole(width: 140, prefix: "setpriv --reuid=65534 --regid=65534 --clear-groups ")
        try s.waitFor(text: "read-only: cannot write \(dataDir)/backups (running as nobody; owned by root)")
        for key in ["c", "r", "d", "p", "f"] {
            try s.send(key)
            try s.waitFor(text: "refused: read-only, cannot write")
            try s.send("j")
            try s.waitFor("the message to clear") { !$0.contains("refused: read-only") }
        }
        try s.send("v")
        try s.waitFor(text: "(read-only: not recorded)", timeout: 30)
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
        XCTAssertEqual(DemoFixture.snapshot(dataDir), before, "nothing written as nobody")
    }

    /// A `backups/` folder closed to this user: the console says it cannot list them
    /// (UNKNOWN), never "No backups yet". (The demo's copy saved before a restore, beside
    /// the database, is still listed.)
    func testABackupFolderClosedToThisUserIsUnknownNotEmpty() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to run the console as nobody")
        }
        let chmod = try ChildProcess.run("/bin/sh", ["-c", "chmod -R a+rX \"$0\" && chmod 0700 \"$1/backups\"", root, dataDir])
        XCTAssertEqual(chmod.exitCode, 0, chmod.stderr)
        let before = DemoFixture.snapshot(dataDir)
        let s = try openConsole(width: 220, prefix: "setpriv --reuid=65534 --regid=65534 --clear-groups ",
                                firstText: "UNKNOWN: cannot read \(dataDir)/backups: permission denied (running as nobody; owned by root)")
        let screen = try s.capture()
        XCTAssertTrue(screen.contains("Backups (folder unreadable + 1 other, newest first)"), screen)
        XCTAssertFalse(screen.contains("Backups (0 "), screen)
        // Its own scheduler cannot start as nobody; whether a daemon runs is not known here.
        XCTAssertTrue(screen.contains("scheduler: unknown"), screen)
        XCTAssertTrue(screen.contains("Scheduler unknown: its lock is in the backup folder this user cannot read"), screen)
        XCTAssertFalse(screen.contains("Scheduler stopped"), screen)
        XCTAssertFalse(screen.contains("No backups yet"), screen)
        XCTAssertFalse(screen.contains("no verified backup"), screen)
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
        XCTAssertEqual(DemoFixture.snapshot(dataDir), before, "nothing written as nobody")
    }

    func testAsciiMarksAndTheTimeZoneOfTheTimes() throws {
        let zone = try ChildProcess.run("/bin/date", ["+%Z"], env: ["TZ": "Europe/Berlin"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let s = try openConsole(prefix: "TZ=Europe/Berlin ", options: "--ascii")
        let screen = try s.waitFor(text: "* verified")
        XCTAssertTrue(screen.contains("| times in \(zone)"), screen)
        XCTAssertFalse(screen.contains("v verified"), screen)
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    // MARK: - Off-site copies

    func testOffsiteLineMarksAndTheOViewShowAPushedSnapshotThatRestoresThroughTheDialog() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/restic") else { throw XCTSkip("restic is not installed") }
        // A local folder repository (what a USB drive is), and one backup pushed by the CLI.
        let setup = try run(["offsite", "init", "--same-disk", "--repository", root + "/repo", "--data-dir", dataDir])
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
        let pushed = try XCTUnwrap(engine.listBackups().first { $0.kind.isBackup && $0.status == .verified })
        let push = try run(["offsite", "push", pushed.name, "--data-dir", dataDir])
        XCTAssertEqual(push.exitCode, 0, push.stderr)
        let snapshot = try XCTUnwrap(engine.listBackups().first { $0.name == pushed.name }?.record?.offsite?.snapshot, push.stdout)

        let s = try openConsole(width: 140, height: 36)
        let list = try s.waitFor(text: "Off-site …/repo · last ✓ ")
        XCTAssertTrue(list.contains("Change Off  Status"), list)
        XCTAssertTrue(list.contains(" ✓   ✓ verified"), "the pushed backup's mark\n" + list)

        try s.send("o")
        let view = try s.waitFor(text: snapshot, timeout: 60)
        XCTAssertTrue(view.contains("Off-site snapshots of "), view)
        let row = try XCTUnwrap(view.split(separator: "\n").first { $0.contains(snapshot) }.map(String.init))
        XCTAssertTrue(row.contains(Self.utcTime(pushed.createdAt)) && row.contains(pushed.name), row)

        // r on the newest snapshot (selected): it is here already (pushed from this file), so
        // the dialog opens on that backup at once.
        try s.send("r")
        let dialog = try s.waitFor("the restore dialog", timeout: 60) {
            dialogText($0, title: "Restore backup?").contains("off-site snapshot ")
        }
        XCTAssertTrue(dialogText(dialog, title: "Restore backup?").contains("Backup:   " + pushed.name), dialog)
        XCTAssertTrue(dialogText(dialog, title: "Restore backup?").contains("off-site snapshot \(snapshot)"), dialog)
        try s.send("Enter")   // Cancel is the default
        try s.waitFor("the dialog to close") { !$0.contains("Restore backup?") && $0.contains("Details: ") }
        try s.send("o")
        try s.waitFor(text: "Off-site snapshots of ")
        try s.send("Escape")
        try s.waitFor(text: "Details: ")
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    func testTheConsoleRunsLitestreamAndTheMomentPickerRestoresASecondBeforeAMistake() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/local/bin/litestream") else {
            throw XCTSkip("needs Litestream in /usr/local/bin (.ci/run installs it)")
        }
        let setup = try run(["continuous", "init", "--same-disk", "--replica", root + "/replica", "--data-dir", dataDir])
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
        // The shell's PATH has no /usr/local/bin, where .ci/run installs Litestream.
        let s = try openConsole(prefix: "PATH=/usr/local/bin:/usr/bin:/bin ")
        try s.waitFor(text: "Continuous: any moment from", timeout: 30)
        // A sale, then the cashier's mistake a few seconds later, each replicated: the
        // moment between them is wanted.
        let replica = try XCTUnwrap(try run(["continuous", "status", "--json", "--data-dir", dataDir]).json()["replicaPath"] as? String)
        func newest() -> String? { ((try? FileManager.default.contentsOfDirectory(atPath: replica + "/ltx/0")) ?? []).max() }
        var before = newest()
        _ = try sqlite3(databasePath, "CREATE TABLE e2e_sale(x); INSERT INTO e2e_sale VALUES (1);")
        XCTAssertTrue(eventually(timeout: 30) { newest() != before }, "the sale replicated")
        let wanted = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up))
        XCTAssertTrue(eventually(timeout: 5) { Date() > wanted.addingTimeInterval(0.2) })
        before = newest()
        _ = try sqlite3(databasePath, "DELETE FROM e2e_sale;")
        XCTAssertTrue(eventually(timeout: 30) { newest() != before }, "the mistake replicated")

        try s.send("t")
        try s.waitFor(text: "Restore to a moment")
        let f = DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss"
        try s.send("q")   // text here, never quit
        try s.waitFor(text: "Typed:   q_")
        try s.send("BSpace")
        try s.send(f.string(from: wanted))
        try s.waitFor(text: "Typed:   \(f.string(from: wanted))_")
        try s.send("Enter")
        let screen = try s.waitFor(text: "moment-" + BackupName.stamp(wanted))
        XCTAssertTrue(screen.contains("[ Restore ]"), screen)
        try s.send("y")
        try s.waitFor(text: "Restart the POS app now", timeout: 60)
        XCTAssertEqual(try sqlite3(databasePath, "SELECT count(*) FROM e2e_sale"), "1", "the sale is back")
        try s.send("Enter")
        try s.send("q")
        try s.waitFor(text: "console-exit=0")
    }

    private func corruptedCopies() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []).filter { $0.hasPrefix("mr5-pos.db.corrupted.") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
    }
}
