import BackupEngine
import Foundation

/// How a console operation ended, as the controller reports it to the state.
public enum OperationOutcome: Sendable, Equatable {
    /// Done; one line for the status row.
    case success(String)
    /// Done, with something the technician must read (restart the POS app).
    case notice(title: String, text: String)
    /// Failed: the engine's message, in an error box.
    case failure(title: String, message: String)
    /// Several results, one line each (a test alert per target), in a text box.
    case report(title: String, lines: [String])
    /// An off-site snapshot is here as a verified local backup: the restore dialog opens on it.
    case fetched(BackupEntry, snapshot: String)
    /// A moment of the continuous replica is here as a verified local copy: the same.
    case momentFetched(BackupEntry)
}

extension ConsoleState {
    /// Applies one action and returns the work it asks for. The only place the state
    /// changes in answer to a key, so every rule (Cancel is the default, one operation at
    /// a time, quit asks while busy) is tested here.
    public mutating func apply(_ action: ConsoleAction) -> [ConsoleEffect] {
        switch action {
        case .none: return []
        case .resize(let w, let h):
            width = w
            height = h
            keepSelectionVisible()
            keepHistorySelectionVisible()
            if !offsiteScreen.snapshots.isEmpty { selectSnapshot(offsiteScreen.selected) }
            if fleetScreen.isOpen { selectFleetRow(fleetScreen.selectedIndex ?? 0) }
            return []
        default: break
        }
        flash = nil
        if let dialog { return applyToDialog(action, dialog) }
        // The fleet view takes its keys (the help overlay over it, its own).
        if fleetScreen.isOpen && view != .help { return applyToFleet(action) }
        switch action {
        case .move(let n):
            if view == .history { selectHistory(historySelected + n) }
            else if view == .offsite { selectSnapshot(offsiteScreen.selected + n) }
            else { moveInList(by: n) }
        case .page(let n):
            bannerSelected = false
            if view == .history { selectHistory(historySelected + n * max(1, historyRows)) }
            else if view == .offsite { selectSnapshot(offsiteScreen.selected + n * max(1, historyRows)) }
            else { select(index: (selectedIndex ?? 0) + n * max(1, listRows)) }
        case .first:
            bannerSelected = false
            if view == .history { selectHistory(0) } else if view == .offsite { selectSnapshot(0) } else { select(index: 0) }
        case .last:
            bannerSelected = false
            if view == .history { selectHistory(history.count - 1) }
            else if view == .offsite { selectSnapshot(offsiteScreen.snapshots.count - 1) }
            else { select(index: backups.count - 1) }
        case .selectVisibleRow(let r):
            bannerSelected = false
            if scrollOffset + r < backups.count { select(index: scrollOffset + r) }
        case .activate:
            if view == .history, history.indices.contains(historySelected) {
                dialog = historyBox(history[historySelected])
            } else if view == .offsite, let snapshot = offsiteScreen.selectedSnapshot {
                dialog = snapshotBox(snapshot)
            } else if bannerFocused {
                dialog = healthBox()
            }
        case .create:
            if let why = refusal(.create) { flash = why; return [] }
            guard startOperation(RunningOperation(kind: .create)) else { return [] }
            return [.create]
        case .restore:
            if view == .offsite { return restoreSnapshot() }
            guard let entry = selectedBackup else { flash = "No backup to restore."; return [] }
            if let why = refusal(.restore) { flash = why; return [] }
            guard refuseIfBusy() else { return [] }
            return openRestoreDialog(entry)
        case .undo:
            if let why = refusal(.undo) { flash = why; return [] }
            guard refuseIfBusy() else { return [] }
            return [.findUndo]
        case .testAlerts:
            if let why = refusal(.testAlerts) { flash = why; return [] }
            if alertTargets.isEmpty { flash = "No alerts to test: " + Self.noAlerts; return [] }
            guard startOperation(RunningOperation(kind: .alertTest)) else { return [] }
            return [.testAlerts]
        case .delete:
            guard let entry = selectedBackup else { flash = "No backup to delete."; return [] }
            if let why = refusal(.delete) { flash = why; return [] }
            guard refuseIfBusy() else { return [] }
            dialog = .delete(name: entry.name, focus: .cancel, lastGood: lastGood.newest == entry.name)
        case .verify:
            guard let entry = selectedBackup else { flash = "No backup to verify."; return [] }
            if !entry.isSQLiteBackup { flash = "A PostgreSQL-era .sql file cannot be verified."; return [] }
            guard startOperation(RunningOperation(kind: .verify, name: entry.name)) else { return [] }
            return [.verify(name: entry.name, full: true)]
        case .prune:
            if let why = refusal(.prune) { flash = why; return [] }
            guard refuseIfBusy() else { return [] }
            let doomed = retention.toDelete(from: backups)
            if doomed.isEmpty {
                flash = "Nothing to prune: retention keeps all \(backups.count) (\(retentionRules))."
            } else {
                dialog = .prune(names: doomed.map(\.name), focus: .cancel)
            }
        case .frequency:
            if let why = refusal(.frequency) { flash = why; return [] }
            guard refuseIfBusy() else { return [] }
            let current = scheduler.flatMap { try? BackupFrequency.parse($0.frequency) } ?? .defaultFrequency
            let rows = FrequencyChoice.rows(current: current)
            dialog = .frequency(choices: rows.choices, index: rows.index)
        case .toggleHistory:
            view = view == .history ? .list : .history
            historyScroll = 0
            historySelected = 0
            if view == .history { return [.refresh] }
        case .toggleOffsite:
            return toggleOffsite()
        case .toggleFleet:
            return toggleFleet()
        case .openMoment:
            return openMomentPicker()
        case .help:
            view = .help
        case .quit:
            if operation != nil {
                dialog = .quitConfirm(focus: .cancel)
            } else {
                finished = true
                return [.quit]
            }
        case .cancel:
            if view != .list { view = .list }
        case .confirm, .switchFocus, .none, .resize, .typeText, .erase, .stepMoment, .startFilter:
            break
        }
        return []
    }

    private mutating func applyToDialog(_ action: ConsoleAction, _ current: ConsoleDialog) -> [ConsoleEffect] {
        switch current {
        case .frequency(let choices, let index):
            let count = choices.count
            switch action {
            case .move(let n): dialog = .frequency(choices: choices, index: max(0, min(count - 1, index + n)))
            case .first: dialog = .frequency(choices: choices, index: 0)
            case .last: dialog = .frequency(choices: choices, index: count - 1)
            case .activate, .confirm:
                dialog = nil
                guard choices.indices.contains(index) else { return [] }
                let choice = choices[index]
                guard startOperation(RunningOperation(kind: .settings, name: choice)) else { return [] }
                return [.setFrequency(choice)]
            case .cancel: dialog = nil
            default: break
            }
            return []
        case .error, .message:
            if action == .cancel || action == .activate || action == .confirm { dialog = nil }
            return []
        case .text(let title, let lines, let scroll):
            let box = TextBoxLayout(lines: lines, screenWidth: width, screenHeight: height)
            let to: Int
            switch action {
            case .move(let n): to = scroll + n
            case .page(let n): to = scroll + n * max(1, box.visible - 1)
            case .first: to = 0
            case .last: to = box.maxScroll
            case .cancel, .activate: dialog = nil; return []
            default: return []
            }
            dialog = .text(title: title, lines: lines, scroll: max(0, min(box.maxScroll, to)))
            return []
        case .restore(let name, let focus, let refusal):
            switch action {
            case .switchFocus:
                if refusal == nil { dialog = .restore(name: name, focus: focus.other, refusal: refusal) }
            case .cancel: closeRestoreDialog()
            case .confirm, .activate:
                closeRestoreDialog()
                // Enter presses the focused button, and Cancel is focused until the user moves.
                guard refusal == nil, action == .confirm || focus == .confirm else { return [] }
                guard startOperation(RunningOperation(kind: .restore, name: name)) else { return [] }
                return [.restore(name: name)]
            default: break
            }
            return []
        case .delete(let name, let focus, let lastGood):
            switch action {
            case .switchFocus: dialog = .delete(name: name, focus: focus.other, lastGood: lastGood)
            case .cancel: dialog = nil
            case .confirm, .activate:
                dialog = nil
                guard action == .confirm || focus == .confirm else { return [] }
                guard startOperation(RunningOperation(kind: .delete, name: name)) else { return [] }
                return [.delete(name: name, force: lastGood)]
            default: break
            }
            return []
        case .prune(let names, let focus):
            switch action {
            case .switchFocus: dialog = .prune(names: names, focus: focus.other)
            case .cancel: dialog = nil
            case .confirm, .activate:
                dialog = nil
                guard action == .confirm || focus == .confirm else { return [] }
                guard startOperation(RunningOperation(kind: .prune)) else { return [] }
                return [.prune]
            default: break
            }
            return []
        case .moment(var picker):
            return applyToMomentPicker(action, &picker)
        case .quitConfirm(let focus):
            switch action {
            case .switchFocus: dialog = .quitConfirm(focus: focus.other)
            case .cancel: dialog = nil
            case .confirm, .activate:
                dialog = nil
                guard action == .confirm || focus == .confirm else { return [] }
                guard operation != nil else { finished = true; return [.quit] }
                quitting = true
                flash = "Stopping: waiting for the running operation to end..."
                return [.cancelOperation]
            default: break
            }
            return []
        }
    }

    private mutating func closeRestoreDialog() {
        dialog = nil
        restoreDetails = nil
    }

    mutating func refuseIfBusy() -> Bool {
        if let op = operation {
            flash = "Busy: \(op.label) is still running."
            return false
        }
        return true
    }

    mutating func startOperation(_ op: RunningOperation) -> Bool {
        guard refuseIfBusy() else { return false }
        operation = op
        return true
    }

    /// Up from the first backup selects the health banner (when there is one); Down
    /// from the banner comes back to the list.
    private mutating func moveInList(by n: Int) {
        if bannerFocused {
            if n > 0 { bannerSelected = false }
            return
        }
        if n == -1, showsBanner, (selectedIndex ?? 0) == 0 {
            bannerSelected = true
            return
        }
        select(index: (selectedIndex ?? 0) + n)
    }

    /// Rows of the history visible at the current size.
    var historyRows: Int { ScreenLayout(state: self).historyRows }

    /// Selects an attempt in the history (clamped) and scrolls it into view.
    mutating func selectHistory(_ index: Int) {
        historySelected = max(0, min(history.count - 1, index))
        keepHistorySelectionVisible()
    }

    /// Moves the history's scroll offset so the selected attempt is on screen.
    mutating func keepHistorySelectionVisible() {
        let rows = max(1, historyRows)
        if historySelected < historyScroll { historyScroll = historySelected }
        if historySelected >= historyScroll + rows { historyScroll = historySelected - rows + 1 }
        historyScroll = max(0, min(historyScroll, max(0, history.count - rows)))
    }

    // MARK: - Reports from the controller

    /// Progress of the console's running operation.
    public mutating func operationProgressed(_ progress: BackupProgress) {
        operation?.progress = progress
    }

    /// The console's operation ended. Returns `.wakeScheduler` and `.refresh`, or `.quit` when
    /// quitting was waiting on it.
    public mutating func operationFinished(_ outcome: OperationOutcome) -> [ConsoleEffect] {
        operation = nil
        if quitting {
            finished = true
            return [.quit]
        }
        switch outcome {
        case .success(let text): flash = text
        case .notice(let title, let text): dialog = .message(title: title, text: text)
        case .failure(let title, let message): dialog = .error(title: title, message: message)
        case .report(let title, let lines): dialog = .text(title: title, lines: lines, scroll: 0)
        case .fetched(let entry, let snapshot):
            // The restore dialog opens on the list: the fleet view, open meanwhile, closes.
            if dialog == nil { fleetScreen.close() }
            return snapshotFetched(entry, snapshot: snapshot) + [.wakeScheduler, .refresh]
        case .momentFetched(let entry):
            if dialog == nil { fleetScreen.close() }
            return momentFetched(entry) + [.wakeScheduler, .refresh]
        }
        return [.wakeScheduler, .refresh]
    }
}
