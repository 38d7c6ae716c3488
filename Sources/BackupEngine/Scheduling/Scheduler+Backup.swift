import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One scheduled backup, its progress, and publishing the snapshot. Scheduler thread only
/// (except `publish`, whose shared part is behind `shared`).
extension Scheduler {
    // MARK: - One backup

    func runBackup() {
        let flag = CancellationFlag()
        let stopping = shared.withLock { s -> Bool in
            if s.stopRequested { return true }
            s.cancellation = flag
            return false
        }
        if stopping { return }

        let startWall = clock.now()
        let startMono = monoSeconds()
        // The engine's own start is a moment after ours: compared at whole seconds, its
        // history entry counts as this attempt.
        let startSecond = Date(timeIntervalSince1970: startWall.timeIntervalSince1970.rounded(.down))
        run.adoption.ownLastAttempt = startSecond
        run.lastProgressPublished = nil
        publish { s in
            s.activity = .running
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
        }
        run.lastProgressWrite = SystemClock().monotonicNanos()

        var succeeded = false
        var cancelled = false
        var failure: String?
        do {
            // Nobody waits for a scheduled backup: it leaves the disk to the POS's commits.
            _ = try engine.createBackup(kind: .scheduled, trigger: .scheduler, lockWait: timing.lockWait, pace: .polite,
                                        progress: { [self] p in progress(p) }, cancellation: flag)
            run.plan.lastSuccessAt = startMono
            run.plan.consecutiveFailures = 0
            run.adoption.adoptedSuccess = startSecond
            succeeded = true
        } catch BackupError.cancelled {
            cancelled = true
        } catch {
            run.plan.consecutiveFailures += 1
            run.plan.lastFailureAt = monoSeconds()
            failure = BackupError(error).description
        }
        if !cancelled { run.plan.hasAttempted = true }
        // Our own failure is timed from its end; the history's entry (its start) must not replace that.
        if !succeeded { run.adoption.adoptedFailure = clock.now() }

        shared.withLock { $0.cancellation = nil }

        let own = run.plan
        publish { s in
            s.activity = .idle
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
            if !cancelled {
                s.lastAttemptAt = startWall
                s.lastAttemptSucceeded = succeeded
                s.lastError = failure
                if succeeded { s.lastSuccessAt = startWall }
                s.consecutiveFailures = own.consecutiveFailures
            }
        }
        // The engine recorded the attempt: take the counts from the history, as `status` does.
        refreshHistory(force: true)
        if cancelled {
            engine.logger.info("Scheduled backup cancelled: the scheduler is stopping (nothing partial kept)")
            return
        }
        outputs.metricsDirty = true
        // The new backup goes off-site now, on the off-site thread.
        if succeeded { offsite.kick(engine: engine, soon: true) }
        if !succeeded, let interval = currentInterval {
            let n = run.plan.consecutiveFailures
            let retry = SchedulePlanner.nextRun(run.plan, interval: interval, startupDelay: timing.startupDelay) - monoSeconds()
            engine.logger.warning("Scheduled backup failed (\(n) in a row); next try in \(SchedulePlanner.durationText(retry))")
        }
    }

    /// Progress from the engine, on the scheduler thread: published on each whole percent
    /// or phase change, written to the state file every couple of seconds.
    func progress(_ p: BackupProgress) {
        let percent = Int(p.fraction * 100)
        if let last = run.lastProgressPublished, last.phase == p.phase, last.percent == percent { return }
        let phaseChanged = run.lastProgressPublished?.phase != p.phase
        run.lastProgressPublished = (p.phase, percent)
        let realNow = SystemClock().monotonicNanos()
        let persist = phaseChanged || Double(realNow &- run.lastProgressWrite) / 1e9 >= timing.progressWriteInterval
        if persist { run.lastProgressWrite = realNow }
        publish(persist: persist) { s in
            s.activity = .running
            s.progressPhase = p.phase.rawValue
            s.progressPolite = p.polite ? true : nil
            s.progressDone = p.done
            s.progressTotal = p.total
        }
    }

    // MARK: - Output

    /// Applies `change` to the snapshot; on a real change calls `onChange` and, for the
    /// active scheduler with `persist`, rewrites the state file.
    func publish(persist: Bool = true, _ change: (inout SchedulerSnapshot) -> Void) {
        // Only the scheduler thread (and start() before it) publishes, so reading, changing
        // and storing need no lock held across them. The state file is written before the
        // snapshot is stored: whoever sees the new snapshot can read it in the file too.
        let before = snapshot
        var next = before
        change(&next)
        next.updatedAt = before.updatedAt
        guard next != before else { return }
        next.updatedAt = clock.now()
        if persist && run.lock != nil { outputs.writeStateFile(next) }
        shared.withLock { $0.snapshot = next }
        onChange?(next)
    }

    func writeMetrics() {
        guard run.lock != nil else { return }
        outputs.writeMetrics(snapshot, now: clock.now(), monotonic: monoSeconds(), refresh: timing.metricsRefresh)
    }
}
