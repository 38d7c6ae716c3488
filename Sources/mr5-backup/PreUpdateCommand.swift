import ArgumentParser
import BackupEngine
import Foundation

/// `pre-update --app-version V [--json]`: the backup the updater makes first.
struct PreUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-update",
        abstract: "Make a pre-update backup (kept in backups/pre-update/ with its own retention).")

    @Option(name: .customLong("app-version"), help: ArgumentHelp("The app version about to be replaced, e.g. 2.4.1.", valueName: "version"))
    var appVersion: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let result = try BackupRun.create(engine: engine, kind: .preUpdate, appVersion: appVersion)
        try BackupRun.printCreated(result, json: json, engine: engine)
    }
}
