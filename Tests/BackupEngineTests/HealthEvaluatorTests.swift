@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Every health threshold, on plain values (the way `status` calls it).
final class HealthEvaluatorTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let threeHours = BackupFrequency.every(seconds: 3 * 3600)
    let mib: Int64 = 1 << 20

    func attempt(hoursAgo: Double, _ outcome: HistoryEntry.Outcome, message: String? = nil) -> HistoryEntry {
        HistoryEntry(startedAt: now.addingTimeInterval(-hoursAgo * 3600), operation: .create, trigger: .scheduler,
                     outcome: outcome, durationSeconds: 2, sizeBytes: outcome == .success ? 40 * mib : nil,
                     message: message ?? (outcome == .success ? "verified" : "disk full"))
    }

    func backup(hoursAgo: Double, size: Int64, kind: BackupKind = .scheduled, status: BackupStatus = .verified) -> BackupEntry {
        let date = now.addingTimeInterval(-hoursAgo * 3600)
        let name = BackupName.make(kind: kind, date: date, appVersion: nil, attempt: 1)
        return BackupEntry(name: name, path: "/nowhere/" + name, kind: kind, createdAt: date, sizeBytes: size,
                           status: status, statusDetail: nil, appVersion: nil, record: nil)
    }

    /// A healthy shop: backups every 3 h, the last one 1 h ago, plenty of space.
    func evaluate(frequency: BackupFrequency? = BackupFrequency.every(seconds: 3 * 3600), history: [HistoryEntry]? = nil,
                  backups: [BackupEntry]? = nil, free: Int64? = 10 << 30, expected: Int64? = 40 << 20,
                  snapshot: SchedulerSnapshot? = nil, unknowns: [String] = []) -> HealthReport {
        HealthEvaluator.evaluate(
            frequency: frequency,
            history: history ?? [attempt(hoursAgo: 4, .success), attempt(hoursAgo: 1, .success)],
            backups: backups ?? [backup(hoursAgo: 4, size: 40 * mib), backup(hoursAgo: 1, size: 41 * mib)],
            freeBytes: free, mountPoint: "/", expectedBackupBytes: expected, snapshot: snapshot, now: now, unknowns: unknowns)
    }

    func testHealthyShopIsOK() {
        let r = evaluate()
        XCTAssertEqual(r.level, .ok)
        XCTAssertEqual(r.reasons, [])
        XCTAssertEqual(r.summary, "OK")
    }

    /// Folders closed to this user: nothing was read, so nothing is claimed missing.
    func testUnreadableFoldersAreUnknownAndNeverClaimNoBackups() {
        let closed = "cannot read /shop/backups: permission denied (running as nobody; owned by root)"
        func report(_ live: LiveDatabaseState) -> HealthReport {
            HealthEvaluator.evaluate(frequency: threeHours, history: [], backups: [], freeBytes: 10 << 30, mountPoint: "/",
                                     expectedBackupBytes: 40 * mib, snapshot: nil, now: now, unknowns: [closed], live: live,
                                     backupsReadable: false)
        }
        let fine = report(.ok)
        XCTAssertEqual(fine.level, .unknown)
        XCTAssertEqual(fine.reasons, [closed])
        let lost = report(.missing)
        XCTAssertEqual(lost.level, .critical)
        XCTAssertEqual(lost.reasons.first, "\(LiveDatabaseState.missing.description): the backups cannot be read here")
        XCTAssertFalse(lost.reasons.contains { $0.contains("no successful backup") || $0.contains("no verified backup") }, "\(lost.reasons)")
        // The same empty folders, when read, are critical.
        let read = HealthEvaluator.evaluate(frequency: threeHours, history: [], backups: [], freeBytes: 10 << 30, mountPoint: "/",
                                            expectedBackupBytes: 40 * mib, snapshot: nil, now: now)
        XCTAssertEqual(read.level, .critical)
        XCTAssertTrue(read.reasons.contains("no successful backup yet"), "\(read.reasons)")
    }

    /// Only the history's folder closed: the backups on disk are still judged (a corrupt
    /// one, none verified), but an empty history proves no lack of success.
    func testAClosedHistoryFolderStillJudgesTheBackupsOnDisk() {
        let closed = "cannot read /shop/logs: permission denied (running as nobody; owned by root)"
        let bad = backup(hoursAgo: 1, size: 40 * mib, status: .corrupt)
        let r = HealthEvaluator.evaluate(frequency: threeHours, history: [], backups: [bad], freeBytes: 10 << 30, mountPoint: "/",
                                         expectedBackupBytes: 40 * mib, snapshot: nil, now: now, unknowns: [closed],
                                         schedulerExpected: true, historyReadable: false)
        XCTAssertEqual(r.level, .critical)
        XCTAssertTrue(r.reasons.contains("no verified backup on disk"), "\(r.reasons)")
        XCTAssertTrue(r.reasons.contains { $0.hasPrefix("1 corrupt backup on disk (") }, "\(r.reasons)")
        XCTAssertTrue(r.reasons.contains(closed), "\(r.reasons)")
        XCTAssertTrue(r.reasons.contains { $0.hasPrefix("no scheduler running") }, "the lock is in backups/, which was read: \(r.reasons)")
        XCTAssertFalse(r.reasons.contains("no successful backup yet"), "\(r.reasons)")
        // A closed backup folder hides the scheduler's lock as well.
        let hidden = HealthEvaluator.evaluate(frequency: threeHours, history: [], backups: [], freeBytes: 10 << 30, mountPoint: "/",
                                              expectedBackupBytes: 40 * mib, snapshot: nil, now: now, unknowns: [closed],
                                              schedulerExpected: true, backupsReadable: false, historyReadable: false)
        XCTAssertEqual(hidden.reasons, [closed])
    }

    func testFailuresInARow() {
        let one = evaluate(history: [attempt(hoursAgo: 1.2, .success), attempt(hoursAgo: 0.1, .failure, message: "database is locked by another process for 30 s")])
        XCTAssertEqual(one.level, .warning)
        XCTAssertEqual(one.reasons, ["the last backup failed: database is locked by another process for 30 s"])

        let two = evaluate(history: [attempt(hoursAgo: 1.2, .success), attempt(hoursAgo: 0.5, .failure), attempt(hoursAgo: 0.1, .failure)])
        XCTAssertEqual(two.level, .warning)
        XCTAssertEqual(two.reasons, ["2 backups failed in a row: disk full"])

        let three = evaluate(history: [attempt(hoursAgo: 1.2, .success), attempt(hoursAgo: 1, .failure),
                                       attempt(hoursAgo: 0.5, .failure), attempt(hoursAgo: 0.1, .failure, message: "database is locked by another process for 30 s")])
        XCTAssertEqual(three.level, .critical)
        XCTAssertEqual(three.summary, "CRITICAL: 3 backups failed in a row: database is locked by another process for 30 s")

        // A success after failures clears them.
        let recovered = evaluate(history: [attempt(hoursAgo: 2, .failure), attempt(hoursAgo: 1.5, .failure),
                                           attempt(hoursAgo: 1.2, .failure), attempt(hoursAgo: 1, .success)])
        XCTAssertEqual(recovered.level, .ok)

        // A scheduler whose history could not be written still counts its own failures.
        var snapshot = SchedulerSnapshot(activity: .idle, frequency: "3h", intervalSeconds: 10800, updatedAt: now)
        snapshot.consecutiveFailures = 3
        snapshot.lastError = "disk full while writing"
        XCTAssertEqual(evaluate(snapshot: snapshot).summary, "CRITICAL: 3 backups failed in a row: disk full while writing")
    }

    func testAgeOfTheLastSuccess() {
        func age(_ hours: Double) -> HealthReport {
            evaluate(history: [attempt(hoursAgo: hours, .success)], backups: [backup(hoursAgo: hours, size: 40 * mib)])
        }
        XCTAssertEqual(age(4.4).level, .ok)            // under 1.5 x 3 h
        XCTAssertEqual(age(4.6).level, .warning)       // over 1.5 x
        XCTAssertEqual(age(4.6).reasons, ["last successful backup 4h36m ago, more than 1.5x the interval (every 3h)"])
        XCTAssertEqual(age(5.9).level, .warning)
        XCTAssertEqual(age(6.1).level, .critical)      // over 2 x
        XCTAssertEqual(age(6.1).reasons, ["last successful backup 6h6m ago, more than twice the interval (every 3h)"])
        // With a daily schedule, 6 h is fine.
        XCTAssertEqual(evaluate(frequency: .every(seconds: 86400), history: [attempt(hoursAgo: 6.1, .success)],
                                backups: [backup(hoursAgo: 6.1, size: 40 * mib)]).level, .ok)
    }

    func testNoSuccessEverIsCritical() {
        let r = evaluate(history: [], backups: [])
        XCTAssertEqual(r.level, .critical)
        XCTAssertEqual(r.reasons, ["no verified backup on disk", "no successful backup yet"])
    }

    func testAVerifiedBackupOnDiskCountsWhenTheHistoryIsGone() {
        XCTAssertEqual(evaluate(history: [], backups: [backup(hoursAgo: 1, size: 40 * mib)]).level, .ok)
        // An unverified or corrupt file does not.
        XCTAssertEqual(evaluate(history: [], backups: [backup(hoursAgo: 1, size: 40 * mib, status: .corrupt)]).level, .critical)
    }

    func testSizeChangeAgainstThePreviousBackup() {
        func sizes(_ previous: Int64, _ newest: Int64) -> HealthReport {
            evaluate(backups: [backup(hoursAgo: 4, size: previous), backup(hoursAgo: 1, size: newest)])
        }
        XCTAssertEqual(sizes(40 * mib, 21 * mib).level, .ok)
        XCTAssertEqual(sizes(40 * mib, 79 * mib).level, .ok)
        let shrunk = sizes(40 * mib, 19 * mib)
        XCTAssertEqual(shrunk.level, .warning)
        XCTAssertTrue(shrunk.reasons[0].contains("is 19.0 MiB, under half the previous one (40.0 MiB)"), shrunk.summary)
        let grown = sizes(40 * mib, 81 * mib)
        XCTAssertEqual(grown.level, .warning)
        XCTAssertTrue(grown.reasons[0].contains("over twice the previous one"), grown.summary)
        // Pre-update backups are not compared with regular ones.
        let withPreUpdate = evaluate(backups: [backup(hoursAgo: 4, size: 40 * mib), backup(hoursAgo: 2, size: 1 * mib, kind: .preUpdate),
                                               backup(hoursAgo: 1, size: 40 * mib)])
        XCTAssertEqual(withPreUpdate.level, .ok)
    }

    func testFreeSpaceAgainstTheExpectedBackupSize() {
        XCTAssertEqual(evaluate(free: 81 * mib, expected: 40 * mib).level, .ok)
        let low = evaluate(free: 79 * mib, expected: 40 * mib)
        XCTAssertEqual(low.level, .warning)
        XCTAssertEqual(low.reasons, ["free space is low: 79.0 MiB free on /, under twice the backup size (40.0 MiB)"])
        let full = evaluate(free: 40 * mib, expected: 40 * mib)
        XCTAssertEqual(full.level, .critical)
        XCTAssertEqual(full.reasons, ["the next backup will not fit: about 40.0 MiB needed, 40.0 MiB free on /"])
        // Without the live size, the newest backup's size is the estimate.
        XCTAssertEqual(evaluate(free: 30 * mib, expected: nil).level, .critical)
    }

    func testOffIsAWarningNeverOK() {
        let r = evaluate(frequency: .off)
        XCTAssertEqual(r.level, .warning)
        XCTAssertEqual(r.reasons, ["scheduled backups are off (backup_frequency = off); last successful backup 1h ago"])
        // Other problems still show, worst first.
        let worse = evaluate(frequency: .off, free: 1 * mib)
        XCTAssertEqual(worse.level, .critical)
        XCTAssertTrue(worse.reasons[0].hasPrefix("the next backup will not fit"), worse.summary)
        XCTAssertTrue(worse.reasons[1].hasPrefix("scheduled backups are off"), worse.summary)
    }

    func testUnreadableInputsAreUnknownUnlessSomethingIsWorse() {
        let unknown = evaluate(frequency: nil, unknowns: ["cannot read backup_frequency: database is locked"])
        XCTAssertEqual(unknown.level, .unknown)
        XCTAssertEqual(unknown.summary, "UNKNOWN: cannot read backup_frequency: database is locked")
        let warning = evaluate(history: [attempt(hoursAgo: 1, .success), attempt(hoursAgo: 0.1, .failure)], unknowns: ["cannot read free space"])
        XCTAssertEqual(warning.level, .unknown)
        let critical = evaluate(history: [], backups: [], unknowns: ["cannot read free space"])
        XCTAssertEqual(critical.level, .critical)
        XCTAssertEqual(critical.reasons, ["no verified backup on disk", "no successful backup yet", "cannot read free space"])
    }

    func testEvaluateOnARealDataDir() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = ManualClock(now: Date())
        let engine = BackupEngine(layout: layout, clock: clock)
        XCTAssertEqual(HealthEvaluator.evaluate(engine: engine, snapshot: nil, now: clock.now()).reasons.last,
                       "no scheduler running (start the daemon or the console)")
        try engine.setSchedulerExpected("false")
        XCTAssertEqual(HealthEvaluator.evaluate(engine: engine, snapshot: nil, now: clock.now()).reasons,
                       ["no verified backup on disk", "no successful backup yet"])
        _ = try engine.createBackup(kind: .manual)
        XCTAssertEqual(HealthEvaluator.evaluate(engine: engine, snapshot: nil, now: clock.now()).level, .ok)
        clock.advance(by: 7 * 3600)
        XCTAssertEqual(HealthEvaluator.evaluate(engine: engine, snapshot: nil, now: clock.now()).level, .critical)
        try engine.setFrequency("off")
        XCTAssertEqual(HealthEvaluator.evaluate(engine: engine, snapshot: nil, now: clock.now()).level, .warning)
        // The database gone (its settings table with it: back to the 3 h default): the
        // rules cannot tell the size of the next backup, and the last one is 7 h old.
        try FileManager.default.removeItem(atPath: layout.databasePath)
        let r = HealthEvaluator.evaluate(engine: engine, snapshot: nil, now: clock.now())
        XCTAssertEqual(r.level, .critical, r.summary)
        XCTAssertTrue(r.reasons.first?.hasPrefix("live database missing: restore backup-") == true, r.summary)
        XCTAssertTrue(r.reasons.contains("last successful backup 7h ago, more than twice the interval (every 3h)"), r.summary)
    }
}

/// The live database's classification and the severities it leads to.
final class LiveDatabaseHealthTests: XCTestCase {
    private func backup(_ name: String, hoursAgo: Double, status: BackupStatus = .verified, now: Date) -> BackupEntry {
        BackupEntry(name: name, path: "/b/" + name, kind: .scheduled, createdAt: now.addingTimeInterval(-hoursAgo * 3600),
                    sizeBytes: 1 << 20, status: status, statusDetail: nil, appVersion: nil, record: nil)
    }

    func testTheInspectorNamesEachBrokenFile() throws {
        let tmp = TempDir()
        let path = tmp.file("mr5-pos.db")
        let inspect = { LiveDatabaseInspector(databasePath: path, busyTimeoutMs: 1000).classify(full: false) }
        XCTAssertEqual(inspect(), .missing)
        FileManager.default.createFile(atPath: path, contents: Data())
        XCTAssertEqual(inspect(), .empty)
        FileManager.default.createFile(atPath: path, contents: Data("hello, this is a plain text file that is long enough to have a header".utf8 + [UInt8](repeating: 32, count: 100)))
        XCTAssertEqual(inspect(), .notADatabase)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        guard case .unreadable = inspect() else { return XCTFail("a folder is not a database file") }
        try FileManager.default.removeItem(atPath: path)
        let layout = try makeDataDir(tmp)
        XCTAssertEqual(LiveDatabaseInspector(databasePath: layout.databasePath, busyTimeoutMs: 1000).classify(full: true), .ok)
    }

    func testCheckFindingsAreOneLineAndKeepEveryProblem() {
        let lines = ["*** in database main ***"] + (1...20).map { "Page \(4042 + $0): btreeInitPage() returns error code 11" }
        let findings = CheckFindings(check: "quick_check", lines: lines)
        XCTAssertEqual(findings.summary, "quick_check found 20 problems (first: Page 4043: btreeInitPage() returns error code 11)")
        XCTAssertEqual(findings.detail.split(separator: "\n").count, 20)
        XCTAssertEqual(CheckFindings(check: "quick_check", lines: ["row 3 missing from index x"]).summary,
                       "quick_check found 1 problem: row 3 missing from index x")
        XCTAssertEqual(OneLine.make("a\nb\n\nc"), "a; b; c")
        XCTAssertEqual(OneLine.make(String(repeating: "x", count: 300)).count, 200)
    }

    func testSeverityFollowsTheLiveDatabase() {
        let now = Date()
        let backups = [backup("backup-new.db", hoursAgo: 1, now: now)]
        func level(_ live: LiveDatabaseState, last: LiveCheckRecord? = nil) -> HealthReport {
            HealthEvaluator.evaluate(frequency: .defaultFrequency, history: [], backups: backups, freeBytes: 1 << 40,
                                     expectedBackupBytes: 1 << 20, snapshot: nil, now: now, live: live, lastLiveCheck: last)
        }
        XCTAssertEqual(level(.ok).level, .ok)
        for lost in [LiveDatabaseState.missing, .empty, .notADatabase] {
            let r = level(lost)
            XCTAssertEqual(r.level, .critical, "\(lost)")
            XCTAssertEqual(r.reasons.first, "\(lost.description): restore backup-new.db (newest verified, 1h ago)")
        }
        let damaged = CheckFindings(check: "quick_check", lines: ["Page 7: bad", "Page 8: bad"])
        XCTAssertEqual(level(.damaged(damaged)).reasons.first,
                       "live database damaged (Page 7: bad and 1 more): restore backup-new.db (newest verified, 1h ago)")
        // A full check that found damage stands until a newer one says otherwise.
        let record = LiveCheckRecord(state: .damaged(damaged), checkedAt: now, source: .liveQuickCheck)
        XCTAssertEqual(level(.ok, last: record).level, .critical)
        XCTAssertEqual(level(.ok, last: LiveCheckRecord(state: .ok, checkedAt: now, source: .backup)).level, .ok)
        XCTAssertEqual(level(.hotJournal).level, .warning)
        XCTAssertEqual(level(.unreadable("permission denied")).level, .unknown)
    }

    func testCorruptBackupsNoVerifiedBackupAndTheSchedulerAreJudged() {
        let now = Date()
        let corrupt = [backup("backup-a.db", hoursAgo: 1, status: .corrupt, now: now), backup("backup-b.db", hoursAgo: 2, status: .corrupt, now: now)]
        let none = HealthEvaluator.evaluate(frequency: .defaultFrequency, history: [], backups: corrupt, freeBytes: 1 << 40,
                                            expectedBackupBytes: 1 << 20, snapshot: nil, now: now)
        XCTAssertEqual(none.level, .critical)
        XCTAssertTrue(none.reasons.contains("no verified backup on disk"), none.summary)
        XCTAssertTrue(none.reasons.contains("2 corrupt backups on disk (backup-a.db, backup-b.db): delete or verify them"), none.summary)
        let good = [backup("backup-c.db", hoursAgo: 0.5, now: now)]
        func scheduler(expected: Bool?) -> HealthLevel {
            HealthEvaluator.evaluate(frequency: .defaultFrequency, history: [], backups: good, freeBytes: 1 << 40,
                                     expectedBackupBytes: 1 << 20, snapshot: nil, now: now, schedulerExpected: expected).level
        }
        XCTAssertEqual(scheduler(expected: true), .warning)
        XCTAssertEqual(scheduler(expected: false), .ok)
    }

    func testABackupDatedAfterNowIsNamedNeverCountsAsASuccessAndTheNextRunStaysNear() {
        let now = Date(timeIntervalSince1970: 978_336_000)   // 2001-01-01 08:00 UTC
        let future = [backup("backup-2026.db", hoursAgo: -(26 * 365 * 24), now: now)]
        let r = HealthEvaluator.evaluate(frequency: .defaultFrequency, history: [], backups: future, freeBytes: 1 << 40,
                                         expectedBackupBytes: 1 << 20, snapshot: nil, now: now)
        // Counted as a success it would hide an overdue backup for 26 years.
        XCTAssertEqual(r.level, .critical, r.summary)
        XCTAssertTrue(r.reasons.contains("no successful backup dated before the current time"), r.summary)
        XCTAssertTrue(r.has(.backupDatedAfterNow), r.summary)
        XCTAssertTrue(r.reasons.contains { $0.hasPrefix("backup-2026.db is dated after the current time (") && $0.hasSuffix("): delete it if the clock was wrong, else set the date") }, r.summary)
        var summary = BackupHistorySummary()
        summary.lastSuccessAt = future[0].createdAt
        summary.lastAttemptAt = future[0].createdAt
        summary.lastAttemptSucceeded = true
        let next = SchedulePlanner.projectedNextRun(history: summary, frequency: .defaultFrequency, now: now)
        XCTAssertEqual(next, now.addingTimeInterval(3 * 3600))
    }

    func testRetentionNeverRemovesTheBackupItRunsAfterUnderAClockSetBack() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_795_000_000))
        let engine = BackupEngine(layout: layout, clock: clock)
        try engine.setRetention("backup_keep", 2)
        try engine.setRetention("backup_keep_daily", 0)
        try engine.setRetention("backup_keep_weekly", 0)
        for _ in 0..<3 { _ = try engine.createBackup(); clock.advance(by: 3600) }
        clock.jumpWallClock(by: -26 * 365 * 86400)
        let old = try engine.createBackup()
        XCTAssertTrue(engine.listBackups().contains { $0.name == old.entry.name }, "the backup just made stays")
        let next = try engine.createBackup()
        let names = engine.listBackups().map(\.name)
        XCTAssertEqual(Array(names.prefix(2)), [next.entry.name, old.entry.name], "newest by the order made, not by the clock")
        XCTAssertEqual(names.count, 2)
    }
}
