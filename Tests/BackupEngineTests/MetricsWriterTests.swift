@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The Prometheus textfile: format, values from a real data dir, atomic write.
final class MetricsWriterTests: XCTestCase {
    static let names = [
        "last_success_timestamp_seconds", "last_attempt_timestamp_seconds", "last_attempt_success",
        "consecutive_failures", "failures_total", "last_size_bytes", "last_duration_seconds", "count",
        "total_bytes", "filesystem_free_bytes", "next_run_timestamp_seconds", "health",
        "live_database_state", "scheduler_running", "corrupt_backups", "last_live_check_timestamp_seconds",
        "notify_pending", "notify_last_success", "offsite_configured", "offsite_last_push_timestamp_seconds",
        "offsite_consecutive_failures", "offsite_snapshots", "offsite_bytes_stored", "offsite_last_check_success",
        "offsite_last_drill_success", "continuous_configured", "continuous_running", "continuous_lag_seconds",
        "continuous_last_sync_timestamp_seconds", "continuous_replica_bytes", "continuous_window_start_timestamp_seconds", "metrics_written_timestamp_seconds", "info",
    ].map { "mr5_backup_" + $0 }

    /// Parses the text format strictly: every sample preceded by its HELP and TYPE lines.
    /// A sample's labels (`name{label="value",...}`) go to `labels`, keyed by the name.
    func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Double] {
        parseWithLabels(text, file: file, line: line).values
    }

    func parseWithLabels(_ text: String, file: StaticString = #filePath, line: UInt = #line)
        -> (values: [String: Double], labels: [String: [String: String]]) {
        var values: [String: Double] = [:], labels: [String: [String: String]] = [:]
        var help: Set<String> = [], type: [String: String] = [:]
        XCTAssertTrue(text.hasSuffix("\n"), file: file, line: line)
        for row in text.split(separator: "\n").map(String.init) {
            let parts = row.split(separator: " ", maxSplits: 3).map(String.init)
            if row.hasPrefix("# HELP ") {
                help.insert(parts[2])
                XCTAssertGreaterThan(parts.count, 3, "HELP without text: \(row)", file: file, line: line)
            } else if row.hasPrefix("# TYPE ") {
                type[parts[2]] = parts[3]
                XCTAssertTrue(["gauge", "counter"].contains(parts[3]), row, file: file, line: line)
            } else {
                XCTAssertEqual(parts.count, 2, "sample line: \(row)", file: file, line: line)
                var name = parts[0]
                if let open = name.firstIndex(of: "{") {
                    XCTAssertTrue(name.hasSuffix("}"), "unclosed labels: \(row)", file: file, line: line)
                    let body = name[name.index(after: open)..<name.index(before: name.endIndex)]
                    var pairs: [String: String] = [:]
                    for pair in body.split(separator: ",") {
                        let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                        XCTAssertTrue(kv.count == 2 && kv[0].range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) != nil
                                      && kv[1].count >= 2 && kv[1].hasPrefix("\"") && kv[1].hasSuffix("\""),
                                      "label: \(row)", file: file, line: line)
                        if kv.count == 2 { pairs[kv[0]] = String(kv[1].dropFirst().dropLast()) }
                    }
                    name = String(name[..<open])
                    labels[name] = pairs
                }
                XCTAssertTrue(help.contains(name) && type[name] != nil, "\(name) without HELP/TYPE before it", file: file, line: line)
                XCTAssertNil(values[name], "\(name) twice", file: file, line: line)
                values[name] = Double(parts[1])
                XCTAssertNotNil(values[name], "not a number: \(row)", file: file, line: line)
            }
        }
        XCTAssertEqual(type["mr5_backup_failures_total"], "counter", file: file, line: line)
        XCTAssertEqual(Set(values.keys), Set(Self.names), file: file, line: line)
        return (values, labels)
    }

    func testRenderIsValidTextFormat() {
        var m = BackupMetrics()
        m.lastSuccessTimestamp = 1_800_000_000
        m.lastAttemptTimestamp = 1_800_000_600
        m.lastAttemptSuccess = 0
        m.consecutiveFailures = 2
        m.failuresTotal = 7
        m.lastSizeBytes = 43_954_176
        m.lastDurationSeconds = 1.25
        m.backupCount = 5
        m.totalBytes = 219_770_880
        m.filesystemFreeBytes = 12_884_901_888
        m.nextRunTimestamp = 1_800_001_200
        m.health = .warning
        let v = parse(MetricsWriter.render(m))
        XCTAssertEqual(v["mr5_backup_last_success_timestamp_seconds"], 1_800_000_000)
        XCTAssertEqual(v["mr5_backup_last_attempt_timestamp_seconds"], 1_800_000_600)
        XCTAssertEqual(v["mr5_backup_last_attempt_success"], 0)
        XCTAssertEqual(v["mr5_backup_consecutive_failures"], 2)
        XCTAssertEqual(v["mr5_backup_failures_total"], 7)
        XCTAssertEqual(v["mr5_backup_last_size_bytes"], 43_954_176)
        XCTAssertEqual(v["mr5_backup_last_duration_seconds"], 1.25)
        XCTAssertEqual(v["mr5_backup_count"], 5)
        XCTAssertEqual(v["mr5_backup_total_bytes"], 219_770_880)
        XCTAssertEqual(v["mr5_backup_filesystem_free_bytes"], 12_884_901_888)
        XCTAssertEqual(v["mr5_backup_next_run_timestamp_seconds"], 1_800_001_200)
        XCTAssertEqual(v["mr5_backup_health"], 1)
    }

    func testTheVersionIsALabelOnTheInfoMetric() {
        let text = MetricsWriter.render(BackupMetrics())
        XCTAssertTrue(text.contains("\nmr5_backup_info{version=\"\(ToolVersion.current)\"} 1\n"), text)
        let parsed = parseWithLabels(text)
        XCTAssertEqual(parsed.values["mr5_backup_info"], 1)
        XCTAssertEqual(parsed.labels["mr5_backup_info"], ["version": ToolVersion.current])
    }

    func testCollectedFromARealDataDirAndWrittenAtomically() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let engine = BackupEngine(layout: layout, clock: clock)
        let made = try engine.createBackup(kind: .manual)
        clock.advance(by: 600)
        // A second attempt fails: another operation holds the lock.
        let other = try FileLock(path: layout.operationLockPath, operation: "restore", now: clock.now())
        XCTAssertThrowsError(try engine.createBackup(kind: .scheduled, trigger: .scheduler))
        other.release()

        let path = tmp.file("textfile/mr5_backup.prom")
        try MetricsWriter.write(BackupMetrics.collect(engine: engine, snapshot: nil, now: clock.now()), to: path)
        let v = parse(try String(contentsOfFile: path, encoding: .utf8))
        let t0 = made.record.createdAt.timeIntervalSince1970
        XCTAssertEqual(v["mr5_backup_last_success_timestamp_seconds"], t0)
        XCTAssertEqual(v["mr5_backup_last_attempt_timestamp_seconds"], t0 + 600)
        XCTAssertEqual(v["mr5_backup_last_attempt_success"], 0)
        XCTAssertEqual(v["mr5_backup_consecutive_failures"], 1)
        XCTAssertEqual(v["mr5_backup_failures_total"], 1)
        XCTAssertEqual(v["mr5_backup_last_size_bytes"], Double(made.entry.sizeBytes))
        XCTAssertEqual(v["mr5_backup_count"], 1)
        XCTAssertEqual(v["mr5_backup_total_bytes"], Double(made.entry.sizeBytes))
        XCTAssertGreaterThan(v["mr5_backup_filesystem_free_bytes"] ?? 0, 0)
        // No scheduler runs: the next run a scheduler would make, 5 minutes after the failure.
        XCTAssertEqual(v["mr5_backup_next_run_timestamp_seconds"], t0 + 600 + 300)
        XCTAssertEqual(v["mr5_backup_health"], Double(HealthLevel.warning.rawValue))

        // Readable by the collector in the file's group; no staging file left beside it.
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o640)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.file("textfile")), ["mr5_backup.prom"])
    }

    func testTheSchedulerWritesMetricsAfterEachAttempt() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let clock = wholeSecondClock()
        let engine = BackupEngine(layout: layout, clock: clock)
        let path = tmp.file("metrics.prom")
        let scheduler = Scheduler(engine: engine, clock: clock, metricsPath: path)
        scheduler.start()
        defer { scheduler.stop() }
        let start = clock.now()
        XCTAssertTrue(waitUntil { FileManager.default.fileExists(atPath: path) })
        var v = parse(try String(contentsOfFile: path, encoding: .utf8))
        XCTAssertEqual(v["mr5_backup_count"], 0)
        XCTAssertEqual(v["mr5_backup_health"], Double(HealthLevel.critical.rawValue))   // no backup yet
        XCTAssertEqual(v["mr5_backup_next_run_timestamp_seconds"], start.timeIntervalSince1970 + 120)

        clock.advance(by: 120)
        XCTAssertTrue(waitUntil {
            (try? String(contentsOfFile: path, encoding: .utf8)).map { self.parse($0)["mr5_backup_count"] == 1 } ?? false
        })
        v = parse(try String(contentsOfFile: path, encoding: .utf8))
        XCTAssertEqual(v["mr5_backup_last_attempt_success"], 1)
        XCTAssertEqual(v["mr5_backup_last_success_timestamp_seconds"], start.timeIntervalSince1970 + 120)
        XCTAssertEqual(v["mr5_backup_next_run_timestamp_seconds"], start.timeIntervalSince1970 + 120 + 3 * 3600)
        XCTAssertEqual(v["mr5_backup_health"], 0)
        XCTAssertEqual(v["mr5_backup_last_size_bytes"], Double(engine.listBackups()[0].sizeBytes))
    }
}
