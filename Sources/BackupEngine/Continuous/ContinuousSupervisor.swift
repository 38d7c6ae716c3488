import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs Litestream as a child of whoever holds the scheduler (daemon or console): one per
/// data dir, because only the scheduler's holder runs it, and one a dead holder left
/// behind is stopped first. Started when continuous protection is set up, on a thread of
/// its own; started again after 1, 2, 4 ... seconds (at most a minute) when it dies; not
/// started while the database is not in WAL mode (Litestream would switch the POS's
/// database unasked), while the replica's drive is not mounted, or with a setup made on
/// another machine; stopped with the scheduler, when the setup is removed, and started
/// again when it changes.
/// Owner of its state: a lock; the state file is written only from its thread.
public final class ContinuousSupervisor: Sendable {
    private struct Shared {
        var running = false
        var stopped = false
        var cancellation: CancellationFlag?
        /// The setup the running Litestream was started with.
        var config: ContinuousConfig?
        /// A restore drill running on a thread of its own, and how to stop it.
        var drill: CancellationFlag?
    }
    private let shared = Locked(Shared())
    /// The waits after Litestream ended on its own, in seconds; injectable in tests.
    private let backoff: @Sendable (Int) -> TimeInterval

    public init(backoff: @escaping @Sendable (Int) -> TimeInterval = { min(60, pow(2, Double(max(0, $0 - 1)))) }) {
        self.backoff = backoff
    }

    /// Starts the supervising thread when continuous protection is set up and none runs;
    /// stops Litestream when the setup is gone, changed, or may not run now (its drive
    /// pulled). Called on every scheduler round.
    public func kick(engine: BackupEngine) {
        let service = engine.continuous
        let config = service.config()
        let mayRun = config.map { service.startProblem($0) == nil } ?? false
        shared.withLock { s in
            if s.running, s.config != nil, s.config != config || !mayRun { s.cancellation?.cancel() }
        }
        // Not started while it may not run (a pulled drive, a copied setup): status says why.
        guard let config, mayRun else { return }
        drillWhenDue(service)
        let flag = CancellationFlag()
        let start = shared.withLock { s -> Bool in
            guard !s.stopped, !s.running else { return false }
            s.running = true
            s.cancellation = flag
            s.config = config
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in
            supervise(service, config: config, flag: flag)
            shared.withLock { $0.running = false; $0.cancellation = nil; $0.config = nil }
            // A changed setup runs at once, not at the scheduler's next round (a no-op when
            // it was removed, may not run now, or the scheduler is stopping).
            kick(engine: service.engine)
        }
        thread.name = "mr5-backup continuous"
        thread.start()
    }

    /// The restore drill every `continuous_drill_days` (7; daily again after one that failed), while Litestream runs,
    /// on a thread of its own: a restore of a large database must not hold up the round.
    private func drillWhenDue(_ service: ContinuousService) {
        let state = service.state()
        let now = service.clock.now()
        guard state.isRunning, state.startedAt.map({ now.timeIntervalSince($0) > 60 }) ?? false else { return }
        let every = service.config()?.drillInterval ?? OffsiteSchedule.weekly
        if let last = state.lastDrill, last.at <= now,
           now.timeIntervalSince(last.at) < (last.ok ? every : min(every, OffsiteSchedule.daily)) { return }
        let flag = CancellationFlag()
        let start = shared.withLock { s -> Bool in
            guard !s.stopped, s.drill == nil else { return false }
            s.drill = flag
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in
            _ = try? service.drill(trigger: .scheduler, cancellation: flag)
            shared.withLock { $0.drill = nil }
        }
        thread.name = "mr5-backup continuous drill"
        thread.start()
    }

    /// Stops Litestream (SIGTERM: it finishes its sync) and waits up to `wait` seconds.
    public func stop(wait: TimeInterval = 10) {
        shared.withLock { $0.stopped = true; $0.cancellation?.cancel(); $0.drill?.cancel() }
        let deadline = Date().addingTimeInterval(wait)
        while shared.withLock({ $0.running || $0.drill != nil }) && Date() < deadline { usleep(50_000) }
    }

    public var isRunning: Bool { shared.withLock { $0.running } }

    /// How often a remote replica's files are listed while Litestream runs.
    static let listEvery: TimeInterval = 30

    private func supervise(_ service: ContinuousService, config: ContinuousConfig, flag: CancellationFlag) {
        var failures = 0
        var lastSaid: String?
        stopOrphan(service)
        // Watched every 2 s while Litestream runs: a setup removed or changed (off, a new
        // window, a new replica) or a drive pulled stops it now, not at the next round.
        // A remote replica's files are listed every 30 s (its last sync and window; a
        // folder's are read directly when asked).
        let remote = config.address?.isFolder == false
        // Its listing child stops with Litestream (the same flag), and supervise waits for it.
        let watching = Locked(true)
        defer {
            let deadline = Date().addingTimeInterval(10)
            while watching.withLock({ $0 }) && Date() < deadline { usleep(50_000) }
        }
        let watcher = Thread {
            var listed = Date.distantPast
            while !flag.isCancelled {
                if service.config() != config || service.startProblem(config) != nil { flag.cancel(); break }
                if remote, Date().timeIntervalSince(listed) >= Self.listEvery {
                    listed = Date()
                    try? service.listReplica(config, cancellation: flag)
                }
                Thread.sleep(forTimeInterval: 2)
            }
            watching.withLock { $0 = false }
        }
        watcher.name = "mr5-backup continuous watch"
        watcher.start()
        // Its log is kept short: the one before is kept as `.1`.
        if let size = FileSystem.info(service.paths.log)?.size, size > 4 << 20 {
            _ = rename(service.paths.log, service.paths.log + ".1")
        }
        while !flag.isCancelled, service.config() == config {
            let problem: String
            var ranFor: TimeInterval = 0
            do {
                if let why = service.startProblem(config) { throw BackupError.continuousFailed(action: "start", reason: why, detail: nil) }
                // A killed restore, or the POS, may have left the database in rollback mode:
                // Litestream would switch it to WAL by itself.
                guard let isWAL = service.databaseIsWAL() else {
                    throw BackupError.continuousFailed(action: "start", reason: "cannot read the database's journal mode now", detail: nil)
                }
                guard isWAL else { throw BackupError.continuousNeedsWAL(path: service.layout.databasePath) }
                let litestream = try service.litestream(config, cancellation: flag)
                let logStart = FileSystem.info(service.paths.log)?.size ?? 0
                var program = litestream.replicate(log: service.paths.log)
                program.onStart = { pid in
                    service.writeState { s in
                        s.pid = pid
                        s.startedAt = service.clock.now()
                        s.retryAfter = nil
                    }
                    service.logger.info("Continuous protection: Litestream started (pid \(pid)), replicating to \(config.replicaPath)")
                }
                let started = Date()
                let result = try program.run()
                ranFor = Date().timeIntervalSince(started)
                service.writeState { $0.pid = nil }
                // Stopped by us, or by `continuous off` (its setup gone): no failure.
                if result.cancelled || flag.isCancelled || service.config() != config { return }
                problem = Self.lastWords(in: service.paths.log, from: logStart) ?? "Litestream exited with status \(result.status)"
            } catch BackupError.cancelled {
                return
            } catch {
                problem = BackupError(error).description
            }
            // A Litestream that ran well for a while starts the waits again from a second.
            failures = ranFor > 600 ? 1 : failures + 1
            let wait = backoff(failures)
            let now = service.clock.now()
            service.writeState { s in
                s.restarts += 1
                s.lastExitAt = now
                s.lastProblem = problem
                s.retryAfter = now.addingTimeInterval(wait)
            }
            // Said once while it stays the same (a database left in rollback mode).
            if problem != lastSaid {
                service.logger.error("Continuous protection: Litestream is not running: \(problem); trying again in \(Int(wait)) s")
                lastSaid = problem
            }
            let until = Date().addingTimeInterval(wait)
            while Date() < until && !flag.isCancelled { usleep(100_000) }
        }
    }

    /// A Litestream for this data dir that a dead holder left running (it runs in a
    /// session of its own): stopped before ours starts, so one replicates at a time.
    private func stopOrphan(_ service: ContinuousService) {
        let state = service.state()
        guard state.isRunning, let pid = state.pid, ContinuousService.isLitestream(pid, config: service.paths.litestreamConfig) else { return }
        service.logger.warning("Continuous protection: stopping the Litestream (pid \(pid)) an earlier scheduler left running")
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while kill(pid, 0) == 0 && Date() < deadline { usleep(100_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        service.writeState { $0.pid = nil }
    }

    /// The last thing Litestream said in its log since `offset` (this run's words only;
    /// at most its last 16 KiB are read).
    static func lastWords(in log: String, from offset: Int64) -> String? {
        guard let info = FileSystem.info(log), info.size > offset, let data = FileSystem.readFile(log) else { return nil }
        let run = data.suffix(from: min(data.count, Int(offset)))
        return Litestream.lastWords(String(decoding: run.suffix(16_384), as: UTF8.self))
    }
}
