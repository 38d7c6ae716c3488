import ArgumentParser
import BackupEngine
import Foundation

/// `offsite push [NAME] [--timeout S]`.
struct OffsitePush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Copy a backup off-site now (default: every verified backup not pushed yet, oldest first).")

    @Argument(help: "The backup to push (see 'mr5-backup list').")
    var name: String?

    @Option(help: ArgumentHelp("Stop a push that takes longer than this many seconds (default: 30 minutes plus a second per MiB).", valueName: "seconds"))
    var timeout: Int?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be 1 second or more") }
    }

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let name = try self.name.map { try global.backupName($0) }
        let offsite = engine.offsite.limited(to: nil, cancellation: Interrupts.cancellationFlag(saying: "stopping restic..."))
        let config = try offsite.requireReady()
        if !json, name == nil {
            let pending = offsite.pendingPushes()
            print(pending.isEmpty ? "Nothing waits to be pushed." : "Pushing \(CLIFormat.count(pending.count, "backup")) to \(config.displayRepository) ...")
        }
        let results: [OffsitePushResult]
        do {
            results = try offsite.push(name: name, trigger: .cli, timeLimit: timeout.map(TimeInterval.init))
        } catch BackupError.offsitePartlyPushed(let pushed, let notPushed, let cause) where !json {
            // What went and what did not, before the one line that says why it stopped.
            print("Pushed: " + (pushed.isEmpty ? "none" : pushed.joined(separator: ", ")))
            print("Not pushed: " + notPushed.joined(separator: ", "))
            throw cause
        }
        if json { return try JSONOutput.print(results.map(OffsitePushJSON.init)) }
        for r in results {
            print(r.alreadyPushed ? "\(r.name) was already pushed as snapshot \(r.snapshot)."
                                  : "Pushed \(r.name) as snapshot \(r.snapshot): \(ByteCount.format(r.bytesAdded)) added in \(CLIFormat.seconds(r.seconds))"
                                    + (r.intoDamagedRepository ? " (the repository is damaged: this snapshot restores, but run 'mr5-backup offsite repair')." : "."))
        }
    }
}

/// `offsite list [--json] [--all-hosts]`.
struct OffsiteList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "This terminal's snapshots in the off-site repository, newest first.")

    @Flag(help: "Print as JSON.")
    var json = false

    @Flag(name: .customLong("all-hosts"), help: "Every terminal's snapshots, not only this one's.")
    var allHosts = false

    @Option(help: ArgumentHelp("Only this terminal's snapshots (its terminal_id).", valueName: "id"))
    var terminal: String?

    func validate() throws {
        if allHosts && terminal != nil { throw ValidationError("give --all-hosts or --terminal, not both") }
    }

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let snapshots = try limit.service(engine, default: 60).snapshots(allHosts: allHosts, terminal: terminal)
        if json { return try JSONOutput.print(snapshots.map(OffsiteSnapshotJSON.init)) }
        guard !snapshots.isEmpty else {
            print(allHosts ? "No snapshots in the repository." : "No snapshots of terminal \(terminal ?? engine.terminalID) (--all-hosts shows other terminals').")
            return
        }
        var rows = [["SNAPSHOT", "TIME", "TERMINAL", "KIND", "APP", "SIZE", "FROM"]]
        for s in snapshots {
            rows.append([s.shortID, CLIFormat.localTime(s.time), s.hostname, s.kind?.rawValue ?? "?", s.appVersion ?? "?",
                         s.sizeBytes.map(ByteCount.format) ?? "?", s.backupName ?? ""])
        }
        print(CLIFormat.table(rows))
    }
}

/// `offsite restore SNAPSHOT|--latest [--dry-run [--json]] [--yes]`.
struct OffsiteRestore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a snapshot from the off-site repository (it is fetched, checked like a local backup, then restored as one).",
        discussion: "On a new terminal with an empty data dir: 'offsite init' with the old repository and password, then 'offsite restore --latest --yes' creates the database.")

    @Argument(help: "The snapshot id (see 'mr5-backup offsite list').")
    var snapshot: String?

    @Flag(help: "The newest snapshot of this terminal (or of the only terminal in the repository, or of --terminal).")
    var latest = false

    @Option(help: ArgumentHelp("With --latest: the newest snapshot of this terminal id (a till recovered on a machine of another name).", valueName: "id"))
    var terminal: String?

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(name: .customLong("dry-run"), help: "Only compare the live database with the snapshot, table by table; keep nothing.")
    var dryRun = false

    @Flag(help: "With --dry-run: print the comparison as JSON.")
    var json = false

    func validate() throws {
        if (snapshot == nil) == !latest { throw ValidationError("give a snapshot id or --latest (one of them)") }
        if terminal != nil && !latest { throw ValidationError("--terminal goes with --latest") }
        if json && !dryRun { throw ValidationError("--json goes with --dry-run (the comparison)") }
    }

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        if !dryRun { try global.requireOwnerForNewDatabase() }
        let engine = try global.makeEngine()
        let offsite = limit.service(engine, default: 1800)
        if !yes && !dryRun && !Terminal.stdinIsTerminal {
            throw CLIError.usage("restore needs confirmation and there is no terminal to ask on: add --yes to confirm")
        }
        let chosen = try offsite.snapshot(snapshot, terminal: terminal)
        // A recovery: no database here before. The till it recovers is the one it becomes.
        let recovering = !FileSystem.exists(engine.layout.databasePath)
        let about = "snapshot \(chosen.shortID) of terminal \(chosen.hostname) (\(CLIFormat.localTime(chosen.time)), \(chosen.kind?.rawValue ?? "?"), \(chosen.sizeBytes.map(ByteCount.format) ?? "size unknown"))"
        if dryRun {
            let preview = try offsite.preview(chosen)
            if json { return try JSONOutput.print(RestorePreviewJSON(preview)) }
            print("Off-site \(about), fetched and checked ok.")
            RestorePreviewText.print(preview, about: "\(CLIFormat.localTime(chosen.time)), \(ByteCount.format(preview.backupSizeBytes)), checked ok",
                                     databasePath: engine.layout.databasePath)
            print("Dry run: nothing was changed.")
            return
        }
        print("Fetching off-site \(about) ...")
        let entry = try offsite.fetch(chosen, trigger: .cli)
        print("Fetched and checked ok as local backup \(entry.name).")
        try Restore.restore(engine: engine, name: entry.name, yes: yes, dryRun: false, json: false)
        if recovering, !chosen.hostname.isEmpty, chosen.hostname != engine.terminalID, TerminalID.isValid(chosen.hostname) {
            try engine.setTerminalID(chosen.hostname)
            print("This terminal now pushes as \(chosen.hostname), the terminal the snapshot came from (settings set terminal_id NAME to change it).")
        }
    }
}
