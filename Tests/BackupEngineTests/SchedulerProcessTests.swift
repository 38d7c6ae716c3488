@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The scheduler across real processes: `mr5-backup daemon` (the built binary) against
/// another daemon and against a scheduler in this process.
final class SchedulerProcessTests: XCTestCase {
    override func setUpWithError() throws {
        _ = try BuiltProduct.backup.required()
    }

    func testOneSchedulerPerDataDirAcrossProcesses() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let daemon = try DaemonProcess(dataDir: layout.dataDir, extra: ["--first-run-after", "3600"])
        XCTAssertTrue(waitUntil { SchedulerStateFile.activeSnapshot(layout: layout)?.nextRunAt != nil })
        let active = try XCTUnwrap(SchedulerStateFile.activeSnapshot(layout: layout))
        XCTAssertEqual(active.ownerPid, daemon.pid)
        XCTAssertEqual(active.activity, .idle)

        // A second daemon is refused with a one-line message naming the holder.
        let second = try ChildProcess.run(try BuiltProduct.backup.required(), ["daemon", "--data-dir", layout.dataDir])
        XCTAssertEqual(second.exitCode, 1)
        let lastLine = second.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(lastLine.hasPrefix("mr5-backup: another scheduler is active for \(layout.dataDir) (pid \(daemon.pid) since "), second.stderr)

        // A console's scheduler in this process follows the daemon and shows its countdown.
        let clock = wholeSecondClock()
        let engine = BackupEngine(layout: layout, clock: clock)
        let follower = Scheduler(engine: engine, clock: clock, timing: SchedulerTiming(followerPoll: 1))
        follower.start()
        defer { follower.stop() }
        XCTAssertEqual(follower.snapshot.activity, .heldByOther)
        XCTAssertEqual(follower.snapshot.ownerPid, daemon.pid)
        XCTAssertEqual(follower.snapshot.nextRunAt, active.nextRunAt)
        XCTAssertEqual(follower.snapshot.holderActivity, .idle)

        // The daemon stops cleanly; the follower takes over at its next look.
        let end = daemon.terminate()
        XCTAssertEqual(end.status, 0, end.stderr)
        XCTAssertTrue(end.stderr.contains("Scheduler stopped (pid \(daemon.pid))"), end.stderr)
        clock.advance(by: 1)
        XCTAssertTrue(waitUntil { follower.isActive }, "\(follower.snapshot)")
        XCTAssertEqual(SchedulerStateFile.activeSnapshot(layout: layout)?.ownerPid, getpid())

        // And now the daemon is the one refused.
        let third = try ChildProcess.run(try BuiltProduct.backup.required(), ["daemon", "--data-dir", layout.dataDir])
        XCTAssertEqual(third.exitCode, 1)
        XCTAssertTrue(third.stderr.contains("another scheduler is active for \(layout.dataDir) (pid \(getpid())"), third.stderr)
    }

    func testSIGTERMDuringARunningBackupLeavesNoPartialFile() throws {
        let tmp = TempDir()
        let layout = try makeBigDataDir(tmp, megabytes: 80)
        let daemon = try DaemonProcess(dataDir: layout.dataDir, extra: ["--first-run-after", "0"])
        XCTAssertTrue(waitUntil { SchedulerStateFile.read(layout.schedulerStatePath)?.activity == .running })
        let end = daemon.terminate()
        XCTAssertEqual(end.status, 0, end.stderr)

        let engine = BackupEngine(layout: layout)
        XCTAssertEqual(engine.listBackups().map(\.name), [], "the backup finished before SIGTERM: make the database bigger")
        XCTAssertEqual(partialFiles(layout), [])
        XCTAssertEqual(scheduledAttempts(engine).map(\.message), [BackupError.cancelled.description])
        XCTAssertNil(FileLock.holder(at: layout.schedulerLockPath))
        XCTAssertEqual(SchedulerStateFile.read(layout.schedulerStatePath)?.activity, .stopped)
        // Logged to the file and to stderr alike.
        let log = try String(contentsOfFile: layout.logPath, encoding: .utf8)
        for line in ["Signal received: stopping the scheduler", "Scheduled backup cancelled", "Scheduler stopped"] {
            XCTAssertTrue(log.contains(line), log)
            XCTAssertTrue(end.stderr.contains(line), end.stderr)
        }
    }

    func testAMissingDataDirExitsWithAMessage() throws {
        let r = try ChildProcess.run(try BuiltProduct.backup.required(), ["daemon", "--data-dir", "/nonexistent-\(UUID().uuidString)"])
        XCTAssertNotEqual(r.exitCode, 0)
        XCTAssertTrue(r.stderr.hasPrefix("mr5-backup: data dir not found"), r.stderr)
    }
}
