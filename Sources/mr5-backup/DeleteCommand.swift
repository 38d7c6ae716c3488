import ArgumentParser
import BackupEngine
import Foundation

/// `delete NAME [--yes] [--force]`: remove one backup.
struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete one backup.",
        discussion: "Without --yes, asks on the terminal, and refuses when there is none. The newest verified backup needs --force.")

    @Argument(help: "The backup to delete (see 'mr5-backup list').")
    var name: String

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(help: "Allow deleting the newest verified backup.")
    var force = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let name = try global.backupName(self.name)
        let entry = try engine.backup(named: name)
        let isLastGood = engine.newestVerified(in: engine.listBackups())?.name == name
        if isLastGood && !force { throw BackupError.lastGoodBackup(name: name) }
        if !yes {
            let warning = isLastGood ? " It is the newest verified backup." : ""
            try Terminal.confirm("Delete \(name) (\(CLIFormat.localTime(entry.createdAt)), \(ByteCount.format(entry.sizeBytes)))? This cannot be undone.\(warning)",
                                 command: "delete")
        }
        let deleted = try engine.delete(name: name, force: force, trigger: .cli)
        print("Deleted \(deleted.name) (\(ByteCount.format(deleted.sizeBytes)) freed).")
    }
}
