import Foundation

/// The health rules for off-site copies, over the one `OffsiteStatus`.
enum OffsiteRules {
    /// The off-site rules (not set up: nothing to say, the console says "not set up"):
    /// - CRITICAL when the last check or restore drill found the repository damaged;
    /// - WARNING when restic is not installed, when no push worked within two backup
    ///   intervals (at least 24 h) of the last one (or of the setup), when 3 or more pushes
    ///   failed in a row, or when the last check or drill could not run.
    static func findings(_ offsite: OffsiteStatus?, interval: TimeInterval?, now: Date) -> [HealthFinding] {
        guard let offsite, let config = offsite.config else { return [] }
        let s = offsite.state
        var out: [HealthFinding] = []
        if let shared = s.sharedTerminal {
            out.append(HealthFinding(.warning, .offsiteTerminalShared,
                                     "\(offsite.terminal) is also pushed from another machine since \(HealthEvaluator.clockText(shared.since)): set terminal_id on one of them"))
        }
        if !offsite.resticInstalled {
            out.append(HealthFinding(.warning, .offsiteNotInstalled, "restic is not installed (apt install restic): off-site copies are not being made"))
        }
        if let check = s.lastCheck, !check.ok {
            out.append(check.damaged ? HealthFinding(.critical, .offsiteDamaged, check.message)
                                     : HealthFinding(.warning, .offsiteCheckNotRun, "the last off-site check could not run: \(check.message)"))
        }
        if let drill = s.lastDrill, !drill.ok {
            out.append(drill.damaged ? HealthFinding(.critical, .offsiteDamaged, "off-site restore drill failed: \(drill.message)")
                                     : HealthFinding(.warning, .offsiteCheckNotRun, "the last off-site restore drill could not run: \(drill.message)"))
        }
        let window = max(2 * (interval ?? 86_400), 86_400)
        let since = s.lastPushAt ?? config.configuredAt
        let because = s.consecutiveFailures > 0 ? " (\(s.consecutiveFailures) failed in a row: \(s.lastFailure ?? "?"))" : ""
        if now.timeIntervalSince(since) > window {
            let age = SchedulePlanner.durationText(now.timeIntervalSince(since))
            out.append(HealthFinding(.warning, .offsitePushesFailing,
                                     s.lastPushAt == nil ? "no off-site copy made since off-site was set up \(age) ago\(because)"
                                                         : "no off-site copy for \(age), more than 2 backup intervals\(because)"))
        } else if s.consecutiveFailures >= 3 {
            out.append(HealthFinding(.warning, .offsitePushesFailing, "\(s.consecutiveFailures) off-site pushes failed in a row: \(s.lastFailure ?? "?")"))
        }
        return out
    }
}
