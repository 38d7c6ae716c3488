import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A moment of the replica kept as a local copy (`restore --at`): fetched by Litestream into
/// a private temp folder, checked as a backup is (quick_check, row counts, SHA-256), and
/// kept in `backups/point-in-time/moment-<UTC second>.db`, so the normal restore (its
/// preview, its saved copy, its undo) puts it back. The moment is cut to the second, which
/// is what Litestream's `-timestamp` takes.
extension ContinuousService {
    public struct MomentCopy: Sendable {
        public var entry: BackupEntry
        /// The moment, to the second.
        public var moment: Date
        /// Already kept by an earlier fetch (a dry run, then the restore).
        public var reused: Bool
    }

    /// What the replica can give back now: from its oldest file to its newest sync (to now,
    /// when the database has not changed since: the newest sync is then every later moment).
    public func window(_ known: ContinuousStatus? = nil) -> (from: Date, to: Date)? {
        let s = known ?? status()
        // Whole seconds inside the files' times: Litestream takes a second and finds
        // nothing before its oldest file.
        guard let oldest = s.windowStart, let synced = s.lastSyncAt else { return nil }
        let from = Date(timeIntervalSince1970: oldest.timeIntervalSince1970.rounded(.up))
        let now = clock.now()
        let unchanged = (s.databaseChangedAt ?? .distantPast) <= synced.addingTimeInterval(1)
        let to = unchanged ? max(now, synced) : synced
        // One file of a fraction of a second, changed since: no whole second to give yet.
        return from <= to ? (from, to) : nil
    }

    /// `keepRetention`: false for a dry run, which keeps the moment it fetched but removes
    /// nothing else.
    public func keepMoment(at asked: Date, trigger: Trigger = .cli, keepRetention: Bool = true,
                           cancellation: CancellationFlag? = nil) throws -> MomentCopy {
        guard let config = self.config() else { throw BackupError.continuousNotConfigured }
        let moment = Date(timeIntervalSince1970: asked.timeIntervalSince1970.rounded(.down))
        let said = MomentText.format(moment)
        if moment > clock.now() { throw BackupError.continuousMomentInFuture(moment: said) }
        // A bucket's files are listed now: the supervisor's listing may be 30 s old.
        if config.address?.isFolder == false { try listReplica(config) }
        guard let window = window() else { throw BackupError.continuousMomentOutsideWindow(moment: said, from: nil, to: nil) }
        guard moment >= window.from, moment <= window.to else {
            throw BackupError.continuousMomentOutsideWindow(moment: said, from: MomentText.format(window.from), to: Self.windowEnd(window.to, now: clock.now()))
        }
        let name = BackupName.make(kind: .pointInTime, date: moment)
        let path = layout.pointInTimeDir + "/" + name
        return try engine.recorded(.continuousFetch, trigger: trigger, name: name, kind: .pointInTime,
                                   failureLog: "Fetching a moment from the continuous replica failed: ") { run in
            // The same lock as every operation that writes the backup folders: two fetches
            // of one moment, a fetch beside retention or beside a backup being named.
            try run.takeLock()
            if let info = FileSystem.info(path), !info.isRegular {
                throw BackupError.unsafePath(path: path, reason: "it is not a regular file (mr5-backup never makes anything else there; remove it)")
            }
            let copy: MomentCopy
            if FileSystem.exists(path) {
                let kept = try engine.catalog.entry(named: name)
                guard kept.status == .verified else {
                    // Never removed unasked: a person looks at a copy that changed or lost its record.
                    throw BackupError.notRestorable(name: name, reason: "a copy of this moment is already there and is not verified (\(kept.statusDetail ?? kept.status.rawValue)): verify it (mr5-backup verify \(name)) or delete it, then try again")
                }
                copy = MomentCopy(entry: kept, moment: moment, reused: true)
            } else {
                let entry = try fetch(moment: moment, name: name, config: config, run: run, cancellation: cancellation)
                engine.record(run.entry(outcome: .success, backupName: name, kind: .pointInTime, sizeBytes: entry.sizeBytes,
                                        durationSeconds: run.elapsed, message: "the moment \(said) fetched from the replica and verified"))
                logger.info("Kept the replica's moment \(said) as \(name)")
                copy = MomentCopy(entry: entry, moment: moment, reused: false)
            }
            if keepRetention {
                engine.applyOwnCount(of: .pointInTime, keep: engine.momentsToKeep(), setting: SettingKey.pointInTimeKeep.rawValue,
                                     protecting: [name], trigger: trigger)
            }
            return copy
        }
    }

    /// `now` for an end that is the present, else its time.
    static func windowEnd(_ end: Date, now: Date) -> String {
        end >= now.addingTimeInterval(-1) ? "now" : MomentText.format(end)
    }

    private func fetch(moment: Date, name: String, config: ContinuousConfig, run: OperationRun,
                       cancellation: CancellationFlag?) throws -> BackupEntry {
        let litestream = try litestream(config, cancellation: cancellation)
        let dir = layout.pointInTimeDir
        try engine.requireWritable([layout.backupsDir, layout.metaDir])
        if !FileSystem.isDirectory(dir) { try FileSystem.makeDirectory(dir, mode: 0o700) }
        engine.removeStaleFiles()
        let size = FileSystem.info(layout.databasePath)?.size ?? 0
        let space = try FileSystem.space(dir)
        if size + (1 << 20) > space.free {
            throw BackupError.insufficientSpace(needed: size + (1 << 20), available: space.free, mountPoint: space.mountPoint)
        }
        // Litestream writes its restores readable by all: into a folder only we can enter,
        // then made 0600 before it is moved beside the other copies.
        let folder = FileSystem.temporaryPath(in: dir, label: "moment")
        try FileSystem.makeDirectory(folder, mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/" + name
        try litestream.restore(database: layout.databasePath, into: file, at: moment)
        guard chmod(file, 0o600) == 0 else { throw BackupError.io(operation: "chmod", path: file, errno: errno) }
        try FileSystem.fsyncFile(file)
        if let findings = try BackupInspector.check(path: file, full: false) {
            throw BackupError.verificationFailed(name: "the replica's moment \(MomentText.format(moment))", reason: findings.summary)
        }
        let tables = try BackupInspector.tableCounts(path: file)
        let sha = try BackupInspector.sha256(path: file, cancellation: cancellation)
        let header = try BackupInspector.header(path: file)
        guard let info = FileSystem.info(file) else { throw BackupError.io(operation: "stat", path: file, errno: errno) }
        var record = BackupRecord(
            name: name, kind: .pointInTime, createdAt: moment, sizeBytes: info.size, sha256: sha,
            pageCount: header.pageCount, pageSize: header.pageSize, fileModifiedAt: info.modified.timeIntervalSince1970,
            durationSeconds: run.elapsed, copySeconds: run.elapsed, sourcePath: layout.databasePath, sourceSizeBytes: size,
            sourceJournalMode: "wal", userVersion: 0, applicationId: 0, appVersion: nil, tables: tables,
            verification: Verification(method: "quick_check", ok: true, checkedAt: clock.now()),
            strategy: .replicaMoment, restarts: 0, longestWriterHoldMs: 0,
            madeSequence: (engine.catalog.entries().compactMap { $0.record?.madeSequence }.max() ?? 0) + 1,
            toolVersion: ToolVersion.current)
        record.pace = .full
        // Metadata first, then the file, as a backup is kept.
        try engine.metadata.save(record)
        guard try FileSystem.renameNoReplace(file, to: dir + "/" + name) else {
            try? engine.metadata.remove(name)
            throw BackupError.continuousFailed(action: "restore", reason: "\(name) appeared while it was fetched (another fetch of the same moment?)", detail: nil)
        }
        return try engine.catalog.entry(named: name)
    }
}
