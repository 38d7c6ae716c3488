import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Off-site copies through restic, as one service the engine façade keeps a property for
/// (`engine.offsite`): the setup as kept, and status here; setting up in `+Setup`, pushes
/// in `+Push`, maintenance (remote retention, checks, restore drills, the scheduler's
/// round) in `+Maintenance`, getting a snapshot back in `+Fetch`. restic's arguments and
/// JSON stay in `Restic`; what a push or a drill means for this data dir is here.
///
/// It borrows from the engine only what every operation shares: the layout, the clock, the
/// catalog and metadata, and the history a run is recorded in. A second external engine
/// sits beside it the same way, sharing `ChildProgram` and nothing else.
///
/// Off-site work never takes the operation lock for its restic run (a push must never
/// hold up a local backup): it takes the off-site lock, one restic from this data dir at
/// a time, and the operation lock only for the moment it writes a backup's metadata.
/// State: none of its own; the off-site state file is its one piece of mutable state,
/// changed only through `updateState` under its own lock.
public struct OffsiteService: Sendable {
    let engine: BackupEngine
    /// The most any one restic run of this service may take (a person's `--timeout`): the
    /// run is stopped, with its whole session, and says what it waited for.
    var timeCap: TimeInterval? = nil
    /// Set by SIGTERM or Ctrl-C: the running restic is stopped the same way.
    var cancellation: CancellationFlag? = nil

    /// This service with every restic run capped at `seconds` and stopped when `cancellation` is set.
    public func limited(to seconds: TimeInterval?, cancellation: CancellationFlag?) -> OffsiteService {
        var limited = self
        limited.timeCap = seconds
        limited.cancellation = cancellation
        return limited
    }

    var layout: DataLayout { engine.layout }
    var clock: any EngineClock { engine.clock }
    var logger: Logger { engine.logger }
    var catalog: Catalog { engine.catalog }
    var metadata: MetadataStore { engine.metadata }
    var terminalID: String { engine.terminalID }
}

extension OffsiteService {
    public var paths: OffsitePaths { OffsitePaths(layout: layout) }

    /// The off-site setup, nil when off-site copies are not set up.
    public func config() -> OffsiteConfig? {
        guard let data = try? TrustedFile.read(paths.config, what: BackupEngine.offsiteConfigWhat, dataDir: layout.dataDir) else { return nil }
        return try? HistoryLog.decoder.decode(OffsiteConfig.self, from: data)
    }

    /// The setup for work that uses it: refused naming the file when one of the off-site
    /// files may not be trusted (never "not set up": it is, and someone may have changed it).
    public func requireConfig() throws -> OffsiteConfig {
        try engine.requireTrustedOffsiteFiles()
        guard let config = self.config() else { throw BackupError.offsiteNotConfigured }
        return config
    }

    public func state() -> OffsiteState { OffsiteState.read(paths.state) }

    /// restic for the kept setup, or why there is none (a folder repository's drive that is
    /// not mounted where it was set up is refused before restic could write there).
    func restic(cancellation: CancellationFlag? = nil) throws -> Restic {
        let config = try requireConfig()
        try requireDrive(config)
        let clock = engine.clock
        return Restic(executable: try Restic.locate(), config: config, passwordPath: paths.password,
                      environmentPath: paths.environment, cachePath: paths.cache, cancellation: cancellation ?? self.cancellation,
                      now: { clock.now() }, timeCap: timeCap)
    }

    /// The setup, with a folder repository's drive mounted where it was: what a push
    /// needs before it says it starts.
    @discardableResult
    public func requireReady() throws -> OffsiteConfig {
        let config = try requireConfig()
        try requireDrive(config)
        return config
    }

    /// A folder repository is on the filesystem it was set up on, mounted where it was:
    /// a pulled drive leaves its mount point a bare folder on this terminal's own disk,
    /// and a second drive of the same make is another repository.
    func requireDrive(_ config: OffsiteConfig) throws {
        guard let folder = RepositoryAddress.localFolder(config.repository),
              let mount = config.repositoryMount, let filesystem = config.repositoryFilesystem else { return }
        guard let now = FileSystem.mountIdentity(folder), now.mountPoint == mount else {
            throw BackupError.offsiteDriveNotMounted(repository: config.displayRepository, mountPoint: mount)
        }
        guard now.filesystemID == filesystem else {
            throw BackupError.offsiteOtherDrive(repository: config.displayRepository, mountPoint: mount)
        }
    }

    /// What restic wrote under a folder repository's path after its drive went (restic
    /// makes the folders it misses, so a push goes on into the bare mount point): the
    /// repository's own folders, never a `config` (a real repository always has one), on
    /// another filesystem than the one set up. Removed, and named in the log.
    func removeStrays(_ config: OffsiteConfig) {
        guard let folder = RepositoryAddress.localFolder(config.repository), let mount = config.repositoryMount,
              FileSystem.isDirectory(folder), !FileSystem.exists(folder + "/config"),
              FileSystem.mountIdentity(folder)?.mountPoint != mount else { return }
        var removed: [String] = []
        for sub in ["data", "index", "snapshots", "locks", "keys"] where FileSystem.isDirectory(folder + "/" + sub) {
            do {
                try FileManager.default.removeItem(atPath: folder + "/" + sub)
                removed.append(sub)
            } catch {
                // Left on the terminal's own disk: said, so a technician can remove it.
                logger.error("Could not remove \(folder)/\(sub), written by restic after the drive was gone: \(error.localizedDescription)")
            }
        }
        if FileSystem.list(folder).isEmpty, (try? FileManager.default.removeItem(atPath: folder)) == nil {
            logger.error("Could not remove the empty folder \(folder) left where the drive was mounted")
        }
        if !removed.isEmpty {
            logger.warning("Removed what restic wrote into \(folder) after its drive was gone (\(removed.joined(separator: ", "))): it was on this terminal's own disk")
        }
    }

    /// Reads, changes and writes the off-site state under its own short lock.
    func updateState(_ change: (inout OffsiteState) -> Void) throws {
        let lock = try DataDirLock.offsiteState.take(layout, for: "offsite-state", now: clock.now(), wait: 10)
        defer { lock.release() }
        var state = OffsiteState.read(paths.state)
        change(&state)
        try state.write(paths.state)
    }

    /// Forgets every backup's push (another repository was set up).
    func clearPushMarks() {
        _ = try? DataDirLock.operation.holding(layout, for: "offsite-init", now: clock.now(), wait: 600) {
            for entry in catalog.entries() where entry.record?.offsite != nil {
                guard var record = entry.record else { continue }
                record.offsite = nil
                try? metadata.save(record)
            }
        }
    }

    // MARK: - Status

    /// Off-site copies at a glance: the setup, the state, and what waits to be pushed.
    /// `entries`: the backups already listed by the caller (the folders are read once).
    public func status(entries: [BackupEntry]? = nil) -> OffsiteStatus {
        let config = self.config()
        var status = OffsiteStatus(config: config, resticInstalled: Restic.isInstalled, state: self.state(),
                                   pending: config == nil ? [] : pendingPushes(entries: entries).map(\.name), terminal: terminalID,
                                   pushing: backupBeingPushed())
        if let config { status.missingFiles = missingFiles(config) }
        return status
    }

    /// The kept files the setup needs that are gone: without them every push fails, so
    /// they are said at `status` time, before a push has to fail.
    func missingFiles(_ config: OffsiteConfig) -> [(what: String, path: String)] {
        var missing: [(String, String)] = []
        if !FileSystem.exists(paths.password) { missing.append(("password file", paths.password)) }
        // A setup from before this was recorded: an S3 repository has its keys in the env file.
        let usesEnvironment = config.usesEnvironmentFile ?? config.repository.hasPrefix("s3:")
        if usesEnvironment, !FileSystem.exists(paths.environment) { missing.append(("env file", paths.environment)) }
        if config.options.contains(where: { $0.contains(paths.sshKey) }) {
            if !FileSystem.exists(paths.sshKey) { missing.append(("SSH key", paths.sshKey)) }
            if !FileSystem.exists(paths.knownHosts) { missing.append(("known hosts file", paths.knownHosts)) }
        }
        return missing
    }

    /// Verified local backups (not saved copies) that have no off-site copy yet, oldest first.
    public func pendingPushes(entries: [BackupEntry]? = nil) -> [BackupEntry] {
        (entries ?? catalog.entries())
            .filter { $0.kind.isBackup && $0.status == .verified && $0.record?.offsite == nil }
            .sorted { BackupEntry.newerFirst($1, $0) }
    }

    /// The backup a live push is reading now (retention must leave it alone).
    public func backupBeingPushed() -> String? {
        guard let data = FileSystem.readFile(paths.pushing),
              let marker = try? JSONDecoder().decode(PushMarker.self, from: data),
              marker.pid == getpid() || kill(marker.pid, 0) == 0 || errno == EPERM else { return nil }
        return marker.name
    }

    struct PushMarker: Codable { var name: String; var pid: Int32 }
}
