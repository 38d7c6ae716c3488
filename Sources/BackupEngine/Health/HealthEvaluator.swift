import Foundation

/// The health rules, the same for `status`, the console and the metrics:
///
/// WARNING when
/// - the last backup attempt failed (1 or 2 failures in a row),
/// - the last success is older than 1.5x the interval,
/// - the newest backup is under half or over twice the size of the one before it,
/// - free space is below twice the expected backup size,
/// - scheduled backups are off (`off` is never OK).
///
/// CRITICAL when
/// - 3 or more backups failed in a row,
/// - the last success is older than 2x the interval, or there is none,
/// - the next backup will not fit in the free space.
///
/// And, whatever the backups say:
/// - CRITICAL when the live database is missing, empty, not a database or damaged (with
///   the backup to restore in the same line), or when no verified backup is on disk;
/// - CRITICAL when a file that decides what runs (notification targets, the off-site
///   config, password or environment, the terminal id) is a link, someone else's or
///   writable by others (`TrustedFile`): it is not obeyed;
/// - WARNING when no scheduler runs (unless `scheduler_expected` is `false`), when corrupt
///   backups are on disk, when the live database has a hot journal, or when the system
///   clock is behind the newest backup.
///
/// Off-site copies, when set up, add their own rules (`OffsiteRules.findings`).
///
/// UNKNOWN when something needed could not be read (and nothing worse was found).
/// Pure: it takes plain values, so `status` can call it without a running scheduler.
public enum HealthEvaluator {
    /// Room the engine wants beyond the copy itself before it starts a backup.
    public static let spaceMargin: Int64 = 1 << 20

    /// Evaluates the rules over plain values.
    /// - Parameters:
    ///   - frequency: the schedule; nil when it could not be read (say why in `unknowns`).
    ///   - history: the history entries (any order).
    ///   - backups: the backups in the folders (any order).
    ///   - freeBytes: free space where backups are written; nil when unknown.
    ///   - mountPoint: that filesystem, for messages.
    ///   - expectedBackupBytes: size of the next backup (the live database's size); nil: the newest backup's size.
    ///   - snapshot: the active scheduler's state, when one runs (its failure count is used when larger, e.g. history unwritable).
    ///   - unknowns: things that could not be read, in words.
    ///   - backupsReadable: false when a backup folder could not be read (an unknown says
    ///     which): then an empty `backups` says nothing, and no rule claims that no backup
    ///     exists or that no scheduler runs (its lock is in that folder).
    ///   - historyReadable: false when the history's folder could not be read: an empty
    ///     `history` is then no proof that no backup ever succeeded.
    public static func evaluate(frequency: BackupFrequency?, history: [HistoryEntry], backups: [BackupEntry],
                                freeBytes: Int64?, mountPoint: String? = nil, expectedBackupBytes: Int64?,
                                snapshot: SchedulerSnapshot?, now: Date, unknowns: [String] = [],
                                live: LiveDatabaseState = .ok, lastLiveCheck: LiveCheckRecord? = nil,
                                schedulerExpected: Bool? = nil, offsite: OffsiteStatus? = nil,
                                backupsReadable: Bool = true, historyReadable: Bool = true,
                                untrustedFiles: [BackupError] = [], readOnlyFolder: String? = nil,
                                notifyTargetsProblem: String? = nil, continuous: ContinuousStatus? = nil) -> HealthReport {
        var findings: [HealthFinding] = unknowns.map { HealthFinding(.unknown, .unreadable, $0) }
        // A file we refuse to obey (planted, or loosened so others can write it) means a
        // notification or an off-site copy that will not happen.
        findings += untrustedFiles.map { error in
            var path: String?
            if case .untrustedFile(_, let p, _) = error { path = p }
            return HealthFinding(.critical, .untrustedFile, error.description, path: path)
        }
        if let readOnlyFolder {
            findings.append(HealthFinding(.critical, .readOnlyFileSystem,
                                          "read-only file system: \(readOnlyFolder): no backup can be made (check the disk, then remount it read-write)",
                                          path: readOnlyFolder))
        }
        let summary = BackupHistorySummary(history: history)
        findings += liveFindings(live: live, lastLiveCheck: lastLiveCheck, backups: backups, now: now,
                                 backupsReadable: backupsReadable, lockedSince: snapshot?.liveLockedSince)
        // A folder this user cannot read says nothing about what is on disk (an unknown says why).
        if backupsReadable { findings += diskFindings(backups: backups, now: now) }

        // The newest good backup on disk also counts as a success (a history lost or
        // rotated must not make a healthy shop look unprotected).
        // One rule for "newest" (`BackupEntry.newerFirst`); a backup dated after now never
        // counts as a recent success (it would hide an overdue backup for as long).
        let regular = BackupEntry.sortedNewerFirst(backups.filter { $0.kind.isRegular })
        let newestOnDisk = regular.first { $0.status == .verified && !isDatedAfter($0, now) }?.createdAt
        // A success dated after now (the clock was ahead then) never counts as recent.
        let lastSuccess = [summary.lastSuccessAt, newestOnDisk].compactMap { $0 }
            .filter { $0.timeIntervalSince(now) <= Catalog.futureTolerance }.max()
        let noneYet = backups.contains { $0.kind.isBackup && isDatedAfter($0, now) }
            ? "no successful backup dated before the current time" : "no successful backup yet"

        // Failures in a row.
        let failures = max(summary.consecutiveFailures, snapshot?.consecutiveFailures ?? 0)
        let error = summary.lastError ?? snapshot?.lastError
        let because = error.map { ": \($0)" } ?? ""
        if failures >= 3 {
            findings.append(HealthFinding(.critical, .backupsFailing, "\(failures) backups failed in a row\(because)"))
        } else if failures == 2 {
            findings.append(HealthFinding(.warning, .backupsFailing, "2 backups failed in a row\(because)"))
        } else if failures == 1 {
            findings.append(HealthFinding(.warning, .backupsFailing, "the last backup failed\(because)"))
        }

        // Age of the last success.
        let ageText = lastSuccess.map { "last successful backup \(SchedulePlanner.durationText(now.timeIntervalSince($0))) ago" }
        switch frequency {
        case .off?:
            findings.append(HealthFinding(.warning, .scheduleOff, "scheduled backups are off (backup_frequency = off)" + (ageText.map { "; \($0)" } ?? "; no successful backup yet")))
        case .every(let seconds)?:
            let interval = TimeInterval(seconds)
            let every = BackupFrequency.every(seconds: seconds).description
            if let lastSuccess, let ageText {
                let age = now.timeIntervalSince(lastSuccess)
                if age > 2 * interval {
                    findings.append(HealthFinding(.critical, .backupOverdue, "\(ageText), more than twice the interval (every \(every))"))
                } else if age > 1.5 * interval {
                    findings.append(HealthFinding(.warning, .backupOverdue, "\(ageText), more than 1.5x the interval (every \(every))"))
                }
            } else if backupsReadable && historyReadable {
                findings.append(HealthFinding(.critical, .backupOverdue, noneYet))
            }
        case nil:
            if lastSuccess == nil && backupsReadable && historyReadable { findings.append(HealthFinding(.critical, .backupOverdue, noneYet)) }
        }

        // Size change between the two newest backups.
        if regular.count >= 2 {
            let newest = regular[0], previous = regular[1]
            if previous.sizeBytes > 0 {
                if newest.sizeBytes * 2 < previous.sizeBytes {
                    findings.append(HealthFinding(.warning, .sizeAnomaly, "newest backup \(newest.name) is \(ByteCount.format(newest.sizeBytes)), under half the previous one (\(ByteCount.format(previous.sizeBytes)))", backupName: newest.name))
                } else if newest.sizeBytes > previous.sizeBytes * 2 {
                    findings.append(HealthFinding(.warning, .sizeAnomaly, "newest backup \(newest.name) is \(ByteCount.format(newest.sizeBytes)), over twice the previous one (\(ByteCount.format(previous.sizeBytes)))", backupName: newest.name))
                }
            }
        }

        // Free space against the expected size of the next backup.
        if let free = freeBytes, let expected = expectedBackupBytes ?? regular.first?.sizeBytes, expected > 0 {
            let on = mountPoint.map { " on \($0)" } ?? ""
            if free < expected + spaceMargin {
                findings.append(HealthFinding(.critical, .diskLow, "the next backup will not fit: about \(ByteCount.format(expected)) needed, \(ByteCount.format(free)) free\(on)", path: mountPoint))
            } else if free < 2 * expected {
                findings.append(HealthFinding(.warning, .diskLow, "free space is low: \(ByteCount.format(free)) free\(on), under twice the backup size (\(ByteCount.format(expected)))", path: mountPoint))
            }
        }

        findings += OffsiteRules.findings(offsite, interval: frequency?.interval, now: now)
        findings += ContinuousRules.findings(continuous, now: now)
        if let notifyTargetsProblem {
            findings.append(HealthFinding(.warning, .notifyTargetsDamaged, notifyTargetsProblem))
        }

        // The scheduler's lock is in backups/: a folder this user cannot read hides it.
        // On a read-only filesystem no scheduler can run: that finding says why, not this one.
        if schedulerExpected == true && snapshot == nil && backupsReadable && readOnlyFolder == nil {
            findings.append(HealthFinding(.warning, .schedulerStopped, "no scheduler running (start the daemon or the console)"))
        }

        let level = findings.map(\.level).max() ?? .ok
        // Worst first; the order of the rules above within one level.
        let sorted = findings.enumerated()
            .sorted { ($0.element.level, -$0.offset) > ($1.element.level, -$1.offset) }
            .map(\.element)
        return HealthReport(level: level, findings: sorted)
    }

    /// The live database's own state, with the backup to restore when it is lost.
    static func liveFindings(live: LiveDatabaseState, lastLiveCheck: LiveCheckRecord?, backups: [BackupEntry],
                             now: Date, backupsReadable: Bool = true, lockedSince: Date? = nil) -> [HealthFinding] {
        // The cheap check sees a missing or unreadable file at once; damaged pages deep in
        // the file only a full check sees, and the last one stands until a newer one.
        var state = live
        if !state.isLost, case .damaged? = lastLiveCheck?.state, let last = lastLiveCheck { state = last.state }
        let newest = BackupEntry.sortedNewerFirst(backups).first { $0.status == .verified && $0.kind.isBackup }
        let advice = newest.map { "restore \($0.name) (newest verified, \(SchedulePlanner.durationText(now.timeIntervalSince($0.createdAt))) ago)" }
            ?? (backupsReadable ? "no verified backup to restore" : "the backups cannot be read here")
        switch state {
        case .ok:
            return []
        case .locked:
            // Backups wait for the lock; once one is overdue that rule says CRITICAL.
            let since = lockedSince.map { " since \(clockText($0))" } ?? ""
            return [HealthFinding(.warning, .liveDatabaseLocked, "live database locked by another process\(since): backups wait for it")]
        case .missing, .empty, .notADatabase:
            return [HealthFinding(.critical, .liveDatabaseMissing, "\(state.description): \(advice)", backupName: newest?.name)]
        case .damaged(let findings):
            let more = findings.problems.count > 1 ? " and \(findings.problems.count - 1) more" : ""
            return [HealthFinding(.critical, .liveDatabaseDamaged, "live database damaged (\(OneLine.clip(findings.first, to: 90))\(more)): \(advice)",
                                  backupName: newest?.name)]
        case .hotJournal:
            return [HealthFinding(.warning, .liveDatabaseHotJournal, "\(state.description): the next backup or the POS app rolls it back")]
        case .unreadable(let why):
            return [HealthFinding(.unknown, .liveDatabaseUnreadable, "cannot read the live database: \(why)")]
        }
    }

    /// What is on disk: a verified backup at all, corrupt ones, ones waiting to be checked
    /// again, dates after now. Never hashes: a backup whose file time changed is pending
    /// (the scheduler or `verify` checks it), not bad.
    static func diskFindings(backups: [BackupEntry], now: Date) -> [HealthFinding] {
        var out: [HealthFinding] = []
        let restorable = backups.filter(\.kind.isBackup)
        let moved = restorable.filter { $0.pendingCheck == .fileTimeChanged }
        let lost = restorable.filter { $0.pendingCheck == .metadataMissing }
        if !restorable.contains(where: { $0.status == .verified }) {
            if moved.isEmpty {
                let pending = lost.isEmpty ? "" : " (\(lost.count) without metadata: verify pending)"
                out.append(HealthFinding(.critical, .noVerifiedBackup, "no verified backup on disk" + pending))
            }
        }
        if !moved.isEmpty || !lost.isEmpty {
            var parts: [String] = []
            if !moved.isEmpty { parts.append("\(moved.count) backup\(moved.count == 1 ? "" : "s") changed since verified") }
            if !lost.isEmpty { parts.append("\(lost.count) backup\(lost.count == 1 ? "" : "s") without metadata") }
            out.append(HealthFinding(.warning, .verifyPending, parts.joined(separator: ", ") + ": verify pending",
                                     backupName: (moved.first ?? lost.first)?.name))
        }
        let corrupt = restorable.filter { $0.status == .corrupt }
        if !corrupt.isEmpty {
            let names = corrupt.prefix(3).map(\.name).joined(separator: ", ") + (corrupt.count > 3 ? " and \(corrupt.count - 3) more" : "")
            out.append(HealthFinding(.warning, .corruptBackups, "\(corrupt.count) corrupt backup\(corrupt.count == 1 ? "" : "s") on disk (\(names)): delete or verify \(corrupt.count == 1 ? "it" : "them")",
                                     backupName: corrupt.first?.name))
        }
        // Named with advice, never blamed on the clock: a clock set forward once (then
        // corrected) or a file renamed by hand is far likelier than a clock running late.
        // Several at once more likely mean a clock running late now: no name, the count.
        let future = restorable.filter { isDatedAfter($0, now) }.sorted { $0.createdAt > $1.createdAt }
        if let latest = future.first {
            let message = future.count == 1
                ? "\(latest.name) is dated after the current time (\(clockText(now))): delete it if the clock was wrong, else set the date"
                : "\(future.count) backups are dated after the current time (\(clockText(now))): set the date, or delete them if the clock was wrong"
            out.append(HealthFinding(.warning, .backupDatedAfterNow, message, backupName: latest.name))
        }
        return out
    }

    /// Dated after `now` by more than the clocks of a till and its time server differ
    /// (judged here too, for entries not listed by the catalog).
    static func isDatedAfter(_ entry: BackupEntry, _ now: Date) -> Bool {
        entry.datedAfterNow || entry.createdAt.timeIntervalSince(now) > Catalog.futureTolerance
    }

    /// `2026-11-26 23:08` in local time.
    static func clockText(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }

    /// Evaluates the rules for an engine's data dir (`HealthInputs.gather`). What cannot be
    /// read makes the verdict UNKNOWN (unless something is worse). Reads files: call it on
    /// a change, not every frame.
    public static func evaluate(engine: BackupEngine, snapshot: SchedulerSnapshot?, now: Date,
                                step: (String) -> Void = { _ in }) -> HealthReport {
        HealthInputs.gather(engine: engine, step: step).evaluate(snapshot: snapshot, now: now)
    }

    /// When the next backup will run: the active scheduler's plan when one runs
    /// (`snapshot`), else what a scheduler would do judged from the history. Nil when
    /// off, or when nothing was ever attempted and no scheduler runs.
    public static func nextRun(engine: BackupEngine, snapshot: SchedulerSnapshot?) -> Date? {
        if let snapshot, snapshot.activity != .stopped { return snapshot.nextRunAt }
        guard let frequency = try? engine.frequency() else { return nil }
        return SchedulePlanner.projectedNextRun(history: BackupHistorySummary(history: engine.history()), frequency: frequency,
                                                now: engine.clock.now())
    }
}
