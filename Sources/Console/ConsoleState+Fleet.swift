import BackupEngine
import Foundation

/// The fleet view (`F`): every terminal of the off-site repository, read in the background
/// when the view opens and again every 3 minutes while it is open (never two reads at
/// once, never on the UI thread: a read is the effect `.readFleet`); `/` filters, Enter
/// shows a terminal's last report whole, `r` says how that terminal is restored.
extension ConsoleState {
    /// A read is due this long after the last one ended, while the view is open.
    static let fleetReadEvery: UInt64 = 180 * 1_000_000_000

    /// The terminal this console runs on, as its snapshots and reports name it.
    var thisTerminal: String? { offsite?.terminal }

    /// Rows of terminals the fleet view shows at the current size.
    var fleetRows: Int { FleetScreen.visibleRows(ScreenLayout(state: self)) }

    /// `F` in the list: opens the view (only with off-site copies set up: the fleet is the
    /// repository's) and reads the fleet unless a read is already running. `F`, Esc or `q`
    /// in the view close it.
    mutating func toggleFleet() -> [ConsoleEffect] {
        guard !fleetScreen.isOpen else {
            fleetScreen.close()
            return []
        }
        guard offsite?.config != nil else {
            flash = "Off-site copies are not set up: mr5-backup offsite init --repository REPO"
            return []
        }
        bannerSelected = false
        fleetScreen.open()
        selectFleetRow(0)
        return startFleetRead()
    }

    /// The controller asks once a loop: a read while the view is open, when none runs and
    /// the last one ended 3 minutes ago.
    mutating func readFleetIfDue() -> [ConsoleEffect] {
        guard fleetScreen.isOpen, !fleetScreen.reading else { return [] }
        if let last = fleetScreen.lastReadEnded, monotonicNanos &- last < Self.fleetReadEvery { return [] }
        return startFleetRead()
    }

    private mutating func startFleetRead() -> [ConsoleEffect] {
        guard !fleetScreen.reading else { return [] }
        fleetScreen.reading = true
        return [.readFleet]
    }

    /// A read's answer (also when the view was closed meanwhile: the next opening shows it).
    public mutating func fleetArrived(_ fleet: Fleet) {
        fleetScreen.took(fleet, at: monotonicNanos, visible: fleetRows)
    }

    /// A read failed (restic missing, a wrong password, a server that does not answer): the
    /// view says why in one line, and the last good rows stay.
    public mutating func fleetFailed(_ message: String) {
        fleetScreen.failed(message, at: monotonicNanos)
    }

    mutating func selectFleetRow(_ index: Int) {
        fleetScreen.select(index, visible: fleetRows)
    }

    /// A key while the view is on screen (the reducer sends them all here).
    mutating func applyToFleet(_ action: ConsoleAction) -> [ConsoleEffect] {
        let rows = fleetRows
        if fleetScreen.editingFilter {
            switch action {
            case .typeText(let c): fleetScreen.type(c, visible: rows)
            case .erase: fleetScreen.erase(visible: rows)
            case .activate, .confirm: fleetScreen.keepFilter()
            case .cancel: fleetScreen.clearFilter(visible: rows)
            default: break
            }
            return []
        }
        let index = fleetScreen.selectedIndex ?? 0
        switch action {
        case .move(let n): selectFleetRow(index + n)
        case .page(let n): selectFleetRow(index + n * max(1, rows))
        case .first: selectFleetRow(0)
        case .last: selectFleetRow(fleetScreen.rows.count - 1)
        case .activate:
            if let row = fleetScreen.selectedRow { dialog = fleetReportBox(row) }
        case .restore:
            return restoreFromFleet()
        case .startFilter:
            fleetScreen.editingFilter = true
        case .toggleFleet, .cancel:
            fleetScreen.close()
        case .help:
            view = .help
        default:
            break
        }
        return []
    }

    /// `r` on a terminal: nothing is restored from here. This terminal's backups are the
    /// list's (the view closes onto it); another terminal restores on itself, and a lost
    /// one on a new machine from the repository.
    private mutating func restoreFromFleet() -> [ConsoleEffect] {
        guard let row = fleetScreen.selectedRow else {
            flash = "No terminal to restore."
            return []
        }
        guard row.terminal != thisTerminal else {
            fleetScreen.close()
            flash = "\(row.terminal) is this terminal: restore from the list (select a backup, press "
                + KeyTable.keys(for: .restore, in: .list) + ") or from its off-site snapshots ("
                + KeyTable.keys(for: .toggleOffsite, in: .list) + ")."
            return []
        }
        dialog = fleetRestoreBox(row)
        return []
    }

    // MARK: - Boxes

    /// `2027-01-15 07:18:00 UTC (42m ago)`, or `never`.
    private func fleetWhen(_ date: Date?) -> String {
        guard let date else { return "never" }
        return TextFormat.dateTime(date, zone: timeZone, seconds: true) + " " + timeZoneName + " (" + TextFormat.age(date, now: now) + ")"
    }

    /// The box for one terminal: the fleet's verdict and whole reason, then every figure of
    /// its last report.
    func fleetReportBox(_ row: FleetRow) -> ConsoleDialog {
        func line(_ label: String, _ value: String) -> String { TextFormat.fit(label, 16) + value }
        var lines = [
            line("Verdict", row.level.word + (row.terminal == thisTerminal ? " (this terminal)" : "")),
            line("Reason", row.reason),
        ]
        guard let report = row.report else {
            lines.append(line("Last heard", fleetWhen(row.heardAt) + " (its newest snapshot)"))
            lines.append(line("Last push", fleetWhen(row.lastPushAt)))
            lines.append(line("Snapshots", "\(row.snapshots)"))
            if let dark = row.darkSince { lines.append(line("Dark since", fleetWhen(dark))) }
            lines.append("")
            lines.append("It has never reported its health: an mr5-backup older than the fleet pushes into the repository there.")
            return .text(title: "Terminal " + row.terminal, lines: lines, scroll: 0)
        }
        // Dark: the reason is the fleet's; what the terminal itself last said comes whole.
        if row.darkSince != nil { lines.append(line("Last said", report.level.word + ": " + report.message)) }
        lines.append(line("Reported at", fleetWhen(report.writtenAt)))
        let h = report.health
        lines.append(line("Tool", "mr5-backup " + report.toolVersion))
        lines.append(line("App version", h?.appVersion ?? "unknown"))
        lines.append(line("Database", h?.databaseBytes.map(ByteCount.format) ?? "unknown"))
        lines.append(line("Orders", h?.orders.map { NumberText.grouped($0) + " (in the newest verified backup)" } ?? "unknown"))
        if let h {
            lines.append(line("Backups", "\(h.backups), \(h.consecutiveFailures) failed in a row"))
        }
        lines.append(line("Newest verified", fleetWhen(h?.newestVerifiedAt)))
        lines.append(line("Last push", fleetWhen(row.lastPushAt)))
        let drill: String
        if let at = h?.lastDrillAt {
            drill = (h?.lastDrillOK == true ? "ok, " : "FAILED, ") + fleetWhen(at)
        } else {
            drill = "never"
        }
        lines.append(line("Last drill", drill))
        var continuous = "not set up"
        if let sync = h?.continuousSyncAt {
            continuous = "synced " + fleetWhen(sync) + (h?.continuousLagSeconds.map { ", lag \($0) s" } ?? "")
        } else if let lag = h?.continuousLagSeconds {
            continuous = "nothing synced yet, lag \(lag) s"
        }
        lines.append(line("Continuous", continuous))
        lines.append(line("Key", (row.keyID ?? "unknown")
                          + (fleetScreen.fleet?.isRevoked(row) == true ? " (revoked: no longer in the repository)" : "")))
        lines.append(line("Dark since", row.darkSince.map(fleetWhen) ?? "no"))
        lines.append(line("Snapshots", "\(row.snapshots)"))
        return .text(title: "Terminal " + row.terminal, lines: lines, scroll: 0)
    }

    /// `r` on another terminal: where its restore happens, and, for a dark one, how a lost
    /// till is brought back on a new machine (docs/operations.md, "Recovering a lost
    /// terminal, step by step"; the commands are the CLI's own).
    func fleetRestoreBox(_ row: FleetRow) -> ConsoleDialog {
        let id = row.terminal
        var lines = [
            "A restore happens on the terminal itself: this console restores only " + (thisTerminal ?? "this terminal") + ".",
            "On \(id): open the console there (mr5-backup) and press r on a backup, or o and r on an off-site snapshot; "
                + "or run mr5-backup list, then mr5-backup restore NAME.",
        ]
        if let dark = row.darkSince {
            let repository = offsite?.config?.displayRepository ?? "REPO"
            lines += [
                "",
                "\(id) has been dark since " + fleetWhen(dark) + ". If it is lost, bring it back on a new machine "
                    + "(docs/operations.md, \"Recovering a lost terminal, step by step\"):",
                "1. Install mr5-backup and restic; create the data dir DIR, empty, owned by the POS app's user.",
                "2. mr5-backup offsite init --data-dir DIR --repository \(repository) --password-file FILE",
                "   (the repository's password from the safe; --env-file, or --ssh-key and --known-hosts, as this terminal was set up)",
                "3. mr5-backup offsite restore --latest --terminal \(id) --yes --data-dir DIR",
                "Its newest snapshot is fetched, checked like a local backup and restored; the new machine then pushes as \(id).",
            ]
            if row.health?.continuousSyncAt != nil {
                lines.append("It replicated continuously too: from its replica, mr5-backup continuous restore --replica REPLICA "
                             + "--terminal \(id) --data-dir DIR brings back its newest moment instead "
                             + "(docs/operations.md, \"Bringing a lost till back from the replica\").")
            }
        }
        return .text(title: "Restore on " + id, lines: lines, scroll: 0)
    }
}
