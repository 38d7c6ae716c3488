import Foundation

/// Progress of a long operation, reported from the thread running it.
public struct BackupProgress: Sendable, Equatable {
    public enum Phase: String, Sendable {
        /// Copying pages through the backup API (`done`/`total` in pages).
        case copying
        /// `quick_check` / `integrity_check` on the new or chosen file (no counts).
        case checking
        /// SHA-256 of the file (`done`/`total` in bytes).
        case hashing
        /// Saving the current database before a restore (pages).
        case savingCurrent
        /// Writing the backup into the live database (pages).
        case restoring
    }
    public var phase: Phase
    public var done: Int64
    public var total: Int64
    /// A polite copy (writer-friendly pacing): said beside the progress, so a slower
    /// scheduled backup is not taken for a stuck one.
    public var polite: Bool

    public init(phase: Phase, done: Int64, total: Int64, polite: Bool = false) {
        self.phase = phase; self.done = done; self.total = total; self.polite = polite
    }

    /// What the progress line adds for a polite copy.
    public static let politeNote = "(polite: writer-friendly pacing)"

    /// 0...1, or 0 when the total is not known yet.
    public var fraction: Double { total > 0 ? min(1, Double(done) / Double(total)) : 0 }
}

/// Called on the working thread; must be quick and must not block.
public typealias ProgressHandler = @Sendable (BackupProgress) -> Void
