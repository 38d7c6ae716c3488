import BackupEngine
import Foundation

/// What background work tells the UI thread.
enum InboxMessage: Sendable {
    case progress(BackupProgress)
    case finished(OperationOutcome)
    case refreshed(RefreshData)
    /// The restore dialog's comparison so far (`done`: every table counted).
    case preview(token: Int, RestorePreview, done: Bool)
    case previewFailed(token: Int, String)
    /// The copy the last restore saved (nil: nothing to undo).
    case undoFound(String?)
    /// The off-site view's snapshots, or why restic could not list them.
    case snapshots(token: Int, [ResticSnapshot])
    case snapshotsFailed(token: Int, String)
    /// The fleet view's read, or why restic could not make it.
    case fleet(Fleet)
    case fleetFailed(String)
    /// The console's own scheduler has started (or failed to): its snapshot is true now.
    case schedulerStarted
    case schedulerChanged
    case signal(Int32)
}

/// Everything a refresh reads from the data dir, read off the UI thread (a locked database
/// could otherwise freeze the screen for the busy timeout).
struct RefreshData: Sendable {
    var backups: [BackupEntry]
    var lastGood: LastGoodBackups
    var disk: DiskUsage?
    var database: DatabaseInfo?
    var databaseProblem: String?
    var history: [HistoryEntry]
    var retention: RetentionPolicy
    var alertTargets: [NotifyTarget] = []
    var pendingAlerts: Int = 0
    /// Off-site copies: the setup, the push state, what waits to be pushed.
    var offsite: OffsiteStatus? = nil
    /// Continuous protection: its status and the moments its replica can give back.
    var continuous: ContinuousStatus? = nil
    var continuousWindow: ClosedRange<Date>? = nil
    var health: HealthReport
    /// The live database by the engine's cheap check, and its last full check.
    var live: LiveDatabaseState
    var lastLiveCheck: LiveCheckRecord?
    /// Why this user cannot write the backup folders, nil when it can.
    var readOnly: String?
    /// Why this user cannot read the backup folders, nil when it can.
    var backupsUnreadable: String? = nil
    /// The data dir's active scheduler (held by another process), read when this console
    /// has none running; nil otherwise.
    var followedScheduler: SchedulerSnapshot? = nil
}

extension ConsoleState {
    /// Takes in what a refresh read (one place, so the app and the tests apply it alike).
    mutating func apply(_ data: RefreshData) {
        updateBackups(data.backups, lastGood: data.lastGood)
        disk = data.disk
        continuous = data.continuous?.config == nil ? nil : data.continuous
        continuousWindow = data.continuousWindow
        database = data.database
        databaseProblem = data.databaseProblem
        // The selected attempt stays selected when newer ones arrive on top.
        let selectedAttempt = history.indices.contains(historySelected) ? history[historySelected] : nil
        history = data.history
        historySelected = selectedAttempt.flatMap { history.firstIndex(of: $0) } ?? min(historySelected, max(0, history.count - 1))
        retention = data.retention
        alertTargets = data.alertTargets
        pendingAlerts = data.pendingAlerts
        offsite = data.offsite
        health = data.health
        live = data.live
        lastLiveCheck = data.lastLiveCheck
        readOnly = data.readOnly
        backupsUnreadable = data.backupsUnreadable
        if !showsBanner { bannerSelected = false }
        timeZoneName = TextFormat.zoneName(timeZone, at: now)
        keepSelectionVisible()
        keepHistorySelectionVisible()
    }
}

/// Messages from background threads to the UI thread. Owner of its queue: an internal lock;
/// the UI thread drains it on every wake.
final class ConsoleInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [InboxMessage] = []

    func post(_ message: InboxMessage) {
        lock.lock()
        // Only the latest progress matters; keep the queue short during a fast copy. The
        // same for a comparison that grows table by table.
        if case .progress = message, case .progress? = messages.last {
            messages[messages.count - 1] = message
        } else if case .preview(let token, _, _) = message, case .preview(token, _, false)? = messages.last {
            messages[messages.count - 1] = message
        } else {
            messages.append(message)
        }
        lock.unlock()
    }

    func drain() -> [InboxMessage] {
        lock.lock(); defer { lock.unlock() }
        let out = messages
        messages.removeAll()
        return out
    }
}
