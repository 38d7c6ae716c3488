import Foundation
import TestSupport
import XCTest

/// A writer process (mr5-pos-sim) committing continuously until stopped, so a backup runs
/// against real concurrent writes from another process.
final class WriterProcess {
    private let child: ChildProcess

    init(db: String, intervalMs: Double, durationSeconds: Double = 120, busyTimeoutMs: Int = 5000) throws {
        child = try ChildProcess(try BuiltProduct.posSim.required(),
                                 ["write", "--db", db, "--interval-ms", String(intervalMs),
                                  "--duration-s", String(durationSeconds), "--busy-timeout-ms", String(busyTimeoutMs)])
        // Wait for the first commit, not just "ready", so the backup really overlaps the
        // writes: on a loaded machine the writer may get no CPU for a while after "ready".
        XCTAssertTrue(child.waitForOutput { $0.contains("ready") }, "writer did not start: \(child.stderr)")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let r = try ChildProcess.run("/usr/bin/sqlite3", ["-cmd", ".timeout 2000", db, "SELECT count(*) FROM sim_log"])
            if r.exitCode == 0, let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), n > 0 { return }
            usleep(10_000)
        }
        XCTFail("the writer made no commit within 20 s: \(child.stderr)")
    }

    struct Stats: Decodable {
        var commits: Int
        var errors: Int
        var p50Ms: Double
        var p99Ms: Double
        var maxMs: Double
        var firstError: String
    }

    /// Stops the writer (SIGTERM) and returns what it measured.
    func stop() throws -> Stats {
        child.terminate()
        return try JSONDecoder().decode(Stats.self, from: Data(child.stdout.utf8))
    }
}
