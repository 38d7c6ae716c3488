/// Which backups retention removes: pure, so every combination is easy to test.
///
/// Scheduled and manual backups share one count, pre-update backups have their own;
/// legacy `.sql` files are never removed automatically. The newest verified backup of
/// each group and any protected name (a backup being restored) always stay.
public struct RetentionPolicy: Sendable, Equatable {
    public var keepRegular: Int
    public var keepPreUpdate: Int

    public static let standard = RetentionPolicy(keepRegular: 5, keepPreUpdate: 5)

    public init(keepRegular: Int, keepPreUpdate: Int) {
        self.keepRegular = keepRegular
        self.keepPreUpdate = keepPreUpdate
    }

    /// The entries to delete, newest first.
    public func toDelete(from entries: [BackupEntry], protecting protected: Set<String> = []) -> [BackupEntry] {
        var doomed: [BackupEntry] = []
        for (isRegular, keep) in [(true, keepRegular), (false, keepPreUpdate)] {
            let group = entries
                .filter { isRegular ? $0.kind.isRegular : $0.kind == .preUpdate }
                .sorted(by: BackupEntry.newerFirst)
            let newestVerified = group.first { $0.status == .verified }?.name
            for entry in group.dropFirst(max(0, keep)) where entry.name != newestVerified && !protected.contains(entry.name) {
                doomed.append(entry)
            }
        }
        return doomed
    }
}
