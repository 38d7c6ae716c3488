import BackupEngine
import Foundation
import XCTest
@testable import Console

/// Details a new-user trial found: the ASCII tick, the time zone, a changed hash, and
/// advice that names an older verified backup only when there is one.
final class TrialDetailsTests: XCTestCase {
    func testAsciiMarksVerifiedAndOkWithAStarNotAKeyLetter() throws {
        let f = try ConsoleFixture()
        var state = f.state(unicode: false)
        var snap = f.idleSnapshot(nextIn: 60)
        snap.lastAttemptAt = f.clock.now().addingTimeInterval(-300)
        snap.lastAttemptSucceeded = true
        state.schedulerUpdated(snap)
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("* verified"), grid.text)
        XCTAssertTrue(grid.contains("last * ok 5m ago"), grid.text)
        XCTAssertTrue(grid.contains("Checked   * quick_check ok"), grid.text)
        let keys = Set(KeyTable.bindings.flatMap(\.presses).compactMap { press -> Character? in
            if case .char(let c) = press.key { return c }
            return nil
        })
        XCTAssertFalse(keys.contains(Character(Glyphs.ascii.verified)), "the verified mark must not be a key")
        XCTAssertFalse(keys.contains(Character(Glyphs.ascii.ok)), "the ok mark must not be a key")
    }

    func testTheHeaderSaysWhichZoneTheTimesAreIn() throws {
        let f = try ConsoleFixture()
        XCTAssertTrue(ScreenRenderer.render(f.state(), width: 80, height: 24).line(0).hasSuffix("· times in UTC"))
        XCTAssertTrue(ScreenRenderer.render(f.state(width: 120, height: 40), width: 120, height: 40).line(0).contains("times in UTC"))
        for name in ["UTC", "Etc/UTC", "GMT"] {
            XCTAssertEqual(TextFormat.zoneName(TimeZone(identifier: name)!, at: ConsoleFixture.now), "UTC", name)
        }
        // Another zone than the process's: Foundation's name for it (tzdata's is used for the process's own).
        let berlin = try XCTUnwrap(TimeZone(identifier: "Europe/Berlin"))
        XCTAssertEqual(TextFormat.zoneName(berlin, at: ConsoleFixture.now), berlin.abbreviation(for: ConsoleFixture.now))
        let state = ConsoleFixture.state(engine: f.engine, scheduler: f.idleSnapshot(nextIn: 60), timeZone: berlin)
        XCTAssertEqual(state.timeZoneName, TextFormat.zoneName(berlin, at: state.now))
    }

    func testAChangedHashIsSaidAsSuchNotAsAFailedIntegrityCheck() throws {
        let f = try ConsoleFixture()
        let victim = f.engine.listBackups()[0]
        // Same size, other bytes: a page of the last table rewritten on disk.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: victim.path))
        try handle.seek(toOffset: UInt64(victim.sizeBytes - 100))
        handle.write(Data(repeating: 0x5A, count: 10))
        try handle.close()
        let result = try f.engine.verify(name: victim.name, full: true)
        XCTAssertFalse(result.ok)
        XCTAssertEqual(result.message, Verification.contentsChangedMessage)
        var state = f.state()
        XCTAssertEqual(state.selectedBackup?.record?.verification.contentsChanged, true)
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Checked   ✗ contents changed since the backup was made (SHA-256 differs) at "), grid.text)
        XCTAssertFalse(grid.contains("FAILED"), grid.text)
        XCTAssertEqual(grid.rows(containing: "SHA-256 differs").count, 1, "said once\n" + grid.text)
        XCTAssertTrue(grid.contains("✗ corrupt: contents changed since the …│"), "the list's status is cut, and says so\n" + grid.text)
        _ = state.apply(.restore)
        let dialog = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(dialog.contains("✗ corrupt (SHA-256 compared, "), dialog.text)
        XCTAssertFalse(dialog.contains("integrity_check"), dialog.text)
    }

    func testPickAnOlderVerifiedBackupOnlyWhenTheEngineListsOne() throws {
        let f = try ConsoleFixture()
        let list = f.engine.listBackups()
        let sqlite = list.filter(\.isSQLiteBackup)
        // The newest and the oldest SQLite backups lose bytes (their size changes: corrupt).
        for entry in [sqlite[0], sqlite[sqlite.count - 1]] {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: entry.path))
            handle.truncateFile(atOffset: 4096)
            handle.closeFile()
        }
        var state = f.state()
        _ = state.apply(.restore)
        guard case .restore(_, _, let refusal?)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        let older = try XCTUnwrap(f.engine.newestVerified(in: Array(f.engine.listBackups().dropFirst())))
        XCTAssertTrue(refusal.hasSuffix("Pick an older verified backup; the newest one is \(older.name)."), refusal)
        XCTAssertTrue(ScreenRenderer.render(state, width: 100, height: 30).contains(older.name), "named on screen")

        _ = state.apply(.cancel)
        state.select(index: state.backups.firstIndex { $0.name == sqlite[sqlite.count - 1].name }!)
        _ = state.apply(.restore)
        guard case .restore(_, _, let last?)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        XCTAssertTrue(last.hasSuffix("There is no older verified backup."), last)
        XCTAssertFalse(last.contains("Pick an older"), last)

        // The console's own verify failure says the same, from the engine's list.
        let failed = try f.engine.verify(name: sqlite[sqlite.count - 1].name, full: true)
        guard case .failure(_, let message) = OperationOutcome.verified(failed, engine: f.engine) else { return XCTFail() }
        XCTAssertTrue(message.hasSuffix("Do not restore it. There is no older verified backup."), message)
        let newestFailed = try f.engine.verify(name: sqlite[0].name, full: true)
        guard case .failure(_, let first) = OperationOutcome.verified(newestFailed, engine: f.engine) else { return XCTFail() }
        XCTAssertTrue(first.hasSuffix("Pick an older verified backup; the newest one is \(older.name)."), first)
    }
}
