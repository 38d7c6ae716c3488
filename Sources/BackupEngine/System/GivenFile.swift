import Foundation

/// A file named on the command line (`--password-file`, `--env-file`), read once, before
/// a root run becomes the data dir's owner (`OwnerSwitch`): the technician may name a file
/// only root can read, and the engine keeps its own 0600 copy under `backups/.meta/`.
/// Links are followed here: the technician chose this path, the data dir's owner did not.
public struct GivenFile: Sendable {
    public let path: String
    public let data: Data

    /// Reads `path`; `what` names it in the one-line refusal (`password file`).
    public static func read(_ path: String, what: String) throws -> GivenFile {
        guard FileSystem.isRegularFileFollowingLinks(path), let data = FileManager.default.contents(atPath: path) else {
            throw BackupError.offsiteInvalidSetting(what: what, reason: "cannot read \(path)")
        }
        return GivenFile(path: path, data: data)
    }

    public var text: String { String(decoding: data, as: UTF8.self) }
}
