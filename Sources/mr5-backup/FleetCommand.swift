import ArgumentParser
import BackupEngine
import Foundation

/// `fleet [show]|revoke|prune`: every terminal that pushes into the repository, as the
/// repository says it is.
struct FleetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Every terminal pushing into the off-site repository: its verdict, last push, size and drill, worst first.",
        discussion: """
            Exit codes (show): 0 every terminal OK, 1 a WARNING, 2 a CRITICAL, 3 UNKNOWN
            (the monitoring-plugin convention over the fleet); revoke and prune: 0 done,
            1 the repository or restic failed, 2 bad usage or input. A terminal silent for
            two of its backup intervals is WARNING, for 24 h CRITICAL (dark since ...).
            """,
        subcommands: [FleetShow.self, FleetRevoke.self, FleetPrune.self],
        defaultSubcommand: FleetShow.self)
}

/// `fleet [--json] [--metrics FILE] [--watch]`.
struct FleetShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One row per terminal, worst first, with a summary line (the default).")

    @Flag(help: "Print as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also write one Prometheus series per terminal (verdict, report and push age, lag) to this file.", valueName: "file"))
    var metrics: String?

    @Flag(help: "Tell terminal_dark and terminal_recovered through the notification targets, once per change (for cron).")
    var watch = false

    @OptionGroup var source: FleetSource

    func validate() throws {
        if watch && source.isAdmin && source.state == nil {
            throw ValidationError("--watch with --repository needs --state DIR (the alert memory and the notification targets)")
        }
    }

    func run() throws {
        let fleet: Fleet
        let opened: (reader: FleetReader, engine: BackupEngine?, memoryPath: String?)
        do {
            opened = try source.open(defaultTimeout: 120)
            fleet = try opened.reader.read()
        } catch let error as BackupError where !error.isInputError && error != .cancelled {
            // A monitor must not read "could not look" as a verdict: UNKNOWN, exit 3.
            let line = OneLine.make("UNKNOWN - could not read the fleet: " + error.description)
            if json {
                try JSONOutput.print(FleetJSON.unknown(line, detail: error.detail))
            } else {
                print(line)
            }
            throw ExitCode(Int32(HealthLevel.unknown.rawValue))
        }
        if let metrics = metrics ?? Self.rootMetricsOption() { try MetricsWriter.write(text: FleetMetrics.render(fleet), to: metrics) }
        if watch, let engine = opened.engine, let memory = opened.memoryPath {
            if FleetWatch.tell(fleet, memoryPath: memory, engine: engine) > 0 {
                NotificationRound.waitForRounds(upTo: 10)
            }
        }
        if json {
            try JSONOutput.print(FleetJSON(fleet))
        } else {
            print(fleet.level.word + " - " + fleet.summary + " | " + fleet.performanceData)
            if !fleet.rows.isEmpty { print(FleetText.table(fleet)) }
        }
        throw ExitCode(Int32(fleet.level.rawValue))
    }
}

extension FleetShow {
    /// ArgumentParser gives a parent's option wherever it appears: the console's root
    /// `--metrics` takes `fleet --metrics FILE` before this command sees it. The value is
    /// the same argument either way, read from the command line here.
    static func rootMetricsOption(_ arguments: [String] = CommandLine.arguments) -> String? {
        for (i, argument) in arguments.enumerated() {
            if argument == "--metrics", i + 1 < arguments.count { return arguments[i + 1] }
            if argument.hasPrefix("--metrics=") { return String(argument.dropFirst("--metrics=".count)) }
        }
        return nil
    }
}

/// `fleet revoke TERMINAL`.
struct FleetRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Remove a terminal's own restic key (a stolen or retired till); revoke its storage keys too (docs/operations.md).")

    @Argument(help: ArgumentHelp("The terminal id.", valueName: "terminal"))
    var terminal: String

    @OptionGroup var source: FleetSource

    func run() throws {
        let opened = try source.open(defaultTimeout: 300)
        let removed = try opened.reader.revoke(terminal: terminal)
        print("Removed \(CLIFormat.count(removed.count, "key")) of \(terminal) (\(removed.map { String($0.id.prefix(8)) }.joined(separator: ", "))): its password opens the repository no more.")
        print("A till that ran has read the repository's master key: revoke its storage keys too (its S3 key or SFTP account), see docs/operations.md, 'A stolen till'.")
    }
}

/// `fleet prune [--dry-run]`: the admin's prune when the tills' is off (`offsite_prune admin`).
struct FleetPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Forget every terminal's snapshots beyond the counts, each terminal by its own, and free their space (the admin's prune).")

    @Flag(name: .customLong("dry-run"), help: "Only say what would be forgotten.")
    var dryRun = false

    @Option(name: .customLong("keep-daily"), help: "Daily snapshots kept per terminal.") var daily = 7
    @Option(name: .customLong("keep-weekly"), help: "Weekly snapshots kept per terminal.") var weekly = 8
    @Option(name: .customLong("keep-monthly"), help: "Monthly snapshots kept per terminal.") var monthly = 12
    @Option(name: .customLong("keep-pre-update"), help: "Pre-update snapshots kept per terminal.") var preUpdate = 5

    @OptionGroup var source: FleetSource

    func run() throws {
        let opened = try source.open(defaultTimeout: 6 * 3600)
        let r = try opened.reader.prune(daily: daily, weekly: weekly, monthly: monthly, preUpdate: preUpdate, dryRun: dryRun)
        let removed = r.removed.isEmpty ? "no snapshot" : CLIFormat.count(r.removed.count, "snapshot")
        print(dryRun ? "Would forget \(removed); \(r.kept) kept (kept: \(r.rules)). Dry run: nothing was changed."
                     : "Forgot \(removed) and freed their space; \(r.kept) kept (kept: \(r.rules)).")
    }
}

/// The fleet's table: one row per terminal, worst first.
enum FleetText {
    static func table(_ fleet: Fleet) -> String {
        let now = fleet.readAt
        func ago(_ date: Date?) -> String { date.map { FleetRules.durationText(now.timeIntervalSince($0)) + " ago" } ?? "never" }
        var rows = [["TERMINAL", "VERDICT", "LAST PUSH", "CONTINUOUS", "APP", "SIZE", "ORDERS", "DRILL", "KEY", "REASON"]]
        for row in fleet.rows {
            let h = row.health
            let continuous = h?.continuousSyncAt.map { ago($0) + (h?.continuousLagSeconds.map { ", lag \($0) s" } ?? "") } ?? "-"
            let drill = h?.lastDrillAt.map { (h?.lastDrillOK == true ? "ok " : "FAILED ") + ago($0) } ?? "-"
            rows.append([row.terminal, row.level.word, ago(row.lastPushAt), continuous, h?.appVersion ?? "-",
                         h?.databaseBytes.map(ByteCount.format) ?? "-", h?.orders.map(String.init) ?? "-", drill, (row.keyID ?? "-") + (fleet.isRevoked(row) ? " revoked" : ""), row.reason])
        }
        return CLIFormat.table(rows)
    }
}
