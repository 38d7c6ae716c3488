import Foundation

extension BackupEngine {
    /// Re-hashes a backup and runs `quick_check` (or, with `full`, `integrity_check`).
    /// A verified backup whose bytes changed is reported, and recorded, as corrupt.
    public func verify(name: String, full: Bool = false, trigger: Trigger = .cli,
                       progress: ProgressHandler? = nil) throws -> VerifyResult {
        try recorded(.verify, trigger: trigger, name: name, failureLog: "Verify failed: \(name): ") { run in
            let entry = try catalog.entry(named: name)
            guard entry.kind != .legacySQL else {
                throw BackupError.notRestorable(name: name, reason: "a PostgreSQL-era .sql file cannot be verified or restored")
            }
            if let why = rawSavedCopyProblem(entry) { throw BackupError.notRestorable(name: name, reason: why) }
            // A data dir this user cannot write (another user's shop) can still be checked:
            // without the lock (it cannot be taken) and without recording anything.
            guard Ownership.canWrite(layout.backupsDir) else {
                var result = try performVerify(entry: entry, full: full, progress: progress, run: run, keepResult: false)
                result.recorded = false
                return result
            }
            try run.takeLock(createFolders: false)
            let result = try performVerify(entry: entry, full: full, progress: progress, run: run)
            record(run.entry(outcome: result.ok ? .success : .failure, backupName: name, kind: entry.kind,
                             sizeBytes: entry.sizeBytes, durationSeconds: result.durationSeconds,
                             message: result.ok ? "\(result.method) ok, SHA-256 \(result.hashCompared ? "matches" : "recorded")" : result.message,
                             detail: result.detail))
            if result.ok {
                logger.info("Verify ok: \(name) (\(result.method))")
            } else {
                logger.error("Verify failed: \(name): \(result.message ?? "")")
            }
            return result
        }
    }

    func performVerify(entry: BackupEntry, full: Bool, progress: ProgressHandler?, run: OperationRun,
                       keepResult: Bool = true) throws -> VerifyResult {
        let method = full ? "integrity_check" : "quick_check"
        var problem: String?
        var sha: String?
        var hashCompared = false
        var detail: String?
        do {
            try BackupInspector.requireSQLiteHeader(entry.path)
            // Only people wait for a verify: the check runs beside the hash (each about a
            // core's work on a cached file); when the hash differs its answer is not used.
            let path = entry.path
            let checking = SideWork { try BackupInspector.check(path: path, full: full) }
            defer { _ = try? checking.result() }
            sha = try BackupInspector.sha256(path: entry.path, progress: progress.map { p in { d, t in p(BackupProgress(phase: .hashing, done: d, total: t)) } })
            if let recorded = entry.record?.sha256 {
                hashCompared = true
                if recorded != sha { problem = Verification.contentsChangedMessage }
            }
            if problem == nil {
                progress?(BackupProgress(phase: .checking, done: 0, total: 0))
                if let found = try checking.result() {
                    problem = found.summary
                    detail = found.problems.count > 1 ? found.detail : nil
                }
            }
            if problem == nil, entry.record == nil, let foreign = foreignDatabaseProblem(path: entry.path) {
                // A file we did not make must at least be a database of this POS: a valid
                // SQLite file of another app under the backup pattern must never be restored.
                problem = foreign
            }
        } catch {
            switch BackupError(error) {
            case .notADatabase: problem = "not an SQLite database (zero length, damaged header or a foreign file)"
            case .verificationFailed(_, let reason): problem = reason
            case .sqlite(let e): problem = BackupError.sqlite(e).description
            case let other: throw other
            }
        }
        let verification = Verification(method: method, ok: problem == nil, checkedAt: clock.now(), message: problem)
        let fileInfo = FileSystem.info(entry.path)
        if !keepResult {
            // Nothing is written: the result is only returned.
        } else if var rec = entry.record {
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
                                   verification: verification, strategy: .imported, restarts: 0, longestWriterHoldMs: 0)
            try metadata.save(rec)
        }
        return VerifyResult(name: entry.name, ok: problem == nil, method: method, sha256: sha,
                            hashCompared: hashCompared, message: problem, detail: detail, durationSeconds: run.elapsed)
    }

    /// For a backup without our metadata: a reason when it shares no table with the live
    /// database (another app's SQLite file renamed to the backup pattern), nil when it does
    /// or when the live database cannot be read to compare (then nothing is claimed).
    func foreignDatabaseProblem(path: String) -> String? {
        guard let backupTables = try? BackupInspector.tableCounts(path: path).map(\.table),
              let live = try? SQLiteConnection(path: layout.databasePath, mode: .readOnly, busyTimeoutMs: busyTimeoutMs),
              let liveNames = try? BackupInspector.tableNames(live)
        else { return nil }
        let liveTables = Set(liveNames)
        guard !liveTables.isEmpty, Set(backupTables).isDisjoint(with: liveTables) else { return nil }
        let shown = backupTables.prefix(5).joined(separator: ", ")
        return "not a backup of this database: none of its tables (\(shown.isEmpty ? "none" : shown)) is in \(FileSystem.fileName(of: layout.databasePath)) (a foreign file under the backup name?)"
    }
}
