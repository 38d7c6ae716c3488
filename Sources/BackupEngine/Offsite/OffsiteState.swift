import Foundation

/// What off-site copying has done: `backups/.meta/offsite/state.json`. Written only under
/// the off-site lock (`OffsitePaths.lock`), read by anyone.
public struct OffsiteState: Codable, Sendable, Equatable {
    public var lastPushAt: Date?
    public var lastPushSnapshot: String?
    public var lastPushBackup: String?
    /// Push attempts that failed since the last one that worked.
    public var consecutiveFailures: Int = 0
    public var failuresTotal: Int = 0
    public var lastFailureAt: Date?
    public var lastFailure: String?
    /// Backups whose last push failed (shown as "failed" until one works).
    public var failedBackups: [String] = []
    /// When the next push may be tried after failures (the push's own backoff).
    public var retryAfter: Date?

    public var lastForgetAt: Date?
    public var lastForget: String?
    public var lastCheck: Outcome?
    public var lastDrill: Outcome?
    /// From `restic stats --mode raw-data`, refreshed daily and after a prune.
    public var snapshots: Int?
    public var bytesStored: Int64?
    public var statsAt: Date?

    /// The repository's data found damaged, until a check that reads all of it passes
    /// (a partial check never clears it). nil: no damage known.
    public var damage: Damage?
    /// When a check that read all of the data last passed (here, or on a till that said so
    /// in the repository).
    public var lastFullCheckAt: Date?
    /// Report snapshots already read from the repository (newest last, a bounded list), so
    /// each other till's report is fetched once. Optional: a state file written before it
    /// must still decode (a field missing from it would lose the whole state).
    var seenReportIDs: [String]?
    var seenReports: [String] {
        get { seenReportIDs ?? [] }
        set { seenReportIDs = newValue }
    }

    /// The last health this till put into the repository (a push's tag or a report of its
    /// own), so a report goes on every change of verdict and at least hourly.
    public var lastHealthAt: Date?
    public var lastHealthLevel: HealthLevel?
    /// Health reports written since this till last forgot its older ones.
    public var reportsSinceForget: Int?
    /// The last fleet read by `fleet_watch`, when it was.
    public var lastFleetWatchAt: Date?

    /// Another installation pushes under this terminal id too, and since when.
    public var sharedTerminal: SharedTerminal?

    public struct SharedTerminal: Codable, Sendable, Equatable {
        public var otherInstall: String
        public var since: Date
    }

    /// Damage found in the repository's data.
    public struct Damage: Codable, Sendable, Equatable {
        public var foundAt: Date
        /// What found it: `check`, `drill`, `restore`, `push`, `prune`, `repair`.
        public var foundBy: String
        /// The one line restic's finding comes down to.
        public var message: String
        /// The terminal whose damage report told us, nil when found here.
        public var reportedBy: String?
        /// The damage report this till wrote into the repository, nil until written.
        public var reportSnapshot: String?

        public init(foundAt: Date, foundBy: String, message: String, reportedBy: String? = nil, reportSnapshot: String? = nil) {
            self.foundAt = foundAt; self.foundBy = foundBy; self.message = message
            self.reportedBy = reportedBy; self.reportSnapshot = reportSnapshot
        }
    }

    /// The result of a check or a restore drill.
    public struct Outcome: Codable, Sendable, Equatable {
        public var at: Date
        public var ok: Bool
        public var message: String
        /// True when the failure means the repository is damaged, not merely unreachable.
        public var damaged: Bool = false
        /// True when it could not run because the repository could not be reached (the
        /// server, the network, the drive): run again as soon as a push reaches it.
        public var couldNotReach: Bool? = nil
    }

    public init() {}

    /// True for the failures that only say the repository could not be reached.
    static func couldNotReach(_ error: BackupError) -> Bool {
        switch error {
        case .offsiteUnreachable, .offsiteTimedOut, .offsiteDriveNotMounted, .offsiteOtherDrive, .offsiteRepositoryNotFound: return true
        default: return false
        }
    }

    static func read(_ path: String) -> OffsiteState {
        guard let data = FileSystem.readFile(path),
              let state = try? HistoryLog.decoder.decode(OffsiteState.self, from: data) else { return OffsiteState() }
        return state
    }

    func write(_ path: String) throws {
        try FileSystem.writeAtomically(try MetadataStore.encoder.encode(self), to: path)
    }

    /// The wait before the next push after `failures` in a row: 1, 2, 4 … minutes, at most an hour.
    static func backoff(afterFailures failures: Int) -> TimeInterval {
        min(3600, 60 * pow(2, Double(max(0, failures - 1))))
    }
}
