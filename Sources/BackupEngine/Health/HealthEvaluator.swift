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
    public static func evaluate(frequency: BackupFrequency?, history: [HistoryEntry], backups: [BackupEntry],
                                freeBytes: Int64?, mountPoint: String? = nil, expectedBackupBytes: Int64?,
                                snapshot: SchedulerSnapshot?, now: Date, unknowns: [String] = []) -> HealthReport {
        var findings: [(HealthLevel, String)] = unknowns.map { (.unknown, $0) }
        let summary = BackupHistorySummary(history: history)

        // The newest good backup on disk also counts as a success (a history lost or
        // rotated must not make a healthy shop look unprotected).
        let regular = backups.filter { $0.kind.isRegular }.sorted { $0.createdAt > $1.createdAt }
        let newestOnDisk = regular.first { $0.status == .verified }?.createdAt
        let lastSuccess = [summary.lastSuccessAt, newestOnDisk].compactMap { $0 }.max()

        // Failures in a row.
        let failures = max(summary.consecutiveFailures, snapshot?.consecutiveFailures ?? 0)
        let error = summary.lastError ?? snapshot?.lastError
        let because = error.map { ": \($0)" } ?? ""
        if failures >= 3 {
            findings.append((.critical, "\(failures) backups failed in a row\(because)"))
        } else if failures == 2 {
            findings.append((.warning, "2 backups failed in a row\(because)"))
        } else if failures == 1 {
            findings.append((.warning, "the last backup failed\(because)"))
        }

        // Age of the last success.
        let ageText = lastSuccess.map { "last successful backup \(SchedulePlanner.durationText(now.timeIntervalSince($0))) ago" }
        switch frequency {
        case .off?:
            findings.append((.warning, "scheduled backups are off (backup_frequency = off)" + (ageText.map { "; \($0)" } ?? "; no successful backup yet")))
        case .every(let seconds)?:
            let interval = TimeInterval(seconds)
            let every = BackupFrequency.every(seconds: seconds).description
            if let lastSuccess, let ageText {
                let age = now.timeIntervalSince(lastSuccess)
                if age > 2 * interval {
                    findings.append((.critical, "\(ageText), more than twice the interval (every \(every))"))
                } else if age > 1.5 * interval {
                    findings.append((.warning, "\(ageText), more than 1.5x the interval (every \(every))"))
                }
            } else {
                findings.append((.critical, "no successful backup yet"))
            }
        case nil:
            if lastSuccess == nil { findings.append((.critical, "no successful backup yet")) }
        }

        // Size change between the two newest backups.
        if regular.count >= 2 {
            let newest = regular[0], previous = regular[1]
            if previous.sizeBytes > 0 {
                if newest.sizeBytes * 2 < previous.sizeBytes {
                    findings.append((.warning, "newest backup \(newest.name) is \(ByteCount.format(newest.sizeBytes)), under half the previous one (\(ByteCount.format(previous.sizeBytes)))"))
                } else if newest.sizeBytes > previous.sizeBytes * 2 {
                    findings.append((.warning, "newest backup \(newest.name) is \(ByteCount.format(newest.sizeBytes)), over twice the previous one (\(ByteCount.format(previous.sizeBytes)))"))
                }
            }
        }

        // Free space against the expected size of the next backup.
        if let free = freeBytes, let expected = expectedBackupBytes ?? regular.first?.sizeBytes, expected > 0 {
            let on = mountPoint.map { " on \($0)" } ?? ""
            if free < expected + spaceMargin {
                findings.append((.critical, "the next backup will not fit: about \(ByteCount.format(expected)) needed, \(ByteCount.format(free)) free\(on)"))
            } else if free < 2 * expected {
                findings.append((.warning, "free space is low: \(ByteCount.format(free)) free\(on), under twice the backup size (\(ByteCount.format(expected)))"))
            }
        }

        let level = findings.map(\.0).max() ?? .ok
        // Worst first; the order of the rules above within one level.
        let reasons = findings.enumerated()
            .sorted { ($0.element.0, -$0.offset) > ($1.element.0, -$1.offset) }
            .map(\.element.1)
        return HealthReport(level: level, reasons: reasons)
    }

    /// Evaluates the rules for an engine's data dir: reads the schedule, history, backups,
    /// free space and database size. What cannot be read makes the verdict UNKNOWN
    /// (unless something is worse). Reads files: call it on a change, not every frame.
    public static func evaluate(engine: BackupEngine, snapshot: SchedulerSnapshot?, now: Date) -> HealthReport {
        let inputs = Inputs(engine: engine)
        return evaluate(frequency: inputs.frequency, history: inputs.history, backups: inputs.backups,
                        freeBytes: inputs.disk?.freeBytes, mountPoint: inputs.disk?.mountPoint,
                        expectedBackupBytes: inputs.databaseBytes, snapshot: snapshot, now: now,
                        unknowns: inputs.unknowns)
    }

    /// When the next backup will run: the active scheduler's plan when one runs
    /// (`snapshot`), else what a scheduler would do judged from the history. Nil when
    /// off, or when nothing was ever attempted and no scheduler runs.
    public static func nextRun(engine: BackupEngine, snapshot: SchedulerSnapshot?) -> Date? {
        if let snapshot, snapshot.activity != .stopped { return snapshot.nextRunAt }
        guard let frequency = try? engine.frequency() else { return nil }
        return SchedulePlanner.projectedNextRun(history: BackupHistorySummary(history: engine.history()), frequency: frequency)
    }

    /// Everything the rules read from a data dir, with what could not be read in words.
    struct Inputs {
        var frequency: BackupFrequency?
        var history: [HistoryEntry]
        var backups: [BackupEntry]
        var disk: DiskUsage?
        var databaseBytes: Int64?
        var unknowns: [String] = []

        init(engine: BackupEngine) {
            do { frequency = try engine.frequency() } catch {
                frequency = nil
                unknowns.append("cannot read backup_frequency: \(BackupError(error).description)")
            }
            history = engine.history()
            backups = engine.listBackups()
            do { disk = try engine.diskUsage(entries: backups) } catch {
                disk = nil
                unknowns.append("cannot read free space: \(BackupError(error).description)")
            }
            do {
                let info = try engine.databaseInfo()
                databaseBytes = info.pageCount * info.pageSize
            } catch {
                databaseBytes = nil
                unknowns.append("cannot read the database: \(BackupError(error).description)")
            }
        }
    }
}
