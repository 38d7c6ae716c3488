import BackupEngine

/// Off-site copies as the last refresh read them (`BackupEngine.offsiteStatus`), so the
/// marks and the off-site line are drawn from memory: restic is never run for them, and
/// the UI thread never reads the state files.
public struct OffsiteSummary: Sendable, Equatable {
    /// nil: off-site copies are not set up for this data dir.
    public var config: OffsiteConfig?
    public var resticInstalled: Bool
    public var state: OffsiteState
    /// Verified local backups not pushed yet.
    public var pending: Set<String>
    /// The backup a push is reading now.
    public var pushing: String?
    /// The host name snapshots are made under (`terminal_id`).
    public var terminal: String

    public init(config: OffsiteConfig?, resticInstalled: Bool, state: OffsiteState, pending: Set<String>,
                pushing: String?, terminal: String) {
        self.config = config; self.resticInstalled = resticInstalled; self.state = state
        self.pending = pending; self.pushing = pushing; self.terminal = terminal
    }

    init(_ status: BackupEngine.OffsiteStatus) {
        self.init(config: status.config, resticInstalled: status.resticInstalled, state: status.state,
                  pending: Set(status.pending), pushing: status.pushing, terminal: status.terminal)
    }

    /// The health rules' view of it; nil when not set up.
    var health: OffsiteHealth? {
        config.map { OffsiteHealth(repository: $0.displayRepository, resticInstalled: resticInstalled, configuredAt: $0.configuredAt, state: state) }
    }

    /// Where one local backup stands off-site; nil when there is nothing to say (off-site
    /// is not set up, or the file is not one that is pushed: a saved copy, a .sql file,
    /// a backup that failed its check).
    public func mark(for entry: BackupEntry) -> OffsiteMark? {
        guard config != nil else { return nil }
        if entry.record?.offsite != nil { return .pushed }
        if pushing == entry.name { return .pushing }
        if state.failedBackups.contains(entry.name) { return .failed }
        if pending.contains(entry.name) { return .pending }
        return nil
    }
}

/// A local backup's off-site mark in the list.
public enum OffsiteMark: Sendable, Equatable {
    case pushed, pending, pushing, failed
}
