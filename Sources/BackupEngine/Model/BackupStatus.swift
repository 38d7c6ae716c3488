/// How sure we are that a backup file is good.
public enum BackupStatus: String, Codable, Sendable {
    /// Hashed and checked; the file still has the size and time it had then.
    case verified
    /// Never checked by us (no metadata), or changed since: run `verify`.
    case unverified
    /// Failed its last check, or its size changed since it was verified.
    case corrupt
}
