import Foundation

/// Backup settings (`backup_frequency`, `last_backup`, retention counts).
///
/// They live in the POS app's own `settings` table (`key, value, type, category`) when the
/// database has one, so the app's settings screen and ours agree. Otherwise they live in
/// `backups/.meta/settings.json`: we never create tables in the POS database.
struct SettingsStore {
    let layout: DataLayout
    var busyTimeoutMs: Int32 = 5_000

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
        if FileSystem.exists(layout.databasePath) {
            let db = try SQLiteConnection(path: layout.databasePath, mode: LiveDatabaseAccess.readMode(layout.databasePath),
                                          busyTimeoutMs: busyTimeoutMs)
            if try appTableColumns(db) != nil {
                return try db.optionalText("SELECT value FROM settings WHERE key = ?", [.text(key)])
            }
        }
        return fileSettings()[key]
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
