import BackupEngine
import Foundation

/// What the controller tells the state, as reducer steps like the keys' (the controller
/// never sets a field itself): the clock's tick, the scheduler's snapshot, a signal, the end.
extension ConsoleState {
    /// The clock, once per loop: the second on screen and the monotonic time for timeouts.
    mutating func tick(now: Date, monotonicNanos: UInt64) {
        self.now = now
        self.monotonicNanos = monotonicNanos
    }

    /// This console's scheduler is starting (its start reads the whole history).
    mutating func schedulerStartBegan() { schedulerStarting = true }

    /// The scheduler's state now (nil: none of our own); `started` once its start is done.
    mutating func schedulerUpdated(_ snapshot: SchedulerSnapshot?, started: Bool = false) {
        if started { schedulerStarting = false }
        scheduler = snapshot
    }

    /// Ctrl-C, SIGTERM, SIGHUP: with an operation running, wait for it to stop at its next
    /// step and say so; otherwise (or at a second signal) leave at once.
    mutating func interrupted() {
        if operation == nil || quitting {
            finished = true
        } else {
            quitting = true
            dialog = nil
            flash = "Stopping: waiting for the running operation to end..."
        }
    }

    /// The console ends after this frame.
    mutating func finish() { finished = true }
}
