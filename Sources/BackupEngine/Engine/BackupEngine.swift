import Foundation
import Logging

/// The backup engine: hot, verified, atomic backups of the POS database, and everything
/// around them (retention, restore, delete, history, disk usage, settings).
///
/// Thread-safe: it holds no mutable state of its own. Every operation that writes takes
/// the data dir's operation lock (`DataDirLock.operation`, a `flock`, so threads and
/// processes are serialised alike), opens its own SQLite connections and closes them before it returns.
/// It never prints: results are returned, failures are thrown as `BackupError`, and
/// every attempt goes through `recorded(_:)`, which logs it to `logs/backup.log` and
/// appends it to the history.
///
/// The operations live in extension files by topic: `+Create`, `+Verify`, `+Restore`,
/// `+Prune` (delete and retention), `+Settings`, `+Preview`, `+LiveCheck`, `+Notify`,
/// `+Trust`. Off-site copies are a layer of their own, `offsite` (`Offsite/OffsiteService`,
/// with restic behind `Offsite/Restic`).
public final class BackupEngine: Sendable {
    public let layout: DataLayout
    public let clock: any EngineClock
    public let logger: Logger
    /// How long to wait for a database lock held by another process (the POS app).
    public let busyTimeoutMs: Int32
    /// Where the Prometheus metrics are rewritten after every recorded attempt; nil for none.
    public let metricsPath: String?

    /// Where metrics go: the data dir's `logs/mr5_backup.prom`, another file, or nowhere.
    public enum MetricsOutput: Sendable { case dataDir, file(String), none }

    public init(layout: DataLayout, clock: any EngineClock = SystemClock(), logger: Logger? = nil,
                busyTimeoutSeconds: Int = 30, metrics: MetricsOutput = .dataDir) {
        self.layout = layout
        switch metrics {
        case .dataDir: metricsPath = layout.defaultMetricsPath
        case .file(let path): metricsPath = path
        case .none: metricsPath = nil
        }
        self.clock = clock
        self.busyTimeoutMs = Int32(max(1, busyTimeoutSeconds) * 1000)
        if let logger {
            self.logger = logger
        } else {
            let path = layout.logPath
            self.logger = Logger(label: "mr5-backup") { _ in FileLogHandler(path: path) }
        }
    }

    var metadata: MetadataStore { MetadataStore(directory: layout.metaDir) }
    var catalog: Catalog { Catalog(layout: layout, metadata: metadata, now: clock.now()) }
    var settingsStore: SettingsStore { SettingsStore(layout: layout, busyTimeoutMs: busyTimeoutMs, readTimeoutMs: probeTimeoutMs) }
    /// How long a look at the live database waits for the POS's lock when the look is not
    /// the work itself (is it there, what state, a setting): never the whole busy timeout,
    /// so one command waits it at most once, for the copy or the restore it was asked for.
    var probeTimeoutMs: Int32 { min(busyTimeoutMs, 500) }
    public var historyLog: HistoryLog { HistoryLog(path: layout.historyPath) }

    // MARK: - Reading

    /// Every backup in the folders, newest first. Cheap: no hashing, no SQLite.
    public func listBackups() -> [BackupEntry] { catalog.entries() }

    /// A backup folder this user may not read; nil when all can be read (or are not there
    /// yet). Ask before taking an empty `listBackups()` to mean "no backups".
    public func unreadableBackupFolder() -> BackupError? { catalog.unreadableBackupFolder() }

    /// The history's folder (`logs/`, also the notification outbox's) when this user may
    /// not read it, whatever the backup folders are: an empty history then says nothing.
    public func unreadableHistoryFolder() -> BackupError? { catalog.unreadableHistoryFolder() }

    /// One backup by name; throws for a bad or unknown name.
    public func backup(named name: String) throws -> BackupEntry { try catalog.entry(named: name) }

    /// The newest backup that passed verification (the one to protect).
    public func newestVerified(in entries: [BackupEntry]) -> BackupEntry? {
        entries.first { $0.status == .verified && $0.kind.isBackup }
    }

    /// The history, newest first.
    public func history(limit: Int? = nil) -> [HistoryEntry] { historyLog.read(limit: limit) }

    /// Bytes used by backups, per kind, and the space on their filesystem.
    public func diskUsage(entries: [BackupEntry]? = nil) throws -> DiskUsage {
        let list = entries ?? listBackups()
        var byKind: [BackupKind: Int64] = [:]
        for e in list { byKind[e.kind, default: 0] += e.sizeBytes }
        let probe = FileSystem.isDirectory(layout.backupsDir) ? layout.backupsDir : layout.dataDir
        let space = try FileSystem.space(probe)
        return DiskUsage(bytesByKind: byKind, totalBackupBytes: byKind.values.reduce(0, +),
                         freeBytes: space.free, filesystemBytes: space.total, mountPoint: space.mountPoint)
    }

    /// The live database's size and journal mode, read through SQLite (never plain I/O).
    ///
    /// With `rollingBack`, a database with a `-journal` beside it is opened read-write
    /// (never created): SQLite rolls a hot journal left by a crashed writer back on open,
    /// which a read-only connection cannot. Only a backup asks for that.
    public func databaseInfo(rollingBack: Bool = false) throws -> DatabaseInfo {
        try requireDatabaseFile()
        let db = try SQLiteConnection(path: layout.databasePath,
                                      mode: rollingBack ? sourceMode : LiveDatabaseAccess.readMode(layout.databasePath),
                                      busyTimeoutMs: busyTimeoutMs)
        _ = try db.int64("SELECT count(*) FROM sqlite_schema")
        let pages = try db.int64("PRAGMA page_count")
        let pageSize = try db.int64("PRAGMA page_size")
        let mode = try db.optionalText("PRAGMA journal_mode") ?? "delete"
        return DatabaseInfo(path: layout.databasePath, sizeBytes: FileSystem.info(layout.databasePath)?.size ?? pages * pageSize,
                            journalMode: mode, pageCount: pages, pageSize: pageSize)
    }

    /// How a backup opens the live database: read-write without create when a journal
    /// lies beside it (a crash may have left it hot), read-only otherwise.
    var sourceMode: SQLiteConnection.Mode {
        // Never `immutable` for a copy: a writer starting mid-copy would go unseen.
        FileSystem.exists(layout.databasePath + "-journal") ? .readWrite : .readOnly
    }

    /// Who holds the operation lock right now, if anyone.
    public func operationHolder() -> FileLock.Holder? { FileLock.holder(at: layout.operationLockPath) }

    // MARK: - Recording

    /// Runs one operation the way every operation runs: timed from its start, under the
    /// operation lock when it takes one (`OperationRun.lock`), and with its failure
    /// recorded in the history and the log (see `reportFailure`). The body records its
    /// own success, because only it knows what to say.
    func recorded<T>(_ operation: HistoryEntry.Operation, trigger: Trigger, name: String? = nil,
                     kind: BackupKind? = nil, failureLog: String,
                     _ body: (OperationRun) throws -> T) throws -> T {
        let run = OperationRun(engine: self, operation: operation, trigger: trigger)
        defer { run.releaseLock() }
        do {
            return try body(run)
        } catch {
            let e = BackupError(error)
            var entry = run.entry(outcome: .failure, backupName: name, kind: kind, message: e.description, detail: e.detail)
            entry.savedCopy = e.savedCopy
            reportFailure(e, entry, log: failureLog + e.description)
            throw e
        }
    }

    /// A refused input (a mistyped name, a missing database) from a person changes no
    /// file, and a busy lock refused to a person is like one (they see the message and
    /// retry); the same problems hit by the scheduler are recorded, because nobody is
    /// there to read the message. A cancelled operation is recorded as such.
    private func reportFailure(_ error: BackupError, _ entry: HistoryEntry, log line: String) {
        // The scheduler runs unattended: its refusals are recorded. An app updater's bad
        // input is refused like a person's, but a busy lock it meets is recorded (it does
        // not retry, and nobody reads its message).
        if entry.trigger != .scheduler {
            if error.isInputError { return }
            if case .busy = error, entry.trigger != .preUpdate { return }
        }
        var entry = entry
        if error == .cancelled {
            // Asked for (SIGTERM, quit, Ctrl-C): a line that monitors grepping "failed" skip.
            entry.outcome = .cancelled
            record(entry)
            logger.warning("\(entry.operation.cancelledWords)")
            return
        }
        record(entry)
        logger.error("\(line)")
    }

    /// Appends to the history; a history that cannot be written is itself logged, never silent.
    public func record(_ entry: HistoryEntry) {
        do {
            if !FileSystem.isDirectory(layout.logsDir) {
                guard FileSystem.isDirectory(layout.dataDir) else { return }
                try FileSystem.makeDirectory(layout.logsDir, mode: 0o700)
            }
            try historyLog.append(entry)
        } catch {
            logger.error("Could not write the history: \(BackupError(error).description)")
        }
        // Whoever recorded the attempt (CLI, console, scheduler), the metrics say it now,
        // and someone who is not looking hears of it.
        guard entry.operation != .settings, entry.operation != .notify else { return }
        refreshMetrics()
        notifier.observe(entry)
    }

    /// A delivery's own history entry: recorded, never raising further notifications.
    func recordNotification(_ entry: HistoryEntry) {
        do { try historyLog.append(entry) } catch {
            logger.error("Could not write the history: \(BackupError(error).description)")
        }
        if entry.outcome == .failure { logger.warning("Notification \(entry.message ?? "")") } else { logger.info("Notification \(entry.message ?? "")") }
    }

    /// Notifications for this data dir (see `Notifier`).
    public var notifier: Notifier { Notifier(engine: self) }
    /// Off-site copies through restic.
    public var offsite: OffsiteService { OffsiteService(engine: self) }
    /// Continuous protection through Litestream (`Continuous/ContinuousService`).
    public var continuous: ContinuousService { ContinuousService(engine: self) }

    /// The name notifications and off-site copies give this terminal: the setting
    /// `terminal_id`, else the host name.
    public var terminalID: String {
        // Read without waiting on a POS holding its lock: a notification must not wait 30 s.
        // Whatever was read last is kept beside our metadata, so a locked, damaged or lost
        // database never makes off-site snapshots go under another name.
        // Every source is held to `TerminalID.isValid` and the kept copy to `TrustedFile`'s
        // checks: a planted file or setting must not name this till after anything else.
        let quick = SettingsStore(layout: layout, busyTimeoutMs: 50)
        let cache = terminalIDCachePath
        let host = ProcessInfo.processInfo.hostName
        let id: String
        do {
            let set = try quick.get("terminal_id").flatMap { TerminalID.isValid($0) ? $0 : nil }
            id = set ?? host
        } catch {
            let kept = (try? TrustedFile.read(cache, what: "the terminal id file", dataDir: layout.dataDir))
                .flatMap { $0 }.flatMap { String(data: $0, encoding: .utf8) }
            return kept.flatMap { TerminalID.isValid($0) ? $0 : nil } ?? host
        }
        if FileSystem.isDirectory(layout.metaDir),
           FileSystem.readFile(cache).flatMap({ String(data: $0, encoding: .utf8) }) != id {
            try? FileSystem.writeAtomically(Data(id.utf8), to: cache)
        }
        return id
    }

    /// Rewrites the metrics file atomically from the data dir as it is now.
    public func refreshMetrics() {
        guard let metricsPath, FileSystem.isDirectory(layout.logsDir) else { return }
        let snapshot = SchedulerStateFile.activeSnapshot(layout: layout, now: clock.now())
        var metrics = BackupMetrics.collect(engine: self, snapshot: snapshot, now: clock.now())
        metrics.writtenTimestamp = clock.now().timeIntervalSince1970
        do { try MetricsWriter.write(metrics, to: metricsPath) } catch {
            logger.error("Could not write metrics to \(metricsPath): \(BackupError(error).description)")
        }
    }

    // MARK: - Shared checks

    /// Refuses a live database that is not there or not a database at all (missing, a
    /// folder, empty, not SQLite, unreadable): nothing may be created or written for it.
    /// Returns the cheap classification for callers that need more (damaged, hot journal).
    @discardableResult
    func requireDatabaseFile() throws -> LiveDatabaseState {
        guard let info = FileSystem.info(layout.databasePath) else {
            if !FileSystem.isDirectory(layout.dataDir) { throw BackupError.dataDirNotFound(path: layout.dataDir) }
            throw BackupError.databaseNotFound(path: layout.databasePath)
        }
        // Follow a link to the database (some installs keep it elsewhere), but it must end at a file.
        guard info.isRegular || (info.isSymlink && FileSystem.isRegularFileFollowingLinks(layout.databasePath)) else {
            throw BackupError.notARegularFile(path: layout.databasePath)
        }
        let state = LiveDatabaseInspector(databasePath: layout.databasePath, busyTimeoutMs: probeTimeoutMs).classify(full: false)
        switch state {
        case .missing: throw BackupError.databaseNotFound(path: layout.databasePath)
        case .empty: throw BackupError.emptyDatabase(path: layout.databasePath)
        case .notADatabase: throw BackupError.notADatabase(path: layout.databasePath)
        case .unreadable(let why): throw BackupError.liveDatabaseUnreadable(path: layout.databasePath, reason: why)
        case .ok, .damaged, .locked, .hotJournal: return state
        }
    }

    /// Refuses, before anything is written, a data dir this user cannot write: one line
    /// naming the folder, the user and the owner.
    func requireWritable(_ folders: [String]) throws {
        // A missing data dir is refused as such by the caller, not as "cannot write to /".
        guard FileSystem.isDirectory(layout.dataDir) else { return }
        for folder in folders {
            // A folder not made yet is created in its parent: that one must be writable.
            var dir = folder
            while !FileSystem.isDirectory(dir), dir != "/" { dir = FileSystem.parent(of: dir) }
            if !Ownership.canWrite(dir) {
                if errno == EROFS { throw BackupError.readOnlyFileSystem(path: dir) }
                throw BackupError.notWritable(path: dir, who: Ownership.describe(dir))
            }
        }
    }

    /// Removes temp files a killed run left behind, and metadata whose file is gone.
    /// Called with the operation lock held, so no live temp file is touched.
    func removeStaleFiles() {
        for dir in [layout.backupsDir, layout.preUpdateDir, layout.pointInTimeDir, layout.metaDir, FileSystem.parent(of: layout.databasePath)] {
            // Only a dead process's: other writers (settings, the state file) do not take
            // the operation lock, and their files in flight must stay.
            for name in FileSystem.list(dir) where name.hasPrefix(".tmp-") && !FileSystem.isOwnedByLiveProcess(tempName: name) {
                let path = dir + "/" + name
                // A moment's fetch folder (our own, made 0700 inside our folder).
                if FileSystem.info(path)?.isDirectory == true { try? FileManager.default.removeItem(atPath: path) } else { try? FileSystem.remove(path) }
            }
        }
        let present = Set(catalog.entries().map(\.name))
        for name in metadata.names() where !present.contains(name) {
            try? metadata.remove(name)
        }
    }

    func seconds(since t0: UInt64) -> Double {
        Double(clock.monotonicNanos() &- t0) / 1e9
    }
}
