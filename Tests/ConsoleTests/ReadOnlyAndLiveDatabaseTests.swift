import BackupEngine
import Foundation
import TestSupport
import XCTest
@testable import Console

/// The console on a data dir it cannot write, and on a live database that is lost.
final class ReadOnlyAndLiveDatabaseTests: XCTestCase {
    private let why = "cannot write /srv/x/backups (running as nobody; owned by pos)"

    func testAWritableDataDirIsNotReadOnly() throws {
        let f = try ConsoleFixture()
        XCTAssertNil(f.engine.writeAccessProblem())
        XCTAssertNil(f.state().readOnly)
    }

    /// The tests run as root, who may write anywhere: the refusal is set as a refresh would
    /// (the real one, as nobody, is in ConsoleTmuxTests).
    func testReadOnlyHeaderSaysWhyAndWritingKeysRefuseInOneLineButVerifyWorks() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        state.refreshed { $0.readOnly = why }
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.line(0).hasPrefix(" mr5-backup"), grid.text)
        XCTAssertEqual(grid.line(1).replacingTrailingSpaces(), " read-only: " + why)
        XCTAssertTrue(grid[1, 1].style.reverse, "part of the header bar")
        XCTAssertTrue(grid.line(2).hasPrefix("┌─ Backups"), grid.text)

        let refused: [(Key, String)] = [(.char("c"), "Backup"), (.char("r"), "Restore"), (.char("d"), "Delete"),
                                        (.char("p"), "Prune"), (.char("f"), "Frequency change")]
        for (key, what) in refused {
            var s = state
            XCTAssertEqual(s.apply(KeyMap.action(for: key, in: s)), [], key.name)
            XCTAssertNil(s.dialog, key.name)
            XCTAssertNil(s.operation, key.name)
            XCTAssertEqual(s.flash, "\(what) refused: read-only, " + why)
            let line = ScreenRenderer.render(s, width: 80, height: 24).line(22)
            XCTAssertTrue(line.hasPrefix(" \(what) refused: read-only, cannot write"), line)
            XCTAssertEqual(line.count, 80)
        }
        let name = try XCTUnwrap(state.selectedBackup?.name)
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("v"), in: state)), [.verify(name: name, full: true)])
    }

    /// A console whose scheduler could not start (read-only) shows the daemon's schedule,
    /// and the health rules count it, instead of "no scheduler running".
    func testAStoppedSchedulerFollowsTheDataDirsActiveOne() throws {
        let f = try ConsoleFixture()
        let layout = f.engine.layout
        let lock = try FileLock(path: layout.schedulerLockPath, operation: "scheduler", now: f.clock.now())
        defer { lock.release() }
        var daemon = f.idleSnapshot(nextIn: 600)
        daemon.ownerPid = getpid()
        daemon.ownerKind = "daemon"
        try SchedulerStateFile.write(daemon, to: layout.schedulerStatePath)
        var stopped = f.idleSnapshot(nextIn: 0)
        stopped.activity = .stopped
        stopped.lastError = "cannot start the scheduler: cannot write to /x: permission denied"
        let data = ConsoleApp.read(engine: f.engine, snapshot: stopped)
        let followed = try XCTUnwrap(data.followedScheduler)
        XCTAssertEqual(followed.activity, .heldByOther)
        XCTAssertEqual(followed.holderActivity, .idle)
        XCTAssertEqual(followed.ownerPid, getpid())
        XCTAssertFalse(data.health.reasons.contains { $0.contains("no scheduler running") }, "\(data.health.reasons)")
        var state = f.state(scheduler: followed)
        state.apply(data)
        XCTAssertTrue(ScreenRenderer.render(state, width: 80, height: 24).line(0).contains("scheduler: daemon pid \(getpid())"))
        // A running scheduler of our own is not replaced.
        XCTAssertNil(ConsoleApp.read(engine: f.engine, snapshot: f.idleSnapshot(nextIn: 60)).followedScheduler)
    }

    func testAVerificationInAReadOnlyDataDirSaysItWasNotRecorded() throws {
        let f = try ConsoleFixture()
        let name = f.engine.listBackups()[0].name
        var result = try f.engine.verify(name: name, full: true)
        result.recorded = false
        guard case .success(let text) = OperationOutcome.verified(result, engine: f.engine) else { return XCTFail() }
        XCTAssertEqual(text, "\(name) verified: integrity_check ok, SHA-256 matches (read-only: not recorded)")
    }

    func testAnEmptyLiveDatabaseIsShownAndCIsRefusedWithTheBannersAdvice() throws {
        let f = try ConsoleFixture()
        try f.replaceLiveDatabase(with: Data())
        var state = f.state()
        XCTAssertEqual(state.live, .empty)
        let newest = try XCTUnwrap(f.engine.newestVerified(in: f.engine.listBackups()))
        let reason = try XCTUnwrap(state.health?.reasons.first { $0.hasPrefix("live database is empty (0 bytes): restore \(newest.name)") },
                                   "\(String(describing: state.health))")
        XCTAssertEqual(state.health?.level, .critical)
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.line(1).contains("CRITICAL: live database is empty (0 bytes): restore " + newest.name), grid.text)

        XCTAssertEqual(state.apply(KeyMap.action(for: .char("c"), in: state)), [])
        XCTAssertNil(state.operation)
        XCTAssertEqual(state.flash, "Backup refused: " + reason)
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("f"), in: state)), [])
        XCTAssertEqual(state.flash, "Frequency change refused: " + reason)
        // Restoring is the way out: it stays.
        _ = state.apply(KeyMap.action(for: .char("r"), in: state))
        XCTAssertEqual(state.dialog, .restore(name: newest.name, focus: .cancel, refusal: nil))
    }

    func testANonSQLiteLiveDatabaseIsRefusedToo() throws {
        let f = try ConsoleFixture()
        try f.replaceLiveDatabase(with: Data(String(repeating: "not a database\n", count: 20).utf8))
        var state = f.state()
        XCTAssertEqual(state.live, .notADatabase)
        _ = state.apply(.create)
        XCTAssertTrue(state.flash?.hasPrefix("Backup refused: live database is not an SQLite database: restore ") == true,
                      state.flash ?? "")
    }

    func testAMissingDatabaseWithNoBackupsSaysSoInsteadOfInvitingC() throws {
        let tmp = TempDir("mr5-console-bare")
        let engine = BackupEngine(layout: DataLayout(dataDir: tmp.path), clock: ManualClock(now: ConsoleFixture.now))
        var state = ConsoleFixture.state(engine: engine, scheduler: nil)
        XCTAssertEqual(state.live, .missing)
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertFalse(grid.contains("press c"), grid.text)
        XCTAssertTrue(grid.contains("No backups yet, and none can be made:"), grid.text)
        let row = try XCTUnwrap(grid.rows(containing: "live database missing: no verified backup to restore").last, grid.text)
        XCTAssertEqual(grid.rows(containing: "No backups yet").first.map { $0 + 1 }, row)
        _ = state.apply(.create)
        XCTAssertEqual(state.flash, "Backup refused: live database missing: no verified backup to restore")
        // A working database with no backups still invites c.
        var fine = try ConsoleFixture().state()
        fine.updateBackups([], lastGood: LastGoodBackups())
        XCTAssertTrue(ScreenRenderer.render(fine, width: 80, height: 24).contains("No backups yet: press c to make one now."))
    }

    func testABackupFolderThatCannotBeReadSaysWhyInsteadOfNoBackups() throws {
        var state = try ConsoleFixture().state()
        state.updateBackups([], lastGood: LastGoodBackups())
        state.refreshed {
            $0.readOnly = "cannot write /shop/backups (running as nobody; owned by root)"
            $0.backupsUnreadable = "cannot read /shop/backups: permission denied (running as nobody; owned by root)"
        }
        let grid = ScreenRenderer.render(state, width: 100, height: 24)
        XCTAssertTrue(grid.contains("The backups cannot be listed:"), grid.text)
        XCTAssertTrue(grid.contains("cannot read /shop/backups: permission denied (running as nobody; owned by root)"), grid.text)
        XCTAssertFalse(grid.contains("No backups yet"), grid.text)
    }

    func testBeforeTheFirstRefreshTheListSaysItIsReadingNotThatThereAreNoBackups() throws {
        let f = try ConsoleFixture()
        _ = try f.engine.createBackup()
        let before = ConsoleState(capabilities: TerminalCapabilities(unicode: true, colour: true), width: 80, height: 24,
                                  now: f.engine.clock.now(), timeZone: TimeZone(identifier: "UTC")!)
        let grid = ScreenRenderer.render(before, width: 80, height: 24)
        XCTAssertTrue(grid.contains("Reading the backups folder..."), grid.text)
        XCTAssertFalse(grid.contains("No backups yet"), grid.text)
        XCTAssertFalse(ScreenRenderer.render(f.state(), width: 80, height: 24).contains("Reading the backups folder"))
        // The console's own scheduler while it starts: neither "not running" nor "stopped".
        var starting = ConsoleFixture.state(engine: f.engine, width: 120, height: 30, scheduler: nil)
        starting.schedulerStartBegan()
        let text = ScreenRenderer.render(starting, width: 120, height: 30)
        XCTAssertTrue(text.contains("scheduler: starting"), text.text)
        XCTAssertTrue(text.contains("Scheduler starting..."), text.text)
        XCTAssertFalse(text.contains("not running"), text.text)
    }
}
