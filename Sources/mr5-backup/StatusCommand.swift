import ArgumentParser
import BackupEngine
import Foundation

/// `status [--json]`: one line in the monitoring-plugin convention, for Nagios, Icinga,
/// Zabbix or a technician: `OK - last backup 42m ago, 5 backups, next in 2h18m`.
/// Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (it cannot tell). Always prints on stdout.
/// The running status command's deadline (one command per process).
nonisolated(unsafe) private var deadline: CommandDeadline?

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One line of health: OK / WARNING / CRITICAL / UNKNOWN, exit 0 / 1 / 2 / 3.")

    @Flag(help: "Print the status as JSON.")
    var json = false

    @Flag(name: .customLong("check-live"),
          help: ArgumentHelp("Run quick_check on the live database now and keep the result.",
                             discussion: "It reads every page. In rollback-journal mode it holds a read lock for as long as that takes, so the POS app's writes wait until it finishes; in WAL mode they go on."))
    var checkLive = false

    @Option(help: ArgumentHelp("Seconds the whole command may take (1-7200; default 8, with --check-live 3600).",
                               discussion: "Past it, status answers UNKNOWN naming what it was still reading (a monitoring agent's own limit is usually 10 s; --check-live reads every page of the database)."))
    var timeout: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let timeout, !(1...7200).contains(timeout) { throw ValidationError("--timeout must be between 1 and 7200 seconds, not \(timeout)") }
    }

    func run() throws {
        let now = Date()
        let given = global.layout()
        let json = self.json
        // A full check reads every page: 4 GiB take some 12 s here, minutes on a slow disk.
        let seconds = timeout ?? (checkLive ? 3600 : 8)
        deadline = CommandDeadline(seconds: seconds) { waitingFor in
            let reason = "status did not finish within \(seconds) s: still reading \(waitingFor)"
            Self.emit(Self.unknownJSON(reason, at: now, dataDir: given.dataDir, countsKnown: false), json: json)
            Glibc.exit(Int32(HealthLevel.unknown.rawValue))
        }
        // A folder above the data dir closed to this user is not "not found": nothing is known.
        let there: Bool
        do { there = try FileSystem.lookup(given.dataDir) != nil } catch {
            try finishUnknown(BackupError(error).description, at: now, dataDir: given.dataDir, countsKnown: false)
        }
        // isDirectory follows a data dir that is a symlink to its folder.
        guard there, FileSystem.isDirectory(given.dataDir) else {
            try finishUnknown("data dir not found: \(given.dataDir)", hint: " (check --data-dir or \(DataLayout.environmentVariable))",
                              at: now, dataDir: given.dataDir, countsKnown: true)
        }
        let layout: DataLayout
        do {
            try global.actAsOwner()
            layout = try given.resolvingDatabaseLink()
        } catch {
            try finishUnknown(BackupError(error).description, at: now, dataDir: given.dataDir, countsKnown: false)
        }
        let engine = BackupEngine(layout: layout, busyTimeoutSeconds: global.busyTimeout)
        if checkLive {
            deadline?.at("the live database (--check-live reads every page)")
            _ = engine.checkLiveDatabase(full: true)
        }
        deadline?.at("the scheduler's state")
        let snapshot = SchedulerStateFile.activeSnapshot(layout: layout, now: now)
        let report = HealthEvaluator.evaluate(engine: engine, snapshot: snapshot, now: now) { deadline?.at($0) }
        deadline?.at("the backups folder")
        let all = engine.listBackups().filter(\.kind.isBackup)
        // "Backups" are restorable ones, everywhere; corrupt ones are said in the reasons.
        let backups = all.filter(\.isRestorable)
        let newest = backups.first
        let live = engine.checkLiveDatabase(full: false)
        let lastCheck = engine.lastLiveCheck()
        let frequency = live.isLost ? nil : try? engine.frequency()
        let next = HealthEvaluator.nextRun(engine: engine, snapshot: snapshot)
        // A backup folder this user cannot open (a monitor running as another user): the
        // counts and the scheduler's lock (kept in backups/) are unknown, not zero or absent.
        let closed = engine.unreadableBackupFolder() != nil
        // The history and the notification outbox are in logs/: closed, their counts are unknown too.
        let historyClosed = engine.unreadableHistoryFolder() != nil

        var parts: [String] = []
        let reasons = report.reasons.joined(separator: "; ")
        if !reasons.isEmpty { parts.append(reasons) }
        if let newest {
            // An overdue or schedule-off finding already says how long ago: say it once.
            let age = CLIFormat.duration(now.timeIntervalSince(newest.createdAt))
            if !report.has(.backupOverdue) && !report.has(.scheduleOff) { parts.append("last backup \(age) ago") }
            if !closed { parts.append(CLIFormat.count(backups.count, "backup")) }
        } else if !closed {
            parts.append("no backups on disk")
        }
        if frequency == .off {
            parts.append("schedule off")
        } else if let next {
            let when = next > now ? "next in \(CLIFormat.duration(next.timeIntervalSince(now)))"
                                  : "next overdue by \(CLIFormat.duration(now.timeIntervalSince(next)))"
            // Not from a running scheduler: "next due in", judged from the history ("next overdue by" stays).
            let due = next > now ? "next due in \(CLIFormat.duration(next.timeIntervalSince(now)))" : when
            // A finding may already say "no scheduler running": say it once.
            let why = closed ? " (scheduler unknown)" : report.has(.schedulerStopped) ? "" : " (no scheduler running)"
            parts.append(snapshot != nil ? when : due + why)
        } else if snapshot == nil && !closed && !report.has(.schedulerStopped) {
            parts.append("no scheduler running")
        }
        // Continuous protection, when set up: how far the replica is behind, in the line
        // and the perf data (thresholds: continuous_lag_warning and continuous_lag_critical).
        let continuous = engine.continuous.status()
        let lag = continuous.config == nil ? nil : Optional(continuous.lag.map { Int($0) })
        if let lag { parts.append(lag.map { "replica \($0) s behind" } ?? "replica lag unknown") }
        let text = OneLine.make("\(report.level.word) - " + parts.joined(separator: ", "))
        var perf = performanceData(newest: newest, now: now, frequency: frequency, count: closed ? nil : backups.count,
                                   failures: historyClosed ? nil : BackupHistorySummary(history: engine.history()).consecutiveFailures)
        if let lag, let config = continuous.config {
            perf += " lag=\(lag.map { "\($0)s" } ?? "U");\(Int(config.lagWarning));\(Int(config.lagCritical));0"
        }
        var detail: String?
        if case .damaged(let findings) = live { detail = findings.detail }
        if detail == nil, case .damaged(let findings)? = lastCheck?.state { detail = findings.detail }
        try finish(StatusJSON(
            status: report.level.word, exitCode: report.level.rawValue, summary: text + " | " + perf, reasons: report.reasons,
            findings: report.findings.map(FindingJSON.init),
            checkedAt: now, dataDir: layout.dataDir, backupCount: closed ? nil : backups.count, lastBackupName: newest?.name,
            lastBackupAt: newest?.createdAt, frequency: frequency?.settingValue, nextBackupAt: next,
            schedulerRunning: closed && snapshot == nil ? nil : snapshot != nil, schedulerPid: snapshot?.ownerPid,
            liveDatabase: live.name, lastLiveCheckAt: lastCheck?.checkedAt, lastLiveCheckState: lastCheck?.state.name,
            corruptBackupCount: closed ? nil : all.filter { $0.status == .corrupt }.count, detail: detail, performanceData: perf,
            notifyPending: historyClosed ? nil : engine.notifier.pendingCount(), lastNotification: engine.notifier.lastDelivery().map(NotifyResultJSON.init),
            offsite: engine.offsite.config() == nil ? nil : OffsiteStatusJSON(engine.offsite.status(entries: all), now: now),
            continuous: continuous.config == nil ? nil : ContinuousStatusJSON(continuous)))
    }

    /// Nagios performance data: `age=4740s;16200;21600;0 backups=7;;;0 failures=0;1;3;0 size=21852160B`
    /// (age thresholds are the WARNING and CRITICAL ages: 1.5x and 2x the interval). A
    /// value that cannot be known (`count` nil: the folder cannot be read) is `U`, the
    /// plugin convention for "undetermined".
    private func performanceData(newest: BackupEntry?, now: Date, frequency: BackupFrequency?, count: Int?, failures: Int?) -> String {
        let interval = frequency?.interval
        let warn = interval.map { String(Int(1.5 * $0)) } ?? ""
        let crit = interval.map { String(Int(2 * $0)) } ?? ""
        let age = newest.map { String(max(0, Int(now.timeIntervalSince($0.createdAt)))) + "s" } ?? "U"
        let size = newest.map { "\($0.sizeBytes)B" } ?? (count == nil ? "U" : "0B")
        return "age=\(age);\(warn);\(crit);0 backups=\(count.map(String.init) ?? "U");;;0 failures=\(failures.map(String.init) ?? "U");1;3;0 size=\(size)"
    }

    /// UNKNOWN before the data dir could be opened. A data dir that is not there has no
    /// backups and no scheduler (`countsKnown`); one behind a closed folder says nothing.
    private func finishUnknown(_ reason: String, hint: String = "", at now: Date, dataDir: String, countsKnown: Bool) throws -> Never {
        try finish(Self.unknownJSON(reason, hint: hint, at: now, dataDir: dataDir, countsKnown: countsKnown))
    }

    private static func unknownJSON(_ reason: String, hint: String = "", at now: Date, dataDir: String, countsKnown: Bool) -> StatusJSON {
        StatusJSON(
            status: HealthLevel.unknown.word, exitCode: HealthLevel.unknown.rawValue, summary: OneLine.make("UNKNOWN - " + reason + hint),
            reasons: [reason], findings: [FindingJSON(HealthFinding(.unknown, .unreadable, reason, path: dataDir))], checkedAt: now, dataDir: dataDir, backupCount: countsKnown ? 0 : nil,
            schedulerRunning: countsKnown ? false : nil, corruptBackupCount: countsKnown ? 0 : nil, notifyPending: countsKnown ? 0 : nil)
    }

    private func finish(_ status: StatusJSON) throws -> Never {
        // The deadline spoke first: it is exiting the process; say nothing more.
        if let deadline, !deadline.claimOutput() { while true { pause() } }
        Self.emit(status, json: json)
        throw ExitCode(Int32(status.exitCode))
    }

    private static func emit(_ status: StatusJSON, json: Bool) {
        if json { try? JSONOutput.print(status) } else { print(status.summary) }
        fflush(nil)
    }
}
