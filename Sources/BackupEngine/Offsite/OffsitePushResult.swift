import Foundation

public struct OffsitePushResult: Sendable, Equatable {
    public var name: String
    public var snapshot: String
    public var bytesAdded: Int64
    public var seconds: Double
    /// True when it had been pushed before (nothing was sent now).
    public var alreadyPushed: Bool
    /// Pushed while the repository is known to be damaged: it was restored and compared
    /// right after, and is not counted safe until a check reads all of the data.
    public var intoDamagedRepository: Bool = false
}
