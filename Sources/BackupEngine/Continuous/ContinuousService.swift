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
        guard let data = try? TrustedFile.read(paths.config, what: "the continuous protection setup", dataDir: layout.dataDir) else { return nil }
        return try? HistoryLog.decoder.decode(ContinuousConfig.self, from: data)
    }

    public func state() -> ContinuousState { ContinuousState.read(paths.state) }

    public func status() -> ContinuousStatus {
        let config = self.config()
        let state = self.state()
        var status = ContinuousStatus(config: config, installed: Litestream.isInstalled, state: state, running: state.isRunning)
        guard let config else { return status }
        status.lastSyncAt = Self.newestFile(config.replicaPath + "/ltx/0")
        // The oldest file at any level: restores reach back to it.
        let levels = FileSystem.list(config.replicaPath + "/ltx").map { config.replicaPath + "/ltx/" + $0 }
        status.windowStart = levels.compactMap(Self.oldestFile).min()
        let db = layout.databasePath
        status.databaseChangedAt = [db, db + "-wal"].compactMap { FileSystem.info($0)?.modified }.max()
        return status
    }

    /// Litestream for the kept setup (its config written afresh from ours).
    func litestream(_ config: ContinuousConfig, cancellation: CancellationFlag? = nil) throws -> Litestream {
        let executable = try Litestream.locate()
        try writeLitestreamConfig(config)
        return Litestream(executable: executable, configPath: paths.litestreamConfig, home: paths.directory, cancellation: cancellation)
    }

    func writeLitestreamConfig(_ config: ContinuousConfig) throws {
        let text = Litestream.configText(database: layout.databasePath, meta: paths.meta, replicaPath: config.replicaPath, keepDays: config.keep)
        try FileSystem.writeAtomically(Data(text.utf8), to: paths.litestreamConfig)
    }

    func writeState(_ change: (inout ContinuousState) -> Void) {
        var state = self.state()
        change(&state)
        try? state.write(paths.state)
    }

    /// True when the live database's header says WAL (bytes 18-19 are 2).
    func databaseIsWAL() -> Bool {
        guard let bytes = try? FileSystem.readHeader(layout.databasePath, count: 20), bytes.count == 20 else { return false }
        return bytes[18] == 2 && bytes[19] == 2
    }

    private static func newestFile(_ dir: String) -> Date? {
        FileSystem.list(dir).compactMap { FileSystem.info(dir + "/" + $0)?.modified }.max()
    }

    private static func oldestFile(_ dir: String) -> Date? {
        FileSystem.list(dir).compactMap { FileSystem.info(dir + "/" + $0)?.modified }.min()
    }
}
