@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The rules for adopting other processes' attempts into the scheduler's plan.
final class HistoryAdoptionTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let nowMono = 10_000.0

    private func summary(success: Date? = nil, attempt: Date? = nil, succeeded: Bool? = nil, failures: Int = 0) -> BackupHistorySummary {
        var s = BackupHistorySummary()
        s.lastSuccessAt = success
        s.lastAttemptAt = attempt
        s.lastAttemptSucceeded = succeeded
        s.consecutiveFailures = failures
        return s
    }

    func testAManualSuccessElsewhereBecomesTheLastSuccessInMonotonicTime() {
        var adoption = HistoryAdoption()
        var plan = SchedulePlanner.State(startedAt: 9_000)
        let success = now.addingTimeInterval(-600)
        let current = adoption.adopt(summary(success: success, attempt: success, succeeded: true), into: &plan, nowWall: now, nowMono: nowMono)
        XCTAssertTrue(current)
        XCTAssertEqual(plan.lastSuccessAt, nowMono - 600)
        XCTAssertEqual(adoption.adoptedSuccess, success)
        XCTAssertEqual(plan.consecutiveFailures, 0)
    }

    func testASuccessAlreadyAdoptedIsNotTakenAgain() {
        let success = now.addingTimeInterval(-600)
        var adoption = HistoryAdoption(adoptedSuccess: success)
        var plan = SchedulePlanner.State(startedAt: 9_000, lastSuccessAt: 9_999)
        _ = adoption.adopt(summary(success: success, attempt: success, succeeded: true), into: &plan, nowWall: now, nowMono: nowMono)
        XCTAssertEqual(plan.lastSuccessAt, 9_999, "our own, more precise time is kept")
    }

    func testAHistoryOlderThanOurOwnAttemptIsNotTheTruth() {
        var adoption = HistoryAdoption(ownLastAttempt: now.addingTimeInterval(-10))
        var plan = SchedulePlanner.State(startedAt: 9_000, consecutiveFailures: 2)
        let old = now.addingTimeInterval(-3600)
        let current = adoption.adopt(summary(attempt: old, succeeded: false, failures: 7), into: &plan, nowWall: now, nowMono: nowMono)
        XCTAssertFalse(current)
        XCTAssertEqual(plan.consecutiveFailures, 2)
        XCTAssertNil(plan.lastFailureAt)
    }

    func testAFailureByAnotherProcessStartsTheBackoffAndTheCount() {
        var adoption = HistoryAdoption(ownLastAttempt: now.addingTimeInterval(-7200))
        var plan = SchedulePlanner.State(startedAt: 9_000)
        let failed = now.addingTimeInterval(-60)
        XCTAssertTrue(adoption.adopt(summary(attempt: failed, succeeded: false, failures: 3), into: &plan, nowWall: now, nowMono: nowMono))
        XCTAssertEqual(plan.consecutiveFailures, 3)
        XCTAssertEqual(plan.lastFailureAt, nowMono - 60)
        XCTAssertEqual(adoption.adoptedFailure, failed)
    }

    func testOurOwnFailureKeepsItsEndTimeNotTheHistorysStart() {
        let own = now.addingTimeInterval(-30)
        var adoption = HistoryAdoption(adoptedFailure: now, ownLastAttempt: own)
        var plan = SchedulePlanner.State(startedAt: 9_000, lastFailureAt: nowMono - 1, consecutiveFailures: 1)
        XCTAssertTrue(adoption.adopt(summary(attempt: own, succeeded: false, failures: 1), into: &plan, nowWall: now, nowMono: nowMono))
        XCTAssertEqual(plan.lastFailureAt, nowMono - 1)
        XCTAssertEqual(plan.consecutiveFailures, 1)
    }

    func testAFutureDatedHistoryEntryNeverLiesAheadOfNow() {
        var adoption = HistoryAdoption()
        var plan = SchedulePlanner.State(startedAt: 9_000)
        let future = now.addingTimeInterval(3600)
        _ = adoption.adopt(summary(success: future, attempt: future, succeeded: true), into: &plan, nowWall: now, nowMono: nowMono)
        XCTAssertEqual(plan.lastSuccessAt, nowMono, "a success dated in the future counts as now, not later")
    }
}
