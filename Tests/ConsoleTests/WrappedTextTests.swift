@testable import BackupEngine
import Foundation
import XCTest
@testable import Console

final class WrappedTextTests: XCTestCase {
    func testTheRestoredNoticeWrapsWholeAndTheSavedCopysKindFitsItsColumn() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 80, height: 24)
        let name = "backup-2027-01-15-075959-with-a-long-suffix-for-this-test.db"
        let saved = "mr5-pos.db.corrupted.2027-01-15-080000-and-some-more-words-here"
        _ = state.apply(.create)
        _ = state.operationFinished(.restored(name, RestoreResult(restoredFrom: name, savedCurrentAs: saved, tables: [], durationSeconds: 1)))
        let text = ScreenRenderer.render(state, width: 80, height: 24).text.replacingOccurrences(of: "\n", with: " ")
        let squeezed = text.split(whereSeparator: { $0 == " " || $0 == "│" || $0 == "|" }).joined(separator: " ")
        XCTAssertTrue(squeezed.contains("Restart the POS app now so it reopens the database."), text)
        XCTAssertFalse(text.contains("reopens the da…"), "nothing cut:\n" + text)
        XCTAssertEqual(TextFormat.kind(try XCTUnwrap(f.engine.listBackups().first { $0.kind == .savedBeforeRestore })).count <= 18, true)
    }
}
