import ArgumentParser
import BackupEngine
import Foundation

/// How a remote replica is reached, the same for `continuous init` and `continuous
/// restore`: S3 settings and keys, or an SFTP key and the server's pinned key.
struct ReplicaLogin: ParsableArguments {
    @Option(name: .customLong("option"), help: ArgumentHelp("An S3 setting: endpoint=URL, region=R, force-path-style=true, sse-kms-key-id=ID (repeatable).", valueName: "key=value"))
    var options: [String] = []

    @Option(name: .customLong("env-file"), help: ArgumentHelp("For S3: a file of AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... lines (init keeps it 0600).", valueName: "file"))
    var envFile: String?

    @Option(name: .customLong("ssh-key"), help: ArgumentHelp("For SFTP: this till's private key, its public half in the server's authorized_keys (init keeps it 0600).", valueName: "file"))
    var sshKey: String?

    @Option(name: .customLong("host-key"), help: ArgumentHelp("For SFTP: the server's public key, 'ecdsa-sha2-nistp256 AAAA...', pinned (without it the key to pin is named, never trusted).", valueName: "key"))
    var hostKey: String?

    /// The env file and SSH key, read before a root run becomes the data dir's owner, who
    /// may not read them.
    func read() throws -> (environment: GivenFile?, key: GivenFile?) {
        (try envFile.map { try GivenFile.read($0, what: "environment file") },
         try sshKey.map { try GivenFile.read($0, what: "SSH key") })
    }
}
