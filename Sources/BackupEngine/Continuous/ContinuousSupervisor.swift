import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs Litestream as a child of whoever holds the scheduler (daemon or console): one per
/// data dir, because only the scheduler's holder runs it. Started when continuous
/// protection is set up, on a thread of its own; started again after 1, 2, 4 ... seconds
/// (at most a minute) when it dies; never started while the database is not in WAL mode
/// (Litestream would switch the POS's database unasked); stopped with the scheduler, or
/// when the setup is removed.
/// Owner of its state: a lock; the state file is written only from its thread.
public final class ContinuousSupervisor: Sendable {
    private let state = Locked<(running: Bool, stopped: Bool, cancellation: CancellationFlag?)>((false, false, nil))
    /// The waits after Litestream ended on its own, in seconds; injectable in tests.
    private let backoff: @Sendable (Int) -> TimeInterval

    public init(backoff: @escaping @Sendable (Int) -> TimeInterval = { min(60, pow(2, Double(max(0, $0 - 1)))) }) {
        self.backoff = backoff
    }

    /// Starts the supervising thread when continuous protection is set up and none runs;
    /// stops Litestream when the setup is gone. Called on every scheduler round.
    public func kick(engine: BackupEngine) {
        let service = engine.continuous
        let configured = service.config() != nil
        if !configured {
            state.withLock { $0.cancellation?.cancel() }
            return
        }
        let flag = CancellationFlag()
        let start = state.withLock { s -> Bool in
            guard !s.stopped, !s.running else { return false }
            s.running = true
            s.cancellation = flag
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in
            supervise(service, flag: flag)
            state.withLock { $0.running = false; $0.cancellation = nil }
        }
        thread.name = "mr5-backup continuous"
        thread.start()
    }

    /// Stops Litestream (SIGTERM: it finishes its sync) and waits up to `wait` seconds.
    public func stop(wait: TimeInterval = 10) {
        state.withLock { $0.stopped = true; $0.cancellation?.cancel() }
        let deadline = Date().addingTimeInterval(wait)
        while state.withLock({ $0.running }) && Date() < deadline { usleep(50_000) }
    }

    public var isRunning: Bool { state.withLock { $0.running } }

    private func supervise(_ service: ContinuousService, flag: CancellationFlag) {
        var failures = 0
        while !flag.isCancelled, let config = service.config() {
            let problem: String
            do {
                // A killed restore, or the POS, may have left the database in rollback mode:
                // Litestream would switch it to WAL by itself.
                guard service.databaseIsWAL() else { throw BackupError.continuousNeedsWAL(path: service.layout.databasePath) }
                let litestream = try service.litestream(config, cancellation: flag)
                var program = litestream.replicate(log: service.paths.log)
                program.onStart = { pid in
                    service.writeState { s in
                        s.pid = pid
                        s.startedAt = service.clock.now()
                        s.retryAfter = nil
                    }
                    service.logger.info("Continuous protection: Litestream started (pid \(pid)), replicating to \(config.replicaPath)")
                }
                let result = try program.run()
                service.writeState { $0.pid = nil }
                if result.cancelled || flag.isCancelled { return }
                problem = Self.lastWords(in: service.paths.log) ?? "Litestream exited with status \(result.status)"
            } catch BackupError.cancelled {
                return
            } catch {
                problem = BackupError(error).description
            }
            failures += 1
            let wait = backoff(failures)
            let now = service.clock.now()
            service.writeState { s in
                s.restarts += 1
                s.lastExitAt = now
                s.lastProblem = problem
                s.retryAfter = now.addingTimeInterval(wait)
            }
            service.logger.error("Continuous protection: Litestream stopped: \(problem); starting it again in \(Int(wait)) s")
            let until = Date().addingTimeInterval(wait)
            while Date() < until && !flag.isCancelled { usleep(100_000) }
        }
    }

    /// The last thing Litestream said in its log (its tail only is read).
    static func lastWords(in log: String) -> String? {
        guard let info = FileSystem.info(log), info.size > 0, let data = FileSystem.readFile(log) else { return nil }
        return Litestream.lastWords(String(decoding: data.suffix(16_384), as: UTF8.self))
    }
}
