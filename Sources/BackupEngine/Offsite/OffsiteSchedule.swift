import Foundation

/// When each piece of off-site work is due. Pure, so the rules are tested with any clock.
public enum OffsiteSchedule {
    public enum Task: String, Sendable { case push, prune, stats, check, drill }

    public static let daily: TimeInterval = 86_400
    public static let weekly: TimeInterval = 7 * 86_400

    /// `tillPrunes`: false when pruning is the admin's (`offsite_prune admin`): the daily
    /// round then only refreshes the size.
    public static func due(state: OffsiteState, pending: Bool, now: Date, tillPrunes: Bool = true) -> [Task] {
        var tasks: [Task] = []
        if pending, state.retryAfter.map({ now >= $0 }) ?? true { tasks.append(.push) }
        // Nothing to keep, check or drill before the first push.
        guard state.lastPushAt != nil else { return tasks }
        if tillPrunes, state.lastForgetAt.map({ now.timeIntervalSince($0) >= daily || $0 > now }) ?? true {
            tasks.append(.prune)
        } else if state.statsAt.map({ now.timeIntervalSince($0) >= daily || $0 > now }) ?? true {
            tasks.append(.stats)
        }
        if state.lastCheck.map({ isDue($0, state: state, now: now) }) ?? true { tasks.append(.check) }
        if state.lastDrill.map({ isDue($0, state: state, now: now) }) ?? true { tasks.append(.drill) }
        return tasks
    }

    /// A check or drill is due weekly, daily after one that failed, and at once after one
    /// that could not reach the repository when it is back (a push has worked since); a
    /// lock or a time limit is only tried again the next day.
    static func isDue(_ last: OffsiteState.Outcome, state: OffsiteState, now: Date) -> Bool {
        if now.timeIntervalSince(last.at) >= weekly || last.at > now { return true }
        guard !last.ok else { return false }
        if now.timeIntervalSince(last.at) >= daily { return true }
        return last.couldNotReach == true && (state.lastPushAt.map { $0 > last.at } ?? false)
    }
}
