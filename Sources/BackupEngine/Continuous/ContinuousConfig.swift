import Foundation

/// Where continuous protection replicates and how long it keeps: `backups/.meta/continuous/
/// config.json` (0600). Litestream's own config is generated from it (`litestream.yml`),
/// never written by hand.
public struct ContinuousConfig: Codable, Sendable, Equatable {
    /// The replica folder as given (a USB drive or a second disk); this terminal writes
    /// under `<folder>/<terminal_id>/<install id>` in it.
    public var replica: String
    /// The folder Litestream writes, this install's own.
    public var replicaPath: String
    public var terminal: String
    public var install: String
    public var configuredAt: Date
    /// The window kept (`continuous_keep`, days; nil: 7).
    public var keepDays: Int?
    public var keep: Int { min(max(keepDays ?? 7, 1), 3650) }
    /// The machine it was set up on (`/etc/machine-id`): a data dir copied to a spare,
    /// setup and all, must not take this till's replica over.
    public var machineID: String?
    /// The replica folder's mount point and filesystem at setup: a pulled drive leaves
    /// a bare mount point on the till's own disk, where nothing must be written.
    public var replicaMount: String?
    public var replicaFilesystem: UInt64?
    /// Lag thresholds (seconds) and the drill's interval (days); nil: the defaults
    /// (`ContinuousSetting`).
    public var lagWarningSeconds: Int?
    public var lagCriticalSeconds: Int?
    public var drillDays: Int?

    /// S3's settings as `key=value` (`endpoint`, `region`, `force-path-style`,
    /// `sse-kms-key-id`); its keys are in the environment file beside, never here.
    public var options: [String]?
    /// An SFTP replica's pinned host key (`ssh-ed25519 AAAA...`): the server is checked
    /// against it, never trusted on first use. Its login key is kept beside (`ssh-key`).
    public var hostKey: String?

    /// Where the replica is (nil: the kept text does not read as one).
    public var address: ReplicaAddress? { ReplicaAddress.parse(replica) }

    /// The path Litestream writes, made from the parts (never taken as found in the file).
    var expectedReplicaPath: String? {
        guard let address, TerminalID.isValid(terminal), install.count == 16, install.allSatisfy(\.isHexDigit) else { return nil }
        return address.replicaPath(terminal: terminal, install: install)
    }

    /// Where this install replicates, as a person reads it.
    public var displayReplica: String { address?.display(replicaPath: replicaPath) ?? replicaPath }

    /// This machine's id, nil where there is none.
    static var currentMachineID: String? {
        guard let data = FileManager.default.contents(atPath: "/etc/machine-id") else { return nil }
        let id = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    public init(replica: String, replicaPath: String, terminal: String, install: String, configuredAt: Date) {
        self.replica = replica; self.replicaPath = replicaPath; self.terminal = terminal
        self.install = install; self.configuredAt = configuredAt
    }
}

/// The files continuous protection keeps under `backups/.meta/continuous/`, 0600 in a 0700 folder.
public struct ContinuousPaths: Sendable {
    public let directory: String
    let logsDir: String
    init(layout: DataLayout) {
        directory = layout.metaDir + "/continuous"
        logsDir = layout.logsDir
    }

    public var config: String { directory + "/config.json" }
    /// Litestream's config, generated from ours before every start.
    public var litestreamConfig: String { directory + "/litestream.yml" }
    /// Litestream's own bookkeeping (`meta-path`), private, never beside the database.
    public var meta: String { directory + "/meta" }
    /// A remote replica's keys (`AWS_ACCESS_KEY_ID=...`), as given by `--env-file`.
    public var environment: String { directory + "/env" }
    /// An SFTP replica's login key, 0600.
    public var sshKey: String { directory + "/ssh-key" }
    /// Whether Litestream runs, since when, how often it died (`ContinuousState`).
    public var state: String { directory + "/state.json" }
    /// Litestream's warnings and errors (it runs for days: not kept in memory).
    public var log: String { logsDir + "/litestream.log" }
}
