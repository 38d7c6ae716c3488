import BackupEngine
import CNCurses
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The token of the restore dialog on screen, shared with the previewer queue.
private final class WantedPreview: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int?
    var token: Int? {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}

/// The controller: owns the state and the terminal on the UI thread, runs engine work on
/// background queues, and turns their reports (through the inbox) into state changes.
///
/// Threads: `run()` is the UI thread and the only one touching `state` and `terminal`.
/// `operations` runs one engine operation at a time; `refresher` re-reads the folders.
/// They talk back only through `inbox`.
final class ConsoleApp {
    private let engine: BackupEngine
    private let terminal: CursesTerminal
    private let options: ConsoleOptions
    private let inbox = ConsoleInbox()
    private let operations = DispatchQueue(label: "mr5-backup.console.operations")
    private let refresher = DispatchQueue(label: "mr5-backup.console.refresh")
    /// The restore dialog's comparisons and the undo key's look-up: reads only, off the
    /// operations queue so a slow count never holds up a backup.
    private let previewer = DispatchQueue(label: "mr5-backup.console.preview")
    /// The off-site view's listing: restic may wait on a slow or unreachable server, so
    /// it holds up neither the comparisons nor the operations.
    private let remote = DispatchQueue(label: "mr5-backup.console.offsite")
    /// The fleet view's reads (one restic listing of the whole repository, up to minutes on
    /// a slow link): a queue of their own, so they hold up nothing else. The state asks for
    /// one read at a time.
    private let fleetReader = DispatchQueue(label: "mr5-backup.console.fleet")
    /// The restore dialog open now (its token), so a comparison queued for a dialog closed
    /// since is skipped rather than counted (one already counting runs to its end).
    private let wantedPreview = WantedPreview()
    private var scheduler: Scheduler?
    /// Left when `scheduler` has started (its lock taken, its history read): the first
    /// refresh waits for it before judging health by the scheduler's state.
    private let schedulerStart = DispatchGroup()
    /// Set on the UI thread when the scheduler's start has finished; before that its
    /// snapshot says "stopped", which is not true, so it is not shown.
    private var schedulerReady = false
    /// The data dir's active scheduler (a daemon) as the last refresh read it, shown while
    /// this console's own could not start (a data dir it cannot write).
    private var followed: SchedulerSnapshot?
    private var state: ConsoleState
    private var cancellation = CancellationFlag()
    private var refreshInFlight = false
    private var lastRefreshMono: UInt64 = 0
    private var exitCode: Int32 = 0
    private var signalSources: [DispatchSourceSignal] = []

    init(engine: BackupEngine, terminal: CursesTerminal, options: ConsoleOptions) {
        self.engine = engine
        self.terminal = terminal
        self.options = options
        let size = terminal.size
        state = ConsoleState(capabilities: terminal.capabilities, width: size.width, height: size.height,
                             now: Self.wholeSecond(engine.clock.now()))
    }

    /// Runs until quit; returns the exit code. The terminal is closed on every path out.
    func run() -> Int32 {
        installSignalHandlers()
        defer {
            terminal.close()
            for source in signalSources { source.cancel() }
            // A quit during the start: let it finish, so the stop below waits for its
            // thread and the state file says "stopped" before the process ends.
            _ = schedulerStart.wait(timeout: .now() + 10)
            scheduler?.stop()
        }
        if options.runScheduler {
            let inbox = self.inbox
            let s = Scheduler(engine: engine, clock: engine.clock, metricsPath: options.metricsPath ?? engine.layout.defaultMetricsPath) { _ in
                inbox.post(.schedulerChanged)
            }
            scheduler = s
            state.schedulerStartBegan()
            // Its start reads the whole history (10,000 lines take a tenth of a second
            // here): off this thread, side by side with the first refresh. Posted before
            // the group is left, so the refresh it releases never arrives first.
            schedulerStart.enter()
            DispatchQueue.global(qos: .userInitiated).async { [schedulerStart] in
                s.start()
                inbox.post(.schedulerStarted)
                schedulerStart.leave()
            }
        }
        requestRefresh()
        var drawn: ConsoleState?
        // The first frame waits for the first refresh (a frame before it would say "No
        // backups yet"), unless that takes longer than a second.
        let firstFrameDeadline = engine.clock.monotonicNanos() &+ 1_000_000_000
        while !state.finished {
            for message in inbox.drain() { handle(message) }
            if state.finished { break }
            if let snapshot = schedulerSnapshot { state.schedulerUpdated(snapshot) }
            state.tick(now: Self.wholeSecond(engine.clock.now()), monotonicNanos: engine.clock.monotonicNanos())
            perform(state.readFleetIfDue())
            let loaded = state.health != nil || state.monotonicNanos >= firstFrameDeadline
            // Draw only when something on screen may differ (the state includes the second).
            if loaded && drawn != state {
                terminal.draw(ScreenRenderer.render(state, width: state.width, height: state.height))
                drawn = state
            }
            if let event = terminal.read(timeoutMs: waitMilliseconds()) { handle(event) }
            if engine.clock.monotonicNanos() &- lastRefreshMono >= UInt64(options.refreshSeconds * 1e9) { requestRefresh() }
        }
        return exitCode
    }

    /// Short waits while something moves on screen; otherwise sleep until the next second.
    private func waitMilliseconds() -> Int32 {
        // Until the first refresh is in, look for it often: it is the first frame.
        if state.health == nil { return 10 }
        if state.operation != nil || state.scheduler?.activity == .running || refreshInFlight { return 100 }
        let t = engine.clock.now().timeIntervalSince1970
        let toNextSecond = Int32((ceil(t + 0.0005) - t) * 1000) + 5
        return max(20, min(1000, toNextSecond))
    }

    static func wholeSecond(_ d: Date) -> Date { Date(timeIntervalSince1970: floor(d.timeIntervalSince1970)) }

    // MARK: - Events

    private func handle(_ event: TerminalEvent) {
        switch event {
        case .resize(let w, let h):
            _ = state.apply(.resize(width: w, height: h))
        case .interrupt:
            interrupted(SIGINT)
        case .key(let key):
            perform(state.apply(KeyMap.action(for: key, in: state)))
            wantedPreview.token = state.restoreDetails?.token
        }
    }

    private func handle(_ message: InboxMessage) {
        switch message {
        case .progress(let p):
            state.operationProgressed(p)
        case .finished(let outcome):
            perform(state.operationFinished(outcome))
        case .refreshed(let data):
            refreshInFlight = false
            followed = data.followedScheduler
            if let snapshot = schedulerSnapshot { state.schedulerUpdated(snapshot) }
            state.apply(data)
        case .preview(let token, let preview, let done):
            state.previewArrived(token: token, preview, done: done)
        case .previewFailed(let token, let message):
            state.previewFailed(token: token, message)
        case .undoFound(let name):
            perform(state.undoFound(name))
        case .snapshots(let token, let list):
            state.snapshotsArrived(token: token, list)
        case .snapshotsFailed(let token, let message):
            state.snapshotsFailed(token: token, message)
        case .fleet(let fleet):
            state.fleetArrived(fleet)
        case .fleetFailed(let message):
            state.fleetFailed(message)
        case .schedulerStarted:
            schedulerReady = true
            state.schedulerUpdated(schedulerSnapshot, started: true)
        case .schedulerChanged:
            if scheduler != nil && schedulerReady {
                let before = state.scheduler
                state.schedulerUpdated(schedulerSnapshot)
                // A scheduled backup finished or failed: show it in the list and health now.
                if before?.activity == .running && state.scheduler?.activity != .running { requestRefresh() }
                if before?.consecutiveFailures != state.scheduler?.consecutiveFailures { requestRefresh() }
            }
        case .signal(let sig):
            interrupted(sig)
        }
    }

    /// Ctrl-C, SIGTERM, SIGHUP: stop a running operation at its next step, then leave.
    private func interrupted(_ sig: Int32) {
        exitCode = 128 + sig
        cancellation.cancel()
        // A second signal while waiting leaves at once; the engine cleans up on its next start.
        state.interrupted()
    }

    private func installSignalHandlers() {
        let inbox = self.inbox
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            mr5_ignore_signal(sig)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { inbox.post(.signal(sig)) }
            source.resume()
            signalSources.append(source)
        }
    }

    // MARK: - Effects

    private func perform(_ effects: [ConsoleEffect]) {
        for effect in effects {
            switch effect {
            case .quit: state.finish()
            case .refresh: requestRefresh(force: true)
            case .wakeScheduler:
                // The scheduler thread recomputes the next run from the history and posts
                // `.schedulerChanged`; take its snapshot now too so this frame is not stale.
                if let s = scheduler {
                    s.settingsChanged()
                    state.schedulerUpdated(schedulerSnapshot)
                }
            case .cancelOperation: cancellation.cancel()
            case .create:
                runOperation(title: "Backup failed") { engine, progress, cancel in
                    .created(try engine.createBackup(kind: .manual, trigger: .console, progress: progress, cancellation: cancel))
                }
            case .verify(let name, let full):
                runOperation(title: "Verification failed") { engine, progress, _ in
                    .verified(try engine.verify(name: name, full: full, trigger: .console, progress: progress), engine: engine)
                }
            case .restore(let name):
                runOperation(title: "Restore failed") { engine, progress, _ in
                    .restored(name, try engine.restore(name: name, trigger: .console, progress: progress))
                }
            case .previewRestore(let name, let token):
                let engine = self.engine, inbox = self.inbox, wanted = wantedPreview
                wanted.token = token
                previewer.async {
                    guard wanted.token == token else { return }
                    do {
                        let preview = try engine.restorePreview(name: name) { inbox.post(.preview(token: token, $0, done: false)) }
                        inbox.post(.preview(token: token, preview, done: true))
                    } catch {
                        inbox.post(.previewFailed(token: token, BackupError(error).description))
                    }
                }
            case .findUndo:
                let engine = self.engine, inbox = self.inbox
                previewer.async { inbox.post(.undoFound(engine.lastSavedCopy()?.name)) }
            case .testAlerts:
                // Each HTTP delivery may take up to 10 s: never on the UI thread.
                runOperation(title: "Alert test failed") { engine, _, _ in
                    _ = engine.notifier.queueTest()
                    return .alertTest(engine.notifier.deliverPending(trigger: .console))
                }
            case .delete(let name, let force):
                runOperation(title: "Delete failed") { engine, _, _ in
                    _ = try engine.delete(name: name, force: force, trigger: .console)
                    return .deleted(name)
                }
            case .prune:
                runOperation(title: "Prune failed") { engine, _, _ in
                    let policy = engine.retentionPolicy()
                    return .success(OperationOutcome.message(ofPrune: try engine.prune(policy: policy, trigger: .console), policy: policy))
                }
            case .loadSnapshots(let token):
                let engine = self.engine, inbox = self.inbox
                remote.async {
                    do {
                        inbox.post(.snapshots(token: token, try engine.offsite.snapshots()))
                    } catch {
                        inbox.post(.snapshotsFailed(token: token, BackupError(error).description))
                    }
                }
            case .readFleet:
                let engine = self.engine, inbox = self.inbox
                fleetReader.async {
                    do {
                        inbox.post(.fleet(try engine.offsite.fleet()))
                    } catch {
                        inbox.post(.fleetFailed(BackupError(error).description))
                    }
                }
            case .fetchSnapshot(let snapshot):
                runOperation(title: "Off-site fetch failed") { engine, _, cancel in
                    .fetched(try engine.offsite.fetch(snapshot, trigger: .console, cancellation: cancel), snapshot: snapshot.shortID)
                }
            case .fetchMoment(let moment):
                runOperation(title: "Could not fetch the moment") { engine, _, cancel in
                    .momentFetched(try engine.continuous.keepMoment(at: moment, trigger: .console, cancellation: cancel).entry)
                }
            case .setFrequency(let text):
                let scheduler = self.scheduler
                runOperation(title: "Could not change the frequency") { engine, _, _ in
                    let value = try engine.setFrequency(text, trigger: .console)
                    scheduler?.settingsChanged()
                    return .frequencySet(value)
                }
            }
        }
    }

    /// This console's scheduler, or, while it is stopped (it could not start), the one it follows.
    private var schedulerSnapshot: SchedulerSnapshot? {
        if scheduler != nil && !schedulerReady { return nil }
        guard let own = scheduler?.snapshot, own.activity != .stopped else { return followed ?? scheduler?.snapshot }
        return own
    }

    /// Runs one engine call off the UI thread; progress and the outcome come back through the inbox.
    private func runOperation(title: String,
                              _ work: @escaping @Sendable (BackupEngine, @escaping ProgressHandler, CancellationFlag) throws -> OperationOutcome) {
        let engine = self.engine
        let inbox = self.inbox
        let flag = CancellationFlag()
        cancellation = flag
        operations.async {
            let outcome: OperationOutcome
            do {
                outcome = try work(engine, { inbox.post(.progress($0)) }, flag)
            } catch let e as BackupError {
                outcome = .failure(title: title, message: e.description)
            } catch {
                outcome = .failure(title: title, message: "\(error)")
            }
            inbox.post(.finished(outcome))
        }
    }

    /// Re-reads the folders, history and database info in the background (one at a time).
    private func requestRefresh(force: Bool = false) {
        lastRefreshMono = engine.clock.monotonicNanos()
        if refreshInFlight && !force { return }
        refreshInFlight = true
        let engine = self.engine
        let inbox = self.inbox
        let scheduler = self.scheduler
        let started = schedulerStart
        refresher.async {
            inbox.post(.refreshed(Self.read(engine: engine) {
                started.wait()
                return scheduler?.snapshot
            }))
        }
    }
}
