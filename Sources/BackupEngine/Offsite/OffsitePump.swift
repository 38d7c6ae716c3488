import Foundation

/// Runs the off-site round (`BackupEngine.runDueOffsiteWork`) on a thread of its own, so a
/// push, a check or a slow server never holds up the scheduler or a local backup: at most
/// one round at a time, at most once a minute of real time unless kicked after a backup.
/// Owner of its state: a lock. `stop()` cancels a running round (restic gets SIGTERM).
public final class OffsitePump: Sendable {
    private let state = Locked<(running: Bool, last: Date, cancellation: CancellationFlag?, again: Bool, stopped: Bool)>((false, .distantPast, nil, false, false))
    private let every: TimeInterval

    public init(every: TimeInterval = 60) { self.every = every }

    /// Starts a round when none runs and one is due (`soon`: a backup was just made).
    public func kick(engine: BackupEngine, soon: Bool = false) {
        let flag = CancellationFlag()
        let start = state.withLock { s -> Bool in
            // A backup made during a round (a long check, say) is pushed by one more round
            // right after it, not a minute later.
            if s.stopped { return false }   // the scheduler is going: no new round
            if s.running { if soon { s.again = true }; return false }
            guard soon || Date().timeIntervalSince(s.last) >= every else { return false }
            s.running = true
            s.last = Date()
            s.cancellation = flag
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in
            repeat {
                engine.offsite.runDueWork(cancellation: flag)
            } while state.withLock { s -> Bool in
                let again = s.again && !flag.isCancelled
                s.again = false
                if !again { s.running = false; s.cancellation = nil }
                return again
            }
        }
        thread.name = "mr5-backup off-site"
        thread.start()
    }

    /// Cancels a running round and waits up to `wait` seconds for it to end.
    public func stop(wait: TimeInterval = 10) {
        state.withLock { $0.stopped = true; $0.cancellation?.cancel() }
        let deadline = Date().addingTimeInterval(wait)
        while state.withLock({ $0.running }) && Date() < deadline { usleep(50_000) }
    }

    public var isRunning: Bool { state.withLock { $0.running } }
}
