@testable import BackupEngine
import Foundation
import XCTest

/// The fleet's rules on snapshot lists made here: the tag round trip, dark after two
/// intervals and CRITICAL after a day, worst first, the summary line, and alerts once per change.
final class FleetRulesTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_796_400_000)

    private func snapshot(_ host: String, hoursAgo: Double, level: HealthLevel = .ok, message: String = "backups verified and current",
                          interval: Int? = 10800, push: Bool = true) -> ResticSnapshot {
        var health = TerminalHealth(appVersion: "2.4.0", databaseBytes: 1000, orders: 42, backups: 3)
        health.intervalSeconds = interval
        health.keyID = "abcd1234"
        let report = RepositoryReport(kind: .health, terminal: host, writtenAt: now.addingTimeInterval(-hoursAgo * 3600),
                                      level: level, message: message, health: health)
        let tags = (push ? [Restic.tag, "kind:scheduled"] : [RepositoryReport.tag, "report:health"]) + [report.healthTag]
        return ResticSnapshot(id: UUID().uuidString, shortID: "x", time: report.writtenAt, hostname: host, tags: tags)
    }

    func testTheReportRidesInOneTagWithNoCommaAndComesBackWhole() throws {
        let s = snapshot("till-1", hoursAgo: 1, level: .critical, message: "live database damaged: page 7, page 9, and more\nsecond line")
        let tag = try XCTUnwrap(s.tags.last)
        XCTAssertFalse(tag.contains(","), "restic splits --tag on commas")
        XCTAssertTrue(tag.allSatisfy { $0.isLetter || $0.isNumber || "-_:".contains($0) }, tag)
        let back = try XCTUnwrap(RepositoryReport.fromTags(s.tags))
        XCTAssertEqual(back.level, .critical)
        XCTAssertEqual(back.health?.orders, 42)
        XCTAssertFalse(back.message.contains("\n"), "one line")
        XCTAssertNil(RepositoryReport.fromTags(["health:%%%not-base64"]))
        XCTAssertNil(RepositoryReport.fromTags(["kind:scheduled"]))
    }

    func testSilentForTwoIntervalsIsWarningAndForADayCritical() {
        let rows = FleetRules.rows([snapshot("a", hoursAgo: 1), snapshot("b", hoursAgo: 7), snapshot("c", hoursAgo: 25),
                                    snapshot("d", hoursAgo: 2.5, interval: nil)], now: now)
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.terminal, $0) })
        XCTAssertEqual(byName["a"]?.level, .ok)
        XCTAssertNil(byName["a"]?.darkSince)
        XCTAssertEqual(byName["b"]?.level, .warning)
        XCTAssertTrue(byName["b"]?.reason.hasPrefix("dark since ") == true, byName["b"]?.reason ?? "")
        XCTAssertEqual(byName["c"]?.level, .critical)
        XCTAssertEqual(byName["d"]?.level, .warning, "backups off: the hourly report is the interval")
        XCTAssertEqual(rows.map(\.terminal), ["c", "b", "d", "a"], "worst first, the longest dark first")
    }

    func testWhatATillReportsStandsWhenWorseAndTheNewestReportWins() {
        let rows = FleetRules.rows([snapshot("a", hoursAgo: 3, level: .ok),
                                    snapshot("a", hoursAgo: 0.5, level: .critical, message: "live database damaged", push: false)], now: now)
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0].level, .critical)
        XCTAssertEqual(rows[0].reason, "live database damaged")
        XCTAssertEqual(rows[0].snapshots, 1, "a report is not a backup snapshot")
        let fleet = Fleet(rows: rows, readAt: now)
        XCTAssertEqual(fleet.summary, "1 terminal: 0 OK, 1 CRITICAL (a: live database damaged)")
        XCTAssertEqual(fleet.performanceData, "terminals=1;;;0 ok=0;;;0 warning=0;;;0 critical=1;;;0 unknown=0;;;0")
        XCTAssertEqual(Fleet(rows: [], readAt: now).level, .unknown)
    }

    func testDarkAndRecoveredAreEachToldOnce() {
        let dark = Fleet(rows: FleetRules.rows([snapshot("a", hoursAgo: 1), snapshot("b", hoursAgo: 8)], now: now), readAt: now)
        let first = FleetWatch().changes(dark)
        XCTAssertEqual(first.dark.map(\.terminal), ["b"])
        XCTAssertTrue(first.recovered.isEmpty)
        let again = first.memory.changes(dark)
        XCTAssertTrue(again.dark.isEmpty && again.recovered.isEmpty, "the same state tells nothing")
        let back = Fleet(rows: FleetRules.rows([snapshot("a", hoursAgo: 1), snapshot("b", hoursAgo: 0.1)], now: now), readAt: now)
        let recovered = again.memory.changes(back)
        XCTAssertEqual(recovered.recovered.map(\.terminal), ["b"])
        XCTAssertTrue(recovered.memory.dark.isEmpty)
        let events = FleetWatch.events(dark: first.dark, recovered: recovered.recovered, dataDir: "/x", now: now)
        XCTAssertEqual(events.map(\.event), [.terminalDark, .terminalRecovered])
        XCTAssertEqual(events.map(\.terminal), ["b", "b"])
    }

    func testMetricsHaveOneSeriesPerTerminal() {
        let fleet = Fleet(rows: FleetRules.rows([snapshot("a", hoursAgo: 1), snapshot("b", hoursAgo: 8)], now: now), readAt: now)
        let text = FleetMetrics.render(fleet)
        XCTAssertTrue(text.contains("mr5_fleet_terminal_verdict{terminal=\"b\"} 1\n"), text)
        XCTAssertTrue(text.contains("mr5_fleet_terminal_report_age_seconds{terminal=\"a\"} 3600\n"), text)
        XCTAssertTrue(text.contains("mr5_fleet_terminals{verdict=\"warning\"} 1\n"), text)
        XCTAssertTrue(text.contains("mr5_fleet_read_timestamp_seconds 1796400000\n"), text)
    }

    /// A stolen till writes what it likes under any name: a report dated in the future is
    /// not believed, and its fields reach a screen only in their own forms.
    func testAFutureReportIsNotBelievedAndAHostileTillsFieldsAreData() throws {
        let rows = FleetRules.rows([snapshot("a", hoursAgo: 30), snapshot("a", hoursAgo: -24 * 365)], now: now)
        XCTAssertEqual(rows[0].level, .critical, "still dark: the report from the future does not count as heard")
        XCTAssertTrue(rows[0].reason.contains("in the future"), rows[0].reason)

        var health = TerminalHealth(appVersion: "2.4.0\tFAKE\nrow", orders: 1)
        health.keyID = "ab\u{1b}[31m"
        let hostile = RepositoryReport(kind: .health, terminal: "b", writtenAt: now, level: .ok,
                                       message: "fine\n\u{1b}[2Jtill-x  OK", health: health)
        let back = try XCTUnwrap(RepositoryReport.fromTags([hostile.healthTag]))
        XCTAssertNil(back.health?.appVersion)
        XCTAssertNil(back.health?.keyID)
        XCTAssertFalse(back.message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, back.message)
        XCTAssertNil(RepositoryReport.fromTags(["health:" + String(repeating: "A", count: 10_000)]), "an oversized tag is dropped")
    }

    func testManyTillsGoingDarkAtOnceAreOneEventWithoutMarkup() {
        let rows = (1...12).map { FleetRow(terminal: "t\($0)", level: .warning, reason: "dark <!channel>", heardAt: nil, darkSince: now,
                                             lastPushAt: nil, snapshots: 0, report: nil) }
        let grouped = FleetWatch.events(dark: rows, recovered: [], dataDir: "/x", now: now)
        XCTAssertEqual(grouped.count, 1)
        XCTAssertTrue(grouped[0].message.hasPrefix("12 terminals went dark: t1, t2"), grouped[0].message)
        let one = FleetWatch.events(dark: [rows[0]], recovered: [], dataDir: "/x", now: now)
        XCTAssertEqual(one[0].message, "t1 is dark !channel")
    }
}
