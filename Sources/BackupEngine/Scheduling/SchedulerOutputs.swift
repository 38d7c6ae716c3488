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

    func writeMetricsIfDirty(_ s: SchedulerSnapshot, now: Date) {
        guard metricsDirty else { return }
        metricsDirty = false
        guard let metricsPath else { return }
        let metrics = BackupMetrics.collect(engine: engine, snapshot: s, now: now)
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
