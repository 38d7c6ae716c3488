import Foundation

/// A repository's keys, as `restic key list --json` gives them (no secret in it: an id, who
/// and where made it).
public struct ResticKey: Codable, Sendable, Equatable {
    public var id: String
    public var userName: String
    public var hostName: String
    public var current: Bool
    public var created: String?

    /// The user name a till's own key is made with (`offsite init`).
    public static let tillUser = "mr5-backup"
    public var isTillKey: Bool { userName == Self.tillUser }

    /// A `--key-hint` as a person gives it: 4 to 64 hex digits, or refused in one line.
    static func checkHint(_ hint: String?) throws {
        guard let hint else { return }
        guard (4...64).contains(hint.count), hint.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
            throw BackupError.offsiteInvalidSetting(what: "key hint", reason: "\(OneLine.make(hint, limit: 70)) is not a key id (hex digits, as 'restic key list' shows)")
        }
    }
}

/// restic's key commands: each till opens the repository with a key of its own, so that
/// one till's key can be removed without changing the others'.
extension Restic {
    /// Every key, the one this password opened marked `current`.
    func keys(timeLimit: TimeInterval = 120) throws -> [ResticKey] {
        let out = try run("keys", ["key", "list", "--json", "--no-lock"], timeLimit: timeLimit)
        let line = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("[") } ?? "[]"
        guard let keys = try? JSONDecoder().decode([ResticKey].self, from: Data(line.utf8)) else {
            throw BackupError.offsiteFailed(action: "keys", reason: "restic's key list could not be read", detail: String(line.prefix(2000)))
        }
        return keys
    }

    /// Adds a key for `host` whose password is the first line of `passwordFile`.
    func addKey(passwordFile: String, host: String, timeLimit: TimeInterval = 300) throws {
        _ = try run("keys", ["key", "add", "--new-password-file", passwordFile, "--host", host, "--user", ResticKey.tillUser],
                    timeLimit: timeLimit)
    }

    /// Removes the key `id` (restic refuses the one it was opened with).
    func removeKey(_ id: String, timeLimit: TimeInterval = 120) throws {
        _ = try run("keys", ["key", "remove", id], timeLimit: timeLimit)
    }
}
