import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Times a technician reads right across a daylight-saving change, and a history that is
/// huge or holds bad bytes still answering at once with its newest entry.
final class TimeAndHistoryTests: XCTestCase {
    func testTheSameLocalHourTwiceAcrossADSTChangeIsTwoAndListNamesItsZone() throws {
        let shop = try DemoFixture()
        let newest = try XCTUnwrap(BackupEngine(layout: shop.layout).listBackups().first { $0.kind == .scheduled })
        // 00:30 and 01:30 UTC on 2026-10-25 are both 02:30 in Berlin: first CEST, then CET.
        for name in ["backup-2026-10-25-003000.db", "backup-2026-10-25-013000.db"] {
            try FileManager.default.copyItem(atPath: newest.path, toPath: shop.layout.backupsDir + "/" + name)
        }
        let list = try run(["list"] + shop.dirArgs, env: ["TZ": "Europe/Berlin"])
        XCTAssertEqual(list.exitCode, 0, list.stderr)
        let lines = list.stdout.split(separator: "\n").map(String.init)
        let zoneNow = TimeZone(identifier: "Europe/Berlin")!.isDaylightSavingTime(for: Date()) ? "CEST" : "CET"
        XCTAssertTrue(lines[0].hasPrefix("CREATED (\(zoneNow))"), lines[0])
        let first = try XCTUnwrap(lines.first { $0.hasSuffix("backup-2026-10-25-003000.db") })
        let second = try XCTUnwrap(lines.first { $0.hasSuffix("backup-2026-10-25-013000.db") })
        XCTAssertTrue(first.hasPrefix("2026-10-25 02:30") && second.hasPrefix("2026-10-25 02:30"), first + "\n" + second)
        XCTAssertNotEqual(first.prefix(22), second.prefix(22), "the two are told apart by their zone\n" + first + "\n" + second)
        XCTAssertTrue(first.hasPrefix("2026-10-25 02:30 CEST") || second.hasPrefix("2026-10-25 02:30 CET"), first + "\n" + second)
        XCTAssertLessThan(lines.firstIndex(of: second)!, lines.firstIndex(of: first)!, "time order")
    }

    func testAHistoryLineWithBadBytesIsStillTheNewestAttempt() throws {
        let shop = try DemoFixture()
        let history = shop.layout.historyPath
        let line = #"{"durationSeconds":0.1,"kind":"manual","message":"BADBYTES","operation":"create","outcome":"failure","pid":1,"startedAt":"2099-01-01T00:00:00.000Z","trigger":"cli","version":"0.2.0"}"#
        var bytes = Data(line.utf8)
        bytes.replaceSubrange(bytes.range(of: Data("BADBYTES".utf8))!, with: Data([0x62, 0x61, 0x64, 0xFF, 0xFE, 0x21]))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: history))
        handle.seekToEndOfFile()
        handle.write(bytes + Data([0x0A]))
        try handle.close()
        let newest = BackupEngine(layout: shop.layout).history(limit: 1).first
        XCTAssertEqual(newest?.outcome, .failure)
        XCTAssertEqual(newest?.message, "bad\u{FFFD}\u{FFFD}!")
    }

    func testATwoGigabyteHistoryAnswersStatusAtOnce() throws {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        let history = shop.layout.historyPath
        let kept = try Data(contentsOf: URL(fileURLWithPath: history))
        // 2 GB of nothing (a sparse file: a disk error's zeros, no line breaks), then the real lines.
        XCTAssertEqual(truncate(history, 2 << 30), 0)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: history))
        handle.seekToEndOfFile()
        handle.write(kept)
        try handle.close()
        let binary = try BuiltProduct.backup.required()
        // Its own limit: reading it all would take far longer (and 2 GB of memory).
        let status = try ChildProcess("/usr/bin/env", ["HOME=/tmp", binary, "status"] + shop.dirArgs)
        let start = Date()
        let code = status.wait(timeout: 10)
        if code == nil { status.killHard() }
        let seconds = Date().timeIntervalSince(start)
        XCTAssertLessThan(seconds, 2, "status over a 2 GB history")
        XCTAssertEqual(code, 0, status.stdout + status.stderr)
        XCTAssertTrue(status.stdout.hasPrefix("OK - last backup"), status.stdout)
    }
}
