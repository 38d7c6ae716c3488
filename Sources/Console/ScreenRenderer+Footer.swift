import BackupEngine
import Foundation

/// The rows under the panes: schedule, alerts, disk, status or progress, and the key footer.
extension RenderContext {
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
