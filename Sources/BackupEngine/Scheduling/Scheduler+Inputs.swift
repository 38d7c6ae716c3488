import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the scheduler reads each tick: the frequency setting and the history. Scheduler thread only.
extension Scheduler {
    // MARK: - Inputs

    func refreshSettings(force: Bool) {
        let now = monoSeconds()
        let dirty = shared.withLock { s -> Bool in
            defer { s.settingsDirty = false }
            return s.settingsDirty
        }
        guard force || dirty || now - run.lastSettingsRead >= timing.settingsPoll else { return }
        run.lastSettingsRead = now
        engine.keepSettingsForLockedReads()
        do {
            let value = try engine.frequency()
            if run.frequencyProblem != nil { engine.logger.info("backup_frequency is readable again: \(value.settingValue)") }
            run.frequencyProblem = nil
            if value != run.frequency {
                if !force { engine.logger.info("Backup frequency changed to \(value.settingValue)") }
                run.frequency = value
                outputs.metricsDirty = true
            }
        } catch {
            let message = "cannot read backup_frequency: \(BackupError(error).description); keeping \(run.frequency.settingValue)"
            if message != run.frequencyProblem { engine.logger.warning("\(message)") }
            run.frequencyProblem = message
        }
        let interval = currentInterval
        publish { s in
            s.frequency = self.timing.fixedInterval != nil ? "\(interval ?? 0)s" : self.run.frequency.settingValue
            s.intervalSeconds = interval.map { Int($0) }
        }
    }

    /// Reads the history when the file changed: adopts a success or failure made by
    /// another process (a manual backup), and takes the failure count from it so the
    /// scheduler and `status` agree.
    func refreshHistory(force: Bool) {
        let path = engine.historyLog.path
        var st = stat()
        let stamp: [Int64] = stat(path, &st) == 0
            ? [Int64(st.st_size), Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec), Int64(st.st_ino)] : []
        guard force || stamp != run.historyStamp else { return }
        run.historyStamp = stamp
        let summary = BackupHistorySummary(history: engine.history())
        var plan = run.plan
        let current = run.adoption.adopt(summary, into: &plan, nowWall: clock.now(), nowMono: monoSeconds())
        run.plan = plan
        guard current else { return }
        publish { s in
            s.lastAttemptAt = summary.lastAttemptAt
            s.lastAttemptSucceeded = summary.lastAttemptSucceeded
            s.lastError = summary.lastError
            s.lastSuccessAt = summary.lastSuccessAt
            s.consecutiveFailures = summary.consecutiveFailures
        }
    }
}
