import Foundation

/// The health rules for continuous protection, over the one `ContinuousStatus` (not set
/// up: nothing to say).
/// - WARNING when Litestream is not installed, or not running though set up, or when the
///   replica is more than `warnLag` behind a database that changes;
/// - CRITICAL past `criticalLag`, and when the restore drill found the replica wrong.
enum ContinuousRules {
    static let warnLag: TimeInterval = 60
    static let criticalLag: TimeInterval = 15 * 60

    static func findings(_ status: ContinuousStatus?, now: Date) -> [HealthFinding] {
        guard let status else { return [] }
        if status.config == nil, let problem = status.problem {
            return [HealthFinding(.critical, .continuousNotRunning, problem)]
        }
        guard let config = status.config else { return [] }
        if let problem = status.problem {
            return [HealthFinding(.critical, .continuousNotRunning, problem)]
        }
        if !status.installed {
            return [HealthFinding(.warning, .continuousNotInstalled, BackupError.continuousNotInstalled.description)]
        }
        var out: [HealthFinding] = []
        if !status.running {
            let why = status.state.lastProblem.map { ": \(OneLine.keepingEnd($0, limit: 100))" } ?? " (it runs under the daemon or the console)"
            out.append(HealthFinding(.warning, .continuousNotRunning, "continuous protection is set up but Litestream is not running\(why)"))
        }
        if let drill = status.state.lastDrill, !drill.ok {
            out.append(drill.damaged ? HealthFinding(.critical, .continuousDrillFailed, "the continuous restore drill failed: \(drill.message)")
                                     : HealthFinding(.warning, .continuousDrillFailed, "the continuous restore drill could not run: \(drill.message)"))
        }
        if let lag = status.lag, lag > warnLag {
            let age = SchedulePlanner.durationText(lag)
            out.append(HealthFinding(lag > criticalLag ? .critical : .warning, .continuousLagging,
                                     "the continuous replica is \(age) behind the database (\(config.replicaPath))"))
        }
        return out
    }
}
