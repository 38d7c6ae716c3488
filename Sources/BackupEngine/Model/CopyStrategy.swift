/// How a backup's file came to be; recorded with each backup and explained in docs/ARCHITECTURE.md.
public enum CopyStrategy: String, Codable, Sendable {
    /// WAL source: one read transaction pins a snapshot for the whole copy; writers go on.
    case walSnapshot = "wal-snapshot"
    /// Rollback source: stepped copy with the lock released between steps; finished
    /// without being restarted by a writer.
    case rollbackStepped = "rollback-stepped"
    /// Rollback source: writers restarted the stepped copy too often, so the file's raw
    /// bytes were copied, then compared and patched under one SHARED lock (writers wait
    /// for that pass only).
    case rollbackSnapshot = "rollback-snapshot"
    /// A restore's copy of the database it replaced, made through the backup API.
    case savedBeforeRestore = "saved-before-restore"
    /// A restore's copy of a database that would not open: its raw bytes (and -wal/-journal).
    case savedRaw = "saved-raw"
    /// A file we did not make, checked and adopted by `verify`.
    case imported
    /// Fetched from the off-site repository (`restic dump`).
    case fetched = "offsite"
    /// Restored from the continuous replica at a moment (`litestream restore -timestamp`).
    case replicaMoment = "replica-moment"
}
