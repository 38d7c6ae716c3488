import Foundation

/// What a till tells the fleet about itself: its health as a report, carried in the tag of
/// every push and, between pushes, in a report snapshot of its own, written on every change
/// of verdict and at least hourly, so a till whose backups fail still reports.
extension OffsiteService {
    /// Between two reports of the same verdict, at most this long.
    static let healthReportEvery: TimeInterval = 3600
    /// Health reports a till keeps in the repository at most (its older ones are forgotten).
    static let reportsKept = 3

    /// The till's health now, as the fleet reads it: the verdict and its reasons from the
    /// same rules as `status`, and the figures of its row. Reads files only: the live
    /// database is never opened for it beyond what `status` does.
    public func healthReport(now: Date? = nil) -> RepositoryReport {
        let now = now ?? clock.now()
        let inputs = HealthInputs.gather(engine: engine)
        let verdict = inputs.evaluate(snapshot: SchedulerStateFile.activeSnapshot(layout: layout, now: now), now: now)
        let backups = inputs.backups.filter { $0.kind.isBackup }
        let newest = backups.filter { $0.status == .verified }.max { $0.createdAt < $1.createdAt }
        let state = self.state()
        var health = TerminalHealth(
            appVersion: backups.sorted { $0.createdAt > $1.createdAt }.lazy.compactMap(\.appVersion).first,
            databaseBytes: inputs.databaseBytes,
            orders: newest?.record?.tables.first { $0.table == "orders" }?.rows,
            backups: backups.count,
            consecutiveFailures: BackupHistorySummary(history: inputs.history).consecutiveFailures,
            newestVerifiedAt: newest?.createdAt, lastPushAt: state.lastPushAt,
            lastDrillAt: state.lastDrill?.at, lastDrillOK: state.lastDrill?.ok)
        health.intervalSeconds = inputs.frequency?.interval.map { Int($0) }
        if let continuous = inputs.continuous, continuous.config != nil {
            health.continuousSyncAt = continuous.lastSyncAt
            health.continuousLagSeconds = continuous.lag.map { Int($0) }
        }
        health.keyID = config()?.keyID
        let message = verdict.reasons.isEmpty ? "backups verified and current" : verdict.reasons.joined(separator: "; ")
        return RepositoryReport(kind: .health, terminal: terminalID, writtenAt: now, level: verdict.level,
                                message: message, health: health)
    }

    /// True when a report is due: none yet, the verdict changed, or the last is an hour old.
    static func healthReportDue(_ state: OffsiteState, level: HealthLevel, now: Date) -> Bool {
        guard let at = state.lastHealthAt, let last = state.lastHealthLevel else { return true }
        return last != level || now.timeIntervalSince(at) >= healthReportEvery || at > now
    }

    /// Remembers the health just put into the repository (a push's tag or a report).
    func noteHealthReported(_ report: RepositoryReport) {
        try? updateState { s in
            s.lastHealthAt = report.writtenAt
            s.lastHealthLevel = report.level
        }
    }

    /// Writes a health report when one is due (the scheduler's round). A repository that
    /// cannot be reached is said in the log; the next round tries again.
    func reportHealthIfDue(cancellation: CancellationFlag?) {
        let now = clock.now()
        let report = healthReport(now: now)
        guard Self.healthReportDue(state(), level: report.level, now: now) else { return }
        do {
            let restic = try restic(cancellation: cancellation)
            try DataDirLock.offsite.holding(layout, for: "offsite-report", now: now, wait: 0) {
                try writeHealthReport(report, restic: restic)
            }
        } catch BackupError.busy {
            // A push or check of ours runs: the next round reports.
        } catch {
            logger.warning("Could not write the health report into the off-site repository: \(BackupError(error).description)")
        }
    }

    /// Writes `report` as a report snapshot tagged with itself, then forgets this till's
    /// older health reports (a fleet of 500 reporting hourly would otherwise list 12,000 a
    /// day), unless pruning is the admin's: storage that refuses a till's deletes.
    func writeHealthReport(_ report: RepositoryReport, restic: Restic) throws {
        let id = try writeReport(report, restic: restic, extraTags: [report.healthTag])
        noteHealthReported(report)
        try? updateState { s in s.seenReports = Array((s.seenReports + [id]).suffix(Self.seenReportsKept)) }
        guard config()?.pruneByAdmin != true else { return }
        // Every third report: a till keeps at most three (one restic run in three, not each time).
        var due = false
        try? updateState { s in
            s.reportsSinceForget = (s.reportsSinceForget ?? 0) + 1
            due = s.reportsSinceForget! >= Self.reportsKept
            if due { s.reportsSinceForget = 0 }
        }
        guard due else { return }
        do { try restic.forgetOldReports(host: terminalID) } catch {
            logger.warning("Could not forget this terminal's older health reports: \(BackupError(error).description)")
        }
    }
}
