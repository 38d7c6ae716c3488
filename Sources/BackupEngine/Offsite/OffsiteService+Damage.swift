import Foundation

/// Damage in the repository's data. Found by a check, a restore drill, a restore, a prune
/// or the drill that follows each push into a damaged repository; kept in the off-site
/// state (CRITICAL) until a check that reads all of the data passes, since a partial
/// check that happens to miss the damaged pack proves nothing. Told to the other tills
/// through a damage report in the repository, and learnt from theirs at each contact.
extension OffsiteService {
    /// Runs `body`; restic's word that the repository's data is damaged is kept as damage
    /// and reported into the repository before the error goes on.
    func noticingDamage<T>(_ restic: Restic?, foundBy: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as BackupError {
            if case .offsiteDamaged(let reason, _) = error {
                // A drive pulled while restic read it makes every pack "gone": that is the drive.
                if let config = restic?.config { try requireDrive(config) }
                recordDamage(reason, foundBy: foundBy, restic: restic)
            }
            throw error
        }
    }

    /// Keeps the damage (a finding of this till's replaces one learnt from another) and
    /// writes the damage report once, so the other tills learn of it.
    func recordDamage(_ message: String, foundBy: String, restic: Restic?) {
        let now = clock.now()
        var isNew = false
        try? updateState { s in
            guard s.damage == nil || s.damage?.reportedBy != nil else { return }
            isNew = s.damage == nil
            s.damage = .init(foundAt: now, foundBy: foundBy, message: message)
        }
        if isNew { logger.error("Off-site repository is damaged (found by the \(foundBy)): \(message)") }
        guard let restic, let damage = state().damage, damage.reportedBy == nil, damage.reportSnapshot == nil else { return }
        let report = RepositoryReport(kind: .damage, terminal: terminalID, writtenAt: damage.foundAt, level: .critical,
                                      message: damage.message, damage: RepositoryDamage(foundBy: foundBy, snapshots: []))
        do {
            let id = try writeReport(report, restic: restic)
            try? updateState { s in
                s.damage?.reportSnapshot = id
                s.seenReports = Array((s.seenReports + [id]).suffix(Self.seenReportsKept))
            }
        } catch {
            // The damage stands here either way; the report is tried again with the next finding.
            logger.warning("Could not write the damage report into the off-site repository: \(BackupError(error).description)")
        }
    }

    /// A check that read all of the data passed: the damage is gone. Backups pushed while
    /// it stood count as safe again, and the other tills are told. `startedAt`: when the
    /// check began (it can take hours; damage reported meanwhile is not cleared by it).
    func recordWholeCheck(restic: Restic?, startedAt: Date) {
        let now = startedAt
        let had = state().damage
        try? updateState { s in
            if let damage = s.damage, damage.foundAt > now { return }
            s.damage = nil
            s.lastFullCheckAt = now
        }
        guard state().damage == nil else { return }
        clearUnsafeMarks()
        guard let had else { return }
        logger.info("Off-site repository checks whole again (damage found \(HealthEvaluator.clockText(had.foundAt)) is gone)")
        guard let restic else { return }
        let report = RepositoryReport(kind: .repaired, terminal: terminalID, writtenAt: now, level: .ok,
                                      message: "a check that read all of the data passed")
        if let id = try? writeReport(report, restic: restic) {
            try? updateState { s in s.seenReports = Array((s.seenReports + [id]).suffix(Self.seenReportsKept)) }
        }
    }

    static var seenReportsKept: Int { 200 }

    /// Writes `report` as a snapshot of its own (tagged, never re-tagged: re-tagging
    /// rewrites ids and fails on append-only storage); returns its short id.
    @discardableResult
    func writeReport(_ report: RepositoryReport, restic: Restic, extraTags: [String] = []) throws -> String {
        if !FileSystem.isDirectory(paths.directory) { try layout.ensureDirectories() }
        let tmp = FileSystem.temporaryPath(in: paths.directory, label: "report")
        defer { try? FileSystem.remove(tmp) }
        try FileSystem.writeAtomically(try report.encoded(), to: tmp)
        let out = try restic.backupReport(file: tmp, host: terminalID, tags: report.tags + extraTags + (installID().map { ["install:\($0)"] } ?? []))
        guard let summary = Restic.backupSummary(out.stdout) else {
            throw BackupError.offsiteFailed(action: "report", reason: "restic did not say which snapshot it made", detail: nil)
        }
        return String(summary.snapshot.prefix(8))
    }

    /// Reads the damage and repaired reports other tills wrote since the last contact:
    /// damage found after the last whole check is this till's too; a whole check after
    /// the damage clears it. A repository that cannot be read now is left for next time.
    /// `listed`: the repository's listing when the caller has it (`contact`), else read here.
    func learnReports(_ restic: Restic, listed: [ResticSnapshot]? = nil) {
        let list: [ResticSnapshot]
        if let listed {
            list = listed.filter { $0.tags.contains(RepositoryReport.tag) }
        } else {
            guard let out = try? restic.reports() else { return }
            let line = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("[") } ?? "[]"
            guard let decoded = try? JSONDecoder().decode([ResticSnapshot].self, from: Data(line.utf8)) else { return }
            list = decoded
        }
        let seen = Set(state().seenReports)
        let fresh = list.filter { !seen.contains($0.shortID) }
        guard !fresh.isEmpty else { return }
        // Only the newest of each kind matters. One that cannot be read now (a dump cut
        // off) stays unseen, with the older ones of its kind, and is read next time.
        var reports: [RepositoryReport] = []
        var done: [String] = fresh.filter { s in !s.tags.contains { $0 == "report:damage" || $0 == "report:repaired" } }.map(\.shortID)
        for kind in [RepositoryReport.Kind.damage, .repaired] {
            let ofKind = fresh.filter { $0.tags.contains("report:\(kind.rawValue)") }
            guard let newest = ofKind.max(by: { $0.time < $1.time }) else { continue }
            guard let report = readReport(newest, restic: restic) else { continue }
            done += ofKind.map(\.shortID)
            if report.kind == kind { reports.append(report) }
        }
        var cleared = false
        var learnt: RepositoryReport?
        try? updateState { s in
            s.seenReports = Array((s.seenReports + done).suffix(Self.seenReportsKept))
            for report in reports.sorted(by: { $0.writtenAt < $1.writtenAt }) {
                switch report.kind {
                case .damage:
                    // A finding of this till's own stands; one learnt gives way to a newer one,
                    // and a till that moved away after a repair is always heard (it says where).
                    let moved = report.damage?.foundBy == "repair"
                    guard s.damage == nil || s.damage?.reportedBy != nil || moved, report.writtenAt > (s.damage?.foundAt ?? .distantPast),
                          s.lastFullCheckAt.map({ report.writtenAt > $0 }) ?? true else { continue }
                    s.damage = .init(foundAt: report.writtenAt, foundBy: report.damage?.foundBy ?? "check", message: report.message,
                                     reportedBy: report.terminal)
                    learnt = report
                case .repaired:
                    if s.lastFullCheckAt.map({ report.writtenAt > $0 }) ?? true { s.lastFullCheckAt = report.writtenAt }
                    if let damage = s.damage, report.writtenAt > damage.foundAt {
                        s.damage = nil
                        cleared = true
                    }
                case .health:
                    continue
                }
            }
        }
        if let learnt {
            logger.error("Off-site repository is damaged, as \(learnt.terminal) found (\(HealthEvaluator.clockText(learnt.writtenAt))): \(learnt.message)")
        }
        if cleared {
            clearUnsafeMarks()
            logger.info("Off-site repository checks whole again, as another terminal found")
        }
    }

    /// One listing at each contact with the repository (one restic run, not two): every
    /// terminal's reports, learnt here, and this terminal's backup snapshots, newest first.
    func contact(_ restic: Restic) throws -> [ResticSnapshot] {
        let all = try restic.fleetList()
        learnReports(restic, listed: all)
        return all.filter { $0.hostname == terminalID && $0.tags.contains(Restic.tag) }.sorted { $0.time > $1.time }
    }

    /// A report snapshot's JSON, nil when it cannot be read or is not one this version reads.
    func readReport(_ snapshot: ResticSnapshot, restic: Restic) -> RepositoryReport? {
        let tmp = FileSystem.temporaryPath(in: paths.directory, label: "report-\(snapshot.shortID)")
        defer { try? FileSystem.remove(tmp) }
        guard (try? FileSystem.createPrivateFile(tmp)) != nil,
              (try? restic.dump(snapshotID: snapshot.id, into: tmp, name: RepositoryReport.fileName, timeLimit: 120)) != nil,
              let info = FileSystem.info(tmp), info.size < 1 << 20, let data = FileSystem.readFile(tmp) else { return nil }
        return RepositoryReport.decode(data)
    }

    /// The pushes made while the repository was damaged count as safe again.
    func clearUnsafeMarks() {
        _ = try? DataDirLock.operation.holding(layout, for: "offsite-marks", now: clock.now(), wait: 60) {
            for entry in catalog.entries() where entry.record?.offsite?.pushedWhileDamaged == true {
                guard var record = entry.record else { continue }
                record.offsite?.pushedWhileDamaged = nil
                try? metadata.save(record)
            }
        }
    }

    /// Restores the snapshot just pushed into a damaged repository and compares it with
    /// the backup (restic reuses blobs it already has, damaged ones too). One that does not
    /// come back whole is forgotten, and the push fails.
    func drillPushed(_ id: String, entry: BackupEntry, restic: Restic) throws {
        let snapshot = ResticSnapshot(id: id, shortID: id, time: entry.createdAt, hostname: terminalID,
                                      tags: ["size:\(entry.sizeBytes)"])
        do {
            let tmp = try dump(snapshot, restic: restic, into: paths.directory, label: "drill", lockWait: 0)
            defer { try? FileSystem.remove(tmp) }
            let checked = try checkFetched(tmp, snapshot: snapshot)
            if let sha = entry.record?.sha256, sha != checked.sha256 {
                throw BackupError.verificationFailed(name: "snapshot \(id)", reason: "it differs from \(entry.name)")
            }
        } catch let error as BackupError {
            let why: String
            switch error {
            case .offsiteDamaged(let reason, _): why = reason
            case .verificationFailed(_, let reason): why = reason
            default: throw error
            }
            do { try restic.forget(ids: [id]) } catch {
                // Left in the repository: said, so nobody restores it believing it whole.
                logger.error("Snapshot \(id) of \(entry.name) does not restore and could not be forgotten: \(BackupError(error).description)")
            }
            throw BackupError.offsiteDamaged(reason: "\(entry.name) was pushed as snapshot \(id) but does not restore (\(OneLine.keepingEnd(why, limit: 70)))",
                                             detail: error.detail)
        }
    }
}
