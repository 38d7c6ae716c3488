import ArgumentParser
import BackupEngine
import Foundation

/// `offsite init|status|push|list|restore|prune|check|drill|unlock|repair`: copies of the backups in a
/// restic repository away from this terminal (S3, SFTP, a USB drive, a REST server).
struct Offsite: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Off-site copies through restic: S3-compatible storage, SFTP, a USB drive or a REST server.",
        discussion: """
            Exit codes: 0 done, 1 the repository or restic failed (the line says why),
            2 bad usage or input. A running console or daemon pushes every new backup by
            itself and runs the daily prune and weekly check and restore drill.
            """,
        subcommands: [OffsiteInit.self, OffsiteStatusCommand.self, OffsitePush.self, OffsiteList.self, OffsiteRestore.self,
                      OffsitePrune.self, OffsiteCheck.self, OffsiteDrill.self, OffsiteUnlock.self, OffsiteRepair.self])
}

extension OffsiteInit: RecordsAttempts {}
extension OffsitePush: RecordsAttempts {}
extension OffsiteRestore: RecordsAttempts {}
extension OffsitePrune: RecordsAttempts {}
extension OffsiteCheck: RecordsAttempts {}
extension OffsiteDrill: RecordsAttempts {}
extension OffsiteUnlock: RecordsAttempts {}
extension OffsiteRepair: RecordsAttempts {}
