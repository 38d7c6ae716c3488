import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a file in the backups folder: one backup operation at a time
/// per data dir, across threads (each holder opens its own descriptor) and processes.
/// The holder writes who it is into the file so a refused caller can say who is busy.
/// The kernel drops the lock when the holder dies, so a killed process never leaves it stuck.
public final class FileLock: @unchecked Sendable {
    private var fd: Int32
    public let path: String

    /// Holder description written into the lock file: `create by pid 4242 since 2026-11-26T15:00:00Z`.
    public struct Holder: Codable, Sendable, Equatable {
        public var pid: Int32
        public var operation: String
        public var since: Date
        public var description: String {
            let f = ISO8601DateFormatter()
            return "\(operation) by pid \(pid) since \(f.string(from: since))"
        }
    }

    /// Takes the lock or throws `busy` naming the holder. `wait` retries for that long.
    public init(path: String, operation: String, now: Date, wait: TimeInterval = 0) throws {
        self.path = path
        fd = try FileSystem.openNoFollow(path, O_RDWR | O_CREAT)
        let deadline = Date().addingTimeInterval(wait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno != EWOULDBLOCK && errno != EINTR {
                let e = errno
                close(fd)
                throw BackupError.io(operation: "lock", path: path, errno: e)
            }
            if Date() >= deadline {
                close(fd)
                let holder = FileLock.holder(at: path)?.description ?? "another process"
                throw BackupError.busy(holder: holder)
            }
            usleep(50_000)
        }
        let holder = Holder(pid: getpid(), operation: operation, since: now)
        if let data = try? HistoryLog.encoder.encode(holder) {
            ftruncate(fd, 0)
            _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        }
    }

    /// Who holds the lock at `path`, or nil when nobody does.
    public static func holder(at path: String) -> Holder? {
        guard let fd = try? FileSystem.openNoFollow(path, O_RDONLY) else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        guard let data = FileSystem.readAll(fd) else { return nil }
        return try? HistoryLog.decoder.decode(Holder.self, from: data)
    }

    /// Releases the lock; also done on deinit.
    public func release() {
        if fd >= 0 {
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
