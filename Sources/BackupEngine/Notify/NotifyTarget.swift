import Foundation

/// Where a notification goes. Kept in the settings (`notify_targets`, a JSON list).
public struct NotifyTarget: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// HTTP POST of the event as JSON (Slack, Mattermost, Rocket.Chat read its `text`).
        case webhook
        /// The Healthchecks protocol: GET `<url>/start`, `<url>`, `<url>/fail` around each backup.
        case ping
        /// A program run with the event JSON on stdin, no shell (`sendmail`, `ntfy publish`).
        case command
    }

    public var kind: Kind
    /// The URL, or the command line (split on spaces into an argument list, never given to a shell).
    public var target: String

    public init(kind: Kind, target: String) {
        self.kind = kind
        self.target = target
    }

    /// How it is shown anywhere a person or a log can see it: secrets in URLs masked.
    public var display: String {
        // A command's arguments may hold a token too: only the program is shown.
        guard kind == .command else { return "\(kind.rawValue) \(SecretMask.mask(target))" }
        let program = arguments.first ?? ""
        return "command \(program)" + (arguments.count > 1 ? " …" : "")
    }

    /// The command's argument list.
    var arguments: [String] { target.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }

    /// Refuses what cannot work before it is saved.
    public static func validated(kind: Kind, target: String) throws -> NotifyTarget {
        switch kind {
        case .webhook, .ping:
            guard let url = URL(string: target), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host != nil else {
                throw BackupError.invalidSetting(key: "notify \(kind.rawValue)", value: SecretMask.mask(target),
                                                 reason: "give an http:// or https:// URL")
            }
        case .command:
            guard let program = target.split(separator: " ").first, program.hasPrefix("/") else {
                throw BackupError.invalidSetting(key: "notify command", value: target,
                                                 reason: "give the program's absolute path, e.g. /usr/bin/ntfy publish mytopic")
            }
        }
        return NotifyTarget(kind: kind, target: target)
    }
}
