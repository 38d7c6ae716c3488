import Foundation

/// The data dir's locks, each guarding one thing, and the one way to take any of them
/// (its folder made 0700 first when missing). Every holder is a `FileLock`: an exclusive
/// `flock` the kernel drops when the holder dies.
public enum DataDirLock: Sendable {
    /// One backup operation at a time (create, verify, restore, delete, prune; a push for
    /// the moment it writes a backup's metadata).
    case operation
    /// The one active scheduler.
    case scheduler
    /// One restic at a time from this data dir.
    case offsite
    /// The off-site state file's read-change-write.
    case offsiteState
    /// The notification outbox and memory's read-change-write.
    case notify
    /// One delivery round at a time.
    case notifyDelivery

    public func path(_ layout: DataLayout) -> String {
        switch self {
        case .operation: return layout.operationLockPath
        case .scheduler: return layout.schedulerLockPath
        case .offsite: return OffsitePaths(layout: layout).lock
        case .offsiteState: return OffsitePaths(layout: layout).directory + "/.state.lock"
        case .notify: return layout.notifyLockPath
        case .notifyDelivery: return layout.logsDir + "/.notify-deliver.lock"
        }
    }

    /// Takes the lock for `operation` (said to a refused caller), waiting up to `wait` seconds.
    public func take(_ layout: DataLayout, for operation: String, now: Date, wait: TimeInterval = 0) throws -> FileLock {
        let path = path(layout)
        let folder = FileSystem.parent(of: path)
        if !FileSystem.isDirectory(folder) { try FileSystem.makeDirectory(folder, mode: 0o700) }
        return try FileLock(path: path, operation: operation, now: now, wait: wait)
    }

    /// Runs `body` holding the lock.
    public func holding<T>(_ layout: DataLayout, for operation: String, now: Date, wait: TimeInterval = 0,
                           _ body: () throws -> T) throws -> T {
        let lock = try take(layout, for: operation, now: now, wait: wait)
        defer { lock.release() }
        return try body()
    }
}
