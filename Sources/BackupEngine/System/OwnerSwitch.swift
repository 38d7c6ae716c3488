import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Acting as the data dir's owner. A technician runs `sudo mr5-backup …`; the data dir
/// belongs to the POS user, who can plant links, programs and config in it. Root running
/// over it would follow them with root's rights. So, like PostgreSQL refusing to run its
/// server as root, a root process that finds the data dir owned by another user becomes
/// that user (groups, gid, uid, in that order, for good) before it opens anything in it.
/// Whatever it then creates belongs to the owner, and whatever the owner planted can do
/// no more than the owner already could.
///
/// Files an earlier root run left root-owned inside the data dir are given back first
/// (after the switch the owner could no longer replace or read them): regular files with
/// one link and folders, never through a link. Anything else root owns there is refused
/// with the `chown` line to run.
public enum OwnerSwitch {
    /// What was done, for the one line the command prints.
    public struct Outcome: Sendable, Equatable {
        /// The user now acted as, nil when nothing changed (not root, or the owner is root).
        public var user: String?
        /// Files and folders given back to the owner.
        public var handedBack: [String] = []
    }

    /// The uid, gid and name to act as: the data dir's owner (following a link to the data dir itself).
    public struct Owner: Sendable, Equatable {
        public var uid: uid_t
        public var gid: gid_t
        public var name: String
        public var home: String?

        /// The owner of `dataDir`, with that user's primary group (the folder's group when the
        /// uid has no passwd entry); nil when the folder cannot be read.
        public static func of(_ dataDir: String) -> Owner? {
            var st = stat()
            guard stat(dataDir, &st) == 0 else { return nil }
            return user(uid: st.st_uid, fallbackGroup: st.st_gid)
        }

        /// A user by name or number (`--owner pos`, `--owner 1000`).
        public static func named(_ text: String) -> Owner? {
            if let pw = getpwnam(text) { return from(pw.pointee) }
            guard let uid = uid_t(text) else { return nil }
            return user(uid: uid, fallbackGroup: gid_t(uid))
        }

        static func user(uid: uid_t, fallbackGroup: gid_t) -> Owner {
            if let pw = getpwuid(uid) { return from(pw.pointee) }
            return Owner(uid: uid, gid: fallbackGroup, name: String(uid), home: nil)
        }

        static func from(_ pw: passwd) -> Owner {
            Owner(uid: pw.pw_uid, gid: pw.pw_gid, name: String(cString: pw.pw_name),
                  home: pw.pw_dir.map { String(cString: $0) })
        }
    }

    /// The user this process set itself up as (nil until `actAsOwner` switched). One
    /// writer: the main thread, before any other thread starts.
    nonisolated(unsafe) public private(set) static var switchedTo: Owner?

    /// Becomes the owner of `dataDir` when running as root and someone else owns it.
    /// `giveTo` first hands a root-owned data dir to that user (a recovery on a new
    /// terminal, where root made the empty folder). A data dir root owns is used as root.
    public static func actAsOwner(of dataDir: String, giveTo newOwner: Owner? = nil) throws -> Outcome {
        guard geteuid() == 0, switchedTo == nil else { return Outcome() }
        var st = stat()
        guard stat(dataDir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return Outcome() }
        if let newOwner, st.st_uid == 0, newOwner.uid != 0 {
            guard chown(dataDir, newOwner.uid, newOwner.gid) == 0 else {
                throw BackupError.io(operation: "give the data dir to \(newOwner.name)", path: dataDir, errno: errno)
            }
        }
        guard let owner = Owner.of(dataDir), owner.uid != 0 else { return Outcome() }
        let handedBack = try handBack(dataDir, to: owner)
        try become(owner)
        return Outcome(user: owner.name, handedBack: handedBack)
    }

    /// groups, gid, uid; then checks that root cannot be had back.
    static func become(_ owner: Owner) throws {
        let groupsSet = owner.name == String(owner.uid) ? setgroups(1, [owner.gid]) : initgroups(owner.name, owner.gid)
        guard groupsSet == 0 else { throw switchError(owner, "set groups", errno) }
        // Called by root, setgid and setuid set the real, effective and saved ids alike.
        guard setgid(owner.gid) == 0 else { throw switchError(owner, "set group id", errno) }
        guard setuid(owner.uid) == 0 else { throw switchError(owner, "set user id", errno) }
        guard setuid(0) != 0, getuid() == owner.uid, geteuid() == owner.uid, getgid() == owner.gid, getegid() == owner.gid else {
            throw BackupError.cannotActAsOwner(user: owner.name, reason: "root could be regained after the switch")
        }
        // ssh (SFTP repositories) and other programs look for their files under HOME.
        setenv("HOME", owner.home ?? "/nonexistent", 1)
        setenv("USER", owner.name, 1)
        setenv("LOGNAME", owner.name, 1)
        switchedTo = owner
    }

    private static func switchError(_ owner: Owner, _ step: String, _ err: Int32) -> BackupError {
        .cannotActAsOwner(user: owner.name, reason: "\(step): \(Errno(err).description)")
    }

    // MARK: - Giving back what root left

    /// Walks the data dir without following links (but into `backups/` and `logs/` when
    /// they are links the owner or root made, as a second disk is) and gives root-owned
    /// folders and single-link regular files to `owner`.
    static func handBack(_ dataDir: String, to owner: Owner) throws -> [String] {
        let top = open(dataDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard top >= 0 else { throw BackupError.io(operation: "open folder", path: dataDir, errno: errno) }
        defer { close(top) }
        var given: [String] = []
        try walk(top, path: dataDir, owner: owner, depth: 0, given: &given)
        for name in ["backups", "logs"] {
            var ls = stat()
            guard fstatat(top, name, &ls, AT_SYMLINK_NOFOLLOW) == 0, (ls.st_mode & S_IFMT) == S_IFLNK,
                  ls.st_uid == owner.uid || ls.st_uid == 0 else { continue }
            let fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var ts = stat()
            guard fstat(fd, &ts) == 0, ts.st_uid == owner.uid || ts.st_uid == 0 else { continue }
            if ts.st_uid == 0 { try give(fd, path: dataDir + "/" + name, owner: owner, given: &given) }
            try walk(fd, path: dataDir + "/" + name, owner: owner, depth: 1, given: &given)
        }
        return given
    }

    private static func walk(_ dirFD: Int32, path: String, owner: Owner, depth: Int, given: inout [String]) throws {
        guard depth < 8 else { return }
        for name in FileSystem.list(fd: dirFD) {
            let full = path + "/" + name
            var st = stat()
            guard fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR {
                let fd = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else { continue }
                defer { close(fd) }
                if st.st_uid == 0 { try give(fd, path: full, owner: owner, given: &given) }
                try walk(fd, path: full, owner: owner, depth: depth + 1, given: &given)
                continue
            }
            guard st.st_uid == 0 else { continue }
            guard kind == S_IFREG, st.st_nlink == 1 else {
                throw BackupError.rootOwnedLeftover(path: full, owner: owner.name)
            }
            let fd = openat(dirFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            guard fd >= 0 else { throw BackupError.rootOwnedLeftover(path: full, owner: owner.name) }
            defer { close(fd) }
            var again = stat()
            guard fstat(fd, &again) == 0, again.st_ino == st.st_ino, (again.st_mode & S_IFMT) == S_IFREG, again.st_nlink == 1 else {
                throw BackupError.rootOwnedLeftover(path: full, owner: owner.name)
            }
            try give(fd, path: full, owner: owner, given: &given)
        }
    }

    private static func give(_ fd: Int32, path: String, owner: Owner, given: inout [String]) throws {
        guard fchown(fd, owner.uid, owner.gid) == 0 else {
            throw BackupError.io(operation: "give back to \(owner.name)", path: path, errno: errno)
        }
        given.append(path)
    }
}
