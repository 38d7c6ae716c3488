import ArgumentParser
import BackupEngine
import Foundation

/// `restore NAME [--yes]`: put a backup back as the live database.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup into the live database (the current one is saved first).",
        discussion: "Without --yes, asks on the terminal, and refuses when there is none. Restart the POS app afterwards.")

    @Argument(help: "The backup to restore (see 'mr5-backup list').")
    var name: String

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let name = try global.backupName(self.name)
        // Everything that can be refused is refused before the question.
        let entry = try engine.backup(named: name)
        guard entry.kind != .legacySQL else {
            throw BackupError.notRestorable(name: name, reason: "a PostgreSQL-era .sql file cannot be restored into SQLite")
        }
        if entry.status == .corrupt {
            throw BackupError.verificationFailed(name: name, reason: (entry.statusDetail ?? "it failed its last check") + "; restore refused, the live database is untouched")
        }
        let db = engine.layout.databasePath
        if !yes {
            let saved = FileManager.default.fileExists(atPath: db)
                ? "The current database will first be saved as \((db as NSString).lastPathComponent).corrupted.<time>."
                : "There is no database there now."
            try Terminal.confirm("Restore \(name) (\(CLIFormat.localTime(entry.createdAt)), \(ByteCount.format(entry.sizeBytes)), \(CLIFormat.status(entry))) over \(db)? \(saved)",
                                 command: "restore")
        }
        let bar = ProgressBar.make("Restore")
        let result: RestoreResult
        do {
            result = try engine.restore(name: name, trigger: .cli, progress: bar?.handler)
            bar?.finish()
        } catch {
            bar?.finish()
            throw error
        }
        print("Restored \(name) into \(db) in \(CLIFormat.seconds(result.durationSeconds)).")
        if let saved = result.savedCurrentAs { print("The previous database is saved as \(saved).") }
        print("Restart the POS app now so that it reopens the database.")
    }
}
