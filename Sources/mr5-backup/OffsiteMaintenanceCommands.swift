import ArgumentParser
import BackupEngine
import Foundation

/// `offsite prune [--dry-run]`: remote retention for this terminal's snapshots.
struct OffsitePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Forget this terminal's snapshots beyond offsite_keep_daily/weekly/monthly and free their space.")

    @Flag(name: .customLong("dry-run"), help: "Only say what would be forgotten.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let r = try engine.offsite.prune(dryRun: dryRun, trigger: .cli)
        let removed = r.removed.isEmpty ? "no snapshot" : "\(CLIFormat.count(r.removed.count, "snapshot")) (\(r.removed.joined(separator: ", ")))"
        print(dryRun ? "Would forget \(removed); \(r.kept) kept (kept: \(r.rules)). Dry run: nothing was changed."
                     : "Forgot \(removed); \(r.kept) kept (kept: \(r.rules)).")
    }
}

/// `offsite check [--read-data-subset P]`.
struct OffsiteCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the off-site repository's structure and read part of its data (restic check).")

    @Option(name: .customLong("read-data-subset"), help: ArgumentHelp("How much data to read: 5%, 1/10 or 500M (default 5%).", valueName: "subset"))
    var subset = "5%"

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        print("Off-site check: " + (try engine.offsite.check(subset: subset, trigger: .cli)) + ".")
    }
}

/// `offsite drill`: restore the newest snapshot into a temp file, check it, compare it, remove it.
struct OffsiteDrill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restore drill: fetch the newest snapshot into a temp file, check it like a backup, compare it with the local backup it came from, remove it.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        print("Restore drill: " + (try engine.offsite.drill(trigger: .cli)).message + ".")
    }
}
