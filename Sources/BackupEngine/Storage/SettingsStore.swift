import Foundation

/// Backup settings (`backup_frequency`, `last_backup`, retention counts).
///
/// They live in the POS app's own `settings` table (`key, value, type, category`) when the
/// database has one, so the app's settings screen and ours agree. Otherwise they live in
/// `backups/.meta/settings.json`: we never create tables in the POS database.
///
/// Reading a setting is never the work a command was asked for, so it never waits out the
/// busy timeout: it waits `readTimeoutMs`, and while the POS holds its lock longer it
/// answers from the settings as last read (`settings-cache.json` beside our metadata).
/// Writing one waits the full busy timeout.
struct SettingsStore {
    let layout: DataLayout
    var busyTimeoutMs: Int32 = 5_000
    var readTimeoutMs: Int32 = 500

    /// Keys the engine knows; anything else is refused.
    static let knownKeys: Set<String> = Set(SettingKey.keys { $0.home == .shop })

    private func appTableColumns(_ db: SQLiteConnection) throws -> Set<String>? {
        let columns = Set(try db.texts("SELECT name FROM pragma_table_info('settings')"))
        return columns.contains("key") && columns.contains("value") ? columns : nil
    }

    /// Whether the POS database holds the settings (else the engine's own file does).
    func usesAppTable() -> Bool {
        guard let db = try? SQLiteConnection(path: layout.databasePath, mode: LiveDatabaseAccess.readMode(layout.databasePath),
                                             busyTimeoutMs: busyTimeoutMs) else { return false }
        return (try? appTableColumns(db)) != nil
    }

    func get(_ key: String) throws -> String? {
        try all().values[key]
    }

    /// Every backup setting, and whether it came from the cache (the POS held its lock).
    func all() throws -> (values: [String: String], cached: Bool) {
        guard FileSystem.exists(layout.databasePath) else { return (fileSettings(), false) }
        // Found locked a moment ago: the cache at once, rather than a wait per setting.
        if RecentLock.isRecent(layout.databasePath), let cached = cache() { return (cached, true) }
        do {
            let db = try SQLiteConnection(path: layout.databasePath, mode: LiveDatabaseAccess.readMode(layout.databasePath),
                                          busyTimeoutMs: min(readTimeoutMs, busyTimeoutMs))
            guard try appTableColumns(db) != nil else { return (fileSettings(), false) }
            let keys = Self.knownKeys.sorted()
            let marks = keys.map { _ in "?" }.joined(separator: ",")
            var values: [String: String] = [:]
            let statement = try db.prepare("SELECT key, value FROM settings WHERE key IN (\(marks))")
            try statement.bind(keys.map { .text($0) })
            while try statement.step() {
                if let key = statement.text(0), let value = statement.text(1) { values[key] = value }
            }
            return (values, false)
        } catch let e as SQLiteError where e.isBusy {
            RecentLock.note(layout.databasePath)
            guard let cached = cache() else { throw e }
            return (cached, true)
        }
    }

    /// The settings as last read from the POS database, nil when never read.
    func cache() -> [String: String]? {
        guard let data = FileSystem.readFile(layout.settingsCachePath) else { return nil }
        return try? JSONDecoder().decode([String: String].self, from: data)
    }

    /// Reads the settings and keeps them for reads while the POS holds its lock. Only work
    /// that writes anyway keeps them (a setting changed, a backup, the scheduler's round):
    /// a read-only command such as `prune --dry-run` or `status` writes nothing.
    func refreshCache() {
        guard let (values, cached) = try? all(), !cached else { return }
        keepCache(values)
    }

    /// Keeps what was read, when it changed and this user may write our metadata.
    private func keepCache(_ values: [String: String]) {
        guard cache() != values, FileSystem.isDirectory(layout.metaDir), Ownership.canWrite(layout.metaDir),
              let data = try? MetadataStore.encoder.encode(values) else { return }
        try? FileSystem.writeAtomically(data, to: layout.settingsCachePath)
    }

    func set(_ key: String, _ value: String) throws {
        if FileSystem.exists(layout.databasePath) {
            let db = try SQLiteConnection(path: layout.databasePath, mode: .readWrite, busyTimeoutMs: busyTimeoutMs)
            if let columns = try appTableColumns(db) {
                let changed = try db.run("UPDATE settings SET value = ? WHERE key = ?", [.text(value), .text(key)])
                if changed == 0 {
                    if columns.contains("type") && columns.contains("category") {
                        try db.run("INSERT INTO settings (key, value, type, category) VALUES (?, ?, 'string', 'backup')", [.text(key), .text(value)])
                    } else {
                        try db.run("INSERT INTO settings (key, value) VALUES (?, ?)", [.text(key), .text(value)])
                    }
                }
                refreshCache()
                return
            }
        }
        var all = fileSettings()
        all[key] = value
        try layout.ensureDirectories()
        let data = try MetadataStore.encoder.encode(all)
        try FileSystem.writeAtomically(data, to: layout.settingsPath)
    }

    private func fileSettings() -> [String: String] {
        guard let data = FileSystem.readFile(layout.settingsPath) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }
}
