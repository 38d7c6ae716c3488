import BackupEngine
import Foundation

/// The fleet view (`F`): every terminal of the off-site repository, worst first, with the
/// columns of `mr5-backup fleet` that fit the width (the right-hand ones give way first;
/// the reason comes last and is cut).
extension RenderContext {
    /// The columns between the verdict and the reason, in the order they give way (last first).
    enum FleetColumn: CaseIterable {
        case lastPush, continuous, app, size, orders, drill, key

        var heading: String {
            switch self {
            case .lastPush: return "Last push"
            case .continuous: return "Continuous"
            case .app: return "App"
            case .size: return "Size"
            case .orders: return "Orders"
            case .drill: return "Drill"
            case .key: return "Key"
            }
        }

        var width: Int {
            switch self {
            case .lastPush: return 15        // `23 h 59 min ago`
            case .continuous: return 20      // `40 min ago, lag 2 s`
            case .app: return 8
            case .size: return 9
            case .orders: return 9
            case .drill: return 18           // `FAILED 2 d 3 h ago`
            case .key: return 9              // a key id's first 8 hex digits, `!` when revoked
            }
        }

        var right: Bool { self == .size || self == .orders }
    }

    static let fleetVerdictWidth = 8
    /// The reason keeps at least this much room; columns give way before it does.
    static let fleetReasonMinimum = 40
    /// After this terminal's id in its row.
    static let fleetThisMark = " (this)"

    /// The colour of a verdict, as the health banner gives it (UNKNOWN is as bad as CRITICAL).
    static func verdictStyle(_ level: HealthLevel) -> CellStyle {
        switch level {
        case .ok: return ok
        case .warning: return warning
        case .critical, .unknown: return critical
        }
    }

    /// `just now`, `42 min ago`, `2 d 3 h ago` (the CLI's durations), or `never`.
    func fleetAgo(_ date: Date?) -> String {
        guard let date else { return "never" }
        let seconds = state.now.timeIntervalSince(date)
        return seconds < 60 ? "just now" : FleetRules.durationText(seconds) + " ago"
    }

    /// The optional columns that fit beside the terminal, the verdict and the reason.
    func fleetColumns(inner: Int, terminalWidth: Int) -> [FleetColumn] {
        var used = 1 + terminalWidth + 1 + Self.fleetVerdictWidth
        var kept: [FleetColumn] = []
        for column in FleetColumn.allCases {
            guard used + 1 + column.width + 2 + Self.fleetReasonMinimum <= inner else { break }
            used += 1 + column.width
            kept.append(column)
        }
        return kept
    }

    func fleetValue(_ column: FleetColumn, _ row: FleetRow) -> String {
        let h = row.health
        switch column {
        case .lastPush: return fleetAgo(row.lastPushAt)
        case .continuous:
            return h?.continuousSyncAt.map { fleetAgo($0) + (h?.continuousLagSeconds.map { ", lag \($0) s" } ?? "") } ?? "-"
        case .app: return h?.appVersion ?? "-"
        case .size: return h?.databaseBytes.map(ByteCount.format) ?? "-"
        case .orders: return h?.orders.map(NumberText.grouped) ?? "-"
        case .drill: return h?.lastDrillAt.map { (h?.lastDrillOK == true ? "ok " : "FAILED ") + fleetAgo($0) } ?? "-"
        case .key:
            let revoked = state.fleetScreen.fleet?.isRevoked(row) == true
            return (row.keyID.map { String($0.prefix(8)) } ?? "-") + (revoked ? "!" : "")
        }
    }

    /// The title: the repository, when it was read (or that it is being read) and the
    /// filter with its count. The repository gives way first.
    func fleetTitle(width: Int) -> String {
        let screen = state.fleetScreen
        var tail: [String] = []
        if let fleet = screen.fleet {
            tail.append("read " + fleetAgo(fleet.readAt) + (screen.reading ? ", reading again" + glyphs.ellipsis : ""))
        } else if screen.reading {
            tail.append("reading the fleet" + glyphs.ellipsis)
        }
        if screen.editingFilter || !screen.filter.isEmpty {
            tail.append("filter: " + screen.filter + (screen.editingFilter ? "_" : "") + " (\(screen.rows.count) of \(screen.all.count))")
        }
        let head = "Fleet" + (state.offsite?.config.map { " of " + $0.shortRepository } ?? "")
        let rest = tail.map { glyphs.separator + $0 }.joined()
        return TextFormat.line(head, width: max(5, width - rest.count), ellipsis: glyphs.ellipsis) + rest
    }

    /// The line under the title: the fleet's verdict and summary, why the last read failed
    /// (its rows stay below), or that the first read runs.
    func fleetStatusLine() -> (text: String, style: CellStyle) {
        let screen = state.fleetScreen
        if let error = screen.error { return ("Could not read the fleet: " + error, Self.critical) }
        guard let fleet = screen.fleet else {
            let repository = state.offsite?.config?.shortRepository ?? "the off-site repository"
            return ("Reading the fleet from " + repository + glyphs.ellipsis, Self.dim)
        }
        return (fleet.level.word + " - " + fleet.summary, fleet.rows.isEmpty ? Self.dim : Self.verdictStyle(fleet.level))
    }

    mutating func drawFleetView() {
        let full = layout.mode == .full
        let top = layout.listBoxTop
        let bottom = layout.scheduleRow - 1
        let left = full ? 1 : 0
        let inner = full ? width - 2 : width
        let screen = state.fleetScreen
        if full {
            box(top: top, left: 0, height: bottom - top + 1, width: width, title: fleetTitle(width: width - 6))
        } else {
            grid.put(" " + fleetTitle(width: inner - 1), row: top, column: 0, style: Self.title, limit: inner)
        }
        let statusRow = top + 1
        let status = fleetStatusLine()
        grid.put(" " + TextFormat.line(status.text, width: inner - 1, ellipsis: glyphs.ellipsis), row: statusRow, column: left,
                 style: status.style, limit: inner)

        // The terminal column fits the longest id of the whole fleet, so it stays put while filtering.
        let this = state.thisTerminal
        let longest = screen.all.map { $0.terminal.count + ($0.terminal == this ? Self.fleetThisMark.count : 0) }.max() ?? 0
        let terminalWidth = min(24, max(8, longest))
        let columns = fleetColumns(inner: inner, terminalWidth: terminalWidth)
        func line(_ terminal: String, _ verdict: String, _ values: [String], _ reason: String) -> String {
            var s = " " + TextFormat.fit(terminal, terminalWidth, ellipsis: glyphs.ellipsis) + " "
                + TextFormat.fit(verdict, Self.fleetVerdictWidth, ellipsis: glyphs.ellipsis)
            for (column, value) in zip(columns, values) {
                s += " " + TextFormat.fit(value, column.width, right: column.right, ellipsis: glyphs.ellipsis)
            }
            s += "  "
            return s + TextFormat.line(reason, width: max(1, inner - s.count), ellipsis: glyphs.ellipsis)
        }
        let headRow = statusRow + 1
        grid.put(line("Terminal", "Verdict", columns.map(\.heading), "Reason"), row: headRow, column: left, style: Self.title, limit: inner)

        let rows = screen.rows
        let first = headRow + 1
        if rows.isEmpty {
            if !screen.all.isEmpty {
                grid.put(" No terminal's id contains \"\(screen.filter)\".", row: first, column: left, style: Self.dim, limit: inner)
            }
            return
        }
        let visible = FleetScreen.visibleRows(layout)
        let selected = screen.selectedIndex ?? 0
        let offset = max(0, min(screen.scroll, rows.count - visible))
        let verdictColumn = left + 1 + terminalWidth + 1
        let drillColumn = columns.firstIndex(of: .drill).map { i in
            verdictColumn + Self.fleetVerdictWidth + columns.prefix(i).reduce(0) { $0 + 1 + $1.width } + 1
        }
        for i in 0..<visible {
            let index = offset + i
            guard index < rows.count else { break }
            let r = rows[index]
            let isThis = r.terminal == this
            let text = line(r.terminal + (isThis ? Self.fleetThisMark : ""), r.level.word, columns.map { fleetValue($0, r) }, r.reason)
            let isSelected = index == selected
            let base = isSelected ? Self.selected : CellStyle(.normal, bold: isThis)
            let y = first + i
            grid.fill(row: y, column: left, count: inner, style: base)
            grid.put(text, row: y, column: left, style: base, limit: inner)
            // The verdict in its colour; on the selected row reverse keeps it readable.
            let verdict = Self.verdictStyle(r.level)
            grid.restyle(row: y, column: verdictColumn, count: r.level.word.count,
                         style: CellStyle(verdict.role, bold: verdict.bold, reverse: isSelected))
            if let drillColumn, r.health?.lastDrillAt != nil, r.health?.lastDrillOK != true {
                grid.restyle(row: y, column: drillColumn, count: "FAILED".count, style: CellStyle(Self.critical.role, bold: true, reverse: isSelected))
            }
        }
        if full, offset > 0 { grid.put(glyphs.up, row: top, column: width - 3, style: Self.title) }
        if full, offset + visible < rows.count { grid.put(glyphs.down, row: bottom, column: width - 3, style: Self.title) }
    }
}
