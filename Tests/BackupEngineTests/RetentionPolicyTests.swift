@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

final class RetentionPolicyTests: XCTestCase {
    private func entry(_ name: String, _ kind: BackupKind, minutesAgo: Double, _ status: BackupStatus = .verified) -> BackupEntry {
        BackupEntry(name: name, path: "/b/" + name, kind: kind, createdAt: Date(timeIntervalSince1970: 1_000_000 - minutesAgo * 60),
                    sizeBytes: 100, status: status, statusDetail: nil, appVersion: nil, record: nil)
    }

    func testKeepsNewestFiveRegularAndFivePreUpdateSeparately() {
        var entries: [BackupEntry] = []
        for i in 0..<8 { entries.append(entry("s\(i)", i % 2 == 0 ? .scheduled : .manual, minutesAgo: Double(i))) }
        for i in 0..<7 { entries.append(entry("p\(i)", .preUpdate, minutesAgo: Double(i) + 0.5)) }
        entries.append(entry("old.sql", .legacySQL, minutesAgo: 9999, .unverified))
        let doomed = RetentionPolicy.standard.toDelete(from: entries).map(\.name)
        XCTAssertEqual(doomed, ["s5", "s6", "s7", "p5", "p6"])
    }

    func testScheduledAndManualShareOneCount() {
        let entries = [entry("m0", .manual, minutesAgo: 0), entry("s1", .scheduled, minutesAgo: 1), entry("m2", .manual, minutesAgo: 2)]
        XCTAssertEqual(RetentionPolicy(keepRegular: 2, keepPreUpdate: 5).toDelete(from: entries).map(\.name), ["m2"])
    }

    func testNewestVerifiedIsNeverDeleted() {
        // The five newest are all corrupt: the newest good one stays although it is sixth.
        var entries = (0..<5).map { entry("c\($0)", .scheduled, minutesAgo: Double($0), .corrupt) }
        entries.append(entry("good", .scheduled, minutesAgo: 10))
        entries.append(entry("older-good", .scheduled, minutesAgo: 20))
        XCTAssertEqual(RetentionPolicy.standard.toDelete(from: entries).map(\.name), ["older-good"])
        // Same rule within the pre-update group.
        let pre = [entry("p-bad", .preUpdate, minutesAgo: 0, .corrupt), entry("p-good", .preUpdate, minutesAgo: 5)]
        XCTAssertEqual(RetentionPolicy(keepRegular: 1, keepPreUpdate: 1).toDelete(from: pre).map(\.name), [])
    }

    func testProtectedNamesStay() {
        let entries = (0..<3).map { entry("s\($0)", .scheduled, minutesAgo: Double($0)) }
        XCTAssertEqual(RetentionPolicy(keepRegular: 1, keepPreUpdate: 1).toDelete(from: entries, protecting: ["s2"]).map(\.name), ["s1"])
    }

    func testUnverifiedBeyondTheCountGoLegacyNeverDoes() {
        let entries = [entry("s0", .scheduled, minutesAgo: 0), entry("u1", .scheduled, minutesAgo: 1, .unverified),
                       entry("x.sql", .legacySQL, minutesAgo: 2, .unverified)]
        XCTAssertEqual(RetentionPolicy(keepRegular: 1, keepPreUpdate: 1).toDelete(from: entries).map(\.name), ["u1"])
    }

    func testCreateAppliesRetentionOnDisk() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 20)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_000_000))
        let engine = BackupEngine(layout: layout, clock: clock)
        try engine.setRetention("backup_keep", 3)
        var made: [String] = []
        for _ in 0..<5 {
            made.append(try engine.createBackup(kind: .scheduled).entry.name)
            clock.advance(by: 3 * 3600)
        }
        for v in ["1.0.0", "1.1.0"] { _ = try engine.createPreUpdateBackup(appVersion: v); clock.advance(by: 60) }
        let names = engine.listBackups().map(\.name)
        XCTAssertEqual(names.filter { $0.hasPrefix("backup-") }, Array(made.suffix(3).reversed()))
        XCTAssertEqual(names.filter { $0.hasPrefix("pre-update-") }.count, 2)
        XCTAssertEqual(FileSystem.list(layout.metaDir).filter { $0.hasPrefix("backup-") }.count, 3, "metadata goes with its file")
        XCTAssertTrue(engine.history().contains { $0.operation == .prune && $0.message?.contains(made[0]) == true })
    }

    func testPruneDryRunChangesNothingAndPruneRemoves() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 20)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_000_000))
        let engine = BackupEngine(layout: layout, clock: clock)
        for _ in 0..<4 { _ = try engine.createBackup(); clock.advance(by: 60) }
        let dry = try engine.prune(policy: RetentionPolicy(keepRegular: 2, keepPreUpdate: 5), dryRun: true)
        XCTAssertEqual(dry.deleted.count, 2)
        XCTAssertEqual(engine.listBackups().count, 4)
        let real = try engine.prune(policy: RetentionPolicy(keepRegular: 2, keepPreUpdate: 5))
        XCTAssertEqual(real.deleted.map(\.name), dry.deleted.map(\.name))
        XCTAssertEqual(engine.listBackups().count, 2)
        assertThrowsBackupError(try engine.prune(policy: RetentionPolicy(keepRegular: 0, keepPreUpdate: 5))) { $0.isInputError }
    }
}
