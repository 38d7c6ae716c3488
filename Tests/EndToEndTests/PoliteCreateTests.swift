import BackupEngine
import Foundation
import TestSupport
import XCTest

/// `create --nice` from the command line: the progress says the copy is polite, and
/// `list --json` shows how each copy was made and how long writers could have waited.
final class PoliteCreateTests: XCTestCase {
    func testNiceSaysItIsPoliteAndListShowsPaceAndWriterWait() throws {
        let shop = try DemoFixture(sizeMB: 12)
        let nice = try runInTerminal(["create", "--nice"] + shop.dirArgs, stdin: "")
        XCTAssertEqual(nice.exitCode, 0, nice.stdout)
        XCTAssertTrue(nice.stdout.contains("copying") && nice.stdout.contains("(polite: writer-friendly pacing)"), nice.stdout)
        let plain = try runInTerminal(["create"] + shop.dirArgs, stdin: "")
        XCTAssertEqual(plain.exitCode, 0, plain.stdout)
        XCTAssertFalse(plain.stdout.contains("polite"), "a person waiting gets a full-speed copy")

        let list = try run(["list", "--json"] + shop.dirArgs)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let backups = try XCTUnwrap(json["backups"] as? [[String: Any]])
        let newest = backups[0], before = backups[1]
        XCTAssertEqual(newest["pace"] as? String, "full")
        XCTAssertEqual(before["pace"] as? String, "polite")
        XCTAssertGreaterThan(before["pauses"] as? Int ?? 0, 0)
        XCTAssertNotNil(before["pausedSeconds"] as? Double)
        XCTAssertNotNil(before["copySeconds"] as? Double)
        // WAL mode: the writer never waits for a copy.
        XCTAssertEqual(newest["longestWriterWaitMs"] as? Double, 0)
        XCTAssertEqual(newest["copyStrategy"] as? String, "wal-snapshot")
    }
}
