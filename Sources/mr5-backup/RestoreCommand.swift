import ArgumentParser
import BackupEngine
import Foundation

/// `restore NAME|--at TIME [--yes] [--dry-run [--json]]`: put a backup, or a moment of the
/// continuous replica, back as the live database, after saying what that changes.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup, or a moment of the continuous replica, into the live database (the current one is saved first).",
        discussion: """
            Without --yes, asks on the terminal, and refuses when there is none. Restart the POS app afterwards.
            --at fetches the moment from the continuous replica, checks it like a backup and keeps it as
            backups/point-in-time/moment-<time>.db (kind point-in-time), then restores it the same way.
            """)

    @Argument(help: "The backup to restore (see 'mr5-backup list').")
    var name: String?

    @Option(help: ArgumentHelp("A moment of the continuous replica: \(MomentText.examples).", valueName: "time"))
    var at: String?

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(name: .customLong("dry-run"), help: "Only compare the live database with the backup, table by table; change nothing (with --at, the moment is fetched and kept for the restore).")
    var dryRun = false

    @Flag(help: "With --dry-run: print the comparison as JSON.")
    var json = false

    func validate() throws {
        if json && !dryRun { throw ValidationError("--json goes with --dry-run (the comparison); a restore itself prints one line a step") }
        if (name == nil) == (at == nil) { throw ValidationError("give a backup's name or --at TIME (a moment of the continuous replica), one of them") }
    }

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.requireOwnerForNewDatabase()
        let engine = try global.makeEngine()
        guard let at else {
            return try Self.restore(engine: engine, name: try global.backupName(self.name ?? ""), yes: yes, dryRun: dryRun, json: json)
        }
        let moment = try MomentText.read(at, now: Date())
        // Refused before anything is fetched when there is nobody to ask.
        if !yes && !dryRun && !json && !Terminal.stdinIsTerminal {
            throw CLIError.usage("restore needs confirmation and there is no terminal to ask on: add --yes to confirm")
        }
        let copy = try engine.continuous.keepMoment(at: moment, trigger: .cli, keepRetention: !dryRun, cancellation: Interrupts.cancellationFlag(saying: "stopping Litestream..."))
        if !json {
            let how = copy.reused ? "already fetched" : "fetched from the replica and verified"
            printSafely("The moment \(MomentText.format(copy.moment)): \(copy.entry.name), \(how).")
        }
        try Self.restore(engine: engine, name: copy.entry.name, yes: yes, dryRun: dryRun, json: json)
    }

    /// Shared with `undo-restore`.
    static func restore(engine: BackupEngine, name: String, yes: Bool, dryRun: Bool, json: Bool) throws {
        // Everything that can be refused is refused before the question.
        let entry = try engine.backup(named: name)
        guard entry.kind != .legacySQL else {
            throw BackupError.notRestorable(name: name, reason: "a PostgreSQL-era .sql file cannot be restored into SQLite")
        }
        if entry.status == .corrupt {
            throw BackupError.verificationFailed(name: name, reason: (entry.statusDetail ?? "it failed its last check") + "; restore refused, the live database is untouched")
        }
        let db = engine.layout.databasePath
        // Refused before anything is printed when there is nobody to ask.
        if !yes && !dryRun && !json && !Terminal.stdinIsTerminal {
            throw CLIError.usage("restore needs confirmation and there is no terminal to ask on: add --yes to confirm")
        }
        // What it changes, before anything does (not for a scripted --yes: counting costs a read of both).
        if dryRun || json || !yes {
            let preview = try engine.restorePreview(name: name)
            if json { return try JSONOutput.print(RestorePreviewJSON(preview)) }
            RestorePreviewText.print(preview, entry: entry, databasePath: db)
        }
        if dryRun {
            print("Dry run: nothing was changed.")
            return
        }
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
        if result.savedCurrentAs != nil { print("To undo: mr5-backup undo-restore") }
    }
}

/// `undo-restore [--yes]`: restore the copy the most recent restore saved.
struct UndoRestore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo-restore",
        abstract: "Undo the most recent restore: restore the database it saved (which saves the current one again).")

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        guard let undo = engine.undoCandidate() else { throw BackupError.nothingToUndo }
        let which = "the restore of \(undo.restored ?? "a backup") at \(CLIFormat.localTime(undo.restoredAt))"
        if let gone = undo.newestGone {
            // Not the most recent restore's copy: said first, so nobody undoes the wrong day.
            print("The copy the most recent restore saved (\(gone)) is gone; the newest one left, \(undo.copy.name), was saved by \(which).")
        } else {
            print("Undoing \(which): restoring \(undo.copy.name), the database as it was before it.")
        }
        try Restore.restore(engine: engine, name: undo.copy.name, yes: yes, dryRun: false, json: false)
    }
}

/// The preview as a person reads it: the tables that change, the sentence, the advice.
enum RestorePreviewText {
    static func print(_ p: RestorePreview, entry: BackupEntry, databasePath: String) {
        print(p, about: "\(CLIFormat.localTime(entry.createdAt)), \(ByteCount.format(p.backupSizeBytes)), \(CLIFormat.status(entry))", databasePath: databasePath)
    }

    /// `about`: when the copy was made, its size and state, as the first line says them.
    static func print(_ p: RestorePreview, about: String, databasePath: String) {
        printSafely("Restore \(p.backup) (\(about)) over \(databasePath) (\(ByteCount.format(p.liveSizeBytes)))")
        var rows = [["TABLE", "NOW", "IN BACKUP", "CHANGE", "NEWEST NOW", "NEWEST IN BACKUP"]]
        for t in p.tables {
            let change = t.changeText ?? "…"
            // A table on one side only says so, never "0" (restoring removes it, or brings it).
            rows.append(["  " + t.name, !t.inLive ? "none" : t.liveRows.map(NumberText.grouped) ?? (t.timedOut ? "…" : "-"),
                         !t.inBackup ? "none" : t.backupRows.map(NumberText.grouped) ?? (t.timedOut ? "…" : "-"), change,
                         t.liveNewest ?? "", t.backupNewest ?? ""])
        }
        printSafely(CLIFormat.table(rows))
        printSafely(p.consequence)
        printSafely(RestorePreview.restartAdvice)
    }
}
