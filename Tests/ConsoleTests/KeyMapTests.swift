import BackupEngine
import Foundation
import XCTest
@testable import Console

final class KeyMapTests: XCTestCase {
    func testListKeys() throws {
        let f = try ConsoleFixture()
        let state = f.state()
        let expected: [(Key, ConsoleAction)] = [
            (.up, .move(-1)), (.char("k"), .move(-1)), (.down, .move(1)), (.char("j"), .move(1)),
            (.pageUp, .page(-1)), (.pageDown, .page(1)), (.home, .first), (.char("g"), .first),
            (.end, .last), (.char("G"), .last), (.char("c"), .create), (.char("r"), .restore),
            (.char("d"), .delete), (.char("v"), .verify), (.char("p"), .prune), (.char("f"), .frequency),
            (.char("h"), .toggleHistory), (.char("?"), .help), (.f1, .help), (.char("q"), .quit),
            (.wheelUp, .move(-3)), (.wheelDown, .move(3)), (.char("x"), .none), (.enter, .activate),
        ]
        for (key, action) in expected {
            XCTAssertEqual(KeyMap.action(for: key, in: state), action, "\(key)")
        }
    }

    func testMouseClickSelectsTheRowUnderIt() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        let layout = ScreenLayout(state: state)
        XCTAssertEqual(KeyMap.action(for: .click(row: layout.listTop + 2, column: 10), in: state), .selectVisibleRow(2))
        XCTAssertEqual(KeyMap.action(for: .click(row: 0, column: 10), in: state), ConsoleAction.none)
        _ = state.apply(.selectVisibleRow(2))
        XCTAssertEqual(state.selectedName, f.engine.listBackups()[2].name)
        // The click lands on the row drawn there.
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid[layout.listTop + 2, 3].style.reverse)
    }

    func testDialogKeys() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        _ = state.apply(.restore)
        guard case .restore? = state.dialog else { return XCTFail("r opens the restore dialog") }
        let expected: [(Key, ConsoleAction)] = [
            (.char("y"), .confirm), (.char("n"), .cancel), (.escape, .cancel), (.char("q"), .cancel),
            (.enter, .activate), (.tab, .switchFocus), (.left, .switchFocus), (.right, .switchFocus),
            (.char("c"), .none), (.char("r"), .none), (.char("d"), .none),
        ]
        for (key, action) in expected { XCTAssertEqual(KeyMap.action(for: key, in: state), action, "\(key)") }
        _ = state.apply(.cancel)
        _ = state.apply(.create)
        _ = state.operationFinished(.failure(title: "t", message: "m"))
        XCTAssertEqual(state.dialog, .error(title: "t", message: "m"))
        XCTAssertEqual(KeyMap.action(for: .enter, in: state), .cancel)
        XCTAssertEqual(KeyMap.action(for: .escape, in: state), .cancel)
        _ = state.apply(.cancel)
        _ = state.apply(.frequency)
        guard case .frequency? = state.dialog else { return XCTFail("f opens the frequency dialog") }
        XCTAssertEqual(KeyMap.action(for: .down, in: state), .move(1))
        XCTAssertEqual(KeyMap.action(for: .enter, in: state), .activate)
        XCTAssertEqual(KeyMap.action(for: .escape, in: state), .cancel)
    }

    func testHelpAndHistoryKeys() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        _ = state.apply(.help)
        XCTAssertEqual(state.view, .help)
        XCTAssertEqual(KeyMap.action(for: .escape, in: state), .cancel)
        XCTAssertEqual(KeyMap.action(for: .char("q"), in: state), .cancel, "q closes help before it quits")
        XCTAssertEqual(KeyMap.action(for: .char("c"), in: state), ConsoleAction.none)
        _ = state.apply(.cancel)
        _ = state.apply(.toggleHistory)
        XCTAssertEqual(state.view, .history)
        XCTAssertEqual(KeyMap.action(for: .escape, in: state), .toggleHistory)
        XCTAssertEqual(KeyMap.action(for: .char("j"), in: state), .move(1))
        XCTAssertEqual(KeyMap.action(for: .char("q"), in: state), .quit)
    }
}
