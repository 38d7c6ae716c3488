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

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let r = try limit.service(engine, default: 3600).prune(dryRun: dryRun, trigger: .cli)
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

    @Flag(name: .customLong("read-data"), help: "Read all of the data: the one check that clears a damage finding.")
    var readData = false

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        // Reading all of the data over a shop's uplink can take hours.
        let service = limit.service(engine, default: readData ? 24 * 3600 : 3600)
        print("Off-site check: " + (try service.check(subset: readData ? "100%" : subset, trigger: .cli)) + ".")
    }
}

/// `offsite repair [--yes]`: what restic 0.14 can do for a damaged repository.
struct OffsiteRepair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Repair a damaged off-site repository: rebuild its index, forget the snapshots (any terminal's) that can no longer be restored, or start a fresh repository path beside it; then push again.")

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let offsite = limit.service(engine, default: 6 * 3600)
        let config = try offsite.requireReady()
        if !yes {
            try Terminal.confirm("Repair \(config.displayRepository)? Snapshots that can no longer be restored are forgotten, whichever terminal made them",
                                 command: "offsite repair")
        }
        let r = try offsite.repair(trigger: .cli)
        print("Off-site repair: \(r.message).")
        for f in r.forgotten {
            print("Forgot snapshot \(f.snapshot) of \(f.terminal)" + (f.backupName.map { " (\($0))" } ?? ""))
        }
        for p in r.pushed where !p.alreadyPushed {
            print("Pushed \(p.name) as snapshot \(p.snapshot): \(ByteCount.format(p.bytesAdded)) added.")
        }
        if let failure = r.pushFailure {
            throw CLIError.failed("the repair is done, but pushing again stopped: \(failure)")
        }
    }
}

/// `offsite drill`: restore the newest snapshot into a temp file, check it, compare it, remove it.
struct OffsiteDrill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restore drill: fetch the newest snapshot into a temp file, check it like a backup, compare it with the local backup it came from, remove it.")

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        // Said with its reach: one snapshot restored is not the whole repository read.
        print("Restore drill: " + (try limit.service(engine, default: 1800).drill(trigger: .cli)).message
              + " (the newest snapshot only; 'mr5-backup offsite check --read-data' reads all of the data).")
    }
}

/// `offsite unlock [--all] [--yes]`: clear the locks a killed restic or a dead till left.
struct OffsiteUnlock: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Remove stale locks from the off-site repository (--all: every lock, e.g. a dead till's, which restic keeps for 30 minutes).")

    @Flag(help: "Remove every lock, also ones restic takes for live (another terminal's younger than 30 minutes).")
    var all = false

    @Flag(help: "With --all: do not ask for confirmation.")
    var yes = false

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let offsite = limit.service(engine, default: 120)
        let now = Date()
        if all {
            let locks = try offsite.locks()
            guard !locks.isEmpty else { return print("No lock in the off-site repository.") }
            for lock in locks { print("Locked by \(lock.holder(now: now))\(lock.exclusive ? " (exclusive)" : "")") }
            if !yes {
                try Terminal.confirm("Remove every lock? A restic still running elsewhere could then damage the repository",
                                     command: "offsite unlock --all")
            }
        }
        let result = try offsite.unlock(all: all)
        print("Removed \(CLIFormat.count(result.removed, all ? "lock" : "stale lock")).")
        for lock in result.remaining {
            // restic keeps another terminal's lock for 30 minutes whatever became of it.
            print("Still locked by \(lock.holder(now: now)): if \(lock.host) is gone, run 'mr5-backup offsite unlock --all'")
        }
    }
}
