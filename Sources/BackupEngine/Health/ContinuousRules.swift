import Foundation

/// The health rules for continuous protection, over the one `ContinuousStatus` (not set
/// up: nothing to say).
/// - WARNING when Litestream is not installed, or not running though set up, or when the
///   replica is more than `continuous_lag_warning` (60 s) behind a database that changes;
/// - CRITICAL past `continuous_lag_critical` (15 min), and when the restore drill found
///   the replica wrong.
enum ContinuousRules {
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
        if config.address?.isFolder == false, let listing = status.state.listing, let problem = listing.problem {
            out.append(HealthFinding(.warning, .continuousLagging, "the continuous replica \(config.displayReplica) cannot be read: \(OneLine.keepingEnd(problem, limit: 120))"))
        }
        if let lag = status.lag, lag > config.lagWarning {
            let age = SchedulePlanner.durationText(lag)
            out.append(HealthFinding(lag > max(config.lagCritical, config.lagWarning) ? .critical : .warning, .continuousLagging,
                                     "the continuous replica is \(age) behind the database (\(config.displayReplica))"))
        }
        return out
    }
}
