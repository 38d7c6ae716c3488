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
        XCTAssertEqual(r.reasons, ["no successful backup yet"])
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
        XCTAssertEqual(critical.reasons, ["no successful backup yet", "cannot read free space"])
    }

    func testEvaluateOnARealDataDir() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = ManualClock(now: Date())
        let engine = BackupEngine(layout: layout, clock: clock)
        XCTAssertEqual(HealthEvaluator.evaluate(engine: engine, snapshot: nil, now: clock.now()).reasons, ["no successful backup yet"])
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
        XCTAssertEqual(r.reasons.first, "last successful backup 7h ago, more than twice the interval (every 3h)")
        XCTAssertTrue(r.reasons.contains { $0.hasPrefix("cannot read the database: database not found") }, r.summary)
    }
}
