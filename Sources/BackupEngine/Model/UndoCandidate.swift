import Foundation

/// What `undo-restore` would restore: the copy a restore saved, that restore (when, and the
/// backup it restored), and the newer saved copy that is gone, when the most recent
/// restore's own copy is no longer on disk.
public struct UndoCandidate: Sendable, Equatable {
    public var copy: BackupEntry
    public var restoredAt: Date
    /// The backup that restore put in place.
    public var restored: String?
    /// The copy the most recent restore saved, when it is gone (then `copy` is older).
    public var newestGone: String?
}
