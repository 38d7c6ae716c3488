import BackupEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Pure text helpers for the screen: times, countdowns, sizes, bars and sparklines.
enum TextFormat {
    /// `02:41:17`; hours grow past 99 for weekly schedules (`167:59:59`).
    static func countdown(seconds: Int) -> String {
        let s = max(0, seconds)
        return String(format: "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }

    /// The schedule line's first part: `Next backup in 02:41:17 (every 3h)`.
    static func schedule(_ snapshot: SchedulerSnapshot?, now: Date) -> String {
        guard let snap = snapshot else { return "Scheduler not running" }
        let every = snap.intervalSeconds.map { "every " + BackupFrequency.every(seconds: $0).description } ?? "every " + snap.frequency
        switch snap.activity {
        case .disabled:
            return "Scheduled backups are off (\(KeyTable.keys(for: .frequency, in: .list)) to change)"
        case .stopped:
            return "Scheduler stopped"
        case .running:
            return "Scheduled backup running (\(every))"
        case .idle, .heldByOther:
            // A scheduler that has just taken the lead is idle before its thread has read
            // the history and planned: for those milliseconds it is planning, not "not planned".
            guard let next = snap.nextRunAt else {
                return snap.activity == .idle ? "Next backup: planning… (\(every))" : "Next backup: not planned (\(every))"
            }
            // Round up so the countdown reaches 00:00:00 exactly when the run is due.
            let remaining = Int(ceil(next.timeIntervalSince(now)))
            if remaining <= 0 { return "Next backup due now (\(every))" }
            return "Next backup in \(countdown(seconds: remaining)) (\(every))"
        }
    }

    /// `2026-11-26 14:30` in the given zone.
    static func dateTime(_ date: Date, zone: TimeZone, seconds: Bool = false) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let base = String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
        return seconds ? base + String(format: ":%02d", c.second ?? 0) : base
    }

    /// The name of `zone` at `date` for "times in ...": `UTC`, `CET`, `CEST` (`ZoneName`).
    static func zoneName(_ zone: TimeZone, at date: Date) -> String { ZoneName.of(zone, at: date) }

    /// A list row's time in 16 columns: `2026-10-27 14:30`, or, on the other side of a
    /// daylight-saving change than the header's `times in CET`, `10-25 02:30 CEST`: the same
    /// hour twice reads as two.
    static func listTime(_ date: Date, zone: TimeZone, headerZone: String) -> String {
        let own = zoneName(zone, at: date)
        guard own != headerZone else { return dateTime(date, zone: zone) }
        let short = shortDateTime(date, zone: zone) + " " + own
        // A five-letter name (`GMT+2`, `+0530`): the day only, so the zone is never cut.
        return short.count <= 16 ? short : String(shortDateTime(date, zone: zone).dropFirst(3)) + " " + own
    }

    /// `11-26 14:30`, for narrow layouts.
    static func shortDateTime(_ date: Date, zone: TimeZone) -> String {
        String(dateTime(date, zone: zone).dropFirst(5))
    }

    /// `5m ago`, `2h 05m ago`, `3d ago`, `in 4m` for the future.
    static func age(_ date: Date, now: Date) -> String {
        let delta = Int(now.timeIntervalSince(date))
        if delta < 0 { return "in " + span(-delta) }
        if delta < 60 { return "just now" }
        return span(delta) + " ago"
    }

    static func span(_ s: Int) -> String {
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return String(format: "%dh %02dm", s / 3600, s / 60 % 60) }
        return "\(s / 86400)d \(s / 3600 % 24)h"
    }

    /// `1.4 s`, `850 ms`, `2m 05s`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int(seconds * 1000)) ms" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        return String(format: "%dm %02ds", Int(seconds) / 60, Int(seconds) % 60)
    }

    /// `+1.2 MiB`, `-840 KiB`, `±0`.
    static func sizeChange(_ delta: Int64, glyphs: Glyphs) -> String {
        if delta == 0 { return glyphs.unchanged }
        return (delta > 0 ? "+" : "-") + ByteCount.format(delta == .min ? .max : abs(delta))
    }

    /// A bar of `width` cells filled to `fraction`.
    static func bar(_ fraction: Double, width: Int, glyphs: Glyphs) -> String {
        guard width > 0 else { return "" }
        let f = fraction.isFinite ? max(0, min(1, fraction)) : 0
        let filled = Int((f * Double(width)).rounded())
        return String(repeating: glyphs.barFull, count: filled) + String(repeating: glyphs.barEmpty, count: width - filled)
    }

    /// A sparkline of values, one glyph each, scaled between their minimum and maximum.
    static func sparkline(_ values: [Int64], glyphs: Glyphs) -> String {
        guard let lo = values.min(), let hi = values.max() else { return "" }
        let levels = glyphs.spark.count
        return String(values.map { v -> Character in
            if hi == lo { return glyphs.spark[levels / 2] }
            let level = Int((Double(v - lo) / Double(hi - lo) * Double(levels - 1)).rounded())
            return glyphs.spark[max(0, min(levels - 1, level))]
        })
    }

    /// `scheduled`, `manual`, `pre-update v2.3.1`, `legacy .sql`.
    static func kind(_ entry: BackupEntry) -> String {
        switch entry.kind {
        case .scheduled: return "scheduled"
        case .manual: return "manual"
        case .preUpdate: return "pre-update" + (entry.appVersion.map { " v\($0)" } ?? "")
        case .legacySQL: return "legacy .sql"
        case .savedBeforeRestore: return "saved by restore"
        case .pointInTime: return "moment (replica)"
        }
    }

    /// Six characters for the compact list.
    static func shortKind(_ kind: BackupKind) -> String {
        switch kind {
        case .scheduled: return "sched"
        case .manual: return "manual"
        case .preUpdate: return "pre-up"
        case .legacySQL: return "legacy"
        case .savedBeforeRestore: return "saved"
        case .pointInTime: return "moment"
        }
    }

    /// An entry's status as symbol and word; a legacy `.sql` file is `- legacy`.
    static func status(of entry: BackupEntry, glyphs: Glyphs) -> String {
        entry.isSQLiteBackup ? status(entry.status, glyphs: glyphs) : "- legacy"
    }

    /// Status as symbol and word: `✓ verified`, `? unverified`, `✗ corrupt`.
    static func status(_ status: BackupStatus, glyphs: Glyphs) -> String {
        switch status {
        case .verified: return glyphs.verified + " verified"
        case .unverified: return glyphs.unverified + " unverified"
        case .corrupt: return glyphs.corrupt + " corrupt"
        }
    }

    /// `text` as one screen line of at most `width` characters: line breaks become "; "
    /// (`OneLine`), a cut is marked with the terminal's ellipsis (an ASCII terminal never
    /// gets the engine's "…").
    static func line(_ text: String, width: Int, ellipsis: String) -> String {
        var s = OneLine.make(text, limit: .max)
        if ellipsis != "…" { s = s.replacingOccurrences(of: "…", with: ellipsis) }
        return s.count > width ? fit(s, width, ellipsis: ellipsis) : s
    }

    /// What a backup's last check found: `quick_check ok`, `integrity_check FAILED`, or,
    /// when the file's bytes changed (no SQLite check ran), that.
    static func checkResult(_ v: Verification) -> String {
        v.contentsChanged ? "contents changed since the backup was made (SHA-256 differs)" : v.method + (v.ok ? " ok" : " FAILED")
    }

    /// Pads or truncates to exactly `width` characters, on the left when `right` aligned.
    static func fit(_ s: String, _ width: Int, right: Bool = false, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if s.count > width {
            return width <= ellipsis.count ? String(s.prefix(width)) : String(s.prefix(width - ellipsis.count)) + ellipsis
        }
        let pad = String(repeating: " ", count: width - s.count)
        return right ? pad + s : s + pad
    }

    /// Word-wraps text into lines of at most `width` characters (long words are cut).
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            // A line that fits keeps its spacing (aligned labels, indented list items).
            if paragraph.count <= width { lines.append(String(paragraph)); continue }
            var line = ""
            for word in paragraph.split(separator: " ") {
                var w = String(word)
                while w.count > width {
                    if !line.isEmpty { lines.append(line); line = "" }
                    lines.append(String(w.prefix(width)))
                    w = String(w.dropFirst(width))
                }
                if line.isEmpty { line = w } else if line.count + 1 + w.count <= width { line += " " + w } else {
                    lines.append(line); line = w
                }
            }
            lines.append(line)
        }
        return lines
    }

    /// Progress text: `45% 1,234/2,741 pages`, `hashing 12.0/41.9 MiB`, `checking…`.
    static func progress(_ p: BackupProgress) -> String {
        switch p.phase {
        case .checking: return "checking integrity"
        case .hashing:
            return "\(Int(p.fraction * 100))% hashing \(ByteCount.format(p.done))/\(ByteCount.format(p.total))"
        case .copying, .savingCurrent, .restoring:
            let word = p.phase == .copying ? "copying" : p.phase == .restoring ? "restoring" : "saving current"
            return "\(Int(p.fraction * 100))% \(word) \(NumberText.grouped(p.done))/\(NumberText.grouped(p.total)) pages" + (p.polite ? " " + BackupProgress.politeNote : "")
        }
    }
}
