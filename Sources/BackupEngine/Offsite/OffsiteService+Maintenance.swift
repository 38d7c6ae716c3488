import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Off-site maintenance: remote retention (`restic forget --prune`), `restic check`,
/// the restore drill, the repository's size, and the scheduler's round that runs what is due.
extension OffsiteService {
    // MARK: - Remote retention


    /// `restic forget` for this terminal's snapshots with the kept counts (`--prune` unless a dry run).
    public func prune(dryRun: Bool = false, trigger: Trigger = .cli, lockWait: TimeInterval = 600,
                             cancellation: CancellationFlag? = nil) throws -> OffsitePruneResult {
        let config = try requireConfig()
        if config.pruneByAdmin == true { throw BackupError.offsitePruneByAdmin }
        let rules = "daily \(config.keepDaily), weekly \(config.keepWeekly), monthly \(config.keepMonthly), pre-update \(config.keepPreUpdate)"
        let host = terminalID
        func forget(_ restic: Restic, timeLimit: TimeInterval) throws -> (kept: Int, removed: [String]) {
            try noticingDamage(restic, foundBy: "prune") {
                try restic.forget(host: host, daily: config.keepDaily, weekly: config.keepWeekly, monthly: config.keepMonthly,
                                  preUpdate: config.keepPreUpdate, dryRun: dryRun, timeLimit: timeLimit)
                    .map { Restic.forgetCounts($0.stdout) }
                    .reduce((0, [])) { ($0.0 + $1.kept, $0.1 + $1.removed) }
            }
        }
        if dryRun {
            let restic = try restic(cancellation: cancellation)
            let out = try DataDirLock.offsite.holding(layout, for: "offsite-prune", now: clock.now(), wait: lockWait) {
                try withRepositoryLockRetry(restic, wait: Self.repositoryWait(trigger, lockWait)) { try forget(restic, timeLimit: 600) }
            }
            let (kept, removed) = out
            return OffsitePruneResult(kept: kept, removed: removed, dryRun: true, rules: rules)
        }
        return try engine.recorded(.offsitePrune, trigger: trigger, failureLog: "Off-site prune failed: ") { run in
            let restic = try restic(cancellation: cancellation)
            let out = try DataDirLock.offsite.holding(layout, for: "offsite-prune", now: clock.now(), wait: lockWait) {
                try withRepositoryLockRetry(restic, wait: Self.repositoryWait(trigger, lockWait)) { try forget(restic, timeLimit: 3600) }
            }
            let (kept, removed) = out
            let now = clock.now()
            let message = (removed.isEmpty ? "no snapshot to remove" : "removed \(removed.count) snapshot\(removed.count == 1 ? "" : "s")")
                + ", \(kept) kept (kept: \(rules))"
            try updateState { s in s.lastForgetAt = now; s.lastForget = message }
            markForgotten(removed)
            if let left = try? snapshots(restic, allHosts: false) { forgetMarks(notIn: left, allHosts: false) }
            try? refreshStats(restic)
            engine.record(run.entry(outcome: .success, message: message))
            logger.info("Off-site prune: \(message)")
            return OffsitePruneResult(kept: kept, removed: removed, dryRun: false, rules: rules)
        }
    }

    // MARK: - Check

    /// `restic check --read-data-subset P`: a failure to read the repository's own data is
    /// "damaged" (CRITICAL, kept until a check of all the data passes); a server that does
    /// not answer is only a failed attempt. A partial check never clears damage.
    @discardableResult
    public func check(subset: String = "5%", trigger: Trigger = .cli, lockWait: TimeInterval = 600,
                             cancellation: CancellationFlag? = nil) throws -> String {
        let subset = subset.trimmingCharacters(in: .whitespaces)
        guard Restic.validSubset(subset) else {
            throw BackupError.offsiteInvalidSetting(what: "read-data subset", reason: "\(subset) is not a percentage (5%), a fraction (1/10) or a size (500M)")
        }
        return try engine.recorded(.offsiteCheck, trigger: trigger, failureLog: "Off-site check failed: ") { run in
            let restic = try restic(cancellation: cancellation)
            let now = clock.now()
            let whole = Restic.isWholeSubset(subset)
            do {
                _ = try DataDirLock.offsite.holding(layout, for: "offsite-check", now: clock.now(), wait: lockWait) {
                    learnReports(restic)
                    return try withRepositoryLockRetry(restic, wait: Self.repositoryWait(trigger, lockWait)) {
                        try restic.check(subset: subset, timeLimit: 6 * 3600)
                    }
                }
            } catch BackupError.offsiteDamaged(let reason, let detail) {
                // restic ran its checks and found errors in the repository's own data. Any
                // other failure (a network error, a killed restic) only means it could not run.
                let found = Restic.checkErrors(detail ?? reason)
                let why = found.first.map(Restic.damageReason) ?? reason
                let error = BackupError.offsiteDamaged(reason: why, detail: detail)
                try? updateState { $0.lastCheck = .init(at: now, ok: false, message: error.description, damaged: true) }
                recordDamage(why, foundBy: "check", restic: restic)
                throw error
            } catch let error as BackupError where error != .cancelled {
                try? updateState { $0.lastCheck = .init(at: now, ok: false, message: error.description, damaged: false,
                                                         couldNotReach: OffsiteState.couldNotReach(error)) }
                throw error
            }
            var message = whole ? "no errors found (read all of the data)" : "no errors found (read \(subset) of the data)"
            try updateState { $0.lastCheck = .init(at: now, ok: true, message: message) }
            if whole {
                recordWholeCheck(restic: restic, startedAt: now)
            } else if let damage = state().damage {
                message += "; the damage found \(HealthEvaluator.clockText(damage.foundAt)) stands until a check reads all of the data"
            }
            engine.record(run.entry(outcome: .success, message: message))
            logger.info("Off-site check: \(message)")
            return message
        }
    }

    // MARK: - Restore drill


    /// Dumps the newest snapshot of this terminal into a temp file, checks it like a local
    /// backup, compares it with the local backup it came from (SHA-256, else row counts),
    /// and removes it. A copy that fails is "damaged"; a repository that cannot be read is
    /// a failed attempt.
    @discardableResult
    public func drill(trigger: Trigger = .cli, lockWait: TimeInterval = 600,
                             cancellation: CancellationFlag? = nil) throws -> OffsiteDrillResult {
        try engine.recorded(.offsiteDrill, trigger: trigger, failureLog: "Off-site restore drill failed: ") { run in
            let restic = try restic(cancellation: cancellation)
            let now = clock.now()
            do {
                let result = try DataDirLock.offsite.holding(layout, for: "offsite-drill", now: clock.now(), wait: lockWait) { () throws -> OffsiteDrillResult in
                    guard let snapshot = try contact(restic).first else {
                        throw BackupError.offsiteFailed(action: "restore drill", reason: "no snapshot of this terminal in the repository yet", detail: nil)
                    }
                    let tmp = try dump(snapshot, restic: restic, into: paths.directory, label: "drill", lockWait: lockWait)
                    defer { try? FileSystem.remove(tmp) }
                    let checked = try checkFetched(tmp, snapshot: snapshot)
                    var compared: String?
                    var message = "snapshot \(snapshot.shortID) restores and checks ok (\(checked.rows) rows in \(checked.tables.count) tables)"
                    if let name = snapshot.backupName, let local = metadata.load(name) {
                        compared = name
                        if local.sha256 == checked.sha256 {
                            message += ", identical to \(name)"
                        } else if local.tables != checked.tables {
                            let diff = zip(local.tables, checked.tables).first { $0.0 != $0.1 }
                            throw BackupError.offsiteDamaged(reason: "snapshot \(snapshot.shortID) differs from \(name)" + (diff.map { ": \($0.0.table) \($0.0.rows) rows here, \($0.1.rows) off-site" } ?? ": other tables"), detail: nil)
                        } else {
                            message += ", same row counts as \(name)"
                        }
                    }
                    return OffsiteDrillResult(snapshot: snapshot.shortID, comparedWith: compared, message: message)
                }
                try updateState { $0.lastDrill = .init(at: now, ok: true, message: result.message) }
                engine.record(run.entry(outcome: .success, backupName: result.comparedWith, message: result.message))
                logger.info("Off-site restore drill: \(result.message)")
                return result
            } catch let error as BackupError where error != .cancelled {
                let damage: String?
                switch error {
                case .offsiteDamaged(let reason, _): damage = reason
                case .verificationFailed: damage = error.description
                default: damage = nil
                }
                try? updateState { $0.lastDrill = .init(at: now, ok: false, message: error.description, damaged: damage != nil,
                                                         couldNotReach: OffsiteState.couldNotReach(error)) }
                if let damage { recordDamage(damage, foundBy: "restore drill", restic: restic) }
                throw error
            }
        }
    }

    // MARK: - Size

    /// `restic stats --mode raw-data` for this terminal: bytes stored and snapshots.
    func refreshStats(_ restic: Restic) throws {
        guard let stats = Restic.statsSummary(try restic.stats(host: terminalID).stdout) else { return }
        let now = clock.now()
        try updateState { s in
            s.bytesStored = stats.bytes
            s.snapshots = stats.snapshots
            s.statsAt = now
        }
    }

    // MARK: - The scheduler's round

    /// What the scheduler runs when due: pushes of what waits (after the push backoff),
    /// daily remote retention and size, a weekly check of 5% of the data and a weekly
    /// restore drill. Each is recorded on its own; one failing does not stop the others.
    public func runDueWork(cancellation: CancellationFlag? = nil) {
        guard self.config() != nil, Restic.isInstalled else { return }
        let now = clock.now()
        let state = self.state()
        let tillPrunes = self.config()?.pruneByAdmin != true
        // The fleet hears from this till, and this till's watch reads the fleet, right after
        // the push: before a check or drill that can take an hour on a shop's uplink.
        var toldFleet = false
        func tellFleet() {
            guard !toldFleet, cancellation?.isCancelled != true else { return }
            toldFleet = true
            reportHealthIfDue(cancellation: cancellation)
            watchFleetIfDue(cancellation: cancellation)
        }
        for task in OffsiteSchedule.due(state: state, pending: !pendingPushes().isEmpty, now: now, tillPrunes: tillPrunes) {
            if cancellation?.isCancelled == true { return }
            if task != .push { tellFleet() }
            do {
                switch task {
                // Another restic of ours running: the next round pushes. Another terminal's
                // restic holding the repository: waited for.
                case .push: _ = try push(trigger: .scheduler, lockWait: 0, repositoryLockWait: 600, cancellation: cancellation)
                case .prune: _ = try prune(trigger: .scheduler, cancellation: cancellation)
                case .stats: try refreshStats(try restic(cancellation: cancellation))
                case .check: try check(trigger: .scheduler, cancellation: cancellation)
                case .drill: try drill(trigger: .scheduler, cancellation: cancellation)
                }
            } catch BackupError.busy {
                // Someone else runs restic for this data dir now: the next round tries again.
            } catch {
                logger.warning("Off-site \(task.rawValue) did not complete: \(BackupError(error).description)")
            }
        }
        tellFleet()
        engine.refreshMetrics()
    }

    // MARK: - Locks

    /// The repository's locks now, read without taking one.
    public func locks(cancellation: CancellationFlag? = nil) throws -> [RepositoryLock] {
        try restic(cancellation: cancellation).locks()
    }

    /// Removes the stale locks (a dead process of this machine's; another machine's after
    /// restic's 30 minutes), or with `all` every lock (a till that is gone for good, whose
    /// lock restic would otherwise keep for half an hour). Returns how many went and the
    /// locks still there.
    public func unlock(all: Bool, trigger: Trigger = .cli, cancellation: CancellationFlag? = nil) throws -> (removed: Int, remaining: [RepositoryLock]) {
        try engine.recorded(.offsiteUnlock, trigger: trigger, failureLog: "Off-site unlock failed: ") { run in
            let restic = try restic(cancellation: cancellation)
            let removed = try restic.unlock(all: all)
            let remaining = (try? restic.locks()) ?? []
            let message = "removed \(removed) \(all ? "" : "stale ")lock\(removed == 1 ? "" : "s")" + (remaining.isEmpty ? "" : ", \(remaining.count) left")
            engine.record(run.entry(outcome: .success, message: message))
            logger.info("Off-site unlock: \(message)")
            return (removed, remaining)
        }
    }
}
