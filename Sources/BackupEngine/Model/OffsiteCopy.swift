import Foundation

/// One backup's copy in the off-site repository, kept in its metadata.
public struct OffsiteCopy: Codable, Sendable, Equatable {
    public var snapshot: String
    public var pushedAt: Date
    /// New bytes the push added to the repository (after deduplication and compression).
    public var bytesAdded: Int64
    /// When remote retention forgot the snapshot: the backup is no longer copied off-site,
    /// and is not pushed again (the next prune would only forget it again).
    public var forgottenAt: Date? = nil
    /// Pushed while the repository was known to be damaged: restored and compared right
    /// after the push, but unsafe until a check that reads all of the data passes.
    public var pushedWhileDamaged: Bool? = nil

    public init(snapshot: String, pushedAt: Date, bytesAdded: Int64, forgottenAt: Date? = nil) {
        self.snapshot = snapshot; self.pushedAt = pushedAt; self.bytesAdded = bytesAdded; self.forgottenAt = forgottenAt
    }

    /// True while the snapshot is in the repository as far as we know.
    public var isCopied: Bool { forgottenAt == nil }
}
