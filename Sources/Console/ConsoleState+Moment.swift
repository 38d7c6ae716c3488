import BackupEngine
import Foundation

/// The moment picker: `t` opens it on the replica's window, keys type or step the moment,
/// Enter fetches it (a write, like any restore) and the restore dialog opens on the copy.
extension ConsoleState {
    mutating func openMomentPicker() -> [ConsoleEffect] {
        guard let continuous else {
            flash = "Continuous protection is not set up: mr5-backup continuous init --replica DIR"
            return []
        }
        guard let window = continuousWindow else {
            flash = "The replica holds no moment yet" + (continuous.running ? ": Litestream has not synced." : ": Litestream is not running.")
            return []
        }
        if let why = refusal(.restore) { flash = why; return [] }
        guard refuseIfBusy() else { return [] }
        // Caught up at the last refresh: every moment up to now (the fetch checks the
        // window again, to the second, before anything is kept).
        dialog = .moment(MomentPicker(from: window.lowerBound, to: window.upperBound, followsNow: (continuous.lag ?? 0) < 1, now: now))
        return []
    }

    mutating func applyToMomentPicker(_ action: ConsoleAction, _ picker: inout MomentPicker) -> [ConsoleEffect] {
        switch action {
        case .typeText(let c): picker.type(c, now: now, zone: timeZone)
        case .erase: picker.erase(now: now, zone: timeZone)
        case .stepMoment(let seconds): picker.step(TimeInterval(seconds), now: now)
        case .cancel:
            dialog = nil
            return []
        case .activate, .confirm:
            guard let moment = picker.chosen(now: now) else { break }
            dialog = nil
            guard startOperation(RunningOperation(kind: .moment, name: TextFormat.dateTime(moment, zone: timeZone, seconds: true))) else { return [] }
            return [.fetchMoment(moment)]
        default: return []
        }
        dialog = .moment(picker)
        return []
    }

    /// The moment is a verified local copy now: selected in the list, under the restore
    /// dialog (Cancel focused, the comparison filling in).
    mutating func momentFetched(_ entry: BackupEntry) -> [ConsoleEffect] {
        guard dialog == nil else {
            flash = "Fetched the moment as \(entry.name); select it and press \(KeyTable.keys(for: .restore, in: .list)) to restore it."
            return []
        }
        view = .list
        bannerSelected = false
        select(name: entry.name)
        return openRestoreDialog(entry)
    }
}
