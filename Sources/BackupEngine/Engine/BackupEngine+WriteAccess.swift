import Foundation

extension BackupEngine {
    /// Why this user cannot write the backup folders, nil when it can: the refusal
    /// (`BackupError.notWritable`) every writing operation would give, asked up front so
    /// the console can open read-only and say why. Cheap: a few `access` calls.
    public func writeAccessProblem() -> BackupError? {
        do {
            try requireWritable([layout.backupsDir, layout.metaDir, layout.logsDir])
            return nil
        } catch {
            return BackupError(error)
        }
    }
}
