import BackupEngine
import Foundation
import XCTest
@testable import Console

/// The controller's own steps go through the state like the keys': a signal while idle
/// ends the console, while an operation runs it waits for it (a second one leaves at once).
final class ControllerStepsTests: XCTestCase {
    func testASignalWaitsForARunningOperationAndASecondOneLeaves() throws {
        let f = try ConsoleFixture()
        var idle = f.state()
        idle.interrupted()
        XCTAssertTrue(idle.finished)

        var busy = f.state()
        XCTAssertEqual(busy.apply(.create), [.create])
        busy.interrupted()
        XCTAssertFalse(busy.finished)
        XCTAssertTrue(busy.quitting)
        XCTAssertEqual(busy.flash, "Stopping: waiting for the running operation to end...")
        busy.interrupted()
        XCTAssertTrue(busy.finished)
    }

    func testTheSchedulerAndTheClockReachTheStateThroughItsSteps() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        state.schedulerStartBegan()
        XCTAssertTrue(state.schedulerStarting)
        state.schedulerUpdated(nil, started: true)
        XCTAssertFalse(state.schedulerStarting)
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        state.tick(now: now, monotonicNanos: 42)
        XCTAssertEqual(state.now, now)
        XCTAssertEqual(state.monotonicNanos, 42)
        state.finish()
        XCTAssertTrue(state.finished)
    }
}

final class OutcomeWordingTests: XCTestCase {
    func testACreateSaysWhichBackupsRetentionRemoved() throws {
        let f = try ConsoleFixture()
        var result = try f.engine.createBackup()
        result.pruned = ["backup-2027-01-01-010000.db"]
        guard case .success(let one) = OperationOutcome.created(result) else { return XCTFail() }
        XCTAssertTrue(one.hasSuffix("; retention removed backup-2027-01-01-010000.db"), one)
        result.pruned.append("backup-2027-01-01-020000.db")
        guard case .success(let two) = OperationOutcome.created(result) else { return XCTFail() }
        XCTAssertTrue(two.hasSuffix("; retention removed backup-2027-01-01-010000.db and 1 more"), two)
    }
}
