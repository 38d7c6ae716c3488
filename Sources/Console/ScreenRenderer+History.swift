import BackupEngine
import Foundation

/// The history view: every attempt, newest first, with its outcome and message.
extension RenderContext {
    mutating func drawHistory() {
        let full = layout.mode == .full
        let top = layout.listBoxTop
        let bottom = layout.scheduleRow - 1
        let left = full ? 1 : 0
        let inner = full ? width - 2 : width
        if full { box(top: top, left: 0, height: bottom - top + 1, width: width, title: "History (newest first)") }
        let first = full ? top + 1 : top
        let timeWidth = full ? 16 : 11
        let head = " " + TextFormat.fit("Time", timeWidth, ellipsis: glyphs.ellipsis) + " " + TextFormat.fit("Operation", 10, ellipsis: glyphs.ellipsis) + " "
            + (full ? TextFormat.fit("Trigger", 10, ellipsis: glyphs.ellipsis) + " " : "") + TextFormat.fit("Result", 9, ellipsis: glyphs.ellipsis) + " "
            + (full ? TextFormat.fit("Took", 7, right: true) + "  " : "") + "Details"
        grid.put(head, row: first, column: left, style: Self.title, limit: inner)
        if state.history.isEmpty {
            grid.put(" No attempts recorded yet.", row: first + 1, column: left, style: Self.dim, limit: inner)
            return
        }
        let rows = layout.historyRows
        let offset = max(0, min(state.historyScroll, state.history.count - rows))
        for i in 0..<rows {
            let index = offset + i
            guard index < state.history.count else { break }
            let h = state.history[index]
            let time = full ? TextFormat.dateTime(h.startedAt, zone: state.timeZone) : TextFormat.shortDateTime(h.startedAt, zone: state.timeZone)
            let result: String
            switch h.outcome {
            case .success: result = glyphs.ok + " ok"
            case .failure: result = glyphs.failure + " failed"
            case .cancelled: result = "- cancelled"
            }
            var details = [h.backupName, h.message].compactMap { $0 }.joined(separator: ": ")
            if details.isEmpty { details = "-" }
            let head = " " + TextFormat.fit(time, timeWidth, ellipsis: glyphs.ellipsis) + " " + TextFormat.fit(h.operation.rawValue, 10, ellipsis: glyphs.ellipsis) + " "
                + (full ? TextFormat.fit(h.trigger.rawValue, 10, ellipsis: glyphs.ellipsis) + " " : "") + TextFormat.fit(result, 9, ellipsis: glyphs.ellipsis) + " "
                + (full ? TextFormat.fit(TextFormat.duration(h.durationSeconds), 7, right: true) + "  " : "")
            // One line; the cut is marked, and Enter shows the whole text.
            let line = head + TextFormat.line(details, width: max(1, inner - head.count), ellipsis: glyphs.ellipsis)
            let selected = index == state.historySelected
            let role = h.outcome == .failure ? Self.critical : CellStyle.normal
            if selected { grid.fill(row: first + 1 + i, column: left, count: inner, style: CellStyle(role.role, bold: role.bold, reverse: true)) }
            grid.put(line, row: first + 1 + i, column: left, style: CellStyle(role.role, bold: role.bold, reverse: selected), limit: inner)
        }
        if offset > 0, full { grid.put(glyphs.up, row: top, column: width - 3, style: Self.title) }
        if offset + rows < state.history.count, full {
            grid.put(glyphs.down, row: bottom, column: width - 3, style: Self.title)
        }
    }
}
