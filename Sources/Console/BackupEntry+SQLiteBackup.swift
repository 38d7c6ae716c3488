import BackupEngine

extension BackupEntry {
    /// A SQLite backup, as opposed to a PostgreSQL-era `.sql` file: the only kind that can
    /// be verified and that belongs in the size trend. The engine applies this rule inside
    /// `verify` and `restore` but does not offer it as a question (only `isRestorable`,
    /// which also rules out corrupt backups), so the console keeps its one copy here
    /// rather than spelling `kind != .legacySQL` at every use. To move into the engine.
    var isSQLiteBackup: Bool { kind != .legacySQL }
}
