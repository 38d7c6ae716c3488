import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Off-site copies through restic: setup, status and pushes. Maintenance (remote
/// retention, checks, restore drills) is in `+OffsiteMaintenance`, fetching a snapshot
/// back in `+OffsiteRestore`.
///
/// Off-site work never takes the operation lock for its restic run (a push must never
/// hold up a local backup): it takes the off-site lock, one restic from this data dir at
/// a time, and the operation lock only for the moment it writes a backup's metadata.
extension BackupEngine {
    public var offsitePaths: OffsitePaths { OffsitePaths(layout: layout) }

    /// The off-site setup, nil when off-site copies are not set up.
    public func offsiteConfig() -> OffsiteConfig? {
        guard let data = try? TrustedFile.read(offsitePaths.config, what: Self.offsiteConfigWhat, dataDir: layout.dataDir) else { return nil }
        return try? HistoryLog.decoder.decode(OffsiteConfig.self, from: data)
    }

    /// The setup for work that uses it: refused naming the file when one of the off-site
    /// files may not be trusted (never "not set up": it is, and someone may have changed it).
    public func requireOffsiteConfig() throws -> OffsiteConfig {
        try requireTrustedOffsiteFiles()
        guard let config = offsiteConfig() else { throw BackupError.offsiteNotConfigured }
        return config
    }

    /// What the health rules need of the off-site setup; nil when it is not set up.
    public func offsiteHealth() -> OffsiteHealth? {
        guard let config = offsiteConfig() else { return nil }
        return OffsiteHealth(repository: config.displayRepository, resticInstalled: Restic.isInstalled,
                             configuredAt: config.configuredAt, state: offsiteState())
    }

    public func offsiteState() -> OffsiteState { OffsiteState.read(offsitePaths.state) }

    /// restic for the kept setup, or why there is none.
    func restic(cancellation: CancellationFlag? = nil) throws -> Restic {
        let config = try requireOffsiteConfig()
        let paths = offsitePaths
        return Restic(executable: try Restic.locate(), config: config, passwordPath: paths.password,
                      environmentPath: paths.environment, cachePath: paths.cache, cancellation: cancellation)
    }

    // MARK: - Setup

    public struct OffsiteInitResult: Sendable {
        public var repository: String
        /// True when the repository was made now; false when an existing one was opened.
        public var created: Bool
        /// The password made for a new repository, shown once; nil when one was given or kept.
        public var generatedPassword: String?
    }

    /// Sets up off-site copies: checks that `repository` opens with the password (or
    /// initialises it, format 2 with compression, when there is none yet) before anything
    /// is kept; then keeps the repository, options, password and environment file.
    /// A wrong password, a path with no repository behind it or a server that does not
    /// answer changes no file.
    ///
    /// A local folder must be on another filesystem than the data dir (a USB drive, a second
    /// disk), unless `allowSameDisk`: a drive that is not mounted leaves its mount point an
    /// empty folder on the terminal's own disk, and copies there die with it.
    public func offsiteInit(repository: String, options: [String] = [], passwordFile: GivenFile? = nil,
                            environmentFile: GivenFile? = nil, allowSameDisk: Bool = false,
                            trigger: Trigger = .cli) throws -> OffsiteInitResult {
        let repository = repository.trimmingCharacters(in: .whitespaces)
        guard !repository.isEmpty else { throw BackupError.offsiteInvalidSetting(what: "repository", reason: "it is empty") }
        guard !repository.contains(where: \.isNewline) else { throw BackupError.offsiteInvalidSetting(what: "repository", reason: "it has several lines") }
        for option in options where !option.contains("=") || option.contains(where: \.isNewline) || option.hasPrefix("=") {
            throw BackupError.offsiteInvalidSetting(what: "option", reason: "\(OffsiteConfig.mask(option)) is not key=value on one line")
        }
        if let folder = RepositoryAddress.localFolder(repository) {
            // restic would make the whole path: an unmounted USB drive would then fill the
            // terminal's own disk while the technician believes the copies are off-site.
            let parent = FileSystem.parent(of: folder)
            guard FileSystem.isDirectory(parent) else {
                throw BackupError.offsiteInvalidSetting(what: "repository", reason: "the folder \(parent) does not exist (is the drive mounted?)")
            }
            let existing = FileSystem.isDirectory(folder) ? folder : parent
            if !allowSameDisk, let here = FileSystem.device(layout.dataDir), FileSystem.device(existing) == here {
                throw BackupError.offsiteRepositoryOnSameDisk(folder: folder)
            }
        }
        let given = try passwordFile.map { try Self.password(in: $0.data, source: $0.path) }
        let environment = try environmentFile.map { file -> String in
            _ = try Restic.parseEnvironment(file.text, source: file.path)
            return file.text
        }
        guard FileSystem.isDirectory(layout.dataDir) else { throw BackupError.dataDirNotFound(path: layout.dataDir) }
        let executable = try Restic.locate()
        try requireWritable([layout.backupsDir, layout.metaDir])

        return try recorded(.offsiteInit, trigger: trigger, failureLog: "Off-site setup failed: ") { run in
            try layout.ensureDirectories()
            let paths = offsitePaths
            let lock = try takeOffsiteLock("offsite-init", wait: 60)
            defer { lock.release() }

            // The password: the one given, else the one kept for this same repository, else a new one.
            let old = offsiteConfig()
            let keptPassword = old?.repository == repository ? (try? readPasswordFile(paths.password)) : nil
            let generated = given == nil && keptPassword == nil ? Self.makePassword() : nil
            let password = given ?? keptPassword ?? generated!

            // Tried from temp files: nothing is kept until the repository opened.
            let tmpPassword = FileSystem.temporaryPath(in: paths.directory, label: "password")
            let tmpEnvironment = FileSystem.temporaryPath(in: paths.directory, label: "env")
            defer { try? FileSystem.remove(tmpPassword); try? FileSystem.remove(tmpEnvironment) }
            try FileSystem.writeAtomically(Data((password + "\n").utf8), to: tmpPassword)
            let environmentText = environment ?? (old?.repository == repository ? FileSystem.readFile(paths.environment).map { String(decoding: $0, as: UTF8.self) } : nil)
            if let environmentText { try FileSystem.writeAtomically(Data(environmentText.utf8), to: tmpEnvironment) }

            var config = OffsiteConfig(repository: repository, options: options, configuredAt: clock.now())
            if let old {
                config.keepDaily = old.keepDaily; config.keepWeekly = old.keepWeekly; config.keepMonthly = old.keepMonthly
                if old.repository == repository { config.configuredAt = old.configuredAt }
            }
            let restic = Restic(executable: executable, config: config, passwordPath: tmpPassword,
                                environmentPath: tmpEnvironment, cachePath: paths.cache)
            var created = false
            do {
                _ = try restic.run("setup", ["cat", "config"], timeLimit: 120)
            } catch BackupError.offsiteRepositoryNotFound {
                _ = try restic.run("setup", ["init", "--repository-version", "2"], timeLimit: 300)
                created = true
            }

            try FileSystem.renameDurably(tmpPassword, to: paths.password)
            if environmentText != nil {
                try FileSystem.renameDurably(tmpEnvironment, to: paths.environment)
            } else {
                try? FileSystem.remove(paths.environment)
            }
            try FileSystem.writeAtomically(try MetadataStore.encoder.encode(config), to: paths.config)
            if old?.repository != repository {
                // Another repository: what was pushed before is not in this one.
                try updateOffsiteState { $0 = OffsiteState() }
                clearPushMarks()
            }
            let message = created ? "created the off-site repository \(config.displayRepository)"
                                  : "off-site copies go to the existing repository \(config.displayRepository)"
            record(run.entry(outcome: .success, message: message))
            logger.info("\(message)")
            return OffsiteInitResult(repository: config.displayRepository, created: created, generatedPassword: generated)
        }
    }

    /// 32 random bytes, as 64 hex digits (easy to copy from a screen onto paper).
    static func makePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    private func readPasswordFile(_ path: String) throws -> String {
        guard let data = FileSystem.readFile(path) else {
            throw BackupError.offsiteInvalidSetting(what: "password file", reason: "cannot read \(path)")
        }
        return try Self.password(in: data, source: path)
    }

    /// The first line of a password file.
    static func password(in data: Data, source path: String) throws -> String {
        let first = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard !first.isEmpty else { throw BackupError.offsiteInvalidSetting(what: "password file", reason: "\(path) has no password on its first line") }
        return first
    }

    /// Reads, changes and writes the off-site state under its own short lock.
    func updateOffsiteState(_ change: (inout OffsiteState) -> Void) throws {
        let paths = offsitePaths
        let lock = try FileLock(path: paths.directory + "/.state.lock", operation: "offsite-state", now: clock.now(), wait: 10)
        defer { lock.release() }
        var state = OffsiteState.read(paths.state)
        change(&state)
        try state.write(paths.state)
    }

    /// Forgets every backup's push (another repository was set up).
    private func clearPushMarks() {
        _ = try? withOperationLock("offsite-init", wait: 600) {
            for entry in catalog.entries() where entry.record?.offsite != nil {
                guard var record = entry.record else { continue }
                record.offsite = nil
                try? metadata.save(record)
            }
        }
    }

    // MARK: - Status

    /// Off-site copies at a glance: the setup, the state, and what waits to be pushed.
    public struct OffsiteStatus: Sendable {
        public var config: OffsiteConfig?
        public var resticInstalled: Bool
        public var state: OffsiteState
        /// Verified local backups not pushed yet, oldest first.
        public var pending: [String]
        public var terminal: String
        /// The backup being pushed right now, if any.
        public var pushing: String?
    }

    public func offsiteStatus() -> OffsiteStatus {
        let config = offsiteConfig()
        return OffsiteStatus(config: config, resticInstalled: Restic.isInstalled, state: offsiteState(),
                             pending: config == nil ? [] : pendingPushes().map(\.name), terminal: terminalID,
                             pushing: backupBeingPushed())
    }

    /// Verified local backups (not saved copies) that have no off-site copy yet, oldest first.
    public func pendingPushes() -> [BackupEntry] {
        catalog.entries()
            .filter { $0.kind.isBackup && $0.status == .verified && $0.record?.offsite == nil }
            .sorted { BackupEntry.newerFirst($1, $0) }
    }

    /// The backup a live push is reading now (retention must leave it alone).
    public func backupBeingPushed() -> String? {
        guard let data = FileSystem.readFile(offsitePaths.pushing),
              let marker = try? JSONDecoder().decode(PushMarker.self, from: data),
              marker.pid == getpid() || kill(marker.pid, 0) == 0 || errno == EPERM else { return nil }
        return marker.name
    }

    struct PushMarker: Codable { var name: String; var pid: Int32 }

    // MARK: - Push

    public struct OffsitePushResult: Sendable, Equatable {
        public var name: String
        public var snapshot: String
        public var bytesAdded: Int64
        public var seconds: Double
        /// True when it had been pushed before (nothing was sent now).
        public var alreadyPushed: Bool
    }

    /// Pushes one backup, or (with no name) every verified backup not pushed yet, oldest
    /// first, each recorded on its own; the first failure stops the round. A push reads
    /// the verified local file and never changes it.
    /// `lockWait`: how long to wait for another restic of this data dir (our off-site lock);
    /// `repositoryLockWait`: for a live lock in the repository (another terminal's prune).
    public func offsitePush(name: String? = nil, trigger: Trigger = .cli, timeLimit: TimeInterval? = nil,
                            lockWait: TimeInterval = 120, repositoryLockWait: TimeInterval = 600,
                            cancellation: CancellationFlag? = nil) throws -> [OffsitePushResult] {
        _ = try requireOffsiteConfig()
        let entries: [BackupEntry]
        if let name {
            let entry = try catalog.entry(named: name)
            guard entry.kind.isBackup else { throw BackupError.notRestorable(name: name, reason: "only backups are copied off-site, not a restore's saved copy or a .sql file") }
            if let copy = entry.record?.offsite {
                return [OffsitePushResult(name: name, snapshot: copy.snapshot, bytesAdded: 0, seconds: 0, alreadyPushed: true)]
            }
            guard entry.status == .verified else {
                throw BackupError.notRestorable(name: name, reason: "only verified backups are copied off-site (\(entry.statusDetail ?? entry.status.rawValue))")
            }
            entries = [entry]
        } else {
            entries = pendingPushes()
        }
        var results: [OffsitePushResult] = []
        for entry in entries {
            if cancellation?.isCancelled == true { throw BackupError.cancelled }
            do {
                results.append(try pushOne(entry, trigger: trigger, timeLimit: timeLimit, lockWait: lockWait,
                                           repositoryLockWait: repositoryLockWait, cancellation: cancellation))
            } catch BackupError.backupNotFound where name == nil {
                // Removed by retention meanwhile: nothing to push, and the newer ones still go.
                continue
            }
        }
        return results
    }

    private func pushOne(_ entry: BackupEntry, trigger: Trigger, timeLimit: TimeInterval?, lockWait: TimeInterval,
                         repositoryLockWait: TimeInterval, cancellation: CancellationFlag?) throws -> OffsitePushResult {
        let paths = offsitePaths
        // Another restic of this data dir at work is not a failed push: refused before
        // anything is recorded or counted (the scheduler's next round pushes).
        let lock = try takeOffsiteLock("offsite-push", wait: lockWait)
        defer { lock.release() }
        do {
            return try recorded(.offsitePush, trigger: trigger, name: entry.name, kind: entry.kind, failureLog: "Off-site push failed: ") { run in
                let restic = try restic(cancellation: cancellation)
                // The marker is written under the operation lock, so retention (which holds it)
                // either removed the backup before (we see that now) or sees the marker.
                try withOperationLock("offsite-push", wait: 600) {
                    try FileSystem.writeAtomically(try JSONEncoder().encode(PushMarker(name: entry.name, pid: getpid())), to: paths.pushing)
                    guard FileSystem.exists(entry.path) else {
                        try? FileSystem.remove(paths.pushing)
                        throw BackupError.backupNotFound(name: entry.name)
                    }
                }
                defer { try? FileSystem.remove(paths.pushing) }

                let limit = timeLimit ?? Self.pushTimeLimit(bytes: entry.sizeBytes)
                let arguments = ["backup", "--json", "--stdin", "--stdin-filename", DataLayout.defaultDatabaseName,
                                 "--host", terminalID, "--tag", "mr5-backup", "--tag", "kind:\(entry.kind.rawValue)",
                                 "--tag", "app:\(ToolVersion.current)", "--tag", "name:\(entry.name)",
                                 "--tag", "size:\(entry.sizeBytes)", "--time", Self.resticTime(entry.createdAt)]
                let output = try withRepositoryLockRetry(restic, wait: repositoryLockWait) {
                    try restic.run("push", arguments, input: .file(entry.path), timeLimit: limit)
                }
                guard let summary = Self.backupSummary(output.stdout) else {
                    throw BackupError.offsiteFailed(action: "push", reason: "restic reported no snapshot", detail: String(decoding: output.stdout, as: UTF8.self))
                }
                let copy = OffsiteCopy(snapshot: summary.snapshot, pushedAt: clock.now(), bytesAdded: summary.added)
                try markPushed(entry.name, copy)
                try updateOffsiteState { s in
                    s.lastPushAt = copy.pushedAt
                    s.lastPushSnapshot = copy.snapshot
                    s.lastPushBackup = entry.name
                    s.consecutiveFailures = 0
                    s.retryAfter = nil
                    s.failedBackups.removeAll { $0 == entry.name }
                    s.snapshots = s.snapshots.map { $0 + 1 }
                    s.bytesStored = s.bytesStored.map { $0 + copy.bytesAdded }
                }
                let seconds = run.elapsed
                record(run.entry(outcome: .success, backupName: entry.name, kind: entry.kind, sizeBytes: entry.sizeBytes,
                                 durationSeconds: seconds,
                                 message: "pushed to \(restic.config.displayRepository) as snapshot \(copy.snapshot), \(ByteCount.format(copy.bytesAdded)) added"))
                logger.info("Off-site push of \(entry.name): snapshot \(copy.snapshot), \(ByteCount.format(copy.bytesAdded)) added in \(String(format: "%.1f", seconds)) s")
                return OffsitePushResult(name: entry.name, snapshot: copy.snapshot, bytesAdded: copy.bytesAdded, seconds: seconds, alreadyPushed: false)
            }
        } catch let error as BackupError {
            // A person's mistyped input is not a failed push, nor is another restic of ours
            // running (the next round pushes); anything else counts, on its own.
            if case .busy = error { throw error }
            if case .backupNotFound = error { throw error }
            if !(error.isInputError && trigger != .scheduler), error != .cancelled {
                let now = clock.now()
                try? updateOffsiteState { s in
                    s.consecutiveFailures += 1
                    s.failuresTotal += 1
                    s.lastFailureAt = now
                    s.lastFailure = error.description
                    if !s.failedBackups.contains(entry.name) { s.failedBackups.append(entry.name) }
                    s.retryAfter = now.addingTimeInterval(OffsiteState.backoff(afterFailures: s.consecutiveFailures))
                }
                refreshMetrics()
            }
            throw error
        }
    }

    /// Writes the push into the backup's metadata, under the operation lock for that
    /// moment only (verify and retention write metadata under it too).
    private func markPushed(_ name: String, _ copy: OffsiteCopy) throws {
        try withOperationLock("offsite-push", wait: 600) {
            guard var record = metadata.load(name) else { return }  // removed meanwhile: the history still has it
            record.offsite = copy
            try metadata.save(record)
        }
    }

    /// Runs `body` holding the operation lock for that moment only.
    func withOperationLock<T>(_ operation: String, wait: TimeInterval, _ body: () throws -> T) throws -> T {
        let lock = try FileLock(path: layout.operationLockPath, operation: operation, now: clock.now(), wait: wait)
        defer { lock.release() }
        return try body()
    }

    /// At least 30 minutes, plus a second per MiB (a slow uplink at a shop).
    static func pushTimeLimit(bytes: Int64) -> TimeInterval { 1800 + Double(bytes) / 1_048_576 }

    /// The backup's own time, in the local time restic reads `--time` in.
    static func resticTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }

    /// The snapshot id and bytes added from `restic backup --json`'s summary line.
    static func backupSummary(_ stdout: Data) -> (snapshot: String, added: Int64)? {
        struct Summary: Decodable {
            var message_type: String
            var snapshot_id: String?
            var data_added: Int64?
        }
        for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n").reversed() {
            guard let s = try? JSONDecoder().decode(Summary.self, from: Data(line.utf8)), s.message_type == "summary",
                  let id = s.snapshot_id else { continue }
            return (id, s.data_added ?? 0)
        }
        return nil
    }

    /// Runs `body`; when another restic holds the repository's lock, removes stale locks
    /// (`restic unlock` removes only those of dead processes) and tries again, waiting for
    /// a live lock up to `wait` seconds.
    func withRepositoryLockRetry<T>(_ restic: Restic, wait: TimeInterval, _ body: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(wait)
        var unlocked = false
        var pause: TimeInterval = 2
        while true {
            do { return try body() } catch BackupError.offsiteLocked(let repo, let reason) {
                if !unlocked {
                    unlocked = true
                    _ = try? restic.run("unlock", ["unlock"], timeLimit: 120)
                    logger.info("Off-site repository was locked; removed stale locks and trying again")
                    continue
                }
                guard Date().addingTimeInterval(pause) < deadline else { throw BackupError.offsiteLocked(repository: repo, reason: reason) }
                if restic.cancellation?.isCancelled == true { throw BackupError.cancelled }
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 30)
                // A lock whose holder died while we waited is stale now.
                unlocked = false
            }
        }
    }
}
