import Foundation

/// How the fleet judges a terminal from the snapshot list: pure, so every rule is tested
/// with any clock.
///
/// - Silent for two of its backup intervals (hourly reports when backups are off): WARNING,
///   `dark since …`; for 24 h: CRITICAL.
/// - What the till reported stands when it is worse (a damaged live database is CRITICAL).
public enum FleetRules {
    public static let criticalAfter: TimeInterval = 86_400
    /// Tills report at least hourly: with no interval known (backups off, an older till),
    /// two hours of silence is dark.
    static let reportInterval: TimeInterval = 3600

    /// One row per terminal with any snapshot of ours or report, worst first, then the
    /// longest dark, then by name.
    public static func rows(_ snapshots: [ResticSnapshot], now: Date) -> [FleetRow] {
        Dictionary(grouping: snapshots.filter { TerminalID.isValid($0.hostname) }, by: \.hostname)
            .map { row(terminal: $0.key, snapshots: $0.value, now: now) }
            .sorted(by: worstFirst)
    }

    static func worstFirst(_ a: FleetRow, _ b: FleetRow) -> Bool {
        if a.level != b.level { return a.level > b.level }
        if (a.darkSince ?? .distantFuture) != (b.darkSince ?? .distantFuture) {
            return (a.darkSince ?? .distantFuture) < (b.darkSince ?? .distantFuture)
        }
        return a.terminal < b.terminal
    }

    /// Clocks differ a little; a report later than this after now is not believed.
    static let clockSkew: TimeInterval = 600

    static func row(terminal: String, snapshots: [ResticSnapshot], now: Date) -> FleetRow {
        // A report dated in the future would keep a till "heard" for ever: a wrong clock, or
        // another till (every key can write any terminal's snapshots) keeping it alive.
        let latest = now.addingTimeInterval(clockSkew)
        let all = snapshots.compactMap { RepositoryReport.fromTags($0.tags) }.filter { $0.terminal == terminal }
        let future = all.filter { $0.writtenAt > latest }.min { $0.writtenAt < $1.writtenAt }
        let newest = all.filter { $0.writtenAt <= latest }.max { $0.writtenAt < $1.writtenAt }
        let backups = snapshots.filter { $0.tags.contains(Restic.tag) }
        let pushReports = backups.compactMap { RepositoryReport.fromTags($0.tags) }.filter { $0.writtenAt <= latest }
        let lastPush = pushReports.map(\.writtenAt).max() ?? backups.map(\.time).filter { $0 <= latest }.max()
        let heard = newest?.writtenAt ?? snapshots.map(\.time).filter { $0 <= latest }.max()
        var row = FleetRow(terminal: terminal, level: newest?.level ?? .unknown,
                           reason: newest.map { OneLine.make($0.message) } ?? "has never reported its health (an older mr5-backup)",
                           heardAt: heard, darkSince: nil, lastPushAt: lastPush, snapshots: backups.count, report: newest)
        if let heard {
            let interval = newest?.health?.intervalSeconds.map { TimeInterval($0) } ?? reportInterval
            let silent = now.timeIntervalSince(heard)
            let dark: HealthLevel = silent >= criticalAfter ? .critical : silent >= 2 * interval ? .warning : .ok
            if dark != .ok {
                row.darkSince = heard
                let said = "dark since \(HealthEvaluator.clockText(heard)) (no report for \(durationText(silent)))"
                row.reason = newest.map { $0.level == .ok ? said : said + "; last said: " + OneLine.make($0.message, limit: 120) } ?? said
                row.level = max(row.level, dark)
            }
        }
        if let future {
            row.level = max(row.level, .warning)
            row.reason = OneLine.make("a report dated \(HealthEvaluator.clockText(future.writtenAt)), in the future (a wrong clock, or another till writing under its name); " + row.reason)
        }
        return row
    }

    /// `5 h`, `2 d 3 h`, `40 min`.
    public static func durationText(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s >= 86_400 { return "\(s / 86_400) d" + (s % 86_400 >= 3600 ? " \(s % 86_400 / 3600) h" : "") }
        if s >= 3600 { return "\(s / 3600) h" + (s % 3600 >= 60 ? " \(s % 3600 / 60) min" : "") }
        return "\(s / 60) min"
    }
}
