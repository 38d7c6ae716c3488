import Foundation

/// A backup's "pushed" mark follows the repository: it stands only while its snapshot is
/// there. A prune that forgot the snapshot, a drive that took a push with it, a repository
/// restored from an older copy: the mark goes, the backup waits to be pushed again (when
/// retention still keeps it), and the list shows it pending rather than safe.
extension OffsiteService {
    /// Removes the marks whose snapshot is not in `snapshots`. With this terminal's list
    /// only (`allHosts` false), a fetched backup's mark (another terminal's snapshot, in a
    /// recovery) is left alone. Returns the backups that lost their mark.
    @discardableResult
    func forgetMarks(notIn snapshots: [ResticSnapshot], allHosts: Bool) -> [String] {
        let present = Set(snapshots.map(\.shortID))
        var cleared: [String] = []
        _ = try? DataDirLock.operation.holding(layout, for: "offsite-marks", now: clock.now(), wait: 60) {
            for entry in catalog.entries() {
                guard var record = entry.record, let copy = record.offsite, copy.isCopied, !present.contains(copy.snapshot) else { continue }
                if !allHosts && record.strategy == .fetched { continue }
                record.offsite = nil
                if (try? metadata.save(record)) != nil { cleared.append(entry.name) }
            }
        }
        if !cleared.isEmpty {
            logger.warning("Off-site snapshots gone from the repository: \(cleared.joined(separator: ", ")) no longer marked pushed")
        }
        return cleared
    }

    /// Marks the backups whose snapshots remote retention just forgot: not copied any
    /// more, and not pushed again.
    func markForgotten(_ snapshots: [String]) {
        guard !snapshots.isEmpty else { return }
        let gone = Set(snapshots)
        let now = clock.now()
        _ = try? DataDirLock.operation.holding(layout, for: "offsite-marks", now: now, wait: 60) {
            for entry in catalog.entries() {
                guard var record = entry.record, let copy = record.offsite, copy.isCopied, gone.contains(copy.snapshot) else { continue }
                record.offsite?.forgottenAt = now
                try? metadata.save(record)
            }
        }
    }
}
