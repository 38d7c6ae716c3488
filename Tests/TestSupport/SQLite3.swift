import Foundation
import XCTest

/// Runs SQL through the stock `sqlite3` program: another process and another SQLite
/// build than the engine's, as the POS app would be. Returns stdout without the final
/// newline; fails the test when sqlite3 fails.
@discardableResult
public func sqlite3(_ db: String, _ sql: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let r = try ChildProcess.run("/usr/bin/sqlite3", [db, sql])
    if r.exitCode != 0 || r.timedOut {
        XCTFail("sqlite3 \(db) failed (exit \(r.exitCode)\(r.timedOut ? ", timed out" : "")): \(r.stderr)", file: file, line: line)
    }
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}
