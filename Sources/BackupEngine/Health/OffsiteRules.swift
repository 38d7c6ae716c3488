import Foundation

/// The health rules for off-site copies, over the one `OffsiteStatus`.
enum OffsiteRules {
    /// The off-site rules (not set up: nothing to say, the console says "not set up"):
    /// - CRITICAL while the repository is known to be damaged (found here or by another
    ///   till), until a check that reads all of the data passes;
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
        for (what, path) in offsite.missingFiles {
            out.append(HealthFinding(.warning, .offsiteFilesMissing,
                                     "the off-site \(what) is missing (\(path)): pushes fail until off-site is set up again with the one kept from setup",
                                     path: path))
        }
        if !offsite.resticInstalled {
            out.append(HealthFinding(.warning, .offsiteNotInstalled, "restic is not installed (apt install restic): off-site copies are not being made"))
        }
        // Damage stands until a check reads all of the data: a partial check, a drill of
        // another snapshot or a push that works says nothing of the damaged pack.
        if let damage = s.damage, damage.foundBy == "repair", damage.reportedBy != nil {
            // Another till's repair could not mend it and moved to a fresh repository.
            out.append(HealthFinding(.critical, .offsiteDamaged,
                                     "the off-site repository is damaged and \(damage.message) (\(HealthEvaluator.clockText(damage.foundAt))): set this terminal up there with mr5-backup offsite init"))
        } else if let damage = s.damage {
            let who = damage.reportedBy.map { "found by \($0)'s \(damage.foundBy)" } ?? "found by the \(damage.foundBy)"
            out.append(HealthFinding(.critical, .offsiteDamaged,
                                     "the off-site repository is damaged (\(who) \(HealthEvaluator.clockText(damage.foundAt)): \(OneLine.keepingEnd(damage.message, limit: 80))): run mr5-backup offsite repair"))
        } else if let old = [s.lastCheck, s.lastDrill].compactMap({ $0 }).first(where: { !$0.ok && $0.damaged }),
                  s.lastFullCheckAt.map({ $0 < old.at }) ?? true {
            // A state file from before damage was kept on its own.
            out.append(HealthFinding(.critical, .offsiteDamaged, old.message))
        }
        if let check = s.lastCheck, !check.ok, !check.damaged {
            out.append(HealthFinding(.warning, .offsiteCheckNotRun, "the last off-site check could not run: \(check.message)"))
        }
        if let drill = s.lastDrill, !drill.ok, !drill.damaged {
            out.append(HealthFinding(.warning, .offsiteCheckNotRun, "the last off-site restore drill could not run: \(drill.message)"))
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
