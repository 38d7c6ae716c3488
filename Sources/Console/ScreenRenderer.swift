import BackupEngine
import Foundation

/// Turns a `ConsoleState` into a `ScreenGrid` for a width and height. Pure: no curses, no
/// clock, no files, so every layout and mode is tested as plain text.
public enum ScreenRenderer {
    /// Renders the whole screen.
    public static func render(_ state: ConsoleState, width: Int, height: Int) -> ScreenGrid {
        var ctx = RenderContext(state: state, width: width, height: height)
        ctx.draw()
        return ctx.grid
    }

    /// The one line shown below the minimum size.
    public static let tooSmallMessage = "terminal too small (need \(ScreenLayout.minimumWidth)x\(ScreenLayout.minimumHeight))"
}

/// Drawing state for one frame.
struct RenderContext {
    let state: ConsoleState
    let layout: ScreenLayout
    let glyphs: Glyphs
    var grid: ScreenGrid

    init(state: ConsoleState, width: Int, height: Int) {
        self.state = state
        layout = ScreenLayout(width: width, height: height, banner: state.showsBanner, readOnly: state.readOnly != nil,
                              continuous: state.continuous != nil)
        glyphs = Glyphs.forCapabilities(state.capabilities)
        grid = ScreenGrid(width: width, height: height)
    }

    var width: Int { layout.width }
    var height: Int { layout.height }

    // MARK: - Styles (bold and reverse carry meaning when there is no colour)

    static let header = CellStyle(.header, bold: true, reverse: true)
    static let border = CellStyle(.border)
    static let title = CellStyle(.title, bold: true)
    static let selected = CellStyle(.selected, reverse: true)
    static let dim = CellStyle(.dim)
    static let ok = CellStyle(.ok)
    static let warning = CellStyle(.warning, bold: true)
    static let critical = CellStyle(.critical, bold: true)
    static let key = CellStyle(.key, bold: true)
    static let progress = CellStyle(.progress, bold: true)

    mutating func draw() {
        guard width > 0, height > 0 else { return }
        if layout.mode == .tooSmall {
            let message = ScreenRenderer.tooSmallMessage
            let lines = message.count <= width ? [message] : TextFormat.wrap(message, width: width)
            for (i, line) in lines.prefix(height).enumerated() { grid.put(line, row: i, column: 0, style: Self.warning) }
            return
        }
        drawHeader()
        drawBanner()
        // The fleet view lies over the list it was opened from (the help overlay over it).
        if state.fleetScreen.isOpen {
            drawFleetView()
        } else {
            switch state.view {
            case .list, .help:
                drawList()
                if layout.mode == .full { drawDetail() }
            case .history:
                drawHistory()
            case .offsite:
                drawOffsiteView()
            }
        }
        drawSchedule()
        if layout.mode == .full {
            drawContinuousLine()
            drawOffsiteLine()
            drawAlerts()
            drawDisk()
        }
        drawStatus()
        drawFooter()
        if state.view == .help { drawHelp() }
        if let dialog = state.dialog { drawDialog(dialog) }
    }

    // MARK: - Header, banner

    /// No scheduler of our own, and the lock that says whose it is lies in a backup folder
    /// this user cannot read: a daemon may well be running.
    var schedulerHidden: Bool {
        state.backupsUnreadable != nil && (state.scheduler == nil || state.scheduler?.activity == .stopped)
    }

    func schedulerOwner() -> String {
        if schedulerHidden { return "unknown" }
        guard let snap = state.scheduler else { return state.schedulerStarting ? "starting" : "not running" }
        switch snap.activity {
        case .heldByOther: return snap.ownerPid.map { "\(snap.ownerKind ?? "scheduler") pid \($0)" } ?? "another process"
        case .stopped: return "stopped"
        default: return "this console"
        }
    }

    mutating func drawHeader() {
        grid.fill(row: 0, column: 0, count: width, style: Self.header)
        let product = " mr5-backup"
        // The times on screen are local; backup names are UTC: say which zone they are in.
        let zone = "times in " + state.timeZoneName
        var parts: [String]
        if layout.mode == .full {
            let after = ["scheduler: " + schedulerOwner(), zone]
            let reserved = product.count + glyphs.separator.count * (after.count + 1) + after.reduce(0) { $0 + $1.count }
            if let db = state.database {
                let tail = "\(ByteCount.format(db.sizeBytes)) \(db.journalMode.uppercased())"
                // The path gives way (from the left, then whole) so size, mode, owner and zone always show.
                let room = width - reserved - tail.count - 1
                var path = db.path
                if path.count > room {
                    let name = (path as NSString).lastPathComponent
                    path = room > name.count ? glyphs.ellipsis + String(path.suffix(room - glyphs.ellipsis.count)) : ""
                }
                parts = [path.isEmpty ? tail : path + " " + tail] + after
            } else if let problem = state.databaseProblem {
                parts = ["database: " + TextFormat.line(problem, width: max(20, width - reserved - 10), ellipsis: glyphs.ellipsis)] + after
            } else {
                parts = after
            }
        } else {
            parts = ["\(state.backups.count) backups", "sched: " + schedulerOwner(), zone]
        }
        grid.put(product + glyphs.separator + parts.joined(separator: glyphs.separator), row: 0, column: 0, style: Self.header)
        if let row = layout.readOnlyRow, let line = state.readOnlyLine {
            grid.fill(row: row, column: 0, count: width, style: Self.header)
            grid.put(" " + TextFormat.line(line, width: width - 1, ellipsis: glyphs.ellipsis), row: row, column: 0, style: Self.header)
        }
    }

    mutating func drawBanner() {
        guard let row = layout.bannerRow, let health = state.health else { return }
        let style = health.level == .critical || health.level == .unknown
            ? CellStyle(.critical, bold: true, reverse: true) : CellStyle(.warning, bold: true, reverse: true)
        grid.fill(row: row, column: 0, count: width, style: style)
        let symbol = health.level == .critical ? glyphs.failure : glyphs.warning
        // Focused (Up from the first backup): a mark, and the key that shows every reason.
        let focused = state.bannerFocused
        let hint = focused ? " \(KeyTable.keys(for: .activate, in: .list)): every reason " : ""
        let text = TextFormat.line(health.summary, width: max(1, width - 2 - symbol.count - hint.count), ellipsis: glyphs.ellipsis)
        grid.put((focused ? ">" : " ") + symbol + " " + text, row: row, column: 0, style: style)
        if focused { grid.put(hint, row: row, column: width - hint.count, style: CellStyle(style.role, bold: true)) }
    }

    // MARK: - Boxes

    mutating func box(top: Int, left: Int, height h: Int, width w: Int, title: String? = nil, style: CellStyle = border) {
        guard h >= 2, w >= 2 else { return }
        let bottom = top + h - 1, right = left + w - 1
        grid.fill(row: top, column: left + 1, count: w - 2, character: glyphs.horizontal, style: style)
        grid.fill(row: bottom, column: left + 1, count: w - 2, character: glyphs.horizontal, style: style)
        for r in (top + 1)..<bottom {
            grid[r, left] = Cell(glyphs.vertical, style)
            grid[r, right] = Cell(glyphs.vertical, style)
        }
        grid[top, left] = Cell(glyphs.topLeft, style)
        grid[top, right] = Cell(glyphs.topRight, style)
        grid[bottom, left] = Cell(glyphs.bottomLeft, style)
        grid[bottom, right] = Cell(glyphs.bottomRight, style)
        if let title { grid.put(" \(title) ", row: top, column: left + 2, style: Self.title, limit: w - 4) }
    }

    /// Clears a rectangle (under a dialog).
    mutating func clear(top: Int, left: Int, height h: Int, width w: Int) {
        for r in top..<(top + h) { grid.fill(row: r, column: left, count: w) }
    }

    // MARK: - Backup list

    struct Columns {
        let time, kind, size, change, status: Int
        /// The off-site mark ("Off"): 0 when off-site is not set up, or a compact list has no room.
        var offsite: Int = 0
    }

    func columns(inner: Int) -> Columns {
        let offsite = state.offsite?.config == nil ? 0 : 3
        if layout.mode == .full {
            // Wide enough for "pre-update v2.4.0"; the status column (last) takes what is left.
            return Columns(time: 16, kind: 18, size: 9, change: 10, status: 12, offsite: offsite)
        }
        // Narrow: the status word keeps its 8 columns before the off-site mark gets any.
        let room = inner - 11 - 6 - 9 - 4
        let mark = room - (offsite + 1) >= 8 ? offsite : 0
        return Columns(time: 11, kind: 6, size: 9, change: 0, status: max(8, min(12, room - (mark > 0 ? mark + 1 : 0))), offsite: mark)
    }

    func listLine(_ c: Columns, time: String, kind: String, size: String, change: String, offsite: String = "", status: String) -> String {
        var s = " " + TextFormat.fit(time, c.time, ellipsis: glyphs.ellipsis) + " " + TextFormat.fit(kind, c.kind, ellipsis: glyphs.ellipsis)
            + " " + TextFormat.fit(size, c.size, right: true)
        if c.change > 0 { s += " " + TextFormat.fit(change, c.change, right: true) }
        if c.offsite > 0 { s += " " + TextFormat.fit(offsite, c.offsite) }
        return s + "  " + status
    }

    /// Where the off-site column starts in a list line.
    func offsiteColumn(_ c: Columns) -> Int { 1 + c.time + 1 + c.kind + 1 + c.size + (c.change > 0 ? 1 + c.change : 0) + 1 }

    mutating func drawList() {
        let full = layout.mode == .full
        let left = full ? 1 : 0
        let inner = full ? width - 2 : width
        if full {
            // "Backups" counts what `status` counts (restorable backups); the other files are said apart.
            let count = state.backups.filter { $0.kind.isBackup && $0.isRestorable }.count
            let others = state.backups.count - count
            // A folder this user cannot open lists nothing: its count is unknown, not 0.
            let shown = state.backupsUnreadable == nil ? "\(count)" : "folder unreadable"
            box(top: layout.listBoxTop, left: 0, height: layout.listRows + 3, width: width,
                title: "Backups (\(shown)\(others > 0 ? " + \(others) other" : ""), newest first)")
        }
        let c = columns(inner: inner)
        let headRow = layout.listTop - 1
        grid.put(listLine(c, time: "Time", kind: "Kind", size: "Size", change: "Change", offsite: "Off", status: "Status"),
                 row: headRow, column: left, style: Self.title, limit: inner)
        if state.backups.isEmpty {
            for (i, (text, style)) in emptyListLines().prefix(layout.listRows).enumerated() {
                grid.put(" " + TextFormat.line(text, width: inner - 1, ellipsis: glyphs.ellipsis), row: layout.listTop + i, column: left,
                         style: style, limit: inner)
            }
            return
        }
        let rows = layout.listRows
        let selected = state.selectedIndex ?? 0
        var offset = max(0, min(state.scrollOffset, state.backups.count - rows))
        if selected < offset { offset = selected }
        if selected >= offset + rows { offset = selected - rows + 1 }
        for i in 0..<rows {
            let index = offset + i
            guard index < state.backups.count else { break }
            let entry = state.backups[index]
            let row = layout.listTop + i
            let time = full ? TextFormat.listTime(entry.createdAt, zone: state.timeZone, headerZone: state.timeZoneName)
                            : TextFormat.shortDateTime(entry.createdAt, zone: state.timeZone)
            let kind = full ? TextFormat.kind(entry) : TextFormat.shortKind(entry.kind)
            let previous = state.backups[(index + 1)...].first { $0.isSQLiteBackup }
            let change = !entry.isSQLiteBackup ? "" : previous.map { TextFormat.sizeChange(entry.sizeBytes - $0.sizeBytes, glyphs: glyphs) } ?? "-"
            var status = TextFormat.status(of: entry, glyphs: glyphs)
            let mark = state.offsite?.mark(for: entry)
            let columns = listLine(c, time: time, kind: kind, size: ByteCount.format(entry.sizeBytes), change: change,
                                   offsite: mark.map { " " + glyphs.offsite($0) } ?? "", status: "")
            if full, inner > 80, let detail = entry.statusDetail {
                status = TextFormat.line(status + ": " + detail, width: max(status.count, inner - columns.count), ellipsis: glyphs.ellipsis)
            }
            let line = columns + status
            let isSelected = index == selected && (state.view == .list || state.view == .help) && !state.bannerFocused
            let base = isSelected ? Self.selected : !entry.isSQLiteBackup ? Self.dim : CellStyle.normal
            grid.fill(row: row, column: left, count: inner, style: base)
            grid.put(line, row: row, column: left, style: base, limit: inner)
            // The status word in its colour; on the selected row reverse keeps it readable.
            let statusColumn = left + line.count - status.count
            let statusStyle = !entry.isSQLiteBackup ? Self.dim : Self.statusStyle(entry.status)
            grid.restyle(row: row, column: statusColumn, count: min(status.count, left + inner - statusColumn),
                         style: CellStyle(statusStyle.role, bold: statusStyle.bold, reverse: isSelected))
            if let mark, c.offsite > 0 {
                let markStyle = Self.offsiteStyle(mark)
                grid.restyle(row: row, column: left + offsiteColumn(c) + 1, count: 1,
                             style: CellStyle(markStyle.role, bold: markStyle.bold, reverse: isSelected))
            }
        }
        // Scroll marks on the border when rows are hidden.
        if full {
            if offset > 0 { grid.put(glyphs.up, row: layout.listBoxTop, column: width - 3, style: Self.title) }
            if offset + rows < state.backups.count {
                grid.put(glyphs.down, row: layout.listTop + rows, column: width - 3, style: Self.title)
            }
        }
    }

    /// What an empty list says: how to make the first backup, or why none can be made
    /// (a live database that cannot be backed up, with the banner's advice; read-only).
    func emptyListLines() -> [(String, CellStyle)] {
        // No refresh in yet (health comes with every one): nothing is known to be missing.
        if state.health == nil { return [("Reading the backups folder...", Self.dim)] }
        if let why = state.backupsUnreadable { return [("The backups cannot be listed:", Self.dim), (why, Self.critical)] }
        if let live = state.live, !live.canBeBackedUp {
            return [("No backups yet, and none can be made:", Self.dim), (state.liveProblem(live), Self.critical)]
        }
        if state.readOnly != nil {
            return [("No backups yet (read-only here: a user who can write the backups folder makes them).", Self.dim)]
        }
        return [("No backups yet: press \(KeyTable.keys(for: .create, in: .list)) to make one now.", Self.dim)]
    }

    static func statusStyle(_ status: BackupStatus) -> CellStyle {
        switch status {
        case .verified: return ok
        case .unverified: return warning
        case .corrupt: return critical
        }
    }
}
