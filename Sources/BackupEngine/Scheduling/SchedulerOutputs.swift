import Foundation

/// What the active scheduler writes for others to read: the state file (for followers and
/// `status`) and the Prometheus metrics. A write that fails is logged once, and once more
/// when it works again, never on every tick. Owned by the scheduler thread.
final class SchedulerOutputs {
    let engine: BackupEngine
    let metricsPath: String?
    var stateFileProblem: String?
    var metricsProblem: String?
    /// Set when something the metrics show changed; cleared when they are written.
    var metricsDirty = false
    /// What was written last (its written time left out), and when (monotonic seconds).
    private var lastMetrics: BackupMetrics?
    private var lastMetricsWrite: Double?

    init(engine: BackupEngine, metricsPath: String?) {
        self.engine = engine
        self.metricsPath = metricsPath
    }

    func writeStateFile(_ s: SchedulerSnapshot) {
        let problem = attempt("cannot write the scheduler state file") {
            try SchedulerStateFile.write(s, to: engine.layout.schedulerStatePath)
        }
        report(problem, previous: &stateFileProblem, recovered: "Scheduler state file written again")
    }

    /// Collects the metrics and writes them when anything in them changed (the health
    /// verdict included: a database moved away shows at the next tick, not at the next
    /// attempt), when `metricsDirty`, or when `refresh` seconds passed since the last write.
    func writeMetrics(_ s: SchedulerSnapshot, now: Date, monotonic: Double, refresh: TimeInterval) {
        guard let metricsPath else { metricsDirty = false; return }
        var metrics = BackupMetrics.collect(engine: engine, snapshot: s, now: now)
        let due = lastMetricsWrite.map { monotonic - $0 >= refresh } ?? true
        guard metricsDirty || due || metrics != lastMetrics else { return }
        metricsDirty = false
        lastMetrics = metrics
        lastMetricsWrite = monotonic
        metrics.writtenTimestamp = now.timeIntervalSince1970
        let problem = attempt("cannot write metrics to \(metricsPath)") { try MetricsWriter.write(metrics, to: metricsPath) }
        report(problem, previous: &metricsProblem, recovered: "Metrics written again to \(metricsPath)")
    }

    func attempt(_ what: String, _ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(what): \(BackupError(error).description)" }
    }

    func report(_ problem: String?, previous: inout String?, recovered: String) {
        if let problem {
            if problem != previous { engine.logger.error("\(problem)") }
        } else if previous != nil {
            engine.logger.info("\(recovered)")
        }
        previous = problem
    }
}
