import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the engine needs, each with the durability rule spelled out:
/// data is fsynced before it is renamed into place, and the folder is fsynced after, so a
/// power cut leaves either the old state or the new one.
public enum FileSystem {
    public struct Info {
        public var size: Int64
        public var modified: Date
        public var isRegular: Bool
        public var isDirectory: Bool
        public var isSymlink: Bool
    }

    /// The device (filesystem) holding `path`, following links; nil when it cannot be read.
    /// True when `folder` (or, while it does not exist yet, its parent) is on the same
    /// filesystem as `other`: a copy there dies with `other`'s disk.
    static func sharesDevice(_ folder: String, with other: String) -> Bool {
        let existing = isDirectory(folder) ? folder : parent(of: folder)
        guard let here = device(other) else { return false }
        return device(existing) == here
    }

    static func device(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_dev) : nil
    }

    /// `lstat`: never follows a symlink, so a link pointing out of the backup folder is seen as a link.
    public static func info(_ path: String) -> Info? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let mode = st.st_mode & S_IFMT
        let modified = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        return Info(size: Int64(st.st_size), modified: modified,
                    isRegular: mode == S_IFREG, isDirectory: mode == S_IFDIR, isSymlink: mode == S_IFLNK)
    }

    /// Like `info`, but only a missing path is nil: any other failure (a folder this user
    /// may not search) is thrown, so it is never reported as "no such backup".
    public static func lookup(_ path: String) throws -> Info? {
        if let info = info(path) { return info }
        let err = errno
        if err == ENOENT || err == ENOTDIR { return nil }
        if Errno(err).isPermission {
            let folder = parent(of: path)
            throw BackupError.notReadable(path: folder, who: Ownership.describe(folder))
        }
        throw BackupError.io(operation: "stat", path: path, errno: err)
    }

    /// The uid owning `path` (the link itself unless `followingLinks`); nil when it cannot be read.
    public static func ownerID(_ path: String, followingLinks: Bool) -> uid_t? {
        var st = stat()
        return (followingLinks ? stat(path, &st) : lstat(path, &st)) == 0 ? st.st_uid : nil
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    public static func makeDirectory(_ path: String, mode: mode_t) throws {
        if isDirectory(path) { return }
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw BackupError.io(operation: "create folder", path: path, errno: errno)
        }
        try fsyncDirectory(parent(of: path))
    }

    public static func parent(of path: String) -> String {
        let url = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return url.isEmpty ? "/" : url
    }

    public static func fileName(of path: String) -> String {
        URL(fileURLWithPath: path).lastPathComponent
    }

    public static func fsyncFile(_ path: String) throws {
        let fd = try openNoFollow(path, O_RDONLY)
        defer { close(fd) }
        if fsync(fd) != 0 { throw BackupError.io(operation: "fsync", path: path, errno: errno) }
    }

    static func fsyncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io(operation: "open folder", path: path, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw BackupError.io(operation: "fsync folder", path: path, errno: errno) }
    }

    /// Renames and makes the rename durable.
    static func renameDurably(_ from: String, to: String) throws {
        if rename(from, to) != 0 { throw BackupError.io(operation: "rename to \(fileName(of: to))", path: from, errno: errno) }
        try fsyncDirectory(parent(of: to))
    }

    /// Moves `from` to `to` only if `to` does not exist yet (link + unlink), so a backup
    /// is never overwritten. Returns false when the name is taken.
    public static func renameNoReplace(_ from: String, to: String) throws -> Bool {
        if link(from, to) != 0 {
            if errno == EEXIST { return false }
            throw BackupError.io(operation: "link to \(fileName(of: to))", path: from, errno: errno)
        }
        unlink(from)
        try fsyncDirectory(parent(of: to))
        return true
    }

    /// Writes `data` to `path` atomically: temp file, fsync, rename, folder fsync.
    public static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o600) throws {
        let dir = parent(of: path)
        let tmp = temporaryPath(in: dir, label: fileName(of: path))
        let fd = try openNoFollow(tmp, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        var ok = false
        defer { if !ok { unlink(tmp) } }
        do {
            try data.withUnsafeBytes { raw in
                if let base = raw.baseAddress { try writeAll(fd, base, raw.count, path: path) }
            }
            if fsync(fd) != 0 { throw writeError("fsync", path, errno) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        try renameDurably(tmp, to: path)
        ok = true
    }

    /// Writes all `count` bytes, at the file offset `at` or else at the current position
    /// (a write may write fewer; EINTR is retried).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, path: String, at position: Int64? = nil) throws {
        var offset = 0
        while offset < count {
            let n = position.map { pwrite(fd, bytes + offset, count - offset, off_t($0) + off_t(offset)) }
                ?? write(fd, bytes + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw writeError("write", path, errno)
            }
            offset += n
        }
    }

    /// Reads from `at` until `buffer` is full or the file ends; returns the bytes read.
    static func readUpTo(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at position: Int64, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(position) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw BackupError.io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    private static func writeError(_ op: String, _ path: String, _ err: Int32) -> BackupError {
        .io(operation: op, path: path, errno: err)
    }

    /// Creates an empty file readable by its owner only (it will hold payment data). The
    /// name must be new: an existing file, or a link planted at the name, is refused.
    static func createPrivateFile(_ path: String) throws {
        let fd = try openNoFollow(path, O_WRONLY | O_CREAT | O_EXCL)
        close(fd)
    }

    /// A new temp name in `dir` nobody can guess before we create it: `.tmp-<pid>-<random>-<label>`
    /// (the pid lets a later run tell a dead process's leftovers from a live one's).
    static func temporaryPath(in dir: String, label: String) -> String {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return dir + "/.tmp-\(getpid())-\(random)-" + label
    }

    /// Opens `path` never through a link, for the files we lock, append to or create in
    /// folders another user may write: `O_NOFOLLOW` (a link is refused, naming it), and an
    /// existing file must be a regular one (`O_NONBLOCK` so a planted FIFO cannot hang us).
    static func openNoFollow(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        let fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let err = errno
            if err == ELOOP { throw BackupError.unsafePath(path: path, reason: "it is a symbolic link (mr5-backup never makes one there; remove it)") }
            if err == ENXIO { throw BackupError.unsafePath(path: path, reason: "it is not a regular file (mr5-backup never makes anything else there; remove it)") }
            throw BackupError.io(operation: flags & O_CREAT != 0 ? "create" : "open", path: path, errno: err)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw BackupError.unsafePath(path: path, reason: "it is not a regular file (mr5-backup never makes anything else there; remove it)")
        }
        return fd
    }

    /// The whole of a small file of ours (metadata, state, settings), never through a link:
    /// nil when it is missing, a link or not a regular file (metadata is a cache: a planted
    /// link reads as missing, never as someone else's file).
    public static func readFile(_ path: String) -> Data? {
        guard let fd = try? openNoFollow(path, O_RDONLY) else { return nil }
        defer { close(fd) }
        return readAll(fd)
    }

    /// Everything left to read on `fd`; nil on a read error.
    static func readAll(_ fd: Int32) -> Data? {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
        }
    }

    /// For our temp names `.tmp-<pid>-...`: true when that process still runs (and is not us:
    /// our own leftovers are stale by the time this is asked, under the operation lock).
    static func isOwnedByLiveProcess(tempName: String) -> Bool {
        guard let pid = Int32(tempName.dropFirst(5).prefix { $0.isNumber }), pid != getpid() else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// True when `path`, following symlinks, ends at a regular file.
    static func isRegularFileFollowingLinks(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Removes a file, ignoring one that is already gone.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw BackupError.io(operation: "delete", path: path, errno: errno)
        }
    }

    /// Names in a folder (no `.` and `..`), empty when the folder is missing.
    static func list(_ dir: String) -> [String] {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        return list(fd: fd)
    }

    /// Names in the open folder `fd` (no `.` and `..`); the descriptor stays open.
    static func list(fd: Int32) -> [String] {
        let copy = dup(fd)
        guard copy >= 0 else { return [] }
        guard let d = fdopendir(copy) else { close(copy); return [] }
        defer { closedir(d) }
        rewinddir(d)  // the copy shares the offset of `fd`, which may have been read before
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Free and total bytes of the filesystem holding `path`, and its mount point.
    static func space(_ path: String) throws -> (free: Int64, total: Int64, mountPoint: String) {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { throw BackupError.io(operation: "statvfs", path: path, errno: errno) }
        let free = Int64(s.f_bavail) * Int64(s.f_frsize)
        let total = Int64(s.f_blocks) * Int64(s.f_frsize)
        return (free, total, mountPoint(of: path))
    }

    /// True when the filesystem holding `path` (or its nearest existing folder) has bytes
    /// free but no inodes: ENOSPC then means too many files, not a full disk.
    static func hasBytesButNoInodes(_ path: String) -> Bool {
        var dir = path
        var s = statvfs()
        while statvfs(dir, &s) != 0 {
            guard dir != "/" else { return false }
            dir = parent(of: dir)
        }
        return s.f_files > 0 && s.f_favail == 0 && s.f_bavail > 16
    }

    /// True when this process has (nearly) as many files open as it may: an open that
    /// SQLite reports without its errno (a journal it opened on its own) failed for that.
    static func atOpenFileLimit() -> Bool {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < 1 << 20 else { return false }
        // At the limit the listing itself cannot open its folder: that is the answer.
        guard let dir = opendir("/proc/self/fd") else { return errno == EMFILE || errno == ENFILE }
        defer { closedir(dir) }
        var open = 0
        while readdir(dir) != nil { open += 1 }
        // Less ".", ".." and the listing's own descriptor.
        return open - 3 >= Int(limit.rlim_cur) - 1
    }

    /// The mount point holding `path` (or its nearest existing folder), from the kernel's
    /// mount table, and the filesystem's id (`statvfs`'s `f_fsid`: ext4, xfs and btrfs make
    /// it from the filesystem's UUID, so a second drive of the same make differs).
    public static func mountIdentity(_ path: String) -> (mountPoint: String, filesystemID: UInt64)? {
        var dir = path
        while !isDirectory(dir) && !exists(dir) {
            guard dir != "/" else { return nil }
            dir = parent(of: dir)
        }
        guard let resolved = realpath(dir, nil) else { return nil }
        defer { free(resolved) }
        let real = String(cString: resolved)
        var s = statvfs()
        guard statvfs(real, &s) == 0 else { return nil }
        // The longest mount point that holds it (mountinfo's 5th field, octal escapes for spaces).
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        var best = "/"
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            let point = String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
            if (real == point || real.hasPrefix(point == "/" ? "/" : point + "/")), point.count > best.count { best = point }
        }
        return (best, UInt64(s.f_fsid))
    }

    /// True when `path` (or its nearest existing folder) is on a read-only mount.
    public static func isOnReadOnlyMount(_ path: String) -> Bool {
        var dir = path
        var s = statvfs()
        while statvfs(dir, &s) != 0 {
            guard dir != "/" else { return false }
            dir = parent(of: dir)
        }
        return s.f_flag & UInt(ST_RDONLY) != 0
    }

    /// The mount point holding `path`, for messages like "300 MiB free on /data".
    static func mountPoint(of path: String) -> String {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        var st = stat()
        guard stat(current, &st) == 0 else { return current }
        let device = st.st_dev
        while current != "/" {
            let up = parent(of: current)
            var ps = stat()
            if stat(up, &ps) != 0 || ps.st_dev != device { return current }
            current = up
        }
        return "/"
    }

    /// Copies a file byte for byte into a new file, fsynced (used only for files no
    /// connection of ours has open: an unopenable database being saved, a backup being
    /// placed where the live file is missing).
    static func copyFile(_ from: String, to: String, mode: mode_t = 0o600) throws {
        let src = open(from, O_RDONLY | O_CLOEXEC)
        guard src >= 0 else { throw BackupError.io(operation: "open", path: from, errno: errno) }
        defer { close(src) }
        let dst = try openNoFollow(to, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        var ok = false
        defer { close(dst); if !ok { unlink(to) } }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let n = read(src, buffer, size)
            if n < 0 { if errno == EINTR { continue }; throw BackupError.io(operation: "read", path: from, errno: errno) }
            if n == 0 { break }
            try writeAll(dst, UnsafeRawPointer(buffer), n, path: to)
        }
        if fsync(dst) != 0 { throw writeError("fsync", to, errno) }
        ok = true
    }
}
