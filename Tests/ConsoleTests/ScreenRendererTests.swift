import BackupEngine
import Foundation
import XCTest
@testable import Console

final class ScreenRendererTests: XCTestCase {
    func testFullLayoutAt80x24ShowsHeaderListDetailScheduleDiskAndFooter() throws {
        let f = try ConsoleFixture()
        let state = f.state()
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertEqual(grid.width, 80)
        XCTAssertEqual(grid.height, 24)
        let text = grid.text
        let db = try XCTUnwrap(state.database)
        // Header: product, database, journal mode, scheduler owner.
        XCTAssertTrue(grid.line(0).hasPrefix(" mr5-backup"), text)
        XCTAssertTrue(grid.line(0).contains(ByteCount.format(db.sizeBytes)), text)
        XCTAssertTrue(grid.line(0).contains("WAL"), text)
        XCTAssertTrue(grid.line(0).contains("scheduler: this console"), text)
        // The newest backups, newest first, each with its local time, kind, size and status word.
        let backups = f.engine.listBackups()
        XCTAssertGreaterThan(backups.count, 5)
        let visible = state.listRows
        var lastRow = -1
        for entry in backups.prefix(visible) {
            let time = TextFormat.dateTime(entry.createdAt, zone: TimeZone(identifier: "UTC")!)
            let rows = grid.rows(containing: time)
            let row = try XCTUnwrap(rows.first, "no row for \(entry.name)\n\(text)")
            XCTAssertGreaterThan(row, lastRow, "newest first")
            lastRow = row
            XCTAssertTrue(grid.line(row).contains(ByteCount.format(entry.sizeBytes)), grid.line(row))
            XCTAssertTrue(grid.line(row).contains("✓ verified"), grid.line(row))
        }
        // Detail pane for the selected (newest) backup, with table counts and the sparkline.
        let newest = backups[0]
        XCTAssertTrue(grid.contains("Details: " + newest.name), text)
        let orders = try XCTUnwrap(newest.record?.tables.first { $0.table == "orders" })
        XCTAssertTrue(grid.contains("orders " + NumberText.grouped(orders.rows)), text)
        XCTAssertTrue(grid.contains("SHA-256   " + String(newest.record!.sha256.prefix(16))), text)
        XCTAssertTrue(grid.contains("Sizes     "), text)
        // Schedule line, off-site line, alerts line, disk line, footer.
        XCTAssertEqual(grid.rows(containing: "Next backup in 02:41:17 (every 3h)"), [18], text)
        XCTAssertTrue(grid.line(19).hasPrefix(" Off-site: not set up"), text)
        XCTAssertTrue(grid.line(20).hasPrefix(" Alerts: none set up"), text)
        XCTAssertTrue(grid.line(21).hasPrefix(" Disk ["), text)
        XCTAssertTrue(grid.line(23).contains("q quit"), text)
        XCTAssertTrue(grid.line(23).contains("r restore"), text)
    }

    func testWideLayoutShowsEveryBackupIncludingDimmedLegacyFile() throws {
        let f = try ConsoleFixture()
        let state = f.state(width: 120, height: 40)
        let grid = ScreenRenderer.render(state, width: 120, height: 40)
        for entry in f.engine.listBackups() {
            let time = TextFormat.dateTime(entry.createdAt, zone: TimeZone(identifier: "UTC")!)
            XCTAssertFalse(grid.rows(containing: time).isEmpty, "\(entry.name) missing\n\(grid.text)")
        }
        let legacyRow = try XCTUnwrap(grid.rows(containing: "legacy .sql").first, grid.text)
        XCTAssertEqual(grid[legacyRow, 2].style.role, .dim)
        XCTAssertTrue(grid.contains("pre-update v2.4.0"), grid.text)
        XCTAssertEqual(grid.rows(containing: "Next backup in 02:41:17 (every 3h)"), [34])
    }

    func testCompactLayoutAt40x10KeepsListAndCountdown() throws {
        let f = try ConsoleFixture()
        let state = f.state(width: 40, height: 10)
        let grid = ScreenRenderer.render(state, width: 40, height: 10)
        let text = grid.text
        XCTAssertTrue(grid.line(0).contains("backups"), text)
        XCTAssertTrue(grid.contains("Next backup in 02:41:17"), text)
        XCTAssertFalse(grid.contains("Details"), text)
        let newest = f.engine.listBackups()[0]
        XCTAssertTrue(grid.contains(TextFormat.shortDateTime(newest.createdAt, zone: TimeZone(identifier: "UTC")!)), text)
        XCTAssertTrue(grid.line(9).contains("help"), text)
    }

    func testBelowMinimumSizeShowsOneLine() throws {
        let f = try ConsoleFixture()
        for (w, h) in [(39, 10), (80, 9), (60, 3)] {
            let grid = ScreenRenderer.render(f.state(width: w, height: h), width: w, height: h)
            XCTAssertEqual(grid.line(0).replacingTrailingSpaces(), "terminal too small (need 40x10)")
            XCTAssertEqual(grid.text.split(separator: "\n").count, 1, "\(w)x\(h)")
        }
        // Narrower than the message: wrapped, never a crash; and a 1x1 or 0x0 terminal draws nothing.
        let tiny = ScreenRenderer.render(f.state(width: 20, height: 5), width: 20, height: 5)
        XCTAssertTrue(tiny.line(0).hasPrefix("terminal too small"), tiny.text)
        XCTAssertEqual(ScreenRenderer.render(f.state(), width: 0, height: 0).cells.count, 0)
        XCTAssertEqual(ScreenRenderer.render(f.state(), width: 1, height: 1).line(0), "t")
    }

    func testAsciiModeUsesNoNonAsciiCharacter() throws {
        let f = try ConsoleFixture()
        var state = f.state(unicode: false)
        for dialogKey in [nil, Key.char("r"), Key.char("?"), Key.char("f"), Key.char("h"), Key.char("o")] {
            var s = state
            if let dialogKey { _ = s.apply(KeyMap.action(for: dialogKey, in: s)) }
            let grid = ScreenRenderer.render(s, width: 80, height: 24)
            let bad = grid.cells.filter { !$0.character.isASCII }
            XCTAssertTrue(bad.isEmpty, "non-ASCII \(bad.map(\.character)) after \(String(describing: dialogKey))\n\(grid.text)")
        }
        _ = state.apply(.create)
        state.operationProgressed(BackupProgress(phase: .copying, done: 50, total: 100))
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("* verified"), grid.text)
        XCTAssertFalse(grid.contains("+ verified"), "\"+\" reads as \"added\"\n" + grid.text)
        XCTAssertFalse(grid.contains("v verified"), "\"v\" is the verify key\n" + grid.text)
        XCTAssertTrue(grid.contains("##########.........."), grid.text)
        XCTAssertTrue(grid.contains("50% copying 50/100 pages"), grid.text)
        XCTAssertTrue(grid.line(1).hasPrefix("+- Backups"), grid.text)
    }

    func testMonochromeCarriesMeaningWithAttributesAndWords() throws {
        let f = try ConsoleFixture()
        var state = f.state(colour: false)
        state.refreshed { $0.health = HealthReport(level: .critical, findings: [HealthFinding(.critical, .backupsFailing, "3 backups failed in a row: database is locked")]) }
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        // The banner: a word and the reason, bold and reverse.
        let bannerStyle = try XCTUnwrap(grid.style(of: "CRITICAL: 3 backups failed in a row: database is locked"), grid.text)
        XCTAssertTrue(bannerStyle.bold && bannerStyle.reverse)
        XCTAssertEqual(grid.rows(containing: "CRITICAL:"), [1])
        // The selected row is reverse video; the others are not.
        let newest = f.engine.listBackups()
        let zone = TimeZone(identifier: "UTC")!
        let selectedRow = try XCTUnwrap(grid.rows(containing: TextFormat.dateTime(newest[0].createdAt, zone: zone)).first)
        let otherRow = try XCTUnwrap(grid.rows(containing: TextFormat.dateTime(newest[1].createdAt, zone: zone)).first)
        XCTAssertTrue(grid[selectedRow, 3].style.reverse)
        XCTAssertFalse(grid[otherRow, 3].style.reverse)
        // The header bar is reverse too.
        XCTAssertTrue(grid[0, 1].style.reverse)
    }

    func testRestoreDialogSaysWhatHappensAndFocusesCancel() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        let entry = f.engine.listBackups()[0]
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("r"), in: state)), [.previewRestore(name: entry.name, token: state.previewToken)])
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        let db = try XCTUnwrap(state.database)
        let sentence = "The current database (\(ByteCount.format(db.sizeBytes))) will first be saved as mr5-pos.db.corrupted.<time>."
        let content = RenderContext(state: state, width: 80, height: 24).dialogContent(try XCTUnwrap(state.dialog), inner: RenderContext.dialogWidth(for: 80) - 4)
        XCTAssertTrue(content.lines.contains { $0.0 == sentence }, "\(content.lines.map(\.0))")
        XCTAssertTrue(grid.contains("Restore backup?"), grid.text)
        XCTAssertTrue(grid.contains("Backup:   " + entry.name), grid.text)
        // On screen the sentence is wrapped inside the box, every word in order.
        for piece in TextFormat.wrap(sentence, width: RenderContext.dialogWidth(for: 80) - 4) { XCTAssertTrue(grid.contains(piece), piece + "\n" + grid.text) }
        XCTAssertTrue(grid.contains(RestorePreview.restartAdvice), grid.text)
        let cancel = try XCTUnwrap(grid.style(of: "[ Cancel ]"))
        let restore = try XCTUnwrap(grid.style(of: "[ Restore ]"))
        XCTAssertTrue(cancel.reverse, "Cancel is the focused default")
        XCTAssertFalse(restore.reverse)
    }

    func testCorruptBackupCannotBeRestoredAndTheDialogSaysWhy() throws {
        let f = try ConsoleFixture()
        // Damage a real backup the way a failing disk would: its size changes.
        let victim = f.engine.listBackups()[1]
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: victim.path))
        handle.truncateFile(atOffset: 4096)
        handle.closeFile()
        var state = f.state()
        state.select(index: 1)
        XCTAssertEqual(state.selectedBackup?.status, .corrupt)
        _ = state.apply(.restore)
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("This backup cannot be restored: it failed verification"), grid.text)
        XCTAssertTrue(grid.contains("[ Close ]"), grid.text)
        XCTAssertFalse(grid.contains("[ Restore ]"), grid.text)
        XCTAssertEqual(state.apply(.confirm), [], "y on a refused restore does nothing")
    }

    func testHelpOverlayListsEveryKey() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 100, height: 30)
        _ = state.apply(KeyMap.action(for: .f1, in: state))
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        for row in KeyTable.helpRows {
            XCTAssertTrue(grid.contains(row.label), "\(row.label) missing\n\(grid.text)")
            XCTAssertTrue(grid.contains(row.help ?? ""), "\(row.help ?? "") missing\n\(grid.text)")
        }
    }

    func testHelpListsCtrlCAndSaysWhenItIsCut() throws {
        XCTAssertTrue(KeyTable.helpRows.contains { $0.label == "Ctrl-C" })
        let f = try ConsoleFixture()
        var state = f.state(width: 40, height: 10)
        _ = state.apply(.help)
        let grid = ScreenRenderer.render(state, width: 40, height: 10)
        XCTAssertTrue(grid.contains("... (enlarge"), grid.text)
        XCTAssertTrue(grid.contains(KeyTable.helpRows[0].label), grid.text)
        // Everything fits at 100x30: no note.
        var big = f.state(width: 100, height: 30)
        _ = big.apply(.help)
        XCTAssertFalse(ScreenRenderer.render(big, width: 100, height: 30).contains("enlarge"))
        // The note is the last row inside the box, right above "Esc, q or ? closes".
        let note = try XCTUnwrap(grid.rows(containing: "... (enlarge").first)
        XCTAssertEqual(grid.rows(containing: "Esc, q or ? closes"), [note + 1], grid.text)
    }

    func testRestoreDialogAt40x10KeepsTheEssentialsAndClearsItsEdges() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 40, height: 10)
        _ = state.apply(.restore)
        let entry = f.engine.listBackups()[0]
        let grid = ScreenRenderer.render(state, width: 40, height: 10)
        XCTAssertTrue(grid.contains(String(entry.name.prefix(20))), grid.text)
        XCTAssertTrue(grid.contains(TextFormat.dateTime(entry.createdAt, zone: TimeZone(identifier: "UTC")!) + ", "
                                    + ByteCount.format(entry.sizeBytes)), grid.text)
        XCTAssertTrue(grid.contains("Restart the POS app afterwards."), grid.text)
        XCTAssertTrue(grid.contains("[ Restore ]") && grid.contains("[ Cancel ]"), grid.text)
        // Every row of the dialog: nothing but blanks outside its borders.
        let rows = grid.rows(containing: "│")
        XCTAssertFalse(rows.isEmpty, grid.text)
        for r in rows {
            let line = Array(grid.line(r))
            let left = try XCTUnwrap(line.firstIndex { $0 == "│" || $0 == "┌" || $0 == "└" })
            let right = try XCTUnwrap(line.lastIndex { $0 == "│" || $0 == "┐" || $0 == "┘" })
            XCTAssertTrue(line[..<left].allSatisfy { $0 == " " } && line[(right + 1)...].allSatisfy { $0 == " " },
                          "row \(r): \(String(line))\n" + grid.text)
        }
    }

    func testFooterHintsMatchTheDialog() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        _ = state.operationFinished(.notice(title: "Restored", text: "The database now holds x. Restart the POS app now."))
        var footer = ScreenRenderer.render(state, width: 80, height: 24).line(23)
        XCTAssertTrue(footer.contains("Enter/Esc close"), footer)
        XCTAssertFalse(footer.contains("y yes"), footer)
        XCTAssertFalse(footer.contains("Tab"), footer)
        _ = state.apply(.cancel)
        _ = state.apply(.restore)
        footer = ScreenRenderer.render(state, width: 80, height: 24).line(23)
        XCTAssertTrue(footer.contains("y yes") && footer.contains("Tab switch"), footer)
        _ = state.apply(.cancel)
        _ = state.apply(.frequency)
        footer = ScreenRenderer.render(state, width: 80, height: 24).line(23)
        XCTAssertTrue(footer.contains("Enter save") && !footer.contains("y yes"), footer)
    }

    /// The hint line at the bottom of each dialog, written from the key table.
    func testDialogHintLinesNameTheKeysTheDialogAnswersTo() throws {
        let f = try ConsoleFixture()
        let idle = f.state(width: 100, height: 30)
        let cases: [(ConsoleAction, String)] = [
            (.restore, "y restore · n/Esc cancel · Enter = focused button"),
            (.delete, "y delete · n/Esc cancel"),
            (.frequency, "j/k move · Enter save · Esc cancel"),
        ]
        for (action, hint) in cases {
            var state = idle
            _ = state.apply(action)
            let grid = ScreenRenderer.render(state, width: 100, height: 30)
            XCTAssertTrue(grid.contains(hint), hint + "\n" + grid.text)
        }
        var busy = idle
        _ = busy.apply(.create)
        _ = busy.apply(.quit)
        XCTAssertTrue(ScreenRenderer.render(busy, width: 100, height: 30).contains("y quit · n/Esc keep running"))
        var failed = idle
        failed.dialog = .error(title: "Backup failed", message: "m")
        XCTAssertTrue(ScreenRenderer.render(failed, width: 100, height: 30).contains("Enter or Esc closes"))
    }

    func testHistoryViewShowsTheFailedAttemptAndItsReason() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        _ = state.apply(KeyMap.action(for: .char("h"), in: state))
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        let failure = try XCTUnwrap(f.engine.history().first { $0.outcome == .failure })
        let row = try XCTUnwrap(grid.rows(containing: TextFormat.dateTime(failure.startedAt, zone: TimeZone(identifier: "UTC")!)).first, grid.text)
        XCTAssertTrue(grid.line(row).contains("✗ failed"), grid.line(row))
        XCTAssertTrue(grid.line(row).contains("database is locked"), grid.line(row))
        XCTAssertEqual(grid[row, 3].style.role, .critical)
    }

    func testFrequencyPickerMarksTheCurrentSetting() throws {
        let f = try ConsoleFixture()
        var state = f.state()
        _ = state.apply(.frequency)
        XCTAssertEqual(state.dialog, .frequency(choices: FrequencyChoice.all, index: 2))
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("> 3h        (current)"), grid.text)
        for choice in FrequencyChoice.all { XCTAssertTrue(grid.contains(" " + choice + " "), choice) }
    }

    func testFrequencyPickerKeepsACustomValueAsTheCurrentRow() throws {
        let f = try ConsoleFixture()
        var state = f.state(scheduler: f.idleSnapshot(nextIn: 60, interval: 2 * 3600))
        _ = state.apply(.frequency)
        XCTAssertEqual(state.dialog, .frequency(choices: ["off", "hourly", "2h", "3h", "6h", "12h", "daily", "weekly"], index: 2))
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("> 2h        (current)"), grid.text)
        XCTAssertEqual(grid.rows(containing: "(current)").count, 1, grid.text)
        // Enter keeps 2h rather than silently switching to the nearest preset.
        XCTAssertEqual(state.apply(.activate), [.setFrequency("2h")])
        // Longer than every preset: last row.
        XCTAssertEqual(FrequencyChoice.rows(current: .every(seconds: 14 * 86400)).choices.last, "14d")
        XCTAssertEqual(FrequencyChoice.rows(current: .every(seconds: 14 * 86400)).index, FrequencyChoice.all.count)
    }

    func testProgressOfTheSchedulersOwnBackupAndDaemonOwner() throws {
        let f = try ConsoleFixture()
        var snap = f.idleSnapshot(nextIn: 10)
        snap.activity = .heldByOther
        snap.ownerPid = 4242
        // Another console is named as one, not as a daemon.
        snap.ownerKind = "console"
        XCTAssertTrue(ScreenRenderer.render(f.state(scheduler: snap), width: 80, height: 24).line(0).contains("scheduler: console pid 4242"))
        snap.ownerKind = "daemon"
        var state = f.state(scheduler: snap)
        var grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.line(0).contains("scheduler: daemon pid 4242"), grid.line(0))
        snap.activity = .running
        snap.progressDone = 300
        snap.progressTotal = 1200
        state.schedulerUpdated(snap)
        grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.line(22).contains("Scheduled backup"), grid.text)
        XCTAssertTrue(grid.line(22).contains("25% copying 300/1,200 pages"), grid.text)
    }

    func testControlCharactersInNamesNeverReachTheTerminal() {
        var grid = ScreenGrid(width: 10, height: 1)
        grid.put("a\u{1B}[2Jb漢c", row: 0, column: 0)
        XCTAssertEqual(grid.line(0), "a?[2Jb?c  ")
    }
}
