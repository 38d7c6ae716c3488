import ArgumentParser
import BackupEngine
import Foundation

/// `continuous init|status|off`: every commit replicated within about a second by
/// Litestream, run by the daemon or the console.
struct Continuous: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continuous protection through Litestream: every commit copied to a replica within about a second.",
        discussion: """
            Exit codes: 0 done, 1 Litestream or the replica failed (the line says why), 2 bad usage
            or input. A running console or daemon runs Litestream; without one nothing is replicated.
            """,
        subcommands: [ContinuousInit.self, ContinuousStatusCommand.self, ContinuousDrill.self, ContinuousRestore.self, ContinuousOff.self])
}

extension ContinuousInit: RecordsAttempts {}
extension ContinuousOff: RecordsAttempts {}
extension ContinuousDrill: RecordsAttempts {}
extension ContinuousRestore: RecordsAttempts {}

/// `continuous restore --replica DIR [--terminal ID] [--at TIME] [--yes]`: a lost till
/// brought back on a new one, into an empty data dir.
struct ContinuousRestore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring a lost till back: restore its replica's newest moment (or --at TIME) as the database of an empty data dir.",
        discussion: """
            Run it on the new terminal before continuous init. The restored database is checked in full
            (integrity_check) before it is put in place. On a till that still has its database, use
            mr5-backup restore --at TIME instead.
            """)

    @Option(help: ArgumentHelp("The replica folder continuous init was given (or its <terminal>/<install id> folder).", valueName: "dir"))
    var replica: String

    @Option(help: ArgumentHelp("The terminal to bring back, when the folder holds several.", valueName: "id"))
    var terminal: String?

    @OptionGroup var login: ReplicaLogin

    @Option(help: ArgumentHelp("A moment instead of the newest: \(MomentText.examples).", valueName: "time"))
    var at: String?

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.requireOwnerForNewDatabase()
        let (environment, key) = try login.read()
        let engine = try global.makeEngine()
        let moment = try at.map { try MomentText.read($0, now: Date()) }
        let found = try engine.continuous.findReplica(in: replica, terminal: terminal)
        let which = moment.map { "the moment \(MomentText.format($0))" } ?? "the newest moment"
        if !yes {
            try Terminal.confirm("Restore \(which) of \(found.terminal) from \(found.path) as \(engine.layout.databasePath)?", command: "continuous restore")
        }
        let r = try engine.continuous.recover(from: replica, terminal: terminal, at: moment, options: login.options,
                                              environmentFile: environment, sshKey: key, hostKey: login.hostKey, trigger: .cli,
                                              cancellation: Interrupts.cancellationFlag(saying: "stopping Litestream..."))
        let rows = r.tables.reduce(0) { $0 + $1.rows }
        let orders = r.tables.first { $0.table == "orders" }.map { ", \(NumberText.grouped($0.rows)) orders" } ?? ""
        printSafely("Restored \(which) of \(r.terminal) into \(engine.layout.databasePath) in \(CLIFormat.seconds(r.durationSeconds)): \(NumberText.grouped(rows)) rows\(orders), integrity_check ok.")
        if moment == nil, let synced = r.newestSync { printSafely("The replica's newest sync was at \(MomentText.format(synced)).") }
        if !r.otherInstalls.isEmpty { printSafely("Older installs of \(r.terminal) in the folder were not used: \(r.otherInstalls.joined(separator: ", ")).") }
        // The terminal id comes back with the database's settings, unless it was the old host's name.
        let rename = engine.terminalID == r.terminal ? "" : "mr5-backup settings set terminal_id \(r.terminal), then "
        // A bucket's whole path named this install: the new one writes beside it.
        let remote = replica.hasPrefix("s3://") || replica.hasPrefix("sftp://")
        var whole = replica
        while whole.hasSuffix("/") { whole.removeLast() }
        // The folder above the till's own <terminal>/<install id>: the new install writes beside it.
        let base = !remote ? FileSystem.parent(of: FileSystem.parent(of: r.replicaPath))
            : whole.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
            + login.options.map { " --option \($0)" }.joined() + (replica.hasPrefix("s3://") ? " --env-file FILE" : " --ssh-key FILE --host-key KEY")
        printSafely("Next: start the POS app, then set continuous protection up again as \(r.terminal): \(rename)mr5-backup --data-dir \(engine.layout.dataDir) continuous init --replica \(base)")
    }
}

/// `continuous drill`: restore the newest moment and the newest backup's moment, check, compare, remove.
struct ContinuousDrill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restore drill: the replica's newest moment into a private temp file, checked (integrity_check); the newest verified backup's moment, compared table by table; both removed.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let result = try engine.continuous.drill(trigger: .cli, cancellation: Interrupts.cancellationFlag(saying: "stopping Litestream..."))
        print("Continuous restore drill: \(result.message).")
    }
}

/// `continuous init --replica DIR [--same-disk] [--switch-to-wal]`.
struct ContinuousInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set up continuous protection into a folder on another disk (a USB drive or a second disk) or an S3 bucket.")

    @Option(help: ArgumentHelp("The replica: a folder, or s3://bucket/path (this terminal writes under <terminal_id>/<install id> in it).", valueName: "replica"))
    var replica: String

    @OptionGroup var login: ReplicaLogin

    @Flag(name: .customLong("same-disk"), help: "Allow a replica folder on the data dir's own disk (to try it out: it does not survive a dead disk).")
    var sameDisk = false

    @Flag(name: .customLong("switch-to-wal"), help: "Switch a rollback-journal database to WAL first (only while no other process has it open).")
    var switchToWAL = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let (environment, key) = try login.read()
        let engine = try global.makeEngine()
        let config = try engine.continuous.setUp(replica: replica, options: login.options, environmentFile: environment, sshKey: key, hostKey: login.hostKey,
                                                 allowSameDisk: sameDisk, switchToWAL: switchToWAL, trigger: .cli)
        printSafely("Continuous protection set up: \(engine.layout.databasePath) is replicated to \(config.displayReplica) (window \(config.keep) days).")
        if config.address?.isFolder == false {
            printSafely("Keep this path for a recovery on a new till: \(config.displayReplica)")
            print(config.replica.hasPrefix("s3://")
                  ? "Litestream 0.5 does not encrypt its replicas: ask the bucket to (--option sse-kms-key-id=ID, or the bucket's default encryption)."
                  : "Litestream 0.5 does not encrypt its replicas: they travel over SSH, and rest on the server as they are.")
        } else {
            print("Litestream 0.5 does not encrypt its replicas: keep the drive where the till is kept safe.")
        }
        print("The running console or daemon replicates every commit within about a second; start one if none runs.")
    }
}

/// `continuous status [--json]`.
struct ContinuousStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The replica, whether Litestream runs, the last sync, the lag and the window.")

    @Flag(help: "Print as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let s = engine.continuous.status()
        let now = Date()
        if json { return try JSONOutput.print(ContinuousStatusJSON(s)) }
        guard let config = s.config else {
            print("Continuous protection: not set up (mr5-backup continuous init --replica DIR)")
            return
        }
        printSafely("Continuous protection: \(config.displayReplica) (terminal \(config.terminal))")
        if !s.installed { print(BackupError.continuousNotInstalled.description) }
        print("Litestream: " + (s.running ? "running (pid \(s.state.pid ?? 0)) since \(s.state.startedAt.map(CLIFormat.localTime) ?? "?")"
                                          : "not running" + (s.state.lastProblem.map { ": \($0)" } ?? " (it runs under the daemon or the console)")))
        print("Last sync: " + (s.lastSyncAt.map { "\(CLIFormat.localTime($0)) (\(CLIFormat.duration(now.timeIntervalSince($0))) ago)" } ?? "none yet"))
        print("Lag: " + (s.lag.map { "\(Int($0)) s" } ?? "unknown"))
        print("Window: " + (s.windowStart.map { "from \(CLIFormat.localTime($0)), kept \(config.keep) days" } ?? "none yet"))
        if let problem = s.problem { print("NOT REPLICATING: \(problem)") }
        if s.state.restarts > 0 { print("Restarted \(CLIFormat.count(s.state.restarts, "time")); last: \(s.state.lastProblem ?? "?")") }
        print("Last restore drill: " + (s.state.lastDrill.map { "\($0.ok ? "ok" : "FAILED") \(CLIFormat.duration(now.timeIntervalSince($0.at))) ago: \($0.message)" } ?? "none yet"))
    }
}

/// `continuous off`.
struct ContinuousOff: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "off", abstract: "Stop continuous protection (the replica is left as it is).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let config = try engine.continuous.turnOff(trigger: .cli)
        printSafely("Continuous protection is off; the replica in \(config.displayReplica) is left as it is.")
    }
}

/// `continuous status --json`.
struct ContinuousStatusJSON: Encodable {
    var configured: Bool
    var replicaPath: String?
    var terminal: String?
    var installed: Bool
    var running: Bool
    var pid: Int32?
    var startedAt: Date?
    var lastSyncAt: Date?
    var lagSeconds: Int?
    var windowStart: Date?
    var keepDays: Int?
    var restarts: Int
    var lastProblem: String?

    init(_ s: ContinuousStatus) {
        configured = s.config != nil; replicaPath = s.config?.displayReplica; terminal = s.config?.terminal
        installed = s.installed; running = s.running; pid = s.running ? s.state.pid : nil; startedAt = s.state.startedAt
        lastSyncAt = s.lastSyncAt; lagSeconds = s.lag.map { Int($0) }; windowStart = s.windowStart; keepDays = s.config?.keep
        restarts = s.state.restarts; lastProblem = s.state.lastProblem
    }
}
