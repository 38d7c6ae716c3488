@testable import BackupEngine
import Foundation
import XCTest

/// Each health finding by its kind, and the notification each kind raises: rewording a
/// message must never change which event fires.
extension HealthEvaluatorTests {
    func kinds(_ r: HealthReport) -> [HealthFinding.Kind] { r.findings.map(\.kind) }

    func testEachRuleRaisesItsKindAndTheNotifierMapsKindsNotWords() {
        let damaged = CheckFindings(check: "quick_check", lines: ["page 4043: btreeInitPage() returns error code 11"])
        let cases: [(HealthReport, HealthFinding.Kind, NotifyEvent.Name?)] = [
            (HealthEvaluator.evaluate(frequency: threeHours, history: [attempt(hoursAgo: 1, .success)], backups: [backup(hoursAgo: 1, size: 40 * mib)],
                                      freeBytes: 10 << 30, expectedBackupBytes: 40 * mib, snapshot: nil, now: now, live: .damaged(damaged)),
             .liveDatabaseDamaged, .liveDBDamaged),
            (HealthEvaluator.evaluate(frequency: threeHours, history: [attempt(hoursAgo: 1, .success)], backups: [backup(hoursAgo: 1, size: 40 * mib)],
                                      freeBytes: 10 << 30, expectedBackupBytes: 40 * mib, snapshot: nil, now: now, live: .missing),
             .liveDatabaseMissing, .liveDBMissing),
            (evaluate(free: 50 * mib), .diskLow, .diskLow),
            (evaluate(backups: [backup(hoursAgo: 4, size: 40 * mib), backup(hoursAgo: 1, size: 10 * mib)]), .sizeAnomaly, .sizeAnomaly),
            (HealthEvaluator.evaluate(frequency: threeHours, history: [attempt(hoursAgo: 1, .success)], backups: [backup(hoursAgo: 1, size: 40 * mib)],
                                      freeBytes: 10 << 30, expectedBackupBytes: 40 * mib, snapshot: nil, now: now, schedulerExpected: true),
             .schedulerStopped, .schedulerStopped),
            (evaluate(history: [attempt(hoursAgo: 7, .success)], backups: [backup(hoursAgo: 7, size: 40 * mib)]), .backupOverdue, .backupOverdue),
            (evaluate(backups: [backup(hoursAgo: 4, size: 40 * mib), backup(hoursAgo: 1, size: 41 * mib, status: .corrupt)]), .corruptBackups, .corruptBackupFound),
            (evaluate(history: [attempt(hoursAgo: 1, .failure)]), .backupsFailing, nil),
            (evaluate(frequency: .off), .scheduleOff, nil),
            (evaluate(unknowns: ["cannot read free space: EIO"]), .unreadable, nil),
            (evaluate(backups: [backup(hoursAgo: 1, size: 40 * mib, status: .corrupt)]), .noVerifiedBackup, nil),
        ]
        for (report, kind, event) in cases {
            let finding = report.findings.first { $0.kind == kind }
            XCTAssertNotNil(finding, "\(kind) not raised: \(kinds(report)) \(report.summary)")
            XCTAssertEqual(Notifier.event(for: kind), event, "\(kind)")
        }
        // The live database's findings name the backup to restore.
        XCTAssertNotNil(cases[1].0.findings.first { $0.kind == .liveDatabaseMissing }?.backupName)
    }

    func testEveryOffsiteKindRaisesOffsiteFailedOrDamagedAndTheEventNamesAreStable() {
        for kind in HealthFinding.Kind.allCases where kind.isOffsite {
            // Damage has an event of its own: it is not a push that will work next time.
            XCTAssertEqual(Notifier.event(for: kind), kind == .offsiteDamaged ? .offsiteDamaged : .offsiteFailed, "\(kind)")
        }
        XCTAssertEqual(Notifier.event(for: .offsiteDamaged)?.rawValue, "offsite_damaged")
        XCTAssertEqual(Notifier.event(for: .liveDatabaseDamaged)?.rawValue, "live_db_damaged")
        XCTAssertEqual(Notifier.event(for: .liveDatabaseMissing)?.rawValue, "live_db_missing")
        XCTAssertEqual(Notifier.event(for: .diskLow)?.rawValue, "disk_low")
        XCTAssertEqual(Notifier.event(for: .sizeAnomaly)?.rawValue, "size_anomaly")
        XCTAssertEqual(Notifier.event(for: .schedulerStopped)?.rawValue, "scheduler_stopped")
    }
}
