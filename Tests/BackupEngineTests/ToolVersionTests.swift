@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Which mr5-backup version made each backup and each attempt, and files from before it
/// was recorded still read.
final class ToolVersionTests: XCTestCase {
    func testABackupAndItsHistoryEntrySayWhichVersionMadeThem() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let made = try engine.createBackup(kind: .manual)
        XCTAssertEqual(made.record.toolVersion, ToolVersion.current)
        // As saved in backups/.meta and in logs/history.jsonl, read back.
        XCTAssertEqual(try engine.catalog.entry(named: made.entry.name).record?.toolVersion, ToolVersion.current)
        XCTAssertEqual(engine.history().first?.version, ToolVersion.current)
        let line = try XCTUnwrap(String(contentsOfFile: layout.historyPath, encoding: .utf8).split(separator: "\n").last)
        XCTAssertTrue(line.contains("\"version\":\"\(ToolVersion.current)\""), String(line))
    }

    func testHistoryLinesAndRecordsFromBeforeTheVersionStillRead() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp)
        let engine = BackupEngine(layout: layout)
        let made = try engine.createBackup(kind: .manual)
        // A line as 0.1.0 wrote it: no "version".
        let old = #"{"durationSeconds":0.5,"kind":"scheduled","operation":"create","outcome":"success","pid":42,"startedAt":"2026-11-20T08:00:00Z","trigger":"scheduler"}"#
        try Data((old + "\n").utf8).write(to: URL(fileURLWithPath: layout.historyPath))
        let entries = engine.history()
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries.first?.pid, 42)
        XCTAssertNil(entries.first?.version)

        // A record as 0.1.0 wrote it: no "toolVersion". It still reads, and the backup stays verified.
        let metaPath = layout.metaDir + "/" + made.entry.name + ".json"
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metaPath))) as? [String: Any])
        XCTAssertEqual(json.removeValue(forKey: "toolVersion") as? String, ToolVersion.current)
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: metaPath))
        let entry = try engine.catalog.entry(named: made.entry.name)
        XCTAssertNotNil(entry.record)
        XCTAssertNil(entry.record?.toolVersion)
        XCTAssertEqual(entry.status, .verified)
    }

    func testTheVersionIsOneThatAPackageCanCarry() {
        // Debian's upstream version: starts with a digit; letters, digits and . + ~ only.
        XCTAssertNotNil(ToolVersion.current.range(of: #"^[0-9][A-Za-z0-9.+~]*$"#, options: .regularExpression))
    }
}
