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
/// Ownership: `stateLock` guards the published snapshot and the start/stop flags, which
/// any thread may read. Everything marked "scheduler thread" is touched only by the
/// thread `start()` creates (and by `start()` itself before that thread exists).
public final class Scheduler: @unchecked Sendable {
    public let engine: BackupEngine
    public let clock: any EngineClock
    /// Where the Prometheus metrics go after every attempt; nil writes none.
    public let metricsPath: String?
    public let timing: SchedulerTiming
    private let onChange: (@Sendable (SchedulerSnapshot) -> Void)?
    private let wake = WakeSignal()
    private let finished = DispatchSemaphore(value: 0)

    // Guarded by `stateLock`.
    private let stateLock = NSLock()
    private var current: SchedulerSnapshot
    private var started = false
    private var threadRunning = false
    private var stopRequested = false
    private var settingsDirty = false
    private var cancellation: CancellationFlag?

    // Scheduler thread.
    private var lock: FileLock?
    private var plan = SchedulePlanner.State(startedAt: 0)
    private var frequency = BackupFrequency.defaultFrequency
    private var frequencyProblem: String?
    private var lastSettingsRead: Double = -.infinity
    private var historyStamp: [Int64] = []
    private var adoptedSuccessWall: Date?
    private var adoptedFailureWall: Date?
    private var ownLastAttemptWall: Date?
    private var metricsDirty = false
    private var metricsProblem: String?
    private var stateFileProblem: String?
    private var lastProgressWrite: UInt64 = 0
    private var lastProgressPublished: (phase: BackupProgress.Phase, percent: Int)?

    /// - Parameters:
    ///   - engine: the engine whose data dir is scheduled.
    ///   - clock: the clock for the schedule (monotonic) and for names (wall).
    ///   - metricsPath: Prometheus textfile output (usually `layout.defaultMetricsPath`); nil for none.
    ///   - timing: the product's timing unless testing.
    ///   - onChange: called on the scheduler thread with every new snapshot; must be quick.
    public init(engine: BackupEngine, clock: any EngineClock = SystemClock(), metricsPath: String? = nil,
                timing: SchedulerTiming = .standard,
                onChange: (@Sendable (SchedulerSnapshot) -> Void)? = nil) {
        self.engine = engine
        self.clock = clock
        self.metricsPath = metricsPath
        self.timing = timing
        self.onChange = onChange
        current = SchedulerSnapshot(activity: .stopped, frequency: BackupFrequency.defaultFrequency.settingValue,
                                    intervalSeconds: BackupFrequency.defaultFrequency.interval.map { Int($0) },
                                    updatedAt: clock.now())
    }

    // MARK: - Public API

    /// The current state. Never blocks on a running backup.
    public var snapshot: SchedulerSnapshot {
        stateLock.lock(); defer { stateLock.unlock() }
        return current
    }

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
        stateLock.lock()
        if started { stateLock.unlock(); return }
        started = true
        threadRunning = true
        stateLock.unlock()

        tryToLead()
        let thread = Thread { [self] in
            run()
            stateLock.lock(); threadRunning = false; stateLock.unlock()
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
        stateLock.lock()
        stopRequested = true
        cancellation?.cancel()
        let running = threadRunning
        stateLock.unlock()
        guard running else { return }
        // Repeated in case a clock without a token-aware sleep misses the first wake.
        repeat { wake.signal() } while finished.wait(timeout: .now() + 0.05) == .timedOut
        finished.signal()   // let a second stop() pass too
    }

    /// Re-reads `backup_frequency` now (call after changing it), instead of within 30 s.
    public func settingsChanged() {
        stateLock.lock(); settingsDirty = true; stateLock.unlock()
        wake.signal()
    }

    /// The health rules for this data dir, with this scheduler's state. Reads the history
    /// and the backup folders: call it when the snapshot changes, not on every frame.
    public func health(now: Date? = nil) -> HealthReport {
        let s = snapshot
        return HealthEvaluator.evaluate(engine: engine, snapshot: s.activity == .stopped ? nil : s, now: now ?? clock.now())
    }

    // MARK: - The thread

    private var isStopRequested: Bool {
        stateLock.lock(); defer { stateLock.unlock() }
        return stopRequested
    }

    private func monoSeconds() -> Double { Double(clock.monotonicNanos()) / 1e9 }

    /// Sleeps until `deadline` unless woken since `token` (read at the top of the loop,
    /// before the flags were looked at, so no `settingsChanged()` or `stop()` is missed).
    private func sleep(untilMono deadline: Double, since token: UInt64) {
        guard !isStopRequested else { return }
        clock.sleep(untilMonotonic: UInt64(max(0, deadline) * 1e9), wake: wake, since: token)
    }

    private func run() {
        while !isStopRequested {
            let token = wake.generation
            if lock == nil {
                tryToLead()
                if lock == nil {
                    sleep(untilMono: monoSeconds() + timing.followerPoll, since: token)
                    continue
                }
            }
            refreshSettings(force: false)
            refreshHistory(force: false)
            guard let interval = currentInterval else {
                publish { s in
                    s.activity = .disabled
                    s.nextRunAt = nil
                }
                writeMetricsIfDirty()
                sleep(untilMono: monoSeconds() + timing.settingsPoll, since: token)
                continue
            }
            let now = monoSeconds()
            let next = SchedulePlanner.nextRun(plan, interval: interval, startupDelay: timing.startupDelay)
            if now >= next {
                runBackup()
                continue
            }
            let nextWall = clock.now().addingTimeInterval(next - now)
            publish { s in
                s.activity = .idle
                s.nextRunAt = Date(timeIntervalSince1970: nextWall.timeIntervalSince1970.rounded())
            }
            writeMetricsIfDirty()
            sleep(untilMono: min(next, now + timing.settingsPoll), since: token)
        }
        shutDown()
    }

    private var currentInterval: TimeInterval? { timing.fixedInterval ?? frequency.interval }

    /// Takes the lock, or reads the holder's state as a follower.
    private func tryToLead() {
        let layout = engine.layout
        do {
            try layout.ensureDirectories()
            lock = try FileLock(path: layout.schedulerLockPath, operation: "scheduler", now: clock.now())
            becomeActive()
        } catch BackupError.busy {
            follow()
        } catch {
            let message = "cannot start the scheduler: \(BackupError(error).description)"
            let previous = snapshot.lastError
            publish { s in
                s.activity = .stopped
                s.lastError = message
            }
            if previous != message { engine.logger.error("\(message)") }
        }
    }

    private func follow() {
        let layout = engine.layout
        let holder = FileLock.holder(at: layout.schedulerLockPath)
        let file = SchedulerStateFile.read(layout.schedulerStatePath)
        publish { s in
            if let file, let holder, file.ownerPid == holder.pid {
                s = file
                s.holderActivity = file.activity
            } else {
                // The holder has not written its state yet (or a dead holder's file is left).
                s.holderActivity = nil
                s.nextRunAt = nil
                s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
            }
            s.activity = .heldByOther
            s.ownerPid = holder?.pid
            s.ownerSince = holder?.since
        }
    }

    private func becomeActive() {
        let now = clock.now()
        plan = SchedulePlanner.State(startedAt: monoSeconds())
        adoptedSuccessWall = nil
        adoptedFailureWall = nil
        ownLastAttemptWall = nil
        historyStamp = []
        refreshSettings(force: true)
        refreshHistory(force: true)
        // Failures before this start are known, but the first-run rule decides the first run.
        plan.lastFailureAt = nil
        adoptedFailureWall = now
        publish { s in
            s.activity = .idle
            s.holderActivity = nil
            s.ownerPid = getpid()
            s.ownerSince = now
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
        }
        metricsDirty = true
        let first: String
        if let interval = currentInterval {
            let delay = SchedulePlanner.nextRun(plan, interval: interval, startupDelay: timing.startupDelay) - plan.startedAt
            first = "first backup in \(SchedulePlanner.durationText(delay))"
        } else {
            first = "scheduled backups are off"
        }
        engine.logger.info("Scheduler active for \(engine.layout.dataDir) (pid \(getpid())): \(frequencyText), \(first)")
    }

    private var frequencyText: String {
        if let fixed = timing.fixedInterval { return "every \(fixed) s (fixed for testing)" }
        return frequency == .off ? "backup_frequency = off" : "every \(frequency)"
    }

    private func shutDown() {
        publish { s in
            s.activity = .stopped
            s.nextRunAt = nil
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
        }
        if let lock {
            lock.release()
            self.lock = nil
            engine.logger.info("Scheduler stopped (pid \(getpid()))")
        }
    }

    // MARK: - Inputs

    private func refreshSettings(force: Bool) {
        let now = monoSeconds()
        stateLock.lock()
        let dirty = settingsDirty
        settingsDirty = false
        stateLock.unlock()
        guard force || dirty || now - lastSettingsRead >= timing.settingsPoll else { return }
        lastSettingsRead = now
        do {
            let value = try engine.frequency()
            if frequencyProblem != nil { engine.logger.info("backup_frequency is readable again: \(value.settingValue)") }
            frequencyProblem = nil
            if value != frequency {
                if !force { engine.logger.info("Backup frequency changed to \(value.settingValue)") }
                frequency = value
                metricsDirty = true
            }
        } catch {
            let message = "cannot read backup_frequency: \(BackupError(error).description); keeping \(frequency.settingValue)"
            if message != frequencyProblem { engine.logger.warning("\(message)") }
            frequencyProblem = message
        }
        let interval = currentInterval
        publish { s in
            s.frequency = self.timing.fixedInterval != nil ? "\(interval ?? 0)s" : self.frequency.settingValue
            s.intervalSeconds = interval.map { Int($0) }
        }
    }

    /// Reads the history when the file changed: adopts a success or failure made by
    /// another process (a manual backup), and takes the failure count from it so the
    /// scheduler and `status` agree.
    private func refreshHistory(force: Bool) {
        let path = engine.historyLog.path
        var st = stat()
        let stamp: [Int64] = stat(path, &st) == 0
            ? [Int64(st.st_size), Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec), Int64(st.st_ino)] : []
        guard force || stamp != historyStamp else { return }
        historyStamp = stamp
        let summary = BackupHistorySummary(history: engine.history())
        let nowWall = clock.now(), nowMono = monoSeconds()
        func mono(_ date: Date) -> Double { nowMono - max(0, nowWall.timeIntervalSince(date)) }

        if let success = summary.lastSuccessAt, success > (adoptedSuccessWall ?? .distantPast) {
            plan.lastSuccessAt = mono(success)
            adoptedSuccessWall = success
        }
        // The history covers our last attempt (or something newer): it is the truth.
        let historyIsCurrent = (summary.lastAttemptAt ?? .distantPast) >= (ownLastAttemptWall ?? .distantPast)
        guard historyIsCurrent else { return }
        plan.consecutiveFailures = summary.consecutiveFailures
        if summary.lastAttemptSucceeded == false, let failed = summary.lastAttemptAt,
           failed > (adoptedFailureWall ?? .distantPast), failed > (ownLastAttemptWall ?? .distantPast) {
            plan.lastFailureAt = mono(failed)
            adoptedFailureWall = failed
        }
        publish { s in
            s.lastAttemptAt = summary.lastAttemptAt
            s.lastAttemptSucceeded = summary.lastAttemptSucceeded
            s.lastError = summary.lastError
            s.lastSuccessAt = summary.lastSuccessAt
            s.consecutiveFailures = summary.consecutiveFailures
        }
    }

    // MARK: - One backup

    private func runBackup() {
        let flag = CancellationFlag()
        stateLock.lock()
        if stopRequested { stateLock.unlock(); return }
        cancellation = flag
        stateLock.unlock()

        let startWall = clock.now()
        let startMono = monoSeconds()
        // The history keeps whole seconds: compare with it at that precision.
        let startSecond = Date(timeIntervalSince1970: startWall.timeIntervalSince1970.rounded(.down))
        ownLastAttemptWall = startSecond
        lastProgressPublished = nil
        publish { s in
            s.activity = .running
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
        }
        lastProgressWrite = SystemClock().monotonicNanos()

        var outcome: (ok: Bool, error: String?)
        do {
            _ = try engine.createBackup(kind: .scheduled, trigger: .scheduler, lockWait: timing.lockWait,
                                        progress: { [self] p in progress(p) }, cancellation: flag)
            plan.lastSuccessAt = startMono
            plan.consecutiveFailures = 0
            adoptedSuccessWall = startSecond
            outcome = (true, nil)
        } catch BackupError.cancelled {
            outcome = (false, BackupError.cancelled.description)
        } catch {
            plan.consecutiveFailures += 1
            plan.lastFailureAt = monoSeconds()
            outcome = (false, BackupError(error).description)
        }
        let cancelled = outcome.error == BackupError.cancelled.description
        if !cancelled { plan.hasAttempted = true }
        // Our own failure is timed from its end; the history's entry (its start) must not replace that.
        if !outcome.ok { adoptedFailureWall = clock.now() }

        stateLock.lock(); cancellation = nil; stateLock.unlock()

        let own = plan
        publish { s in
            s.activity = .idle
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
            if !cancelled {
                s.lastAttemptAt = startWall
                s.lastAttemptSucceeded = outcome.ok
                s.lastError = outcome.error
                if outcome.ok { s.lastSuccessAt = startWall }
                s.consecutiveFailures = own.consecutiveFailures
            }
        }
        // The engine recorded the attempt: take the counts from the history, as `status` does.
        refreshHistory(force: true)
        if cancelled {
            engine.logger.info("Scheduled backup cancelled: the scheduler is stopping (nothing partial kept)")
            return
        }
        metricsDirty = true
        if !outcome.ok, let interval = currentInterval {
            let n = plan.consecutiveFailures
            let retry = SchedulePlanner.nextRun(plan, interval: interval, startupDelay: timing.startupDelay) - monoSeconds()
            engine.logger.warning("Scheduled backup failed (\(n) in a row); next try in \(SchedulePlanner.durationText(retry))")
        }
    }

    /// Progress from the engine, on the scheduler thread: published on each whole percent
    /// or phase change, written to the state file every couple of seconds.
    private func progress(_ p: BackupProgress) {
        let percent = Int(p.fraction * 100)
        if let last = lastProgressPublished, last.phase == p.phase, last.percent == percent { return }
        let phaseChanged = lastProgressPublished?.phase != p.phase
        lastProgressPublished = (p.phase, percent)
        let realNow = SystemClock().monotonicNanos()
        let persist = phaseChanged || Double(realNow &- lastProgressWrite) / 1e9 >= timing.progressWriteInterval
        if persist { lastProgressWrite = realNow }
        publish(persist: persist) { s in
            s.activity = .running
            s.progressPhase = p.phase.rawValue
            s.progressDone = p.done
            s.progressTotal = p.total
        }
    }

    // MARK: - Output

    /// Applies `change` to the snapshot; on a real change calls `onChange` and, for the
    /// active scheduler with `persist`, rewrites the state file.
    private func publish(persist: Bool = true, _ change: (inout SchedulerSnapshot) -> Void) {
        stateLock.lock()
        let before = current
        var next = current
        change(&next)
        next.updatedAt = before.updatedAt
        let changed = next != before
        next.updatedAt = clock.now()
        if changed { current = next }
        stateLock.unlock()
        guard changed else { return }
        if persist && lock != nil { writeStateFile(next) }
        onChange?(next)
    }

    private func writeStateFile(_ s: SchedulerSnapshot) {
        do {
            try SchedulerStateFile.write(s, to: engine.layout.schedulerStatePath)
            if stateFileProblem != nil { engine.logger.info("Scheduler state file written again") }
            stateFileProblem = nil
        } catch {
            let message = "cannot write the scheduler state file: \(BackupError(error).description)"
            if message != stateFileProblem { engine.logger.error("\(message)") }
            stateFileProblem = message
        }
    }

    private func writeMetricsIfDirty() {
        guard metricsDirty, lock != nil else { return }
        metricsDirty = false
        guard let metricsPath else { return }
        let s = snapshot
        let metrics = BackupMetrics.collect(engine: engine, snapshot: s, now: clock.now())
        do {
            try MetricsWriter.write(metrics, to: metricsPath)
            if metricsProblem != nil { engine.logger.info("Metrics written again to \(metricsPath)") }
            metricsProblem = nil
        } catch {
            let message = "cannot write metrics to \(metricsPath): \(BackupError(error).description)"
            if message != metricsProblem { engine.logger.error("\(message)") }
            metricsProblem = message
        }
    }
}
