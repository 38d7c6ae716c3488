import BackupEngine
import Foundation
import TestSupport
import XCTest

/// A failure of the operation itself (not of what was asked) is recorded and exits 1.
final class UnexpectedErrorTests: XCTestCase {
    func testAnInjectedIOErrorFromTheCLIIsRecordedAndExitsOne() throws {
        let shop = try DemoFixture()
        // The metadata folder replaced by a file: every write into it fails with ENOTDIR.
        try FileManager.default.removeItem(atPath: shop.layout.metaDir)
        FileManager.default.createFile(atPath: shop.layout.metaDir, contents: Data("not a folder".utf8))
        let before = BackupEngine(layout: shop.layout).history().count

        let r = try run(["create"] + shop.dirArgs)
        XCTAssertEqual(r.exitCode, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Not a directory"), r.stderr)

        let history = BackupEngine(layout: shop.layout).history()
        XCTAssertEqual(history.count, before + 1)
        XCTAssertEqual(history.first?.outcome, .failure)
        XCTAssertEqual(history.first?.operation, .create)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: shop.layout.backupsDir).contains { $0.hasPrefix(".tmp-") })
    }
}
