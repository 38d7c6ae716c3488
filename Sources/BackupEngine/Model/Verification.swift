import Foundation

/// The result of one verification of a backup file.
public struct Verification: Codable, Sendable, Equatable {
    /// `quick_check`, `integrity_check`, or `sha256` (hash compared only).
    public var method: String
    public var ok: Bool
    public var checkedAt: Date
    /// What was wrong, when `ok` is false.
    public var message: String?

    public init(method: String, ok: Bool, checkedAt: Date, message: String? = nil) {
        self.method = method; self.ok = ok; self.checkedAt = checkedAt; self.message = message
    }

    /// The message of a check that stopped because the file's SHA-256 no longer matches
    /// the recorded one (no SQLite check ran then).
    public static let contentsChangedMessage = "contents changed since the backup was made (SHA-256 differs)"

    /// True when the check failed because the file's bytes changed, not in an SQLite check.
    public var contentsChanged: Bool { !ok && message == Self.contentsChangedMessage }
}
