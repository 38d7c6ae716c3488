import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Continuous protection through Litestream, as one service the engine façade keeps a
/// property for (`engine.continuous`), beside off-site copies and sharing only
/// `ChildProgram` with them: the setup as kept, setting up and off in `+Setup`, and status
/// here. Litestream itself runs under `ContinuousSupervisor`, owned by the scheduler.
/// State: none of its own; the state file is written only by the supervisor.
public struct ContinuousService: Sendable {
    let engine: BackupEngine

    var layout: DataLayout { engine.layout }
    var clock: any EngineClock { engine.clock }
    var logger: Logger { engine.logger }
    public var paths: ContinuousPaths { ContinuousPaths(layout: layout) }

    /// The setup, nil when continuous protection is not set up (or its file may not be
    /// trusted: it says where Litestream writes).
    public func config() -> ContinuousConfig? {
        guard let data = try? TrustedFile.read(paths.config, what: Self.configWhat, dataDir: layout.dataDir),
              let config = try? HistoryLog.decoder.decode(ContinuousConfig.self, from: data),
              config.expectedReplicaPath == config.replicaPath else { return nil }
        return config
    }

    static let configWhat = "the continuous protection setup"

    /// Why the kept setup cannot be used, when there is one that cannot: never silently
    /// "not set up" (protection would stop without a word).
    func configProblem() -> String? {
        guard FileSystem.exists(paths.config) else { return nil }
        guard config() != nil else { return "the continuous protection setup \(paths.config) cannot be read or does not add up: run mr5-backup continuous init again" }
        return nil
    }

    /// Why Litestream must not run now with this setup (it would write where it must not).
    func startProblem(_ config: ContinuousConfig) -> String? {
        if let id = config.machineID, let here = ContinuousConfig.currentMachineID, id != here {
            return "continuous protection was set up on another machine (a copied data dir?): run mr5-backup continuous init here"
        }
        // A data dir copied to another folder carries the setup of the one it came from:
        // its Litestream would write this database into the other's replica.
        if InstallIdentity.current(layout: layout) != config.install {
            return "this continuous setup came with a data dir copied from another folder: run mr5-backup continuous init here"
        }
        if let mount = config.replicaMount, let filesystem = config.replicaFilesystem {
            let now = FileSystem.mountIdentity(ContinuousService.folder(of: config.replica) ?? config.replicaPath)
            if now?.mountPoint != mount || now?.filesystemID != filesystem {
                return "the replica's drive is not mounted at \(mount): nothing is being replicated"
            }
        }
        return nil
    }

    /// The state as kept; a pid in it that is not this data dir's Litestream (a state file a
    /// copied data dir brought along, a pid used again) is left out.
    public func state() -> ContinuousState {
        var state = ContinuousState.read(paths.state)
        if let pid = state.pid, !Self.isLitestream(pid, config: paths.litestreamConfig) { state.pid = nil }
        return state
    }

    public func status() -> ContinuousStatus {
        let config = self.config()
        let state = self.state()
        var status = ContinuousStatus(config: config, installed: Litestream.isInstalled, state: state, running: state.isRunning)
        status.problem = configProblem()
        guard let config else { return status }
        status.problem = startProblem(config)
        status.now = clock.now()
        if config.address?.isFolder == false {
            status.lastSyncAt = status.state.listing?.newest
            status.windowStart = status.state.listing?.oldest
            status.replicaBytes = status.state.listing?.bytes
        } else {
            status.lastSyncAt = ReplicaFiles.newestSync(config.replicaPath)
            status.windowStart = ReplicaFiles.windowStart(config.replicaPath)
            status.replicaBytes = ReplicaFiles.bytes(config.replicaPath)
        }
        // The WAL's time: a commit writes it; Litestream's own checkpoints copy pages into
        // the database file and would look like a commit never synced.
        let db = layout.databasePath
        status.databaseChangedAt = (FileSystem.info(db + "-wal") ?? FileSystem.info(db))?.modified
        return status
    }

    /// Litestream for the kept setup (its config written afresh from ours).
    func litestream(_ config: ContinuousConfig, cancellation: CancellationFlag? = nil) throws -> Litestream {
        let executable = try Litestream.locate()
        try writeLitestreamConfig(config)
        var litestream = Litestream(executable: executable, configPath: paths.litestreamConfig, home: paths.directory, cancellation: cancellation)
        litestream.secrets = try secrets(config)
        return litestream
    }

    func writeLitestreamConfig(_ config: ContinuousConfig) throws {
        let text = Litestream.configText(database: layout.databasePath, meta: paths.meta, address: config.address, replicaPath: config.replicaPath,
                                         options: config.options ?? [], sftpKey: paths.sshKey, hostKey: config.hostKey, keepDays: config.keep)
        try FileSystem.writeAtomically(Data(text.utf8), to: paths.litestreamConfig)
    }

    /// A remote replica's keys, from the kept environment file (read only when it belongs
    /// to the data dir's owner and nobody else can read or write it).
    func secrets(_ config: ContinuousConfig) throws -> [String: String] {
        guard case .s3? = config.address else { return [:] }
        guard FileSystem.exists(paths.environment) else {
            throw BackupError.continuousFailed(action: "start", reason: "the S3 keys file \(paths.environment) is missing: run mr5-backup continuous init again with --env-file", detail: nil)
        }
        let data = try TrustedFile.read(paths.environment, what: "the continuous replica's keys", dataDir: layout.dataDir) ?? Data()
        return Self.secrets(in: String(decoding: data, as: UTF8.self), source: paths.environment)
    }

    /// The S3 keys among an environment file's lines (anything else in it is left out).
    static func secrets(in text: String, source: String) -> [String: String] {
        let pairs = (try? EnvironmentFile.parse(text)) ?? []
        return Dictionary(pairs.filter { Litestream.s3Secrets.contains($0.0) }, uniquingKeysWith: { _, last in last })
    }

    /// Lists a remote replica's files and keeps what they say in the state (`listing`);
    /// a listing that fails is kept too, with why, and leaves the last good times.
    func listReplica(_ config: ContinuousConfig, with given: Litestream? = nil, cancellation: CancellationFlag? = nil) throws {
        let now = clock.now()
        do {
            let litestream = try given ?? self.litestream(config, cancellation: cancellation)
            let files = try litestream.transactions(database: layout.databasePath)
            writeState { $0.listing = ContinuousState.Listing(at: now, newest: files.filter { $0.level == 0 }.map(\.timestamp).max() ?? files.map(\.timestamp).max(),
                                                                   oldest: files.map(\.timestamp).min(), bytes: files.reduce(0) { $0 + $1.size }) }
        } catch {
            let why = BackupError(error).description
            writeState { s in
                var kept = s.listing ?? ContinuousState.Listing(at: now, bytes: 0)
                kept.at = now
                kept.problem = why
                s.listing = kept
            }
            throw error
        }
    }

    func writeState(_ change: (inout ContinuousState) -> Void) {
        var state = self.state()
        change(&state)
        try? state.write(paths.state)
    }

    /// The live database's journal mode is WAL: asked through SQLite (never a second
    /// descriptor of our own, whose close would drop a backup's locks in this process);
    /// nil when it cannot be told now.
    func databaseIsWAL() -> Bool? {
        guard let db = try? SQLiteConnection(path: layout.databasePath, mode: .readOnly, busyTimeoutMs: 500),
              let mode = try? db.optionalText("PRAGMA journal_mode") else { return nil }
        return mode.lowercased() == "wal"
    }
}
