import Foundation

/// The numbers exported to Prometheus (see `MetricsWriter`). Times are Unix seconds;
/// a time that does not exist (no success yet, schedule off) is 0.
public struct BackupMetrics: Sendable, Equatable {
    public var lastSuccessTimestamp: Double = 0
    public var lastAttemptTimestamp: Double = 0
    /// 1 when the last attempt succeeded, 0 when it failed or there was none.
    public var lastAttemptSuccess: Int = 0
    public var consecutiveFailures: Int = 0
    public var failuresTotal: Int = 0
    /// Size and duration of the last successful backup.
    public var lastSizeBytes: Int64 = 0
    public var lastDurationSeconds: Double = 0
    /// Every backup in the folders (all kinds) and the bytes they use.
    public var backupCount: Int = 0
    public var totalBytes: Int64 = 0
    public var filesystemFreeBytes: Int64 = 0
    public var nextRunTimestamp: Double = 0
    public var health: HealthLevel = .unknown
    /// `LiveDatabaseState.gaugeValue`: 0 ok, 1 missing, 2 empty, 3 not a database, 4 damaged, 5 locked, 6 hot journal, 7 unreadable.
    public var liveDatabaseState: Int = 0
    /// 1 when a console or daemon holds the scheduler for this data dir.
    public var schedulerRunning: Int = 0
    /// Backups on disk that failed a check.
    public var corruptBackups: Int = 0
    /// Unix time of the last full check of the live database (0: never).
    public var lastLiveCheckTimestamp: Double = 0
    /// Notifications waiting in the outbox, and whether the last delivery worked (1), failed (0), or none was made (-1).
    public var notifyPending: Int = 0
    public var notifyLastOK: Int = -1
    /// Off-site copies: 1 when set up; the last push that worked (0: none), pushes failed
    /// in a row, snapshots and bytes stored (from `restic stats`, daily), and the last
    /// check and drill (1 ok, 0 failed, -1 none).
    public var offsiteConfigured: Int = 0
    public var offsiteLastPushTimestamp: Double = 0
    public var offsiteConsecutiveFailures: Int = 0
    public var offsiteSnapshots: Int = 0
    public var offsiteBytesStored: Int64 = 0
    public var offsiteLastCheckOK: Int = -1
    public var offsiteLastDrillOK: Int = -1
    public var continuousConfigured: Int = 0
    public var continuousRunning: Int = 0
    public var continuousLagSeconds: Double = 0
    public var continuousLastSyncTimestamp: Double = 0
    public var continuousWindowStartTimestamp: Double = 0
    public var continuousReplicaBytes: Int64 = 0
    /// Unix time this file was written: a monitor alerts when it stops moving (0: unknown).
    public var writtenTimestamp: Double = 0

    public init() {}

    /// Gathers the metrics for a data dir. `snapshot` gives the next run when a scheduler
    /// runs; `health` is evaluated here when not given.
    public static func collect(engine: BackupEngine, snapshot: SchedulerSnapshot?, health: HealthReport? = nil,
                               now: Date) -> BackupMetrics {
        var m = BackupMetrics()
        let summary = BackupHistorySummary(history: engine.history())
        m.lastSuccessTimestamp = summary.lastSuccessAt?.timeIntervalSince1970 ?? 0
        m.lastAttemptTimestamp = summary.lastAttemptAt?.timeIntervalSince1970 ?? 0
        m.lastAttemptSuccess = summary.lastAttemptSucceeded == true ? 1 : 0
        m.consecutiveFailures = max(summary.consecutiveFailures, snapshot?.consecutiveFailures ?? 0)
        m.failuresTotal = summary.failuresTotal
        m.lastSizeBytes = summary.lastSuccessSizeBytes ?? 0
        m.lastDurationSeconds = summary.lastSuccessDurationSeconds ?? 0
        let backups = engine.listBackups()
        m.backupCount = backups.count
        m.totalBytes = backups.reduce(0) { $0 + $1.sizeBytes }
        m.filesystemFreeBytes = (try? engine.diskUsage(entries: backups))?.freeBytes ?? 0
        m.nextRunTimestamp = HealthEvaluator.nextRun(engine: engine, snapshot: snapshot)?.timeIntervalSince1970 ?? 0
        m.health = (health ?? HealthEvaluator.evaluate(engine: engine, snapshot: snapshot, now: now)).level
        m.liveDatabaseState = engine.checkLiveDatabase(full: false).gaugeValue
        m.schedulerRunning = snapshot.map { $0.activity == .stopped ? 0 : 1 } ?? 0
        m.corruptBackups = backups.filter { $0.status == .corrupt && $0.kind.isBackup }.count
        m.lastLiveCheckTimestamp = engine.lastLiveCheck()?.checkedAt.timeIntervalSince1970 ?? 0
        m.notifyPending = engine.notifier.pendingCount()
        m.notifyLastOK = engine.notifier.lastDelivery().map { $0.ok ? 1 : 0 } ?? -1
        if engine.offsite.config() != nil {
            let s = engine.offsite.state()
            m.offsiteConfigured = 1
            m.offsiteLastPushTimestamp = s.lastPushAt?.timeIntervalSince1970 ?? 0
            m.offsiteConsecutiveFailures = s.consecutiveFailures
            m.offsiteSnapshots = s.snapshots ?? 0
            m.offsiteBytesStored = s.bytesStored ?? 0
            m.offsiteLastCheckOK = s.lastCheck.map { $0.ok ? 1 : 0 } ?? -1
            m.offsiteLastDrillOK = s.lastDrill.map { $0.ok ? 1 : 0 } ?? -1
        }
        let continuous = engine.continuous.status()
        if continuous.config != nil {
            m.continuousConfigured = 1
            m.continuousRunning = continuous.running ? 1 : 0
            m.continuousLagSeconds = continuous.lag ?? 0
            m.continuousLastSyncTimestamp = continuous.lastSyncAt?.timeIntervalSince1970 ?? 0
            m.continuousWindowStartTimestamp = continuous.windowStart?.timeIntervalSince1970 ?? 0
            m.continuousReplicaBytes = continuous.replicaBytes ?? 0
        }
        return m
    }
}
