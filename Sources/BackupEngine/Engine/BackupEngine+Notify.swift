import Foundation

extension BackupEngine {
    /// Adds a notification target; false when it is already there.
    @discardableResult
    public func addNotifyTarget(_ target: NotifyTarget) throws -> Bool {
        try requireWritable([layout.metaDir])
        var list = notifier.targets()
        guard !list.contains(target) else { return false }
        list.append(target)
        try notifier.saveTargets(list)
        return true
    }

    /// Removes the target with this URL or command line; nil when there is none.
    public func removeNotifyTarget(_ target: String) throws -> NotifyTarget? {
        var list = notifier.targets()
        guard let index = list.firstIndex(where: { $0.target == target }) else { return nil }
        try requireWritable([layout.metaDir])
        let removed = list.remove(at: index)
        try notifier.saveTargets(list)
        return removed
    }
}
