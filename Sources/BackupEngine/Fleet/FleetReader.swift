import Foundation

/// Reads the fleet from the repository: one snapshot list (`restic snapshots --json` of our
/// backups and reports), never a snapshot's data, so 500 tills cost one listing. Runs on a
/// till (its own off-site setup and key) or on the admin's machine (the repository, the
/// password file, the storage keys and, past restic's 20 keys, the key's id).
public struct FleetReader: Sendable {
    let restic: Restic
    let now: @Sendable () -> Date

    /// On a till: its off-site setup.
    public static func onTill(_ offsite: OffsiteService) throws -> FleetReader {
        let clock = offsite.clock
        return FleetReader(restic: try offsite.restic(), now: { clock.now() })
    }

    /// On the admin's machine. `cacheDirectory`: restic's cache (a warm one lists 500 tills
    /// in a second; a cold one reads every snapshot file once).
    public static func forAdmin(repository: String, passwordFile: String, environmentFile: String?, keyHint: String?,
                                options: [String] = [], cacheDirectory: String, timeCap: TimeInterval?,
                                cancellation: CancellationFlag?) throws -> FleetReader {
        let repository = repository.trimmingCharacters(in: .whitespaces)
        guard !repository.isEmpty, !repository.contains(where: \.isNewline) else {
            throw BackupError.offsiteInvalidSetting(what: "repository", reason: "give one repository on one line")
        }
        try ResticKey.checkHint(keyHint)
        var config = OffsiteConfig(repository: repository, options: options, configuredAt: Date())
        config.keyID = keyHint
        let restic = Restic(executable: try Restic.locate(), config: config, passwordPath: passwordFile,
                            environmentPath: environmentFile ?? "/nonexistent/mr5-backup-no-env-file", cachePath: cacheDirectory,
                            cancellation: cancellation, timeCap: timeCap)
        return FleetReader(restic: restic, now: { Date() })
    }

    /// The fleet now. `listKeys`: with the repository's keys (one more restic run), so a
    /// till whose key was revoked is said.
    public func read(listKeys: Bool = true) throws -> Fleet {
        let snapshots = try listed()
        let now = self.now()
        return Fleet(rows: FleetRules.rows(snapshots, now: now), readAt: now, keys: listKeys ? try restic.keys() : nil)
    }

    /// Every terminal's backups and reports.
    func listed() throws -> [ResticSnapshot] { try restic.fleetList() }

    /// Removes `terminal`'s own keys (every key it was given at `offsite init`); returns them.
    /// Refused for the terminal whose key runs this (restic never removes the key in use).
    public func revoke(terminal: String) throws -> [ResticKey] {
        guard TerminalID.isValid(terminal) else {
            throw BackupError.offsiteInvalidSetting(what: "terminal", reason: "\(terminal) is not a terminal id (letters, digits, '-', '_', '.')")
        }
        let keys = try restic.keys()
        let theirs = keys.filter { $0.isTillKey && $0.hostName == terminal }
        guard !theirs.isEmpty else {
            throw BackupError.fleetNoKey(terminal: terminal, known: Array(Set(keys.filter(\.isTillKey).map(\.hostName))).sorted())
        }
        if theirs.contains(where: \.current) { throw BackupError.fleetRevokeSelf(terminal: terminal) }
        for key in theirs { try restic.removeKey(key.id) }
        return theirs
    }

    /// The admin's prune (`offsite_prune admin` on the tills): every terminal's snapshots
    /// forgotten down to the counts, each terminal by its own, its health reports but the
    /// newest, then the data no snapshot uses freed. The tills' storage may refuse their
    /// deletes: this runs with the admin's keys.
    public func prune(daily: Int, weekly: Int, monthly: Int, preUpdate: Int, dryRun: Bool, timeLimit: TimeInterval = 6 * 3600) throws -> OffsitePruneResult {
        guard daily + weekly + monthly > 0, [daily, weekly, monthly, preUpdate].allSatisfy({ (0...1000).contains($0) }) else {
            throw BackupError.offsiteInvalidSetting(what: "keep counts", reason: "each between 0 and 1000, and daily, weekly and monthly not all 0 (that would remove every snapshot)")
        }
        // Snapshots dated in the future fill the keep rules: refused before anything goes.
        let latest = now().addingTimeInterval(86_400)
        let future = try listed().filter { $0.tags.contains(Restic.tag) && $0.time > latest }
        if !future.isEmpty {
            throw BackupError.fleetFutureSnapshots(hosts: Array(Set(future.map(\.hostname))).sorted(), count: future.count)
        }
        let counts = try restic.forget(host: nil, daily: daily, weekly: weekly, monthly: monthly, preUpdate: preUpdate,
                                       dryRun: dryRun, timeLimit: timeLimit)
            .map { Restic.forgetCounts($0.stdout) }
            .reduce((kept: 0, removed: [String]())) { ($0.kept + $1.kept, $0.removed + $1.removed) }
        if !dryRun { try restic.forgetOldReports(host: nil) }
        return OffsitePruneResult(kept: counts.kept, removed: counts.removed, dryRun: dryRun,
                                  rules: "daily \(daily), weekly \(weekly), monthly \(monthly), pre-update \(preUpdate), for each terminal")
    }
}
