import Foundation

/// The fleet as a till sees it: read with its own key, watched by its daemon when
/// `fleet_watch` is on, its alerts told through its own notification targets.
extension OffsiteService {
    /// How often the daemon reads the fleet when `fleet_watch` is on.
    static let fleetWatchEvery: TimeInterval = 900

    /// The alert memory of this till's watch.
    public var fleetWatchPath: String { paths.directory + "/fleet-watch.json" }

    /// The fleet, read from the repository with this till's setup.
    public func fleet(listKeys: Bool = true) throws -> Fleet {
        try FleetReader.onTill(self).read(listKeys: listKeys)
    }

    /// The scheduler's round: with `fleet_watch` on, reads the fleet every 15 minutes and
    /// tells what changed. A repository that cannot be read is said in the log.
    func watchFleetIfDue(cancellation: CancellationFlag?) {
        guard config()?.fleetWatch == true else { return }
        let now = clock.now()
        if let last = state().lastFleetWatchAt, now.timeIntervalSince(last) < Self.fleetWatchEvery, last <= now { return }
        try? updateState { $0.lastFleetWatchAt = now }
        do {
            let fleet = try FleetReader.onTill(limited(to: 600, cancellation: cancellation)).read(listKeys: false)
            FleetWatch.tell(fleet, memoryPath: fleetWatchPath, engine: engine)
        } catch {
            logger.warning("Could not read the fleet for fleet_watch: \(BackupError(error).description)")
        }
    }

    /// Sets `offsite_prune` (`till` or `admin`) or `fleet_watch` (`on` or `off`).
    public func setFleetSetting(_ key: SettingKey, _ text: String) throws -> String {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        var config = try requireConfig()
        switch key {
        case .offsitePrune:
            guard value == "till" || value == "admin" else {
                throw BackupError.invalidSetting(key: key.rawValue, value: text, reason: "use till (this till prunes its snapshots) or admin (the admin's fleet prune does)")
            }
            config.pruneByAdmin = value == "admin" ? true : nil
        case .fleetWatch:
            guard value == "on" || value == "off" else { throw BackupError.invalidSetting(key: key.rawValue, value: text, reason: "use on or off") }
            config.fleetWatch = value == "on" ? true : nil
        default:
            throw BackupError.settingNotWritable(key: key.rawValue, writable: BackupEngine.writableSettings)
        }
        try engine.requireWritable([paths.directory])
        try DataDirLock.offsite.holding(layout, for: "settings", now: clock.now(), wait: 30) {
            try FileSystem.writeAtomically(try MetadataStore.encoder.encode(config), to: paths.config)
        }
        return value
    }
}
