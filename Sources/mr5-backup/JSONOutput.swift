import BackupEngine
import Foundation

// The `--json` shapes. Field names are camelCase and stable; times are ISO-8601 in UTC
// (`2025-10-27T14:30:00Z`); sizes are in bytes; a field without a value is left out.
// docs/scripting.md shows one example of each and lists the fields: keep them in step.

/// One backup, as `list` and `create` show it.
struct BackupJSON: Encodable {
    var name: String
    var kind: String
    var path: String
    var createdAt: Date
    var sizeBytes: Int64
    /// `verified`, `unverified` or `corrupt`.
    var status: String
    var statusDetail: String?
    var appVersion: String?
    var sha256: String?
    var verifiedAt: Date?
    var verificationMethod: String?
    var restorable: Bool
    /// Its off-site copy: the restic snapshot, when it was pushed.
    var offsiteSnapshot: String?
    var offsitePushedAt: Date?
    /// Pushed while the repository was damaged: not counted safe until a full check passes.
    var offsiteUnsafe: Bool?
    /// How the copy was made: `full` or `polite`, how long copying took, a polite copy's
    /// pauses for the POS, and the longest time the POS's writers could have waited for it
    /// (0 in WAL mode; in rollback mode the snapshot copy's hold).
    var pace: String?
    var copySeconds: Double?
    var pauses: Int?
    var pausedSeconds: Double?
    var longestWriterWaitMs: Double?
    var copyStrategy: String?

    init(_ e: BackupEntry) {
        name = e.name; kind = e.kind.rawValue; path = e.path; createdAt = e.createdAt
        sizeBytes = e.sizeBytes; status = e.status.rawValue; statusDetail = e.statusDetail
        appVersion = e.appVersion; sha256 = e.record?.sha256
        verifiedAt = e.record?.verification.checkedAt; verificationMethod = e.record?.verification.method
        restorable = e.isRestorable
        // Only a copy that is there: a snapshot retention forgot is not one.
        let copy = e.record?.offsite.flatMap { $0.isCopied ? $0 : nil }
        offsiteSnapshot = copy?.snapshot; offsitePushedAt = copy?.pushedAt
        offsiteUnsafe = copy?.pushedWhileDamaged == true ? true : nil
        if let r = e.record {
            pace = r.pace?.rawValue; copySeconds = r.copySeconds; pauses = r.pauses; pausedSeconds = r.pausedSeconds
            longestWriterWaitMs = r.longestWriterHoldMs; copyStrategy = r.strategy.rawValue
        }
    }
}

/// `list --json`.
struct ListJSON: Encodable {
    var dataDir: String
    var backups: [BackupJSON]
}

/// `create --json` and `pre-update --json`.
struct CreateJSON: Encodable {
    var backup: BackupJSON
    var durationSeconds: Double
    /// The copy alone (the rest of durationSeconds is verification and bookkeeping).
    var copySeconds: Double
    /// How the copy was taken (the engine's copy strategy).
    var strategy: String
    /// Times the copy started over because the POS wrote meanwhile.
    var restarts: Int
    /// The longest time the POS app's writers could have been held off, in milliseconds.
    var longestWriterHoldMs: Double
    /// Rows per table, counted on the new backup.
    var tables: [String: Int64]
    /// Backups retention removed afterwards.
    var pruned: [String]
    var warnings: [String]

    init(_ r: CreateResult) {
        backup = BackupJSON(r.entry)
        durationSeconds = r.record.durationSeconds
        copySeconds = r.record.copySeconds
        strategy = r.record.strategy.rawValue
        restarts = r.record.restarts
        longestWriterHoldMs = r.record.longestWriterHoldMs
        tables = Dictionary(r.record.tables.map { ($0.table, $0.rows) }, uniquingKeysWith: { a, _ in a })
        pruned = r.pruned
        warnings = r.warnings
    }
}

/// One checked backup in `verify --json`.
struct VerifyItemJSON: Encodable {
    var name: String
    var ok: Bool
    /// `quick_check` or `integrity_check`.
    var method: String
    var sha256: String?
    /// False when there was no recorded hash to compare with.
    var hashCompared: Bool
    var message: String?
    var durationSeconds: Double
    /// Every problem the check found, when `message` says only the first.
    var detail: String? = nil
    /// False when the data dir could not be written: checked, not recorded.
    var recorded: Bool = true
}

/// `verify --json`.
struct VerifyJSON: Encodable {
    var ok: Bool
    var results: [VerifyItemJSON]
}

/// One attempt in `history --json`.
struct HistoryItemJSON: Encodable {
    var startedAt: Date
    /// `create`, `pre-update`, `verify`, `restore`, `delete`, `prune`, `settings`.
    var operation: String
    /// `scheduler`, `cli`, `console`, `pre-update`, `demo`.
    var trigger: String
    /// `success`, `failure` or `cancelled`.
    var outcome: String
    var durationSeconds: Double
    var backupName: String?
    var kind: String?
    var sizeBytes: Int64?
    var message: String?
    /// The whole text behind a shortened `message` (every problem a check found).
    var detail: String?
    var pid: Int32
    /// The mr5-backup version that made the attempt (absent for entries older than 0.2.0).
    var version: String?

    init(_ h: HistoryEntry) {
        detail = h.detail; version = h.version
        startedAt = h.startedAt; operation = h.operation.rawValue; trigger = h.trigger.rawValue
        outcome = h.outcome.rawValue; durationSeconds = h.durationSeconds; backupName = h.backupName
        kind = h.kind?.rawValue; sizeBytes = h.sizeBytes; message = h.message; pid = h.pid
    }
}

/// `history --json`.
struct HistoryJSON: Encodable {
    var entries: [HistoryItemJSON]
}

enum JSONOutput {
    /// Prints `value` as pretty, key-sorted JSON on stdout.
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        Swift.print(escapingControls(String(decoding: data, as: UTF8.self)))
    }
}

/// `prune --json`: every backup kept, with the rules that keep it, and every one removed
/// (or that would be, with `--dry-run`).
struct PruneJSON: Encodable {
    struct Kept: Encodable {
        var name: String
        /// `last`, `daily`, `weekly`, `newest-verified`, `pre-update`, `legacy`, `protected`.
        var reasons: [String]
    }
    struct Removed: Encodable {
        var name: String
        var sizeBytes: Int64
    }
    var dryRun: Bool
    var keep: [Kept]
    var remove: [Removed]
}

/// `restore NAME --dry-run --json`: the live database against the backup, table by table.
struct RestorePreviewJSON: Encodable {
    struct Table: Encodable {
        var name: String
        var liveRows: Int64?
        var backupRows: Int64?
        var dateColumn: String?
        var liveNewest: String?
        var backupNewest: String?
        /// Counting took longer than the time limit.
        var timedOut: Bool
        /// False when the table is not in the backup (restoring removes it).
        var inBackup: Bool
        /// Rows only in the live database (they leave) and only in the backup (they come
        /// back), matched by rowid; absent when not compared.
        var leavingRows: Int64?
        var returningRows: Int64?
    }
    var backup: String
    var liveSizeBytes: Int64
    var backupSizeBytes: Int64
    var tables: [Table]
    /// The one sentence of consequence, and the advice said with every restore.
    var consequence: String
    var advice: String

    init(_ p: RestorePreview) {
        backup = p.backup; liveSizeBytes = p.liveSizeBytes; backupSizeBytes = p.backupSizeBytes
        tables = p.tables.map { Table(name: $0.name, liveRows: $0.liveRows, backupRows: $0.backupRows, dateColumn: $0.dateColumn,
                                      liveNewest: $0.liveNewest, backupNewest: $0.backupNewest, timedOut: $0.timedOut,
                                      inBackup: $0.inBackup, leavingRows: $0.leaving, returningRows: $0.returning) }
        consequence = p.consequence
        advice = RestorePreview.restartAdvice
    }
}

/// `offsite status --json`.
struct OffsiteStatusJSON: Encodable {
    var configured: Bool
    /// Credentials in it masked.
    var repository: String?
    var terminal: String
    var resticInstalled: Bool
    var lastPushAt: Date?
    var lastPushSnapshot: String?
    var lastPushBackup: String?
    var consecutiveFailures: Int
    var failuresTotal: Int
    var lastFailure: String?
    var retryAfter: Date?
    var pending: [String]
    var pushing: String?
    var snapshots: Int?
    var bytesStored: Int64?
    var keepDaily: Int?
    var keepWeekly: Int?
    var keepMonthly: Int?
    var lastPruneAt: Date?
    var lastCheck: OutcomeJSON?
    var lastDrill: OutcomeJSON?
    var keepPreUpdate: Int?
    var limitUploadKiB: Int?
    /// Damage known in the repository's data (until a check reads all of it and passes).
    var damage: DamageJSON?
    var lastFullCheckAt: Date?
    var missingFiles: [String]

    struct DamageJSON: Encodable {
        var foundAt: Date
        var foundBy: String
        var reportedBy: String?
        var message: String
    }

    struct OutcomeJSON: Encodable {
        var at: Date
        var ok: Bool
        var damaged: Bool
        var message: String
        init(_ o: OffsiteState.Outcome) { at = o.at; ok = o.ok; damaged = o.damaged; message = o.message }
    }

    init(_ s: OffsiteStatus, now: Date) {
        configured = s.config != nil
        repository = s.config?.displayRepository
        terminal = s.terminal
        resticInstalled = s.resticInstalled
        let st = s.state
        lastPushAt = st.lastPushAt; lastPushSnapshot = st.lastPushSnapshot; lastPushBackup = st.lastPushBackup
        consecutiveFailures = st.consecutiveFailures; failuresTotal = st.failuresTotal; lastFailure = st.lastFailure
        retryAfter = st.retryAfter; pending = s.pending; pushing = s.pushing
        snapshots = st.snapshots; bytesStored = st.bytesStored
        keepDaily = s.config?.keepDaily; keepWeekly = s.config?.keepWeekly; keepMonthly = s.config?.keepMonthly
        lastPruneAt = st.lastForgetAt
        lastCheck = st.lastCheck.map(OutcomeJSON.init); lastDrill = st.lastDrill.map(OutcomeJSON.init)
        keepPreUpdate = s.config?.keepPreUpdate; limitUploadKiB = s.config?.limitUploadKiB
        damage = st.damage.map { DamageJSON(foundAt: $0.foundAt, foundBy: $0.foundBy, reportedBy: $0.reportedBy, message: $0.message) }
        lastFullCheckAt = st.lastFullCheckAt
        missingFiles = s.missingFiles.map(\.path)
    }
}

/// One push, in `offsite push --json`.
struct OffsitePushJSON: Encodable {
    var name: String
    var snapshot: String
    var bytesAdded: Int64
    var durationSeconds: Double
    var alreadyPushed: Bool
    init(_ r: OffsitePushResult) {
        name = r.name; snapshot = r.snapshot; bytesAdded = r.bytesAdded; durationSeconds = r.seconds; alreadyPushed = r.alreadyPushed
    }
}

/// One snapshot, in `offsite list --json`.
struct OffsiteSnapshotJSON: Encodable {
    var id: String
    var shortId: String
    var time: Date
    var terminal: String
    var kind: String?
    var appVersion: String?
    var sizeBytes: Int64?
    /// The local backup it was pushed from.
    var backupName: String?
    init(_ s: ResticSnapshot) {
        id = s.id; shortId = s.shortID; time = s.time; terminal = s.hostname; kind = s.kind?.rawValue
        appVersion = s.appVersion; sizeBytes = s.sizeBytes; backupName = s.backupName
    }
}

/// `fleet --json`: the fleet's verdict, summary and perf data, and one row per terminal.
struct FleetJSON: Encodable {
    var status: String
    var exitCode: Int
    var summary: String
    var performanceData: String
    var readAt: Date
    var counts: [String: Int]
    var terminals: [Row]
    /// The repository's keys (on a till): which key each till uses, and the others.
    var keys: [ResticKey]?

    struct Row: Encodable {
        var terminal: String
        var status: String
        var reason: String
        var reportedStatus: String?
        var heardAt: Date?
        var darkSince: Date?
        var lastPushAt: Date?
        var snapshots: Int
        var keyID: String?
        /// Its key is no longer in the repository (`fleet revoke`).
        var keyRevoked: Bool
        var health: TerminalHealth?
        /// The till's own words, whole.
        var reportedMessage: String?
        var toolVersion: String?
    }

    /// Could not be read: UNKNOWN, no rows.
    static func unknown(_ summary: String, detail: String?) -> FleetJSON {
        var json = FleetJSON(Fleet(rows: [], readAt: Date()))
        json.summary = summary
        json.detail = detail
        return json
    }

    /// restic's own lines when the fleet could not be read.
    var detail: String?

    init(_ fleet: Fleet) {
        status = fleet.level.word; exitCode = fleet.level.rawValue; summary = fleet.summary
        performanceData = fleet.performanceData; readAt = fleet.readAt; keys = fleet.keys
        counts = Dictionary(uniqueKeysWithValues: [HealthLevel.ok, .warning, .critical, .unknown].map { ($0.word.lowercased(), fleet.count($0)) })
        terminals = fleet.rows.map {
            Row(terminal: $0.terminal, status: $0.level.word, reason: $0.reason, reportedStatus: $0.report?.level.word, heardAt: $0.heardAt,
                darkSince: $0.darkSince, lastPushAt: $0.lastPushAt, snapshots: $0.snapshots, keyID: $0.keyID, keyRevoked: fleet.isRevoked($0), health: $0.health,
                reportedMessage: $0.report?.message, toolVersion: $0.report?.toolVersion)
        }
    }
}
