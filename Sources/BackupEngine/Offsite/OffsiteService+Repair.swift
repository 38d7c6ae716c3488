import Foundation

/// `offsite repair`: what restic 0.14 (Debian's) can do for a damaged repository. It has
/// no `repair` command, only `rebuild-index`; so the repair rebuilds the index, reads all
/// of the data, restores each snapshot that uses a damaged pack or tree (any terminal's)
/// and forgets those that no longer restore, prunes with every partly used pack repacked
/// (a damaged pack's good blobs are rewritten, the pack removed), then reads all of the
/// data again. A snapshot that still restores is never forgotten: it may be the only copy
/// of a month long gone from the till. Where damage still remains, it starts a fresh repository path beside
/// the old one (left in place, readable for what it still holds), pushes every local
/// backup into it, and says in the old one where it went.
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
        var started = clock.now()
        guard let damage = try damageFound(restic, limit: limit) else {
            wholeAgain(restic, startedAt: started)
            return OffsiteRepairResult(outcome: .whole, forgotten: [], repository: repository)
        }
        // 2. The snapshots that use the damaged data cannot be restored: forgotten, and
        //    the damaged packs pruned away with them (also a damaged pack no snapshot uses,
        //    or one a repair cut short left behind).
        var ids = Set<String>()
        do {
            ids = try restic.snapshotsUsing(packs: damage.packs, timeLimit: limit)
        } catch BackupError.cancelled {
            throw BackupError.cancelled
        } catch {
            // A pack the index no longer names ("unable to find pack"): its trees still tell.
            logger.warning("Off-site repair: could not look up the snapshots of the damaged packs: \(BackupError(error).description)")
        }
        let trees = Set(damage.trees).union((try? restic.treeBlobs(inPacks: Set(damage.packs), timeLimit: limit)) ?? [])
        let all = try restic.allSnapshots()
        for snapshot in all where snapshot.tree.map(trees.contains) == true { ids.insert(snapshot.id) }
        let broken = try ids.sorted().filter { try !restores($0, restic: restic, limit: limit) }
        let forgotten: [OffsiteRepairResult.Forgotten] = broken.map { id in
            let known = all.first { $0.id == id }
            return .init(snapshot: known?.shortID ?? String(id.prefix(8)), terminal: known?.hostname ?? "?", backupName: known?.backupName)
        }
        if !broken.isEmpty {
            try withRepositoryLockRetry(restic, wait: 0) { try restic.forget(ids: broken) }
            logger.warning("Off-site repair: forgot \(forgotten.map { "\($0.snapshot) of \($0.terminal)" }.joined(separator: ", ")): they could no longer be restored")
        }
        try withRepositoryLockRetry(restic, wait: 0) { try restic.pruneRepackingAll(timeLimit: limit) }
        started = clock.now()
        guard let still = try damageFound(restic, limit: limit) else {
            if let left = try? snapshots(restic, allHosts: false) { forgetMarks(notIn: left, allHosts: false) }
            wholeAgain(restic, startedAt: started)
            return OffsiteRepairResult(outcome: .repairedInPlace, forgotten: forgotten, repository: repository)
        }
        // 3. Damage restic 0.14 cannot remove: a fresh repository beside the old one.
        logger.warning("Off-site repair: damage remains after forgetting what used it (\(still.message)); starting a fresh repository")
        return try startFreshRepository(restic, forgotten: forgotten, damage: still.message)
    }

    /// True when every file of the snapshot still reads back (restic checks each blob as it
    /// reads it); false when restic says its data is damaged. Any other failure (the server
    /// went away) stops the repair: a snapshot is never forgotten on a guess.
    private func restores(_ id: String, restic: Restic, limit: TimeInterval) throws -> Bool {
        let tmp = FileSystem.temporaryPath(in: paths.directory, label: "repair-\(id.prefix(8))")
        defer { try? FileSystem.remove(tmp) }
        try FileSystem.createPrivateFile(tmp)
        do {
            try restic.dumpAll(snapshotID: id, into: tmp, timeLimit: limit)
            return true
        } catch BackupError.offsiteDamaged {
            return false
        }
    }

    private func wholeAgain(_ restic: Restic, startedAt: Date) {
        try? updateState { $0.lastCheck = .init(at: startedAt, ok: true, message: "no errors found (read all of the data)") }
        recordWholeCheck(restic: restic, startedAt: startedAt)
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

    /// Sets up `<repository>-repaired-<time>` with the same password, keys and options,
    /// forgets every push mark (they were into the old one), and leaves a damage report in
    /// the old repository that names the new one, so the other tills are told where to go.
    private func startFreshRepository(_ restic: Restic, forgotten: [OffsiteRepairResult.Forgotten], damage: String) throws -> OffsiteRepairResult {
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
        let moved = RepositoryReport(kind: .damage, terminal: terminalID, writtenAt: clock.now(), level: .critical,
                                     message: "\(terminalID) moved to \(config.displayRepository)",
                                     damage: RepositoryDamage(foundBy: "repair", snapshots: []))
        if (try? writeReport(moved, restic: restic)) == nil {
            logger.warning("Could not leave a report in \(old.displayRepository) saying where \(terminalID) went")
        }
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
