/// How restic reaches an SFTP repository with a key of the terminal's own: the key and the
/// server's pinned host key are kept under `backups/.meta/offsite/` (0600, the data dir
/// owner's), so ssh, run as that owner after a root run switched to it, can read them; and
/// the server is checked against the pinned key, never trusted on first use.
public struct SFTPLogin: Sendable {
    /// The private key, as given (`--ssh-key`), read before the switch.
    public var key: GivenFile
    /// `known_hosts` lines for the server (`--known-hosts`; `ssh-keyscan -p PORT HOST` shows them).
    public var knownHosts: GivenFile
    public var port: Int

    public init(key: GivenFile, knownHosts: GivenFile, port: Int = 22) {
        self.key = key; self.knownHosts = knownHosts; self.port = port
    }

    /// `user@host` of `sftp:user@host:/path` (restic's form); nil for any other repository.
    static func destination(of repository: String) -> String? {
        guard repository.hasPrefix("sftp:"), !repository.hasPrefix("sftp://") else { return nil }
        let rest = repository.dropFirst(5)
        guard let colon = rest.firstIndex(of: ":"), rest[..<colon].contains("@") else { return nil }
        return String(rest[..<colon])
    }

    /// restic's `sftp.command` option for the kept files: batch mode, only this key, the
    /// pinned host key strictly checked. restic reads `-o` values as CSV and then splits the
    /// command on spaces, so a path holding a space, comma or quote cannot be carried:
    /// nil then.
    static func option(destination: String, port: Int, keyPath: String, knownHostsPath: String) -> String? {
        guard !(keyPath + knownHostsPath + destination).contains(where: { $0 == " " || $0 == "," || $0 == "\"" }) else { return nil }
        return "sftp.command=ssh -p \(port) -i \(keyPath) -o IdentitiesOnly=yes -o BatchMode=yes"
            + " -o StrictHostKeyChecking=yes -o UserKnownHostsFile=\(knownHostsPath) -o LogLevel=ERROR \(destination) -s sftp"
    }
}
