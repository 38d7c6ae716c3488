import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler appending lines to `logs/backup.log`:
/// `2026-11-26T15:00:02Z info Backup completed successfully: backup-...db (41.9 MiB)`.
/// Each line is one `write` on an `O_APPEND` descriptor, so processes sharing the log never interleave.
public struct FileLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let path: String

    public init(path: String) { self.path = path }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        // Cleaned like the terminal's output: a technician reads this log with `cat` and `tail -f`.
        let line = "\(stamp) \(level) [pid \(getpid())] \(SafeText.forTerminal(message.description))\n"
        guard let fd = try? FileSystem.openNoFollow(path, O_WRONLY | O_APPEND | O_CREAT) else { return }
        _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count - 1) }
        close(fd)
    }
}
