import BackupEngine

/// What the command being run left for `main` to finish with. Set once by
/// `GlobalOptions.makeEngine`, read after the command returns; one thread.
enum CLIContext {
    nonisolated(unsafe) static var engine: BackupEngine?
}

/// Commands that record attempts in the history: after them, waiting notifications are delivered.
protocol RecordsAttempts {}

extension Create: RecordsAttempts {}
extension PreUpdate: RecordsAttempts {}
extension Restore: RecordsAttempts {}
extension UndoRestore: RecordsAttempts {}
extension Verify: RecordsAttempts {}
extension Delete: RecordsAttempts {}
extension Prune: RecordsAttempts {}
