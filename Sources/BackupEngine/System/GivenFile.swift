import Foundation

/// A file named on the command line (`--password-file`, `--env-file`), read once, before
/// a root run becomes the data dir's owner (`OwnerSwitch`): the technician may name a file
/// only root can read, and the engine keeps its own 0600 copy under `backups/.meta/`.
/// Folders on the way may be links (the technician chose this path); the file may not.
public struct GivenFile: Sendable {
    public let path: String
    public let data: Data

    /// Reads `path`; `what` names it in the one-line refusal (`password file`). The file
    /// itself must not be a link: one in a folder the data dir's owner can write could be
    /// swapped for a link to a file only root may read.
    public static func read(_ path: String, what: String) throws -> GivenFile {
        guard let fd = try? FileSystem.openNoFollow(path, O_RDONLY) else {
            let reason = FileSystem.info(path)?.isSymlink == true ? "\(path) is a symbolic link (name the file itself)" : "cannot read \(path)"
            throw BackupError.offsiteInvalidSetting(what: what, reason: reason)
        }
        defer { close(fd) }
        guard let data = FileSystem.readAll(fd) else { throw BackupError.offsiteInvalidSetting(what: what, reason: "cannot read \(path)") }
        return GivenFile(path: path, data: data)
    }

    public var text: String { String(decoding: data, as: UTF8.self) }
}
