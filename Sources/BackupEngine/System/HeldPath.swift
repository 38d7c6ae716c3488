import CSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder opened one path component at a time from `/`, links followed by hand, with
/// every check made on the descriptor just opened: what was checked is what is held. A
/// path looked up again by name (stat, then open, then realpath) can lead somewhere else
/// each time when another user may rename a folder on the way.
struct HeldPath {
    /// The folder itself, open (O_RDONLY | O_DIRECTORY); the caller closes it.
    let fd: Int32
    let info: stat
    /// The owner of each link followed on the way, with the link's path as given.
    let links: [(path: String, owner: uid_t)]
    /// Each folder passed through on the way (not the folder itself), with its path.
    let folders: [(path: String, info: stat)]

    /// Opens `path` (absolute); nil when it does not exist (ENOENT, ENOTDIR on the way).
    static func open(_ path: String) throws -> HeldPath? {
        var links: [(String, uid_t)] = []
        var folders: [(String, stat)] = []
        var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var current = Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw BackupError.io(operation: "open folder", path: "/", errno: errno) }
        var currentPath = ""
        var hops = 0
        func fail(_ err: Int32, _ at: String) throws -> HeldPath? {
            close(current)
            if err == ENOENT || err == ENOTDIR { return nil }
            throw BackupError.io(operation: "open folder", path: at, errno: err)
        }
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." { continue }
            let here = currentPath + "/" + name
            if name == ".." {
                // Back up by descriptor: the name ".." inside the folder we hold.
                let up = openat(current, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard up >= 0 else { return try fail(errno, here) }
                close(current)
                current = up
                currentPath = FileSystem.parent(of: currentPath.isEmpty ? "/" : currentPath)
                if currentPath == "/" { currentPath = "" }
                continue
            }
            let node = openat(current, name, MR5_O_PATH | O_NOFOLLOW | O_CLOEXEC)
            guard node >= 0 else { return try fail(errno, here) }
            var st = stat()
            guard fstat(node, &st) == 0 else { let e = errno; close(node); return try fail(e, here) }
            if (st.st_mode & S_IFMT) == S_IFLNK {
                hops += 1
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                // The link we opened, read through its own descriptor (an empty name).
                let n = readlinkat(node, "", &buffer, buffer.count - 1)
                close(node)
                guard n > 0, hops <= 40 else { return try fail(n > 0 ? ELOOP : errno, here) }
                links.append((here, st.st_uid))
                let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let parts = target.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
                pending = parts + pending
                if target.hasPrefix("/") {
                    let root = Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    guard root >= 0 else { return try fail(errno, "/") }
                    close(current)
                    current = root
                    currentPath = ""
                }
                continue
            }
            close(node)
            guard (st.st_mode & S_IFMT) == S_IFDIR else { return try fail(ENOTDIR, here) }
            let next = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { return try fail(errno, here) }
            var opened = stat()
            // The folder opened must be the one checked: a swap in between is refused.
            guard fstat(next, &opened) == 0, opened.st_ino == st.st_ino, opened.st_dev == st.st_dev else {
                close(next)
                throw BackupError.unsafePath(path: here, reason: "it changed while it was being opened")
            }
            // The folder we leave is one the way passes through.
            var parent = stat()
            if fstat(current, &parent) == 0 { folders.append((currentPath.isEmpty ? "/" : currentPath, parent)) }
            close(current)
            current = next
            currentPath = here
        }
        var info = stat()
        guard fstat(current, &info) == 0 else { return try fail(errno, path) }
        return HeldPath(fd: current, info: info, links: links, folders: folders)
    }
}
