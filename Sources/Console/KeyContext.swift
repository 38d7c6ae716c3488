/// Where a key is pressed: the view, or the kind of dialog on top of it. Keys mean
/// different things in each (q quits the list but closes the help), so every binding in
/// `KeyTable` names the contexts it applies in.
public enum KeyContext: Sendable, Hashable, CaseIterable {
    /// The backup list.
    case list
    /// The history of attempts.
    case history
    /// The off-site view: this terminal's snapshots.
    case offsite
    /// The help overlay.
    case help
    /// The frequency picker.
    case picker
    /// A box with one button (an error, a notice, a restore that is refused).
    case notice
    /// A two-button dialog that changes something (restore, delete, prune, quit).
    case confirm
    /// The scrollable box with a whole text (a history entry, the health reasons).
    case reader
    /// The moment picker: typed keys are its text.
    case moment
    /// The fleet view: every terminal of the off-site repository.
    case fleet
    /// The fleet view's filter being typed: typed keys are its text.
    case fleetFilter

    /// The context of what `state` shows: a dialog wins over the view beneath it.
    public init(_ state: ConsoleState) {
        if let dialog = state.dialog {
            self.init(dialog)
            return
        }
        // The fleet view lies over the list; the help overlay over both.
        if state.fleetScreen.isOpen, state.view != .help {
            self = state.fleetScreen.editingFilter ? .fleetFilter : .fleet
            return
        }
        switch state.view {
        case .list: self = .list
        case .history: self = .history
        case .offsite: self = .offsite
        case .help: self = .help
        }
    }

    /// The context of a dialog. A refused restore offers only Close, so its keys are a
    /// notice's.
    public init(_ dialog: ConsoleDialog) {
        switch dialog {
        case .frequency: self = .picker
        case .error, .message, .restore(_, _, .some): self = .notice
        case .restore, .delete, .prune, .quitConfirm: self = .confirm
        case .text: self = .reader
        case .moment: self = .moment
        }
    }
}
