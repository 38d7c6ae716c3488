import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The metrics file is always current: the daemon rewrites it when the verdict changes
/// (not only on attempts), at least every few minutes, and on stop; a collector in the
/// file's group can read it.
final class MetricsTests: XCTestCase {
    private func value(_ name: String, in path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("mr5_backup_\(name) ") }.map { String($0.split(separator: " ")[1]) }
    }

    func testTheDaemonsMetricsFollowTheVerdictAndSayStoppedOnStop() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let metrics = shop.layout.defaultMetricsPath
        let binary = try BuiltProduct.backup.required()
        // No backup is due for an hour: nothing but the tick writes the file.
        let daemon = try ChildProcess(binary, ["daemon", "--first-run-after", "3600", "--fixed-interval", "3600", "--tick", "1"] + shop.dirArgs)
        defer { daemon.terminate() }
        XCTAssertTrue(eventually(timeout: 30) { self.value("scheduler_running", in: metrics) == "1" }, daemon.stderr)
        XCTAssertEqual(value("health", in: metrics), "0")
        let written = try XCTUnwrap(Double(value("metrics_written_timestamp_seconds", in: metrics) ?? ""))
        XCTAssertEqual(written, Date().timeIntervalSince1970, accuracy: 60)
        var st = stat()
        XCTAssertEqual(stat(metrics, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o640, "readable by the file's group (a node_exporter's)")

        // The live database moved away: CRITICAL at the next tick, without any attempt.
        try FileManager.default.moveItem(atPath: shop.layout.databasePath, toPath: shop.root + "/moved.db")
        XCTAssertTrue(eventually(timeout: 30) { self.value("health", in: metrics) == "2" },
                      (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "")
        XCTAssertEqual(value("live_database_state", in: metrics), "1")

        // A clean stop leaves scheduler_running 0, not a stale 1.
        kill(daemon.pid, SIGTERM)
        XCTAssertEqual(daemon.wait(timeout: 30), 0, daemon.stderr)
        XCTAssertEqual(value("scheduler_running", in: metrics), "0")
    }
}
