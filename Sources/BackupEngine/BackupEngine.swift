import CSQLite
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The backup engine: hot, verified, atomic backups of the POS database, and everything
/// around them (retention, restore, delete, history, disk usage, settings).
///
/// Thread-safe: it holds no mutable state of its own. Every operation that writes takes
/// the data dir's operation lock (a `flock`, so threads and processes are serialised
/// alike), opens its own SQLite connections and closes them before it returns.
/// It never prints: results are returned, failures are thrown as `BackupError`, and
/// every attempt is logged to `logs/backup.log` and appended to the history.
public final class BackupEngine: Sendable {
    public let layout: DataLayout
    public let clock: any EngineClock
    public let logger: Logger
    /// How long to wait for a database lock held by another process (the POS app).
    public let busyTimeoutMs: Int32

    public init(layout: DataLayout, clock: any EngineClock = SystemClock(), logger: Logger? = nil,
                busyTimeoutSeconds: Int = 30) {
        self.layout = layout
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
    var catalog: Catalog { Catalog(layout: layout, metadata: metadata) }
    var settingsStore: SettingsStore { SettingsStore(layout: layout, busyTimeoutMs: busyTimeoutMs) }
    public var historyLog: HistoryLog { HistoryLog(path: layout.historyPath) }

    // MARK: - Reading

    /// Every backup in the folders, newest first. Cheap: no hashing, no SQLite.
    public func listBackups() -> [BackupEntry] { catalog.entries() }

    /// One backup by name; throws for a bad or unknown name.
    public func backup(named name: String) throws -> BackupEntry { try catalog.entry(named: name) }

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
    public func databaseInfo() throws -> DatabaseInfo {
        try requireDatabaseFile()
        let db = try SQLiteDatabase(path: layout.databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs)
        _ = try db.scalarInt("SELECT count(*) FROM sqlite_schema")
        let pages = try db.scalarInt("PRAGMA page_count")
        let pageSize = try db.scalarInt("PRAGMA page_size")
        let mode = try db.scalarText("PRAGMA journal_mode") ?? "delete"
        return DatabaseInfo(path: layout.databasePath, sizeBytes: FileSystem.info(layout.databasePath)?.size ?? pages * pageSize,
                            journalMode: mode, pageCount: pages, pageSize: pageSize)
    }

    /// Who holds the operation lock right now, if anyone.
    public func operationHolder() -> FileLock.Holder? { FileLock.holder(at: layout.operationLockPath) }

    // MARK: - Settings

    /// The schedule. A missing setting means every 3 hours; an unreadable one is reported.
    public func frequency() throws -> BackupFrequency {
        guard let raw = try settingsStore.get("backup_frequency"), !raw.isEmpty else { return .defaultFrequency }
        return try BackupFrequency.parse(raw)
    }

    /// Changes the schedule; an invalid value is refused before anything is written.
    @discardableResult
    public func setFrequency(_ text: String, trigger: Trigger = .cli) throws -> BackupFrequency {
        let value = try BackupFrequency.parse(text)
        // Settings belong to a shop: without its database there is nothing to configure.
        try requireDatabaseFile()
        let started = clock.now()
        do {
            try settingsStore.set("backup_frequency", value.settingValue)
            record(HistoryEntry(startedAt: started, operation: .settings, trigger: trigger, outcome: .success,
                                durationSeconds: 0, message: "backup_frequency = \(value.settingValue)"))
            logger.info("Backup frequency set to \(value.settingValue)")
        } catch {
            throw failure(error, operation: .settings, trigger: trigger, started: started, t0: nil, log: "Settings change failed: ")
        }
        return value
    }

    /// A raw setting (`backup_frequency`, `last_backup`, `backup_keep`, `pre_update_keep`).
    public func setting(_ key: String) throws -> String? {
        guard SettingsStore.knownKeys.contains(key) else {
            throw BackupError.invalidArgument("unknown setting '\(key.debugSafe)': known settings are \(SettingsStore.knownKeys.sorted().joined(separator: ", "))")
        }
        try requireDatabaseFile()
        return try settingsStore.get(key)
    }

    /// Sets a retention count (`backup_keep`, `pre_update_keep`).
    public func setRetention(_ key: String, _ value: Int) throws {
        guard key == "backup_keep" || key == "pre_update_keep" else {
            throw BackupError.invalidArgument("only backup_frequency, backup_keep and pre_update_keep can be set")
        }
        guard (1...1000).contains(value) else {
            throw BackupError.invalidSetting(key: key, value: String(value), reason: "keep between 1 and 1000 backups")
        }
        try requireDatabaseFile()
        try settingsStore.set(key, String(value))
    }

    /// Whether settings live in the POS database's `settings` table.
    public var settingsInAppDatabase: Bool { settingsStore.usesAppTable() }

    /// Retention counts from the settings, 5 and 5 when unset.
    public func retentionPolicy() -> RetentionPolicy {
        func read(_ key: String) -> Int {
            guard let raw = try? settingsStore.get(key), let n = Int(raw), n >= 1 else { return 5 }
            return n
        }
        return RetentionPolicy(keepRegular: read("backup_keep"), keepPreUpdate: read("pre_update_keep"))
    }

    // MARK: - Create

    /// Makes a backup now: copy through the backup API into a hidden temp file, fsync,
    /// verify (quick_check, row counts, SHA-256), record metadata, rename into place,
    /// fsync the folder, then apply retention.
    public func createBackup(kind: BackupKind = .manual, trigger: Trigger = .cli, appVersion: String? = nil,
                             lockWait: TimeInterval = 0,
                             progress: ProgressHandler? = nil,
                             cancellation: CancellationFlag? = nil) throws -> CreateResult {
        let started = clock.now()
        let t0 = clock.monotonicNanos()
        let operation: HistoryEntry.Operation = kind == .preUpdate ? .preUpdate : .create
        do {
            guard kind != .legacySQL else { throw BackupError.invalidArgument("legacy-sql backups cannot be created") }
            if kind == .preUpdate {
                guard let appVersion else { throw BackupError.invalidArgument("a pre-update backup needs the app version (--app-version)") }
                try BackupName.validateAppVersion(appVersion)
            }
            let info = try databaseInfo()
            guard info.pageCount > 0 else {
                // SQLite reads a zero-length file as an empty database; backing it up would
                // make "verified" backups of nothing that retention then keeps instead of real ones.
                throw BackupError.invalidArgument("database is empty (0 bytes, no tables): \(layout.databasePath); check --db / --data-dir, nothing was backed up")
            }
            try layout.ensureDirectories()
            let lock = try FileLock(path: layout.operationLockPath, operation: operation.rawValue, now: started, wait: lockWait)
            defer { lock.release() }
            let result = try performCreate(kind: kind, trigger: trigger, appVersion: appVersion, info: info,
                                           started: started, t0: t0, progress: progress, cancellation: cancellation)
            record(HistoryEntry(startedAt: started, operation: operation, trigger: trigger, outcome: .success,
                                durationSeconds: result.record.durationSeconds, backupName: result.entry.name,
                                kind: kind, sizeBytes: result.entry.sizeBytes,
                                message: "verified, \(result.record.tables.reduce(0) { $0 + $1.rows }) rows in \(result.record.tables.count) tables"))
            logger.info("Backup completed successfully: \(result.entry.name) (\(ByteCount.format(result.entry.sizeBytes)), \(String(format: "%.1f", result.record.durationSeconds)) s)")
            for name in result.pruned { logger.info("Retention removed \(name)") }
            for w in result.warnings { logger.warning("\(w)") }
            return result
        } catch {
            throw failure(error, operation: operation, trigger: trigger, started: started, t0: t0, kind: kind, log: "Backup failed: ")
        }
    }

    /// A pre-update backup, kept in `backups/pre-update/` with its own retention.
    public func createPreUpdateBackup(appVersion: String, trigger: Trigger = .preUpdate,
                                      progress: ProgressHandler? = nil) throws -> CreateResult {
        try createBackup(kind: .preUpdate, trigger: trigger, appVersion: appVersion, progress: progress)
    }

    private func performCreate(kind: BackupKind, trigger: Trigger, appVersion: String?, info: DatabaseInfo,
                               started: Date, t0: UInt64, progress: ProgressHandler?,
                               cancellation: CancellationFlag?) throws -> CreateResult {
        let dir = layout.directory(for: kind)
        removeStaleFiles()

        // Refuse before writing when it cannot fit (the copy is about page_count * page_size).
        let needed = info.pageCount * info.pageSize + (1 << 20)
        let space = try FileSystem.space(dir)
        if needed > space.free {
            throw BackupError.insufficientSpace(needed: needed, available: space.free, mountPoint: space.mountPoint)
        }

        let tmp = dir + "/.tmp-\(getpid())-\(BackupName.stamp(started)).db"
        var keepTemp = false
        defer {
            if !keepTemp {
                try? FileSystem.remove(tmp)
                try? FileSystem.remove(tmp + "-journal")
            }
        }
        // Create it ourselves so it is 0600 from the first byte (it holds payment data).
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io(operation: "create", path: tmp, errno: errno) }
        close(fd)

        let copy = try HotCopy(busyTimeoutMs: busyTimeoutMs).copy(
            source: layout.databasePath, destination: tmp,
            progress: progress.map { p in { done, total in p(BackupProgress(phase: .copying, done: done, total: total)) } },
            cancellation: cancellation)
        try FileSystem.fsyncFile(tmp)
        if cancellation?.isCancelled == true { throw BackupError.cancelled }

        progress?(BackupProgress(phase: .checking, done: 0, total: 0))
        if let problem = try BackupInspector.check(path: tmp, full: false) {
            throw BackupError.verificationFailed(name: FileSystem.fileName(of: tmp), reason: "quick_check: \(problem)")
        }
        let tables = try BackupInspector.tableCounts(path: tmp)
        let sha = try BackupInspector.sha256(path: tmp, progress: progress.map { p in { d, t in p(BackupProgress(phase: .hashing, done: d, total: t)) } },
                                             cancellation: cancellation)
        guard let fileInfo = FileSystem.info(tmp) else { throw BackupError.io(operation: "stat", path: tmp, errno: errno) }
        if cancellation?.isCancelled == true { throw BackupError.cancelled }

        let verifiedAt = clock.now()
        var newRecord = BackupRecord(
            name: "", kind: kind, createdAt: started, sizeBytes: fileInfo.size, sha256: sha,
            pageCount: copy.pageCount, pageSize: copy.pageSize, fileModifiedAt: fileInfo.modified.timeIntervalSince1970,
            durationSeconds: 0, copySeconds: copy.seconds, sourcePath: layout.databasePath,
            sourceSizeBytes: info.sizeBytes, sourceJournalMode: copy.sourceJournalMode,
            userVersion: copy.userVersion, applicationId: copy.applicationId, appVersion: appVersion,
            tables: tables, verification: Verification(method: "quick_check", ok: true, checkedAt: verifiedAt),
            strategy: copy.strategy.rawValue, restarts: copy.restarts, longestWriterHoldMs: copy.longestWriterHoldMs)

        // Metadata first, then the file: a crash in between leaves metadata without a file
        // (dropped), never a good-looking file without its checks.
        var attempt = 1
        while true {
            let name = BackupName.make(kind: kind, date: started, appVersion: appVersion, attempt: attempt)
            let final = dir + "/" + name
            if FileSystem.exists(final) { attempt += 1; continue }
            newRecord.name = name
            newRecord.durationSeconds = seconds(since: t0)
            try metadata.save(newRecord)
            if try FileSystem.renameNoReplace(tmp, to: final) {
                keepTemp = true
                break
            }
            try? metadata.remove(name)
            attempt += 1
        }

        var warnings: [String] = []
        do {
            try settingsStore.set("last_backup", ISO8601DateFormatter().string(from: started))
        } catch {
            warnings.append("could not update last_backup in the settings: \(Self.engineError(error).description)")
        }
        var pruned: [String] = []
        if kind != .legacySQL {
            let doomed = retentionPolicy().toDelete(from: catalog.entries())
            for entry in doomed {
                do {
                    try removeBackupFiles(entry)
                    pruned.append(entry.name)
                } catch {
                    warnings.append("retention could not delete \(entry.name): \(Self.engineError(error).description)")
                }
            }
            if !doomed.isEmpty {
                record(HistoryEntry(startedAt: clock.now(), operation: .prune, trigger: trigger,
                                    outcome: pruned.count == doomed.count ? .success : .failure,
                                    durationSeconds: 0, message: "retention removed " + (pruned.isEmpty ? "nothing" : pruned.joined(separator: ", "))))
            }
        }
        let entry = try catalog.entry(named: newRecord.name)
        return CreateResult(entry: entry, record: newRecord, pruned: pruned, warnings: warnings)
    }

    /// Removes temp files a killed run left behind, and metadata whose file is gone.
    /// Called with the operation lock held, so no live temp file is touched.
    func removeStaleFiles() {
        for dir in [layout.backupsDir, layout.preUpdateDir, layout.metaDir, FileSystem.parent(of: layout.databasePath)] {
            for name in FileSystem.list(dir) where name.hasPrefix(".tmp-") {
                try? FileSystem.remove(dir + "/" + name)
            }
        }
        let present = Set(catalog.entries().map(\.name))
        for name in metadata.names() where !present.contains(name) {
            try? metadata.remove(name)
        }
    }

    private func removeBackupFiles(_ entry: BackupEntry) throws {
        try FileSystem.remove(entry.path)
        try FileSystem.fsyncDirectory(FileSystem.parent(of: entry.path))
        try? metadata.remove(entry.name)
    }

    // MARK: - Verify

    /// Re-hashes a backup and runs `quick_check` (or, with `full`, `integrity_check`).
    /// A verified backup whose bytes changed is reported, and recorded, as corrupt.
    public func verify(name: String, full: Bool = false, trigger: Trigger = .cli,
                       progress: ProgressHandler? = nil) throws -> VerifyResult {
        let started = clock.now()
        let t0 = clock.monotonicNanos()
        do {
            let entry = try catalog.entry(named: name)
            guard entry.kind != .legacySQL else {
                throw BackupError.notRestorable(name: name, reason: "a PostgreSQL-era .sql file cannot be verified or restored")
            }
            let lock = try FileLock(path: layout.operationLockPath, operation: "verify", now: started)
            defer { lock.release() }
            let result = try performVerify(entry: entry, full: full, progress: progress, t0: t0)
            record(HistoryEntry(startedAt: started, operation: .verify, trigger: trigger,
                                outcome: result.ok ? .success : .failure, durationSeconds: result.durationSeconds,
                                backupName: name, kind: entry.kind, sizeBytes: entry.sizeBytes,
                                message: result.ok ? "\(result.method) ok, SHA-256 \(result.hashCompared ? "matches" : "recorded")" : result.message))
            if result.ok {
                logger.info("Verify ok: \(name) (\(result.method))")
            } else {
                logger.error("Verify failed: \(name): \(result.message ?? "")")
            }
            return result
        } catch {
            throw failure(error, operation: .verify, trigger: trigger, started: started, t0: t0, name: name, log: "Verify failed: \(name): ")
        }
    }

    private func performVerify(entry: BackupEntry, full: Bool, progress: ProgressHandler?, t0: UInt64) throws -> VerifyResult {
        let method = full ? "integrity_check" : "quick_check"
        var problem: String?
        var sha: String?
        var hashCompared = false
        do {
            try BackupInspector.requireSQLiteHeader(entry.path)
            sha = try BackupInspector.sha256(path: entry.path, progress: progress.map { p in { d, t in p(BackupProgress(phase: .hashing, done: d, total: t)) } })
            if let recorded = entry.record?.sha256 {
                hashCompared = true
                if recorded != sha { problem = "contents changed since the backup was made (SHA-256 differs)" }
            }
            if problem == nil {
                progress?(BackupProgress(phase: .checking, done: 0, total: 0))
                if let found = try BackupInspector.check(path: entry.path, full: full) { problem = "\(method): \(found)" }
            }
            if problem == nil, entry.record == nil, let foreign = foreignDatabaseProblem(path: entry.path) {
                // A file we did not make must at least be a database of this POS: a valid
                // SQLite file of another app under the backup pattern must never be restored.
                problem = foreign
            }
        } catch BackupError.notADatabase {
            problem = "not an SQLite database (zero length, damaged header or a foreign file)"
        } catch BackupError.verificationFailed(_, let reason) {
            problem = reason
        } catch let e as BackupError {
            if case .sqlite = e { problem = e.description } else { throw e }
        }
        let now = clock.now()
        let verification = Verification(method: method, ok: problem == nil, checkedAt: now, message: problem)
        let fileInfo = FileSystem.info(entry.path)
        if var rec = entry.record {
            rec.verification = verification
            if problem == nil, let fileInfo { rec.fileModifiedAt = fileInfo.modified.timeIntervalSince1970; rec.sizeBytes = fileInfo.size }
            try metadata.save(rec)
        } else if problem == nil, let sha, let fileInfo {
            // A file we did not make (the old service's, or copied in by hand) that passes
            // becomes a tracked backup, so later changes to it are caught.
            let header = try BackupInspector.header(path: entry.path)
            let tables = (try? BackupInspector.tableCounts(path: entry.path)) ?? []
            let rec = BackupRecord(name: entry.name, kind: entry.kind, createdAt: entry.createdAt, sizeBytes: fileInfo.size,
                                   sha256: sha, pageCount: header.pageCount, pageSize: header.pageSize,
                                   fileModifiedAt: fileInfo.modified.timeIntervalSince1970, durationSeconds: 0, copySeconds: 0,
                                   sourcePath: "", sourceSizeBytes: 0, sourceJournalMode: header.journal,
                                   userVersion: 0, applicationId: 0, appVersion: entry.appVersion, tables: tables,
                                   verification: verification, strategy: "imported", restarts: 0, longestWriterHoldMs: 0)
            try metadata.save(rec)
        }
        return VerifyResult(name: entry.name, ok: problem == nil, method: method, sha256: sha,
                            hashCompared: hashCompared, message: problem, durationSeconds: seconds(since: t0))
    }

    /// For a backup without our metadata: a reason when it shares no table with the live
    /// database (another app's SQLite file renamed to the backup pattern), nil when it does
    /// or when the live database cannot be read to compare (then nothing is claimed).
    private func foreignDatabaseProblem(path: String) -> String? {
        guard let backupTables = try? BackupInspector.tableCounts(path: path).map(\.table),
              let live = try? SQLiteDatabase(path: layout.databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs),
              let rows = try? live.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
        else { return nil }
        let liveTables = Set(rows.compactMap { $0.first ?? nil })
        guard !liveTables.isEmpty, Set(backupTables).isDisjoint(with: liveTables) else { return nil }
        let shown = backupTables.prefix(5).joined(separator: ", ")
        return "not a backup of this database: none of its tables (\(shown.isEmpty ? "none" : shown)) is in \(FileSystem.fileName(of: layout.databasePath)) (a foreign file under the backup name?)"
    }

    // MARK: - Restore

    /// Restores a backup into the live database:
    /// (a) verifies it and refuses a bad one; (b) saves the current database as
    /// `mr5-pos.db.corrupted.<time>`; (c) writes the backup in through the backup API, one
    /// write transaction that open connections see as an ordinary change (or, when the live
    /// file is missing or unopenable, renames a fsynced copy over it); (d) checks the result.
    /// The POS app must be restarted afterwards.
    public func restore(name: String, trigger: Trigger = .cli, progress: ProgressHandler? = nil) throws -> RestoreResult {
        let started = clock.now()
        let t0 = clock.monotonicNanos()
        do {
            let entry = try catalog.entry(named: name)
            guard entry.kind != .legacySQL else {
                throw BackupError.notRestorable(name: name, reason: "a PostgreSQL-era .sql file cannot be restored into SQLite")
            }
            if let info = FileSystem.info(layout.databasePath), !info.isRegular {
                throw BackupError.notARegularFile(path: layout.databasePath)
            }
            guard FileSystem.isDirectory(FileSystem.parent(of: layout.databasePath)) else {
                throw BackupError.databaseNotFound(path: layout.databasePath)
            }
            // Restoring over a missing file is recovery of the shop's own database; a
            // missing file elsewhere (a mistyped --db) is refused rather than created.
            if !FileSystem.exists(layout.databasePath) && !layout.usesDefaultDatabase {
                throw BackupError.databaseNotFound(path: layout.databasePath)
            }
            try layout.ensureDirectories()
            let lock = try FileLock(path: layout.operationLockPath, operation: "restore", now: started)
            defer { lock.release() }
            let result = try performRestore(entry: entry, started: started, t0: t0, progress: progress)
            record(HistoryEntry(startedAt: started, operation: .restore, trigger: trigger, outcome: .success,
                                durationSeconds: result.durationSeconds, backupName: name, kind: entry.kind,
                                sizeBytes: entry.sizeBytes,
                                message: "restored; previous database saved as \(result.savedCurrentAs.map { FileSystem.fileName(of: $0) } ?? "(none)"); restart the POS app"))
            logger.info("Restore completed successfully from \(name); previous database saved as \(result.savedCurrentAs ?? "(none)"); restart the POS app")
            return result
        } catch {
            throw failure(error, operation: .restore, trigger: trigger, started: started, t0: t0, name: name, log: "Restore failed: ")
        }
    }

    private func performRestore(entry: BackupEntry, started: Date, t0: UInt64, progress: ProgressHandler?) throws -> RestoreResult {
        // (a) The backup must be exactly what we verified when it was made.
        let check = try performVerify(entry: entry, full: false, progress: progress, t0: t0)
        guard check.ok else {
            throw BackupError.verificationFailed(name: entry.name, reason: (check.message ?? "failed") + "; restore refused, the live database is untouched")
        }
        let backupTables = try BackupInspector.tableCounts(path: entry.path)
        let dbPath = layout.databasePath
        let dbDir = FileSystem.parent(of: dbPath)
        removeStaleFiles()

        let liveExists = FileSystem.exists(dbPath)
        let liveOpens = liveExists && liveDatabaseOpens()
        let liveBytes = liveExists ? (FileSystem.info(dbPath)?.size ?? 0) + (FileSystem.info(dbPath + "-wal")?.size ?? 0) : 0
        let space = try FileSystem.space(dbDir)
        let needed = liveBytes + entry.sizeBytes + (1 << 20)
        if needed > space.free {
            throw BackupError.insufficientSpace(needed: needed, available: space.free, mountPoint: space.mountPoint)
        }

        // The backup schedule is the technician's current choice, not part of the shop's
        // data: keep it across the restore (an old backup would otherwise bring back an
        // old frequency, retention count and an empty last_backup).
        let keptSettings = liveOpens ? backupSettings() : [:]

        // (b) Save what is there now.
        var saved: String?
        if liveExists {
            var savedPath = dbPath + ".corrupted." + BackupName.stamp(started)
            var n = 2
            while FileSystem.exists(savedPath) { savedPath = dbPath + ".corrupted." + BackupName.stamp(started) + "-\(n)"; n += 1 }
            try saveCurrent(to: savedPath, consistent: liveOpens, progress: progress)
            saved = savedPath
        }

        // (c) Put the backup in place.
        if liveOpens {
            try restoreThroughBackupAPI(from: entry.path, into: dbPath, progress: progress)
        } else {
            let tmp = dbDir + "/.tmp-\(getpid())-restore.db"
            defer { try? FileSystem.remove(tmp) }
            try FileSystem.copyFile(entry.path, to: tmp)
            // Side files of the old database would be applied to the new one: they are in the saved copy.
            for suffix in ["-wal", "-shm", "-journal"] { try FileSystem.remove(dbPath + suffix) }
            try FileSystem.renameDurably(tmp, to: dbPath)
        }

        // (d) Check what is now live.
        let live = try SQLiteDatabase(path: dbPath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs)
        let rows = try live.query("PRAGMA quick_check(5)").compactMap { $0.first ?? nil }
        guard rows == ["ok"] else {
            throw BackupError.restoreCheckFailed(reason: "quick_check: " + rows.joined(separator: "; "), savedCopy: saved ?? "(none)")
        }
        for (key, value) in keptSettings.sorted(by: { $0.key < $1.key }) {
            do { try settingsStore.set(key, value) } catch {
                logger.warning("Restore could not keep setting \(key) = \(value): \(Self.engineError(error).description)")
            }
        }
        return RestoreResult(restoredFrom: entry.name, savedCurrentAs: saved, tables: backupTables,
                             durationSeconds: seconds(since: t0))
    }

    /// The backup settings as they are now (only those that are set).
    private func backupSettings() -> [String: String] {
        var out: [String: String] = [:]
        for key in SettingsStore.knownKeys {
            if let value = try? settingsStore.get(key), !value.isEmpty { out[key] = value }
        }
        return out
    }

    /// True when the live file opens as a readable SQLite database.
    private func liveDatabaseOpens() -> Bool {
        guard let db = try? SQLiteDatabase(path: layout.databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs) else { return false }
        return (try? db.scalarInt("SELECT count(*) FROM sqlite_schema")) != nil
    }

    /// Saves the current database: a consistent copy through the backup API when it opens,
    /// a raw copy of the file and its -wal/-journal when it does not.
    private func saveCurrent(to savedPath: String, consistent: Bool, progress: ProgressHandler?) throws {
        let dbPath = layout.databasePath
        let dir = FileSystem.parent(of: dbPath)
        let tmp = dir + "/.tmp-\(getpid())-" + FileSystem.fileName(of: savedPath)
        defer { try? FileSystem.remove(tmp); try? FileSystem.remove(tmp + "-journal") }
        var copied = false
        if consistent {
            do {
                let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                if fd >= 0 { close(fd) }
                _ = try HotCopy(busyTimeoutMs: busyTimeoutMs).copy(
                    source: dbPath, destination: tmp,
                    progress: progress.map { p in { d, t in p(BackupProgress(phase: .savingCurrent, done: d, total: t)) } },
                    cancellation: nil)
                copied = true
            } catch let e as BackupError {
                switch e {
                case .databaseLocked, .diskFull, .insufficientSpace, .io: throw e
                default: try? FileSystem.remove(tmp)   // damaged: fall back to the raw bytes below
                }
            }
        }
        if copied {
            try FileSystem.fsyncFile(tmp)
            try FileSystem.renameDurably(tmp, to: savedPath)
            return
        }
        // No connection of ours is open on the live file here, so plain I/O cannot drop a lock.
        for suffix in ["-wal", "-journal"] where FileSystem.info(dbPath + suffix)?.isRegular == true {
            let sideTmp = tmp + suffix
            try FileSystem.copyFile(dbPath + suffix, to: sideTmp)
            try FileSystem.renameDurably(sideTmp, to: savedPath + suffix)
        }
        try FileSystem.copyFile(dbPath, to: tmp)
        try FileSystem.renameDurably(tmp, to: savedPath)
    }

    /// Writes the backup into the live database as one write transaction.
    private func restoreThroughBackupAPI(from backupPath: String, into dbPath: String, progress: ProgressHandler?) throws {
        let dst = try SQLiteDatabase(path: dbPath, mode: .readWrite, busyTimeoutMs: busyTimeoutMs)
        let src = try SQLiteDatabase(path: backupPath, mode: .immutable, busyTimeoutMs: busyTimeoutMs)
        guard let backup = sqlite3_backup_init(dst.handle, "main", src.handle, "main") else {
            throw dst.lastError(sqlite3_errcode(dst.handle))
        }
        var busySince: Date?
        while true {
            let rc = sqlite3_backup_step(backup, 4096)
            let total = Int64(sqlite3_backup_pagecount(backup))
            progress?(BackupProgress(phase: .restoring, done: total - Int64(sqlite3_backup_remaining(backup)), total: total))
            if rc == SQLITE_DONE { break }
            if rc == SQLITE_OK { busySince = nil; continue }
            let primary = rc & 0xFF
            if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
                let since = busySince ?? Date()
                busySince = since
                if Date().timeIntervalSince(since) * 1000 < Double(busyTimeoutMs) { usleep(5_000); continue }
            }
            sqlite3_backup_finish(backup)
            throw SQLiteDatabase.error(code: rc, message: String(cString: sqlite3_errstr(rc)), path: dbPath, busyTimeoutMs: busyTimeoutMs)
        }
        let rc = sqlite3_backup_finish(backup)
        guard rc == SQLITE_OK else { throw dst.lastError(rc) }
    }

    // MARK: - Delete and prune

    /// Deletes one backup (and its metadata). The newest verified backup needs `force`.
    public func delete(name: String, force: Bool = false, trigger: Trigger = .cli) throws -> BackupEntry {
        let started = clock.now()
        let t0 = clock.monotonicNanos()
        do {
            let entry = try catalog.entry(named: name)
            try layout.ensureDirectories()
            let lock = try FileLock(path: layout.operationLockPath, operation: "delete", now: started)
            defer { lock.release() }
            if !force, let newest = newestVerified(in: catalog.entries()), newest.name == name {
                throw BackupError.lastGoodBackup(name: name)
            }
            try removeBackupFiles(entry)
            record(HistoryEntry(startedAt: started, operation: .delete, trigger: trigger, outcome: .success,
                                durationSeconds: seconds(since: t0), backupName: name, kind: entry.kind,
                                sizeBytes: entry.sizeBytes, message: "deleted"))
            logger.info("Deleted backup \(name)")
            return entry
        } catch {
            throw failure(error, operation: .delete, trigger: trigger, started: started, t0: t0, name: name, log: "Delete failed: ")
        }
    }

    /// The newest backup that passed verification (the one to protect).
    public func newestVerified(in entries: [BackupEntry]) -> BackupEntry? {
        entries.first { $0.status == .verified && $0.kind != .legacySQL }
    }

    /// Applies retention; `dryRun` only says what would go.
    public func prune(policy: RetentionPolicy? = nil, dryRun: Bool = false, trigger: Trigger = .cli) throws -> PruneResult {
        let started = clock.now()
        let t0 = clock.monotonicNanos()
        let policy = policy ?? retentionPolicy()
        guard policy.keepRegular >= 1, policy.keepPreUpdate >= 1 else {
            throw BackupError.invalidArgument("keep at least 1 backup (--keep 1 or more)")
        }
        if dryRun {
            let entries = catalog.entries()
            let doomed = policy.toDelete(from: entries)
            let names = Set(doomed.map(\.name))
            return PruneResult(deleted: doomed, kept: entries.filter { !names.contains($0.name) }, dryRun: true)
        }
        do {
            try layout.ensureDirectories()
            let lock = try FileLock(path: layout.operationLockPath, operation: "prune", now: started)
            defer { lock.release() }
            let entries = catalog.entries()
            let doomed = policy.toDelete(from: entries)
            for entry in doomed { try removeBackupFiles(entry) }
            let names = Set(doomed.map(\.name))
            record(HistoryEntry(startedAt: started, operation: .prune, trigger: trigger, outcome: .success,
                                durationSeconds: seconds(since: t0),
                                message: doomed.isEmpty ? "nothing to remove" : "removed " + doomed.map(\.name).joined(separator: ", ")))
            if !doomed.isEmpty { logger.info("Prune removed \(doomed.map(\.name).joined(separator: ", "))") }
            return PruneResult(deleted: doomed, kept: entries.filter { !names.contains($0.name) }, dryRun: false)
        } catch {
            throw failure(error, operation: .prune, trigger: trigger, started: started, t0: t0, log: "Prune failed: ")
        }
    }

    // MARK: - Helpers

    /// Records a failed attempt in the history and the log. A refused input (a mistyped
    /// name, a missing database) from a person changes no file; the same problem hit by the
    /// scheduler is recorded, because nobody is there to read the message.
    /// Turns any error from an operation into the engine's error, after recording it.
    private func failure(_ error: Error, operation: HistoryEntry.Operation, trigger: Trigger, started: Date,
                         t0: UInt64?, name: String? = nil, kind: BackupKind? = nil, log prefix: String) -> BackupError {
        let e = Self.engineError(error)
        reportFailure(e, HistoryEntry(startedAt: started, operation: operation, trigger: trigger, outcome: .failure,
                                      durationSeconds: t0.map { seconds(since: $0) } ?? 0, backupName: name, kind: kind,
                                      message: e.description),
                      log: prefix + e.description)
        return e
    }

    /// A cancelled operation is recorded as such; a busy lock refused to a person is like
    /// a refused input (they see the message and retry), but counts when the scheduler hits it.
    private func reportFailure(_ error: BackupError, _ entry: HistoryEntry, log line: String) {
        if entry.trigger != .scheduler {
            if error.isInputError { return }
            if case .busy = error { return }
        }
        var entry = entry
        if error == .cancelled {
            entry.outcome = .cancelled
            record(entry)
            logger.warning("\(line)")
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
            logger.error("Could not write the history: \(Self.engineError(error).description)")
        }
    }

    private func requireDatabaseFile() throws {
        guard let info = FileSystem.info(layout.databasePath) else {
            if !FileSystem.isDirectory(layout.dataDir) {
                throw BackupError.invalidArgument("data dir not found: \(layout.dataDir) (check --data-dir or \(DataLayout.environmentVariable))")
            }
            throw BackupError.databaseNotFound(path: layout.databasePath)
        }
        if info.isSymlink {
            // Follow a link to the database (some installs keep it elsewhere), but it must end at a file.
            var st = stat()
            guard stat(layout.databasePath, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
                throw BackupError.notARegularFile(path: layout.databasePath)
            }
        } else if !info.isRegular {
            throw BackupError.notARegularFile(path: layout.databasePath)
        }
    }

    private func seconds(since t0: UInt64) -> Double {
        Double(clock.monotonicNanos() &- t0) / 1e9
    }

    static func engineError(_ error: Error) -> BackupError {
        if let e = error as? BackupError { return e }
        return .invalidArgument("\(error)")
    }
}
