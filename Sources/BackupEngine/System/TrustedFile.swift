import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that decide what runs or where data goes (notification targets, the off-site
/// config, password and environment, the kept terminal id), checked as ssh checks its
/// keys (StrictModes): never through a link, owned by the user running, the data dir's
/// owner or root, and writable by nobody else. A file that fails is not used at all, and
/// the health rules say so (CRITICAL), so a planted or loosened file is never silently
/// obeyed and never silently ignored.
public enum TrustedFile {
    /// Why a file at `path` may not be trusted, nil when it may (or is missing).
    /// `dataDir` gives the owner besides ourselves and root.
    public static func problem(_ path: String, dataDir: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return problem(st, dataDir: dataDir)
    }

    static func problem(_ st: stat, dataDir: String) -> String? {
        let kind = st.st_mode & S_IFMT
        if kind == S_IFLNK { return "a symbolic link" }
        if kind != S_IFREG { return "not a regular file" }
        let owners: Set<uid_t> = [geteuid(), 0, FileSystem.ownerID(dataDir, followingLinks: true) ?? 0]
        if !owners.contains(st.st_uid) { return "owned by \(Ownership.userName(st.st_uid))" }
        if st.st_mode & S_IWOTH != 0 { return "writable by others" }
        if st.st_mode & S_IWGRP != 0 { return "writable by its group" }
        return nil
    }

    /// The file's bytes; nil when it is missing. Throws `untrustedFile` naming it (as
    /// `what`) when it fails the checks; read from the same descriptor that was checked.
    public static func read(_ path: String, what: String, dataDir: String) throws -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            if err == ENOENT { return nil }
            if err == ELOOP { throw BackupError.untrustedFile(what: what, path: path, reason: "a symbolic link") }
            throw BackupError.io(operation: "open", path: path, errno: err)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BackupError.io(operation: "stat", path: path, errno: errno) }
        if let reason = problem(st, dataDir: dataDir) { throw BackupError.untrustedFile(what: what, path: path, reason: reason) }
        guard let data = FileSystem.readAll(fd) else { throw BackupError.io(operation: "read", path: path, errno: errno) }
        return data
    }
}
