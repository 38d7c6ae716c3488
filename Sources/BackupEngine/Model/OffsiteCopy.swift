import Foundation

/// One backup's copy in the off-site repository, kept in its metadata.
public struct OffsiteCopy: Codable, Sendable, Equatable {
    public var snapshot: String
    public var pushedAt: Date
    /// New bytes the push added to the repository (after deduplication and compression).
    public var bytesAdded: Int64
}
