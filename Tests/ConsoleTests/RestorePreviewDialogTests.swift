@testable import BackupEngine
import Foundation
import TestSupport
import XCTest
@testable import Console

/// The restore dialog says what a restore costs, from the engine's comparison as it arrives;
/// saved copies restore through it; `u` opens it on the copy the last restore saved.
final class RestorePreviewDialogTests: XCTestCase {
    /// The demo's pre-update backup of two days ago: the live database has more orders.
    private func preUpdate(_ f: ConsoleFixture) throws -> BackupEntry {
        try XCTUnwrap(f.engine.listBackups().first { $0.kind == .preUpdate && $0.appVersion == "2.4.0" })
    }

    func testTheDialogOpensAtOnceThenFillsInFromTheEnginesComparison() throws {
        let f = try ConsoleFixture()
        let target = try preUpdate(f)
        var state = f.state(width: 100, height: 30)
        state.select(index: try XCTUnwrap(state.backups.firstIndex { $0.name == target.name }))
        let effects = state.apply(KeyMap.action(for: .char("r"), in: state))
        XCTAssertEqual(effects, [.previewRestore(name: target.name, token: state.previewToken)])
        XCTAssertEqual(state.dialog, .restore(name: target.name, focus: .cancel, refusal: nil))
        var grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("counting…"), "open before any number\n" + grid.text)
        XCTAssertTrue(grid.contains(RestorePreview.restartAdvice), grid.text)

        // The engine's comparison, table by table, as the worker posts it.
        var partials: [RestorePreview] = []
        let preview = try f.engine.restorePreview(name: target.name) { partials.append($0) }
        XCTAssertGreaterThan(partials.count, 1)
        state.previewArrived(token: state.previewToken, partials[0], done: false)
        grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("counting…"), grid.text)
        let partial = dialogText(grid.text, title: "Restore backup?")
        XCTAssertTrue(partial.contains(RestorePreview.restartAdvice), partial)
        XCTAssertFalse(partial.contains(preview.consequence), "no consequence before every table is counted")

        state.previewArrived(token: state.previewToken, preview, done: true)
        grid = ScreenRenderer.render(state, width: 100, height: 30)
        let text = dialogText(grid.text, title: "Restore backup?")
        XCTAssertFalse(grid.contains("counting…"), grid.text)
        XCTAssertTrue(preview.consequence.contains("leave the live database"), preview.consequence)
        XCTAssertTrue(text.contains(preview.consequence), text)
        XCTAssertTrue(grid.contains(RestorePreview.restartAdvice), grid.text)
        let largest = preview.largestDifferences(5)
        XCTAssertFalse(largest.isEmpty)
        XCTAssertTrue(grid.contains("Table") && grid.contains("In backup") && grid.contains("Change"), grid.text)
        for table in largest {
            let row = try XCTUnwrap(grid.rows(containing: " " + NumberText.grouped(try XCTUnwrap(table.liveRows)) + " ")
                .first { grid.line($0).contains(table.name) }, table.name + "\n" + grid.text)
            let lost = try XCTUnwrap(table.rowsLost)
            XCTAssertTrue(grid.line(row).contains(NumberText.grouped(try XCTUnwrap(table.backupRows))), grid.line(row))
            XCTAssertTrue(grid.line(row).contains((lost > 0 ? "-" : "+") + NumberText.grouped(abs(lost))), grid.line(row))
        }
        // Numbers arriving never move the focus off Cancel.
        XCTAssertTrue(try XCTUnwrap(grid.style(of: "[ Cancel ]")).reverse)
        XCTAssertEqual(state.apply(.activate), [], "Enter still cancels")
        XCTAssertNil(state.restoreDetails)
    }

    func testATableThatTookTooLongShowsDotsAndAClosedDialogIgnoresLateNumbers() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 100, height: 30)
        _ = state.apply(.restore)
        let token = state.previewToken
        let slow = RestorePreview(backup: "b", backupCreatedAt: f.clock.now(), liveSizeBytes: 1, backupSizeBytes: 1, liveReadable: true,
                                  tables: [.init(name: "orders", liveRows: nil, backupRows: 10, timedOut: true)])
        state.previewArrived(token: token, slow, done: true)
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        // The dialog's row, not the details' "orders 3,273" beneath it.
        let text = dialogText(grid.text, title: "Restore backup?")
        XCTAssertNotNil(text.range(of: #"orders +… +10 +…"#, options: .regularExpression), text)

        _ = state.apply(.cancel)
        _ = state.apply(.restore)
        XCTAssertNotEqual(state.previewToken, token)
        state.previewArrived(token: token, slow, done: true)
        XCTAssertNil(state.restoreDetails?.preview, "the closed dialog's numbers are dropped")
        state.previewFailed(token: state.previewToken, "database is locked")
        XCTAssertTrue(ScreenRenderer.render(state, width: 100, height: 30).contains("Could not compare the tables: database is locked"))
    }

    func testASavedCopyRestoresThroughTheSameDialogAndARawOneIsRefused() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 100, height: 30)
        let saved = try XCTUnwrap(state.backups.firstIndex { $0.kind == .savedBeforeRestore })
        state.select(index: saved)
        let name = state.backups[saved].name
        XCTAssertEqual(state.apply(.restore), [.previewRestore(name: name, token: state.previewToken)])
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Restore saved copy?") && grid.contains("Copy:     " + name), grid.text)
        XCTAssertTrue(grid.contains("The database as it was before"), grid.text)
        XCTAssertEqual(state.apply(.confirm), [.restore(name: name)])

        // A database that does not open is saved raw by the next restore: that copy is refused.
        let f2 = try ConsoleFixture()
        try f2.replaceLiveDatabase(with: Data(String(repeating: "not a database\n", count: 300).utf8))
        _ = try f2.engine.restore(name: f2.engine.listBackups()[0].name)
        var state2 = f2.state(width: 100, height: 30)
        let raw = try XCTUnwrap(state2.backups.first { $0.kind == .savedBeforeRestore && !$0.isRestorable }, "\(state2.backups.map(\.name))")
        state2.select(index: try XCTUnwrap(state2.backups.firstIndex { $0.name == raw.name }))
        XCTAssertEqual(state2.apply(.restore), [], "no comparison for a copy that cannot be restored")
        guard case .restore(_, _, let refusal?)? = state2.dialog else { return XCTFail("\(String(describing: state2.dialog))") }
        XCTAssertTrue(refusal.hasPrefix("it is a saved copy that did not pass its check (saved raw"), refusal)
        let refused = ScreenRenderer.render(state2, width: 100, height: 30)
        XCTAssertTrue(refused.contains("[ Close ]") && !refused.contains("[ Restore ]"), refused.text)
        XCTAssertEqual(state2.apply(.confirm), [])
    }

    func testUndoOpensTheDialogOnTheLastSavedCopyOrSaysThereIsNothing() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 100, height: 30)
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("u"), in: state)), [.findUndo])
        let last = try XCTUnwrap(f.engine.lastSavedCopy())
        XCTAssertEqual(state.undoFound(last.name), [.previewRestore(name: last.name, token: state.previewToken)])
        XCTAssertEqual(state.dialog, .restore(name: last.name, focus: .cancel, refusal: nil))
        XCTAssertEqual(state.selectedName, last.name, "the copy is selected beneath the dialog")
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Undo the last restore?"), grid.text)
        XCTAssertEqual(state.apply(.confirm), [.restore(name: last.name)])

        var none = f.state()
        _ = none.apply(.undo)
        XCTAssertEqual(none.undoFound(nil), [])
        XCTAssertNil(none.dialog)
        XCTAssertEqual(none.flash, "Nothing to undo: no copy saved by a restore is on disk.")
        XCTAssertTrue(ScreenRenderer.render(none, width: 80, height: 24).line(22).contains("Nothing to undo"))

        var readOnly = f.state()
        readOnly.refreshed { $0.readOnly = "cannot write /x (running as nobody; owned by pos)" }
        XCTAssertEqual(readOnly.apply(.undo), [])
        XCTAssertEqual(readOnly.flash, "Undo refused: read-only, cannot write /x (running as nobody; owned by pos)")
    }

    func testTheEssentialsOfASmallScreenKeepTheRestartAdvice() throws {
        let f = try ConsoleFixture()
        let target = try preUpdate(f)
        var state = f.state(width: 80, height: 16)
        state.select(index: try XCTUnwrap(state.backups.firstIndex { $0.name == target.name }))
        _ = state.apply(.restore)
        state.previewArrived(token: state.previewToken, try f.engine.restorePreview(name: target.name), done: true)
        let grid = ScreenRenderer.render(state, width: 80, height: 16)
        XCTAssertTrue(grid.contains(target.name), grid.text)
        XCTAssertTrue(grid.contains("Orders after "), "the consequence, cut\n" + grid.text)
        XCTAssertTrue(grid.contains("[ Cancel ]"), grid.text)
        XCTAssertTrue(grid.contains(RestorePreview.restartAdvice), grid.text)
        // Narrower, the advice would be cut: the box says the half that matters after.
        let narrow = ScreenRenderer.render(state, width: 50, height: 16)
        XCTAssertTrue(narrow.contains("Restart the POS app afterwards."), narrow.text)
    }
}
