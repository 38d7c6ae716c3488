import Foundation

/// One attempt at an operation, success or failure, as stored in `logs/history.jsonl`.
public struct HistoryEntry: Codable, Sendable, Equatable {
    public enum Operation: String, Codable, Sendable {
        case create, preUpdate = "pre-update", verify, restore, delete, prune, settings, notify
        case offsiteInit = "offsite-init", offsitePush = "offsite-push", offsitePrune = "offsite-prune"
        case offsiteCheck = "offsite-check", offsiteDrill = "offsite-drill", offsiteFetch = "offsite-fetch"
        case offsiteUnlock = "offsite-unlock", offsiteRepair = "offsite-repair"
        case continuousInit = "continuous-init", continuousOff = "continuous-off", continuousDrill = "continuous-drill"
        case continuousFetch = "continuous-fetch", continuousRestore = "continuous-restore"

        /// Off-site work: recorded and told like the rest, but never a local backup's attempt.
        public var isOffsite: Bool { rawValue.hasPrefix("offsite-") }

        /// The log line for an operation stopped on request: `Backup cancelled`.
        public var cancelledWords: String {
            switch self {
            case .create, .preUpdate: return "Backup cancelled"
            case .verify: return "Verify cancelled"
            case .restore: return "Restore cancelled"
            case .offsitePush: return "Off-site push cancelled"
            default: return "\(rawValue.capitalized) cancelled"
            }
        }
    }
    public enum Outcome: String, Codable, Sendable {
        /// Stopped on request (SIGTERM, quit, Ctrl-C) and cleaned up: neither a success nor a failure.
        case success, failure, cancelled
    }

    public var startedAt: Date
    public var operation: Operation
    public var trigger: Trigger
    public var outcome: Outcome
    public var durationSeconds: Double
    /// The backup concerned, when there is one.
    public var backupName: String?
    public var kind: BackupKind?
    public var sizeBytes: Int64?
    /// The error on failure; a short summary on success. One line of at most 200 characters.
    public var message: String?
    /// The whole text behind `message` when it had to be shortened (every problem a check found).
    public var detail: String?
    /// A restore's copy of the database as it was before (`mr5-pos.db.corrupted.<time>`): what undo restores.
    public var savedCopy: String?
    public var pid: Int32
    /// The mr5-backup version that made the attempt (nil in entries older than 0.2.0).
    public var version: String?

    public init(startedAt: Date, operation: Operation, trigger: Trigger, outcome: Outcome,
                durationSeconds: Double, backupName: String? = nil, kind: BackupKind? = nil,
                sizeBytes: Int64? = nil, message: String? = nil, detail: String? = nil, pid: Int32 = getpid(),
                version: String? = ToolVersion.current) {
        self.startedAt = startedAt; self.operation = operation; self.trigger = trigger
        self.outcome = outcome; self.durationSeconds = durationSeconds; self.backupName = backupName
        self.kind = kind; self.sizeBytes = sizeBytes; self.pid = pid; self.version = version
        // The one-line rule holds for every entry, whoever writes it.
        self.message = message.map { OneLine.make($0) }
        self.detail = detail ?? message.flatMap { OneLine.fits($0) ? nil : $0 }
    }
}
