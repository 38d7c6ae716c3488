import Foundation

/// Delivery beside the work: a round of the outbox on a thread of its own, so that a
/// receiver that never answers costs a backup nothing. A command that ends waits for it a
/// few seconds at most (`waitForRounds`) and leaves the rest in the outbox for the next
/// round (the scheduler's, or the next command's); an item cut off mid-send may then be
/// sent twice, never lost.
///
/// Owner of its state: a lock; process-wide (one round at a time in a process; across
/// processes the outbox's delivery lock decides).
public enum NotificationRound {
    private static let state = Locked<(running: Bool, again: Bool)>((false, false))
    private static let group = DispatchGroup()

    /// Starts a round, or asks the running one for another when it ends.
    public static func start(_ engine: BackupEngine, trigger: Trigger) {
        let begin = state.withLock { s -> Bool in
            if s.running { s.again = true; return false }
            s.running = true
            return true
        }
        guard begin else { return }
        group.enter()
        let thread = Thread {
            repeat {
                engine.notifier.deliverPending(trigger: trigger)
            } while state.withLock { s -> Bool in
                if s.again { s.again = false; return true }
                s.running = false
                return false
            }
            group.leave()
        }
        thread.name = "mr5-backup delivery"
        thread.start()
    }

    /// Waits for the running round up to `seconds`; true when it ended.
    @discardableResult
    public static func waitForRounds(upTo seconds: TimeInterval) -> Bool {
        group.wait(timeout: .now() + seconds) == .success
    }
}
