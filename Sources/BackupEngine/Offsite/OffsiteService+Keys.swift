import Foundation

/// A till's own restic key: made at `offsite init` when the chain's password is given, so
/// that the chain's password is used once and never kept, and one till can be cut off
/// (`fleet revoke`) without changing the others'.
extension OffsiteService {
    /// Adds a key for this terminal with a new password and puts that password at
    /// `passwordPath` (where the given one was). The keys are listed before and after, so
    /// the new key is the one that was not there (never picked by a date another key could
    /// claim). A failure once the key is in the repository removes it again; `previous`,
    /// this till's key from an earlier setup of the same repository, is removed (each
    /// key counts against restic's 20). Returns the new key's id and the chain's (the key
    /// the given password opened).
    func addOwnKey(_ restic: Restic, replacing passwordPath: String, previous: String?) throws -> (own: String, chain: String?) {
        // A folder repository's keys are its `keys` files (no restic run); another's are listed.
        let before: [String] = try RepositoryAddress.localFolder(restic.config.repository).map { Self.keyFiles(in: $0) }
            ?? restic.keys().map(\.id)
        let tmpOwn = FileSystem.temporaryPath(in: paths.directory, label: "own-password")
        defer { try? FileSystem.remove(tmpOwn) }
        try FileSystem.writeAtomically(Data((Self.makePassword() + "\n").utf8), to: tmpOwn)
        try restic.addKey(passwordFile: tmpOwn, host: terminalID)
        // Listed with the given password: `current` is the chain's key.
        let after = try restic.keys()
        let made = after.filter { key in !before.contains { $0.hasPrefix(key.id) || key.id.hasPrefix($0) } && key.isTillKey && key.hostName == terminalID }
        guard made.count == 1, let own = made.first else {
            throw BackupError.offsiteFailed(action: "setup", reason: "restic did not list the one key it made for this terminal (\(made.count) new)", detail: nil)
        }
        do {
            try FileSystem.renameDurably(tmpOwn, to: passwordPath)
        } catch {
            do { try restic.removeKey(own.id) } catch {
                logger.error("Key \(own.id.prefix(8)) was added for \(terminalID) but its password could not be kept, nor the key removed: remove it with 'restic key remove'")
            }
            throw error
        }
        if let previous, let old = after.first(where: { $0.id.hasPrefix(previous) && $0.isTillKey && !$0.current && $0.id != own.id }) {
            do { try restic.removeKey(old.id) } catch {
                logger.warning("This terminal's earlier key \(previous) is still in the repository: \(BackupError(error).description)")
            }
        }
        return (String(own.id.prefix(8)), after.first(where: \.current).map { String($0.id.prefix(8)) })
    }

    /// The key ids a folder repository holds (its `keys` files' names).
    static func keyFiles(in folder: String) -> [String] {
        FileSystem.list(folder + "/keys").filter { $0.count == 64 && $0.allSatisfy { $0.isASCII && $0.isHexDigit } }
    }
}
