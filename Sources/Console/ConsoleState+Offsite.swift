import BackupEngine
import Foundation

/// The off-site view (`o`) and restoring a snapshot through the list's restore dialog.
extension ConsoleState {
    /// Opens the off-site view (its snapshots load on a worker: restic may take seconds,
    /// or wait for a slow server) or goes back to the list.
    mutating func toggleOffsite() -> [ConsoleEffect] {
        guard view != .offsite else {
            view = .list
            return []
        }
        view = .offsite
        offsiteScreen = OffsiteScreen(token: offsiteScreen.token + 1)
        return [.loadSnapshots(token: offsiteScreen.token), .refresh]
    }

    /// restic's list arrived, newest first (an answer for a view closed since is dropped).
    public mutating func snapshotsArrived(token: Int, _ snapshots: [ResticSnapshot]) {
        guard offsiteScreen.token == token else { return }
        offsiteScreen.load = .loaded(snapshots.sorted { $0.time > $1.time })
        selectSnapshot(0)
    }

    /// The list could not be made; the view says why in one line.
    public mutating func snapshotsFailed(token: Int, _ message: String) {
        guard offsiteScreen.token == token else { return }
        offsiteScreen.load = .failed(OneLine.make(message, limit: .max))
    }

    mutating func selectSnapshot(_ index: Int) {
        offsiteScreen.select(index, rows: historyRows)
    }

    /// `r` on a snapshot: it is fetched first (a write, like any restore, so refused when
    /// read-only or busy); the restore dialog opens when it is here.
    mutating func restoreSnapshot() -> [ConsoleEffect] {
        guard let snapshot = offsiteScreen.selectedSnapshot else {
            flash = "No snapshot to restore."
            return []
        }
        if let why = refusal(.restore) { flash = why; return [] }
        guard startOperation(RunningOperation(kind: .fetch, name: snapshot.shortID)) else { return [] }
        return [.fetchSnapshot(snapshot)]
    }

    /// The snapshot is a verified local backup now: the list shows it selected, under the
    /// same restore dialog as any backup (Cancel focused, the comparison filling in).
    mutating func snapshotFetched(_ entry: BackupEntry, snapshot: String) -> [ConsoleEffect] {
        // Something else took the screen meanwhile: say where the backup is, open nothing.
        guard dialog == nil else {
            flash = "Fetched snapshot \(snapshot) as \(entry.name); select it and press \(KeyTable.keys(for: .restore, in: .list)) to restore it."
            return []
        }
        view = .list
        bannerSelected = false
        select(name: entry.name)
        return openRestoreDialog(entry, snapshot: snapshot)
    }

    /// The box for one snapshot: every field restic and our tags give.
    func snapshotBox(_ s: ResticSnapshot) -> ConsoleDialog {
        var lines = [
            "Snapshot  " + s.id,
            "Made      " + TextFormat.dateTime(s.time, zone: timeZone, seconds: true) + " " + timeZoneName
                + " (" + TextFormat.age(s.time, now: now) + ")",
            "Terminal  " + s.hostname,
            "Kind      " + (s.kind?.rawValue ?? "-") + ", app version " + (s.appVersion ?? "-"),
            "Size      " + (s.sizeBytes.map(ByteCount.format) ?? "-"),
        ]
        if let name = s.backupName {
            lines.append("From      " + name + (backups.contains { $0.name == name } ? " (still on this disk)" : " (no longer on this disk)"))
        }
        lines.append("Tags      " + s.tags.joined(separator: ", "))
        lines.append("")
        lines.append("\(KeyTable.keys(for: .restore, in: .offsite)) in the list fetches it, checks it like a local backup and opens the restore dialog.")
        return .text(title: "Snapshot " + s.shortID, lines: lines, scroll: 0)
    }
}
