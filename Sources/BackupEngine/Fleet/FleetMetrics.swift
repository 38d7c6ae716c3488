import Foundation

/// The fleet in the Prometheus text format (`fleet --metrics FILE`): one series per
/// terminal for its verdict, how long since it reported and pushed, and its replica's lag,
/// and the counts over the fleet. Terminal ids are letters, digits, `-`, `_` and `.`, so a
/// label needs no escaping.
public enum FleetMetrics {
    public static func render(_ fleet: Fleet) -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ series: [(labels: String, value: String)]) {
            out += "# HELP mr5_fleet_\(name) \(help)\n# TYPE mr5_fleet_\(name) gauge\n"
            for s in series { out += "mr5_fleet_\(name){\(s.labels)} \(s.value)\n" }
        }
        func label(_ row: FleetRow) -> String { "terminal=\"\(row.terminal)\"" }
        func age(_ date: Date?) -> String { date.map { String(max(0, Int(fleet.readAt.timeIntervalSince($0)))) } ?? "-1" }
        family("terminal_verdict", "The terminal's verdict in the fleet: 0 ok, 1 warning, 2 critical, 3 unknown.",
               fleet.rows.map { (label($0), String($0.level.rawValue)) })
        family("terminal_report_age_seconds", "Seconds since the terminal last reported its health (-1: never).",
               fleet.rows.map { (label($0), age($0.heardAt)) })
        family("terminal_push_age_seconds", "Seconds since the terminal's last off-site push (-1: none).",
               fleet.rows.map { (label($0), age($0.lastPushAt)) })
        family("terminal_continuous_lag_seconds", "How far the terminal's continuous replica was behind when it reported (-1: not set up or unknown).",
               fleet.rows.map { (label($0), $0.health?.continuousLagSeconds.map(String.init) ?? "-1") })
        family("terminals", "Terminals in the repository by verdict.",
               [HealthLevel.ok, .warning, .critical, .unknown].map { ("verdict=\"\($0.word.lowercased())\"", String(fleet.count($0))) })
        family("read_timestamp_seconds", "Unix time the fleet was read from the repository.", [("", String(Int(fleet.readAt.timeIntervalSince1970)))])
        return out.replacingOccurrences(of: "{} ", with: " ")
    }
}
