import BackupEngine

/// A button in a two-button dialog.
public enum DialogButton: Sendable, Equatable {
    /// The action button (Restore, Delete, Prune, Quit).
    case confirm
    /// Cancel: the default of every dialog that changes or removes data.
    case cancel

    var other: DialogButton { self == .confirm ? .cancel : .confirm }
}

/// The dialog on top of the screen, if any. Each carries what it needs to render and to
/// act, so a list refresh underneath cannot change which backup a dialog is about.
public enum ConsoleDialog: Sendable, Equatable {
    /// Restore the named backup. `refusal` is set when the backup cannot be restored.
    case restore(name: String, focus: DialogButton, refusal: String?)
    /// Delete the named backup; `lastGood` when it is the newest verified one.
    case delete(name: String, focus: DialogButton, lastGood: Bool)
    /// Prune: the names retention would remove.
    case prune(names: [String], focus: DialogButton)
    /// Pick the backup frequency: `choices` are setting values (the presets, plus the
    /// current value when it is not one of them), `index` the focused row.
    case frequency(choices: [String], index: Int)
    /// An error from the engine, dismissed with Enter or Esc.
    case error(title: String, message: String)
    /// A result worth reading (a restore that needs the POS app restarted).
    case message(title: String, text: String)
    /// Quit while an operation runs.
    case quitConfirm(focus: DialogButton)
    /// A whole text that the one-line places cut (a history entry's detail, every health
    /// reason): `lines` as they are, scrolled down by `scroll` rows of the wrapped text.
    case text(title: String, lines: [String], scroll: Int)
    /// Pick a moment of the continuous replica to restore.
    case moment(MomentPicker)
}

/// The choices of the frequency picker, as `backup_frequency` setting values.
public enum FrequencyChoice {
    public static let all = ["off", "hourly", "3h", "6h", "12h", "daily", "weekly"]

    /// The picker's rows for the current setting and the row to focus. A custom value
    /// (`2h`, `90m`) gets its own row in interval order, so Enter on the focused row keeps
    /// the setting instead of silently replacing it with the nearest preset.
    public static func rows(current: BackupFrequency) -> (choices: [String], index: Int) {
        if let i = all.firstIndex(where: { (try? BackupFrequency.parse($0)) == current }) { return (all, i) }
        var choices = all
        let seconds = current.interval ?? 0
        // "off" stays first; the custom value goes before the first longer preset.
        let at = all.indices.first { i in
            guard let other = (try? BackupFrequency.parse(all[i]))?.interval else { return false }
            return other > seconds
        } ?? all.count
        choices.insert(current.settingValue, at: at)
        return (choices, at)
    }
}

/// The main area: the backup list, the history of attempts, the off-site snapshots, or
/// the help overlay.
public enum ConsoleView: Sendable, Equatable {
    case list, history, offsite, help
}
