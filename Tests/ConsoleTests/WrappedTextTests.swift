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

final class DaylightSavingListTests: XCTestCase {
    func testTheSameLocalHourTwiceAcrossADSTChangeReadsAsTwoInTheList() throws {
        let f = try ConsoleFixture()
        let newest = try XCTUnwrap(f.engine.listBackups().first { $0.kind == .scheduled })
        // 00:30 and 01:30 UTC on 2026-10-25 are both 02:30 in Berlin: first CEST, then CET.
        for name in ["backup-2026-10-25-003000.db", "backup-2026-10-25-013000.db"] {
            try FileManager.default.copyItem(atPath: newest.path, toPath: f.engine.layout.backupsDir + "/" + name)
        }
        let berlin = try XCTUnwrap(TimeZone(identifier: "Europe/Berlin"))
        let state = ConsoleFixture.state(engine: f.engine, width: 120, height: 60, scheduler: f.idleSnapshot(nextIn: 60), timeZone: berlin)
        // Foundation names a zone that is not the process's `GMT+1`, `GMT+2` (tzdata: CET, CEST).
        let summer = ZoneName.of(berlin, at: Date(timeIntervalSince1970: 1_792_888_200))   // 2026-10-25 00:30 UTC
        XCTAssertNotEqual(summer, state.timeZoneName, "the fixture's now is in January")
        let grid = ScreenRenderer.render(state, width: 120, height: 60)
        XCTAssertTrue(grid.contains("02:30 " + summer + " "), grid.text)
        XCTAssertTrue(grid.contains("2026-10-25 02:30 "), grid.text)
    }
}
