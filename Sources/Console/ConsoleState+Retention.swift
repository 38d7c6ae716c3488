import BackupEngine

/// Why each backup stays: the engine's retention rules (`RetentionPolicy.decide`), as the
/// details, the prune dialog and its messages say them.
extension ConsoleState {
    /// The rules in words: `5 newest, 1 a day for 7 days, 1 a week for 4 weeks; 5 pre-update`.
    var retentionRules: String { retention.summary + "; \(retention.keepPreUpdate) pre-update" }

    /// The rules that keep each backup, by name; empty: the next prune removes it.
    func keptReasons() -> [String: [RetentionPolicy.Reason]] { keptReasonsByName }

    static func keptReasons(_ backups: [BackupEntry], _ retention: RetentionPolicy) -> [String: [RetentionPolicy.Reason]] {
        var out: [String: [RetentionPolicy.Reason]] = [:]
        for decision in retention.decide(backups) { out[decision.entry.name] = decision.reasons }
        return out
    }

    /// `last, daily`.
    static func words(_ reasons: [RetentionPolicy.Reason]) -> String {
        reasons.map(\.rawValue).joined(separator: ", ")
    }
}
