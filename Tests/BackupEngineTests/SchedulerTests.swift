@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The scheduler thread driven by a ManualClock: every wait here is for the thread to
/// react to a clock advance, never for a schedule to elapse in real time.
final class SchedulerTests: XCTestCase {
    /// For "nothing happens" checks: waits until the scheduler thread has taken in the
    /// clock as it is now and sleeps past it (and nobody woke it since), so that nothing
    /// having happened is a fact, not a guess about how long the thread takes.
    func settled(_ scheduler: Scheduler, _ clock: ManualClock, file: StaticString = #filePath, line: UInt = #line) {
        let now = clock.monotonicNanos()
        XCTAssertTrue(waitUntil { scheduler.isSettled(atMonotonic: now) }, "the scheduler never settled: \(scheduler.snapshot)",
                      file: file, line: line)
    }

    func makeScheduler(_ layout: DataLayout, clock: ManualClock, timing: SchedulerTiming = SchedulerTiming(lockWait: 0.2),
                       log: SnapshotLog? = nil) -> (BackupEngine, Scheduler) {
        let engine = BackupEngine(layout: layout, clock: clock)
        var onChange: (@Sendable (SchedulerSnapshot) -> Void)?
        if let log { onChange = { log.add($0) } }
        let scheduler = Scheduler(engine: engine, clock: clock, metricsPath: layout.defaultMetricsPath, timing: timing,
                                  onChange: onChange)
        return (engine, scheduler)
    }

    func testFirstRunIsTwoMinutesAfterStartWhenNoRecentBackup() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let (engine, scheduler) = makeScheduler(layout, clock: clock)
        let start = clock.now()
        scheduler.start()
        defer { scheduler.stop() }
        XCTAssertTrue(scheduler.isActive)
        XCTAssertEqual(scheduler.snapshot.ownerPid, getpid())
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == start.addingTimeInterval(120) }, "\(scheduler.snapshot)")
        XCTAssertEqual(scheduler.snapshot.activity, .idle)
        XCTAssertEqual(scheduler.snapshot.frequency, "3h")

        clock.advance(by: 119)
        settled(scheduler, clock)
        XCTAssertEqual(scheduledAttempts(engine).count, 0)

        clock.advance(by: 1)
        XCTAssertTrue(waitUntil { scheduler.snapshot.lastAttemptSucceeded == true && scheduler.snapshot.activity == .idle })
        let backups = engine.listBackups()
        XCTAssertEqual(backups.count, 1)
        XCTAssertEqual(backups.first?.kind, .scheduled)
        XCTAssertEqual(backups.first?.status, .verified)
        XCTAssertEqual(backups.first?.record?.pace, .polite, "nobody waits for a scheduled backup: it copies politely")
        XCTAssertEqual(scheduledAttempts(engine).map(\.outcome), [.success])
        // The next one an interval after this one started.
        let ran = start.addingTimeInterval(120)
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == ran.addingTimeInterval(3 * 3600) }, "\(scheduler.snapshot)")
        XCTAssertEqual(scheduler.snapshot.lastSuccessAt, ran)
        XCTAssertEqual(scheduler.health().level, .ok, scheduler.health().summary)
    }

    func testFirstRunWaitsForTheIntervalAfterARecentBackup() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let (engine, scheduler) = makeScheduler(layout, clock: clock)
        let manual = try engine.createBackup(kind: .manual)
        clock.advance(by: 3600)   // the console restarts an hour later
        scheduler.start()
        defer { scheduler.stop() }
        let due = manual.record.createdAt.addingTimeInterval(3 * 3600)
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == due }, "\(scheduler.snapshot)")
        XCTAssertEqual(scheduler.snapshot.lastSuccessAt, manual.record.createdAt)

        clock.advance(by: 120)   // past the 2 minutes: no pile-up
        settled(scheduler, clock)
        clock.advance(by: 2 * 3600 - 121)
        settled(scheduler, clock)
        XCTAssertEqual(scheduledAttempts(engine).count, 0)
        clock.advance(by: 1)
        XCTAssertTrue(waitUntil { scheduledAttempts(engine).count == 1 && scheduler.snapshot.activity == .idle })
        XCTAssertEqual(scheduledAttempts(engine).first?.startedAt, due)
    }

    func testIntervalChangesTakeEffectWithoutRestart() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let (engine, scheduler) = makeScheduler(layout, clock: clock)
        scheduler.start()
        defer { scheduler.stop() }
        let firstRun = clock.now().addingTimeInterval(120)
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == firstRun })
        clock.advance(by: 120)
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == firstRun.addingTimeInterval(3 * 3600) })

        // Told at once.
        try engine.setFrequency("1h")
        scheduler.settingsChanged()
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == firstRun.addingTimeInterval(3600) }, "\(scheduler.snapshot)")
        XCTAssertEqual(scheduler.snapshot.frequency, "hourly")
        XCTAssertEqual(scheduler.snapshot.intervalSeconds, 3600)

        // Off: disabled, no next run, health WARNING.
        try engine.setFrequency("off")
        scheduler.settingsChanged()
        XCTAssertTrue(waitUntil { scheduler.snapshot.activity == .disabled })
        XCTAssertNil(scheduler.snapshot.nextRunAt)
        XCTAssertEqual(scheduler.health().level, .warning)
        clock.advance(by: 2 * 3600)
        settled(scheduler, clock)
        XCTAssertEqual(scheduledAttempts(engine).count, 1)

        // Not told: picked up by the 30-second re-read. The last success is 2 h old, so it runs now.
        try engine.setFrequency("30m")
        settled(scheduler, clock)
        XCTAssertEqual(scheduler.snapshot.activity, .disabled)
        clock.advance(by: 30)
        XCTAssertTrue(waitUntil { scheduledAttempts(engine).count == 2 && scheduler.snapshot.activity == .idle })
        XCTAssertEqual(scheduler.snapshot.intervalSeconds, 1800)
        let second = scheduledAttempts(engine)[1].startedAt
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == second.addingTimeInterval(1800) }, "\(scheduler.snapshot)")
    }

    func testFailuresBackOffFiveTenTwentyMinutesThenRecover() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let (engine, scheduler) = makeScheduler(layout, clock: clock)
        let hidden = layout.databasePath + ".away"
        try FileManager.default.moveItem(atPath: layout.databasePath, toPath: hidden)
        scheduler.start()
        defer { scheduler.stop() }
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt != nil })
        clock.advance(by: 120)

        for (failures, retryMinutes) in [(1, 5.0), (2, 10.0), (3, 20.0)] {
            XCTAssertTrue(waitUntil { scheduler.snapshot.consecutiveFailures == failures && scheduler.snapshot.activity == .idle },
                          "failure \(failures): \(scheduler.snapshot)")
            let failedAt = clock.now()
            XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == failedAt.addingTimeInterval(retryMinutes * 60) },
                          "retry after failure \(failures): \(scheduler.snapshot)")
            XCTAssertEqual(scheduledAttempts(engine).count, failures)
            XCTAssertEqual(scheduler.snapshot.lastAttemptSucceeded, false)
            XCTAssertTrue(scheduler.snapshot.lastError?.hasPrefix("database not found") == true, "\(scheduler.snapshot)")
            // Nothing before the retry time...
            clock.advance(by: retryMinutes * 60 - 1)
            settled(scheduler, clock)
            XCTAssertEqual(scheduledAttempts(engine).count, failures)
            if failures == 3 {
                let health = scheduler.health()
                XCTAssertEqual(health.level, .critical)
                XCTAssertEqual(health.reasons.first, "live database missing: no verified backup to restore", health.summary)
                XCTAssertTrue(health.reasons.contains { $0.hasPrefix("3 backups failed in a row: database not found") }, health.summary)
                // The metrics file says so too.
                let metrics = try String(contentsOfFile: layout.defaultMetricsPath, encoding: .utf8)
                XCTAssertTrue(metrics.contains("\nmr5_backup_consecutive_failures 3\n"), metrics)
                XCTAssertTrue(metrics.contains("\nmr5_backup_health 2\n"), metrics)
                XCTAssertTrue(metrics.contains("\nmr5_backup_last_attempt_success 0\n"), metrics)
                // The database is back before the 4th try.
                try FileManager.default.moveItem(atPath: hidden, toPath: layout.databasePath)
            }
            // ...and the retry then.
            clock.advance(by: 1)
        }
        XCTAssertTrue(waitUntil { scheduler.snapshot.lastAttemptSucceeded == true && scheduler.snapshot.activity == .idle })
        XCTAssertEqual(scheduler.snapshot.consecutiveFailures, 0)
        XCTAssertEqual(scheduledAttempts(engine).map(\.outcome), [.failure, .failure, .failure, .success])
        let ranAt = clock.now()
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt == ranAt.addingTimeInterval(3 * 3600) })
        XCTAssertEqual(scheduler.health().level, .ok, scheduler.health().summary)
    }

    func testABusyOperationLockIsAFailureWithBackoff() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        try layout.ensureDirectories()
        let clock = wholeSecondClock()
        let (engine, scheduler) = makeScheduler(layout, clock: clock)
        // A CLI verify holds the operation lock (its own descriptor, as another process would).
        let cliLock = try FileLock(path: layout.operationLockPath, operation: "verify", now: clock.now())
        scheduler.start()
        defer { scheduler.stop() }
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt != nil })
        clock.advance(by: 120)
        XCTAssertTrue(waitUntil { scheduler.snapshot.consecutiveFailures == 1 && scheduler.snapshot.activity == .idle })
        XCTAssertTrue(scheduler.snapshot.lastError?.hasPrefix("another backup operation is running (verify by pid \(getpid())") == true,
                      "\(scheduler.snapshot)")
        XCTAssertEqual(scheduledAttempts(engine).map(\.outcome), [.failure])
        cliLock.release()
        clock.advance(by: 300)
        XCTAssertTrue(waitUntil { scheduler.snapshot.lastAttemptSucceeded == true && scheduler.snapshot.activity == .idle })
        XCTAssertEqual(engine.listBackups().count, 1)
    }

    func testAWallClockJumpNeitherSkipsNorDoublesARun() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let (engine, scheduler) = makeScheduler(layout, clock: clock)
        scheduler.start()
        defer { scheduler.stop() }
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt != nil })
        clock.advance(by: 120)
        XCTAssertTrue(waitUntil { scheduledAttempts(engine).count == 1 && scheduler.snapshot.activity == .idle })

        clock.jumpWallClock(by: 86400)     // NTP or a technician moves the time a day forward
        clock.advance(by: 30)              // the thread wakes and re-reads settings
        settled(scheduler, clock)
        XCTAssertEqual(scheduledAttempts(engine).count, 1)
        clock.jumpWallClock(by: -2 * 86400) // and back two days
        clock.advance(by: 30)
        settled(scheduler, clock)
        XCTAssertEqual(scheduledAttempts(engine).count, 1)
        clock.advance(by: 3 * 3600 - 61)
        settled(scheduler, clock)
        XCTAssertEqual(scheduledAttempts(engine).count, 1)
        clock.advance(by: 1)
        XCTAssertTrue(waitUntil { engine.listBackups().count == 2 && scheduler.snapshot.activity == .idle })
        settled(scheduler, clock)
        XCTAssertEqual(scheduledAttempts(engine).count, 2)
    }

    func testOneActiveSchedulerPerDataDirAndTakeOver() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        // Each instance opens its own descriptor on the lock file: flock conflicts as between processes.
        let (engineA, first) = makeScheduler(layout, clock: clock)
        let (_, second) = makeScheduler(layout, clock: clock)
        first.start()
        XCTAssertTrue(waitUntil { first.snapshot.nextRunAt != nil })
        second.start()
        defer { second.stop() }
        XCTAssertEqual(second.snapshot.activity, .heldByOther)
        XCTAssertFalse(second.isActive)
        XCTAssertEqual(second.snapshot.ownerPid, getpid())
        XCTAssertEqual(FileLock.holder(at: layout.schedulerLockPath)?.operation, "scheduler")
        // The follower shows the holder's countdown, from the state file.
        clock.advance(by: 2)
        XCTAssertTrue(waitUntil { second.snapshot.nextRunAt == first.snapshot.nextRunAt && second.snapshot.holderActivity == .idle },
                      "\(second.snapshot)")
        XCTAssertEqual(SchedulerStateFile.activeSnapshot(layout: layout)?.nextRunAt, first.snapshot.nextRunAt)

        // Only the holder backs up.
        clock.advance(by: 118)
        // Real disk work (fsyncs) under a busy CI machine once took over 20 s here: a
        // longer wait, and the log's real-time stamps if it ever fails again.
        let log = { (try? String(contentsOfFile: layout.logPath, encoding: .utf8)) ?? "" }
        XCTAssertTrue(waitUntil(timeout: 60) { scheduledAttempts(engineA).count == 1 && first.snapshot.activity == .idle }, log())
        clock.advance(by: 2)
        // The follower looks every 2 s of the test clock; wake it while waiting, so the
        // holder's result is seen however late it came.
        XCTAssertTrue(waitUntil(timeout: 60) { second.settingsChanged(); return second.snapshot.lastAttemptSucceeded == true },
                      "\(second.snapshot) holder: \(first.snapshot)\n\(log())")
        XCTAssertEqual(second.snapshot.activity, .heldByOther)
        XCTAssertEqual(engineA.listBackups().count, 1)

        // The holder stops: the follower takes over at its next look.
        first.stop()
        XCTAssertEqual(first.snapshot.activity, .stopped)
        // The follower was woken above, so it may already hold the lock (found in CI):
        // either nobody is active, or it is.
        XCTAssertTrue(SchedulerStateFile.activeSnapshot(layout: layout) == nil || second.isActive, "\(second.snapshot)")
        clock.advance(by: 2)
        XCTAssertTrue(waitUntil { second.isActive }, "\(second.snapshot)")
        XCTAssertNil(second.snapshot.holderActivity)
        // A recent backup exists: it runs an interval after it, not 2 minutes after taking over.
        let last = try XCTUnwrap(second.snapshot.lastSuccessAt)
        XCTAssertTrue(waitUntil { second.snapshot.nextRunAt == last.addingTimeInterval(3 * 3600) }, "\(second.snapshot)")
    }

    func testStopDuringARunningBackupLeavesNoPartialFile() throws {
        let tmp = TempDir()
        let layout = try makeBigDataDir(tmp, megabytes: 80)
        let clock = wholeSecondClock()
        let log = SnapshotLog()
        let (engine, scheduler) = makeScheduler(layout, clock: clock, log: log)
        scheduler.start()
        XCTAssertTrue(waitUntil { scheduler.snapshot.nextRunAt != nil })
        clock.advance(by: 120)
        XCTAssertEqual(log.sawRunningProgress.wait(timeout: .now() + 30), .success)
        scheduler.stop()

        XCTAssertEqual(scheduler.snapshot.activity, .stopped)
        XCTAssertEqual(engine.listBackups().count, 0)
        XCTAssertEqual(partialFiles(layout), [])
        XCTAssertEqual(scheduledAttempts(engine).last?.message, BackupError.cancelled.description)
        // A cancellation is not a failure.
        XCTAssertEqual(BackupHistorySummary(history: engine.history()).consecutiveFailures, 0)
        // The lock is free and the state file says stopped.
        XCTAssertNil(FileLock.holder(at: layout.schedulerLockPath))
        XCTAssertEqual(SchedulerStateFile.read(layout.schedulerStatePath)?.activity, .stopped)
        // Progress was published while it ran.
        XCTAssertTrue(log.snapshots.contains { $0.activity == .running && $0.progressPhase == "copying" })
    }

    func testStopBeforeStartAndTwiceIsHarmless() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let (_, scheduler) = makeScheduler(layout, clock: clock)
        scheduler.stop()
        XCTAssertEqual(scheduler.snapshot.activity, .stopped)
        scheduler.start()
        XCTAssertTrue(scheduler.isActive)
        scheduler.stop()
        scheduler.stop()
        XCTAssertEqual(scheduler.snapshot.activity, .stopped)
        XCTAssertNil(FileLock.holder(at: layout.schedulerLockPath))
    }

    func testAMissingDataDirCannotStart() {
        let clock = wholeSecondClock()
        let layout = DataLayout(dataDir: "/nonexistent-\(UUID().uuidString)")
        let (_, scheduler) = makeScheduler(layout, clock: clock)
        scheduler.start()
        defer { scheduler.stop() }
        XCTAssertEqual(scheduler.snapshot.activity, .stopped)
        XCTAssertTrue(scheduler.snapshot.lastError?.hasPrefix("cannot start the scheduler: data dir not found") == true, "\(scheduler.snapshot)")
    }

    /// The one real-time test: a very short fixed interval, and the thread fires on its own.
    func testTheThreadFiresOnItsOwnInRealTime() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let scheduler = Scheduler(engine: engine, metricsPath: layout.defaultMetricsPath,
                                  timing: SchedulerTiming(startupDelay: 0.2, settingsPoll: 0.5, fixedInterval: 1.0))
        scheduler.start()
        defer { scheduler.stop() }
        XCTAssertTrue(waitUntil(timeout: 30) { scheduledAttempts(engine).filter { $0.outcome == .success }.count >= 2 },
                      "\(scheduler.snapshot)")
        let attempts = scheduledAttempts(engine)
        XCTAssertGreaterThanOrEqual(attempts[1].startedAt.timeIntervalSince(attempts[0].startedAt), 0.9)
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.defaultMetricsPath))
    }
}
