import Foundation

/// The list of backups. The folders are the truth (a technician may delete a file by
/// hand); metadata only adds what we know about each file.
struct Catalog {
    let layout: DataLayout
    let metadata: MetadataStore
    /// The current time, to tell backups dated after it.
    let now: Date

    /// How far after now a backup's date may be before it counts as dated after now
    /// (the clocks of a till and its NTP server differ by seconds).
    static let futureTolerance: TimeInterval = 60

    /// Every backup, newest first.
    func entries() -> [BackupEntry] {
        var result: [BackupEntry] = []
        let folders: [(String, (String) -> BackupName.Parsed?)] = [
            (layout.backupsDir, { BackupName.parse($0, inPreUpdateFolder: false) }),
            (layout.preUpdateDir, { BackupName.parse($0, inPreUpdateFolder: true) }),
            (layout.pointInTimeDir, BackupName.parseMoment)]
        for (dir, parse) in folders {
            for name in FileSystem.list(dir) {
                guard !name.hasPrefix("."), let parsed = parse(name) else { continue }
                let path = dir + "/" + name
                // Only regular files: a symlink out of the folder is never listed, restored or deleted.
                guard let info = FileSystem.info(path), info.isRegular else { continue }
                result.append(entry(name: name, path: path, parsed: parsed, info: info))
            }
        }
        // Copies saved by restores, beside the database (their -wal/-journal side files do not match).
        let folder = FileSystem.parent(of: layout.databasePath)
        let dbName = FileSystem.fileName(of: layout.databasePath)
        for name in FileSystem.list(folder) {
            guard let parsed = BackupName.parseSaved(name, databaseFileName: dbName) else { continue }
            let path = folder + "/" + name
            guard let info = FileSystem.info(path), info.isRegular else { continue }
            result.append(entry(name: name, path: path, parsed: parsed, info: info))
        }
        return BackupEntry.sortedNewerFirst(result)
    }

    /// A folder the backups or their history live in that this user may not read (a
    /// `backups/` or `logs/` folder of mode 0700, or a closed data dir, read by a monitor
    /// running as another user). `entries()` and the history read nothing from it, so an
    /// empty list would be a false "no backups". Opened as the listing opens it, so
    /// capabilities and ACLs count as they do there; only a missing folder is fine.
    func unreadableBackupFolder() -> BackupError? { unreadable(among: [layout.backupsDir, layout.preUpdateDir, layout.pointInTimeDir]) }

    /// The history's folder (`logs/`) closed the same way.
    func unreadableHistoryFolder() -> BackupError? { unreadable(among: [layout.logsDir]) }

    /// The first of `dirs` this user may not open.
    private func unreadable(among dirs: [String]) -> BackupError? {
        for dir in dirs {
            if Self.opens(dir) { continue }
            let err = errno
            if err == ENOENT { continue }
            // A closed parent fails the same way: name the first folder that cannot be opened.
            var blocked = dir
            while blocked != layout.dataDir, !Self.opens(FileSystem.parent(of: blocked)) {
                blocked = FileSystem.parent(of: blocked)
            }
            return Errno(err).isPermission
                ? .notReadable(path: blocked, who: Ownership.describe(blocked))
                : .io(operation: "open", path: dir, errno: err)
        }
        return nil
    }

    /// False with `errno` set when `dir` cannot be opened.
    private static func opens(_ dir: String) -> Bool {
        guard let d = opendir(dir) else { return false }
        closedir(d)
        return true
    }

    /// Checks a name typed by a user before any path is built from it.
    /// Returns the folder it belongs in (`backups/`, `backups/pre-update/`, or the
    /// database's own folder for a copy saved by a restore).
    func validate(_ name: String) throws -> (directory: String, parsed: BackupName.Parsed) {
        guard !name.isEmpty, !name.contains("/"), !name.contains("\0"), name != ".", name != "..",
              !name.contains(".."), !name.hasPrefix(".") else {
            throw BackupError.invalidBackupName(name)
        }
        if let p = BackupName.parse(name, inPreUpdateFolder: true) { return (layout.preUpdateDir, p) }
        if let p = BackupName.parse(name, inPreUpdateFolder: false) { return (layout.backupsDir, p) }
        if let p = BackupName.parseMoment(name) { return (layout.pointInTimeDir, p) }
        if let p = BackupName.parseSaved(name, databaseFileName: FileSystem.fileName(of: layout.databasePath)) {
            return (FileSystem.parent(of: layout.databasePath), p)
        }
        throw BackupError.invalidBackupName(name)
    }

    /// One backup by (validated) name.
    func entry(named name: String) throws -> BackupEntry {
        let (dir, parsed) = try validate(name)
        let path = dir + "/" + name
        if let closed = unreadableBackupFolder() { throw closed }
        guard let info = try FileSystem.lookup(path) else { throw BackupError.backupNotFound(name: name) }
        guard info.isRegular else {
            throw BackupError.notRestorable(name: name, reason: "not a regular file inside the backup folder (a symlink or folder is never used)")
        }
        return entry(name: name, path: path, parsed: parsed, info: info)
    }

    private func entry(name: String, path: String, parsed: BackupName.Parsed, info: FileSystem.Info) -> BackupEntry {
        let record = parsed.kind == .legacySQL ? nil : metadata.load(name)
        var status = BackupStatus.unverified
        var pending: BackupEntry.PendingCheck?
        var detail: String?
        if parsed.kind == .legacySQL {
            detail = "PostgreSQL-era .sql file: not restorable"
        } else if let record {
            if !record.verification.ok {
                status = .corrupt
                detail = record.verification.message ?? "failed verification"
            } else if record.sizeBytes != info.size {
                status = .corrupt
                detail = "size changed since verification (\(record.sizeBytes) -> \(info.size) bytes)"
            } else if abs(record.fileModifiedAt - info.modified.timeIntervalSince1970) > 0.000_01 {
                // Only the time: a copy made with tar or cp -p, or a touch. The hash decides.
                pending = .fileTimeChanged
                detail = "file time changed since verification: verify pending"
            } else {
                status = .verified
            }
        } else if metadata.exists(name) {
            pending = .metadataMissing
            detail = "its metadata cannot be read: verify pending"
        } else if parsed.kind == .savedBeforeRestore {
            detail = "not verified by mr5-backup: run verify"
        } else {
            pending = .metadataMissing
            detail = "no metadata (lost, or not made by mr5-backup): verify pending"
        }
        let kind = record?.kind ?? parsed.kind
        // The name's time first: it is on disk with the file, while the metadata may be lost.
        // The record's adds the fraction of that second (backups made in one second).
        let createdAt: Date
        if let named = parsed.date {
            createdAt = record.map(\.createdAt).flatMap { (0..<1).contains($0.timeIntervalSince(named)) ? $0 : nil } ?? named
        } else {
            createdAt = record?.createdAt ?? info.modified
        }
        return BackupEntry(name: name, path: path, kind: kind, createdAt: createdAt,
                           sizeBytes: info.size, status: status, statusDetail: detail,
                           appVersion: record?.appVersion ?? parsed.appVersion, record: record,
                           datedAfterNow: createdAt.timeIntervalSince(now) > Self.futureTolerance,
                           pendingCheck: pending)
    }
}
