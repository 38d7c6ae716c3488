import Foundation

/// What `offsite repair` did, in the order it tries: nothing to mend, mended in place, or
/// a fresh repository started beside the damaged one.
public struct OffsiteRepairResult: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// A check of all the data found nothing (after rebuilding the index, when that was needed).
        case whole
        /// The snapshots that used damaged data were forgotten and pruned away; the repository checks whole.
        case repairedInPlace = "repaired-in-place"
        /// Damage restic 0.14 cannot remove remains: a fresh repository path was set up and
        /// the local backups go there; the old repository is left in place, readable for
        /// what it still holds.
        case freshRepository = "fresh-repository"
    }

    /// A snapshot forgotten because it could no longer be restored.
    public struct Forgotten: Sendable, Equatable {
        public var snapshot: String
        public var terminal: String
        public var backupName: String?
    }

    public var outcome: Outcome
    public var forgotten: [Forgotten]
    /// The repository now in use, and (fresh repository) the one it replaced.
    public var repository: String
    public var previousRepository: String?
    /// Pushed right after the repair (the backups whose snapshots were forgotten, or all of
    /// them into a fresh repository), and why pushing stopped if it did.
    public var pushed: [OffsitePushResult] = []
    public var pushFailure: String?

    /// One line: what was done.
    public var message: String {
        let names = forgotten.map { "\($0.snapshot) of \($0.terminal)" }
        switch outcome {
        case .whole:
            return "the repository checks whole: nothing to repair"
        case .repairedInPlace:
            return "forgot \(forgotten.count) snapshot\(forgotten.count == 1 ? "" : "s") that could no longer be restored (\(names.joined(separator: ", "))); the repository checks whole"
        case .freshRepository:
            return "damage restic 0.14 cannot remove remains in \(previousRepository ?? "the old repository") (left in place): started a fresh repository \(repository); set the other terminals up on it"
        }
    }
}
