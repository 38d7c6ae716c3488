import Foundation

/// Where everything lives. Mirrors the POS app's `%APPDATA%\mr5-pos` layout on Linux:
///
///     <data dir>/mr5-pos.db                 the live database (overridable)
///     <data dir>/backups/backup-*.db        scheduled and manual backups
///     <data dir>/backups/pre-update/*.db    pre-update backups
///     <data dir>/backups/.meta/*.json       our metadata beside them
///     <data dir>/logs/backup.log            the human log
///     <data dir>/logs/history.jsonl         every attempt, one JSON object a line
public struct DataLayout: Sendable, Equatable {
    /// The data dir (absolute, no trailing slash).
    public let dataDir: String
    /// The live database.
    public let databasePath: String

    public static let defaultDatabaseName = "mr5-pos.db"
    public static let environmentVariable = "MR5_POS_DATA_DIR"

    public init(dataDir: String, databasePath: String? = nil) {
        let dir = DataLayout.absolute(dataDir)
        self.dataDir = dir
        if let databasePath {
            self.databasePath = DataLayout.absolute(databasePath)
        } else {
            self.databasePath = dir + "/" + DataLayout.defaultDatabaseName
        }
    }

    /// `--data-dir` > `$MR5_POS_DATA_DIR` > `${XDG_CONFIG_HOME:-$HOME/.config}/mr5-pos`.
    public static func resolve(dataDir: String?, database: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> DataLayout {
        let dir: String
        if let dataDir, !dataDir.isEmpty {
            dir = dataDir
        } else if let env = environment[environmentVariable], !env.isEmpty {
            dir = env
        } else {
            let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
            dir = config + "/mr5-pos"
        }
        return DataLayout(dataDir: dir, databasePath: database)
    }

    /// True when the database is the data dir's own `mr5-pos.db` (not a `--db` elsewhere).
    public var usesDefaultDatabase: Bool { databasePath == dataDir + "/" + DataLayout.defaultDatabaseName }

    public var backupsDir: String { dataDir + "/backups" }
    public var preUpdateDir: String { backupsDir + "/pre-update" }
    /// Moments fetched from the continuous replica, kept by their own count.
    public var pointInTimeDir: String { backupsDir + "/point-in-time" }
    public var metaDir: String { backupsDir + "/.meta" }
    public var logsDir: String { dataDir + "/logs" }
    public var logPath: String { logsDir + "/backup.log" }
    public var historyPath: String { logsDir + "/history.jsonl" }
    /// Held (flock) by whoever runs create/verify/restore/delete/prune.
    public var operationLockPath: String { backupsDir + "/.operation.lock" }
    /// Held by the one active scheduler for this data dir.
    public var schedulerLockPath: String { backupsDir + "/.scheduler.lock" }
    /// The active scheduler's state, for other consoles to show.
    public var schedulerStatePath: String { backupsDir + "/.scheduler-state.json" }
    /// Notifications waiting to be delivered, what was last told, and the lock around both.
    public var notifyOutboxPath: String { logsDir + "/notify-outbox.jsonl" }
    public var notifyStatePath: String { logsDir + "/notify-state.json" }
    public var notifyLockPath: String { logsDir + "/.notify.lock" }
    public var notifyTargetsPath: String { metaDir + "/notify-targets.json" }
    /// The last full check of the live database (`LiveCheckRecord`).
    public var liveCheckPath: String { metaDir + "/live-check.json" }
    /// Settings when the POS database has no `settings` table.
    public var settingsPath: String { metaDir + "/settings.json" }
    /// The POS database's backup settings as last read, for reads while the POS holds its lock.
    public var settingsCachePath: String { metaDir + "/settings-cache.json" }
    /// Prometheus textfile-collector output.
    public var defaultMetricsPath: String { logsDir + "/mr5_backup.prom" }

    /// The folder a backup of this kind lives in.
    public func directory(for kind: BackupKind) -> String {
        switch kind {
        case .preUpdate: return preUpdateDir
        case .pointInTime: return pointInTimeDir
        default: return backupsDir
        }
    }

    /// Creates the backup, pre-update, metadata and log folders (mode 0700) if missing.
    /// The data dir itself must exist: a typo must not create a fresh, empty shop.
    public func ensureDirectories() throws {
        guard FileSystem.isDirectory(dataDir) else {
            throw BackupError.dataDirNotFound(path: dataDir)
        }
        try checkFolderLinks()
        for dir in [backupsDir, preUpdateDir, metaDir, logsDir] {
            try FileSystem.makeDirectory(dir, mode: 0o700)
        }
    }

    /// This layout with the live database's link, if it is one, resolved to the file it
    /// leads to, which must be a regular file belonging to the data dir's owner (a link
    /// to another user's database would have us copy it into backups its owner cannot
    /// guard). Everything then works on that file: backups read it, a restore writes it in
    /// place and the link stays. The database itself must be the data dir owner's too.
    public func resolvingDatabaseLink() throws -> DataLayout {
        var resolved = self
        if FileSystem.info(databasePath)?.isSymlink == true {
            guard let real = realpath(databasePath, nil) else { return self }  // a dangling link reads as missing
            defer { free(real) }
            resolved = DataLayout(dataDir: dataDir, resolvedDatabase: String(cString: real))
            guard FileSystem.info(resolved.databasePath)?.isRegular == true else {
                throw BackupError.notARegularFile(path: resolved.databasePath)
            }
        }
        if let owner = FileSystem.ownerID(dataDir, followingLinks: true),
           let holder = FileSystem.ownerID(resolved.databasePath, followingLinks: false), holder != owner {
            throw BackupError.unsafePath(path: resolved.databasePath,
                                         reason: "the live database belongs to \(Ownership.userName(holder)), not to \(Ownership.userName(owner)), the data dir's owner")
        }
        return resolved
    }

    private init(dataDir: String, resolvedDatabase: String) {
        self.dataDir = dataDir
        self.databasePath = resolvedDatabase
    }

    /// `backups/` and `logs/` may be links (backups on a second disk is a real setup) only
    /// when the link and the folder it leads to belong to the data dir's owner or root: a
    /// link to another shop's folder would have us prune that shop's backups. The folders
    /// inside `backups/` are never links (we make them).
    public func checkFolderLinks() throws {
        guard let owner = FileSystem.ownerID(dataDir, followingLinks: true) else { return }
        let trusted: Set<uid_t> = [owner, 0]
        for dir in [backupsDir, logsDir] {
            guard let link = FileSystem.ownerID(dir, followingLinks: false), FileSystem.info(dir)?.isSymlink == true else { continue }
            guard trusted.contains(link) else {
                throw BackupError.unsafePath(path: dir, reason: "it is a link that belongs to \(Ownership.userName(link)), not to the data dir's owner")
            }
            // A link whose folder cannot be looked at (not ours to open, or a drive that is
            // not mounted) is refused too: nothing is created through it.
            guard let target = FileSystem.ownerID(dir, followingLinks: true), FileSystem.isDirectory(dir) else {
                throw BackupError.unsafePath(path: dir, reason: "it is a link to a folder that is missing or that this user cannot open (is the drive mounted?)")
            }
            guard trusted.contains(target) else {
                throw BackupError.unsafePath(path: dir, reason: "it is a link to a folder that belongs to \(Ownership.userName(target)), not to the data dir's owner")
            }
        }
        for dir in [preUpdateDir, pointInTimeDir, metaDir] where FileSystem.info(dir)?.isSymlink == true {
            throw BackupError.unsafePath(path: dir, reason: "it is a symbolic link")
        }
    }

    static func absolute(_ path: String) -> String {
        var p = path
        if !p.hasPrefix("/") { p = FileManager.default.currentDirectoryPath + "/" + p }
        return URL(fileURLWithPath: p).standardizedFileURL.path
    }
}
