import Foundation

/// Everything the health rules read from a data dir, with what could not be read in words.
/// Gathered by one function for `status`, the console, the metrics and the notifier, so
/// the banner and `status` can never disagree about the same data dir.
public struct HealthInputs: Sendable {
    public var frequency: BackupFrequency?
    /// Every attempt, newest first.
    public var history: [HistoryEntry]
    public var backups: [BackupEntry]
    public var disk: DiskUsage?
    /// The live database as SQLite sees it, when it opens; else why not (`databaseProblem`).
    public var database: DatabaseInfo?
    public var databaseProblem: BackupError?
    /// The size the next backup will have.
    public var databaseBytes: Int64?
    public var live: LiveDatabaseState
    public var lastLiveCheck: LiveCheckRecord?
    public var unknowns: [String] = []
    /// The first backup folder this user cannot open: `backups` is then not what is on disk.
    public var closedBackupFolder: BackupError?
    /// The history's folder when this user cannot open it: `history` is then not all there is.
    public var closedHistoryFolder: BackupError?
    public var schedulerExpected: Bool?
    public var offsite: OffsiteStatus?
    public var untrustedFiles: [BackupError]
    /// The backup folder when its filesystem is mounted read-only (no backup can be made).
    public var readOnlyFolder: String? = nil
    /// Why the notification targets file cannot be read, when it cannot.
    public var notifyTargetsProblem: String? = nil
    /// Continuous protection, when set up or not.
    public var continuous: ContinuousStatus? = nil

    /// `step` hears what is being read next, so a caller with a deadline can say what it
    /// waited for.
    public static func gather(engine: BackupEngine, step: (String) -> Void = { _ in }) -> HealthInputs {
        step("the live database")
        let live = engine.checkLiveDatabase(full: false)
        var unknowns: [String] = []
        let frequency: BackupFrequency?
        if live.isLost || live == .hotJournal {
            // The settings live in a database that is not there, or that only a writer can
            // read until its hot journal is rolled back: judge by the default schedule
            // (the live state itself is the reason given), not "cannot tell".
            frequency = (try? engine.frequency()) ?? .defaultFrequency
        } else {
            step("the settings")
            do { frequency = try engine.frequency() } catch {
                frequency = nil
                unknowns.append("cannot read backup_frequency: \(BackupError(error).description)")
            }
        }
        step("the backups folder")
        let backups = engine.listBackups()
        // One unknown, the first folder that cannot be read; the backups can still be
        // judged when only the history's folder is closed.
        let closedBackups = engine.unreadableBackupFolder()
        let closedHistory = engine.unreadableHistoryFolder()
        if let first = closedBackups ?? closedHistory { unknowns.append(first.description) }
        step("the free space")
        var disk: DiskUsage?
        do { disk = try engine.diskUsage(entries: backups) } catch {
            unknowns.append("cannot read free space: \(BackupError(error).description)")
        }
        // Never while the POS holds its lock: that would wait out the busy timeout.
        var database: DatabaseInfo?
        var problem: BackupError?
        if live != .locked {
            step("the live database")
            do { database = try engine.databaseInfo() } catch { problem = BackupError(error) }
        }
        // Not readable through SQLite now (the live state says why): its size on disk.
        let bytes = database.map { $0.pageCount * $0.pageSize }
            ?? FileSystem.info(engine.layout.databasePath).map(\.size).flatMap { $0 > 0 ? $0 : nil }
        step("the history")
        let history = engine.history()
        step("the off-site state")
        return HealthInputs(frequency: frequency, history: history, backups: backups, disk: disk,
                            database: database, databaseProblem: problem, databaseBytes: bytes, live: live,
                            lastLiveCheck: engine.lastLiveCheck(), unknowns: unknowns,
                            closedBackupFolder: closedBackups, closedHistoryFolder: closedHistory,
                            schedulerExpected: engine.schedulerExpectedIfReadable(), offsite: engine.offsite.status(entries: backups),
                            untrustedFiles: engine.untrustedFiles(),
                            readOnlyFolder: FileSystem.isOnReadOnlyMount(engine.layout.backupsDir) ? engine.layout.backupsDir : nil,
                            notifyTargetsProblem: engine.notifier.targetsProblem(), continuous: engine.continuous.status())
    }

    /// The verdict over these inputs, with the active scheduler's state.
    public func evaluate(snapshot: SchedulerSnapshot?, now: Date) -> HealthReport {
        HealthEvaluator.evaluate(frequency: frequency, history: history, backups: backups,
                                 freeBytes: disk?.freeBytes, mountPoint: disk?.mountPoint,
                                 expectedBackupBytes: databaseBytes, snapshot: snapshot, now: now,
                                 unknowns: unknowns, live: live, lastLiveCheck: lastLiveCheck,
                                 schedulerExpected: schedulerExpected, offsite: offsite,
                                 backupsReadable: closedBackupFolder == nil, historyReadable: closedHistoryFolder == nil,
                                 untrustedFiles: untrustedFiles, readOnlyFolder: readOnlyFolder,
                                 notifyTargetsProblem: notifyTargetsProblem, continuous: continuous)
    }
}
