@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Backups taken while another process (mr5-pos-sim) commits transfers back to back:
/// each backup must finish, verify, and satisfy the writer's invariant (one snapshot),
/// and the writer must see no errors.
final class ConcurrentWriterTests: XCTestCase {
    private func runBackupsUnderWriter(journal: String, padMB: Int, backups: Int, intervalMs: Double, pace: CopyPace = .full,
                                       file: StaticString = #filePath, line: UInt = #line) throws -> (WriterProcess.Stats, [BackupRecord]) {
        let tmp = TempDir()
        let layout = DataLayout(dataDir: tmp.path)
        let initResult = try ChildProcess.run(try BuiltProduct.posSim.required(), ["init", "--db", layout.databasePath, "--journal", journal, "--pad-mb", String(padMB)])
        XCTAssertEqual(initResult.exitCode, 0, initResult.stderr, file: file, line: line)
        let engine = BackupEngine(layout: layout, busyTimeoutSeconds: 10)
        let writer = try WriterProcess(db: layout.databasePath, intervalMs: intervalMs)
        var records: [BackupRecord] = []
        for _ in 0..<backups {
            let result = try engine.createBackup(kind: .scheduled, trigger: .scheduler, pace: pace)
            XCTAssertEqual(try sqlite3(result.entry.path, "PRAGMA integrity_check"), "ok", file: file, line: line)
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
        XCTAssertTrue(records.allSatisfy { $0.strategy.rawValue == CopyStrategy.walSnapshot.rawValue && $0.restarts == 0 })
        // Commits kept flowing: a stall would show as a max commit time near the copy time.
        XCTAssertLessThan(stats.maxMs, 2000, "writer stalled \(stats.maxMs) ms")
        // Every backup saw committed transfers the writer made meanwhile.
        XCTAssertTrue(records.allSatisfy { r in r.tables.first { $0.table == "sim_log" }.map { $0.rows > 0 } ?? false })
    }

    func testRollbackModeBackupsFinishAndWriterWithBusyTimeoutNeverFails() throws {
        let (stats, records) = try runBackupsUnderWriter(journal: "delete", padMB: 24, backups: 4, intervalMs: 2)
        // A busy writer forces the bounded fallback; the stall is measured and recorded.
        XCTAssertTrue(records.allSatisfy { $0.strategy.rawValue.hasPrefix("rollback-") })
        // A commit every 2 ms restarts the stepped copy: the raw copy under one SHARED lock ran.
        XCTAssertTrue(records.contains { $0.strategy.rawValue == CopyStrategy.rollbackSnapshot.rawValue }, "\(records.map(\.strategy))")
        XCTAssertTrue(records.allSatisfy { $0.restarts <= 3 })
        XCTAssertTrue(records.allSatisfy { $0.longestWriterHoldMs < 5000 })
        XCTAssertLessThan(stats.maxMs, 5000)
    }

    func testPoliteRollbackBackupsCopyRawThenWriteBackPolitely() throws {
        let (stats, records) = try runBackupsUnderWriter(journal: "delete", padMB: 24, backups: 2, intervalMs: 1, pace: .polite)
        let raw = records.filter { $0.strategy.rawValue == CopyStrategy.rollbackSnapshot.rawValue }
        XCTAssertFalse(raw.isEmpty, "\(records.map(\.strategy))")
        // The writeback happens after the lock is released, 4 MiB at a time, each paused for.
        XCTAssertTrue(raw.allSatisfy { $0.pace == .polite && ($0.pauses ?? 0) >= 5 }, "\(raw.map { $0.pauses ?? -1 })")
        XCTAssertEqual(stats.errors, 0)
    }

    /// The raw copy takes the file's bytes as they are: damaged pages in the live file
    /// reach the copy, fail its check, and are reported as the live database's damage.
    func testARawRollbackCopyOfADamagedDatabaseSaysTheLiveDatabaseIsDamaged() throws {
        let tmp = TempDir()
        let layout = DataLayout(dataDir: tmp.path)
        XCTAssertEqual(try ChildProcess.run(try BuiltProduct.posSim.required(), ["init", "--db", layout.databasePath, "--journal", "delete", "--pad-mb", "16"]).exitCode, 0)
        // Scribble over padding pages the writer never reads (a disk error in old data).
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: layout.databasePath))
        let size = try XCTUnwrap(FileSystem.info(layout.databasePath)).size
        try handle.seek(toOffset: UInt64(size * 3 / 4) & ~4095)
        handle.write(Data((0..<(40 * 4096)).map { _ in UInt8.random(in: 0...255) }))
        try handle.close()
        let writer = try WriterProcess(db: layout.databasePath, intervalMs: 1)
        defer { _ = try? writer.stop() }
        XCTAssertThrowsError(try BackupEngine(layout: layout).createBackup(kind: .scheduled, trigger: .scheduler)) { error in
            guard case .liveDatabaseDamaged = BackupError(error) else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try BackupEngine(layout: layout).catalog.entries().filter { $0.status == .verified }.count, 0,
                       "no damaged copy is kept as a good backup")
    }

    func testRollbackModeQuietDatabaseUsesShortSteps() throws {
        let tmp = TempDir()
        let layout = DataLayout(dataDir: tmp.path)
        XCTAssertEqual(try ChildProcess.run(try BuiltProduct.posSim.required(), ["init", "--db", layout.databasePath, "--journal", "delete", "--pad-mb", "8"]).exitCode, 0)
        let record = try BackupEngine(layout: layout).createBackup().record
        XCTAssertEqual(record.strategy.rawValue, CopyStrategy.rollbackStepped.rawValue)
        XCTAssertEqual(record.restarts, 0)
        XCTAssertLessThan(record.longestWriterHoldMs, 500, "each step holds the lock only briefly")
    }
}
