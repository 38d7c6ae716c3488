import BackupEngine
import Foundation
import XCTest
@testable import Console

/// One line everywhere on screen; Enter on a history row or on the health banner shows
/// the whole text in a box that scrolls.
final class OneLineAndWholeTextTests: XCTestCase {
    private let problems = (1...30).map { "Page \($0 * 7): btreeInitPage() returns error code 11" }

    /// A failed verify attempt whose check found 30 problems, recorded as the engine does
    /// it: a one-line message, the whole text in `detail`.
    private func recordFailedCheck(_ f: ConsoleFixture) -> HistoryEntry {
        let findings = CheckFindings(check: "integrity_check", lines: problems)
        let entry = HistoryEntry(startedAt: f.clock.now(), operation: .verify, trigger: .console, outcome: .failure,
                                 durationSeconds: 0.4, backupName: f.engine.listBackups()[0].name,
                                 message: findings.summary, detail: findings.detail)
        f.engine.record(entry)
        return entry
    }

    func testAHistoryRowIsOneLineAndEnterShowsTheWholeDetail() throws {
        let f = try ConsoleFixture()
        let entry = recordFailedCheck(f)
        var state = f.state()
        _ = state.apply(KeyMap.action(for: .char("h"), in: state))
        XCTAssertEqual(state.history.first, entry)
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        let row = try XCTUnwrap(grid.rows(containing: "✗ failed").first, grid.text)
        XCTAssertTrue(grid.line(row).hasSuffix("…│"), "a cut row says so: " + grid.line(row))
        XCTAssertFalse(grid.contains("Page 14:"), "only the first problem is on the row\n" + grid.text)
        XCTAssertTrue(grid[row, 3].style.reverse, "the newest attempt is selected")

        XCTAssertEqual(state.apply(KeyMap.action(for: .enter, in: state)), [])
        guard case .text(let title, let lines, 0)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        XCTAssertEqual(title, "verify: failed")
        XCTAssertEqual(Array(lines.suffix(problems.count)), problems, "the whole detail, one problem a line")
        XCTAssertEqual(KeyContext(state), .reader)
        var box = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(box.contains("verify: failed"), box.text)
        XCTAssertTrue(box.contains("Page 7: btreeInitPage()"), box.text)
        XCTAssertFalse(box.contains(problems.last!), "the rest is below, not cut into one line\n" + box.text)
        XCTAssertTrue(box.contains("Esc, q or Enter closes"), box.text)

        // Down, PgDn and End scroll to the last problem; Up and Home come back.
        _ = state.apply(KeyMap.action(for: .char("j"), in: state))
        guard case .text(_, _, 1)? = state.dialog else { return XCTFail("j scrolls one row") }
        _ = state.apply(KeyMap.action(for: .pageDown, in: state))
        _ = state.apply(KeyMap.action(for: .end, in: state))
        box = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(box.contains(problems.last!), box.text)
        XCTAssertTrue(box.contains(" of \(lines.count) "), box.text)
        _ = state.apply(KeyMap.action(for: .end, in: state))
        XCTAssertEqual(state.dialog, .text(title: title, lines: lines, scroll: TextBoxLayout(lines: lines, screenWidth: 80, screenHeight: 24).maxScroll),
                       "End stops at the last row")
        _ = state.apply(KeyMap.action(for: .home, in: state))
        guard case .text(_, _, 0)? = state.dialog else { return XCTFail("Home goes back to the top") }
        for key in [Key.escape, .char("q"), .enter] {
            var closing = state
            _ = closing.apply(KeyMap.action(for: key, in: closing))
            XCTAssertNil(closing.dialog, key.name)
            XCTAssertEqual(closing.view, .history, "closing the box stays in the history")
        }
    }

    func testAnEntryWithoutDetailShowsItsMessageAndOldMultiLineMessagesAreOneLine() throws {
        let f = try ConsoleFixture()
        // Written by an older version: a message of several lines and no detail.
        var old = HistoryEntry(startedAt: f.clock.now(), operation: .create, trigger: .scheduler, outcome: .failure,
                               durationSeconds: 1, message: "x")
        old.message = "disk I/O error\nwhile copying page 12"
        f.engine.record(old)
        var state = f.state()
        _ = state.apply(.toggleHistory)
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("disk I/O error; while copying page 12"), grid.text)
        _ = state.apply(.activate)
        guard case .text(_, let lines, _)? = state.dialog else { return XCTFail() }
        XCTAssertEqual(Array(lines.suffix(2)), ["disk I/O error", "while copying page 12"])
    }

    func testHistorySelectionMovesScrollsAndStaysOnItsAttemptWhenNewOnesArrive() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 80, height: 24)
        _ = state.apply(.toggleHistory)
        for _ in 0..<25 { f.engine.record(HistoryEntry(startedAt: f.clock.now(), operation: .prune, trigger: .cli, outcome: .success, durationSeconds: 0)) }
        state.apply(ConsoleApp.read(engine: f.engine, snapshot: state.scheduler))
        XCTAssertGreaterThan(state.history.count, state.historyRows)
        _ = state.apply(.last)
        XCTAssertEqual(state.historySelected, state.history.count - 1)
        XCTAssertEqual(state.historyScroll, state.history.count - state.historyRows)
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        let last = try XCTUnwrap(state.history.last)
        let row = try XCTUnwrap(grid.rows(containing: TextFormat.dateTime(last.startedAt, zone: state.timeZone) + " pre-update").last, grid.text)
        XCTAssertTrue(grid[row, 3].style.reverse, grid.text)
        _ = state.apply(.page(-1))
        XCTAssertEqual(state.historySelected, state.history.count - 1 - state.historyRows)
        let selected = state.history[state.historySelected]
        f.engine.record(HistoryEntry(startedAt: f.clock.now(), operation: .prune, trigger: .cli, outcome: .success, durationSeconds: 0))
        state.apply(ConsoleApp.read(engine: f.engine, snapshot: state.scheduler))
        XCTAssertEqual(state.history[state.historySelected], selected, "a new attempt on top does not move the selection")
    }

    func testTheBannerIsOneLineAndEnterOnItShowsEveryReasonAndTheLiveDatabase() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        let reasons = ["3 backups failed in a row: database is locked\n(second line of the error)"]
            + (1...12).map { "reason number \($0) with enough words to need more than one row somewhere" }
        state.refreshed { $0.health = HealthReport(level: .critical, findings: reasons.map { HealthFinding(.critical, .backupsFailing, $0) }) }
        var grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertEqual(grid.rows(containing: "CRITICAL:"), [1])
        XCTAssertTrue(grid.line(1).hasPrefix(" ✗ CRITICAL: 3 backups failed in a row: database is locked; (second line"), grid.line(1))
        XCTAssertTrue(grid.line(1).hasSuffix("…"), grid.line(1))
        XCTAssertFalse(grid.contains("reason number 2 "), grid.text)

        // Enter on a backup does nothing; Up from the first backup selects the banner.
        _ = state.apply(KeyMap.action(for: .enter, in: state))
        XCTAssertNil(state.dialog)
        _ = state.apply(KeyMap.action(for: .up, in: state))
        XCTAssertTrue(state.bannerFocused)
        grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.line(1).hasPrefix(">✗ CRITICAL"), grid.line(1))
        XCTAssertTrue(grid.line(1).hasSuffix(" Enter: every reason "), grid.line(1))
        let newest = try XCTUnwrap(state.backups.first)
        let row = try XCTUnwrap(grid.rows(containing: TextFormat.dateTime(newest.createdAt, zone: state.timeZone)).first)
        XCTAssertFalse(grid[row, 3].style.reverse, "the list's selection is not shown while the banner has it")
        _ = state.apply(KeyMap.action(for: .up, in: state))
        XCTAssertTrue(state.bannerFocused, "Up stays on the banner")

        _ = state.apply(KeyMap.action(for: .enter, in: state))
        guard case .text(let title, let lines, _)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        XCTAssertEqual(title, "Health: CRITICAL")
        XCTAssertEqual(Array(lines.prefix(reasons.count)), reasons, "every reason, one per line")
        XCTAssertTrue(lines.contains("Now: live database ok"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("Last full check: live database ok at ") }, "\(lines)")
        grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("reason number 2 with"), grid.text)
        XCTAssertTrue(grid.contains("j/k scroll"), "the footer and the hint say how to scroll\n" + grid.text)
        _ = state.apply(KeyMap.action(for: .escape, in: state))
        XCTAssertNil(state.dialog)

        // Down gives the selection back to the list; a healthy refresh takes the banner away.
        _ = state.apply(KeyMap.action(for: .down, in: state))
        XCTAssertFalse(state.bannerFocused)
        XCTAssertEqual(state.selectedIndex, 0)
        _ = state.apply(.move(-1))
        state.apply(ConsoleApp.read(engine: f.engine, snapshot: state.scheduler))
        XCTAssertFalse(state.showsBanner)
        XCTAssertFalse(state.bannerSelected)
    }

    func testTheMessageLineAndDialogsAreOneLine() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        _ = state.apply(.create)
        _ = state.operationFinished(.success("first\nsecond"))
        XCTAssertEqual(ScreenRenderer.render(state, width: 80, height: 24).line(22).replacingTrailingSpaces(), " first; second")
        _ = state.apply(.create)
        _ = state.operationFinished(.failure(title: "Backup failed", message: "line one\nline two\nline three"))
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("line one; line two; line three"), grid.text)
    }
}
