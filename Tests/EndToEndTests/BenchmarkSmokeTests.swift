import Foundation
import TestSupport
import XCTest

/// The benchmark program is not run for its numbers here (they belong to docs/BENCHMARKS.md
/// and depend on the machine), only to prove it still runs: a 10 MB database, every tool,
/// idle and under the writer, in both journal modes.
final class BenchmarkSmokeTests: XCTestCase {
    func testTheBenchmarkRunsEveryCaseOnATinyDatabase() throws {
        let bench = try BuiltProduct.bench.required()
        let dir = try XCTUnwrap(BuiltProduct.directory)
        let work = TempDir("mr5-bench-smoke")
        let r = try ChildProcess.run(bench, ["--smoke", "--bin-dir", dir, "--work-dir", work.path], timeout: 300)
        XCTAssertFalse(r.timedOut)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        for mode in ["wal", "delete"] {
            for condition in ["idle", "writer"] {
                for tool in ["cp", "sqlite3 .backup", "VACUUM INTO", "mr5-backup create", "mr5-backup create --nice"] {
                    let row = rows.first { $0.hasPrefix("\(mode) \(condition) \(tool) ") && ($0.dropFirst("\(mode) \(condition) \(tool) ".count).first?.isNumber ?? false || $0.contains("FAILED")) }
                    XCTAssertNotNil(row, "\(mode) \(condition) \(tool) missing from the report:\n\(r.stdout)")
                    // Ours must finish every time; sqlite3 .backup may fail under a writer (that is a finding).
                    if tool.hasPrefix("mr5-backup"), let row { XCTAssertFalse(row.contains("FAILED"), row) }
                }
            }
        }
        XCTAssertTrue(r.stdout.contains("writer p99 during a polite WAL backup"), r.stdout)
    }
}
