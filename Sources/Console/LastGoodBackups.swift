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
    /// For each backup that cannot be restored, the newest verified backup older than it
    /// (absent: there is none), so the advice "pick an older verified backup" is only given
    /// when there is one.
    public private(set) var olderThanRefused: [String: String] = [:]

    public init() {}

    /// Asks `engine` about `backups` (newest first, as `listBackups()` returns them).
    public init(engine: BackupEngine, backups: [BackupEntry]) {
        let first = engine.newestVerified(in: backups)
        newest = first?.name
        next = first.flatMap { first in engine.newestVerified(in: backups.filter { $0.name != first.name }) }?.name
        for entry in backups where !entry.isRestorable {
            olderThanRefused[entry.name] = Self.olderVerified(than: entry.name, engine: engine, backups: backups)
        }
    }

    /// The newest verified backup listed after (older than) `name` in `backups`, as the engine picks it.
    public static func olderVerified(than name: String, engine: BackupEngine, backups: [BackupEntry]) -> String? {
        guard let i = backups.firstIndex(where: { $0.name == name }) else { return nil }
        return engine.newestVerified(in: Array(backups[(i + 1)...]))?.name
    }

    /// The newest verified backup left after deleting `name`.
    public func newest(without name: String) -> String? {
        newest == name ? next : newest
    }

    /// What to do instead of restoring `name`, which cannot be restored: pick the older
    /// verified backup the engine names, or know that there is none.
    public func advice(insteadOf name: String) -> String { Self.advice(older: olderThanRefused[name]) }

    /// "Pick an older verified backup; the newest one is X." or that there is none.
    public static func advice(older: String?) -> String {
        older.map { "Pick an older verified backup; the newest one is \($0)." } ?? "There is no older verified backup."
    }
}
