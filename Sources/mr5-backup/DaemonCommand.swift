import ArgumentParser
import BackupEngine
import Foundation
import Logging

/// `daemon`: the scheduler without a screen, for systemd (see assets/systemd/).
struct Daemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the backup scheduler without a screen (for systemd); stops on SIGTERM or Ctrl-C.",
        discussion: "Backs up on the backup_frequency schedule (default every 3h; the first run 2 minutes after start unless the last backup is recent), retries failures after 5, 10, 20... minutes, logs to <data dir>/logs/backup.log and stderr, and writes Prometheus metrics whenever they change, at least every 5 minutes, and on stop (scheduler_running 0). Only one scheduler runs per data dir (a console counts): if another holds it, this exits with status 1.")

    @Option(name: .customLong("metrics"),
            help: ArgumentHelp("Prometheus textfile output (default: <data dir>/logs/mr5_backup.prom).", valueName: "file"))
    var metricsPath: String?

    @Flag(name: .customLong("no-metrics"), help: "Write no metrics file.")
    var noMetrics = false

    /// Tests and demos: the first run this many seconds after start instead of 2 minutes.
    @Option(name: .customLong("first-run-after"), help: .hidden)
    var firstRunAfter: Double?

    /// Tests and demos: ignore backup_frequency and run every this many seconds.
    @Option(name: .customLong("fixed-interval"), help: .hidden)
    var fixedInterval: Double?

    /// Tests: how often the scheduler looks at its inputs and the metrics, instead of 30 s.
    @Option(name: .customLong("tick"), help: .hidden)
    var tick: Double?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let layout = try global.makeEngine().layout
        try layout.ensureDirectories()
        let logPath = layout.logPath
        let logger = Logger(label: "mr5-backup") { label in
            MultiplexLogHandler([FileLogHandler(path: logPath), SafeStderrLogHandler(label: label)])
        }
        let metrics: BackupEngine.MetricsOutput = noMetrics ? .none : metricsPath.map { .file($0) } ?? .dataDir
        let engine = BackupEngine(layout: layout, logger: logger, busyTimeoutSeconds: global.busyTimeout, metrics: metrics)

        // Signal handling before the scheduler exists, so a SIGTERM during start-up still stops cleanly.
        let stopSignal = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stopSignal.signal() }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }

        var timing = SchedulerTiming.standard
        if let firstRunAfter { timing.startupDelay = max(0, firstRunAfter) }
        if let fixedInterval {
            guard fixedInterval > 0 else { throw CLIError.usage("--fixed-interval must be more than 0 seconds") }
            timing.fixedInterval = fixedInterval
        }
        if let tick {
            guard tick > 0 else { throw CLIError.usage("--tick must be more than 0 seconds") }
            timing.settingsPoll = tick
        }
        let scheduler = Scheduler(engine: engine, metricsPath: noMetrics ? nil : (metricsPath ?? layout.defaultMetricsPath),
                                  timing: timing)
        scheduler.start()
        let state = scheduler.snapshot
        switch state.activity {
        case .heldByOther:
            scheduler.stop()
            let who = state.ownerPid.map { "pid \($0)" } ?? "another process"
            let since = state.ownerSince.map { " since \(ISO8601DateFormatter().string(from: $0))" } ?? ""
            throw CLIError.failed("another scheduler is active for \(layout.dataDir) (\(who)\(since)); only one runs per data dir: stop it first, or watch it with 'mr5-backup status'")
        case .stopped:
            scheduler.stop()
            throw CLIError.failed(state.lastError ?? "the scheduler could not start")
        case .idle, .running, .disabled:
            break
        }

        stopSignal.wait()
        logger.info("Signal received: stopping the scheduler")
        scheduler.stop()
    }
}
