import Foundation

/// The whole fleet as read from one snapshot list: rows worst first, the verdict over all
/// of them, the summary line and the monitoring-plugin perf data.
public struct Fleet: Sendable, Equatable {
    public var rows: [FleetRow]
    public var readAt: Date
    /// The repository's keys when they were listed (`fleet` on a till, `fleet revoke`).
    public var keys: [ResticKey]?

    public init(rows: [FleetRow], readAt: Date, keys: [ResticKey]? = nil) {
        self.rows = rows; self.readAt = readAt; self.keys = keys
    }

    /// True when the keys were listed and the row's key is not among them (`fleet revoke`).
    public func isRevoked(_ row: FleetRow) -> Bool {
        guard let keys, let id = row.keyID, id.count >= 8 else { return false }
        return !keys.contains { $0.id.hasPrefix(id) }
    }

    /// The worst row's verdict; UNKNOWN for a repository no till reported into.
    public var level: HealthLevel { rows.isEmpty ? .unknown : rows.map(\.level).max() ?? .ok }

    public func count(_ level: HealthLevel) -> Int { rows.filter { $0.level == level }.count }

    /// `42 terminals: 39 OK, 2 WARNING, 1 CRITICAL (till-17 dark since 2026-12-03 21:00)`.
    public var summary: String {
        guard !rows.isEmpty else { return "no terminal has pushed or reported into this repository yet" }
        var counts = ["\(count(.ok)) OK"]
        for level in [HealthLevel.warning, .critical, .unknown] where count(level) > 0 { counts.append("\(count(level)) \(level.word)") }
        var line = "\(rows.count) terminal\(rows.count == 1 ? "" : "s"): " + counts.joined(separator: ", ")
        if let worst = rows.first, worst.level != .ok {
            line += " (\(worst.terminal)\(worst.darkSince == nil ? ":" : "") \(OneLine.make(worst.reason, limit: 90)))"
        }
        return OneLine.make(line)
    }

    /// `terminals=42;;;0 ok=39;;;0 warning=2;;;0 critical=1;;;0 unknown=0;;;0`.
    public var performanceData: String {
        "terminals=\(rows.count);;;0 ok=\(count(.ok));;;0 warning=\(count(.warning));;;0 critical=\(count(.critical));;;0 unknown=\(count(.unknown));;;0"
    }
}
