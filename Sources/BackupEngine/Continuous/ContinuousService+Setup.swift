import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Setting continuous protection up and off. Nothing is kept until Litestream has synced
/// the database into the replica once.
extension ContinuousService {
    /// Sets up replication of the live database into a folder on another disk (a USB drive
    /// or a second disk) or an S3-compatible bucket, under `<terminal_id>/<install id>`:
    /// refused on the data dir's own disk unless `allowSameDisk`, for a database not in WAL
    /// mode (Litestream would switch it unasked; `switchToWAL` switches it when no other
    /// process has it open), and for a replica path that already holds another database's
    /// files. An S3 replica takes its settings as `options` and its keys from
    /// `environmentFile`, kept 0600 beside the setup and given to Litestream only in its
    /// environment.
    public func setUp(replica: String, options: [String] = [], environmentFile: GivenFile? = nil,
                      sshKey: GivenFile? = nil, hostKey: String? = nil,
                      allowSameDisk: Bool = false, switchToWAL: Bool = false, trigger: Trigger = .cli) throws -> ContinuousConfig {
        let given = replica.trimmingCharacters(in: .whitespaces)
        guard let address = ReplicaAddress.parse(given) else {
            throw BackupError.continuousInvalidSetting(what: "replica", reason: "\(ReplicaAddress.masked(given)) is neither a folder, s3://bucket/path nor sftp://user@host:port/path (a password is never part of it: SFTP logs in with --ssh-key)")
        }
        var secrets: String?
        var pinned: String?
        switch address {
        case .folder(let folder):
            guard given.hasPrefix("/") || given.hasPrefix("file://") else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "give the folder's whole path (/media/usb/mr5-continuous), not \(given)")
            }
            if FileSystem.exists(folder), !FileSystem.isDirectory(folder) {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "\(folder) is not a folder")
            }
            // A till's own replica (or a folder inside one) is not a replica folder: the new
            // install would nest inside the old one's files.
            if [folder, FileSystem.parent(of: folder), FileSystem.parent(of: FileSystem.parent(of: folder))].contains(where: ReplicaFiles.isReplica) {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "\(folder) is one till's replica; give the folder above its <terminal>/<install id> folders")
            }
            guard options.isEmpty, environmentFile == nil, sshKey == nil, hostKey == nil else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "--option, --env-file, --ssh-key and --host-key are for an S3 or SFTP replica, not a folder")
            }
            let parent = FileSystem.parent(of: folder)
            guard FileSystem.isDirectory(parent) else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "the folder \(parent) does not exist (is the drive mounted?)")
            }
            if !allowSameDisk, FileSystem.sharesDevice(folder, with: layout.dataDir) {
                throw BackupError.continuousReplicaOnSameDisk(folder: folder)
            }
        case .sftp(_, let host, let port, _):
            guard options.isEmpty, environmentFile == nil else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "--option and --env-file are for an S3 replica; an SFTP one takes --ssh-key and --host-key")
            }
            guard sshKey != nil else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "an SFTP replica logs in with a key of this till's own: --ssh-key FILE (its public half in the server's authorized_keys)")
            }
            pinned = try Self.pin(hostKey, host: host, port: port)
        case .s3:
            guard sshKey == nil, hostKey == nil else {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "--ssh-key and --host-key are for an SFTP replica")
            }
            try Self.checkS3(options: options)
            secrets = try environmentFile.map { file in
                let keys = try Self.s3Keys(file)
                guard keys["AWS_ACCESS_KEY_ID"] != nil, keys["AWS_SECRET_ACCESS_KEY"] != nil else {
                    throw BackupError.continuousInvalidSetting(what: "environment file", reason: "\(file.path) has no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY lines")
                }
                return file.text
            }
            if secrets == nil, config()?.replica != given || !FileSystem.exists(paths.environment) {
                throw BackupError.continuousInvalidSetting(what: "replica", reason: "an S3 replica needs its keys: --env-file FILE with AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... lines")
            }
        }
        _ = try engine.requireDatabaseFile()
        guard let isWAL = databaseIsWAL() else {
            throw BackupError.continuousFailed(action: "setup", reason: "cannot read the database's journal mode now (is it locked?)", detail: nil)
        }
        if !isWAL, !switchToWAL { throw BackupError.continuousNeedsWAL(path: layout.databasePath) }
        let executable = try Litestream.locate()
        // A data dir that never had a backup has no backups/.meta yet, where the install id is kept.
        try engine.requireWritable([layout.backupsDir, layout.metaDir])
        try layout.ensureDirectories()
        guard let install = InstallIdentity.id(layout: layout) else {
            throw BackupError.continuousFailed(action: "setup", reason: "cannot keep this installation's id in \(layout.metaDir)", detail: nil)
        }
        let terminal = engine.terminalID
        let replicaPath = address.replicaPath(terminal: terminal, install: install)
        let old = self.config()
        let here = ContinuousConfig.currentMachineID
        // Files there that this data dir's Litestream never wrote on this machine (a data dir
        // copied to a spare, install id and all): Litestream would let this database take
        // the path over, and its newest moment would then be ours.
        let ours = FileSystem.isDirectory(paths.meta + "/ltx") && (old?.machineID == nil || old?.machineID == here)
        if case .folder = address, FileSystem.isDirectory(replicaPath + "/ltx"), !ours {
            throw BackupError.continuousReplicaTaken(path: replicaPath)
        }
        try engine.requireWritable([layout.backupsDir, layout.metaDir])
        let hadFolder = FileSystem.isDirectory(paths.directory)
        // The keys a working setup uses, put back if this one fails.
        let oldSecrets = FileSystem.readFile(paths.environment)
        let oldKey = FileSystem.readFile(paths.sshKey)
        do {
            return try engine.recorded(.continuousInit, trigger: trigger, failureLog: "Continuous protection setup failed: ") { run in
                try layout.ensureDirectories()
                if !FileSystem.isDirectory(paths.directory) { try FileSystem.makeDirectory(paths.directory, mode: 0o700) }
                if case .folder(let folder) = address {
                    // Litestream makes its files readable by all (0644): the folders above them
                    // are made private first, so only this user reaches them.
                    for dir in [folder, folder + "/" + terminal, replicaPath] where !FileSystem.isDirectory(dir) {
                        try FileSystem.makeDirectory(dir, mode: 0o700)
                    }
                }
                if let secrets { try FileSystem.writeAtomically(Data(secrets.utf8), to: paths.environment) }
                if let sshKey { try FileSystem.writeAtomically(sshKey.data, to: paths.sshKey) }
                var config = ContinuousConfig(replica: given, replicaPath: replicaPath, terminal: terminal, install: install, configuredAt: clock.now())
                config.options = address.isFolder ? nil : options
                config.hostKey = pinned
                config.keepDays = old?.keepDays
                config.lagWarningSeconds = old?.lagWarningSeconds
                config.lagCriticalSeconds = old?.lagCriticalSeconds
                config.drillDays = old?.drillDays
                config.machineID = here
                if case .folder(let folder) = address, let mount = FileSystem.mountIdentity(folder) {
                    config.replicaMount = mount.mountPoint
                    config.replicaFilesystem = mount.filesystemID
                }
                try writeLitestreamConfig(config)
                var litestream = Litestream(executable: executable, configPath: paths.litestreamConfig, home: paths.directory)
                litestream.secrets = try self.secrets(config)
                if !address.isFolder, !ours, !(try litestream.transactions(database: layout.databasePath)).isEmpty {
                    throw BackupError.continuousReplicaTaken(path: config.displayReplica)
                }
                // Last, once the replica answered and nothing else can refuse: a refused
                // setup leaves the POS's database as it was.
                if !isWAL { try switchDatabaseToWAL() }
                // One sync before anything is kept: the replica takes Litestream's files.
                // Not beside a Litestream already running for this data dir (the same
                // bookkeeping): the scheduler starts it again with the new setup.
                if !state().isRunning { try litestream.replicateOnce() }
                if !address.isFolder { try? listReplica(config, with: litestream) }
                try FileSystem.writeAtomically(try MetadataStore.encoder.encode(config), to: paths.config)
                let message = "replicating \(layout.databasePath) to \(config.displayReplica)"
                engine.record(run.entry(outcome: .success, message: message))
                logger.info("Continuous protection: \(message)")
                return config
            }
        } catch {
            if old == nil { try? FileSystem.remove(paths.litestreamConfig) }
            for (given, old, path) in [(secrets != nil, oldSecrets, paths.environment), (sshKey != nil, oldKey, paths.sshKey)] where given {
                if let old { try? FileSystem.writeAtomically(old, to: path) } else { try? FileSystem.remove(path) }
            }
            if !hadFolder { try? FileManager.default.removeItem(atPath: paths.directory) }
            throw error
        }
    }

    /// The server's key as given, or a refusal that shows what the server offers and asks
    /// for it to be checked and given: never trusted on first use.
    static func pin(_ given: String?, host: String, port: Int) throws -> String {
        if let given {
            guard let key = SFTPHostKey.normalize(given) else {
                throw BackupError.continuousInvalidSetting(what: "host key", reason: "it is not an SSH public key ('ecdsa-sha2-nistp256 AAAA...', as the server's /etc/ssh/ssh_host_*_key.pub holds it)")
            }
            // A key of another kind than the one Litestream asks the server for would fail
            // every connection as a mismatch: said now, with the kind to pin.
            let type = key.split(separator: " ")[0]
            if let checked = SFTPHostKey.checked(among: SFTPHostKey.offered(host: host, port: port)), checked.split(separator: " ")[0] != type {
                throw BackupError.continuousInvalidSetting(what: "host key", reason: "Litestream checks \(host):\(port) by its \(checked.split(separator: " ")[0]) key, not its \(type) one: pin that key (\(SFTPHostKey.fingerprint(checked) ?? "?")) after checking it with the server's admin")
            }
            return key
        }
        let offered = SFTPHostKey.offered(host: host, port: port)
        guard let first = SFTPHostKey.checked(among: offered) else {
            throw BackupError.continuousInvalidSetting(what: "host key", reason: "an SFTP replica needs the server's key pinned: --host-key 'ssh-ed25519 AAAA...' (\(host):\(port) could not be asked for it)")
        }
        // The fingerprint only: the key itself comes from the server's admin (its
        // /etc/ssh/ssh_host_*_key.pub), so what is pinned was checked, not copied from here.
        let type = first.split(separator: " ")[0]
        let fingerprint = SFTPHostKey.fingerprint(first) ?? "?"
        throw BackupError.continuousInvalidSetting(what: "host key", reason: "\(host):\(port) is not pinned: Litestream checks its \(type) key, whose fingerprint is \(fingerprint); get that key from the server's admin (/etc/ssh/ssh_host_\(type.hasPrefix("ecdsa") ? "ecdsa" : type.hasPrefix("ssh-rsa") ? "rsa" : "ed25519")_key.pub), check the fingerprint, and give it as --host-key '\(type) AAAA...'")
    }

    /// S3 settings are `key=value` with a key Litestream's S3 replica takes; never a secret.
    static func checkS3(options: [String]) throws {
        for option in options {
            guard let eq = option.firstIndex(of: "="), eq != option.startIndex, !option.contains(where: \.isNewline) else {
                throw BackupError.continuousInvalidSetting(what: "option", reason: "\(OffsiteConfig.mask(option)) is not key=value on one line")
            }
            let key = String(option[..<eq])
            guard Litestream.s3Options[key] != nil else {
                throw BackupError.continuousInvalidSetting(what: "option", reason: "\(key) is not an S3 setting (\(Litestream.s3Options.keys.sorted().joined(separator: ", ")); keys go in --env-file)")
            }
        }
    }

    /// The S3 keys in an environment file given on the command line.
    static func s3Keys(_ file: GivenFile) throws -> [String: String] {
        do { _ = try EnvironmentFile.parse(file.text) } catch {
            throw BackupError.continuousInvalidSetting(what: "environment file", reason: EnvironmentFile.words(error, source: file.path))
        }
        return secrets(in: file.text, source: file.path)
    }

    /// Turns continuous protection off: the setup is removed and the running Litestream
    /// stopped (the replica is left as it is, restorable).
    public func turnOff(trigger: Trigger = .cli) throws -> ContinuousConfig {
        guard let config = self.config() else { throw BackupError.continuousNotConfigured }
        return try engine.recorded(.continuousOff, trigger: trigger, failureLog: "Continuous protection off failed: ") { run in
            try FileSystem.remove(paths.config)
            try? FileSystem.remove(paths.litestreamConfig)
            // The replica's keys go with the setup: nothing is left that logs in anywhere.
            try? FileSystem.remove(paths.environment)
            try? FileSystem.remove(paths.sshKey)
            let state = self.state()
            if state.isRunning, let pid = state.pid, Self.isLitestream(pid, config: paths.litestreamConfig) { kill(pid, SIGTERM) }
            // Litestream's bookkeeping holds a whole copy of the database: not left behind.
            if FileSystem.exists(paths.meta) {
                do { try FileManager.default.removeItem(atPath: paths.meta) } catch {
                    logger.warning("Could not remove Litestream's bookkeeping \(paths.meta) (a copy of the database): \(error.localizedDescription)")
                }
            }
            let message = "continuous protection off; the replica in \(config.replicaPath) is left as it is"
            engine.record(run.entry(outcome: .success, message: message))
            logger.info("\(message)")
            return config
        }
    }

    /// The folder a replica string names: `/media/usb/mr5` or `file:///media/usb/mr5`.
    static func folder(of replica: String) -> String? {
        var path = replica
        if path.hasPrefix("file://") { path = String(path.dropFirst(7)) }
        guard path.hasPrefix("/"), !path.contains(where: \.isNewline) else { return nil }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    static func isLitestream(_ pid: Int32, config: String? = nil) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let argv = String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
        guard argv.first?.hasSuffix("litestream") == true else { return false }
        return config.map(argv.contains) ?? true
    }

    /// `PRAGMA journal_mode=WAL`, only while no other process has the database open:
    /// SQLite lets the switch happen under another connection that is idle, and a POS
    /// that opened it in rollback mode must not find it changed under it.
    private func switchDatabaseToWAL() throws {
        let users = try DatabaseUsers.processes(holding: layout.databasePath)
        guard users.isEmpty else {
            throw BackupError.continuousDatabaseInUse(path: layout.databasePath, pids: users)
        }
        do {
            let db = try SQLiteConnection(path: layout.databasePath, mode: .readWrite)
            try db.execute("PRAGMA journal_mode=WAL")
        }
        guard databaseIsWAL() == true else {
            throw BackupError.continuousFailed(action: "setup", reason: "the database did not switch to WAL", detail: nil)
        }
        logger.info("Switched \(layout.databasePath) to WAL for continuous protection")
    }
}

/// The processes that have a file open, found through `/proc/*/fd` (this one left out),
/// matched on the file's real path (the kernel's links name no symlink). A process of the
/// file's owner whose descriptors cannot be read fails the search: it may be the POS.
enum DatabaseUsers {
    static func processes(holding path: String) throws -> [Int32] {
        let me = getpid()
        let real = (path as NSString).resolvingSymlinksInPath
        let names: Set<String> = [real, real + "-wal", real + "-journal"]
        let owner = FileSystem.ownerID(path, followingLinks: true)
        var out: [Int32] = []
        for entry in FileSystem.list("/proc") {
            guard let pid = Int32(entry), pid != me else { continue }
            let fds = "/proc/\(entry)/fd"
            guard let list = try? FileManager.default.contentsOfDirectory(atPath: fds) else {
                if FileSystem.exists("/proc/\(entry)"), FileSystem.ownerID("/proc/\(entry)", followingLinks: false) == owner {
                    throw BackupError.continuousFailed(action: "setup", reason: "cannot see which files process \(pid) has open (run as root or as the database's owner)", detail: nil)
                }
                continue
            }
            for fd in list {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fds + "/" + fd) else { continue }
                if names.contains(target) { out.append(pid); break }
            }
        }
        return out.sorted()
    }
}
