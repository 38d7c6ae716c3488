@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// `HeldPath` opens a folder component by component, following links by hand, and says
/// who owns each link and folder on the way: the checks a root run makes before it acts.
final class HeldPathTests: XCTestCase {
    func testLinksAreFollowedByHandAndTheirOwnersAndTheFoldersOnTheWayAreKept() throws {
        let tmp = TempDir("mr5-held")
        let real = tmp.file("a/b/real")
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        XCTAssertEqual(symlink(real, tmp.file("abs")), 0)
        XCTAssertEqual(symlink("a/b/real", tmp.file("rel")), 0)
        XCTAssertEqual(symlink("../abs", tmp.file("a/up")), 0)
        var expected = stat()
        XCTAssertEqual(stat(real, &expected), 0)
        for path in [real, tmp.file("abs"), tmp.file("rel"), tmp.file("a/up"), tmp.file("a/./b/../b/real")] {
            let held = try XCTUnwrap(try HeldPath.open(path), path)
            defer { close(held.fd) }
            XCTAssertEqual(held.info.st_ino, expected.st_ino, path)
            XCTAssertTrue(held.folders.contains { $0.path == tmp.file("a/b") }, "\(path): \(held.folders.map(\.path))")
            XCTAssertTrue(held.folders.contains { $0.path == "/" }, path)
        }
        let viaUp = try XCTUnwrap(try HeldPath.open(tmp.file("a/up")))
        defer { close(viaUp.fd) }
        XCTAssertEqual(viaUp.links.map(\.path), [tmp.file("a/up"), tmp.file("abs")], "both links on the way, in order")
        XCTAssertNil(try HeldPath.open(tmp.file("missing/x")))
        XCTAssertEqual(symlink(tmp.file("loop"), tmp.file("loop")), 0)
        XCTAssertThrowsError(try HeldPath.open(tmp.file("loop")))
    }
}
