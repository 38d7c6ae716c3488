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

    /// The continuous case on a tiny shop with short windows: it runs Litestream under the
    /// daemon, cuts the power, restores, and reports every table (the figures are the
    /// benchmark's, not asserted here).
    func testTheContinuousCaseRunsAndReportsEveryPart() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/local/bin/litestream") else {
            throw XCTSkip("needs Litestream in /usr/local/bin (.ci/run installs it)")
        }
        let bench = try BuiltProduct.bench.required()
        let dir = try XCTUnwrap(BuiltProduct.directory)
        let work = TempDir("mr5-bench-continuous")
        let r = try ChildProcess.run(bench, ["--continuous", "2", "--window-s", "5", "--runs", "1", "--bin-dir", dir, "--work-dir", work.path],
                                     env: ["PATH": "/usr/local/bin:/usr/bin:/bin"], timeout: 300)
        XCTAssertFalse(r.timedOut)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        for part in ["**Recovery point**", "| 1 | ", "**The writer beside it**", "| with Litestream | ", "**Restore and bytes**", "| 2 MB ("] {
            XCTAssertTrue(r.stdout.contains(part), "\(part) missing:\n\(r.stdout)")
        }
    }

    /// The growth case on two tiny shops: every operation and its by-hand counterpart, the
    /// growth targets between the two sizes, the console over 1,000 backups, written into its own section of a Markdown file that
    /// keeps the prose around it and is replaced, not repeated, by the next run.
    func testTheScaleCaseWritesItsOwnSection() throws {
        let bench = try BuiltProduct.bench.required()
        let dir = try XCTUnwrap(BuiltProduct.directory)
        let work = TempDir("mr5-bench-scale")
        let doc = work.file("BENCHMARKS.md")
        try "# Benchmarks\n\nProse a person wrote.\n".write(toFile: doc, atomically: true, encoding: .utf8)
        // The second run replaces the first's section (the first measures one size only).
        for sizes in ["1", "1,2"] {
            let r = try ChildProcess.run(bench, ["--scale", sizes, "--runs", "1", "--bin-dir", dir, "--work-dir", work.file("w"), "--output", doc],
                                         timeout: 300)
            XCTAssertFalse(r.timedOut)
            XCTAssertEqual(r.exitCode, 0, r.stderr)
        }
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("# Benchmarks\n\nProse a person wrote.\n"), text)
        XCTAssertEqual(text.components(separatedBy: "<!-- mr5-bench:scale -->").count, 2, "one section, replaced:\n\(text)")
        XCTAssertTrue(text.contains("<!-- /mr5-bench:scale -->"))
        for op in ["mr5-backup create", "mr5-backup create --nice", "mr5-backup verify", "mr5-backup status --check-live",
                   "mr5-backup restore --dry-run", "mr5-backup restore --yes", "cp", "sqlite3 .backup", "sqlite3 VACUUM INTO",
                   "sqlite3 quick_check (live)", "sha256sum (copy)", "sqlite3 .restore", "dd conv=fsync, the database 3 times"] {
            XCTAssertTrue(text.contains("| \(op) | "), "\(op) missing:\n\(text)")
        }
        // The console was measured (a number of milliseconds, not a dash) and nothing failed.
        let frame = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("| console first frame (ms) | ") })
        XCTAssertTrue(frame.dropFirst("| console first frame (ms) | ".count).first?.isNumber ?? false, String(frame))
        XCTAssertFalse(text.contains("| ran ("), text)
        // Growth between the two sizes, each of ours against the bound, and the restore
        // also against the disk's own growth for the bytes it writes.
        XCTAssertTrue(text.contains("| create: 2 MB within "), text)
        let restated = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("| restore --yes: growth within 1.125x of the disk's own writing the same bytes") })
        XCTAssertTrue(restated.contains("x vs "), String(restated))
    }

    /// `--fleet`: a generated repository of 20 terminals read by `fleet` cold and warm, the
    /// verdicts counted right (the bench fails otherwise), written into its own section.
    func testTheFleetCaseGeneratesARepositoryAndReadsIt() throws {
        let bench = try BuiltProduct.bench.required()
        let dir = try XCTUnwrap(BuiltProduct.directory)
        let work = TempDir("mr5-bench-fleet")
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let r = try ChildProcess.run(bench, ["--fleet", "20", "--runs", "1", "--bin-dir", dir, "--work-dir", work.path],
                                     directory: checkout, timeout: 300)
        XCTAssertFalse(r.timedOut)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("| folder, 20 terminals | "), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 dark for 8 h, 0 for 30 h"), r.stdout)
    }

    /// `--scale --console`: the console alone at each size, in its own section.
    func testTheConsoleCaseMeasuresTheConsoleAlone() throws {
        let bench = try BuiltProduct.bench.required()
        let dir = try XCTUnwrap(BuiltProduct.directory)
        let work = TempDir("mr5-bench-console")
        let doc = work.file("BENCHMARKS.md")
        try "# Benchmarks\n".write(toFile: doc, atomically: true, encoding: .utf8)
        let r = try ChildProcess.run(bench, ["--scale", "2", "--console", "--runs", "1", "--bin-dir", dir, "--work-dir", work.file("w"),
                                             "--output", doc], timeout: 300)
        XCTAssertFalse(r.timedOut)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        XCTAssertTrue(text.contains("<!-- mr5-bench:console -->"), text)
        XCTAssertFalse(text.contains("sqlite3 .backup"), "no operations are run:\n\(text)")
        let row = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("| 2 MB | ") }, text)
        XCTAssertTrue(row.dropFirst("| 2 MB | ".count).first?.isNumber ?? false, "a first frame was measured: \(row)")
    }
}
