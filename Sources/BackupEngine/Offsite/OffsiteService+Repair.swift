import Foundation

/// `offsite repair`: what restic 0.14 (Debian's) can do for a damaged repository. It has
/// no `repair` command, only `rebuild-index`; so the repair rebuilds the index, reads all
/// of the data, forgets the snapshots that use a damaged pack or tree (any terminal's:
/// they cannot be restored, and their packs keep the damage) and prunes, then reads all
/// of the data again. Where damage still remains, it starts a fresh repository path beside
/// the old one (kept, readable) and pushes every local backup into it.
extension OffsiteService {
    public func repair(trigger: Trigger = .cli, cancellation: CancellationFlag? = nil) throws -> OffsiteRepairResult {
        var result = try engine.recorded(.offsiteRepair, trigger: trigger, failureLog: "Off-site repair failed: ") { run in
            let restic = try restic(cancellation: cancellation)
            let result = try DataDirLock.offsite.holding(layout, for: "offsite-repair", now: clock.now(), wait: 600) {
                try repairHoldingLock(restic)
            }
            engine.record(run.entry(outcome: .success, message: result.message))
            logger.info("Off-site repair: \(result.message)")
            return result
        }
        guard result.outcome != .whole || !pendingPushes().isEmpty else { return result }
        // The forgotten snapshots' backups (or, into a fresh repository, every backup) go now.
        do {
            result.pushed = try push(trigger: trigger, cancellation: cancellation)
        } catch {
            result.pushFailure = BackupError(error).description
        }
        return result
    }

    private func repairHoldingLock(_ restic: Restic) throws -> OffsiteRepairResult {
        let limit: TimeInterval = 6 * 3600
        let repository = restic.config.displayRepository
        // 1. An index that lost or misnames packs is restic 0.14's own repair.
        try withRepositoryLockRetry(restic, wait: 0) { try restic.rebuildIndex(timeLimit: limit) }
        guard var damage = try damageFound(restic, limit: limit) else {
            try? updateState { $0.lastCheck = .init(at: clock.now(), ok: true, message: "no errors found (read all of the data)") }
            recordWholeCheck(restic: restic)
            return OffsiteRepairResult(outcome: .whole, forgotten: [], repository: repository)
        }
        // 2. The snapshots that use the damaged data cannot be restored: forgotten, and
        //    the damaged packs pruned away with them.
        var ids = try restic.snapshotsUsing(packs: damage.packs, timeLimit: limit)
        let trees = Set(damage.trees).union(try restic.treeBlobs(inPacks: Set(damage.packs), timeLimit: limit))
        let all = try restic.allSnapshots()
        for snapshot in all where snapshot.tree.map(trees.contains) == true { ids.insert(snapshot.id) }
        var forgotten: [OffsiteRepairResult.Forgotten] = []
        if !ids.isEmpty {
            forgotten = ids.sorted().map { id in
                let known = all.first { $0.id == id }
                return .init(snapshot: known?.shortID ?? String(id.prefix(8)), terminal: known?.hostname ?? "?", backupName: known?.backupName)
            }
            try withRepositoryLockRetry(restic, wait: 0) { try restic.forget(ids: Array(ids)) }
            try withRepositoryLockRetry(restic, wait: 0) { try restic.prune(timeLimit: limit) }
            if let still = try damageFound(restic, limit: limit) { damage = still } else {
                if let left = try? snapshots(restic, allHosts: false) { forgetMarks(notIn: left, allHosts: false) }
                try? updateState { $0.lastCheck = .init(at: clock.now(), ok: true, message: "no errors found (read all of the data)") }
                recordWholeCheck(restic: restic)
                return OffsiteRepairResult(outcome: .repairedInPlace, forgotten: forgotten, repository: repository)
            }
        }
        // 3. Damage restic 0.14 cannot remove: a fresh repository beside the old one.
        logger.warning("Off-site repair: damage remains after forgetting what used it (\(damage.message)); starting a fresh repository")
        return try startFreshRepository(restic, forgotten: forgotten)
    }

    /// Reads all of the data: nil when it is whole, else what `check` named.
    private func damageFound(_ restic: Restic, limit: TimeInterval) throws -> (packs: [String], trees: [String], message: String)? {
        do {
            _ = try withRepositoryLockRetry(restic, wait: 0) { try restic.check(subset: "100%", timeLimit: limit) }
            return nil
        } catch BackupError.offsiteDamaged(let reason, let detail) {
            let found = Restic.damagedObjects(detail ?? reason)
            return (found.packs, found.trees, reason)
        }
    }

    /// Sets up `<repository>-repaired-<time>` with the same password, keys and options, and
    /// forgets every push mark (they were into the old one). The old one is named in the
    /// config's `previousRepositories`, and nothing of it is changed.
    private func startFreshRepository(_ restic: Restic, forgotten: [OffsiteRepairResult.Forgotten]) throws -> OffsiteRepairResult {
        let old = restic.config
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let stamp = f.string(from: clock.now())
        guard let address = RepositoryAddress.fresh(old.repository, suffix: "repaired-\(stamp)") else {
            throw BackupError.offsiteFailed(action: "repair", reason: "damage remains, and \(old.displayRepository) has no path a fresh repository could sit beside: set up a new repository with mr5-backup offsite init", detail: nil)
        }
        var config = old
        config.repository = address
        config.previousRepositories = (old.previousRepositories ?? []) + [old.repository]
        config.configuredAt = clock.now()
        let clock = engine.clock
        let fresh = Restic(executable: restic.executable, config: config, passwordPath: paths.password, environmentPath: paths.environment,
                           cachePath: paths.cache, cancellation: restic.cancellation, now: { clock.now() }, timeCap: timeCap)
        try fresh.initialise()
        try FileSystem.writeAtomically(try MetadataStore.encoder.encode(config), to: paths.config)
        try updateState { s in
            let seen = s.seenReports
            s = OffsiteState()
            s.seenReports = seen
            s.lastFullCheckAt = clock.now()
        }
        clearPushMarks()
        return OffsiteRepairResult(outcome: .freshRepository, forgotten: forgotten, repository: config.displayRepository,
                                   previousRepository: old.displayRepository)
    }
}
