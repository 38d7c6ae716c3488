import Crypto
import Foundation

/// An SFTP replica's server key, pinned at setup (`--host-key 'ssh-ed25519 AAAA...'`):
/// Litestream checks the server against it and refuses any other. Without one, the
/// server's keys are looked up (`ssh-keyscan`) only to be shown with their fingerprints,
/// never taken: a technician checks them with the server's admin first.
enum SFTPHostKey {
    static let types: Set<String> = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]

    /// The order Litestream's SSH client (Go's) asks a server for its key in: it checks the
    /// first kind the server has against the pin, so that is the kind to pin (measured: a
    /// server with ECDSA and ed25519 keys is checked by its ECDSA one).
    static let negotiated = ["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-ed25519"]

    /// Of the keys a server offers, the one Litestream will check.
    static func checked(among offered: [String]) -> String? {
        offered.min { a, b in
            (negotiated.firstIndex(of: String(a.split(separator: " ")[0])) ?? 99) < (negotiated.firstIndex(of: String(b.split(separator: " ")[0])) ?? 99)
        }
    }

    /// `type base64` from what was given (a `known_hosts` or `.pub` line works too: its
    /// host name or comment is left out); nil when it is not a key.
    static func normalize(_ given: String) -> String? {
        let words = given.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let i = words.firstIndex(where: types.contains), i + 1 < words.count,
              Data(base64Encoded: words[i + 1]) != nil else { return nil }
        return words[i] + " " + words[i + 1]
    }

    /// `SHA256:...` as `ssh-keygen -l` prints it.
    static func fingerprint(_ key: String) -> String? {
        let words = key.split(separator: " ")
        guard words.count >= 2, let blob = Data(base64Encoded: String(words[1])) else { return nil }
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// The keys the server offers, for the refusal that asks for one (empty when it cannot
    /// be reached or ssh-keyscan is not there).
    static func offered(host: String, port: Int) -> [String] {
        guard let scan = ChildProgram.locate("ssh-keyscan") else { return [] }
        let program = ChildProgram(executable: scan, arguments: ["-T", "5", "-p", String(port), host],
                                   environment: ["PATH": "/usr/bin:/bin"], timeLimit: 15)
        guard let result = try? program.run(), result.status == 0 else { return [] }
        // ssh-keyscan says `host key-type base64` per key; a comment line starts with `#`.
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.hasPrefix("#") ? nil : normalize(String(line))
        }
    }
}
