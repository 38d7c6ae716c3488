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
        layout = ScreenLayout(width: width, height: height, banner: state.showsBanner, readOnly: state.readOnly != nil)
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
        switch state.view {
        case .list, .help:
            drawList()
            if layout.mode == .full { drawDetail() }
        case .history:
            drawHistory()
        case .offsite:
            drawOffsiteView()
        }
        drawSchedule()
        if layout.mode == .full {
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
        case .heldByOther: return snap.ownerPid.map { "daemon pid \($0)" } ?? "another process"
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
            let time = full ? TextFormat.dateTime(entry.createdAt, zone: state.timeZone)
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

    // MARK: - Detail pane

    mutating func drawDetail() {
        let top = layout.detailTop
        let entry = state.selectedBackup
        box(top: top, left: 0, height: layout.detailHeight, width: width, title: entry.map { "Details: " + $0.name } ?? "Details")
        let inner = width - 4
        var lines: [(String, CellStyle)] = []
        defer {
            for (i, (text, style)) in lines.prefix(layout.detailHeight - 2).enumerated() {
                grid.put(text, row: top + 1 + i, column: 2, style: style, limit: inner)
            }
        }
        guard let entry else {
            lines.append(("No backup selected.", Self.dim))
            return
        }
        let rec = entry.record
        lines.append(("Path      " + entry.path, .normal))
        var made = "Created   " + TextFormat.dateTime(entry.createdAt, zone: state.timeZone, seconds: true)
            + " (" + TextFormat.age(entry.createdAt, now: state.now) + ")" + glyphs.separator + ByteCount.format(entry.sizeBytes)
        if let rec {
            let pages = ", \(TextFormat.grouped(rec.pageCount)) pages"
            let size = " of \(rec.pageSize) B"
            made += made.count + pages.count + size.count <= inner ? pages + size : pages
        }
        lines.append((made, .normal))
        if let rec {
            let v = rec.verification
            var check = "Checked   " + (v.ok ? glyphs.ok + " " : glyphs.failure + " ") + TextFormat.checkResult(v)
                + " at " + TextFormat.dateTime(v.checkedAt, zone: state.timeZone)
            // A changed hash is said once: it is both the result and the status detail.
            if entry.status != .verified, let detail = entry.statusDetail, !(v.contentsChanged && detail == v.message) {
                check += ": " + OneLine.make(detail, limit: .max)
            }
            lines.append((check, entry.status == .verified ? .normal : Self.statusStyle(entry.status)))
            var sums = "SHA-256   " + String(rec.sha256.prefix(16)) + glyphs.ellipsis + glyphs.separator + "took " + TextFormat.duration(rec.durationSeconds)
            if rec.pace == .polite { sums += " (polite)" }
            // How long the POS's writers could have been held off (always 0 in WAL mode).
            sums += glyphs.separator + "writer wait " + TextFormat.duration(rec.longestWriterHoldMs / 1000)
            sums += glyphs.separator + "app version " + (rec.appVersion ?? entry.appVersion ?? "-")
            lines.append((sums, .normal))
            lines.append(keptLine(entry))
            let tables = rec.tables.map { "\($0.table) \(TextFormat.grouped($0.rows))" }
            let tableText = tables.isEmpty ? "(no tables)" : tables.joined(separator: glyphs.separator)
            var wrapped = TextFormat.wrap(tableText, width: max(10, inner - 10))
            let room = max(1, layout.detailHeight - 2 - lines.count - 1)
            // Cut to the room left, and say so.
            if wrapped.count > room {
                wrapped = Array(wrapped.prefix(room))
                wrapped[room - 1] = TextFormat.fit(wrapped[room - 1] + " " + glyphs.ellipsis, max(10, inner - 10), ellipsis: glyphs.ellipsis)
                    .replacingTrailingSpaces()
            }
            for (i, l) in wrapped.enumerated() { lines.append(((i == 0 ? "Tables    " : "          ") + l, .normal)) }
        } else {
            let detail = OneLine.make(entry.statusDetail ?? "not verified by mr5-backup", limit: .max)
            lines.append(("Checked   " + Self.symbol(entry.status, glyphs) + " " + detail, Self.statusStyle(entry.status)))
            if entry.isSQLiteBackup {
                lines.append(("          press \(KeyTable.keys(for: .verify, in: .list)) to verify it (hash, integrity check, table counts)", Self.dim))
            }
            lines.append(keptLine(entry))
        }
        // Sizes over time, oldest to newest, so a sudden drop stands out.
        let sizes = state.backups.filter(\.isSQLiteBackup).reversed().map(\.sizeBytes)
        let spark = TextFormat.sparkline(Array(sizes.suffix(max(1, inner - 40))), glyphs: glyphs)
        if !spark.isEmpty, lines.count < layout.detailHeight - 2 {
            while lines.count < layout.detailHeight - 3 { lines.append(("", .normal)) }
            let lo = sizes.min() ?? 0, hi = sizes.max() ?? 0
            lines.append(("Sizes     " + spark + "  " + ByteCount.format(lo) + " - " + ByteCount.format(hi) + ", oldest to newest", .normal))
        }
    }

    /// `Kept      last, daily`: the retention rules that keep the backup, or that the next prune removes it.
    func keptLine(_ entry: BackupEntry) -> (String, CellStyle) {
        let reasons = state.keptReasons()[entry.name] ?? []
        if reasons.isEmpty {
            return ("Kept      no: no retention rule keeps it; the next prune (\(KeyTable.keys(for: .prune, in: .list))) removes it", Self.warning)
        }
        var text = "Kept      " + ConsoleState.words(reasons)
        let rules = " (rules: \(state.retention.summary))"
        if entry.kind.isRegular, text.count + rules.count <= width - 4 { text += rules }
        return (text, .normal)
    }

    static func symbol(_ status: BackupStatus, _ g: Glyphs) -> String {
        switch status {
        case .verified: return g.verified
        case .unverified: return g.unverified
        case .corrupt: return g.corrupt
        }
    }

    // MARK: - Schedule, disk, status, footer

    mutating func drawSchedule() {
        let row = layout.scheduleRow
        var text = " " + (schedulerHidden ? "Scheduler unknown: its lock is in the backup folder this user cannot read"
            : state.scheduler == nil && state.schedulerStarting
            ? "Scheduler starting..." : TextFormat.schedule(state.scheduler, now: state.now))
        if layout.mode == .full, !schedulerHidden, let snap = state.scheduler {
            if let last = snap.lastAttemptAt {
                let ok = snap.lastAttemptSucceeded == true
                text += glyphs.separator + "last " + (ok ? glyphs.ok + " ok " : glyphs.failure + " failed ")
                    + TextFormat.age(last, now: state.now)
            }
            text += glyphs.separator + "\(snap.consecutiveFailures) failed in a row"
        }
        let failing = (state.scheduler?.consecutiveFailures ?? 0) > 0
        grid.put(text, row: row, column: 0, style: failing ? Self.warning : Self.title)
    }

    /// `Alerts: webhook ✓ 2h 05m ago · ping ✗ 5m ago · n test`, or that none is set up.
    mutating func drawAlerts() {
        guard let row = layout.alertsRow else { return }
        let alerts = state.lastAlerts()
        guard !alerts.isEmpty else {
            grid.put(" " + TextFormat.line("Alerts: " + ConsoleState.noAlerts, width: width - 1, ellipsis: glyphs.ellipsis),
                     row: row, column: 0, style: Self.dim)
            return
        }
        // ASCII says the words: "ok", "FAILED" (a tick or a cross would be "*" and "X").
        let ok = state.capabilities.unicode ? glyphs.ok : "ok"
        let failed = state.capabilities.unicode ? glyphs.failure : "FAILED"
        var parts = alerts.map { kind, last -> String in
            guard let last else { return kind.rawValue + " not sent yet" }
            return kind.rawValue + " " + (last.outcome == .success ? ok : failed) + " " + TextFormat.age(last.startedAt, now: state.now)
        }
        if state.pendingAlerts > 0 { parts.append("\(state.pendingAlerts) waiting") }
        parts.append(KeyTable.keys(for: .testAlerts, in: .list) + " test")
        let failing = alerts.contains { $0.last?.outcome == .failure }
        grid.put(" " + TextFormat.line("Alerts: " + parts.joined(separator: glyphs.separator), width: width - 1, ellipsis: glyphs.ellipsis),
                 row: row, column: 0, style: failing ? Self.warning : .normal)
    }

    mutating func drawDisk() {
        guard let row = layout.diskRow else { return }
        guard let disk = state.disk else {
            grid.put(" Disk: unknown", row: row, column: 0, style: Self.dim)
            return
        }
        let used = disk.filesystemBytes > 0 ? Double(disk.filesystemBytes - disk.freeBytes) / Double(disk.filesystemBytes) : 0
        let bar = TextFormat.bar(used, width: 12, glyphs: glyphs)
        let percent = Int((used * 100).rounded())
        var kinds: [String] = []
        for kind in BackupKind.allCases {
            if let bytes = disk.bytesByKind[kind], bytes > 0 { kinds.append("\(kind.rawValue) \(ByteCount.format(bytes))") }
        }
        let head = " Disk ["
        grid.put(head, row: row, column: 0)
        let barStyle = percent >= 90 ? Self.critical : percent >= 80 ? Self.warning : Self.ok
        grid.put(bar, row: row, column: head.count, style: barStyle)
        var rest = "] \(percent)% used" + glyphs.separator + "free \(ByteCount.format(disk.freeBytes)) of \(ByteCount.format(disk.filesystemBytes))"
            + glyphs.separator + "backups \(ByteCount.format(disk.totalBackupBytes))"
        // Per kind only when it fits: the totals matter more than the split.
        let split = " (" + kinds.joined(separator: ", ") + ")"
        if !kinds.isEmpty, head.count + bar.count + rest.count + split.count <= width { rest += split }
        grid.put(rest, row: row, column: head.count + bar.count)
    }

    mutating func drawStatus() {
        let row = layout.statusRow
        if let op = state.operation, op.kind == .fetch {
            // No bar: restic dump says nothing until it is done.
            let from = state.offsite?.config.map { " from " + $0.shortRepository } ?? ""
            grid.put(" " + TextFormat.line(op.label + from + " (restic dump, then checked)" + glyphs.ellipsis, width: width - 1, ellipsis: glyphs.ellipsis),
                     row: row, column: 0, style: Self.progress)
        } else if let op = state.operation, op.kind == .alertTest {
            // No bar: a delivery is one request, answered or cut off after its time limit.
            let count = state.alertTargets.count
            grid.put(" " + op.label + " to \(count) target\(count == 1 ? "" : "s")" + glyphs.ellipsis, row: row, column: 0, style: Self.progress)
        } else if let op = state.operation {
            drawProgress(label: op.label, progress: op.progress, row: row)
        } else if let snap = state.scheduler, snap.activity == .running {
            let p = snap.progressTotal.map { BackupProgress(phase: .copying, done: snap.progressDone ?? 0, total: $0, polite: snap.progressPolite ?? false) }
            drawProgress(label: "Scheduled backup", progress: p, row: row)
        } else if let flash = state.flash {
            grid.put(" " + TextFormat.line(flash, width: width - 1, ellipsis: glyphs.ellipsis), row: row, column: 0, style: Self.title)
        }
    }

    mutating func drawProgress(label: String, progress: BackupProgress?, row: Int) {
        let barWidth = layout.mode == .full ? 20 : 10
        var col = 0
        let head = " " + TextFormat.fit(label, layout.mode == .full ? 24 : 14, ellipsis: glyphs.ellipsis) + " ["
        grid.put(head, row: row, column: col, style: Self.progress)
        col += head.count
        let fraction = progress?.fraction ?? 0
        grid.put(TextFormat.bar(fraction, width: barWidth, glyphs: glyphs), row: row, column: col, style: Self.progress)
        col += barWidth
        grid.put("] " + (progress.map { TextFormat.progress($0) } ?? "starting"), row: row, column: col, style: Self.progress)
    }

    mutating func drawFooter() {
        let row = layout.footerRow
        // Under the help overlay the footer keeps the list's keys; the overlay says how to close it.
        var context = KeyContext(state)
        if context == .help { context = .list }
        let hints = KeyTable.footer(for: context, compact: context == .list && layout.mode != .full)
        // Two spaces between hints when they fit, one when the terminal is narrow.
        let total = hints.reduce(0) { $0 + $1.0.count + $1.1.count + 3 }
        let gap = total > width ? 0 : 1
        var col = 0
        for (key, word) in hints {
            guard col < width else { break }
            grid.put(" " + key, row: row, column: col, style: Self.key)
            col += key.count + 1
            grid.put(" " + word, row: row, column: col, style: Self.dim)
            col += word.count + 1 + gap
        }
    }
}
