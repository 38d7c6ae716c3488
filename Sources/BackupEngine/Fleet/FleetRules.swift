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

    static func row(terminal: String, snapshots: [ResticSnapshot], now: Date) -> FleetRow {
        let reports = snapshots.compactMap { RepositoryReport.fromTags($0.tags) }.filter { $0.terminal == terminal }
        let newest = reports.max { $0.writtenAt < $1.writtenAt }
        let backups = snapshots.filter { $0.tags.contains(Restic.tag) }
        let pushReports = backups.compactMap { RepositoryReport.fromTags($0.tags) }
        let lastPush = pushReports.map(\.writtenAt).max() ?? backups.map(\.time).max()
        let heard = newest?.writtenAt ?? snapshots.map(\.time).max()
        var row = FleetRow(terminal: terminal, level: newest?.level ?? .unknown,
                           reason: newest.map { OneLine.make($0.message) } ?? "has never reported its health (an older mr5-backup)",
                           heardAt: heard, darkSince: nil, lastPushAt: lastPush, snapshots: backups.count, report: newest)
        guard let heard else { return row }
        let interval = newest?.health?.intervalSeconds.map { TimeInterval($0) } ?? reportInterval
        let silent = now.timeIntervalSince(heard)
        let dark: HealthLevel = silent >= criticalAfter ? .critical : silent >= 2 * interval ? .warning : .ok
        if dark != .ok {
            row.darkSince = heard
            let said = "dark since \(HealthEvaluator.clockText(heard)) (no report for \(durationText(silent)))"
            row.reason = newest.map { $0.level == .ok ? said : said + "; last said: " + OneLine.make($0.message, limit: 120) } ?? said
            row.level = max(row.level, dark)
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
