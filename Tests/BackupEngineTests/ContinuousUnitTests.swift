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
        // S3: the bucket and path, the settings given, never a key.
        XCTAssertEqual(ReplicaAddress.parse("s3://shop-replicas/chain/a/"), .s3(bucket: "shop-replicas", path: "chain/a"))
        for bad in ["s3://Bad_Bucket/x", "s3://ab/x", "s3://bucket/../x", "sftp://h/x", "sftp://u@h:99999/x", "sftp://u;rm@h/x", "sftp://u@h/",
                    "relative/path"] { XCTAssertNil(ReplicaAddress.parse(bad), bad) }
        XCTAssertEqual(ReplicaAddress.parse("sftp://backup@nas.lan:2222/srv/replicas/"), .sftp(user: "backup", host: "nas.lan", port: 2222, path: "/srv/replicas"))
        XCTAssertEqual(ReplicaAddress.parse("sftp://backup@nas.lan/srv")?.isFolder, false)
        XCTAssertEqual(SFTPHostKey.normalize("[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA10KiecWRjNT+ikp773ImDfHtNBbvSLtBky64wnaG5T"),
                       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA10KiecWRjNT+ikp773ImDfHtNBbvSLtBky64wnaG5T", "a known_hosts line")
        XCTAssertEqual(SFTPHostKey.fingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA10KiecWRjNT+ikp773ImDfHtNBbvSLtBky64wnaG5T"),
                       "SHA256:K95uC/y+IrKSVQ6iErJf1UkVLPlNLpMYYuw2P38YOYM", "as ssh-keygen -l prints it")
        XCTAssertNil(SFTPHostKey.normalize("trust me"))
        // The kind Litestream asks a server for first is the one to pin.
        XCTAssertEqual(SFTPHostKey.checked(among: ["ssh-ed25519 AAAA", "ssh-rsa BBBB", "ecdsa-sha2-nistp256 CCCC"]), "ecdsa-sha2-nistp256 CCCC")
        XCTAssertEqual(SFTPHostKey.checked(among: ["ssh-ed25519 AAAA", "ssh-rsa BBBB"]), "ssh-rsa BBBB")
        XCTAssertNil(ReplicaAddress.parse("sftp://root@::1:2299/x"), "IPv6 as Litestream cannot dial it")
        XCTAssertEqual(ReplicaAddress.masked("s3://AKIA:SuperSecret@bkt/q"), "s3://AKIA:***@bkt/q")
        XCTAssertEqual(ReplicaAddress.masked("/media/usb/a:b@c"), "/media/usb/a:b@c")
        let s3 = Litestream.configText(database: "/d/mr5-pos.db", meta: "/m", address: .s3(bucket: "shop-replicas", path: "chain"),
                                       replicaPath: "chain/till-1/0123456789abcdef",
                                       options: ["endpoint=https://minio.lan:9000", "force-path-style=TRUE", "region=eu-1", "unknown=x"], keepDays: 7)
        XCTAssertTrue(s3.contains("      type: s3\n      bucket: \"shop-replicas\"\n      path: \"chain/till-1/0123456789abcdef\"\n"), s3)
        XCTAssertTrue(s3.contains("      endpoint: \"https://minio.lan:9000\"\n      force-path-style: true\n      region: \"eu-1\""), s3)
        XCTAssertFalse(s3.contains("unknown"), s3)
        XCTAssertEqual(ContinuousService.secrets(in: "AWS_ACCESS_KEY_ID=k\nexport AWS_SECRET_ACCESS_KEY='s'\nHOME=/x\n", source: "e"),
                       ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"], "only the keys reach Litestream")
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
        // The thresholds as set: 20 minutes before CRITICAL, so 16 minutes warns.
        status.config?.set(ContinuousSetting.named("continuous_lag_critical")!, 1200)
        XCTAssertEqual(ContinuousRules.findings(status, now: now).map(\.level), [.warning])
        status.config?.set(ContinuousSetting.named("continuous_lag_warning")!, 3600)
        XCTAssertTrue(ContinuousRules.findings(status, now: now).isEmpty, "a warning above the critical line waits for the warning")
        status.config = config
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

    func testMomentsAreReadAsATechnicianTypesThemInLocalTime() throws {
        let zone = try XCTUnwrap(TimeZone(identifier: "Europe/Berlin"))
        let now = try XCTUnwrap(ISO8601DateFormatter().date(from: "2026-12-04T14:10:00Z"))  // 15:10 in Berlin
        func read(_ text: String) -> String? { MomentText.parse(text, now: now, zone: zone).map { ISO8601DateFormatter().string(from: $0) } }
        XCTAssertEqual(read("2026-12-04 14:03:22"), "2026-12-04T13:03:22Z")
        XCTAssertEqual(read("2026-12-04T14:03"), "2026-12-04T13:03:00Z")
        XCTAssertEqual(read("14:03"), "2026-12-04T13:03:00Z", "today")
        XCTAssertEqual(read(" 14:03:05 "), "2026-12-04T13:03:05Z")
        XCTAssertEqual(read("10 minutes ago"), "2026-12-04T14:00:00Z")
        XCTAssertEqual(read("2 hours ago"), "2026-12-04T12:10:00Z")
        XCTAssertEqual(read("90 s ago"), "2026-12-04T14:08:30Z")
        XCTAssertEqual(read("2026-12-04T13:03:22Z"), "2026-12-04T13:03:22Z", "a script's UTC time")
        XCTAssertEqual(read("2026-12-04T14:03:22+01:00"), "2026-12-04T13:03:22Z")
        XCTAssertEqual(read("2026-12-04T14:03:22+0100"), "2026-12-04T13:03:22Z")
        for bad in ["yesterday", "", "25:00", "14:60", "2026-02-30 10:00", "2026-12 10:00", "-5 minutes ago", "10 fortnights ago", "14:03:22:01",
                    "1e999 s ago", "1e300 days ago", "0x10 s ago", "1.5 hours ago", "1234567 s ago"] {
            XCTAssertNil(read(bad), bad)
        }
        // The hour clocks skip when summer time starts is no time at all: refused, never moved.
        let newYork = try XCTUnwrap(TimeZone(identifier: "America/New_York"))
        XCTAssertNil(MomentText.parse("2026-03-08 02:30", now: now, zone: newYork))
        XCTAssertNotNil(MomentText.parse("2026-03-08 03:30", now: now, zone: newYork))
        XCTAssertEqual(MomentText.format(now, zone: zone), "2026-12-04 15:10:00")
        XCTAssertThrowsError(try MomentText.read("soon", now: now)) { XCTAssertEqual($0 as? BackupError, .invalidMoment(text: "soon")) }
    }

    func testAMomentHasItsOwnNameFolderAndCountOutsideTheBackupsRotation() throws {
        let moment = try XCTUnwrap(ISO8601DateFormatter().date(from: "2026-12-04T13:03:22Z"))
        let name = BackupName.make(kind: .pointInTime, date: moment)
        XCTAssertEqual(name, "moment-2026-12-04-130322.db")
        XCTAssertEqual(BackupName.parseMoment(name), BackupName.Parsed(kind: .pointInTime, date: moment, appVersion: nil))
        XCTAssertNil(BackupName.parseMoment("moment-2026-12-04-130322.db.tmp"))
        XCTAssertNil(BackupName.parse(name, inPreUpdateFolder: false), "never taken for a regular backup")
        XCTAssertEqual(DataLayout(dataDir: "/d", databasePath: "/d/mr5-pos.db").directory(for: .pointInTime), "/d/backups/point-in-time")
        XCTAssertFalse(BackupKind.pointInTime.isBackup, "never judged or pushed as a backup")

        func entry(_ name: String, _ kind: BackupKind, _ age: TimeInterval) -> BackupEntry {
            BackupEntry(name: name, path: "/d/" + name, kind: kind, createdAt: now.addingTimeInterval(-age), sizeBytes: 1, status: .verified,
                        statusDetail: nil, appVersion: nil, record: nil, datedAfterNow: false, pendingCheck: nil)
        }
        let entries = [entry("moment-a.db", .pointInTime, 10), entry("backup-1.db", .scheduled, 20), entry("backup-2.db", .scheduled, 30)]
        let decisions = RetentionPolicy(keepRegular: 1, keepPreUpdate: 1).decide(entries)
        XCTAssertEqual(decisions.first { $0.entry.name == "moment-a.db" }?.reasons, [.pointInTime])
        XCTAssertEqual(decisions.first { $0.entry.name == "backup-1.db" }?.reasons, [.last, .newestVerified], "a moment never takes a backup's place")
        XCTAssertEqual(decisions.first { $0.entry.name == "backup-2.db" }?.keep, false)
    }
}
