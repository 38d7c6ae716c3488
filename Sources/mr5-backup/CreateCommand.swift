import ArgumentParser
import BackupEngine
import Foundation

/// `create [--kind manual|scheduled] [--nice] [--json]`: a backup now.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a backup now (hot copy, verified, then retention).")

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case manual, scheduled
    }

    @Option(help: "What to record the backup as (cron jobs use 'scheduled').")
    var kind: Kind = .manual

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: ArgumentHelp("Copy politely, as the scheduler does: slower, leaving the disk to the POS's commits (for cron).",
                             discussion: "The copy is written back in small chunks, each waited for, with a pause after each, and its I/O priority is lowered."))
    var nice = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let result = try BackupRun.create(engine: engine, kind: kind == .manual ? .manual : .scheduled, appVersion: nil,
                                          pace: nice ? .polite : .full)
        try BackupRun.printCreated(result, json: json, engine: engine)
    }
}

/// What `create` and `pre-update` share.
enum BackupRun {
    static func create(engine: BackupEngine, kind: BackupKind, appVersion: String?, pace: CopyPace = .full) throws -> CreateResult {
        let bar = ProgressBar.make("Backup")
        defer { bar?.finish() }
        return try engine.createBackup(kind: kind, trigger: kind == .preUpdate ? .preUpdate : .cli, appVersion: appVersion,
                                       pace: pace, progress: bar?.handler, cancellation: Interrupts.cancellationFlag())
    }

    static func printCreated(_ result: CreateResult, json: Bool, engine: BackupEngine) throws {
        for warning in result.warnings { ErrorExit.printError("warning: \(warning)") }
        if json { return try JSONOutput.print(CreateJSON(result)) }
        let rows = result.record.tables.reduce(0) { $0 + $1.rows }
        print("Created \(result.entry.name): \(ByteCount.format(result.entry.sizeBytes)) in \(CLIFormat.seconds(result.record.durationSeconds)), verified (quick_check, SHA-256, \(CLIFormat.count(Int(rows), "row")) in \(CLIFormat.count(result.record.tables.count, "table")))")
        print("  \(result.entry.path)")
        let kept = engine.retentionPolicy().summary
        for name in result.pruned { print("Retention removed \(name) (kept: \(kept))") }
    }
}
