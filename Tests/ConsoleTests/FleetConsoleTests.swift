@testable import BackupEngine
import Foundation
import XCTest
@testable import Console

/// The fleet view (`F`): every terminal of the off-site repository, worst first, read on a
/// worker (the read is an effect) when it opens and every 3 minutes while it is open; `/`
/// filters, Enter shows a terminal's last report, `r` says where its restore happens.
/// The fleets are built here from snapshot lists by the engine's own rules (no restic).
final class FleetConsoleTests: XCTestCase {
    static let repository = "s3:https://s3.example.com/mr5-backups/shop-12"
    private let now = ConsoleFixture.now
    private let keyID = "ab12cd34" + String(repeating: "e", count: 56)

    /// Sets off-site up in the fixture's data dir as `offsite init` leaves it (no restic run),
    /// this terminal named `front-1` (not the machine's host name, whatever its length).
    /// `F` opens the fleet view only then (the key table's tests reach it this way too).
    static func setUpOffsite(_ f: ConsoleFixture) throws {
        _ = try f.engine.setTerminalID("front-1")
        let paths = f.engine.offsite.paths
        try FileManager.default.createDirectory(atPath: paths.directory, withIntermediateDirectories: true)
        let config = OffsiteConfig(repository: repository, options: [], configuredAt: f.clock.now())
        try MetadataStore.encoder.encode(config).write(to: URL(fileURLWithPath: paths.config))
        try Data("correct horse battery staple\n".utf8).write(to: URL(fileURLWithPath: paths.password))
    }

    private func ago(minutes: Double) -> Date { now.addingTimeInterval(-minutes * 60) }

    /// A till's health report, `minutes` old, with the figures `change` makes.
    private func report(_ terminal: String, minutes: Double, _ level: HealthLevel, _ message: String,
                        _ change: (inout TerminalHealth) -> Void = { _ in }) -> RepositoryReport {
        var health = TerminalHealth(appVersion: "2.5.1", databaseBytes: 43_937_792, orders: 12_345, backups: 14, consecutiveFailures: 0,
                                    newestVerifiedAt: ago(minutes: 180), lastPushAt: ago(minutes: 120),
                                    lastDrillAt: ago(minutes: 1440), lastDrillOK: true)
        health.intervalSeconds = 3 * 3600
        change(&health)
        return RepositoryReport(kind: .health, terminal: terminal, writtenAt: ago(minutes: minutes), level: level,
                                message: message, health: health)
    }

    /// A push `pushed` minutes ago (its tag carrying the report as it was then) and the
    /// report's own snapshot, as a till leaves them in the repository.
    private func snapshots(_ terminal: String, pushed: Double, _ report: RepositoryReport?) -> [ResticSnapshot] {
        var tags = ["mr5-backup", "kind:scheduled"]
        if var atPush = report {
            atPush.writtenAt = ago(minutes: pushed)
            tags.append(atPush.healthTag)
        }
        let id = { (n: Int) in String(format: "%08x", (terminal.hashValue & 0xffff) * 16 + n) + String(repeating: "0", count: 56) }
        var list = [ResticSnapshot(id: id(1), shortID: String(id(1).prefix(8)), time: ago(minutes: pushed), hostname: terminal, tags: tags)]
        if let report {
            list.append(ResticSnapshot(id: id(2), shortID: String(id(2).prefix(8)), time: report.writtenAt, hostname: terminal,
                                       tags: report.tags + [report.healthTag]))
        }
        return list
    }

    /// Five terminals: this one and till-12 OK, till-4 WARNING (a failed backup, a failed
    /// drill), till-17 dark for 30 h (CRITICAL), till-9 an older mr5-backup that never
    /// reported (UNKNOWN).
    private func fleet(this: String) -> Fleet {
        let list = snapshots(this, pushed: 40, report(this, minutes: 10, .ok, "backups verified and current") {
            $0.continuousSyncAt = self.ago(minutes: 1)
            $0.continuousLagSeconds = 0
        })
            + snapshots("till-17", pushed: 31 * 60, report("till-17", minutes: 30 * 60, .warning, "1 backup failed in a row: disk full") {
                $0.continuousSyncAt = self.ago(minutes: 30 * 60)
                $0.continuousLagSeconds = 5
            })
            + snapshots("till-4", pushed: 120, report("till-4", minutes: 10, .warning, "1 backup failed in a row: database is locked") {
                $0.consecutiveFailures = 1
                $0.lastDrillAt = self.ago(minutes: 3 * 1440)
                $0.lastDrillOK = false
                $0.continuousSyncAt = self.ago(minutes: 2)
                $0.continuousLagSeconds = 2
                $0.keyID = self.keyID
            })
            + snapshots("till-12", pushed: 50, report("till-12", minutes: 5, .ok, "backups verified and current"))
            + snapshots("till-9", pushed: 30, nil)
        return Fleet(rows: FleetRules.rows(list, now: now), readAt: now)
    }

    /// The fixture with off-site set up, the fleet view opened by `F` and its read arrived.
    private func opened(_ f: ConsoleFixture, width: Int = 100, height: Int = 30, unicode: Bool = true) throws -> (ConsoleState, Fleet) {
        try Self.setUpOffsite(f)
        var state = f.state(width: width, height: height, unicode: unicode)
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("F"), in: state)), [.readFleet])
        let fleet = fleet(this: f.engine.terminalID)
        state.fleetArrived(fleet)
        return (state, fleet)
    }

    private func type(_ text: String, _ state: inout ConsoleState) {
        for c in text { _ = state.apply(KeyMap.action(for: .char(c), in: state)) }
    }

    /// Selects `terminal` the way a person does: Home, then Down to its row.
    private func select(_ terminal: String, _ state: inout ConsoleState) {
        _ = state.apply(KeyMap.action(for: .home, in: state))
        let index = state.fleetScreen.rows.firstIndex { $0.terminal == terminal } ?? 0
        for _ in 0..<index { _ = state.apply(KeyMap.action(for: .down, in: state)) }
        XCTAssertEqual(state.fleetScreen.selectedRow?.terminal, terminal)
    }

    /// The row of the grid showing `terminal` (its id between spaces).
    private func row(_ grid: ScreenGrid, _ terminal: String) throws -> Int {
        try XCTUnwrap(grid.rows(containing: " " + terminal + " ").first, "\(terminal) not on screen\n" + grid.text)
    }

    /// The style of `needle`'s first character (`offset` further) in a row of the grid.
    private func style(_ grid: ScreenGrid, row: Int, of needle: String, offset: Int = 0) throws -> CellStyle {
        let line = grid.line(row)
        let range = try XCTUnwrap(line.range(of: needle), "\(needle) not in \(line)")
        return grid[row, line.distance(from: line.startIndex, to: range.lowerBound) + offset].style
    }

    // MARK: - Opening, reading

    func testFOpensTheViewWhoseReadIsAnEffectAtMostEveryThreeMinutes() throws {
        let f = try ConsoleFixture()
        var plain = f.state()
        XCTAssertEqual(plain.apply(KeyMap.action(for: .char("F"), in: plain)), [])
        XCTAssertFalse(plain.fleetScreen.isOpen)
        XCTAssertEqual(KeyContext(plain), .list)
        XCTAssertEqual(plain.flash, "Off-site copies are not set up: mr5-backup offsite init --repository REPO")

        try Self.setUpOffsite(f)
        var state = f.state(width: 100, height: 30)
        state.tick(now: now, monotonicNanos: 1_000_000_000)
        // The key only asks: restic runs on the controller's worker, never in the reducer.
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("F"), in: state)), [.readFleet])
        XCTAssertEqual(KeyContext(state), .fleet)
        XCTAssertTrue(state.fleetScreen.reading)
        XCTAssertNil(state.fleetScreen.fleet)
        var grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Fleet of s3:…/shop-12 · reading the fleet…"), grid.text)
        XCTAssertTrue(grid.contains(" Reading the fleet from s3:…/shop-12…"), grid.text)
        XCTAssertEqual(grid.line(29).replacingTrailingSpaces(), " j/k move  r restore  Enter report  / filter  F/Esc/q back  ? help", grid.text)

        // Never two reads at once, however long restic takes.
        state.tick(now: now.addingTimeInterval(600), monotonicNanos: 601_000_000_000)
        XCTAssertEqual(state.readFleetIfDue(), [])
        state.tick(now: now, monotonicNanos: 2_000_000_000)
        let fleet = fleet(this: f.engine.terminalID)
        state.fleetArrived(fleet)
        XCTAssertFalse(state.fleetScreen.reading)
        state.tick(now: now.addingTimeInterval(179), monotonicNanos: 181_000_000_000)
        XCTAssertEqual(state.readFleetIfDue(), [], "3 minutes after the last read ended, not before")
        state.tick(now: now.addingTimeInterval(181), monotonicNanos: 183_000_000_000)
        XCTAssertEqual(state.readFleetIfDue(), [.readFleet])
        XCTAssertEqual(state.readFleetIfDue(), [])
        grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Fleet of s3:…/shop-12 · read 3 min ago, reading again…"), grid.text)

        // A failed read says why in one line; the last good rows stay.
        state.fleetFailed("off-site repository s3:https://s3.example.com/mr5-backups/shop-12 is unreachable:\nconnection refused")
        grid = ScreenRenderer.render(state, width: 160, height: 30)
        let failure = try XCTUnwrap(grid.rows(containing: "Could not read the fleet: off-site repository").first, grid.text)
        XCTAssertTrue(grid.line(failure).contains("is unreachable:; connection refused"), grid.line(failure))
        XCTAssertEqual(try style(grid, row: failure, of: "Could not").role, .critical)
        XCTAssertTrue(grid.contains(" till-17 "), "the rows of the last good read stay\n" + grid.text)
        XCTAssertTrue(grid.contains("· read 3 min ago"), grid.text)

        // q closes (it quits only the list); closed, nothing more is read.
        XCTAssertEqual(KeyMap.action(for: .char("q"), in: state), .toggleFleet)
        XCTAssertEqual(state.apply(KeyMap.action(for: .escape, in: state)), [])
        XCTAssertEqual(KeyContext(state), .list)
        XCTAssertFalse(ScreenRenderer.render(state, width: 100, height: 30).contains("Fleet of"))
        state.tick(now: now.addingTimeInterval(3600), monotonicNanos: 3_600_000_000_000)
        XCTAssertEqual(state.readFleetIfDue(), [])
        // Opened again: the last rows show at once while it reads afresh.
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("F"), in: state)), [.readFleet])
        XCTAssertEqual(state.fleetScreen.rows.count, 5)
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("F"), in: state)), [])
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("F"), in: state)), [], "a read still runs: none is started")

        // The help opens over the view and closes back onto it.
        _ = state.apply(KeyMap.action(for: .char("?"), in: state))
        XCTAssertEqual(KeyContext(state), .help)
        _ = state.apply(KeyMap.action(for: .escape, in: state))
        XCTAssertEqual(KeyContext(state), .fleet)
    }

    func testTheReadIsMadeOnlyByTheControllerOnItsOwnQueue() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Console")
        var calls: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".swift") {
            let lines = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).components(separatedBy: "\n")
            for (i, line) in lines.enumerated() where line.contains("offsite.fleet(") {
                guard !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") else { continue }
                // The call sits in the block the controller hands to its fleet queue.
                let before = lines[max(0, i - 4)..<i].joined(separator: "\n")
                calls.append(name + (before.contains("fleetReader.async {") ? " (worker)" : " (UI thread)"))
            }
        }
        XCTAssertEqual(calls, ["ConsoleApp.swift (worker)"])
    }

    // MARK: - Rows

    func testRowsAreWorstFirstWithTheColumnsThatFitAndThisTerminalMarked() throws {
        let f = try ConsoleFixture()
        let (state, fleet) = try opened(f, width: 250, height: 30)
        let this = f.engine.terminalID
        XCTAssertEqual(fleet.rows.map(\.terminal).first, "till-17")
        XCTAssertEqual(fleet.rows.map(\.level), [.critical, .unknown, .warning, .ok, .ok])

        let wide = ScreenRenderer.render(state, width: 250, height: 30)
        XCTAssertTrue(wide.contains(" CRITICAL - 5 terminals: 2 OK, 1 WARNING, 1 CRITICAL, 1 UNKNOWN (till-17 dark since "), wide.text)
        XCTAssertTrue(wide.contains("Fleet of s3:…/shop-12 · read just now"), wide.text)
        let heading = wide.line(try XCTUnwrap(wide.rows(containing: " Terminal ").first, wide.text))
        for word in ["Verdict", "Last push", "Continuous", "App", "Size", "Orders", "Drill", "Key", "Reason"] {
            XCTAssertTrue(heading.contains(word), "\(word) in \(heading)")
        }
        let rows = try fleet.rows.map { try row(wide, $0.terminal) }
        XCTAssertEqual(rows, rows.sorted(), "worst first\n" + wide.text)
        XCTAssertEqual(rows, Array(rows[0]..<(rows[0] + 5)))

        let dark = wide.line(rows[0])
        XCTAssertTrue(dark.contains("CRITICAL 1 d 7 h ago") && dark.contains("(no report for 1 d 6 h); last said: 1 backup failed"), dark)
        XCTAssertEqual(try style(wide, row: rows[0], of: "CRITICAL").role, .critical)
        XCTAssertTrue(try style(wide, row: rows[0], of: "CRITICAL").reverse, "the worst is selected")
        XCTAssertEqual(try style(wide, row: rows[1], of: "UNKNOWN").role, .critical)
        XCTAssertTrue(wide.line(rows[1]).contains("has never reported its health (an older mr5-backup)"))
        let warning = wide.line(rows[2])
        XCTAssertTrue(warning.contains(" till-4 "), warning)
        for cell in ["WARNING  2 h ago ", " 2 min ago, lag 2 s ", " 2.5.1 ", " " + ByteCount.format(43_937_792) + " ", " 12,345 ",
                     " FAILED 3 d ago ", " ab12cd34   1 backup failed in a row: database is locked"] {
            XCTAssertTrue(warning.contains(cell), "\(cell) in \(warning)")
        }
        let columns = ["WARNING", "2 h ago", "2 min ago", "2.5.1", "12,345", "FAILED", "ab12cd34", "1 backup failed"]
        let at = columns.map { warning.range(of: $0).map { warning.distance(from: warning.startIndex, to: $0.lowerBound) } ?? -1 }
        XCTAssertEqual(at, at.sorted(), "the CLI's column order\n" + warning)
        XCTAssertEqual(try style(wide, row: rows[2], of: "WARNING").role, .warning)
        XCTAssertEqual(try style(wide, row: rows[2], of: "FAILED").role, .critical)
        XCTAssertFalse(try style(wide, row: rows[2], of: "WARNING").reverse)
        let own = try XCTUnwrap(wide.rows(containing: " \(this) (this) ").first, wide.text)
        XCTAssertTrue(rows.contains(own))
        XCTAssertEqual(try style(wide, row: own, of: this).bold, true)
        XCTAssertEqual(try style(wide, row: own, of: " OK ", offset: 1).role, .ok)

        // At 80 columns the right-hand columns give way; the reason stays, last and cut.
        let narrow = ScreenRenderer.render(state, width: 80, height: 24)
        let narrowHeading = narrow.line(try XCTUnwrap(narrow.rows(containing: " Terminal ").first, narrow.text))
        XCTAssertTrue(narrowHeading.contains("Verdict") && narrowHeading.contains("Reason"), narrowHeading)
        for word in ["Continuous", "App", "Orders", "Drill", "Key"] { XCTAssertFalse(narrowHeading.contains(word), narrowHeading) }
        XCTAssertTrue(narrow.line(try row(narrow, "till-17")).replacingTrailingSpaces().hasSuffix("…│"), narrow.text)
        // Compact: the title on a row of its own, the rows beneath.
        let compact = ScreenRenderer.render(state, width: 60, height: 16)
        XCTAssertTrue(compact.contains(" Fleet of s3:…/shop-12 · read just now"), compact.text)
        XCTAssertLessThan(try row(compact, "till-17"), try row(compact, "till-4"))
        let (ascii, _) = try opened(f, width: 100, height: 30, unicode: false)
        let plain = ScreenRenderer.render(ascii, width: 100, height: 30)
        XCTAssertTrue(plain.contains("Fleet of s3:~/shop-12 | read just now"), plain.text)
        XCTAssertTrue(plain.cells.allSatisfy { $0.character.isASCII }, plain.text)

        // Moving: j, G, g, and the page keys, as in the other views.
        var moving = state
        _ = moving.apply(KeyMap.action(for: .char("j"), in: moving))
        XCTAssertEqual(moving.fleetScreen.selectedRow?.terminal, fleet.rows[1].terminal)
        _ = moving.apply(KeyMap.action(for: .char("G"), in: moving))
        XCTAssertEqual(moving.fleetScreen.selectedRow?.terminal, fleet.rows[4].terminal)
        _ = moving.apply(KeyMap.action(for: .pageUp, in: moving))
        XCTAssertEqual(moving.fleetScreen.selectedRow?.terminal, "till-17")
        // A new read keeps the selected terminal selected, wherever it now sorts.
        _ = moving.apply(KeyMap.action(for: .char("j"), in: moving))
        moving.fleetArrived(Fleet(rows: fleet.rows.reversed(), readAt: now))
        XCTAssertEqual(moving.fleetScreen.selectedRow?.terminal, fleet.rows[1].terminal)
    }

    // MARK: - Filter

    func testSlashFiltersByTerminalIdAndTheTitleSaysHowManyOfAll() throws {
        let f = try ConsoleFixture()
        var (state, fleet) = try opened(f)
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("/"), in: state)), [])
        XCTAssertEqual(KeyContext(state), .fleetFilter)
        // Letters are the filter's text here, never a key's action (q would close the view).
        XCTAssertEqual(KeyMap.action(for: .char("q"), in: state), .typeText("q"))
        type("TILL-1!", &state)
        let matching = fleet.rows.map(\.terminal).filter { $0.lowercased().contains("till-1") }
        XCTAssertTrue(matching.contains("till-17") && matching.contains("till-12"), "\(matching)")
        XCTAssertEqual(state.fleetScreen.rows.map(\.terminal), matching, "ignoring case, in the fleet's order")
        var grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("· filter: TILL-1_ (\(matching.count) of 5)"), "! is no terminal id's: not typed\n" + grid.text)
        XCTAssertFalse(grid.contains(" till-4 "), grid.text)
        XCTAssertEqual(grid.line(29).replacingTrailingSpaces(), " Backspace erase  Enter keep  Esc clear", grid.text)

        XCTAssertEqual(state.apply(KeyMap.action(for: .enter, in: state)), [])
        XCTAssertEqual(KeyContext(state), .fleet)
        grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("· filter: TILL-1 (\(matching.count) of 5)"), grid.text)
        _ = state.apply(KeyMap.action(for: .down, in: state))
        XCTAssertEqual(state.fleetScreen.selectedRow?.terminal, matching[1], "moves inside the filtered rows")

        // Nothing matches: said; Esc while typing clears the filter.
        _ = state.apply(KeyMap.action(for: .char("/"), in: state))
        type("zz", &state)
        grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("(0 of 5)") && grid.contains(" No terminal's id contains \"TILL-1zz\"."), grid.text)
        _ = state.apply(KeyMap.action(for: .backspace, in: state))
        XCTAssertEqual(state.fleetScreen.filter, "TILL-1z")
        XCTAssertEqual(state.apply(KeyMap.action(for: .escape, in: state)), [])
        XCTAssertEqual(KeyContext(state), .fleet, "Esc cleared the filter, the view stays")
        XCTAssertEqual(state.fleetScreen.rows.count, 5)
        XCTAssertFalse(ScreenRenderer.render(state, width: 100, height: 30).contains("filter:"))

        // A kept filter is dropped at the next opening.
        _ = state.apply(KeyMap.action(for: .char("/"), in: state))
        type("till-4", &state)
        _ = state.apply(KeyMap.action(for: .enter, in: state))
        XCTAssertEqual(state.fleetScreen.rows.map(\.terminal), ["till-4"])
        _ = state.apply(KeyMap.action(for: .escape, in: state))
        XCTAssertEqual(KeyContext(state), .list, "Esc with a kept filter closes the view")
        _ = state.apply(KeyMap.action(for: .char("F"), in: state))
        XCTAssertEqual(state.fleetScreen.filter, "")
        XCTAssertEqual(state.fleetScreen.selectedRow?.terminal, "till-17")
    }

    // MARK: - Enter, r

    func testEnterOpensTheTerminalsLastReportWhole() throws {
        let f = try ConsoleFixture()
        var (state, _) = try opened(f)
        select("till-4", &state)
        _ = state.apply(KeyMap.action(for: .enter, in: state))
        guard case .text(let title, let lines, _)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        XCTAssertEqual(title, "Terminal till-4")
        XCTAssertEqual(lines, [
            "Verdict         WARNING",
            "Reason          1 backup failed in a row: database is locked",
            "Reported at     2027-01-15 07:50:00 UTC (10m ago)",
            "Tool            mr5-backup " + ToolVersion.current,
            "App version     2.5.1",
            "Database        " + ByteCount.format(43_937_792),
            "Orders          12,345 (in the newest verified backup)",
            "Backups         14, 1 failed in a row",
            "Newest verified 2027-01-15 05:00:00 UTC (3h 00m ago)",
            "Last push       2027-01-15 06:00:00 UTC (2h 00m ago)",
            "Last drill      FAILED, 2027-01-12 08:00:00 UTC (3d 0h ago)",
            "Continuous      synced 2027-01-15 07:58:00 UTC (2m ago), lag 2 s",
            "Key             " + keyID,
            "Dark since      no",
            "Snapshots       1",
        ])
        XCTAssertEqual(KeyContext(state), .reader)
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Terminal till-4") && grid.contains("Last drill      FAILED, 2027-01-12"), grid.text)
        _ = state.apply(KeyMap.action(for: .escape, in: state))
        XCTAssertNil(state.dialog)
        XCTAssertEqual(KeyContext(state), .fleet, "Esc closed the box, not the view")

        // Dark: the fleet's reason, then what the terminal itself last said.
        select("till-17", &state)
        _ = state.apply(.activate)
        guard case .text(_, let darkLines, _)? = state.dialog else { return XCTFail() }
        XCTAssertTrue(darkLines[0] == "Verdict         CRITICAL" && darkLines[1].hasPrefix("Reason          dark since "), "\(darkLines)")
        XCTAssertTrue(darkLines.contains("Last said       WARNING: 1 backup failed in a row: disk full"), "\(darkLines)")
        XCTAssertTrue(darkLines.contains("Dark since      2027-01-14 02:00:00 UTC (1d 6h ago)"), "\(darkLines)")
        _ = state.apply(.cancel)

        // Never reported: what the repository knows.
        select("till-9", &state)
        _ = state.apply(.activate)
        guard case .text(_, let oldLines, _)? = state.dialog else { return XCTFail() }
        XCTAssertTrue(oldLines.contains("Last push       2027-01-15 07:30:00 UTC (30m ago)"), "\(oldLines)")
        XCTAssertTrue(oldLines.contains { $0.hasPrefix("It has never reported its health") }, "\(oldLines)")
    }

    func testROnAnotherTerminalExplainsWhereItsRestoreHappens() throws {
        let f = try ConsoleFixture()
        var (state, _) = try opened(f)
        select("till-4", &state)
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("r"), in: state)), [], "nothing is restored from here")
        XCTAssertNil(state.operation)
        guard case .text(let title, let lines, _)? = state.dialog else { return XCTFail("\(String(describing: state.dialog))") }
        XCTAssertEqual(title, "Restore on till-4")
        XCTAssertTrue(lines.contains { $0.hasPrefix("On till-4: open the console there (mr5-backup) and press r on a backup") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("mr5-backup restore NAME") }, "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("offsite restore") }, "not dark: no recovery\n\(lines)")
        _ = state.apply(.cancel)

        // Dark: how a lost till comes back on a new machine, in the CLI's own words.
        select("till-17", &state)
        _ = state.apply(.restore)
        guard case .text(_, let dark, _)? = state.dialog else { return XCTFail() }
        XCTAssertTrue(dark.contains("2. mr5-backup offsite init --data-dir DIR --repository \(Self.repository) --password-file FILE"), "\(dark)")
        XCTAssertTrue(dark.contains("3. mr5-backup offsite restore --latest --terminal till-17 --yes --data-dir DIR"), "\(dark)")
        XCTAssertTrue(dark.contains { $0.contains("mr5-backup continuous restore --replica REPLICA --terminal till-17 --data-dir DIR") },
                      "it replicated: its replica too\n\(dark)")
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertTrue(grid.contains("Restore on till-17") && grid.contains("offsite restore --latest --terminal till-17"), grid.text)
        _ = state.apply(.cancel)

        // This terminal: the view closes onto the list, whose restore it is.
        select(f.engine.terminalID, &state)
        XCTAssertEqual(state.apply(.restore), [])
        XCTAssertEqual(KeyContext(state), .list)
        XCTAssertNil(state.dialog)
        XCTAssertEqual(state.flash, "\(f.engine.terminalID) is this terminal: restore from the list (select a backup, press r) or from its off-site snapshots (o).")
    }

    func testAFetchedSnapshotsRestoreDialogClosesTheView() throws {
        let f = try ConsoleFixture()
        try Self.setUpOffsite(f)
        var state = f.state(width: 100, height: 30)
        let snapshot = ResticSnapshot(id: String(repeating: "b", count: 64), shortID: "bbbbbbbb", time: now, hostname: f.engine.terminalID,
                                      tags: ["mr5-backup", "kind:manual"])
        _ = state.apply(.toggleOffsite)
        state.snapshotsArrived(token: state.offsiteScreen.token, [snapshot])
        XCTAssertEqual(state.apply(.restore), [.fetchSnapshot(snapshot)])
        _ = state.apply(KeyMap.action(for: .escape, in: state))
        XCTAssertEqual(state.apply(KeyMap.action(for: .char("F"), in: state)), [.readFleet], "the view opens while the fetch runs")
        let fetched = try XCTUnwrap(f.engine.listBackups().first { $0.kind == .preUpdate && $0.status == .verified })
        _ = state.operationFinished(.fetched(fetched, snapshot: "bbbbbbbb"))
        XCTAssertEqual(state.dialog, .restore(name: fetched.name, focus: .cancel, refusal: nil))
        _ = state.apply(.cancel)
        XCTAssertEqual(KeyContext(state), .list, "the restore dialog opened on the list, which stays")
    }

    // MARK: - Keys

    func testTheFleetKeysAreTheTablesAndTheOffsiteRowNamesBoth() throws {
        let f = try ConsoleFixture()
        var (state, _) = try opened(f)
        var filtering = state
        _ = filtering.apply(.startFilter)
        var checked = 0
        for (context, s) in [(KeyContext.fleet, state), (.fleetFilter, filtering)] {
            XCTAssertEqual(KeyContext(s), context)
            for binding in KeyTable.bindings where binding.contexts.contains(context) {
                for press in binding.presses {
                    guard case .fixed(let action) = press.action else { continue }
                    XCTAssertEqual(KeyMap.action(for: press.key, in: s), action, "\(press.key.name) in \(context)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 15)
        let offsite = try XCTUnwrap(KeyTable.binding(for: .toggleFleet, in: .list))
        XCTAssertEqual(offsite.label, "o, F")
        XCTAssertEqual(offsite.help, "off-site: o this terminal's snapshots, F every terminal")
        XCTAssertEqual(KeyTable.keys(for: .toggleOffsite, in: .list), "o")
        XCTAssertEqual(KeyTable.keys(for: .toggleFleet, in: .list), "F")
        XCTAssertEqual(KeyTable.keys(for: .toggleFleet, in: .fleet), "F/Esc/q")
        XCTAssertEqual(KeyTable.footer(for: .fleetFilter).map { $0.keys + " " + $0.word }, ["Backspace erase", "Enter keep", "Esc clear"])
        XCTAssertEqual(KeyTable.footer(for: .moment).map { $0.keys + " " + $0.word },
                       ["Up/Down minute", "PgUp/PgDn hour", "Backspace erase", "Enter fetch", "Esc cancel"], "the picker's hint is unchanged")
        // The help box still holds every row at 100x30.
        _ = state.apply(.help)
        let grid = ScreenRenderer.render(state, width: 100, height: 30)
        XCTAssertFalse(grid.contains("enlarge"), grid.text)
        XCTAssertTrue(grid.contains("off-site: o this terminal's snapshots, F every terminal"), grid.text)
        // A resize keeps the selection on screen.
        _ = state.apply(.cancel)
        _ = state.apply(.last)
        _ = state.apply(.resize(width: 40, height: 10))
        let small = ScreenRenderer.render(state, width: 40, height: 10)
        let last = try XCTUnwrap(state.fleetScreen.selectedRow?.terminal)
        XCTAssertTrue(small.contains(String(last.prefix(8))), small.text)
    }
}
