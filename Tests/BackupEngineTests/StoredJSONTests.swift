@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Our own files are read by a fast path (`JSONTree`, `JSONTreeDecoder`, the history's line
/// reader) that must give exactly what `JSONDecoder` gives, or step aside for it.
final class StoredJSONTests: XCTestCase {
    private var generator = SystemRandomNumberGenerator()

    /// What the history line reader gives, or `JSONDecoder` when it steps aside: `read()`'s path.
    private func readLine(_ text: String) -> HistoryEntry? {
        let data = Data(text.utf8)
        let fast = data.withUnsafeBytes { HistoryEntry.fromStoredLine($0.bindMemory(to: UInt8.self)) }
        return fast ?? (try? HistoryLog.decoder.decode(HistoryEntry.self, from: data))
    }

    private func reference(_ text: String) -> HistoryEntry? {
        try? HistoryLog.decoder.decode(HistoryEntry.self, from: Data(text.utf8))
    }

    private func randomText() -> String {
        let pieces = ["disk full", "é", "日本", "🙂", "\"quoted\"", "back\\slash", "line\nbreak", "tab\t", "\u{1}", "/", " ", "ok"]
        return (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    private func randomEntry() -> HistoryEntry {
        var e = HistoryEntry(
            startedAt: Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000_000, using: &generator)) / 1000),
            operation: [.create, .verify, .restore, .offsitePush].randomElement(using: &generator)!,
            trigger: [.cli, .scheduler, .console].randomElement(using: &generator)!,
            outcome: [.success, .failure, .cancelled].randomElement(using: &generator)!,
            durationSeconds: Double.random(in: 0...10_000, using: &generator),
            backupName: Bool.random(using: &generator) ? "backup-2026-11-27-112212.db" : nil,
            kind: Bool.random(using: &generator) ? .scheduled : nil,
            sizeBytes: Bool.random(using: &generator) ? Int64.random(in: 0...Int64.max, using: &generator) : nil,
            pid: Int32.random(in: Int32.min...Int32.max, using: &generator),
            version: Bool.random(using: &generator) ? "0.2.0" : nil)
        e.message = Bool.random(using: &generator) ? randomText() : nil
        e.detail = Bool.random(using: &generator) ? randomText() : nil
        e.savedCopy = Bool.random(using: &generator) ? "mr5-pos.db.corrupted." + randomText() : nil
        return e
    }

    func testHistoryLinesReadExactlyAsJSONDecoderReadsThem() throws {
        for _ in 0..<2000 {
            let entry = randomEntry()
            let line = String(decoding: try HistoryLog.encoder.encode(entry), as: UTF8.self)
            let fast = line.utf8.withContiguousStorageIfAvailable { HistoryEntry.fromStoredLine($0) } ?? nil
            XCTAssertNotNil(fast, "our own form takes the fast path: \(line)")
            XCTAssertEqual(fast, reference(line), line)
        }
    }

    func testUnusualLinesGiveWhatJSONDecoderGives() {
        let base = #""startedAt":"2026-11-27T08:45:36.198Z","operation":"create","trigger":"cli","outcome":"success","durationSeconds":1.5,"pid":7"#
        let lines = [
            "{\(base)}",
            "{\(base),\"unknownKey\":[1,{\"a\":null}]}",                 // unknown keys are skipped
            "{\(base),\"message\":null,\"kind\":null,\"sizeBytes\":null}", // null is absent
            " { \(base) , \"message\" : \"a\\u00e9\\ud83d\\ude42\\n\" } ",  // spaces, escapes, a surrogate pair
            "{\(base),\"sizeBytes\":1e3}",                                  // not an integer form
            "{\(base),\"sizeBytes\":1.0}",
            "{\(base),\"sizeBytes\":99999999999999999999}",                 // too big
            "{\(base),\"pid\":8}",                                          // a repeated key
            "{\(base),\"kind\":\"weekly\"}",                                // an unknown kind
            "{\(base),\"message\":5}",                                      // a wrong type
            "{\(base),\"message\":\"\\ud83d\"}",                            // a lone surrogate
            "{\(base),\"message\":\"raw\u{1}control\"}",
            "{\(base),}", "{\(base)", "{\(base)} x", "[\(base)]", "", "{}",
            "{\"operation\":\"create\",\"trigger\":\"cli\",\"outcome\":\"success\",\"durationSeconds\":1,\"pid\":7}", // no date
            "{\(base.replacingOccurrences(of: "08:45:36.198Z", with: "08:45:36Z"))}",      // whole seconds
            "{\(base.replacingOccurrences(of: "08:45:36.198Z", with: "08:45:36+01:00"))}", // another ISO form
            "{\(base.replacingOccurrences(of: "1.5", with: "-0.25e-2"))}",
            "{\(base.replacingOccurrences(of: "1.5", with: "01.5"))}",                     // a leading zero
            "{\(base.replacingOccurrences(of: "1.5", with: "1e400"))}",                    // out of range
            "{\(base.replacingOccurrences(of: "1.5", with: "-1e400"))}",
            "{\(base.replacingOccurrences(of: "1.5", with: "1e-400"))}",                   // zero from non-zero digits
            "{\(base.replacingOccurrences(of: "1.5", with: "0.0e-400"))}",
            "{\(base.replacingOccurrences(of: "1.5", with: "5e-324"))}",                   // the smallest subnormal
        ]
        for line in lines {
            XCTAssertEqual(readLine(line), reference(line), line)
        }
        // The lines in our own form, however spaced or escaped, are the fast path's own.
        for line in lines.prefix(4) {
            XCTAssertNotNil(line.utf8.withContiguousStorageIfAvailable { HistoryEntry.fromStoredLine($0) } ?? nil, line)
        }
        XCTAssertEqual(readLine(lines[3])?.message, "aé🙂\n")
        for (text, value) in [("1e400", nil), ("1e-400", nil), ("0.0e-400", 0.0), ("5e-324", 5e-324)] as [(String, Double?)] {
            XCTAssertEqual(JSONTree.double(text), value, text)
        }
        XCTAssertNil(readLine("{\(base),\"kind\":\"weekly\"}"), "an unknown kind makes the line unreadable, as before")
    }

    func testTheLineReaderKnowsEveryStoredProperty() {
        let names = Set(Mirror(reflecting: randomEntry()).children.compactMap(\.label))
        XCTAssertEqual(names, HistoryEntry.storedKeys, "a field added to HistoryEntry must be read by fromStoredLine too")
    }

    func testBackupMetadataReadsAsJSONDecoderReadsIt() throws {
        let tmp = TempDir()
        let engine = BackupEngine(layout: try makeDataDir(tmp, rows: 20))
        let made = try engine.createBackup()
        var record = made.record
        record.offsite = OffsiteCopy(snapshot: "abc123", pushedAt: Date(timeIntervalSince1970: 1_790_000_000.5), bytesAdded: 42)
        record.appVersion = "7.1 \"é\"\n"
        for candidate in [made.record, record] {
            let data = try HistoryLog.encoder.encode(candidate)
            let tree = try XCTUnwrap(JSONTree.parse(data))
            // Dates are stored to the millisecond, so the reference is JSONDecoder's reading.
            let reference = try HistoryLog.decoder.decode(BackupRecord.self, from: data)
            XCTAssertEqual(try JSONTreeDecoder.convert(tree, as: BackupRecord.self), reference, "the fast path itself")
            XCTAssertEqual(try StoredJSON.decode(BackupRecord.self, from: data), reference)
        }
        // A file the fast path does not take (an integer written as 49152.0) still reads,
        // through JSONDecoder, as JSONDecoder reads it.
        let text = String(decoding: try HistoryLog.encoder.encode(record), as: UTF8.self)
        let size = "\"sizeBytes\":\(record.sizeBytes)"
        XCTAssertTrue(text.contains(size))
        let odd = Data(text.replacingOccurrences(of: size, with: size + ".0").utf8)
        XCTAssertThrowsError(try JSONTreeDecoder.convert(try XCTUnwrap(JSONTree.parse(odd)), as: BackupRecord.self), "the fast path steps aside")
        let viaFallback = try? StoredJSON.decode(BackupRecord.self, from: odd)
        XCTAssertEqual(viaFallback, try? HistoryLog.decoder.decode(BackupRecord.self, from: odd))
        if let viaFallback { XCTAssertEqual(viaFallback.sizeBytes, record.sizeBytes) }
        XCTAssertThrowsError(try StoredJSON.decode(BackupRecord.self, from: Data("{\"name\":1}".utf8)), "a broken file is an error, as before")
    }

    func testTheParserRefusesWhatIsNotJSON() {
        for text in ["01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"\\x\"", "\"abc", "[1,]", "{\"a\"}", "{\"a\":1,}", "{a:1}",
                     "[1 2]", "\u{FEFF}1", "1 1", String(repeating: "[", count: 65) + String(repeating: "]", count: 65)] {
            XCTAssertNil(JSONTree.parse(Data(text.utf8)), text)
        }
        XCTAssertNil(JSONTree.parse(Data([0x22, 0xC3, 0x28, 0x22])), "invalid UTF-8")
        for text in ["0", "-0.5e+3", "true", "null", "\"\"", "[]", "{}", "[[[]]]", " {\"a\" : [1, \"x\", null, false]} "] {
            XCTAssertNotNil(JSONTree.parse(Data(text.utf8)), text)
        }
    }

    func testSortingByKeyMatchesTheComparison() throws {
        let tmp = TempDir()
        let engine = BackupEngine(layout: try makeDataDir(tmp, rows: 5))
        let base = try engine.createBackup().record
        var entries: [BackupEntry] = []
        for _ in 0..<300 {
            var r = base
            r.madeSequence = Bool.random(using: &generator) ? Int.random(in: 0...20, using: &generator) : nil
            let second = Int.random(in: 0...30, using: &generator)
            let suffix = Bool.random(using: &generator) ? "-\(Int.random(in: 2...4, using: &generator))" : ""
            let name = "backup-2026-11-27-1122\(String(format: "%02d", second))\(suffix).db"
            entries.append(BackupEntry(name: name, path: "/x/" + name, kind: .manual,
                                       createdAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(second)), sizeBytes: 1,
                                       status: .verified, statusDetail: nil, appVersion: nil, record: r))
        }
        XCTAssertEqual(BackupEntry.sortedNewerFirst(entries).map(\.name), entries.sorted(by: BackupEntry.newerFirst).map(\.name))
    }
}
