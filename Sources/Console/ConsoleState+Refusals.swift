import BackupEngine

extension ConsoleState {
    /// Why a key that writes cannot act now, in one line, or nil when it can. Read-only
    /// (this user cannot write the backup folders, as the engine's `writeAccessProblem`
    /// says) stops every such key. A live database that cannot be backed up (the engine's
    /// `canBeBackedUp`: missing, empty, not SQLite, unreadable) stops `c`, and `f`, whose
    /// setting lives in that database; restore stays, since it is the way out.
    func refusal(_ action: ConsoleAction) -> String? {
        let what: String
        switch action {
        case .create: what = "Backup"
        case .restore: what = "Restore"
        case .delete: what = "Delete"
        case .prune: what = "Prune"
        case .frequency: what = "Frequency change"
        case .undo: what = "Undo"
        case .testAlerts: what = "Alert test"
        default: return nil
        }
        if let readOnly { return "\(what) refused: read-only, \(readOnly)" }
        if action == .create || action == .frequency, let live, !live.canBeBackedUp {
            return "\(what) refused: " + liveProblem(live)
        }
        return nil
    }

    /// What is wrong with the live database and what to do, in one line: the health
    /// banner's finding about it (`live database is empty (0 bytes): restore backup-...`),
    /// else the live state's own description.
    func liveProblem(_ live: LiveDatabaseState) -> String {
        let kind: HealthFinding.Kind?
        switch live {
        case .missing, .empty, .notADatabase: kind = .liveDatabaseMissing
        case .damaged: kind = .liveDatabaseDamaged
        case .ok, .locked, .hotJournal, .unreadable: kind = nil
        }
        return health?.findings.first { $0.kind == kind }?.message ?? live.description
    }

    /// The header's second row when read-only: `read-only: cannot write DIR (running as X; owned by Y)`.
    var readOnlyLine: String? { readOnly.map { "read-only: " + $0 } }
}
