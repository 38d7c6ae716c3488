@testable import BackupEngine
import Foundation
import XCTest
@testable import Console

/// Off-site copies in the console: a mark per backup, the off-site line, and the `o` view
/// whose `r` fetches a snapshot and opens the list's restore dialog on it.
final class OffsiteConsoleTests: XCTestCase {
    private let repository = "s3:https://s3.example.com/mr5-backups/shop-12"

    /// Sets off-site up in the fixture's data dir as `offsite init` leaves it (no restic run),
    /// with the push state `change` makes.
    private func setUpOffsite(_ f: ConsoleFixture, repository: String? = nil, configuredAt: Date? = nil,
                              _ change: (inout OffsiteState) -> Void = { _ in }) throws {
        let paths = f.engine.offsite.paths
        try FileManager.default.createDirectory(atPath: paths.directory, withIntermediateDirectories: true)
        let config = OffsiteConfig(repository: repository ?? self.repository, options: [], configuredAt: configuredAt ?? f.clock.now())
        try MetadataStore.encoder.encode(config).write(to: URL(fileURLWithPath: paths.config))
        try Data("correct horse battery staple\n".utf8).write(to: URL(fileURLWithPath: paths.password))
        try f.engine.offsite.updateState(change)
    }

    /// Records a push of `entry` in its metadata, as a push does.
    private func markPushed(_ f: ConsoleFixture, _ entry: BackupEntry, snapshot: String) throws {
        var record = try XCTUnwrap(entry.record)
        record.offsite = OffsiteCopy(snapshot: snapshot, pushedAt: f.clock.now(), bytesAdded: 1000)
        try f.engine.metadata.save(record)
    }

    private func snapshot(_ short: String, minutesAgo: Double, kind: String, app: String, name: String, size: Int64) -> ResticSnapshot {
        ResticSnapshot(id: short + String(repeating: "0", count: 56), shortID: short,
                       time: ConsoleFixture.now.addingTimeInterval(-minutesAgo * 60), hostname: "till-1",
                       tags: ["mr5-backup", "kind:" + kind, "app:" + app, "name:" + name, "size:\(size)"])
    }

    // MARK: - Marks

    func testEachVerifiedBackupIsMarkedPushedPendingOrFailedOnlyWhenOffsiteIsSetUp() throws {
        let f = try ConsoleFixture()
        let plain = ScreenRenderer.render(f.state(), width: 80, height: 24)
        XCTAssertFalse(plain.contains(" Off "), "no column when off-site is not set up\n" + plain.text)

        let backups = f.engine.listBackups().filter { $0.kind.isBackup && $0.status == .verified }
        XCTAssertGreaterThan(backups.count, 3)
        try markPushed(f, backups[0], snapshot: "1a2b3c4d")
        try setUpOffsite(f) { $0.failedBackups = [backups[1].name] }
        let state = f.state()
        let summary = try XCTUnwrap(state.offsite)
        XCTAssertEqual(summary.pending, f.engine.offsite.pendingPushes().map(\.name), "pending is the engine's own list")
        XCTAssertEqual(summary.mark(for: state.backups.first { $0.name == backups[0].name }!), .pushed)
        XCTAssertEqual(summary.mark(for: state.backups.first { $0.name == backups[1].name }!), .failed)
        XCTAssertEqual(summary.mark(for: state.backups.first { $0.name == backups[2].name }!), .pending)
        let legacy = try XCTUnwrap(state.backups.first { !$0.isSQLiteBackup })
        XCTAssertNil(summary.mark(for: legacy), "a .sql file is never pushed")

        let zone = TimeZone(identifier: "UTC")!
        func row(_ grid: ScreenGrid, _ entry: BackupEntry) throws -> String {
            grid.line(try XCTUnwrap(grid.rows(containing: TextFormat.dateTime(entry.createdAt, zone: zone)).first, grid.text))
        }
        let grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("Change Off  Status"), grid.text)
        let marked = try backups.prefix(3).map { try row(grid, $0) }
        XCTAssertTrue(marked[0].contains(" ✓   ✓ verified"), marked[0])
        XCTAssertTrue(marked[1].contains(" ✗   ✓ verified"), marked[1])
        XCTAssertTrue(marked[2].contains(" ○   ✓ verified"), marked[2])
        XCTAssertEqual(grid.style(of: "✗   ✓")?.role, .critical, "a failed push stands out")

        let ascii = f.state(unicode: false, colour: true)
        let plainText = ScreenRenderer.render(ascii, width: 80, height: 24)
        let asciiRows = try backups.prefix(3).map { try row(plainText, $0) }
        XCTAssertTrue(asciiRows[0].contains(" *   * verified"), asciiRows[0])
        XCTAssertTrue(asciiRows[1].contains(" X   * verified"), asciiRows[1])
        XCTAssertTrue(asciiRows[2].contains(" .   * verified"), asciiRows[2])
        XCTAssertTrue(plainText.cells.allSatisfy { $0.character.isASCII }, plainText.text)

        // Compact: the column stays while the status word keeps its room, and goes below that.
        let medium = ScreenRenderer.render(f.state(width: 60, height: 20), width: 60, height: 20)
        XCTAssertTrue(medium.contains("Size Off  Status"), medium.text)
        let failedRow = try XCTUnwrap(medium.rows(containing: TextFormat.shortDateTime(backups[1].createdAt, zone: zone)).first, medium.text)
        XCTAssertTrue(medium.line(failedRow).contains("✗   ✓ verified"), medium.line(failedRow))
        let small = ScreenRenderer.render(f.state(width: 40, height: 10), width: 40, height: 10)
        XCTAssertFalse(small.contains("Off"), small.text)
        XCTAssertTrue(small.contains("Size  Status"), small.text)
    }

    // MARK: - The off-site line

    func testTheOffsiteLineSaysWhereCopiesGoAndHowTheLastPushWent() throws {
        let f = try ConsoleFixture()
        XCTAssertEqual(ScreenRenderer.render(f.state(), width: 80, height: 24).line(19).replacingTrailingSpaces(),
                       " Off-site: not set up (mr5-backup offsite init --repository REPO)")

        for entry in f.engine.offsite.pendingPushes() { try markPushed(f, entry, snapshot: "1a2b3c4d") }
        try setUpOffsite(f) {
            $0.lastPushAt = f.clock.now().addingTimeInterval(-42 * 60)
            $0.snapshots = 31
            $0.bytesStored = 48 * 1_048_576
        }
        let grid = ScreenRenderer.render(f.state(), width: 80, height: 24)
        XCTAssertEqual(grid.line(19).replacingTrailingSpaces(),
                       " Off-site s3:…/shop-12 · last ✓ 42m ago · 31 snapshots · 48.0 MiB stored", grid.text)
        // What does not fit whole is left out, not cut: wider, the key to the view shows.
        XCTAssertEqual(ScreenRenderer.render(f.state(width: 100, height: 24), width: 100, height: 24).line(19).replacingTrailingSpaces(),
                       " Off-site s3:…/shop-12 · last ✓ 42m ago · 31 snapshots · 48.0 MiB stored · o snapshots")
        XCTAssertEqual(grid.style(of: "Off-site")?.role, CellStyle.normal.role)
        XCTAssertEqual(ScreenRenderer.render(f.state(unicode: false), width: 80, height: 24).line(19).replacingTrailingSpaces(),
                       " Off-site s3:~/shop-12 | last ok 42m ago | 31 snapshots | 48.0 MiB stored")
    }

    func testFailingPushesAndAMissingResticWarnOnTheOffsiteLine() throws {
        let f = try ConsoleFixture()
        try setUpOffsite(f) {
            $0.lastPushAt = f.clock.now().addingTimeInterval(-2 * 86_400)
            $0.consecutiveFailures = 3
            $0.lastFailure = "off-site repository s3:https://s3.example.com/mr5-backups/shop-12 is unreachable: connection refused"
            $0.snapshots = 31
        }
        var state = f.state(width: 120, height: 30)
        let line = ScreenRenderer.render(state, width: 120, height: 30).line(25)
        XCTAssertTrue(line.hasPrefix(" Off-site s3:…/shop-12 · last push failed 3× (off-site repository s3:"), line)
        XCTAssertTrue(line.contains("…) · last ✓ 2d 0h ago"), "the reason is cut, the rest stays\n" + line)
        let wide = ScreenRenderer.render(f.state(width: 160, height: 30), width: 160, height: 30).line(25)
        XCTAssertTrue(wide.contains("…) · last ✓ 2d 0h ago · 31 snapshots · "), wide)
        XCTAssertTrue(wide.contains(" · 31 snapshots · \(f.engine.offsite.pendingPushes().count) to push"), wide)
        XCTAssertEqual(ScreenRenderer.render(state, width: 120, height: 30).style(of: "Off-site")?.role, .warning)
        // The console's health judges off-site copies like `status`: no push for 2 days.
        XCTAssertEqual(state.health?.level, .warning)
        XCTAssertTrue(state.health?.reasons.contains { $0.hasPrefix("no off-site copy for ") } == true, "\(String(describing: state.health))")

        state.refreshed { $0.offsite?.resticInstalled = false }
        let missing = ScreenRenderer.render(state, width: 120, height: 30).line(25)
        XCTAssertTrue(missing.hasPrefix(" Off-site s3:…/shop-12 · restic is not installed (apt install restic) · last push failed 3×"), missing)
        var plain = f.state(width: 120, height: 30, unicode: false, colour: false)
        plain.refreshed { $0.offsite?.resticInstalled = false }
        XCTAssertTrue(ScreenRenderer.render(plain, width: 120, height: 30).line(25).contains("last push failed 3x ("))
    }

    // MARK: - The off-site view

    func testOOpensTheViewWhichLoadsOffTheUIThreadAndSaysWhyItFailed() throws {
        let f = try ConsoleFixture()
        try setUpOffsite(f, repository: f.dir + "/no-such-repository")
        var state = f.state()
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("o"), in: state)), [.loadSnapshots(token: 1), .refresh])
        XCTAssertEqual(state.view, .offsite)
        XCTAssertEqual(KeyContext(state), .offsite)
        var grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("Off-site snapshots of \(f.engine.terminalID)"), grid.text)
        XCTAssertTrue(grid.contains("Loading the snapshots from …/no-such-repository…"), grid.text)
        XCTAssertEqual(grid.line(23).replacingTrailingSpaces(), " j/k move  r restore  Enter details  o/Esc back  ? help  q quit", grid.text)

        // What the worker posts when restic fails: the engine's one line.
        let error = BackupError(XCTAssertThrowsErrorValue { try f.engine.offsite.snapshots() })
        state.snapshotsFailed(token: 0, "an answer for a view closed since")
        XCTAssertEqual(state.offsiteScreen.load, .loading)
        state.snapshotsFailed(token: 1, error.description)
        grid = ScreenRenderer.render(state, width: 140, height: 24)
        let row = try XCTUnwrap(grid.rows(containing: "Could not list the snapshots: ").first, grid.text)
        XCTAssertTrue(grid.line(row).contains("no restic repository at " + f.dir), grid.line(row))
        XCTAssertEqual(grid.style(of: "Could not list")?.role, .critical)

        state.snapshotsFailed(token: 1, BackupError.resticNotInstalled.description)
        XCTAssertTrue(ScreenRenderer.render(state, width: 120, height: 30)
            .contains("Could not list the snapshots: restic is not installed (apt install restic): off-site copies are not being made"))

        XCTAssertEqual(state.apply(KeyMap.action(for: .escape, in: state)), [])
        XCTAssertEqual(state.view, .list)
        _ = state.apply(KeyMap.action(for: .char("o"), in: state))
        XCTAssertEqual(state.offsiteScreen, OffsiteScreen(token: 2), "each opening loads afresh")
        _ = state.apply(KeyMap.action(for: .char("o"), in: state))
        XCTAssertEqual(state.view, .list, "o closes it too")
    }

    func testTheViewListsSnapshotsNewestFirstAndEnterShowsOne() throws {
        let f = try ConsoleFixture()
        try setUpOffsite(f)
        var state = f.state(width: 100, height: 30)
        _ = state.apply(.toggleOffsite)
        let list = [snapshot("aaaa0001", minutesAgo: 600, kind: "scheduled", app: "2.4.0", name: "backup-old.db", size: 2_097_152),
                    snapshot("bbbb0002", minutesAgo: 42, kind: "manual", app: "2.5.1", name: "backup-new.db", size: 3_145_728),
                    snapshot("cccc0003", minutesAgo: 180, kind: "pre-update", app: "2.5.0", name: "backup-mid.db", size: 1_048_576)]
        state.snapshotsArrived(token: state.offsiteScreen.token, list)
        XCTAssertEqual(state.offsiteScreen.snapshots.map(\.shortID), ["bbbb0002", "cccc0003", "aaaa0001"])
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        let rows = ["bbbb0002", "cccc0003", "aaaa0001"].map { grid.rows(containing: $0).first ?? -1 }
        XCTAssertEqual(rows, rows.sorted(), "newest first\n" + grid.text)
        XCTAssertTrue(grid.contains(" Snapshot Time ") && grid.contains("  Local backup"), grid.text)
        let newest = grid.line(rows[0])
        XCTAssertTrue(newest.contains("bbbb0002 2027-01-15 07:18 manual     2.5.1      3.0 MiB  backup-new.db"), newest)
        XCTAssertTrue(try XCTUnwrap(grid.style(of: "bbbb0002")).reverse, "the newest is selected")
        // At 80 columns the app version gives way to the local backup's name (Enter shows it).
        let narrow = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(narrow.contains("bbbb0002 2027-01-15 07:18 manual       3.0 MiB  backup-new.db"), narrow.text)
        let compact = ScreenRenderer.render(state, width: 60, height: 20)
        XCTAssertTrue(compact.contains("bbbb0002 01-15 07:18 manual   3.0 MiB  backup-new.db"), compact.text)

        _ = state.apply(KeyMap.action(for: .char("j"), in: state))
        XCTAssertEqual(state.offsiteScreen.selectedSnapshot?.shortID, "cccc0003")
        _ = state.apply(KeyMap.action(for: .char("G"), in: state))
        XCTAssertEqual(state.offsiteScreen.selectedSnapshot?.shortID, "aaaa0001")
        _ = state.apply(KeyMap.action(for: .enter, in: state))
        guard case .text(let title, let lines, _)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        XCTAssertEqual(title, "Snapshot aaaa0001")
        XCTAssertTrue(lines.contains("From      backup-old.db (no longer on this disk)"), "\(lines)")
        XCTAssertTrue(lines.contains("Kind      scheduled, app version 2.4.0"), "\(lines)")
        _ = state.apply(KeyMap.action(for: .escape, in: state))
        XCTAssertNil(state.dialog)
        XCTAssertEqual(state.view, .offsite, "Esc closed the box, not the view")

        state.snapshotsArrived(token: state.offsiteScreen.token, [])
        XCTAssertTrue(ScreenRenderer.render(state, width: 100, height: 30).contains("No snapshot of \(f.engine.terminalID) yet"))
        XCTAssertEqual(state.apply(.restore), [])
        XCTAssertEqual(state.flash, "No snapshot to restore.")
    }

    func testRFetchesTheSnapshotThenOpensTheSameRestoreDialogOnIt() throws {
        let f = try ConsoleFixture()
        try setUpOffsite(f)
        var state = f.state(width: 100, height: 30)
        _ = state.apply(.toggleOffsite)
        let wanted = snapshot("bbbb0002", minutesAgo: 42, kind: "manual", app: "2.5.1", name: "backup-new.db", size: 3_145_728)
        state.snapshotsArrived(token: state.offsiteScreen.token, [wanted])

        var readOnly = state
        readOnly.refreshed { $0.readOnly = "cannot write /x (running as nobody; owned by pos)" }
        XCTAssertEqual(readOnly.apply(KeyMap.action(for: .char("r"), in: readOnly)), [])
        XCTAssertEqual(readOnly.flash, "Restore refused: read-only, cannot write /x (running as nobody; owned by pos)")
        XCTAssertNil(readOnly.operation)

        XCTAssertEqual(state.apply(KeyMap.action(for: .char("r"), in: state)), [.fetchSnapshot(wanted)])
        XCTAssertEqual(state.operation, RunningOperation(kind: .fetch, name: "bbbb0002"))
        XCTAssertTrue(ScreenRenderer.render(state, width: 100, height: 30)
            .contains("Fetching snapshot bbbb0002 from s3:…/shop-12 (restic dump, then checked)…"))
        XCTAssertEqual(state.apply(.restore), [], "one operation at a time")
        XCTAssertEqual(state.flash, "Busy: Fetching snapshot bbbb0002 is still running.")

        // The engine's answer: a verified local backup (here one the demo made).
        let fetched = try XCTUnwrap(f.engine.listBackups().first { $0.kind == .preUpdate && $0.status == .verified })
        let effects = state.operationFinished(.fetched(fetched, snapshot: "bbbb0002"))
        XCTAssertEqual(effects, [.previewRestore(name: fetched.name, token: state.previewToken), .wakeScheduler, .refresh])
        XCTAssertNil(state.operation)
        XCTAssertEqual(state.view, .list)
        XCTAssertEqual(state.selectedName, fetched.name)
        XCTAssertEqual(state.dialog, .restore(name: fetched.name, focus: .cancel, refusal: nil))
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Restore backup?") && grid.contains("Backup:   " + fetched.name), grid.text)
        XCTAssertTrue(grid.contains("From:     off-site snapshot bbbb0002, fetched and checked"), grid.text)
        XCTAssertTrue(try XCTUnwrap(grid.style(of: "[ Cancel ]")).reverse, "Cancel is the default")
        XCTAssertEqual(state.apply(.activate), [], "Enter cancels")
        XCTAssertNil(state.dialog)

        // A box opened while it was fetched stays; one line says where the backup is.
        _ = state.apply(.toggleOffsite)
        state.snapshotsArrived(token: state.offsiteScreen.token, [wanted])
        XCTAssertEqual(state.apply(.restore), [.fetchSnapshot(wanted)])
        _ = state.apply(.activate)
        guard case .text(let title, _, _)? = state.dialog, title == "Snapshot bbbb0002" else {
            return XCTFail("Enter opens the snapshot's box while it is fetched: \(String(describing: state.dialog))")
        }
        let box = state.dialog
        XCTAssertEqual(state.operationFinished(.fetched(fetched, snapshot: "bbbb0002")), [.wakeScheduler, .refresh])
        XCTAssertEqual(state.dialog, box)
        XCTAssertEqual(state.flash, "Fetched snapshot bbbb0002 as \(fetched.name); select it and press r to restore it.")
    }
}

/// The error a throwing call throws (fails the test when it throws none).
private func XCTAssertThrowsErrorValue(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> Error {
    do {
        try body()
    } catch {
        return error
    }
    XCTFail("no error thrown", file: file, line: line)
    return CocoaError(.featureUnsupported)
}
