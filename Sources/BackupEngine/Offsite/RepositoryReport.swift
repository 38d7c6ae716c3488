import Foundation

/// A small JSON record a till writes into the shared repository beside its snapshots, so
/// that any machine able to open the repository learns what no snapshot says by itself:
/// how the till was (a health report, written with each push and by a till that cannot
/// push) or that it found the repository damaged (a damage marker, which outlives the
/// till's own state file and warns every other till).
///
/// One type for both: they are written, listed and read back the same way (a snapshot of
/// one file, tagged `mr5-report` and `report:<kind>`, its host the terminal id), and a
/// reader that meets a kind it does not know skips it. Encoded with sorted keys and ISO 8601
/// dates (`encoded()`), decoded leniently (`decode`): a newer till may add fields.
public struct RepositoryReport: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The till's health at that moment (the fleet view's row).
        case health
        /// A check or drill found the repository's data damaged.
        case damage
        /// A check that read all of the data passed after damage: the damage is gone.
        case repaired
    }

    /// The format's version; a reader skips a report of a later one it cannot read.
    public static let formatVersion = 1
    /// The tag every report snapshot carries (our backup snapshots carry `mr5-backup`).
    public static let tag = "mr5-report"
    /// The file name the report is stored under inside its snapshot.
    public static let fileName = "mr5-report.json"

    public var format: Int
    public var kind: Kind
    public var terminal: String
    public var writtenAt: Date
    public var toolVersion: String
    /// The verdict as the till judged it (health), or CRITICAL (damage).
    public var level: HealthLevel
    /// The one line a person reads (the verdict's reason, or what was found damaged).
    public var message: String
    public var health: TerminalHealth?
    public var damage: RepositoryDamage?

    public init(kind: Kind, terminal: String, writtenAt: Date, level: HealthLevel, message: String,
                health: TerminalHealth? = nil, damage: RepositoryDamage? = nil) {
        self.format = Self.formatVersion
        self.kind = kind
        self.terminal = terminal
        self.writtenAt = writtenAt
        self.toolVersion = ToolVersion.current
        self.level = level
        self.message = message
        self.health = health
        self.damage = damage
    }

    /// The tags of the report's snapshot.
    public var tags: [String] { [Self.tag, "report:\(kind.rawValue)"] }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// The report in `data`, or nil when it is not one this version can read.
    public static func decode(_ data: Data) -> RepositoryReport? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let report = try? decoder.decode(RepositoryReport.self, from: data),
              report.format <= formatVersion, TerminalID.isValid(report.terminal) else { return nil }
        return report.sanitized()
    }

    /// Another till's words are data, and that till may be stolen: the message one line
    /// without control bytes, versions and the key id in the forms we write, anything
    /// else dropped (a tab or a newline in a version would add rows to the admin's table).
    func sanitized() -> RepositoryReport {
        var r = self
        r.message = OneLine.make(SafeText.forTerminal(message), limit: 300)
        r.toolVersion = Self.versionText(toolVersion) ?? "unknown"
        if var health = r.health {
            health.appVersion = health.appVersion.flatMap(Self.versionText)
            health.keyID = health.keyID.flatMap { id in
                (8...64).contains(id.count) && id.allSatisfy { $0.isASCII && $0.isHexDigit } ? id : nil
            }
            r.health = health
        }
        return r
    }

    /// A version as tools write them (`2.4.0`, `0.2.0+dev`), else nil.
    static func versionText(_ text: String) -> String? {
        (1...32).contains(text.count) && text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".+_-".contains($0)) }) ? text : nil
    }

}

/// What a health report says of its till: the fleet view's row, read from the snapshot
/// list alone (the report rides in a tag, `RepositoryReport.healthTag`).
public struct TerminalHealth: Codable, Sendable, Equatable {
    /// The POS app's version, as the newest backup that names one says.
    public var appVersion: String?
    public var databaseBytes: Int64?
    /// Orders in the newest verified backup (the live database is never read for it).
    public var orders: Int64?
    public var backups: Int
    public var consecutiveFailures: Int
    public var newestVerifiedAt: Date?
    public var lastPushAt: Date?
    public var lastDrillAt: Date?
    public var lastDrillOK: Bool?
    /// The till's backup interval in seconds (nil: backups off): a till silent for two of
    /// them is WARNING in the fleet.
    public var intervalSeconds: Int?
    /// Continuous protection, when set up: the replica's newest moment and how far behind it was.
    public var continuousSyncAt: Date?
    public var continuousLagSeconds: Int?
    /// The restic key the till opens the repository with (its own, from `offsite init`).
    public var keyID: String?

    public init(appVersion: String? = nil, databaseBytes: Int64? = nil, orders: Int64? = nil, backups: Int = 0,
                consecutiveFailures: Int = 0, newestVerifiedAt: Date? = nil, lastPushAt: Date? = nil,
                lastDrillAt: Date? = nil, lastDrillOK: Bool? = nil) {
        self.appVersion = appVersion; self.databaseBytes = databaseBytes; self.orders = orders; self.backups = backups
        self.consecutiveFailures = consecutiveFailures; self.newestVerifiedAt = newestVerifiedAt
        self.lastPushAt = lastPushAt; self.lastDrillAt = lastDrillAt; self.lastDrillOK = lastDrillOK
    }
}

/// What a damage marker says: which check found it, and which snapshots it reaches.
public struct RepositoryDamage: Codable, Sendable, Equatable {
    /// `check` or `drill`.
    public var foundBy: String
    /// Snapshot ids (short) whose data is damaged, when restic named them.
    public var snapshots: [String]
    /// restic's own lines, for `--verbose` and JSON `detail`.
    public var detail: String?

    public init(foundBy: String, snapshots: [String], detail: String? = nil) {
        self.foundBy = foundBy; self.snapshots = snapshots; self.detail = detail
    }
}
