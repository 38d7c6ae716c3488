import Foundation

extension BackupEngine {
    /// The schedule. A missing setting means every 3 hours; an unreadable one is reported.
    public func frequency() throws -> BackupFrequency {
        guard let raw = try settingsStore.get("backup_frequency"), !raw.isEmpty else { return .defaultFrequency }
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
            try settingsStore.set("backup_frequency", value.settingValue)
            record(run.entry(outcome: .success, durationSeconds: 0, message: "backup_frequency = \(value.settingValue)"))
            logger.info("Backup frequency set to \(value.settingValue)")
            return value
        }
    }

    /// A raw setting (`backup_frequency`, `last_backup`, `backup_keep`, `pre_update_keep`).
    public func setting(_ key: String) throws -> String? {
        guard SettingsStore.knownKeys.contains(key) else {
            throw BackupError.unknownSetting(key: key, known: SettingsStore.knownKeys.sorted())
        }
        try requireDatabaseFile()
        return try settingsStore.get(key)
    }

    /// The settings a person may change (the rest are written by the engine).
    public static let writableSettings = ["backup_frequency", "backup_keep", "pre_update_keep", "scheduler_expected"]

    /// Whether a scheduler (daemon or console) is expected to run: `false` for shops that
    /// run `create` from cron, where "no scheduler running" is no warning. Default true.
    public func schedulerExpected() -> Bool {
        guard let raw = try? settingsStore.get("scheduler_expected") else { return true }
        return raw.lowercased() != "false"
    }

    /// Sets `scheduler_expected` (`true` or `false`).
    @discardableResult
    public func setSchedulerExpected(_ text: String) throws -> Bool {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard value == "true" || value == "false" else {
            throw BackupError.invalidSetting(key: "scheduler_expected", value: text, reason: "use true or false")
        }
        try requireDatabaseFile()
        try requireSettingsWritable()
        try settingsStore.set("scheduler_expected", value)
        return value == "true"
    }

    /// Sets a retention count (`backup_keep`, `pre_update_keep`).
    public func setRetention(_ key: String, _ value: Int) throws {
        guard key == "backup_keep" || key == "pre_update_keep" else {
            throw BackupError.settingNotWritable(key: key, writable: Self.writableSettings)
        }
        guard (1...1000).contains(value) else {
            throw BackupError.invalidSetting(key: key, value: String(value), reason: "keep between 1 and 1000 backups")
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

    /// Retention counts from the settings, 5 and 5 when unset.
    public func retentionPolicy() -> RetentionPolicy {
        func read(_ key: String) -> Int {
            guard let raw = try? settingsStore.get(key), let n = Int(raw), n >= 1 else { return 5 }
            return n
        }
        return RetentionPolicy(keepRegular: read("backup_keep"), keepPreUpdate: read("pre_update_keep"))
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
