import Foundation

/// One terminal of the fleet, as the repository says it is: its newest report (from a
/// push's tag or a report of its own) judged with how long it has been silent.
public struct FleetRow: Sendable, Equatable {
    public var terminal: String
    /// The fleet's verdict: the worst of what the till reported and of its silence.
    public var level: HealthLevel
    /// The one line a person reads: the till's reason, or how long it has been dark.
    public var reason: String
    /// When the till was last heard (its newest report); nil: never reported (an older
    /// till's pushes only), then its newest snapshot's time stands in.
    public var heardAt: Date?
    /// Set when it has been silent for two backup intervals: since when.
    public var darkSince: Date?
    /// Its newest push (from its push's report, else its newest backup snapshot's time).
    public var lastPushAt: Date?
    public var snapshots: Int
    /// The newest report, whole (the console's Enter, JSON `report`).
    public var report: RepositoryReport?

    public var health: TerminalHealth? { report?.health }
    public var keyID: String? { report?.health?.keyID }
}
