import ArgumentParser
import BackupEngine
import Foundation

/// `status [--json]`: one line in the monitoring-plugin convention, for Nagios, Icinga,
/// Zabbix or a technician: `OK - last backup 42m ago, 5 backups, next in 2h18m`.
/// Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (it cannot tell). Always prints on stdout.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One line of health: OK / WARNING / CRITICAL / UNKNOWN, exit 0 / 1 / 2 / 3.")

    @Flag(help: "Print the status as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let now = Date()
        let layout = global.layout()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: layout.dataDir, isDirectory: &isDir), isDir.boolValue else {
            try finish(StatusJSON(
                status: HealthLevel.unknown.word, exitCode: HealthLevel.unknown.rawValue,
                summary: "UNKNOWN - data dir not found: \(layout.dataDir) (check --data-dir or \(DataLayout.environmentVariable))",
                reasons: ["data dir not found: \(layout.dataDir)"], checkedAt: now, dataDir: layout.dataDir,
                backupCount: 0, schedulerRunning: false))
        }
        let engine = BackupEngine(layout: layout, busyTimeoutSeconds: global.busyTimeout)
        let snapshot = SchedulerStateFile.activeSnapshot(layout: layout, now: now)
        let report = HealthEvaluator.evaluate(engine: engine, snapshot: snapshot, now: now)
        let backups = engine.listBackups().filter { $0.kind != .legacySQL }
        let newest = backups.first
        let frequency = try? engine.frequency()
        let next = HealthEvaluator.nextRun(engine: engine, snapshot: snapshot)

        var parts: [String] = []
        let reasons = report.reasons.joined(separator: "; ")
        if !reasons.isEmpty { parts.append(reasons) }
        if let newest {
            // A reason may already say "last successful backup 21s ago": say it once.
            let age = CLIFormat.duration(now.timeIntervalSince(newest.createdAt))
            if !reasons.contains("last successful backup \(age) ago") { parts.append("last backup \(age) ago") }
            // The same count as `list`'s restorable backups (legacy .sql files left out).
            parts.append(CLIFormat.count(backups.count, "backup"))
        } else {
            parts.append("no backups on disk")
        }
        if frequency == .off {
            parts.append("schedule off")
        } else if let next {
            let when = next > now ? "next in \(CLIFormat.duration(next.timeIntervalSince(now)))"
                                  : "next overdue by \(CLIFormat.duration(now.timeIntervalSince(next)))"
            parts.append(snapshot == nil ? "\(when.replacingOccurrences(of: "next", with: "next due")) (no scheduler running)" : when)
        } else if snapshot == nil {
            parts.append("no scheduler running")
        }
        let summary = "\(report.level.word) - " + parts.joined(separator: ", ")
        try finish(StatusJSON(
            status: report.level.word, exitCode: report.level.rawValue, summary: summary, reasons: report.reasons,
            checkedAt: now, dataDir: layout.dataDir, backupCount: backups.count, lastBackupName: newest?.name,
            lastBackupAt: newest?.createdAt, frequency: frequency?.settingValue, nextBackupAt: next,
            schedulerRunning: snapshot != nil, schedulerPid: snapshot?.ownerPid))
    }

    private func finish(_ status: StatusJSON) throws -> Never {
        if json { try JSONOutput.print(status) } else { print(status.summary) }
        throw ExitCode(Int32(status.exitCode))
    }
}
