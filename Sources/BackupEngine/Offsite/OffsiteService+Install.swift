import Foundation

/// Which installation pushes: a random id made once per data dir (`backups/.meta/offsite/
/// install-id`), carried as a tag on every push. Two machines pushing under one terminal
/// id (a spare set up from till-2's snapshot while till-2 still runs) are then told apart:
/// pruning would otherwise treat both as one till.
extension OffsiteService {
    /// This installation's id, made on first use (16 hex digits); nil when it cannot be kept.
    func installID() -> String? { InstallIdentity.id(layout: layout) }

    /// Another installation pushing under this terminal id after this one's first push (a
    /// recovery is not that: the old machine pushes no more), from this terminal's list.
    static func sharedTerminal(_ snapshots: [ResticSnapshot], install: String) -> OffsiteState.SharedTerminal? {
        guard let first = snapshots.filter({ $0.installID == install }).map(\.time).min() else { return nil }
        let others = snapshots.filter { $0.installID != nil && $0.installID != install && $0.time > first }
        guard let since = others.map(\.time).min(), let other = others.first?.installID else { return nil }
        return OffsiteState.SharedTerminal(otherInstall: other, since: since)
    }
}
