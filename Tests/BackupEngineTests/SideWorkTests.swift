@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

final class SideWorkTests: XCTestCase {
    func testRunsBesideTheCallerAndGivesItsValueToEveryWaiter() throws {
        // The work waits for the caller: it only gets the signal if it runs on another thread
        // (run inline, it would time out and return -1).
        let callerWent = DispatchSemaphore(value: 0)
        let work = SideWork { () -> Int in
            callerWent.wait(timeout: .now() + 10) == .success ? 42 : -1
        }
        callerWent.signal()
        XCTAssertEqual(try work.result(), 42)
        XCTAssertEqual(try work.result(), 42, "a second wait returns the same value")
    }

    func testRethrowsWhatTheWorkThrew() {
        let work = SideWork { () -> Int in throw BackupError.cancelled }
        XCTAssertThrowsError(try work.result()) { error in
            guard case .cancelled = error as? BackupError else { return XCTFail("\(error)") }
        }
    }

    func testSQLiteRunsOnTheSideThread() throws {
        let tmp = TempDir()
        let path = tmp.file("side.db")
        _ = try sqlite3(path, "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO t SELECT randomblob(200) FROM n;")
        let work = SideWork { try BackupInspector.check(path: path, full: true) }
        XCTAssertNil(try work.result(), "integrity_check of a sound file finds nothing")
    }
}
