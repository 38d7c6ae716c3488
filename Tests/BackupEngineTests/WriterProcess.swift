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
        // Wait for "ready" so the backup really overlaps the writes.
        XCTAssertTrue(child.waitForOutput { $0.contains("ready") }, "writer did not start: \(child.stderr)")
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
