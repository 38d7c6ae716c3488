import BackupEngine

/// Which backup is the last good one, as the engine decides it
/// (`BackupEngine.newestVerified(in:)`). Read with every refresh, so the console asks the
/// engine's rule instead of filtering the list itself and drifting from what `delete`
/// and retention protect.
public struct LastGoodBackups: Sendable, Equatable {
    /// The newest verified backup: deleting it warns and needs `force`.
    public private(set) var newest: String?
    /// The newest verified backup once `newest` is gone: what deleting it would leave.
    public private(set) var next: String?

    public init() {}

    /// Asks `engine` about `backups`.
    public init(engine: BackupEngine, backups: [BackupEntry]) {
        let first = engine.newestVerified(in: backups)
        newest = first?.name
        next = first.flatMap { first in engine.newestVerified(in: backups.filter { $0.name != first.name }) }?.name
    }

    /// The newest verified backup left after deleting `name`.
    public func newest(without name: String) -> String? {
        newest == name ? next : newest
    }
}
