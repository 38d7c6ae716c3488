import Foundation

/// Where off-site copies go and how they are kept: `backups/.meta/offsite/config.json`
/// (mode 0600), beside the password and environment files.
///
/// Not in the POS database's `settings` table: off-site copies matter most when that
/// database is lost, locked or damaged, and a new terminal recovering a shop has none.
public struct OffsiteConfig: Codable, Sendable, Equatable {
    /// Any restic repository string (`s3:https://host/bucket/shop-12`, `sftp:user@nas:/srv/mr5`,
    /// `/media/usb/mr5`, `rest:https://…`): the setting `offsite_repository`.
    public var repository: String
    /// Extra `-o key=value` options the repository needs (an SSH port and key for SFTP):
    /// the setting `offsite_options`.
    public var options: [String]
    public var configuredAt: Date
    /// Remote retention (`restic forget --keep-daily/--keep-weekly/--keep-monthly`).
    public var keepDaily: Int = 7
    public var keepWeekly: Int = 8
    public var keepMonthly: Int = 12
    /// A folder repository (a USB drive, a second disk): the mount point it was on at
    /// setup and that filesystem's id. A push goes only where both are still true: a drive
    /// pulled leaves a bare mount point on the terminal's own disk, and a second, rotated
    /// drive is another repository.
    public var repositoryMount: String? = nil
    public var repositoryFilesystem: UInt64? = nil
    /// Pre-update snapshots kept, on their own count (`offsite_keep_pre_update`; nil: 5).
    public var keepPreUpdateCount: Int? = nil
    public var keepPreUpdate: Int { keepPreUpdateCount ?? 5 }
    /// restic's `--limit-upload` in KiB/s (`offsite_limit_upload`; nil or 0: none).
    public var limitUploadKiB: Int? = nil
    /// Repositories this one replaced after damage restic could not remove (`offsite
    /// repair`): kept readable, never written again.
    public var previousRepositories: [String]? = nil
    /// True when the setup kept an env file (S3 keys): its loss is then said at `status`.
    public var usesEnvironmentFile: Bool? = nil
    /// The restic key this till opens the repository with: its own, added at `offsite init`
    /// (the chain's password is used once, then), passed as `--key-hint` to every restic run
    /// (restic 0.14 tries at most 20 keys without it). nil: a setup from before, on the
    /// password it was given.
    public var keyID: String? = nil
    /// The key the chain's password opened at setup (for the admin's `--key-hint`).
    public var chainKeyID: String? = nil
    /// `offsite_prune admin`: this till never forgets or prunes in the repository (storage
    /// that refuses deletes from tills); the admin's `fleet prune` does.
    public var pruneByAdmin: Bool? = nil
    /// `fleet_watch on`: the daemon reads the fleet and tells `terminal_dark` and
    /// `terminal_recovered` through this till's notification targets.
    public var fleetWatch: Bool? = nil

    public init(repository: String, options: [String], configuredAt: Date) {
        self.repository = repository
        self.options = options
        self.configuredAt = configuredAt
    }

    /// The repository as it may be shown: a password inside it (`rest:https://u:secret@host/`) masked.
    public var displayRepository: String { Self.mask(repository) }

    /// The settings' names for the remote retention counts.
    public static let keepKeys = SettingKey.keys { $0.home == .offsite && $0.leastCount != nil }

    /// A remote retention count by its setting's name.
    public subscript(keep key: String) -> Int? {
        get {
            switch key {
            case "offsite_keep_daily": return keepDaily
            case "offsite_keep_weekly": return keepWeekly
            case "offsite_keep_monthly": return keepMonthly
            case "offsite_keep_pre_update": return keepPreUpdate
            default: return nil
            }
        }
        set {
            guard let newValue else { return }
            switch key {
            case "offsite_keep_daily": keepDaily = newValue
            case "offsite_keep_weekly": keepWeekly = newValue
            case "offsite_keep_monthly": keepMonthly = newValue
            case "offsite_keep_pre_update": keepPreUpdateCount = newValue
            default: break
            }
        }
    }

    /// Masks the password of a `user:password@` part anywhere in a repository string or an
    /// option (the rest stays readable: a technician must see which repository it is).
    ///
    /// The host starts after the last `@` before the path (a password may itself hold
    /// `@`: `rest:http://u:Pa@ss@host/` shows `u:***@host/`).
    public static func mask(_ text: String) -> String {
        let authorityEnd = text.range(of: "//").flatMap { text[$0.upperBound...].firstIndex(of: "/") } ?? text.endIndex
        guard let at = text[..<authorityEnd].range(of: "@", options: .backwards) else { return text }
        let before = text[..<at.lowerBound]
        // The user part starts after the last "//" (URLs) or the scheme's ":" (sftp:user@host).
        let start = before.range(of: "//", options: .backwards)?.upperBound
            ?? before.range(of: ":", options: [])?.upperBound ?? before.startIndex
        let userinfo = before[start...]
        guard let colon = userinfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }

    /// A short form for the console footer: `s3:…/shop-12`.
    public var shortRepository: String {
        let shown = displayRepository
        guard shown.count > 28 else { return shown }
        let scheme = shown.firstIndex(of: ":").map { String(shown[...$0]) } ?? ""
        let last = shown.split(separator: "/").last.map(String.init) ?? ""
        return scheme.count < 8 && !scheme.hasPrefix("/") ? "\(scheme)…/\(last)" : "…/\(last)"
    }
}

/// The files off-site copies keep under `backups/.meta/offsite/`, all 0600 in a 0700 folder.
public struct OffsitePaths: Sendable {
    public let directory: String
    public init(layout: DataLayout) { directory = layout.metaDir + "/offsite" }

    public var config: String { directory + "/config.json" }
    /// The repository password, the only place it is written (restic reads it with `--password-file`).
    public var password: String { directory + "/password" }
    /// `KEY=VALUE` lines for restic's environment (S3 keys and the like).
    public var environment: String { directory + "/env" }
    /// Push results, failures, the last forget, check and drill (`OffsiteState`).
    public var state: String { directory + "/state.json" }
    /// Held by whoever runs restic for this data dir: one restic at a time from here.
    public var lock: String { directory + "/.lock" }
    /// The backup being pushed now, which retention must not remove.
    public var pushing: String { directory + "/pushing.json" }
    /// An SFTP repository's login key and the server's pinned host key (`SFTPLogin`).
    public var sshKey: String { directory + "/ssh-key" }
    public var knownHosts: String { directory + "/known_hosts" }
    /// restic's cache (encrypted like the repository), so it needs no home folder.
    public var cache: String { directory + "/cache" }
}
