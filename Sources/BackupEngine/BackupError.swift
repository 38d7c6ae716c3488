import Foundation

/// Every failure the engine reports. One type for the whole module, so that callers can
/// print `description` as a single line a technician can act on, and tests can match cases.
public enum BackupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The database file does not exist (the engine never creates one).
    case databaseNotFound(path: String)
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
    /// SQLite reported an error that has no more specific case.
    case sqlite(code: Int32, message: String, path: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// A backup name that is not one of ours, or that tries to leave the backup folders.
    case invalidBackupName(String)
    /// No backup of that name is in the backup folders.
    case backupNotFound(name: String)
    /// The backup exists but cannot be used for what was asked (legacy .sql, a symlink...).
    case notRestorable(name: String, reason: String)
    /// Verification failed: the reason says what was found.
    case verificationFailed(name: String, reason: String)
    /// Refused: deleting the newest verified backup needs `force`.
    case lastGoodBackup(name: String)
    /// Another operation holds the data dir's operation lock.
    case busy(holder: String)
    /// A setting value that cannot be used.
    case invalidSetting(key: String, value: String, reason: String)
    /// An argument outside what the engine accepts (an app version with `/`, a keep count of 0...).
    case invalidArgument(String)
    /// The operation was cancelled (SIGTERM, quit) and cleaned up after itself.
    case cancelled
    /// The restore wrote the database but the check afterwards failed.
    case restoreCheckFailed(reason: String, savedCopy: String)
    /// `demo` found a database already in the chosen data dir and left it alone.
    case demoDataExists(path: String)

    /// True for errors caused by what the caller asked for (exit code 2 in the CLI),
    /// false for failures of the operation itself (exit code 1).
    public var isInputError: Bool {
        switch self {
        case .databaseNotFound, .notADatabase, .notARegularFile, .invalidBackupName,
             .backupNotFound, .invalidSetting, .invalidArgument, .notRestorable, .demoDataExists,
             .lastGoodBackup:
            return true
        default:
            return false
        }
    }

    public var description: String {
        switch self {
        case .databaseNotFound(let path):
            return "database not found: \(path) (check --db / --data-dir; the engine never creates a database)"
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
        case .sqlite(let code, let message, let path):
            return "SQLite error \(code) (\(message)) on \(path)"
        case .io(let operation, let path, let err):
            return "\(operation) failed for \(path): \(String(cString: strerror(err)))"
        case .invalidBackupName(let name):
            return "invalid backup name '\(name.debugSafe)': expected a file name such as backup-2025-10-27-143000.db (see 'mr5-backup list')"
        case .backupNotFound(let name):
            return "no backup named '\(name.debugSafe)' (see 'mr5-backup list')"
        case .notRestorable(let name, let reason):
            return "cannot use \(name.debugSafe): \(reason)"
        case .verificationFailed(let name, let reason):
            return "backup \(name) failed verification: \(reason)"
        case .lastGoodBackup(let name):
            return "\(name) is the newest verified backup; deleting it needs --force"
        case .busy(let holder):
            return "another backup operation is running (\(holder)); try again when it finishes"
        case .invalidSetting(let key, let value, let reason):
            return "invalid value '\(value.debugSafe)' for \(key): \(reason)"
        case .invalidArgument(let message):
            return message
        case .cancelled:
            return "operation cancelled; no partial file was kept"
        case .restoreCheckFailed(let reason, let saved):
            return "restore check failed: \(reason); the previous database is saved as \(saved)"
        case .demoDataExists(let path):
            return "demo data already exists at \(path); not touching it (remove that folder to start afresh)"
        }
    }
}

extension String {
    /// The string with control characters escaped, so a hostile name cannot move the
    /// cursor or clear a technician's terminal when an error message is printed.
    var debugSafe: String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
