import Foundation

/// When a look at the live database last found the POS holding its lock. The looks that
/// are not the work itself (its state, a setting) then answer "locked" at once for two
/// seconds instead of each waiting again: a command that reads five settings and checks
/// the state twice waits once, not seven times.
///
/// Owner: this type, process-wide (the looks come from any thread of the console or the
/// daemon); a lock on the state.
enum RecentLock {
    private static let seen = Locked<(path: String, at: UInt64)?>(nil)
    static let memory: UInt64 = 2_000_000_000

    static func note(_ path: String) {
        seen.withLock { $0 = (path, DispatchTime.now().uptimeNanoseconds) }
    }

    static func isRecent(_ path: String) -> Bool {
        seen.withLock { seen in
            guard let seen, seen.path == path else { return false }
            return DispatchTime.now().uptimeNanoseconds &- seen.at < memory
        }
    }
}
