import BackupEngine

/// What the open restore dialog knows besides its backup: the engine's comparison of the
/// live database with it (`BackupEngine.restorePreview`), which fills in table by table on
/// a worker thread, and whether the dialog is an undo.
public struct RestoreDialogDetails: Sendable, Equatable {
    public var name: String
    /// Matches the answers of this dialog's comparison.
    public var token: Int
    /// Opened by the undo key on the copy the last restore saved.
    public var undo: Bool
    /// The comparison so far; nil until the first table is counted.
    public var preview: RestorePreview?
    /// Every table is counted: the consequence can be said.
    public var done: Bool = false
    /// Why there is no comparison (the engine's message).
    public var problem: String?
    /// The off-site snapshot the backup was just fetched from (`o`, then `r`).
    public var snapshot: String?
}

extension ConsoleState {
    /// Opens the restore dialog on `entry` (Cancel focused) and, unless it is refused,
    /// asks for the comparison that fills it in.
    mutating func openRestoreDialog(_ entry: BackupEntry, undo: Bool = false, snapshot: String? = nil) -> [ConsoleEffect] {
        let refusal = restoreRefusal(entry)
        dialog = .restore(name: entry.name, focus: .cancel, refusal: refusal)
        previewToken += 1
        restoreDetails = RestoreDialogDetails(name: entry.name, token: previewToken, undo: undo, snapshot: snapshot)
        guard refusal == nil else { return [] }
        return [.previewRestore(name: entry.name, token: previewToken)]
    }

    /// Why a backup cannot be restored, or nil when it can. Whether it can is the
    /// engine's `isRestorable`, and which older backup to pick instead the engine's
    /// `newestVerified` (through `lastGood`); only the words are the console's. A copy a
    /// restore saved raw (its database did not open) is refused like a corrupt backup.
    public func restoreRefusal(_ entry: BackupEntry) -> String? {
        if entry.isRestorable { return nil }
        if !entry.isSQLiteBackup { return "it is a PostgreSQL-era .sql file, which cannot be restored into SQLite." }
        let why = OneLine.make(entry.statusDetail ?? "corrupt")
        let what = entry.kind == .savedBeforeRestore ? "it is a saved copy that did not pass its check (" : "it failed verification ("
        return what + why + "). " + lastGood.advice(insteadOf: entry.name)
    }

    /// A part of the comparison arrived (`done`: all of it).
    public mutating func previewArrived(token: Int, _ preview: RestorePreview, done: Bool) {
        guard restoreDetails?.token == token else { return }
        restoreDetails?.preview = preview
        restoreDetails?.done = done
    }

    /// The comparison could not be made; the dialog says why (the restore itself still checks).
    public mutating func previewFailed(token: Int, _ message: String) {
        guard restoreDetails?.token == token else { return }
        restoreDetails?.problem = message
        restoreDetails?.done = true
    }

    /// The undo key's answer: the copy the last restore saved opens in the restore dialog
    /// (and is selected), or one line says there is nothing to undo.
    public mutating func undoFound(_ name: String?) -> [ConsoleEffect] {
        // Something else took the screen meanwhile: the answer is no longer wanted.
        guard dialog == nil, operation == nil, view == .list else { return [] }
        guard let name, let index = backups.firstIndex(where: { $0.name == name }) else {
            flash = "Nothing to undo: no copy saved by a restore is on disk."
            return []
        }
        select(index: index)
        return openRestoreDialog(backups[index], undo: true)
    }

    /// The restore that `name` would undo, from the history: the successful restore that saved it.
    func restoreThatSaved(_ name: String) -> HistoryEntry? {
        history.first { $0.operation == .restore && $0.outcome == .success && $0.savedCopy == name }
    }
}
