@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The one wrapper every operation runs in: failures are typed, recorded and never bad input.
final class RecordedOperationTests: XCTestCase {
    private struct ForeignError: Error, CustomStringConvertible {
        var description: String { "a library failed\nwith two lines" }
    }

    func testAForeignErrorIsUnexpectedRecordedAndNotBadInput() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        XCTAssertThrowsError(try engine.recorded(.create, trigger: .cli, failureLog: "Backup failed: ") { _ -> Int in
            throw ForeignError()
        }) { error in
            guard case .unexpected(let text)? = error as? BackupError else { return XCTFail("got \(error)") }
            XCTAssertTrue(text.contains("a library failed"))
            XCTAssertFalse((error as! BackupError).isInputError)
            XCTAssertFalse((error as! BackupError).description.contains("\n"))
        }
        let last = try XCTUnwrap(engine.history().first)
        XCTAssertEqual(last.outcome, .failure)
        XCTAssertEqual(last.operation, .create)
        XCTAssertTrue(last.message?.hasPrefix("unexpected error: a library failed") == true, last.message ?? "")
    }

    func testAnSQLiteErrorKeepsItsCodesAndSaysThemInWords() {
        let e = SQLiteError(extendedCode: 776, message: "attempt to write a readonly database", sql: nil, path: "/x/mr5-pos.db")
        XCTAssertEqual(e.resultCode, 8)
        XCTAssertTrue(e.description.contains("hot journal"), e.description)
        XCTAssertTrue(e.description.contains("776"))
        XCTAssertEqual(BackupError(e), .sqlite(e))
        XCTAssertEqual(BackupError(SQLiteError(extendedCode: 13, message: "", path: "/d")), .diskFull(path: "/d"))
        XCTAssertEqual(BackupError(SQLiteError(extendedCode: 5, message: "", path: "/d", busyTimeoutMs: 3000)),
                       .databaseLocked(path: "/d", seconds: 3))
    }

    func testErrnoIsMappedInOnePlace() {
        XCTAssertEqual(BackupError.io(operation: "write", path: "/f", errno: ENOSPC), .diskFull(path: "/f"))
        guard case .system(_, _, let err) = BackupError.io(operation: "open", path: "/f", errno: EACCES) else { return XCTFail() }
        XCTAssertEqual(err.name, "EACCES")
        XCTAssertTrue(err.isPermission)
    }

    func testAQueryThatMustReturnARowNeverReadsZero() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let db = try SQLiteConnection(path: layout.databasePath, mode: .readOnly)
        XCTAssertThrowsError(try db.int64("SELECT 1 WHERE 0"))
        XCTAssertNil(try db.optionalText("SELECT 'x' WHERE 0"))
        XCTAssertEqual(try db.int64("SELECT ?", [.integer(42)]), 42)
    }
}
