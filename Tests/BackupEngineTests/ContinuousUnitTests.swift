@testable import BackupEngine
import Foundation
import XCTest

/// The continuous pieces that need no Litestream: its config, its last words, the health rules.
final class ContinuousUnitTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 2_000_000_000)

    func testTheConfigNamesTheDatabaseOurBookkeepingAndTheReplicaQuoted() {
        let text = Litestream.configText(database: "/var/lib/mr5 pos/mr5-pos.db", meta: "/var/lib/mr5 pos/backups/.meta/continuous/meta",
                                         replicaPath: "/media/usb/\"odd\"/till-1/0123456789abcdef", keepDays: 7)
        XCTAssertTrue(text.contains("- path: \"/var/lib/mr5 pos/mr5-pos.db\""), text)
        XCTAssertTrue(text.contains("meta-path: \"/var/lib/mr5 pos/backups/.meta/continuous/meta\""), text)
        XCTAssertTrue(text.contains("path: \"/media/usb/\\\"odd\\\"/till-1/0123456789abcdef\""), text)
        XCTAssertTrue(text.contains("retention: 168h"), text)
        XCTAssertEqual(ContinuousService.folder(of: "file:///media/usb/mr5/"), "/media/usb/mr5")
        XCTAssertNil(ContinuousService.folder(of: "s3://bucket/path"))
    }

    func testLitestreamsLastWordsAreItsErrorInOneLine() {
        let log = """
            time=2026-12-05T03:41:45Z level=INFO msg="replicating"
            time=2026-12-05T03:41:46Z level=ERROR msg="sync error" db=/data/mr5-pos.db error="write /media/usb/x: no space left on device"
            """
        XCTAssertEqual(Litestream.lastWords(log), "sync error: write /media/usb/x: no space left on device")
        XCTAssertNil(Litestream.lastWords("\n\n"))
    }

    func testNotRunningIsAWarningAndLagPastAMinuteWarnsAndPastFifteenIsCritical() {
        let config = ContinuousConfig(replica: "/media/usb/c", replicaPath: "/media/usb/c/till-1/0123456789abcdef", terminal: "till-1",
                                      install: "0123456789abcdef", configuredAt: now.addingTimeInterval(-3600))
        var status = ContinuousStatus(config: config, installed: true, state: ContinuousState(), running: true,
                                      lastSyncAt: now.addingTimeInterval(-100), windowStart: nil, databaseChangedAt: now.addingTimeInterval(-70))
        XCTAssertTrue(ContinuousRules.findings(status, now: now).isEmpty, "30 s behind")
        status.databaseChangedAt = now
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.level), [.warning])
        status.lastSyncAt = now.addingTimeInterval(-16 * 60)
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.level), [.critical])
        XCTAssertEqual(ContinuousRules.findings(status, now: now).first?.kind, .continuousLagging)
        status.lastSyncAt = now
        status.running = false
        status.state.lastProblem = "sync error: no space left on device"
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.message),
                       ["continuous protection is set up but Litestream is not running: sync error: no space left on device"])
        status.installed = false
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.kind), [.continuousNotInstalled])
        status.config = nil
        XCTAssertTrue(ContinuousRules.findings(status, now: now).isEmpty, "not set up: nothing to say")
    }
}
