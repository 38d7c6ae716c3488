import BackupEngine
import Foundation

/// The whole texts behind the one-line places: a history entry, and the health banner.
extension ConsoleState {
    /// The box for one attempt: when, who, the backup, then its whole text (the entry's
    /// `detail` when the one-line `message` had to be shortened, else the message).
    func historyBox(_ h: HistoryEntry) -> ConsoleDialog {
        let outcome: String
        switch h.outcome {
        case .success: outcome = "ok"
        case .failure: outcome = "failed"
        case .cancelled: outcome = "cancelled"
        }
        var lines = [
            "When      " + TextFormat.dateTime(h.startedAt, zone: timeZone, seconds: true) + " " + timeZoneName,
            "By        \(h.trigger.rawValue) (pid \(h.pid)), took " + TextFormat.duration(h.durationSeconds),
        ]
        if let name = h.backupName { lines.append("Backup    " + name + (h.sizeBytes.map { ", " + ByteCount.format($0) } ?? "")) }
        lines.append("")
        lines += (h.detail ?? h.message ?? "(no message)").components(separatedBy: "\n")
        return .text(title: "\(h.operation.rawValue): \(outcome)", lines: lines, scroll: 0)
    }

    /// The box for the health banner: every reason, one per line, then the live database:
    /// its state now, its last full check, and every problem a check found in it.
    func healthBox() -> ConsoleDialog {
        let report = health ?? HealthReport(level: .unknown, findings: [])
        var lines = report.reasons.isEmpty ? ["No problem found."] : report.reasons
        lines.append("")
        if let live { lines.append("Now: " + live.description) }
        if let check = lastLiveCheck {
            let how: String
            switch check.source {
            case .backup: how = "a backup's copy passed its check"
            case .liveQuickCheck: how = "quick_check on the live database"
            case .restore: how = "checked after a restore"
            }
            lines.append("Last full check: " + check.state.description + " at "
                         + TextFormat.dateTime(check.checkedAt, zone: timeZone) + " " + timeZoneName + " (" + how + ")")
        }
        var findings: CheckFindings?
        if case .damaged(let f)? = live { findings = f } else if case .damaged(let f)? = lastLiveCheck?.state { findings = f }
        if let findings {
            lines.append("")
            lines.append("Every problem \(findings.check) found:")
            lines += findings.problems.map { "  " + $0 }
        }
        return .text(title: "Health: " + report.level.word, lines: lines, scroll: 0)
    }
}
