import ArgumentParser
import BackupEngine
import Foundation

/// `list [--json]`: the backups, newest first.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the backups, newest first: created (local time), kind, size, verification, name.")

    @Flag(help: "Print the list as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        if let closed = engine.unreadableBackupFolder() { throw closed }
        let entries = engine.listBackups()
        if json {
            return try JSONOutput.print(ListJSON(dataDir: engine.layout.dataDir, backups: entries.map(BackupJSON.init)))
        }
        guard !entries.isEmpty else {
            print("No backups yet in \(engine.layout.backupsDir) (make one with 'mr5-backup create')")
            return
        }
        var rows = [["CREATED (\(CLIFormat.zoneNow))", "KIND", "SIZE", "STATUS", "NAME"]]
        for e in entries {
            rows.append([CLIFormat.localTime(e.createdAt), CLIFormat.kind(e.kind), ByteCount.format(e.sizeBytes),
                         CLIFormat.status(e), e.name])
        }
        print(CLIFormat.table(rows))
        let total = entries.reduce(0) { $0 + $1.sizeBytes }
        // Counted like `status` counts: a legacy .sql file is listed but is not a backup we can restore.
        // "Backups" are what `status` counts: restorable backups; the rest are said apart.
        let backups = entries.filter { $0.kind.isBackup && $0.isRestorable }.count
        var others: [String] = []
        let legacy = entries.filter { $0.kind == .legacySQL }.count
        let corrupt = entries.filter { $0.kind.isBackup && !$0.isRestorable }.count
        let saved = entries.filter { $0.kind == .savedBeforeRestore }.count
        if corrupt > 0 { others.append("\(corrupt) corrupt") }
        if saved > 0 { others.append("\(saved) saved before restore") }
        let moments = entries.filter { $0.kind == .pointInTime }.count
        if moments > 0 { others.append(CLIFormat.count(moments, "moment")) }
        if legacy > 0 { others.append("\(legacy) legacy .sql") }
        let counted = CLIFormat.count(backups, "backup") + (others.isEmpty ? "" : " + " + others.joined(separator: " + "))
        print("\(counted), \(ByteCount.format(total)) in \(engine.layout.backupsDir)")
        for e in entries where e.status == .corrupt {
            print("\(e.name): \(e.statusDetail ?? "failed verification")")
        }
    }
}
