@testable import BackupEngine
import Foundation
import XCTest
@testable import Console

/// The moment picker as the reducer drives it: opened on the replica's window, typed or
/// stepped inside it, Enter fetching only a moment it holds, every letter typed as text.
final class MomentPickerTests: XCTestCase {
    /// A refresh that finds continuous protection running and caught up, its window from
    /// `windowFrom` seconds back to now (`change` alters the status first).
    static func withContinuous(_ state: inout ConsoleState, _ f: ConsoleFixture, windowFrom: TimeInterval = -7 * 86_400,
                               change: (inout ContinuousStatus) -> Void = { _ in }) {
        let now = state.now
        var status = ContinuousStatus(config: ContinuousConfig(replica: "/media/usb/c", replicaPath: "/media/usb/c/till-1/0123456789abcdef",
                                                               terminal: "till-1", install: "0123456789abcdef", configuredAt: now),
                                      installed: true, state: ContinuousState(), running: true)
        status.lastSyncAt = now
        status.windowStart = now.addingTimeInterval(windowFrom)
        change(&status)
        var data = ConsoleApp.read(engine: f.engine, snapshot: state.scheduler)
        data.continuous = status
        data.continuousWindow = now.addingTimeInterval(windowFrom)...now
        state.apply(data)
    }

    func testTheMomentIsTypedOrSteppedInsideTheWindowAndEnterFetchesIt() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 100, height: 30)
        XCTAssertEqual(state.apply(.openMoment), [])
        XCTAssertNil(state.dialog)
        XCTAssertEqual(state.flash, "Continuous protection is not set up: mr5-backup continuous init --replica DIR")

        Self.withContinuous(&state, f, windowFrom: -3600)
        _ = state.apply(.openMoment)
        guard case .moment(let opened)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        XCTAssertEqual(opened.moment, state.now.addingTimeInterval(-600), "ten minutes back")
        XCTAssertEqual(KeyContext(state), .moment)
        // Letters are text here, never a key's action (q would quit the list).
        XCTAssertEqual(KeyMap.action(for: .char("q"), in: state), .typeText("q"))
        XCTAssertEqual(KeyMap.action(for: .escape, in: state), .cancel)

        // Stepped: an hour back from ten minutes back is outside a one-hour window: held at its start.
        _ = state.apply(KeyMap.action(for: .pageDown, in: state))
        guard case .moment(let stepped)? = state.dialog else { return XCTFail() }
        XCTAssertEqual(stepped.moment, state.now.addingTimeInterval(-3600))
        _ = state.apply(KeyMap.action(for: .up, in: state))
        guard case .moment(let up)? = state.dialog else { return XCTFail() }
        XCTAssertEqual(up.moment, state.now.addingTimeInterval(-3540))

        // Typed: read as it grows; what it cannot read yet is said, and Enter waits.
        for c in "5 minutes" { _ = state.apply(.typeText(c)) }
        XCTAssertEqual(state.apply(.activate), [], "not a time yet")
        guard case .moment(let half)? = state.dialog else { return XCTFail("Enter on text it cannot read keeps the picker") }
        XCTAssertNotNil(half.problem)
        for c in " ago" { _ = state.apply(.typeText(c)) }
        guard case .moment(let typed)? = state.dialog else { return XCTFail() }
        XCTAssertNil(typed.problem)
        XCTAssertEqual(typed.moment, state.now.addingTimeInterval(-300))
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Restore to a moment"), grid.text)
        XCTAssertTrue(grid.contains("Typed:   5 minutes ago_"), grid.text)

        // Outside the window: said, and Enter does nothing.
        for _ in 0..<20 { _ = state.apply(.erase) }
        for c in "2 hours ago" { _ = state.apply(.typeText(c)) }
        XCTAssertEqual(state.apply(.activate), [])
        guard case .moment(let outside)? = state.dialog else { return XCTFail() }
        XCTAssertEqual(outside.problem, "outside the window")

        for _ in 0..<20 { _ = state.apply(.erase) }
        for c in "10 min ago" { _ = state.apply(.typeText(c)) }
        XCTAssertEqual(state.apply(.activate), [.fetchMoment(state.now.addingTimeInterval(-600))])
        XCTAssertNil(state.dialog)
        XCTAssertEqual(state.operation?.kind, .moment)
        XCTAssertEqual(state.apply(.openMoment), [], "one operation at a time")
    }

    func testTheContinuousLineShowsTheWindowAndTheKey() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 100, height: 30)
        Self.withContinuous(&state, f)
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        let row = try XCTUnwrap(grid.rows(containing: " Continuous: any moment from ").first, grid.text)
        XCTAssertTrue(grid.line(row).contains("to now · t restore to a moment"), grid.line(row))
        XCTAssertEqual(grid.rows(containing: " Off-site:"), [row + 1], "above the off-site line")
        Self.withContinuous(&state, f) {
            $0.running = false
            $0.state.lastProblem = "Litestream exited with status 1"
        }
        let stopped = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(stopped.contains("Continuous: Litestream is not running: Litestream exited with status 1"), stopped.text)
    }
}
