@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// No spam, no loss: one event per change of state, a reminder every 24 h, then recovery.
final class NotifierTests: XCTestCase {
    func testAStreakIsToldOnceRemindedAfterADayAndRecovered() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_795_000_000))
        let engine = BackupEngine(layout: layout, clock: clock, metrics: .none)
        try engine.setSchedulerExpected("false")
        _ = try engine.createBackup()
        try engine.addNotifyTarget(NotifyTarget(kind: .command, target: "/bin/true"))
        // As after every command and on the scheduler's ticks: record, then judge the conditions.
        func failure() {
            engine.record(HistoryEntry(startedAt: clock.now(), operation: .create, trigger: .scheduler, outcome: .failure,
                                       durationSeconds: 1, kind: .scheduled, message: "database is locked"))
            engine.notifier.evaluateConditions()
        }
        func queued() -> [String] { NotificationOutbox(path: layout.notifyOutboxPath).read().map(\.event.event.rawValue) }

        failure(); clock.advance(by: 600); failure(); clock.advance(by: 600); failure()
        XCTAssertEqual(queued(), ["backup_failed"], "three failures, one event")
        clock.advance(by: 25 * 3600)
        engine.notifier.evaluateConditions()
        XCTAssertEqual(queued(), ["backup_failed", "backup_failed", "backup_overdue"], "a reminder after 24 h (and the backup is now overdue)")
        _ = try engine.createBackup()
        engine.notifier.evaluateConditions()
        XCTAssertEqual(queued().last, "backup_recovered")
        XCTAssertEqual(queued().filter { $0 == "backup_recovered" }.count, 1)

        // Delivery empties the outbox and records each result.
        let results = engine.notifier.deliverPending()
        XCTAssertEqual(results.count, 4)
        XCTAssertTrue(results.allSatisfy(\.ok))
        XCTAssertEqual(engine.notifier.pendingCount(), 0)
        XCTAssertEqual(engine.history().filter { $0.operation == .notify }.count, 4)
    }

    func testSecretsInURLsAreMasked() {
        XCTAssertEqual(SecretMask.mask("https://hooks.slack.com/services/T000/B000/XXXX"), "https://hooks.slack.com/…")
        XCTAssertEqual(SecretMask.mask("https://hc-ping.com/5b0c-uuid?x=1"), "https://hc-ping.com/…")
        XCTAssertEqual(SecretMask.mask("http://127.0.0.1:8080"), "http://127.0.0.1:8080")
        XCTAssertEqual(NotifyTarget(kind: .webhook, target: "https://user:pw@example.com/h").display, "webhook https://example.com/…")
        XCTAssertEqual(NotifyTarget(kind: .command, target: "/usr/bin/curl -fsS https://hooks.example.com/T/SECRET").display,
                       "command /usr/bin/curl …")
    }
}
