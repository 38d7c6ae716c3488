import Foundation

public struct OffsitePruneResult: Sendable, Equatable {
    public var kept: Int
    public var removed: [String]
    public var dryRun: Bool
    public var rules: String
}
