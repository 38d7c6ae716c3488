import BackupEngine
import Foundation

/// The data loader: what a refresh reads from the data dir, on the refresher queue, never
/// touching the state (the UI thread applies the result through the inbox).
extension ConsoleApp {
    static func read(engine: BackupEngine, snapshot: SchedulerSnapshot?) -> RefreshData {
        read(engine: engine) { snapshot }
    }

    /// - Parameter schedulerSnapshot: called after the folders are read, so a scheduler
    ///   still starting can finish meanwhile.
    static func read(engine: BackupEngine, schedulerSnapshot: () -> SchedulerSnapshot?) -> RefreshData {
        // The same inputs `status` judges, so the banner and `status` agree.
        let inputs = HealthInputs.gather(engine: engine)
        let backups = inputs.backups
        let snapshot = schedulerSnapshot()
        // No scheduler of our own (it could not start in a data dir we cannot write): the
        // schedule is whoever holds the data dir's scheduler lock, as `status` sees it.
        let own = snapshot.flatMap { $0.activity == .stopped ? nil : $0 }
        var followed: SchedulerSnapshot?
        if own == nil, var active = SchedulerStateFile.activeSnapshot(layout: engine.layout, now: engine.clock.now()) {
            active.holderActivity = active.activity
            active.activity = .heldByOther
            followed = active
        }
        let health = inputs.evaluate(snapshot: own ?? followed, now: engine.clock.now())
        var readOnly: String?
        if let refusal = engine.writeAccessProblem() {
            if case .notWritable(let path, let who) = refusal { readOnly = "cannot write \(path) (\(who))" } else { readOnly = refusal.description }
        }
        let notifier = engine.notifier
        let window = inputs.continuous.flatMap { engine.continuous.window($0) }
        return RefreshData(backups: backups, lastGood: LastGoodBackups(engine: engine, backups: backups), disk: inputs.disk,
                           database: inputs.database, databaseProblem: inputs.databaseProblem?.description,
                           history: Array(inputs.history.prefix(500)), retention: engine.retentionPolicy(),
                           alertTargets: notifier.targets(), pendingAlerts: notifier.pendingCount(), offsite: inputs.offsite,
                           continuous: inputs.continuous, continuousWindow: window.map { $0.from...$0.to }, health: health,
                           live: inputs.live, lastLiveCheck: inputs.lastLiveCheck, readOnly: readOnly,
                           backupsUnreadable: inputs.closedBackupFolder?.description, followedScheduler: followed)
    }
}
