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
        XCTAssertEqual(doomed, ["s5", "p5", "s6", "p6", "s7"], "newest first")
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
        // The reference's plain "last N": no daily or weekly layer.
        try engine.setRetention("backup_keep_daily", 0)
        try engine.setRetention("backup_keep_weekly", 0)
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

    // MARK: - Days and weeks

    private func calendar(_ zone: String) -> Calendar {
        var c = Calendar(identifier: .iso8601)
        c.timeZone = TimeZone(identifier: zone)!
        return c
    }

    private func at(_ text: String, _ zone: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: zone)
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: text)!
    }

    private func dated(_ name: String, _ date: Date, _ kind: BackupKind = .scheduled) -> BackupEntry {
        BackupEntry(name: name, path: "/b/" + name, kind: kind, createdAt: date, sizeBytes: 100, status: .verified,
                    statusDetail: nil, appVersion: nil, record: nil)
    }

    func testOneADayIsTheNewestOfEachLocalDay() {
        let zone = "America/New_York"
        // Every 3 hours for 10 days, local time.
        var entries: [BackupEntry] = []
        for day in 1...10 {
            for hour in stride(from: 0, to: 24, by: 3) {
                entries.append(dated(String(format: "d%02d-h%02d", day, hour), at(String(format: "2026-11-%02d %02d:00", day, hour), zone)))
            }
        }
        let policy = RetentionPolicy(keepRegular: 5, keepDaily: 7, keepWeekly: 0, keepPreUpdate: 5, calendar: calendar(zone))
        let decisions = policy.decide(entries)
        let daily = decisions.filter { $0.reasons.contains(.daily) }.map(\.entry.name)
        XCTAssertEqual(daily, (4...10).reversed().map { String(format: "d%02d-h21", $0) }, "the 21:00 local backup of each of the 7 newest days")
        let kept = decisions.filter(\.keep).map(\.entry.name)
        XCTAssertEqual(kept.count, 5 + 6, "5 newest (one of them also today's daily) + 6 earlier days")
        XCTAssertTrue(kept.contains("d09-h21"), "yesterday stays after today's backups")
        // In UTC the same instants fall on other days: the newest of each UTC day differs.
        let utc = RetentionPolicy(keepRegular: 5, keepDaily: 7, keepWeekly: 0, keepPreUpdate: 5, calendar: calendar("UTC"))
        XCTAssertNotEqual(utc.decide(entries).filter { $0.reasons.contains(.daily) }.map(\.entry.name), daily)
    }

    func testOneAWeekIsTheNewestOfEachISOWeek() {
        let zone = "Europe/Berlin"
        // One a day for 6 weeks from Monday 2026-10-05.
        let start = at("2026-10-05 12:00", zone)
        let entries = (0..<42).map { dated(String(format: "day%02d", $0), start.addingTimeInterval(Double($0) * 86400 + 60)) }.reversed()
        let policy = RetentionPolicy(keepRegular: 1, keepDaily: 0, keepWeekly: 4, keepPreUpdate: 5, calendar: calendar(zone))
        let weekly = policy.decide(Array(entries)).filter { $0.reasons.contains(.weekly) }.map(\.entry.name)
        XCTAssertEqual(weekly, ["day41", "day34", "day27", "day20"], "each Sunday, the newest of its Monday-to-Sunday week")
    }

    func testDaysAcrossADSTChangeAreCalendarDays() {
        let zone = "Europe/Berlin"   // 2026-03-29 02:00 -> 03:00
        let names = ["2026-03-28 23:30", "2026-03-29 00:30", "2026-03-29 03:30", "2026-03-29 23:30", "2026-03-30 00:30"]
        let entries = names.enumerated().map { dated("b\($0.offset)", at($0.element, zone)) }.reversed()
        let policy = RetentionPolicy(keepRegular: 1, keepDaily: 3, keepWeekly: 0, keepPreUpdate: 5, calendar: calendar(zone))
        let daily = policy.decide(Array(entries)).filter { $0.reasons.contains(.daily) }.map(\.entry.name)
        XCTAssertEqual(daily, ["b4", "b3", "b0"], "the 23-hour day counts once")
    }

    func testEqualTimestampsKeepTheOneMadeLast() {
        let t = at("2026-11-20 10:00", "UTC")
        let entries = [dated("backup-2026-11-20-100000.db", t), dated("backup-2026-11-20-100000-2.db", t)]
        let policy = RetentionPolicy(keepRegular: 1, keepDaily: 1, keepWeekly: 1, keepPreUpdate: 1, calendar: calendar("UTC"))
        let decisions = policy.decide(entries)
        XCTAssertEqual(decisions.filter(\.keep).map(\.entry.name), ["backup-2026-11-20-100000-2.db"])
        XCTAssertEqual(decisions.first?.reasons, [.last, .daily, .weekly, .newestVerified])
    }

    func testPreUpdateBackupsNeverCountAgainstTheOthers() {
        let now = at("2026-11-20 10:00", "UTC")
        var entries = (0..<10).map { dated("p\($0)", now.addingTimeInterval(Double(-$0) * 60), .preUpdate) }
        entries += (0..<6).map { dated("s\($0)", now.addingTimeInterval(Double(-$0 - 20) * 60)) }
        let policy = RetentionPolicy(keepRegular: 5, keepDaily: 0, keepWeekly: 0, keepPreUpdate: 5, calendar: calendar("UTC"))
        XCTAssertEqual(policy.toDelete(from: entries).map(\.name), ["p5", "p6", "p7", "p8", "p9", "s5"])
    }

    func testMakingRoomTakesDepthFirstAndNeverTheNewestTwoVerified() {
        let zone = "UTC"
        var entries: [BackupEntry] = []
        for day in 1...20 { entries.append(dated(String(format: "d%02d", day), at(String(format: "2026-11-%02d 12:00", day), zone))) }
        entries += [dated("pre-old", at("2026-11-02 09:00", zone), .preUpdate), dated("pre-new", at("2026-11-19 09:00", zone), .preUpdate)]
        let policy = RetentionPolicy(keepRegular: 5, keepDaily: 7, keepWeekly: 4, keepPreUpdate: 5, calendar: calendar(zone))
        let order = policy.makeRoomCandidates(entries).map(\.name)
        let weeklyOnly = policy.decide(entries).filter { $0.reasons == [.weekly] }.map(\.entry.name).reversed()
        XCTAssertEqual(Array(order.prefix(weeklyOnly.count)), Array(weeklyOnly), "weekly-only first, oldest first")
        XCTAssertFalse(order.contains("d20"))
        XCTAssertFalse(order.contains("d19"))
        XCTAssertFalse(order.contains("pre-new"))
        XCTAssertTrue(order.contains("pre-old"))
    }

    func testTheDateColumnIsFoundByNameThenType() {
        XCTAssertEqual(DateColumn.pick([("id", "INTEGER"), ("closed_at", "TEXT"), ("created_at", "TEXT")]), "created_at")
        XCTAssertEqual(DateColumn.pick([("id", "INTEGER"), ("Date", "TEXT")]), "Date")
        XCTAssertEqual(DateColumn.pick([("id", "INTEGER"), ("opened", "DATETIME")]), "opened")
        XCTAssertEqual(DateColumn.pick([("id", "INTEGER"), ("paid_at", "TEXT")]), "paid_at")
        XCTAssertNil(DateColumn.pick([("id", "INTEGER"), ("name", "TEXT")]))
    }
}
