import Foundation

public struct OffsiteDrillResult: Sendable, Equatable {
    public var snapshot: String
    public var comparedWith: String?
    public var message: String
}
