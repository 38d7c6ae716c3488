/// Off-site copies as they stand: the setup, the kept state, what waits and what is being
/// pushed. The one status type: `offsite status` prints it, `status --json` and the
/// console show it, and the health rules judge it (`OffsiteRules`). Read from files only:
/// restic is never run for it.
public struct OffsiteStatus: Sendable, Equatable {
    public static func == (a: OffsiteStatus, b: OffsiteStatus) -> Bool {
        a.config == b.config && a.resticInstalled == b.resticInstalled && a.state == b.state && a.pending == b.pending
            && a.terminal == b.terminal && a.pushing == b.pushing
            && a.missingFiles.map { $0.what + "\u{0}" + $0.path } == b.missingFiles.map { $0.what + "\u{0}" + $0.path }
    }

    /// nil: off-site copies are not set up for this data dir.
    public var config: OffsiteConfig?
    public var resticInstalled: Bool
    public var state: OffsiteState
    /// Verified local backups not pushed yet, oldest first.
    public var pending: [String]
    /// The host name snapshots are made under (`terminal_id`).
    public var terminal: String
    /// The backup being pushed right now, if any.
    public var pushing: String?
    /// Files the setup needs that are gone (`password`, `env file`, `SSH key`), each with its path.
    public var missingFiles: [(what: String, path: String)] = []

    public init(config: OffsiteConfig?, resticInstalled: Bool, state: OffsiteState, pending: [String],
                terminal: String, pushing: String?) {
        self.config = config; self.resticInstalled = resticInstalled; self.state = state
        self.pending = pending; self.terminal = terminal; self.pushing = pushing
    }

    /// Where one local backup stands off-site; nil when there is nothing to say (off-site
    /// is not set up, or the file is not one that is pushed: a saved copy, a .sql file,
    /// a backup that failed its check).
    public func mark(for entry: BackupEntry) -> OffsiteMark? {
        guard config != nil else { return nil }
        if let copy = entry.record?.offsite {
            guard copy.isCopied else { return .forgotten }
            return copy.pushedWhileDamaged == true ? .unsafe : .pushed
        }
        if pushing == entry.name { return .pushing }
        if state.failedBackups.contains(entry.name) { return .failed }
        if pending.contains(entry.name) { return .pending }
        return nil
    }
}

/// A local backup's off-site mark in the list.
public enum OffsiteMark: Sendable, Equatable {
    case pushed, pending, pushing, failed
    /// Its snapshot was forgotten by remote retention: no copy off-site any more.
    case forgotten
    /// Pushed into a repository known to be damaged: it restored right after the push,
    /// but is not counted safe until a check that reads all of the data passes.
    case unsafe
}
