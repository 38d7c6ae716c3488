@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The history is parsed once per process and then only what was appended; whatever
/// happens to the file, a read returns what a fresh parse of it would.
final class HistoryLogTests: XCTestCase {
    private func entry(_ seconds: Double, _ message: String) -> HistoryEntry {
        var e = HistoryEntry(startedAt: Date(timeIntervalSince1970: 1_790_000_000 + seconds), operation: .create,
                             trigger: .cli, outcome: .success, durationSeconds: 1)
        e.message = message
        return e
    }

    private func fresh(_ path: String) throws -> [String] {
        // What the log holds, parsed by hand with no cache involved.
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        return data.split(separator: 0x0A).enumerated().compactMap { line in
            (try? HistoryLog.decoder.decode(HistoryEntry.self, from: line.element)).map { (line.offset, $0) }
        }.sorted { $0.1.startedAt != $1.1.startedAt ? $0.1.startedAt > $1.1.startedAt : $0.0 > $1.0 }.compactMap(\.1.message)
    }

    func testAppendsTornLinesRewritesAndReplacementsReadLikeAFreshParse() throws {
        let tmp = TempDir()
        let path = tmp.file("history.jsonl")
        let log = HistoryLog(path: path)
        XCTAssertEqual(log.read(), [])
        try log.append(entry(10, "a"))
        try log.append(entry(5, "b"))           // started earlier, finished later
        XCTAssertEqual(log.read().compactMap(\.message), ["a", "b"])
        try log.append(entry(10, "c"))          // same time as "a": the later line is newer
        XCTAssertEqual(log.read().compactMap(\.message), ["c", "a", "b"])
        XCTAssertEqual(log.read().compactMap(\.message), try fresh(path))

        // A torn last line (a crash mid-write) is skipped, then completed by the writer.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        var torn = try HistoryLog.encoder.encode(entry(20, "d"))
        handle.write(torn.prefix(30))
        XCTAssertEqual(log.read().compactMap(\.message), ["c", "a", "b"])
        torn = torn.dropFirst(30) + Data([0x0A])
        handle.write(torn)
        try handle.close()
        XCTAssertEqual(log.read().compactMap(\.message), ["d", "c", "a", "b"])
        XCTAssertEqual(log.read(limit: 2).compactMap(\.message), ["d", "c"])

        // Rewritten in place at the same size, then longer with other bytes: parsed again.
        let whole = try XCTUnwrap(FileManager.default.contents(atPath: path))
        let edited = Data(String(decoding: whole, as: UTF8.self).replacingOccurrences(of: "\"message\":\"a\"", with: "\"message\":\"A\"").utf8)
        XCTAssertEqual(edited.count, whole.count)
        try edited.write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(log.read().compactMap(\.message), try fresh(path))
        XCTAssertTrue(log.read().compactMap(\.message).contains("A"))
        let longer = Data(String(decoding: edited, as: UTF8.self).replacingOccurrences(of: "\"message\":\"b\"", with: "\"message\":\"bee\"").utf8)
            + (try HistoryLog.encoder.encode(entry(30, "e"))) + Data([0x0A])
        try longer.write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(log.read().compactMap(\.message), try fresh(path))
        XCTAssertEqual(log.read().compactMap(\.message), ["e", "d", "c", "A", "bee"])

        // Rewritten shorter (truncated), then replaced by another file: parsed again.
        let first = try XCTUnwrap(FileManager.default.contents(atPath: path)).split(separator: 0x0A, omittingEmptySubsequences: false)[0]
        try (first + Data([0x0A])).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(log.read().compactMap(\.message), ["A"])
        let other = tmp.file("other.jsonl")
        try HistoryLog(path: other).append(entry(1, "x"))
        XCTAssertEqual(rename(other, path), 0)
        XCTAssertEqual(log.read().compactMap(\.message), ["x"])
        unlink(path)
        XCTAssertEqual(log.read(), [])
    }
}
