import Foundation

/// A deadline for a whole command that a monitoring agent runs under its own time limit
/// (`status --timeout`): past it, the command prints its own one-line answer saying what
/// it was still waiting for, and exits, instead of being killed with nothing said.
///
/// Owner of its state: an internal lock. The command claims the output before it prints;
/// the deadline prints only if it claims it first, so the two never mix on stdout.
final class CommandDeadline: @unchecked Sendable {
    private let lock = NSLock()
    private var step = "the data dir"
    private var claimed = false

    /// Starts counting; `expired` gets what was being read and must not return.
    init(seconds: Int, expired: @escaping @Sendable (_ waitingFor: String) -> Never) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds)) { [self] in
            guard let waitingFor = claim() else { return }
            expired(waitingFor)
        }
    }

    /// What is being read now.
    func at(_ step: String) {
        lock.lock()
        self.step = step
        lock.unlock()
    }

    /// The command's right to print; false when the deadline already spoke (the process
    /// is exiting: the caller waits for that).
    func claimOutput() -> Bool { claim() != nil }

    private func claim() -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard !claimed else { return nil }
        claimed = true
        return step
    }
}
