import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What tells whether a file changed since it was last read: its device, inode, size and
/// modification time. Our files are replaced by rename (a new inode) or appended to (a new
/// size and time). The one "has this file changed" check of the caches.
struct FileStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int

    init(_ st: stat) {
        device = UInt64(st.st_dev); inode = UInt64(st.st_ino); size = Int64(st.st_size)
        seconds = st.st_mtim.tv_sec; nanoseconds = st.st_mtim.tv_nsec
    }

    /// The stamp of `path` itself (a link is stamped as the link); nil when it cannot be read.
    static func of(_ path: String) -> FileStamp? {
        var st = stat()
        return lstat(path, &st) == 0 ? FileStamp(st) : nil
    }
}

extension FileSystem {
    /// Opens a file to read it (a backup, the live database's header): the seam's one
    /// read-only open. A failure is the system's error, named.
    static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io(operation: "open", path: path, errno: errno) }
        return fd
    }

    /// Up to the first `count` bytes of a file.
    static func readHeader(_ path: String, count: Int) throws -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { try readUpTo(fd, into: $0, at: 0, path: path) }
        return Array(bytes[0..<n])
    }
}
