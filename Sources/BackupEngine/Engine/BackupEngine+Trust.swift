import Foundation

/// The files of ours that decide what runs or where data goes, checked by `TrustedFile`.
extension BackupEngine {
    /// Each file that exists and may not be trusted, as the refusal naming it. The health
    /// rules make each one CRITICAL: a file we refuse to obey is a notification or an
    /// off-site copy that will not happen.
    public func untrustedFiles() -> [BackupError] {
        trustedFilePaths.compactMap { what, path in
            TrustedFile.problem(path, dataDir: layout.dataDir).map { .untrustedFile(what: what, path: path, reason: $0) }
        }
    }

    /// The off-site files restic would use, refused when any may not be trusted: restic
    /// would run `sftp.command` from the config and take its environment (`LD_PRELOAD`
    /// included) from the env file.
    func requireTrustedOffsiteFiles() throws {
        for (what, path) in offsiteTrustedFiles {
            if let reason = TrustedFile.problem(path, dataDir: layout.dataDir) {
                throw BackupError.untrustedFile(what: what, path: path, reason: reason)
            }
        }
    }

    static let offsiteConfigWhat = "the off-site config"

    /// The off-site files restic is given, each with the words a refusal names it by.
    private var offsiteTrustedFiles: [(String, String)] {
        let paths = offsite.paths
        return [(Self.offsiteConfigWhat, paths.config), ("the off-site password file", paths.password),
                ("the off-site environment file", paths.environment), ("the off-site SSH key", paths.sshKey),
                ("the off-site known hosts file", paths.knownHosts)]
    }

    private var trustedFilePaths: [(String, String)] {
        [(Notifier.targetsFileWhat, layout.notifyTargetsPath)] + offsiteTrustedFiles + [("the terminal id file", terminalIDCachePath)]
            + [(ContinuousService.configWhat, continuous.paths.config)]
    }

    var terminalIDCachePath: String { layout.metaDir + "/terminal-id" }
}
