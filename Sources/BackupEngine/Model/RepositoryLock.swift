import Foundation

/// A lock in a restic repository, as a person needs it said: who holds it (the terminal,
/// the pid), since when, and whether it is an exclusive one (a prune, a check).
public struct RepositoryLock: Sendable, Equatable, Codable {
    public var host: String
    public var pid: Int32
    public var createdAt: Date
    public var exclusive: Bool

    public init(host: String, pid: Int32, createdAt: Date, exclusive: Bool) {
        self.host = host; self.pid = pid; self.createdAt = createdAt; self.exclusive = exclusive
    }

    /// `till-9 (pid 1218) since 18:37, 30 min ago`.
    public func holder(now: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = now.timeIntervalSince(createdAt) < 20 * 3600 ? "HH:mm" : "yyyy-MM-dd HH:mm"
        let minutes = max(0, Int(now.timeIntervalSince(createdAt) / 60))
        let age = minutes < 1 ? "just now" : minutes < 120 ? "\(minutes) min ago" : "\(minutes / 60) h ago"
        return "\(host) (pid \(pid)) since \(f.string(from: createdAt)), \(age)"
    }

    /// restic 0.14 takes another host's lock for live for 30 minutes, whatever its pid.
    public static let otherHostStaleAfter: TimeInterval = 30 * 60
}
