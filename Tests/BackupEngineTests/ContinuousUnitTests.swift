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
        XCTAssertTrue(text.contains("snapshot:\n  interval: 24h\n  retention: 168h\n"), text)
        XCTAssertTrue(Litestream.configText(database: "/d", meta: "/m", replicaPath: "/r", keepDays: Int.max).contains("retention: 87600h"))
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
                                      lastSyncAt: now.addingTimeInterval(-60), windowStart: nil, databaseChangedAt: now.addingTimeInterval(-70))
        status.now = now
        XCTAssertEqual(status.lag, 0, "the replica has the last commit")
        XCTAssertTrue(ContinuousRules.findings(status, now: now).isEmpty)
        status.databaseChangedAt = now.addingTimeInterval(-1)
        XCTAssertEqual(status.lag, 1, "a commit of a second ago is Litestream's to sync yet")
        XCTAssertTrue(ContinuousRules.findings(status, now: now).isEmpty)
        status.databaseChangedAt = now.addingTimeInterval(-10)
        XCTAssertEqual(status.lag, 60, "a commit not synced in 10 s: behind since the last file")
        XCTAssertTrue(ContinuousRules.findings(status, now: now).isEmpty, "a minute is the limit")
        status.lastSyncAt = now.addingTimeInterval(-100)
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.level), [.warning])
        status.lastSyncAt = now.addingTimeInterval(-16 * 60)
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.level), [.critical])
        status.problem = "the replica's drive is not mounted at /media/usb: nothing is being replicated"
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.message), [status.problem])
        status.problem = nil
        XCTAssertEqual(ContinuousRules.findings(status, now: now).first?.kind, .continuousLagging)
        status.lastSyncAt = now
        status.running = false
        status.state.lastProblem = "sync error: no space left on device"
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.message),
                       ["continuous protection is set up but Litestream is not running: sync error: no space left on device"])
        status.running = true
        status.state.lastDrill = .init(at: now, ok: false, message: "the replica: the moment of backup-x.db does not hold the rows that backup holds", damaged: true)
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.level), [.critical])
        status.state.lastDrill?.damaged = false
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.level), [.warning], "could not run: a warning")
        status.state.lastDrill = nil
        status.installed = false
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.kind), [.continuousNotInstalled])
        status.config = nil
        XCTAssertTrue(ContinuousRules.findings(status, now: now).isEmpty, "not set up: nothing to say")
    }
}
