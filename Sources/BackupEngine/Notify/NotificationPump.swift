import Foundation

/// Runs the notifier's periodic work (conditions such as an overdue backup, then delivery
/// of the outbox) on a thread of its own, at most one round at a time and at most once
/// every `every` seconds of real time. Owner of its state: a lock.
public final class NotificationPump: Sendable {
    private let state = Locked<(running: Bool, last: Date)>((false, .distantPast))
    private let every: TimeInterval

    public init(every: TimeInterval = 30) { self.every = every }

    public func kick(engine: BackupEngine) {
        let start = state.withLock { s -> Bool in
            guard !s.running, Date().timeIntervalSince(s.last) >= every else { return false }
            s.running = true
            s.last = Date()
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in
            let notifier = engine.notifier
            if !notifier.targets().isEmpty {
                notifier.evaluateConditions()
                notifier.deliverPending()
            }
            state.withLock { $0.running = false }
        }
        thread.name = "mr5-backup notifications"
        thread.start()
    }
}
