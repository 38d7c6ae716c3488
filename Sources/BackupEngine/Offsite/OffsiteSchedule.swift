import Foundation

/// When each piece of off-site work is due. Pure, so the rules are tested with any clock.
public enum OffsiteSchedule {
    public enum Task: String, Sendable { case push, prune, stats, check, drill }

    public static let daily: TimeInterval = 86_400
    public static let weekly: TimeInterval = 7 * 86_400

    public static func due(state: OffsiteState, pending: Bool, now: Date) -> [Task] {
        var tasks: [Task] = []
        if pending, state.retryAfter.map({ now >= $0 }) ?? true { tasks.append(.push) }
        // Nothing to keep, check or drill before the first push.
        guard state.lastPushAt != nil else { return tasks }
        if state.lastForgetAt.map({ now.timeIntervalSince($0) >= daily || $0 > now }) ?? true {
            tasks.append(.prune)
        } else if state.statsAt.map({ now.timeIntervalSince($0) >= daily || $0 > now }) ?? true {
            tasks.append(.stats)
        }
        if state.lastCheck.map({ now.timeIntervalSince($0.at) >= weekly || $0.at > now || !$0.ok && now.timeIntervalSince($0.at) >= daily }) ?? true {
            tasks.append(.check)
        }
        if state.lastDrill.map({ now.timeIntervalSince($0.at) >= weekly || $0.at > now || !$0.ok && now.timeIntervalSince($0.at) >= daily }) ?? true {
            tasks.append(.drill)
        }
        return tasks
    }
}
