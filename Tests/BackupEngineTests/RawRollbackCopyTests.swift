@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The rollback-journal raw copy (`HotCopy` with the stepped copy given up): the file's
/// bytes as they are, the SHARED lock held only for the compare-and-patch pass and always
/// released, whatever stops the copy.
final class RawRollbackCopyTests: XCTestCase {
    private func rollbackDatabase(_ tmp: TempDir, megabytes: Int = 8) throws -> String {
        let path = tmp.file("live.db")
        try sqlite3(path, """
            PRAGMA journal_mode=DELETE; CREATE TABLE pad(id INTEGER PRIMARY KEY, b BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(megabytes * 16))
            INSERT INTO pad(b) SELECT randomblob(65000) FROM n;
            """)
        return path
    }

    /// Raw at once (`maxRestarts` below zero), as after a busy writer's restarts.
    private var raw: HotCopy { var h = HotCopy(busyTimeoutMs: 2000); h.maxRestarts = -1; return h }

    func testTheRawCopyIsTheFileByteForByteAndSaysHowItWasMade() throws {
        let tmp = TempDir()
        let live = try rollbackDatabase(tmp)
        let copy = tmp.file("copy.db")
        try FileSystem.createPrivateFile(copy)
        var last: (Int64, Int64) = (0, 0)
        let report = try raw.copy(source: live, destination: copy, progress: { last = ($0, $1) }, cancellation: nil)
        XCTAssertEqual(report.strategy, .rollbackSnapshot)
        XCTAssertEqual(report.sourceJournalMode, "delete")
        XCTAssertEqual(last.0, last.1, "progress ends at its total")
        XCTAssertEqual(FileManager.default.contents(atPath: copy), FileManager.default.contents(atPath: live))
        XCTAssertEqual(try sqlite3(copy, "PRAGMA integrity_check"), "ok")
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600, "payment data stays private")
    }

    /// Cancelled while it holds SHARED (the second half of its progress): the lock is
    /// released at once, so the POS can write again.
    func testACancelledRawCopyReleasesTheLock() throws {
        let tmp = TempDir()
        let live = try rollbackDatabase(tmp)
        let copy = tmp.file("copy.db")
        try FileSystem.createPrivateFile(copy)
        let flag = CancellationFlag()
        var cancelledUnderLock = false
        XCTAssertThrowsError(try raw.copy(source: live, destination: copy, progress: { done, total in
            if done > total / 2 && !flag.isCancelled {
                // Prove the lock is held right now: a writer cannot commit.
                let writer = try? SQLiteConnection(path: live, mode: .readWrite, busyTimeoutMs: 0)
                cancelledUnderLock = (try? writer?.execute("UPDATE pad SET b = zeroblob(10) WHERE id = 1")) == nil
                flag.cancel()
            }
        }, cancellation: flag)) { XCTAssertEqual(BackupError($0), .cancelled) }
        XCTAssertTrue(cancelledUnderLock, "the writer was held off during the locked pass")
        let writer = try SQLiteConnection(path: live, mode: .readWrite, busyTimeoutMs: 0)
        XCTAssertNoThrow(try writer.execute("UPDATE pad SET b = zeroblob(10) WHERE id = 1"), "the lock was released")
    }

    /// A database that shrinks between the unlocked pass and the locked one (a VACUUM by
    /// the POS) gives a copy of the smaller file, whole.
    func testADatabaseThatShrinksBetweenThePassesIsCopiedAsItIsUnderTheLock() throws {
        let tmp = TempDir()
        let live = try rollbackDatabase(tmp, megabytes: 12)
        let copy = tmp.file("copy.db")
        try FileSystem.createPrivateFile(copy)
        var shrunk = false
        _ = try raw.copy(source: live, destination: copy, progress: { done, total in
            if !shrunk && done >= total / 2 {
                shrunk = true
                try? sqlite3(live, "DELETE FROM pad WHERE id > 20; VACUUM;")
            }
        }, cancellation: nil)
        XCTAssertTrue(shrunk)
        XCTAssertEqual(FileManager.default.contents(atPath: copy), FileManager.default.contents(atPath: live))
        XCTAssertEqual(try sqlite3(copy, "SELECT count(*) FROM pad"), "20")
    }
}
