import BackupEngine

/// The off-site view (`o`): this terminal's snapshots, newest first, as restic listed them
/// on a worker thread. Owner: `ConsoleState`, like the rest of the screen.
public struct OffsiteScreen: Sendable, Equatable {
    public enum Load: Sendable, Equatable {
        /// restic is listing the snapshots.
        case loading
        case loaded([ResticSnapshot])
        /// Why there is no list (the engine's message: not set up, restic missing, wrong password...).
        case failed(String)
    }

    public var load: Load = .loading
    public var selected: Int = 0
    public var scroll: Int = 0
    /// Tells this opening's answer from that of a view closed since.
    public var token: Int = 0

    public init(token: Int = 0) { self.token = token }

    /// The snapshots, empty while loading or after a failure.
    public var snapshots: [ResticSnapshot] {
        if case .loaded(let list) = load { return list }
        return []
    }

    public var selectedSnapshot: ResticSnapshot? {
        snapshots.indices.contains(selected) ? snapshots[selected] : nil
    }

    /// Selects a snapshot (clamped) and scrolls it into `rows` visible rows.
    mutating func select(_ index: Int, rows: Int) {
        selected = max(0, min(snapshots.count - 1, index))
        let rows = max(1, rows)
        if selected < scroll { scroll = selected }
        if selected >= scroll + rows { scroll = selected - rows + 1 }
        scroll = max(0, min(scroll, max(0, snapshots.count - rows)))
    }
}
