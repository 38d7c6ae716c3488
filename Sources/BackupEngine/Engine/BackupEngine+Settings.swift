import Foundation

extension BackupEngine {
    /// The schedule. A missing setting means every 3 hours; an unreadable one is reported.
    public func frequency() throws -> BackupFrequency {
        guard let raw = try settingsStore.get(SettingKey.backupFrequency.rawValue), !raw.isEmpty else { return .defaultFrequency }
        return try BackupFrequency.parse(raw)
    }

    /// Changes the schedule; an invalid value is refused before anything is written.
    @discardableResult
    public func setFrequency(_ text: String, trigger: Trigger = .cli) throws -> BackupFrequency {
        let value = try BackupFrequency.parse(text)
        // Settings belong to a shop: without its database there is nothing to configure.
        try requireDatabaseFile()
        try requireSettingsWritable()
        return try recorded(.settings, trigger: trigger, failureLog: "Settings change failed: ") { run in
            try settingsStore.set(SettingKey.backupFrequency.rawValue, value.settingValue)
            record(run.entry(outcome: .success, durationSeconds: 0, message: "backup_frequency = \(value.settingValue)"))
            logger.info("Backup frequency set to \(value.settingValue)")
            return value
        }
    }

    /// A raw setting (`backup_frequency`, `last_backup`, `backup_keep`, `pre_update_keep`).
    public func setting(_ key: String) throws -> String? {
        // Off-site settings live with the off-site files, readable without the POS database.
        if Self.offsiteSettingKeys.contains(key) {
            guard let config = offsite.config() else { return nil }
            switch key {
            case SettingKey.offsiteRepository.rawValue: return config.displayRepository
            case SettingKey.offsiteOptions.rawValue: return config.options.map(OffsiteConfig.mask).joined(separator: " ")
            case SettingKey.offsiteLimitUpload.rawValue: return String(config.limitUploadKiB ?? 0)
            case SettingKey.offsitePrune.rawValue: return config.pruneByAdmin == true ? "admin" : "till"
            case SettingKey.fleetWatch.rawValue: return config.fleetWatch == true ? "on" : "off"
            default: return config[keep: key].map(String.init)
            }
        }
        if let setting = ContinuousSetting.named(key) { return continuous.config().map { String($0[setting: setting]) } }
        guard SettingsStore.knownKeys.contains(key) else {
            throw BackupError.unknownSetting(key: key, known: (SettingsStore.knownKeys.union(Self.offsiteSettingKeys)
                                                                .union(ContinuousSetting.all.map(\.key.rawValue))).sorted())
        }
        try requireDatabaseFile()
        return try settingsStore.get(key)
    }

    /// Keeps the settings as read now, for `status` and the console while the POS holds
    /// its lock (the scheduler's round; a backup and a settings change keep them too).
    public func keepSettingsForLockedReads() { settingsStore.refreshCache() }

    /// The settings a person may change (the rest are written by the engine).
    public static let writableSettings = SettingKey.keys(\.isWritable)

    /// The off-site settings: the repository and options (set by `offsite init`) and the
    /// remote retention counts.
    public static let offsiteSettingKeys: Set<String> = Set(SettingKey.keys { $0.home == .offsite })

    /// Sets `terminal_id`, the name off-site snapshots and notifications carry.
    @discardableResult
    public func setTerminalID(_ text: String) throws -> String {
        let value = text.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(value.count), value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw BackupError.invalidSetting(key: SettingKey.terminalID.rawValue, value: text, reason: "use 1 to 64 letters, digits, '-', '_' or '.'")
        }
        try requireDatabaseFile()
        try requireSettingsWritable()
        try settingsStore.set(SettingKey.terminalID.rawValue, value)
        return value
    }

    /// Sets a remote retention count (`offsite_keep_daily`, `_weekly`, `_monthly`; 0 turns one off,
    /// but one of them must keep something).
    public func setOffsiteKeep(_ key: String, _ value: Int) throws {
        guard OffsiteConfig.keepKeys.contains(key) else { throw BackupError.settingNotWritable(key: key, writable: Self.writableSettings) }
        guard (0...1000).contains(value) else {
            throw BackupError.invalidSetting(key: key, value: String(value), reason: "keep between 0 and 1000")
        }
        var config = try offsite.requireConfig()
        config[keep: key] = value
        guard config.keepDaily + config.keepWeekly + config.keepMonthly > 0 else {
            throw BackupError.invalidSetting(key: key, value: String(value), reason: "daily, weekly and monthly cannot all be 0 (that would remove every snapshot)")
        }
        try saveOffsiteConfig(config)
    }

    /// Sets restic's upload limit in KiB/s (`offsite_limit_upload`; 0: none), for a shop
    /// whose uplink the pushes would otherwise fill.
    public func setOffsiteLimitUpload(_ value: Int) throws {
        let key = SettingKey.offsiteLimitUpload.rawValue
        guard (0...10_000_000).contains(value) else {
            throw BackupError.invalidSetting(key: key, value: String(value), reason: "KiB/s between 0 (no limit) and 10000000")
        }
        var config = try offsite.requireConfig()
        config.limitUploadKiB = value == 0 ? nil : value
        try saveOffsiteConfig(config)
    }

    /// Writes an off-site setting into the off-site config, under the off-site lock.
    private func saveOffsiteConfig(_ config: OffsiteConfig) throws {
        try requireWritable([offsite.paths.directory])
        try DataDirLock.offsite.holding(layout, for: "settings", now: clock.now(), wait: 30) {
            try FileSystem.writeAtomically(try MetadataStore.encoder.encode(config), to: offsite.paths.config)
        }
    }

    /// Sets a continuous setting in its setup (`continuous_keep`: the running Litestream is
    /// started again with it; the lag thresholds and the drill interval: read at the next
    /// status and round).
    public func setContinuous(_ setting: ContinuousSetting, _ value: Int) throws {
        guard setting.range.contains(value) else {
            throw BackupError.invalidSetting(key: setting.key.rawValue, value: String(value),
                                             reason: "keep between \(setting.range.lowerBound) and \(setting.range.upperBound) \(setting.unit)")
        }
        guard var config = continuous.config() else { throw BackupError.continuousNotConfigured }
        config.set(setting, value)
        try requireWritable([continuous.paths.directory])
        try FileSystem.writeAtomically(try MetadataStore.encoder.encode(config), to: continuous.paths.config)
    }

    /// Whether a scheduler (daemon or console) is expected to run: `false` for shops that
    /// run `create` from cron, where "no scheduler running" is no warning. Default true.
    public func schedulerExpected() -> Bool { schedulerExpectedIfReadable() ?? true }

    /// Nil when the setting cannot be read now (the POS holds its lock): then nothing is
    /// judged by it rather than a guess.
    public func schedulerExpectedIfReadable() -> Bool? {
        do { return (try settingsStore.get(SettingKey.schedulerExpected.rawValue))?.lowercased() != "false" } catch { return nil }
    }

    /// Sets `scheduler_expected` (`true` or `false`).
    @discardableResult
    public func setSchedulerExpected(_ text: String) throws -> Bool {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard value == "true" || value == "false" else {
            throw BackupError.invalidSetting(key: SettingKey.schedulerExpected.rawValue, value: text, reason: "use true or false")
        }
        try requireDatabaseFile()
        try requireSettingsWritable()
        try settingsStore.set(SettingKey.schedulerExpected.rawValue, value)
        return value == "true"
    }

    /// The retention counts and the least each may be (daily and weekly may be 0: off).
    public static let retentionKeys: [String: Int] = Dictionary(uniqueKeysWithValues: SettingKey.allCases.compactMap { key in
        key.home == .shop ? key.leastCount.map { (key.rawValue, $0) } : nil
    })

    /// Sets a retention count (`backup_keep`, `backup_keep_daily`, `backup_keep_weekly`,
    /// `pre_update_keep`, `saved_keep`).
    public func setRetention(_ key: String, _ value: Int) throws {
        guard let minimum = Self.retentionKeys[key] else {
            throw BackupError.settingNotWritable(key: key, writable: Self.writableSettings)
        }
        guard (minimum...1000).contains(value) else {
            throw BackupError.invalidSetting(key: key, value: String(value), reason: "keep between \(minimum) and 1000")
        }
        try requireDatabaseFile()
        try requireSettingsWritable()
        try settingsStore.set(key, String(value))
    }

    /// Settings are written into the POS database (which needs its folder for the journal)
    /// or into `backups/.meta/settings.json`: refuse in one line when this user cannot.
    func requireSettingsWritable() throws {
        if settingsStore.usesAppTable() {
            try requireWritable([FileSystem.parent(of: layout.databasePath)])
        } else {
            try requireWritable([layout.metaDir])
        }
    }

    /// Whether settings live in the POS database's `settings` table.
    public var settingsInAppDatabase: Bool { settingsStore.usesAppTable() }

    /// Retention from the settings: 5 newest, 7 daily, 4 weekly and 5 pre-update when unset
    /// (daily and weekly 0 give the reference's plain "last 5").
    public func retentionPolicy() -> RetentionPolicy {
        func read(_ key: SettingKey, _ fallback: Int) -> Int {
            guard let raw = try? settingsStore.get(key.rawValue), let n = Int(raw), n >= key.leastCount ?? 0 else { return fallback }
            return n
        }
        let standard = RetentionPolicy.standard
        return RetentionPolicy(keepRegular: read(.backupKeep, standard.keepRegular),
                               keepDaily: read(.backupKeepDaily, standard.keepDaily),
                               keepWeekly: read(.backupKeepWeekly, standard.keepWeekly),
                               keepPreUpdate: read(.preUpdateKeep, standard.keepPreUpdate))
    }

    /// How many copies saved by restores to keep (`saved_keep`, default 3).
    public func savedCopiesToKeep() -> Int {
        guard let raw = try? settingsStore.get(SettingKey.savedKeep.rawValue), let n = Int(raw), n >= 1 else { return 3 }
        return n
    }

    /// How many moments fetched from the continuous replica to keep (`point_in_time_keep`, default 3).
    public func momentsToKeep() -> Int {
        guard let raw = try? settingsStore.get(SettingKey.pointInTimeKeep.rawValue), let n = Int(raw), n >= 1 else { return 3 }
        return n
    }

    /// The backup settings as they are now (only those that are set).
    func backupSettings() -> [String: String] {
        var out: [String: String] = [:]
        for key in SettingsStore.knownKeys {
            if let value = try? settingsStore.get(key), !value.isEmpty { out[key] = value }
        }
        return out
    }
}
