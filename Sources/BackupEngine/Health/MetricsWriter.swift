import Foundation

/// Writes `BackupMetrics` in the Prometheus text format for node_exporter's textfile
/// collector: `# HELP` and `# TYPE` before each metric, written atomically (temp file +
/// rename in the same folder) so the collector never reads half a file. The temp file's
/// name does not end in `.prom`, so the collector never picks it up mid-write.
public enum MetricsWriter {
    /// The file text, one metric per line.
    public static func render(_ m: BackupMetrics) -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: String, labels: String = "") {
            out += "# HELP mr5_backup_\(name) \(help)\n# TYPE mr5_backup_\(name) \(type)\nmr5_backup_\(name)\(labels) \(value)\n"
        }
        func number(_ d: Double) -> String {
            d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.3f", d)
        }
        metric("last_success_timestamp_seconds", "gauge", "Unix time the last successful backup started (0: none).", number(m.lastSuccessTimestamp))
        metric("last_attempt_timestamp_seconds", "gauge", "Unix time the last backup attempt started (0: none).", number(m.lastAttemptTimestamp))
        metric("last_attempt_success", "gauge", "1 if the last backup attempt succeeded, else 0.", String(m.lastAttemptSuccess))
        metric("consecutive_failures", "gauge", "Backup attempts failed in a row since the last success.", String(m.consecutiveFailures))
        metric("failures_total", "counter", "Failed backup attempts recorded in the history.", String(m.failuresTotal))
        metric("last_size_bytes", "gauge", "Size of the last successful backup in bytes.", String(m.lastSizeBytes))
        metric("last_duration_seconds", "gauge", "Duration of the last successful backup in seconds.", String(format: "%.3f", m.lastDurationSeconds))
        metric("count", "gauge", "Backups in the backup folders (all kinds).", String(m.backupCount))
        metric("total_bytes", "gauge", "Bytes used by all backups.", String(m.totalBytes))
        metric("filesystem_free_bytes", "gauge", "Free bytes on the filesystem holding the backups.", String(m.filesystemFreeBytes))
        metric("next_run_timestamp_seconds", "gauge", "Unix time of the next scheduled backup (0: off or unknown).", number(m.nextRunTimestamp))
        metric("health", "gauge", "Backup health: 0 ok, 1 warning, 2 critical, 3 unknown.", String(m.health.rawValue))
        metric("live_database_state", "gauge", "Live database: 0 ok, 1 missing, 2 empty, 3 not a database, 4 damaged, 5 locked, 6 hot journal, 7 unreadable.", String(m.liveDatabaseState))
        metric("scheduler_running", "gauge", "1 if a console or daemon runs the schedule for this data dir, else 0.", String(m.schedulerRunning))
        metric("corrupt_backups", "gauge", "Backups on disk that failed a check.", String(m.corruptBackups))
        metric("last_live_check_timestamp_seconds", "gauge", "Unix time of the last full check of the live database (0: never).", number(m.lastLiveCheckTimestamp))
        metric("notify_pending", "gauge", "Notifications waiting in the outbox.", String(m.notifyPending))
        metric("notify_last_success", "gauge", "1 if the last notification was delivered, 0 if it failed, -1 if none was sent.", String(m.notifyLastOK))
        metric("offsite_configured", "gauge", "1 if off-site copies (restic) are set up, else 0.", String(m.offsiteConfigured))
        metric("offsite_last_push_timestamp_seconds", "gauge", "Unix time of the last successful off-site push (0: none).", number(m.offsiteLastPushTimestamp))
        metric("offsite_consecutive_failures", "gauge", "Off-site pushes failed in a row since the last success.", String(m.offsiteConsecutiveFailures))
        metric("offsite_snapshots", "gauge", "This terminal's snapshots in the off-site repository (refreshed daily).", String(m.offsiteSnapshots))
        metric("offsite_bytes_stored", "gauge", "Bytes this terminal's snapshots take in the off-site repository (raw data, refreshed daily).", String(m.offsiteBytesStored))
        metric("offsite_last_check_success", "gauge", "1 if the last off-site check passed, 0 if it failed, -1 if none ran.", String(m.offsiteLastCheckOK))
        metric("offsite_last_drill_success", "gauge", "1 if the last off-site restore drill passed, 0 if it failed, -1 if none ran.", String(m.offsiteLastDrillOK))
        metric("continuous_configured", "gauge", "1 if continuous protection (Litestream) is set up, else 0.", String(m.continuousConfigured))
        metric("continuous_running", "gauge", "1 if Litestream runs for this data dir, else 0.", String(m.continuousRunning))
        metric("continuous_lag_seconds", "gauge", "Seconds the replica is behind the database's last change (0: it has everything).", number(m.continuousLagSeconds))
        metric("continuous_last_sync_timestamp_seconds", "gauge", "Unix time of the newest transaction file in the replica (0: none).", number(m.continuousLastSyncTimestamp))
        metric("continuous_replica_bytes", "gauge", "Bytes the replica holds (a bucket's or server's as last listed).", String(m.continuousReplicaBytes))
        metric("continuous_window_start_timestamp_seconds", "gauge", "Unix time of the oldest moment the replica can restore (0: none).", number(m.continuousWindowStartTimestamp))
        metric("metrics_written_timestamp_seconds", "gauge", "Unix time this file was written (at least every 5 minutes while a scheduler runs).", number(m.writtenTimestamp))
        // The version as a label, the Prometheus way: `mr5_backup_info{version="0.2.0"} 1`.
        metric("info", "gauge", "The mr5-backup version that wrote this file (label version); always 1.", "1",
               labels: "{version=\"\(ToolVersion.current)\"}")
        return out
    }

    /// Writes the metrics to `path` atomically, mode 0640: numbers only, readable by the
    /// owner and the file's group. A node_exporter running as its own user reads them from
    /// a folder made `install -d -o pos -g prometheus -m 2750 DIR` (the setgid folder gives
    /// the file its group); `logs/` itself stays 0700.
    public static func write(_ m: BackupMetrics, to path: String) throws {
        try write(text: render(m), to: path)
    }

    /// Writes any metrics text (the fleet's too) the same way.
    public static func write(text: String, to path: String) throws {
        let dir = FileSystem.parent(of: path)
        if !FileSystem.isDirectory(dir) { try FileSystem.makeDirectory(dir, mode: 0o700) }
        removeStaleStaging(dir: dir, name: FileSystem.fileName(of: path))
        let staging = dir + "/.\(FileSystem.fileName(of: path)).\(getpid()).tmp"
        try FileSystem.writeAtomically(Data(text.utf8), to: staging, mode: 0o640)
        try FileSystem.renameDurably(staging, to: path)
    }

    /// Staging files of writers that were killed mid-write (their pid is gone): a kill -9
    /// leaves nothing behind for long. Live writers' files are left alone.
    private static func removeStaleStaging(dir: String, name: String) {
        for file in FileSystem.list(dir) where file.contains(name) && file.hasSuffix(".tmp") {
            // `.<name>.<pid>.tmp` and the atomic writer's `.tmp-<pid>-<n>-...`.
            let digits = file.hasPrefix(".tmp-") ? file.dropFirst(5).prefix { $0.isNumber }
                : file.dropLast(4).split(separator: ".").last.map { $0.prefix { $0.isNumber } } ?? ""
            guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileSystem.remove(dir + "/" + file)
        }
    }
}
