import BackupEngine
import Foundation

/// The alerts line: for each kind of notification target set up, how its newest delivery
/// went, from the history's `notify` entries (the engine records one per delivery).
extension ConsoleState {
    /// No target is set up, and how to add one.
    static let noAlerts = "none set up (mr5-backup notify add webhook|ping|command TARGET)"

    /// Each kind of target set up, in the engine's order of kinds, with the newest delivery
    /// to a target of that kind (nil: none in the history yet).
    func lastAlerts() -> [(kind: NotifyTarget.Kind, last: HistoryEntry?)] {
        NotifyTarget.Kind.allCases.compactMap { kind in
            let shown = alertTargets.filter { $0.kind == kind }.map { $0.display + " " }
            guard !shown.isEmpty else { return nil }
            let last = history.first { entry in
                entry.operation == .notify && shown.contains { entry.message?.hasPrefix($0) == true }
            }
            return (kind, last)
        }
    }
}
