@testable import BackupEngine
import Foundation
import XCTest
@testable import Console

/// The alerts line (how the newest delivery to each kind of notification target went)
/// and the key that sends a test to every target.
final class AlertsLineTests: XCTestCase {
    /// Two targets, the webhook delivered 2 h ago and the ping failed 5 min ago, as the
    /// engine records deliveries.
    private func fixtureWithDeliveries() throws -> (ConsoleFixture, [NotifyTarget]) {
        let f = try ConsoleFixture()
        let targets = [NotifyTarget(kind: .webhook, target: "https://hooks.example.com/T000/secret"),
                       NotifyTarget(kind: .ping, target: "https://hc-ping.com/uuid-secret")]
        for t in targets { try f.engine.addNotifyTarget(t) }
        f.engine.recordNotification(HistoryEntry(startedAt: f.clock.now().addingTimeInterval(-7200), operation: .notify, trigger: .scheduler,
                                                 outcome: .success, durationSeconds: 0.012, message: targets[0].display + " test: delivered (HTTP 200, 12 ms)"))
        f.engine.recordNotification(HistoryEntry(startedAt: f.clock.now().addingTimeInterval(-300), operation: .notify, trigger: .scheduler,
                                                 outcome: .failure, durationSeconds: 10, message: targets[1].display + " ping: failed: timed out after 10 s"))
        return (f, targets)
    }

    func testTheAlertsLineSaysHowTheNewestDeliveryOfEachKindWent() throws {
        let (f, _) = try fixtureWithDeliveries()
        let grid = ScreenRenderer.render(f.state(), width: 80, height: 24)
        XCTAssertEqual(grid.line(20).replacingTrailingSpaces(), " Alerts: webhook ✓ 2h 00m ago · ping ✗ 5m ago · n test", grid.text)
        XCTAssertEqual(grid.style(of: "Alerts:")?.role, .warning, "a failed kind")
        let ascii = ScreenRenderer.render(f.state(unicode: false), width: 80, height: 24)
        XCTAssertEqual(ascii.line(20).replacingTrailingSpaces(), " Alerts: webhook ok 2h 00m ago | ping FAILED 5m ago | n test", ascii.text)

        // A kind never delivered yet, and deliveries waiting.
        try f.engine.addNotifyTarget(NotifyTarget(kind: .command, target: "/usr/bin/true"))
        var state = f.state(width: 120, height: 30)
        state.refreshed { $0.pendingAlerts = 2 }
        let line = ScreenRenderer.render(state, width: 120, height: 30).line(26)
        XCTAssertTrue(line.contains("ping ✗ 5m ago · command not sent yet · 2 waiting · n test"), line)
    }

    func testNSendsATestOnAWorkerAndReportsEachDeliveryInALine() throws {
        let f = try ConsoleFixture()
        var none = f.state()
        XCTAssertEqual(none.apply(KeyMap.action(for: .char("n"), in: none)), [])
        XCTAssertEqual(none.flash, "No alerts to test: none set up (mr5-backup notify add webhook|ping|command TARGET)")

        // Nothing listens on port 1: the delivery fails at once, and says so.
        try f.engine.addNotifyTarget(NotifyTarget(kind: .webhook, target: "http://127.0.0.1:1/hook"))
        var state = f.state()
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("n"), in: state)), [.testAlerts])
        XCTAssertEqual(state.operation?.kind, .alertTest)
        XCTAssertTrue(ScreenRenderer.render(state, width: 80, height: 24).line(22).contains("Sending test alerts to 1 target…"))
        _ = f.engine.notifier.queueTest()
        let outcome = OperationOutcome.alertTest(f.engine.notifier.deliverPending())
        guard case .report(let title, let lines) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(title, "Alert test: 1 of 1 failed")
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].hasPrefix("webhook http://127.0.0.1:1/… failed: "), lines[0])
        XCTAssertEqual(state.operationFinished(outcome), [.wakeScheduler, .refresh])
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("Alert test: 1 of 1 failed") && grid.contains("webhook http://127.0.0.1:1/… failed: "), grid.text)

        let ok = DeliveryResult(target: "webhook http://127.0.0.1:8080/…", ok: true, detail: "HTTP 200", at: f.clock.now(), milliseconds: 212)
        XCTAssertEqual(OperationOutcome.alertTest([ok]), .report(title: "Alert test: every delivery ok", lines: ["webhook http://127.0.0.1:8080/… ok 212 ms"]))

        var readOnly = f.state()
        readOnly.refreshed { $0.readOnly = "cannot write /x (running as nobody; owned by pos)" }
        XCTAssertEqual(readOnly.apply(.testAlerts), [])
        XCTAssertEqual(readOnly.flash, "Alert test refused: read-only, cannot write /x (running as nobody; owned by pos)")
    }
}
