import ArgumentParser
import BackupEngine
import Foundation

/// `--timeout SECONDS` of an off-site command that talks to the repository: every restic
/// run it starts stops by then (with its whole session) and the command says what it
/// waited for; SIGTERM and Ctrl-C stop it the same way. No command waits on a frozen
/// server for ever.
struct OffsiteTimeout: ParsableArguments {
    @Option(help: ArgumentHelp("Stop after this many seconds, saying what it waited for (default sized to the command: list 60, unlock 120, init 300, restore, drill 1800, prune, check 3600, check --read-data 86400, repair 21600).",
                               valueName: "seconds"))
    var timeout: Int?

    func validate() throws {
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be 1 second or more") }
    }

    /// The off-site service for one command: capped at `--timeout` (else `seconds`) and
    /// stopped by SIGTERM or Ctrl-C.
    func service(_ engine: BackupEngine, default seconds: Int) -> OffsiteService {
        engine.offsite.limited(to: TimeInterval(timeout ?? seconds),
                               cancellation: Interrupts.cancellationFlag(saying: "stopping restic..."))
    }
}
