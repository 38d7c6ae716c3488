import ArgumentParser
import BackupEngine
import Foundation

/// `prune [--keep N] [--dry-run]`: apply retention now.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply retention: delete the oldest backups beyond the counts to keep.",
        discussion: """
            Scheduled and manual backups share one count (setting backup_keep, 5 by default);
            pre-update backups have their own (pre_update_keep, 5). The newest verified backup
            always stays; legacy .sql files are never pruned.
            """)

    // .unconditional: "--keep -1" must reach validate() (a clear refusal), not read as a missing value.
    @Option(parsing: .unconditional, help: ArgumentHelp("Scheduled and manual backups to keep (default: the backup_keep setting).", valueName: "n"))
    var keep: Int?

    @Option(name: .customLong("keep-pre-update"), parsing: .unconditional,
            help: ArgumentHelp("Pre-update backups to keep (default: the pre_update_keep setting).", valueName: "n"))
    var keepPreUpdate: Int?

    @Flag(name: .customLong("dry-run"), help: "Only say what would be deleted.")
    var dryRun = false

    @Flag(help: "Print what is kept (with the rules that keep it) and what is removed, as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        for value in [keep, keepPreUpdate].compactMap({ $0 }) where value < 1 {
            throw ValidationError("keep at least 1 backup (--keep and --keep-pre-update must be 1 or more, not \(value))")
        }
    }

    func run() throws {
        let engine = try global.makeEngine()
        var policy = engine.retentionPolicy()
        if let keep { policy.keepRegular = keep }
        if let keepPreUpdate { policy.keepPreUpdate = keepPreUpdate }
        let result = try engine.prune(policy: policy, dryRun: dryRun, trigger: .cli)
        if json {
            return try JSONOutput.print(PruneJSON(
                dryRun: dryRun,
                keep: result.decisions.filter(\.keep).map { .init(name: $0.entry.name, reasons: $0.reasons.map(\.rawValue)) },
                remove: result.decisions.filter { !$0.keep }.map { .init(name: $0.entry.name, sizeBytes: $0.entry.sizeBytes) }))
        }
        let rule = "keeping \(policy.summary), \(policy.keepPreUpdate) pre-update"
        guard !result.deleted.isEmpty else {
            print("Nothing to prune (\(rule); \(CLIFormat.count(result.kept.filter(\.kind.isBackup).count, "backup")) kept).")
            return
        }
        let freed = result.deleted.reduce(0) { $0 + $1.sizeBytes }
        let count = CLIFormat.count(result.deleted.count, "backup")
        print(dryRun ? "Would delete \(count) (\(ByteCount.format(freed))), \(rule):"
                     : "Deleted \(count) (\(ByteCount.format(freed)) freed), \(rule):")
        print(CLIFormat.table(result.deleted.map { ["  " + $0.name, CLIFormat.localTime($0.createdAt), ByteCount.format($0.sizeBytes)] }))
        print("\(CLIFormat.count(result.kept.filter(\.kind.isBackup).count, "backup")) kept:")
        print(CLIFormat.table(result.decisions.filter(\.keep).map { ["  " + $0.entry.name, $0.reasons.map(\.rawValue).joined(separator: ", ")] }))
    }
}
