import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A lost till brought back from its replica (`continuous restore`): on a new terminal,
/// into a data dir with no database yet, before continuous protection is set up there.
/// The moment is restored by Litestream into a private temp folder, fully checked
/// (`integrity_check`), made 0600 and renamed into place; nothing is written where the
/// database is until it passed.
extension ContinuousService {
    public struct Recovery: Sendable {
        /// The replica folder restored from (`<folder>/<terminal>/<install id>`).
        public var replicaPath: String
        public var terminal: String
        /// The moment restored (nil: the newest).
        public var moment: Date?
        public var newestSync: Date?
        public var tables: [TableCount]
        public var durationSeconds: Double
        /// Other installs of that terminal left in the folder (an older till's), not used.
        public var otherInstalls: [String]
    }

    /// The replica of one terminal in a replica folder: the folder itself when it is one,
    /// else `<folder>/<terminal>/<install>` (the terminal named, or the only one; the
    /// install with the newest sync when an earlier till left one too).
    public func findReplica(in given: String, terminal: String?) throws -> (path: String, terminal: String, others: [String]) {
        let address = ReplicaAddress.parse(given)
        var remotePath: String?
        if case .s3(_, let path)? = address { remotePath = path }
        if case .sftp(_, _, _, let path)? = address { remotePath = path }
        if let path = remotePath {
            // A bucket or server cannot be looked through without a client of its own: the
            // whole path `continuous init` printed names the terminal and the install.
            let parts = path.split(separator: "/").map(String.init)
            guard parts.count >= 2, TerminalID.isValid(parts[parts.count - 2]),
                  parts[parts.count - 1].count == 16, parts[parts.count - 1].allSatisfy(\.isHexDigit) else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "give the whole path continuous init printed (<replica>/<terminal_id>/<install id>)")
            }
            if let terminal, terminal != parts[parts.count - 2] {
                throw BackupError.continuousInvalidSetting(what: "terminal", reason: "\(given) is the replica of \(parts[parts.count - 2]), not of \(terminal)")
            }
            return (path, parts[parts.count - 2], [])
        }
        guard case .folder(let folder)? = address else {
            throw BackupError.continuousInvalidSetting(what: "replica", reason: "\(ReplicaAddress.masked(given)) is neither a folder, s3://bucket/path nor sftp://user@host:port/path")
        }
        guard FileSystem.isDirectory(folder) else {
            throw BackupError.continuousInvalidSetting(what: "replica", reason: FileSystem.exists(folder)
                ? "\(folder) is not a folder" : "the folder \(folder) does not exist (is the drive mounted?)")
        }
        // A folder this user may not read would look empty: said as what it is.
        if access(folder, R_OK | X_OK) != 0 { throw BackupError.notReadable(path: folder, who: Ownership.describe(folder)) }
        if ReplicaFiles.isReplica(folder) {
            let terminal = FileSystem.fileName(of: FileSystem.parent(of: folder))
            return (folder, terminal, [])
        }
        func installs(_ dir: String) -> [String] {
            FileSystem.list(dir).filter { $0.count == 16 && $0.allSatisfy(\.isHexDigit) && ReplicaFiles.isReplica(dir + "/" + $0) }
        }
        // A terminal's folder is one that holds an install's replica (not any folder there).
        let terminals = FileSystem.list(folder).filter { TerminalID.isValid($0) && !installs(folder + "/" + $0).isEmpty }.sorted()
        let chosen: String
        if let terminal {
            guard terminals.contains(terminal) else {
                throw BackupError.continuousInvalidSetting(what: "terminal", reason: "\(folder) holds no replica of \(terminal)" + (terminals.isEmpty ? "" : " (it holds \(terminals.joined(separator: ", ")))"))
            }
            chosen = terminal
        } else {
            guard terminals.count == 1, let only = terminals.first else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: terminals.isEmpty
                    ? "\(folder) holds no replica (is it the folder continuous init was given?)"
                    : "\(folder) holds the replicas of \(terminals.count) terminals (\(terminals.joined(separator: ", "))): name one with --terminal")
            }
            chosen = only
        }
        let dir = folder + "/" + chosen
        if access(dir, R_OK | X_OK) != 0 { throw BackupError.notReadable(path: dir, who: Ownership.describe(dir)) }
        let newestFirst = installs(dir).sorted { (ReplicaFiles.newestSync(dir + "/" + $0) ?? .distantPast) > (ReplicaFiles.newestSync(dir + "/" + $1) ?? .distantPast) }
        guard let newest = newestFirst.first else {
            throw BackupError.continuousInvalidSetting(what: "replica", reason: "\(dir) holds no Litestream files")
        }
        return (dir + "/" + newest, chosen, Array(newestFirst.dropFirst()))
    }

    /// Restores the replica's newest moment, or `at`, as the live database, which must not
    /// exist yet (a till that still has its database restores with `restore --at`).
    public func recover(from given: String, terminal: String?, at asked: Date?, options: [String] = [],
                        environmentFile: GivenFile? = nil, sshKey: GivenFile? = nil, hostKey: String? = nil, trigger: Trigger = .cli,
                        cancellation: CancellationFlag? = nil) throws -> Recovery {
        let found = try findReplica(in: given, terminal: terminal)
        let address = ReplicaAddress.parse(given)
        var secrets: [String: String] = [:]
        var pinned: String?
        if case .sftp(_, let host, let port, _)? = address {
            guard sshKey != nil else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "an SFTP replica logs in with a key: --ssh-key FILE")
            }
            pinned = try Self.pin(hostKey, host: host, port: port)
        } else if case .s3? = address {
            try Self.checkS3(options: options)
            guard let environmentFile else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "an S3 replica needs its keys: --env-file FILE with AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... lines")
            }
            secrets = try Self.s3Keys(environmentFile)
            guard secrets["AWS_ACCESS_KEY_ID"] != nil, secrets["AWS_SECRET_ACCESS_KEY"] != nil else {
                throw BackupError.continuousInvalidSetting(what: "environment file", reason: "\(environmentFile.path) has no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY lines")
            }
        }
        if address?.isFolder == true, !options.isEmpty || environmentFile != nil || sshKey != nil || hostKey != nil {
            throw BackupError.continuousInvalidSetting(what: "replica", reason: "--option, --env-file, --ssh-key and --host-key are for an S3 or SFTP replica, not a folder")
        }
        let db = layout.databasePath
        guard FileSystem.isDirectory(layout.dataDir) else { throw BackupError.dataDirNotFound(path: layout.dataDir) }
        guard !FileSystem.exists(db) else {
            throw BackupError.continuousInvalidSetting(what: "restore", reason: "\(db) already exists: continuous restore brings a lost till back into an empty data dir; on a till that has its database use mr5-backup restore --at TIME")
        }
        // A WAL or journal left beside the missing database would be applied to the
        // restored one when it is first opened: never guessed about, said.
        for side in ["-wal", "-shm", "-journal"] where FileSystem.exists(db + side) {
            throw BackupError.continuousInvalidSetting(what: "restore", reason: "\(db + side) is there without its database: SQLite would apply it to the restored one; move it out of the data dir first")
        }
        let moment = asked.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
        let executable = try Litestream.locate()
        try layout.ensureDirectories()
        return try engine.recorded(.continuousRestore, trigger: trigger, failureLog: "Continuous restore failed: ") { run in
            try run.takeLock()
            // Litestream's config, bookkeeping and restore for this one run, private and
            // removed after; beside the database, so the checked file is renamed into place.
            let work = FileSystem.temporaryPath(in: FileSystem.parent(of: db), label: "recover")
            try FileSystem.makeDirectory(work, mode: 0o700)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let config = work + "/litestream.yml"
            if let sshKey { try FileSystem.writeAtomically(sshKey.data, to: work + "/ssh-key") }
            try FileSystem.writeAtomically(Data(Litestream.configText(database: db, meta: work + "/meta", address: address, replicaPath: found.path,
                                                                      options: options, sftpKey: work + "/ssh-key", hostKey: pinned,
                                                                      keepDays: 7).utf8), to: config)
            var litestream = Litestream(executable: executable, configPath: config, home: work, cancellation: cancellation)
            litestream.secrets = secrets
            // The window: a folder's files read directly, a bucket's listed by Litestream.
            var synced = ReplicaFiles.newestSync(found.path), oldest = ReplicaFiles.windowStart(found.path)
            if address?.isFolder == false {
                let files = try litestream.transactions(database: db)
                synced = files.filter { $0.level == 0 }.map(\.timestamp).max() ?? files.map(\.timestamp).max()
                oldest = files.map(\.timestamp).min()
                if files.isEmpty { throw BackupError.continuousInvalidSetting(what: "replica", reason: "\(given) holds no replica (is it the path continuous init printed?)") }
            }
            if let moment {
                guard let oldest, synced != nil else {
                    throw BackupError.continuousMomentOutsideWindow(moment: MomentText.format(moment), from: nil, to: nil)
                }
                // The till is lost: nothing was written after the replica's newest sync.
                let from = Date(timeIntervalSince1970: oldest.timeIntervalSince1970.rounded(.up))
                if moment > clock.now() { throw BackupError.continuousMomentInFuture(moment: MomentText.format(moment)) }
                guard moment >= from else {
                    throw BackupError.continuousMomentOutsideWindow(moment: MomentText.format(moment), from: MomentText.format(from), to: "now")
                }
            }
            let restored = work + "/restored.db"
            try litestream.restore(database: db, into: restored, at: moment)
            guard chmod(restored, 0o600) == 0 else { throw BackupError.io(operation: "chmod", path: restored, errno: errno) }
            if let findings = try BackupInspector.check(path: restored, full: true) {
                throw BackupError.verificationFailed(name: "the replica of \(found.terminal)", reason: findings.summary + "; nothing was written to \(db)")
            }
            let tables = try BackupInspector.tableCounts(path: restored)
            try FileSystem.fsyncFile(restored)
            // Renamed into its (missing) name only when whole: never a torn file there.
            guard try FileSystem.renameNoReplace(restored, to: db) else {
                throw BackupError.continuousInvalidSetting(what: "restore", reason: "\(db) appeared while the replica was restored: nothing was replaced")
            }
            let rows = tables.reduce(0) { $0 + $1.rows }
            let what = moment.map { "the moment \(MomentText.format($0))" } ?? "the newest moment"
            let message = "\(what) of \(found.terminal) restored from \(found.path) (\(rows) rows, integrity_check ok)"
            engine.record(run.entry(outcome: .success, message: message))
            logger.info("Continuous restore: \(message)")
            return Recovery(replicaPath: found.path, terminal: found.terminal, moment: moment, newestSync: synced,
                            tables: tables, durationSeconds: run.elapsed, otherInstalls: found.others)
        }
    }
}
