import CSystem
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
    /// terminal, where root made the empty folder). A data dir root owns is used as root,
    /// only when no other user can redirect or change what root works on there.
    ///
    /// The folder is opened once and everything here goes through that descriptor: a path
    /// looked up again could lead somewhere else by then.
    public static func actAsOwner(of dataDir: String, databasePath: String, giveTo newOwner: Owner? = nil) throws -> Outcome {
        guard geteuid() == 0, switchedTo == nil else { return Outcome() }
        // Missing: the command says so in its own words.
        guard let held = try HeldPath.open(dataDir) else { return Outcome() }
        let fd = held.fd
        defer { close(fd) }
        var st = held.info
        // A link on the way that another user made could send root to a folder that user
        // chose (another shop's data dir, or /etc with --owner).
        if let link = held.links.first(where: { $0.owner != 0 && $0.owner != st.st_uid }) {
            throw BackupError.unsafePath(path: link.path, reason: "the way to the data dir goes through a link that belongs to \(Ownership.userName(link.owner)); give the data dir's real path")
        }
        if st.st_uid == 0 {
            // Root stays root here (or gives the folder away): nobody else may be able to
            // change the way to it.
            try requireRootControlled(held)
            if let newOwner, newOwner.uid != 0 {
                guard fchown(fd, newOwner.uid, newOwner.gid) == 0 else {
                    throw BackupError.io(operation: "give the data dir to \(newOwner.name)", path: dataDir, errno: errno)
                }
                guard fstat(fd, &st) == 0 else { throw BackupError.io(operation: "stat", path: dataDir, errno: errno) }
            } else {
                try requireRootControlled(foldersIn: fd, dataDir: dataDir)
                return Outcome()
            }
        }
        let owner = Owner.user(uid: st.st_uid, fallbackGroup: st.st_gid)
        let handedBack = try handBack(fd, path: dataDir, databasePath: databasePath, to: owner)
        try become(owner)
        return Outcome(user: owner.name, handedBack: handedBack)
    }

    /// Every link on the way is root's, and every folder passed through belongs to root and
    /// is writable by nobody else (sticky folders such as /tmp aside, where others cannot
    /// replace root's entries): otherwise another user could swap the data dir under root.
    static func requireRootControlled(_ held: HeldPath) throws {
        if let link = held.links.first(where: { $0.owner != 0 }) {
            throw BackupError.unsafePath(path: link.path, reason: "the way to the data dir goes through a link that belongs to \(Ownership.userName(link.owner)); give the data dir's real path")
        }
        for (folder, st) in held.folders {
            let writableByOthers = st.st_mode & (S_IWGRP | S_IWOTH) != 0 && st.st_mode & S_ISVTX == 0
            if st.st_uid != 0 || writableByOthers {
                throw BackupError.unsafePath(path: folder, reason: "the data dir is inside a folder that \(st.st_uid != 0 ? Ownership.userName(st.st_uid) : "others") can change, so root will not work there; run as that user, or use a folder only root can change")
            }
        }
    }

    /// A data dir root keeps: it and the folders we write in it are root's and writable by
    /// nobody else (a 2770 root:pos data dir would let pos plant links where root writes).
    static func requireRootControlled(foldersIn fd: Int32, dataDir: String) throws {
        for name in [".", "backups", "backups/pre-update", "backups/.meta", "logs"] {
            var st = stat()
            guard fstatat(fd, name, &st, 0) == 0 else { continue }
            if st.st_uid != 0 || st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                let path = name == "." ? dataDir : dataDir + "/" + name
                throw BackupError.unsafePath(path: path, reason: st.st_uid != 0
                    ? "it belongs to \(Ownership.userName(st.st_uid)) in a data dir root owns; run as that user, or give the data dir to the POS app's user with --owner"
                    : "it is writable by its group or others in a data dir root owns; chmod go-w it, or give the data dir to the POS app's user with --owner")
            }
        }
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
        _ = mr5_set_not_dumpable()
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

    /// Walks the data dir (from its open descriptor) without following links, and into
    /// `backups/` and `logs/` when they are links to folders the owner owns (a second disk),
    /// giving root-owned folders and single-link regular files to `owner`. A link's
    /// root-owned target is never given away or walked: it may be any folder of root's.
    static func handBack(_ top: Int32, path dataDir: String, databasePath: String, to owner: Owner) throws -> [String] {
        var given: [String] = []
        var topInfo = stat()
        guard fstat(top, &topInfo) == 0 else { throw BackupError.io(operation: "stat", path: dataDir, errno: errno) }
        // Only what mr5-backup writes: the database and its side and saved copies, our
        // temp files, and the backups/ and logs/ trees (never the POS app's other files).
        let database = FileSystem.fileName(of: databasePath)
        try walk(top, path: dataDir, owner: owner, depth: 0, device: topInfo.st_dev, given: &given) { name in
            name.hasPrefix(database) || name.hasPrefix(".tmp-") || name == "backups" || name == "logs"
        }
        for name in ["backups", "logs"] {
            var ls = stat()
            guard fstatat(top, name, &ls, AT_SYMLINK_NOFOLLOW) == 0, (ls.st_mode & S_IFMT) == S_IFLNK,
                  ls.st_uid == owner.uid || ls.st_uid == 0 else { continue }
            let fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var ts = stat()
            guard fstat(fd, &ts) == 0, ts.st_uid == owner.uid else { continue }
            try walk(fd, path: dataDir + "/" + name, owner: owner, depth: 1, device: ts.st_dev, given: &given) { _ in true }
        }
        return given
    }

    private static func walk(_ dirFD: Int32, path: String, owner: Owner, depth: Int, device: dev_t, given: inout [String],
                             including: (String) -> Bool) throws {
        guard depth < 8 else { return }
        for name in FileSystem.list(fd: dirFD) where including(name) {
            let full = path + "/" + name
            var st = stat()
            // Never onto another filesystem (a mount point inside the data dir).
            guard fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_dev == device else { continue }
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR {
                let fd = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else { continue }
                defer { close(fd) }
                // Decided on what was opened, not on what the name held a moment before.
                var opened = stat()
                guard fstat(fd, &opened) == 0, opened.st_dev == st.st_dev else { continue }
                if opened.st_uid == 0 { try give(fd, path: full, owner: owner, given: &given) }
                try walk(fd, path: full, owner: owner, depth: depth + 1, device: device, given: &given) { _ in true }
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
