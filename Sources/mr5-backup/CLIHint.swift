import BackupEngine

/// The command-line flag that fixes an engine error, added to its one-line message.
/// The engine's messages name no flag (the console says the same things in its own words);
/// this is the only place that knows which flag answers which error.
enum CLIHint {
    static func message(for error: BackupError) -> String {
        guard let hint = hint(for: error) else { return error.description }
        return error.description + hint
    }

    static func hint(for error: BackupError) -> String? {
        switch error {
        case .databaseNotFound, .emptyDatabase: return " (check --db / --data-dir)"
        case .dataDirNotFound: return " (check --data-dir or \(DataLayout.environmentVariable))"
        case .lastGoodBackup: return "; deleting it needs --force"
        case .appVersionRequired: return " (--app-version)"
        case .keepCountTooSmall: return " (--keep 1 or more)"
        case .demoSizeOutOfRange: return " (--size-mb)"
        case .offsiteRepositoryOnSameDisk: return " (--same-disk to allow it anyway)"
        case .offsiteNotConfigured: return " (mr5-backup offsite init --repository REPO)"
        case .offsitePasswordNeeded: return " with --password-file FILE"
        case .offsiteDamaged: return " (mr5-backup offsite repair)"
        case .continuousReplicaOnSameDisk: return " (--same-disk to allow it anyway)"
        case .continuousNeedsWAL: return " (--switch-to-wal does it when no other process has it open)"
        case .continuousNotConfigured: return " (mr5-backup continuous init --replica DIR)"
        default: return nil
        }
    }
}
