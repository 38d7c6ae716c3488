import BackupEngine
import Foundation

/// Work the reducer asks the controller to do: engine calls (off the UI thread) and quitting.
public enum ConsoleEffect: Sendable, Equatable {
    case create
    case verify(name: String, full: Bool)
    case restore(name: String)
    /// Compare the live database with a backup for the open restore dialog (`token` tells
    /// its answers from those of a dialog closed since).
    case previewRestore(name: String, token: Int)
    /// Find the copy the last restore saved (undo), to open the restore dialog on it.
    case findUndo
    /// Send a test notification to every target and report each delivery.
    case testAlerts
    case delete(name: String, force: Bool)
    case prune
    case setFrequency(String)
    /// List this terminal's off-site snapshots for the off-site view (`token`: its opening).
    case loadSnapshots(token: Int)
    /// Bring a snapshot back as a verified local backup, then open the restore dialog on it.
    case fetchSnapshot(ResticSnapshot)
    /// Read the fleet (every terminal of the off-site repository) for the fleet view.
    case readFleet
    /// Fetch a moment of the continuous replica as a verified local copy, then open the
    /// restore dialog on it.
    case fetchMoment(Date)
    /// Ask a running operation to stop at its next step (quit while it runs).
    case cancelOperation
    case quit
    /// Re-read the list, history, disk and database info now.
    case refresh
    /// Tell the scheduler the history changed (a backup was made, deleted, restored), so it
    /// recomputes the next run and the "last ok" line at once rather than on its next tick.
    case wakeScheduler
}

/// What a key means in the current state; produced by `KeyMap`, consumed by `ConsoleState.apply`.
public enum ConsoleAction: Sendable, Equatable {
    case none
    /// Move the selection (or the focus in a picker) by rows.
    case move(Int)
    /// Move by pages (the visible list height).
    case page(Int)
    case first, last
    /// Select a row of the visible list (mouse click), 0 = top visible row.
    case selectVisibleRow(Int)
    case create, restore, delete, verify, prune, frequency, toggleHistory, help, quit
    /// Open or close the off-site view.
    case toggleOffsite
    /// Open or close the fleet view.
    case toggleFleet
    /// In the fleet view: start typing its filter.
    case startFilter
    /// Restore the copy the last restore saved (through the restore dialog).
    case undo
    /// Send a test to every notification target.
    case testAlerts
    /// Open the moment picker (continuous protection).
    case openMoment
    /// In the moment picker (and the fleet's filter): a typed character, Backspace, a step in seconds.
    case typeText(Character)
    case erase
    case stepMoment(Int)
    /// `y`: confirm the dialog.
    case confirm
    /// `n`, Esc: cancel the dialog or close the overlay.
    case cancel
    /// Enter: press the focused button.
    case activate
    /// Tab, left, right: move the focus between buttons.
    case switchFocus
    /// The terminal changed size.
    case resize(width: Int, height: Int)
}

/// A long engine operation that the console started.
public struct RunningOperation: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case create, verify, restore, delete, prune, settings, alertTest
        /// A snapshot coming back from the off-site repository (`name`: its short id).
        case fetch
        /// A moment coming back from the continuous replica (`name`: the moment as shown).
        case moment
    }
    public var kind: Kind
    public var name: String?
    public var progress: BackupProgress?

    public init(kind: Kind, name: String? = nil, progress: BackupProgress? = nil) {
        self.kind = kind; self.name = name; self.progress = progress
    }

    /// "Creating backup", "Restoring backup-2025-…": the progress line's label.
    public var label: String {
        switch kind {
        case .create: return "Creating backup"
        case .verify: return "Verifying " + (name ?? "")
        case .restore: return "Restoring " + (name ?? "")
        case .delete: return "Deleting " + (name ?? "")
        case .prune: return "Pruning old backups"
        case .settings: return "Saving the frequency"
        case .alertTest: return "Sending test alerts"
        case .fetch: return "Fetching snapshot " + (name ?? "")
        case .moment: return "Fetching the moment " + (name ?? "")
        }
    }
}
