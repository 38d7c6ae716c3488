import Foundation

public struct OffsiteInitResult: Sendable {
    public var repository: String
    /// True when the repository was made now; false when an existing one was opened.
    public var created: Bool
    /// The password made for a new repository, shown once; nil when one was given or kept.
    public var generatedPassword: String?
    /// Snapshots already in the repository under this terminal id from another
    /// installation (a second shop left on the host name): pushing now would mix them.
    public var otherInstallSnapshots: Int = 0
    /// The key this terminal opens the repository with (its own), and the key the given or
    /// made password opened (the chain's: the admin's `--key-hint`).
    public var keyID: String? = nil
    public var chainKeyID: String? = nil
}
