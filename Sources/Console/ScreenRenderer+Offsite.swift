import BackupEngine
import Foundation

/// Off-site copies on screen: the off-site line, the marks' colours and the off-site view.
extension RenderContext {
    static func offsiteStyle(_ mark: OffsiteMark) -> CellStyle {
        switch mark {
        case .pushed: return ok
        case .pending, .forgotten: return dim
        case .pushing: return progress
        case .failed: return critical
        case .unsafe: return warning
        }
    }

    /// The off-site line's text and whether it warns: `Off-site s3:…/shop-12 · last ✓ 42m ago ·
    /// 31 snapshots · 48 MiB stored · o snapshots`, the failures first when pushes fail.
    func offsiteLineText() -> (text: String, warns: Bool)? {
        guard let summary = state.offsite else { return nil }
        let view = KeyTable.keys(for: .toggleOffsite, in: .list) + " snapshots"
        guard let config = summary.config else {
            return ("Off-site: not set up (mr5-backup offsite init --repository REPO)", false)
        }
        let s = summary.state
        var parts: [String] = []
        if !summary.resticInstalled { parts.append("restic is not installed (apt install restic)") }
        if s.consecutiveFailures > 0 {
            let times = state.capabilities.unicode ? "×" : "x"
            // The reason is cut to leave room for the rest; the history has it whole.
            let reason = s.lastFailure.map { " (" + TextFormat.line($0, width: max(16, width / 3), ellipsis: glyphs.ellipsis) + ")" } ?? ""
            parts.append("last push failed \(s.consecutiveFailures)\(times)" + reason)
        }
        if summary.pushing != nil { parts.append("pushing now") }
        if let last = s.lastPushAt {
            parts.append("last " + (state.capabilities.unicode ? glyphs.ok : "ok") + " " + TextFormat.age(last, now: state.now))
        } else if s.consecutiveFailures == 0 {
            parts.append("nothing pushed yet")
        }
        var line = "Off-site " + config.shortRepository + glyphs.separator + parts.joined(separator: glyphs.separator)
        // The rest only while it fits whole, in this order: a part cut in the middle misleads.
        var more: [String] = []
        if let n = s.snapshots { more.append("\(n) snapshot\(n == 1 ? "" : "s")") }
        if let bytes = s.bytesStored { more.append(ByteCount.format(bytes) + " stored") }
        if !summary.pending.isEmpty { more.append("\(summary.pending.count) to push") }
        more.append(view)
        for part in more {
            guard line.count + glyphs.separator.count + part.count <= width - 1 else { break }
            line += glyphs.separator + part
        }
        return (line, s.consecutiveFailures > 0 || !summary.resticInstalled)
    }

    mutating func drawOffsiteLine() {
        guard let row = layout.offsiteRow, let line = offsiteLineText() else { return }
        let style = line.warns ? Self.warning : state.offsite?.config == nil ? Self.dim : .normal
        grid.put(" " + TextFormat.line(line.text, width: width - 1, ellipsis: glyphs.ellipsis), row: row, column: 0, style: style)
    }

    /// The off-site view: this terminal's snapshots, newest first, where the list is;
    /// a line while restic lists them, or why it could not.
    mutating func drawOffsiteView() {
        let full = layout.mode == .full
        let top = layout.listBoxTop
        let bottom = layout.scheduleRow - 1
        let left = full ? 1 : 0
        let inner = full ? width - 2 : width
        let screen = state.offsiteScreen
        let terminal = state.offsite?.terminal ?? "this terminal"
        let repository = state.offsite?.config?.shortRepository
        if full {
            let title = "Off-site snapshots of \(terminal)" + (repository.map { " in " + $0 } ?? "") + " (newest first)"
            box(top: top, left: 0, height: bottom - top + 1, width: width, title: TextFormat.line(title, width: width - 6, ellipsis: glyphs.ellipsis))
        }
        let first = full ? top + 1 : top
        let timeWidth = full ? 16 : 11, kindWidth = full ? 10 : 6
        // The app version gives way before the local backup's name (a whole name is 27
        // wide); Enter shows both.
        let showApp = full && inner >= 58 + 27
        func line(_ id: String, _ time: String, _ kind: String, _ app: String, _ size: String, _ name: String) -> String {
            let head = " " + TextFormat.fit(id, 8, ellipsis: glyphs.ellipsis) + " " + TextFormat.fit(time, timeWidth, ellipsis: glyphs.ellipsis)
                + " " + TextFormat.fit(kind, kindWidth, ellipsis: glyphs.ellipsis) + " "
                + (showApp ? TextFormat.fit(app, 8, ellipsis: glyphs.ellipsis) + " " : "")
                + TextFormat.fit(size, 9, right: true) + "  "
            return head + TextFormat.line(name, width: max(1, inner - head.count), ellipsis: glyphs.ellipsis)
        }
        grid.put(line("Snapshot", "Time", "Kind", "App", "Size", "Local backup"), row: first, column: left, style: Self.title, limit: inner)
        func say(_ text: String, _ style: CellStyle) {
            grid.put(" " + TextFormat.line(text, width: inner - 1, ellipsis: glyphs.ellipsis), row: first + 1, column: left, style: style, limit: inner)
        }
        switch screen.load {
        case .loading:
            return say("Loading the snapshots from " + (repository ?? "the off-site repository") + glyphs.ellipsis, Self.dim)
        case .failed(let message):
            return say("Could not list the snapshots: " + message, Self.critical)
        case .loaded(let snapshots) where snapshots.isEmpty:
            return say("No snapshot of \(terminal) yet: each verified backup is pushed after it is made.", Self.dim)
        case .loaded:
            break
        }
        let snapshots = screen.snapshots
        let rows = layout.historyRows
        let offset = max(0, min(screen.scroll, snapshots.count - rows))
        for i in 0..<rows {
            let index = offset + i
            guard index < snapshots.count else { break }
            let s = snapshots[index]
            let time = full ? TextFormat.dateTime(s.time, zone: state.timeZone) : TextFormat.shortDateTime(s.time, zone: state.timeZone)
            let kind = s.kind.map { full ? $0.rawValue : TextFormat.shortKind($0) } ?? "-"
            let text = line(s.shortID, time, kind, s.appVersion ?? "-", s.sizeBytes.map(ByteCount.format) ?? "-", s.backupName ?? "-")
            let selected = index == screen.selected
            if selected { grid.fill(row: first + 1 + i, column: left, count: inner, style: Self.selected) }
            grid.put(text, row: first + 1 + i, column: left, style: selected ? Self.selected : .normal, limit: inner)
        }
        if full, offset > 0 { grid.put(glyphs.up, row: top, column: width - 3, style: Self.title) }
        if full, offset + rows < snapshots.count { grid.put(glyphs.down, row: bottom, column: width - 3, style: Self.title) }
    }
}
