@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Backups taken while another process (mr5-pos-sim) commits transfers back to back:
/// each backup must finish, verify, and satisfy the writer's invariant (one snapshot),
/// and the writer must see no errors.
final class ConcurrentWriterTests: XCTestCase {
    private func runBackupsUnderWriter(journal: String, padMB: Int, backups: Int, intervalMs: Double,
                                       file: StaticString = #filePath, line: UInt = #line) throws -> (WriterProcess.Stats, [BackupRecord]) {
        let tmp = TempDir()
        let layout = DataLayout(dataDir: tmp.path)
        let initResult = try ChildProcess.run(try BuiltProduct.posSim.required(), ["init", "--db", layout.databasePath, "--journal", journal, "--pad-mb", String(padMB)])
        XCTAssertEqual(initResult.exitCode, 0, initResult.stderr, file: file, line: line)
        let engine = BackupEngine(layout: layout, busyTimeoutSeconds: 10)
        let writer = try WriterProcess(db: layout.databasePath, intervalMs: intervalMs)
        var records: [BackupRecord] = []
        for _ in 0..<backups {
            let result = try engine.createBackup(kind: .scheduled, trigger: .scheduler)
            records.append(result.record)
            let check = try ChildProcess.run(try BuiltProduct.posSim.required(), ["check", "--db", result.entry.path])
            XCTAssertEqual(check.exitCode, 0, "backup \(result.entry.name) is not one consistent snapshot: \(check.stdout)", file: file, line: line)
            XCTAssertEqual(try sqlite3(result.entry.path, "PRAGMA journal_mode"), "delete", file: file, line: line)
        }
        let stats = try writer.stop()
        XCTAssertGreaterThan(stats.commits, 0, file: file, line: line)
        XCTAssertEqual(stats.errors, 0, "writer saw errors: \(stats.firstError)", file: file, line: line)
        // The writer's last state is itself consistent.
        XCTAssertEqual(try ChildProcess.run(try BuiltProduct.posSim.required(), ["check", "--db", layout.databasePath]).exitCode, 0, file: file, line: line)
        return (stats, records)
    }

    func testWALBackupsAreConsistentAndNeverBlockTheWriter() throws {
        let (stats, records) = try runBackupsUnderWriter(journal: "wal", padMB: 24, backups: 4, intervalMs: 2)
        XCTAssertTrue(records.allSatisfy { $0.strategy == CopyStrategy.walSnapshot.rawValue && $0.restarts == 0 })
        // Commits kept flowing: a stall would show as a max commit time near the copy time.
        XCTAssertLessThan(stats.maxMs, 2000, "writer stalled \(stats.maxMs) ms")
        // Every backup saw committed transfers the writer made meanwhile.
        XCTAssertTrue(records.allSatisfy { r in r.tables.first { $0.table == "sim_log" }.map { $0.rows > 0 } ?? false })
    }

    func testRollbackModeBackupsFinishAndWriterWithBusyTimeoutNeverFails() throws {
        let (stats, records) = try runBackupsUnderWriter(journal: "delete", padMB: 24, backups: 4, intervalMs: 2)
        // A busy writer forces the bounded fallback; the stall is measured and recorded.
        XCTAssertTrue(records.allSatisfy { $0.strategy.hasPrefix("rollback-") })
        XCTAssertTrue(records.allSatisfy { $0.restarts <= 3 })
        XCTAssertTrue(records.allSatisfy { $0.longestWriterHoldMs < 5000 })
        XCTAssertLessThan(stats.maxMs, 5000)
    }

    func testRollbackModeQuietDatabaseUsesShortSteps() throws {
        let tmp = TempDir()
        let layout = DataLayout(dataDir: tmp.path)
        XCTAssertEqual(try ChildProcess.run(try BuiltProduct.posSim.required(), ["init", "--db", layout.databasePath, "--journal", "delete", "--pad-mb", "8"]).exitCode, 0)
        let record = try BackupEngine(layout: layout).createBackup().record
        XCTAssertEqual(record.strategy, CopyStrategy.rollbackStepped.rawValue)
        XCTAssertEqual(record.restarts, 0)
        XCTAssertLessThan(record.longestWriterHoldMs, 500, "each step holds the lock only briefly")
    }
}
