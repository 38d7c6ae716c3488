import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs scheduled backups on a background thread, for the console and `mr5-backup daemon`.
///
/// - One active scheduler per data dir across processes: the one holding
///   `backups/.scheduler.lock` (a `flock`) makes the backups and keeps its state in
///   `backups/.scheduler-state.json`. Any other instance is a follower: its snapshot is the
///   holder's (`activity == .heldByOther`), and it takes over within a few seconds if the
///   holder goes away.
/// - The interval comes from `backup_frequency`, re-read every 30 s and on `settingsChanged()`.
/// - When the runs happen is `SchedulePlanner`'s rules; health is `HealthEvaluator`'s.
/// - It never prints and never touches the terminal: it logs through the engine's logger.
///
/// Ownership: `shared` (one struct behind one lock) holds the published snapshot and the
/// start/stop flags, which any thread may read. `run` (a `ThreadState`) is touched only by
/// the thread `start()` creates, and by `start()` itself before that thread exists; so are
/// `outputs` (state file and metrics).
public final class Scheduler: @unchecked Sendable {
    public let engine: BackupEngine
    public let clock: any EngineClock
    /// Where the Prometheus metrics go after every attempt; nil writes none.
    public let metricsPath: String?
    public let timing: SchedulerTiming
    /// What runs it (`daemon`, `console`), so that other processes name the holder right.
    let ownerKind: String
    let onChange: (@Sendable (SchedulerSnapshot) -> Void)?
    let wake = WakeSignal()
    let finished = DispatchSemaphore(value: 0)

    /// What every thread may see or set.
    struct Shared {
        var snapshot: SchedulerSnapshot
        var started = false
        var threadRunning = false
        var stopRequested = false
        var settingsDirty = false
        var cancellation: CancellationFlag?
        /// While the thread sleeps: until when (monotonic nanoseconds) and the wake
        /// generation it sleeps on. Nil while it decides or works.
        var sleeping: (until: UInt64, token: UInt64)?
    }
    let shared: Locked<Shared>

    /// What only the scheduler thread uses.
    struct ThreadState {
        var lock: FileLock?
        var plan = SchedulePlanner.State(startedAt: 0)
        /// Monotonic seconds before which pending backups are not looked for again.
        var nextPendingCheck: Double = 0
        var frequency = BackupFrequency.defaultFrequency
        var frequencyProblem: String?
        var lastSettingsRead: Double = -.infinity
        var historyStamp: [Int64] = []
        var adoption = HistoryAdoption()
        var lastProgressWrite: UInt64 = 0
        var lastProgressPublished: (phase: BackupProgress.Phase, percent: Int)?
    }
    var run = ThreadState()
    /// Raises and delivers notifications off the scheduler thread (a receiver that never
    /// answers must not hold up a backup).
    let notifications = NotificationPump()
    /// Pushes backups off-site and runs the off-site maintenance, off the scheduler thread
    /// (a push never holds up a local backup).
    let offsite = OffsitePump()
    /// Runs Litestream while this scheduler holds the data dir (continuous protection).
    let continuous = ContinuousSupervisor()
    let outputs: SchedulerOutputs

    /// - Parameters:
    ///   - engine: the engine whose data dir is scheduled.
    ///   - clock: the clock for the schedule (monotonic) and for names (wall).
    ///   - metricsPath: Prometheus textfile output (usually `layout.defaultMetricsPath`); nil for none.
    ///   - timing: the product's timing unless testing.
    ///   - onChange: called on the scheduler thread with every new snapshot; must be quick.
    /// `ownerKind`: what runs it, as other processes name the holder (`daemon`, `console`).
    public init(engine: BackupEngine, clock: any EngineClock = SystemClock(), metricsPath: String? = nil,
                timing: SchedulerTiming = .standard, ownerKind: String = "daemon",
                onChange: (@Sendable (SchedulerSnapshot) -> Void)? = nil) {
        self.engine = engine
        self.ownerKind = ownerKind
        self.clock = clock
        self.metricsPath = metricsPath
        self.timing = timing
        self.onChange = onChange
        outputs = SchedulerOutputs(engine: engine, metricsPath: metricsPath)
        shared = Locked(Shared(snapshot: SchedulerSnapshot(
            activity: .stopped, frequency: BackupFrequency.defaultFrequency.settingValue,
            intervalSeconds: BackupFrequency.defaultFrequency.interval.map { Int($0) }, updatedAt: clock.now())))
    }

    // MARK: - Public API

    /// The current state. Never blocks on a running backup.
    public var snapshot: SchedulerSnapshot { shared.withLock { $0.snapshot } }

    /// True while this instance is the data dir's active scheduler.
    public var isActive: Bool {
        let s = snapshot
        return s.activity != .heldByOther && s.activity != .stopped
    }

    /// Takes the scheduler lock (or becomes a follower of the process holding it) and
    /// starts the thread. The lock attempt happens before this returns, so `snapshot`
    /// says at once whether this instance is active (`.idle`/`.disabled`), a follower
    /// (`.heldByOther`, with the holder's pid), or could not start (`.stopped` with
    /// `lastError`). Calling it again does nothing.
    public func start() {
        let first = shared.withLock { s -> Bool in
            if s.started { return false }
            s.started = true
            s.threadRunning = true
            return true
        }
        guard first else { return }

        tryToLead()
        let thread = Thread { [self] in
            loop()
            shared.withLock { $0.threadRunning = false }
            finished.signal()
        }
        thread.name = "mr5-backup scheduler"
        thread.start()
    }

    /// Stops the thread: a running backup is cancelled (the engine removes its temp file,
    /// so nothing partial is left), the state file says "stopped" and the lock is released.
    /// Returns when the thread has ended. Safe to call more than once, or before `start()`.
    /// Never call it from `onChange`: that runs on the scheduler thread, which it waits for.
    public func stop() {
        let running = shared.withLock { s -> Bool in
            s.stopRequested = true
            s.cancellation?.cancel()
            return s.threadRunning
        }
        offsite.stop()
        continuous.stop()
        guard running else { return }
        // Repeated in case a clock without a token-aware sleep misses the first wake.
        repeat { wake.signal() } while finished.wait(timeout: .now() + 0.05) == .timedOut
        finished.signal()   // let a second stop() pass too
    }

    /// Re-reads `backup_frequency` now (call after changing it), instead of within 30 s.
    public func settingsChanged() {
        shared.withLock { $0.settingsDirty = true }
        wake.signal()
    }

    /// The health rules for this data dir, with this scheduler's state. Reads the history
    /// and the backup folders: call it when the snapshot changes, not on every frame.
    public func health(now: Date? = nil) -> HealthReport {
        let s = snapshot
        return HealthEvaluator.evaluate(engine: engine, snapshot: s.activity == .stopped ? nil : s, now: now ?? clock.now())
    }

    // MARK: - The thread

    var isStopRequested: Bool { shared.withLock { $0.stopRequested } }

    func monoSeconds() -> Double { Double(clock.monotonicNanos()) / 1e9 }

    /// Sleeps until `deadline` unless woken since `token` (read at the top of the loop,
    /// before the flags were looked at, so no `settingsChanged()` or `stop()` is missed).
    func sleep(untilMono deadline: Double, since token: UInt64) {
        guard !isStopRequested else { return }
        let until = UInt64(max(0, deadline) * 1e9)
        shared.withLock { $0.sleeping = (until, token) }
        clock.sleep(untilMonotonic: until, wake: wake, since: token)
        shared.withLock { $0.sleeping = nil }
    }

    /// True when the thread has taken in everything up to the monotonic time `now` and has
    /// nothing to do before a later time: it sleeps past `now`, and nobody woke it since it
    /// decided so. What a test waits for instead of a fixed time before it asserts that
    /// nothing happened.
    func isSettled(atMonotonic now: UInt64) -> Bool {
        let generation = wake.generation
        return shared.withLock { s in
            guard let z = s.sleeping else { return false }
            return z.until > now && z.token == generation
        }
    }

    func loop() {
        while !isStopRequested {
            let token = wake.generation
            if run.lock == nil {
                tryToLead()
                if run.lock == nil {
                    sleep(untilMono: monoSeconds() + timing.followerPoll, since: token)
                    continue
                }
            }
            refreshSettings(force: false)
            refreshHistory(force: false)
            notifications.kick(engine: engine)
            offsite.kick(engine: engine)
            continuous.kick(engine: engine)
            checkPendingBackups()
            watchLiveLock()
            guard let interval = currentInterval else {
                publish { s in
                    s.activity = .disabled
                    s.nextRunAt = nil
                }
                writeMetrics()
                sleep(untilMono: monoSeconds() + timing.settingsPoll, since: token)
                continue
            }
            let now = monoSeconds()
            let next = SchedulePlanner.nextRun(run.plan, interval: interval, startupDelay: timing.startupDelay)
            if now >= next {
                runBackup()
                continue
            }
            let nextWall = clock.now().addingTimeInterval(next - now)
            publish { s in
                s.activity = .idle
                s.nextRunAt = Date(timeIntervalSince1970: nextWall.timeIntervalSince1970.rounded())
            }
            writeMetrics()
            sleep(untilMono: min(next, now + timing.settingsPoll), since: token)
        }
        shutDown()
    }

    /// Notes since when the POS has held the live database's lock (a quick look, at most
    /// the probe's wait), for `status` and the console to say how long.
    func watchLiveLock() {
        let locked = engine.checkLiveDatabase(full: false) == .locked
        let since = snapshot.liveLockedSince
        if locked && since == nil {
            let now = clock.now()
            publish { $0.liveLockedSince = now }
            engine.logger.warning("The live database is locked by another process (the POS app?); backups wait for it")
        } else if !locked && since != nil {
            publish { $0.liveLockedSince = nil }
        }
    }

    /// Backups waiting to be checked again (metadata lost, copied with tar) are hashed
    /// between backups, at most once per settings poll, so `status` never has to.
    func checkPendingBackups() {
        let now = monoSeconds()
        guard now >= run.nextPendingCheck else { return }
        run.nextPendingCheck = now + timing.settingsPoll
        let flag = CancellationFlag()
        guard shared.withLock({ s -> Bool in
            if s.stopRequested { return false }
            s.cancellation = flag
            return true
        }) else { return }
        defer { shared.withLock { $0.cancellation = nil } }
        if let results = engine.checkPendingBackupsIfIdle(trigger: .scheduler, cancellation: flag), !results.isEmpty {
            outputs.metricsDirty = true
        }
    }

    var currentInterval: TimeInterval? { timing.fixedInterval ?? run.frequency.interval }

    /// Takes the lock, or reads the holder's state as a follower.
    func tryToLead() {
        switch SchedulerLeadership.attempt(layout: engine.layout, current: snapshot, now: clock.now()) {
        case .leader(let lock):
            run.lock = lock
            becomeActive()
        case .follower(let holderState):
            publish { s in s = holderState }
        case .failed(let message):
            let previous = snapshot.lastError
            publish { s in
                s.activity = .stopped
                s.lastError = message
            }
            if previous != message { engine.logger.error("\(message)") }
        }
    }

    func becomeActive() {
        let now = clock.now()
        run.plan = SchedulePlanner.State(startedAt: monoSeconds())
        run.adoption = HistoryAdoption()
        run.historyStamp = []
        refreshSettings(force: true)
        refreshHistory(force: true)
        // Failures before this start are known, but the first-run rule decides the first run.
        run.plan.lastFailureAt = nil
        run.adoption.adoptedFailure = now
        publish { s in
            s.activity = .idle
            s.holderActivity = nil
            s.ownerPid = getpid()
            s.ownerSince = now
            s.ownerKind = self.ownerKind
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
        }
        outputs.metricsDirty = true
        let first: String
        if let interval = currentInterval {
            let delay = SchedulePlanner.nextRun(run.plan, interval: interval, startupDelay: timing.startupDelay) - run.plan.startedAt
            first = "first backup in \(SchedulePlanner.durationText(delay))"
        } else {
            first = "scheduled backups are off"
        }
        engine.logger.info("Scheduler active for \(engine.layout.dataDir) (pid \(getpid())): \(frequencyText), \(first)")
    }

    var frequencyText: String {
        if let fixed = timing.fixedInterval { return "every \(fixed) s (fixed for testing)" }
        return run.frequency == .off ? "backup_frequency = off" : "every \(run.frequency)"
    }

    func shutDown() {
        publish { s in
            s.activity = .stopped
            s.nextRunAt = nil
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
        }
        if let lock = run.lock {
            // The last word while still the holder: scheduler_running 0, not a stale 1.
            outputs.metricsDirty = true
            writeMetrics()
            lock.release()
            run.lock = nil
            engine.logger.info("Scheduler stopped (pid \(getpid()))")
        }
    }
}
