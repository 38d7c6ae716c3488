import ArgumentParser
import BackupEngine
import DemoShop
import Foundation

/// The root command. With no subcommand it opens the console (on a terminal); with
/// `--demo` it opens the console on the demo shop, creating it first if needed.
@main
struct MR5Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mr5-backup",
        abstract: "Hot, verified backups of the mr5-pos SQLite database.",
        discussion: """
            With no subcommand, opens the administration console (needs a terminal).
            Exit codes: 0 success, 1 the operation failed, 2 bad usage or input
            ('status': 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
            """,
        version: ToolVersion.current,
        subcommands: [
            Create.self, List.self, Verify.self, Restore.self, UndoRestore.self, Delete.self, Prune.self, PreUpdate.self,
            Status.self, History.self, Settings.self, Notify.self, Offsite.self, Continuous.self, FleetCommand.self, Demo.self, Daemon.self,
        ]
    )

    @Flag(help: "Open the console on the demo shop, creating it first if it is missing ($MR5_DEMO_DIR, else ./demo-data).")
    var demo = false

    @Flag(name: .customLong("no-color"), help: "Console without colours (also when NO_COLOR is set); bold and reverse still carry meaning.")
    var noColor = false

    @Flag(help: "Console with plain ASCII lines and symbols (automatic when the locale is not UTF-8 or TERM=linux).")
    var ascii = false

    @Option(name: .customLong("metrics"),
            help: ArgumentHelp("Where the console's scheduler writes Prometheus metrics (default: <data dir>/logs/mr5_backup.prom).", valueName: "file"))
    var metricsPath: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        guard Terminal.stdinIsTerminal && Terminal.stdoutIsTerminal else {
            let hint = demo ? "; 'mr5-backup demo' only creates the demo data" : ""
            throw CLIError.usage("no terminal; use a subcommand such as 'mr5-backup status' (see --help)\(hint)")
        }
        if demo {
            let dir = DemoDirectory.resolve(explicit: global.dataDir)
            let layout = DataLayout(dataDir: dir)
            try global.actAsOwner(dataDir: dir, creating: true)
            if !FileManager.default.fileExists(atPath: layout.databasePath) {
                FileHandle.standardError.write(Data("Creating the demo shop in \(layout.dataDir) ...\n".utf8))
                _ = try DemoShop.create(at: dir)
            }
            let engine = BackupEngine(layout: layout, busyTimeoutSeconds: global.busyTimeout)
            throw ExitCode(try ConsoleLauncher.open(engine: engine, noColor: noColor, ascii: ascii, metricsPath: metricsPath))
        }
        let engine = try global.makeEngine()
        throw ExitCode(try ConsoleLauncher.open(engine: engine, noColor: noColor, ascii: ascii, metricsPath: metricsPath))
    }

    /// Parses and runs with our own error handling: one line on stderr, exit 2 for
    /// usage errors (ArgumentParser would say 64), never a Swift error dump.
    static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            Foundation.exit(ErrorExit.reportParseError(error))
        }
        var code: Int32 = 0
        do {
            var command = command
            try command.run()
        } catch {
            code = ErrorExit.report(error)
        }
        // A command that recorded an attempt delivers what waits in the outbox (the result
        // is already printed and recorded: a receiver that never answers costs it nothing).
        // Bad input (exit 2) changes no file: nothing is evaluated or delivered then.
        if command is RecordsAttempts, code != ErrorExit.usageCode, let engine = CLIContext.engine {
            engine.notifier.evaluateConditions()
            if !engine.notifier.targets().isEmpty { NotificationRound.start(engine, trigger: .cli) }
            // A few seconds at most: the rest stays in the outbox for the next round.
            NotificationRound.waitForRounds(upTo: 3)
        }
        Foundation.exit(code)
    }
}
