import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Getting a snapshot back: listing, dumping into a temp file, checking it exactly like a
/// local backup, and keeping it as a local backup that the normal restore path restores
/// (with its preview, saved copy and undo).
extension OffsiteService {
    /// This terminal's snapshots (or every terminal's, or `terminal`'s), newest first.
    public func snapshots(allHosts: Bool = false, terminal: String? = nil, cancellation: CancellationFlag? = nil) throws -> [ResticSnapshot] {
        if let terminal, !TerminalID.isValid(terminal) {
            throw BackupError.offsiteInvalidSetting(what: "terminal", reason: "\(terminal) is not a terminal id (letters, digits, '-', '_', '.')")
        }
        let restic = try restic(cancellation: cancellation)
        let list = try withRepositoryLockRetry(restic, wait: 120) {
            try snapshots(restic, allHosts: allHosts && terminal == nil, host: terminal)
        }
        if terminal == nil || terminal == terminalID { forgetMarks(notIn: list, allHosts: allHosts && terminal == nil) }
        return list
    }

    func snapshots(_ restic: Restic, allHosts: Bool, host: String? = nil) throws -> [ResticSnapshot] {
        let out = try restic.snapshots(host: allHosts ? nil : host ?? terminalID)
        let line = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("[") } ?? "[]"
        do {
            return try JSONDecoder().decode([ResticSnapshot].self, from: Data(line.utf8)).sorted { $0.time > $1.time }
        } catch {
            throw BackupError.offsiteFailed(action: "list", reason: "restic's snapshot list could not be read", detail: String(line.prefix(2000)))
        }
    }

    /// The snapshot to restore: an id (or its first characters), or the newest of this
    /// terminal. A new terminal recovering a shop has another name: when this terminal has
    /// no snapshot and the repository holds one terminal's only, that one's newest.
    /// `terminal`: the newest of that terminal (a recovery on a machine of another name).
    public func snapshot(_ id: String?, terminal: String? = nil, cancellation: CancellationFlag? = nil) throws -> ResticSnapshot {
        if id == nil, let terminal {
            guard let newest = try snapshots(terminal: terminal, cancellation: cancellation).first else {
                throw BackupError.offsiteSnapshotNotFound("(latest) of terminal \(terminal): it has no snapshot in the repository")
            }
            return newest
        }
        if let id {
            let wanted = id.trimmingCharacters(in: .whitespaces).lowercased()
            guard wanted.count >= 4, wanted.allSatisfy(\.isHexDigit) else {
                throw BackupError.offsiteInvalidSetting(what: "snapshot id", reason: "\(id) is not a snapshot id (hex digits, as 'offsite list' shows)")
            }
            let matches = try snapshots(allHosts: true, cancellation: cancellation).filter { $0.id.hasPrefix(wanted) }
            guard matches.count == 1, let found = matches.first else { throw BackupError.offsiteSnapshotNotFound(id) }
            return found
        }
        if let own = try snapshots(allHosts: false, cancellation: cancellation).first { return own }
        let all = try snapshots(allHosts: true, cancellation: cancellation)
        let hosts = Set(all.map(\.hostname))
        guard let newest = all.first else { throw BackupError.offsiteSnapshotNotFound("(latest): the repository has no snapshot") }
        guard hosts.count == 1 else {
            throw BackupError.offsiteSnapshotNotFound("(latest) of \(terminalID); the repository holds terminals \(hosts.sorted().joined(separator: ", ")): add --terminal ID")
        }
        return newest
    }

    /// `restic dump` of the snapshot's database into a new private temp file in `folder`.
    ///
    /// Drills and previews dump into the off-site folder and fetches into the backup's own
    /// folder: never where a local backup's clean-up of temp files would take them for its
    /// own leftovers. A killed dump's file is removed by the next one.
    func dump(_ snapshot: ResticSnapshot, restic: Restic, into folder: String, label: String, lockWait: TimeInterval) throws -> String {
        if !FileSystem.isDirectory(folder) { try layout.ensureDirectories() }
        if !FileSystem.isDirectory(folder) { try FileSystem.makeDirectory(folder, mode: 0o700) }
        for name in FileSystem.list(folder) where name.hasPrefix(".tmp-") && name.contains("-\(label)-") && !FileSystem.isOwnedByLiveProcess(tempName: name) {
            try? FileSystem.remove(folder + "/" + name)
        }
        let tmp = FileSystem.temporaryPath(in: folder, label: "\(label)-\(snapshot.shortID).db")
        try FileSystem.createPrivateFile(tmp)
        do {
            let limit = Self.pushTimeLimit(bytes: snapshot.sizeBytes ?? 0)
            _ = try withRepositoryLockRetry(restic, wait: lockWait) {
                try noticingDamage(restic, foundBy: label == "drill" ? "restore drill" : "restore") {
                    try restic.dump(snapshotID: snapshot.id, into: tmp, timeLimit: limit)
                }
            }
            try FileSystem.fsyncFile(tmp)
            return tmp
        } catch {
            try? FileSystem.remove(tmp)
            throw error
        }
    }

    struct FetchedCheck {
        var sha256: String
        var tables: [TableCount]
        var pageCount: Int64
        var pageSize: Int64
        var journal: String
        var rows: Int64 { tables.reduce(0) { $0 + $1.rows } }
    }

    /// The checks a local backup gets: an SQLite file, `quick_check`, and a database of this
    /// POS (a foreign file refused); plus the size restic was told, when it was.
    func checkFetched(_ path: String, snapshot: ResticSnapshot) throws -> FetchedCheck {
        let name = "snapshot \(snapshot.shortID)"
        do { try BackupInspector.requireSQLiteHeader(path) } catch {
            throw BackupError.verificationFailed(name: name, reason: "not an SQLite database (damaged or foreign data in the repository)")
        }
        if let expected = snapshot.sizeBytes, let size = FileSystem.info(path)?.size, size != expected {
            throw BackupError.verificationFailed(name: name, reason: "\(ByteCount.format(size)) came back, \(ByteCount.format(expected)) were pushed")
        }
        if let findings = try BackupInspector.check(path: path, full: false) {
            throw BackupError.verificationFailed(name: name, reason: findings.summary)
        }
        if let foreign = engine.foreignDatabaseProblem(path: path) { throw BackupError.verificationFailed(name: name, reason: foreign) }
        let header = try BackupInspector.header(path: path)
        return FetchedCheck(sha256: try BackupInspector.sha256(path: path), tables: try BackupInspector.tableCounts(path: path),
                            pageCount: header.pageCount, pageSize: header.pageSize, journal: header.journal)
    }

    /// Brings a snapshot back as a verified local backup (its own name and kind when free,
    /// else the next free name) and returns it, ready for `restore(name:)`. A snapshot that
    /// is already here (pushed from this file) is not fetched again.
    public func fetch(_ snapshot: ResticSnapshot, trigger: Trigger = .cli,
                             cancellation: CancellationFlag? = nil) throws -> BackupEntry {
        if let local = catalog.entries().first(where: { $0.record?.offsite?.snapshot == snapshot.shortID && $0.status == .verified }) {
            return local
        }
        guard FileSystem.isDirectory(layout.dataDir) else { throw BackupError.dataDirNotFound(path: layout.dataDir) }
        try engine.requireWritable([layout.backupsDir, layout.metaDir])
        return try engine.recorded(.offsiteFetch, trigger: trigger, failureLog: "Off-site fetch failed: ") { run in
            let restic = try restic(cancellation: cancellation)
            let kind = snapshot.kind.flatMap { $0.isBackup ? $0 : nil } ?? .manual
            let dir = layout.directory(for: kind)
            let tmp = try DataDirLock.offsite.holding(layout, for: "offsite-fetch", now: clock.now(), wait: 600) {
                try dump(snapshot, restic: restic, into: paths.directory, label: "fetch", lockWait: 600)
            }
            var keep = false
            defer { if !keep { try? FileSystem.remove(tmp) } }
            let checked = try checkFetched(tmp, snapshot: snapshot)
            guard let info = FileSystem.info(tmp) else { throw BackupError.io(operation: "stat", path: tmp, errno: errno) }

            try run.takeLock(wait: 600)
            let now = clock.now()
            let original = snapshot.backupName.flatMap { BackupName.parse($0, inPreUpdateFolder: kind == .preUpdate) }
            var fetched = BackupRecord(
                name: "", kind: kind, createdAt: snapshot.time, sizeBytes: info.size, sha256: checked.sha256,
                pageCount: checked.pageCount, pageSize: checked.pageSize, fileModifiedAt: info.modified.timeIntervalSince1970,
                durationSeconds: run.elapsed, copySeconds: run.elapsed, sourcePath: "restic snapshot \(snapshot.shortID) of \(snapshot.hostname)",
                sourceSizeBytes: info.size, sourceJournalMode: checked.journal, userVersion: 0, applicationId: 0,
                // A pre-update backup's version is the POS app's, which its name carries (the
                // snapshot's `app:` tag is mr5-backup's own).
                appVersion: kind == .preUpdate ? (original?.appVersion ?? "unknown") : nil,
                tables: checked.tables, verification: Verification(method: "quick_check", ok: true, checkedAt: now),
                strategy: .fetched, restarts: 0, longestWriterHoldMs: 0,
                madeSequence: (catalog.entries().compactMap { $0.record?.madeSequence }.max() ?? 0) + 1,
                toolVersion: ToolVersion.current)
            fetched.offsite = OffsiteCopy(snapshot: snapshot.shortID, pushedAt: snapshot.time, bytesAdded: 0)
            var names: [String] = []
            if let name = snapshot.backupName, original?.kind == kind { names.append(name) }
            var attempt = 1
            while true {
                let name = names.first ?? BackupName.make(kind: kind, date: snapshot.time, appVersion: fetched.appVersion, attempt: attempt)
                if !names.isEmpty { names.removeFirst() } else { attempt += 1 }
                let final = dir + "/" + name
                if FileSystem.exists(final) { continue }
                fetched.name = name
                try metadata.save(fetched)
                if try FileSystem.renameNoReplace(tmp, to: final) { keep = true; break }
                try? metadata.remove(name)
            }
            let entry = try catalog.entry(named: fetched.name)
            engine.record(run.entry(outcome: .success, backupName: entry.name, kind: kind, sizeBytes: entry.sizeBytes,
                             message: "fetched snapshot \(snapshot.shortID) of \(snapshot.hostname) as \(entry.name), checked ok"))
            logger.info("Fetched off-site snapshot \(snapshot.shortID) as \(entry.name)")
            return entry
        }
    }

    /// The restore preview of a snapshot, without keeping anything: dumped into a temp
    /// file, checked, compared with the live database, removed.
    public func preview(_ snapshot: ResticSnapshot, cancellation: CancellationFlag? = nil) throws -> RestorePreview {
        let restic = try restic(cancellation: cancellation)
        guard FileSystem.isDirectory(layout.dataDir) else { throw BackupError.dataDirNotFound(path: layout.dataDir) }
        try engine.requireWritable([layout.backupsDir])
        let tmp = try DataDirLock.offsite.holding(layout, for: "offsite-preview", now: clock.now(), wait: 600) {
            try dump(snapshot, restic: restic, into: paths.directory, label: "preview", lockWait: 600)
        }
        defer { try? FileSystem.remove(tmp) }
        _ = try checkFetched(tmp, snapshot: snapshot)
        let size = FileSystem.info(tmp)?.size ?? 0
        let entry = BackupEntry(name: "snapshot \(snapshot.shortID)", path: tmp, kind: snapshot.kind ?? .manual, createdAt: snapshot.time,
                                sizeBytes: size, status: .verified, statusDetail: nil, appVersion: snapshot.appVersion, record: nil)
        return try engine.restorePreview(entry: entry)
    }
}
