@testable import BackupEngine
import Foundation
import XCTest

/// The schedule rules as pure functions (the threaded scheduler is tested in SchedulerTests).
final class SchedulePlannerTests: XCTestCase {
    let threeHours: TimeInterval = 3 * 3600

    func testFirstRunIsTwoMinutesAfterStartWithoutARecentBackup() {
        // No backup ever.
        XCTAssertEqual(SchedulePlanner.nextRun(.init(startedAt: 1000), interval: threeHours), 1000 + 120)
        // Last success 5 h before start (older than the 3 h interval): the overnight catch-up.
        let old = SchedulePlanner.State(startedAt: 100_000, lastSuccessAt: 100_000 - 5 * 3600)
        XCTAssertEqual(SchedulePlanner.nextRun(old, interval: threeHours), 100_000 + 120)
        // Exactly one interval old counts as not younger.
        let edge = SchedulePlanner.State(startedAt: 100_000, lastSuccessAt: 100_000 - threeHours)
        XCTAssertEqual(SchedulePlanner.nextRun(edge, interval: threeHours), 100_000 + 120)
    }

    func testFirstRunWaitsForTheIntervalAfterARecentBackup() {
        // Last success 1 h before start: next at last success + 3 h, i.e. 2 h after start.
        let recent = SchedulePlanner.State(startedAt: 100_000, lastSuccessAt: 100_000 - 3600)
        XCTAssertEqual(SchedulePlanner.nextRun(recent, interval: threeHours), 100_000 + 2 * 3600)
        // Failures before the start do not change the first-run rule.
        var failing = recent
        failing.consecutiveFailures = 4
        failing.lastFailureAt = 100_000 - 10
        XCTAssertEqual(SchedulePlanner.nextRun(failing, interval: threeHours), 100_000 + 2 * 3600)
    }

    func testIntervalChangeBeforeTheFirstRunReappliesTheRule() {
        let s = SchedulePlanner.State(startedAt: 100_000, lastSuccessAt: 100_000 - 3600)
        // 1 h ago is no longer younger than a 30 min interval: 2 minutes after start.
        XCTAssertEqual(SchedulePlanner.nextRun(s, interval: 1800), 100_000 + 120)
        // Daily: 23 h after start.
        XCTAssertEqual(SchedulePlanner.nextRun(s, interval: 86400), 100_000 - 3600 + 86400)
    }

    func testAfterASuccessTheNextRunIsOneIntervalAfterItStarted() {
        let s = SchedulePlanner.State(startedAt: 0, lastSuccessAt: 500, consecutiveFailures: 0, hasAttempted: true)
        XCTAssertEqual(SchedulePlanner.nextRun(s, interval: threeHours), 500 + threeHours)
        XCTAssertEqual(SchedulePlanner.nextRun(s, interval: 3600), 500 + 3600)
    }

    func testBackoffDoublesFromFiveMinutesAndNeverPassesTheInterval() {
        let minutes = (1...7).map { SchedulePlanner.backoff(afterFailures: $0, interval: threeHours) / 60 }
        XCTAssertEqual(minutes, [5, 10, 20, 40, 80, 160, 180])
        XCTAssertEqual(SchedulePlanner.backoff(afterFailures: 1000, interval: threeHours), threeHours)
        XCTAssertEqual(SchedulePlanner.backoff(afterFailures: 3, interval: 600), 600)
    }

    func testRetryAfterFailureFollowsTheBackoffAndTheRegularRun() {
        // Success at 0, failure ending at 3 h: retry 5 minutes later.
        var s = SchedulePlanner.State(startedAt: 0, lastSuccessAt: 0, lastFailureAt: threeHours,
                                      consecutiveFailures: 1, hasAttempted: true)
        XCTAssertEqual(SchedulePlanner.nextRun(s, interval: threeHours), threeHours + 300)
        // A manual success at 1 h followed by a failure at 1.5 h (e.g. the CLI's): the
        // 20-minute retry (3rd failure) stays, but never later than 1 h + 3 h.
        s = SchedulePlanner.State(startedAt: 0, lastSuccessAt: 3600, lastFailureAt: 3.9 * 3600,
                                  consecutiveFailures: 3, hasAttempted: true)
        XCTAssertEqual(SchedulePlanner.nextRun(s, interval: threeHours), 4 * 3600)
    }

    func testProjectedNextRunFromHistoryForStatus() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var h = BackupHistorySummary()
        XCTAssertNil(SchedulePlanner.projectedNextRun(history: h, frequency: .every(seconds: 10800)))
        h.lastSuccessAt = t0
        h.lastAttemptAt = t0
        h.lastAttemptSucceeded = true
        XCTAssertEqual(SchedulePlanner.projectedNextRun(history: h, frequency: .every(seconds: 10800)), t0.addingTimeInterval(10800))
        XCTAssertNil(SchedulePlanner.projectedNextRun(history: h, frequency: .off))
        h.lastAttemptAt = t0.addingTimeInterval(10800)
        h.lastAttemptSucceeded = false
        h.consecutiveFailures = 2
        XCTAssertEqual(SchedulePlanner.projectedNextRun(history: h, frequency: .every(seconds: 10800)), t0.addingTimeInterval(10800 + 600))
    }

    func testDurationText() {
        XCTAssertEqual(SchedulePlanner.durationText(42), "42s")
        XCTAssertEqual(SchedulePlanner.durationText(42 * 60), "42m")
        XCTAssertEqual(SchedulePlanner.durationText(2 * 3600 + 18 * 60), "2h18m")
        XCTAssertEqual(SchedulePlanner.durationText(3 * 3600), "3h")
        XCTAssertEqual(SchedulePlanner.durationText(3 * 86400 + 4 * 3600), "3d4h")
        XCTAssertEqual(SchedulePlanner.durationText(-5), "0s")
    }

    func testHistorySummaryCountsFailuresInARowAndSkipsCancelled() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func entry(_ minutes: Double, _ outcome: HistoryEntry.Outcome, _ op: HistoryEntry.Operation = .create, _ msg: String? = nil) -> HistoryEntry {
            HistoryEntry(startedAt: t0.addingTimeInterval(minutes * 60), operation: op, trigger: .scheduler, outcome: outcome,
                         durationSeconds: 1, backupName: outcome == .success ? "backup-\(Int(minutes)).db" : nil,
                         sizeBytes: outcome == .success ? 4096 : nil, message: msg ?? (outcome == .failure ? "disk full" : "ok"))
        }
        let history = [
            entry(0, .failure), entry(10, .success), entry(20, .failure), entry(30, .failure, .verify),
            entry(40, .failure, .create, "database is locked"), entry(50, .failure, .create, BackupError.cancelled.description),
        ]
        let s = BackupHistorySummary(history: history.shuffled())
        XCTAssertEqual(s.consecutiveFailures, 2)
        XCTAssertEqual(s.failuresTotal, 3)
        XCTAssertEqual(s.lastSuccessAt, t0.addingTimeInterval(600))
        XCTAssertEqual(s.lastSuccessName, "backup-10.db")
        XCTAssertEqual(s.lastAttemptAt, t0.addingTimeInterval(2400))
        XCTAssertEqual(s.lastAttemptSucceeded, false)
        XCTAssertEqual(s.lastError, "database is locked")
    }
}
