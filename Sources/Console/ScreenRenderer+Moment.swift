import BackupEngine
import Foundation

/// The moment picker's box and the continuous line above the off-site line.
extension RenderContext {
    func momentContent(_ picker: MomentPicker) -> DialogContent {
        let zone = state.timeZone
        let to = picker.followsNow ? "now" : TextFormat.dateTime(picker.to, zone: zone, seconds: true)
        var lines: [(String, CellStyle)] = [
            ("Any moment from \(TextFormat.dateTime(picker.from, zone: zone, seconds: true)) to \(to) (\(state.timeZoneName)).", .normal),
            ("", .normal),
            ("Moment:  " + TextFormat.dateTime(picker.moment, zone: zone, seconds: true)
                + " (" + TextFormat.age(picker.moment, now: state.now) + ")", Self.title),
            ("Typed:   " + picker.typed + "_", .normal),
        ]
        if let problem = picker.problem { lines.append(("         " + problem, Self.warning)) }
        lines.append(("", .normal))
        lines.append(("Enter fetches that moment from the replica and checks it; the restore dialog then asks (Cancel is its default).", Self.dim))
        return DialogContent(title: "Restore to a moment", lines: lines, buttons: [], focus: nil,
                             hint: KeyTable.footer(for: .moment).map { $0.keys + " " + $0.word }.joined(separator: glyphs.separator))
    }

    /// `Continuous: any moment from 2026-11-27 18:00 to 2 s ago · replica 2 s behind · t moment`,
    /// or why nothing is replicated; nil when continuous protection is not set up.
    func continuousLineText() -> (text: String, warns: Bool)? {
        guard let s = state.continuous else { return nil }
        let key = KeyTable.keys(for: .openMoment, in: .list)
        if let problem = s.problem { return ("Continuous: NOT REPLICATING: " + problem, true) }
        guard s.running else {
            return ("Continuous: Litestream is not running" + (s.state.lastProblem.map { ": " + $0 } ?? ""), true)
        }
        guard let window = state.continuousWindow else { return ("Continuous: running, nothing synced yet", false) }
        // Caught up (no commit waits to be shipped): every moment up to now.
        let lag = s.lag.map { Int($0) } ?? 0
        let end = lag < 1 ? "now" : TextFormat.span(max(1, Int(state.now.timeIntervalSince(window.upperBound)))) + " ago"
        var line = "Continuous: any moment from " + TextFormat.dateTime(window.lowerBound, zone: state.timeZone) + " to " + end
        if lag > 0 { line += glyphs.separator + "replica \(lag) s behind" }
        line += glyphs.separator + key + " restore to a moment"
        return (line, lag > 60)
    }

    mutating func drawContinuousLine() {
        guard let row = layout.continuousRow, let line = continuousLineText() else { return }
        grid.put(" " + TextFormat.line(line.text, width: width - 1, ellipsis: glyphs.ellipsis), row: row, column: 0,
                 style: line.warns ? Self.warning : .normal)
    }
}
