@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// The off-site pieces that need no restic: masking, the env file, restic's JSON, the
/// schedule of maintenance, the health rules, and retention around a push.
final class OffsiteUnitTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 2_000_000_000)

    func testCredentialsInARepositoryStringAreMaskedAndTheRestStaysReadable() {
        XCTAssertEqual(OffsiteConfig.mask("rest:https://shop12:s3cret@backup.example:8000/shop-12"), "rest:https://shop12:***@backup.example:8000/shop-12")
        XCTAssertEqual(OffsiteConfig.mask("s3:https://s3.example.com/bucket/shop-12"), "s3:https://s3.example.com/bucket/shop-12")
        XCTAssertEqual(OffsiteConfig.mask("sftp:backup@nas:/srv/mr5"), "sftp:backup@nas:/srv/mr5")
        XCTAssertEqual(OffsiteConfig.mask("/media/usb/mr5"), "/media/usb/mr5")
        // A password holding '@' is masked up to the last '@' before the host, and an '@' in the path is left alone.
        XCTAssertEqual(OffsiteConfig.mask("rest:http://u:Pa@ss@host"), "rest:http://u:***@host")
        XCTAssertEqual(OffsiteConfig.mask("rest:http://u:Pa@s@s@host:8000/p@th"), "rest:http://u:***@host:8000/p@th")
        XCTAssertEqual(OffsiteConfig.mask("rest:http://host:8000/p@th"), "rest:http://host:8000/p@th")
        var config = OffsiteConfig(repository: "s3:https://objects.example.com/mr5-shops/branches/shop-12", options: [], configuredAt: now)
        XCTAssertEqual(config.shortRepository, "s3:…/shop-12")
        config.repository = "/media/usb/mr5"
        XCTAssertEqual(config.shortRepository, "/media/usb/mr5")
    }

    func testTheEnvironmentFileIsKeyValueLinesAndABadLineIsNamed() throws {
        let parsed = try Restic.parseEnvironment("# S3 keys\nexport AWS_ACCESS_KEY_ID=AKIA1\nAWS_SECRET_ACCESS_KEY=\"se=cret\"\n\n", source: "/x/env")
        XCTAssertEqual(parsed.map(\.0), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
        XCTAssertEqual(parsed.map(\.1), ["AKIA1", "se=cret"])
        XCTAssertThrowsError(try Restic.parseEnvironment("AWS_KEY\n", source: "/x/env")) { error in
            XCTAssertEqual((error as? BackupError)?.description, "invalid off-site environment file: line 1 of env is not KEY=VALUE")
        }
        // A mistyped line may hold a secret: only its number is said.
        XCTAssertThrowsError(try Restic.parseEnvironment("AWS_SECRET_ACCESS_KEY wJalrXUtn/FEMIK7=x\n", source: "/x/env")) { error in
            XCTAssertFalse((error as? BackupError)?.description.contains("wJalr") ?? true)
        }
    }

    func testResticsFailuresAreToldApart() {
        let restic = Restic(executable: "/usr/bin/restic", config: OffsiteConfig(repository: "s3:https://s3.example.com/b/shop-12", options: [], configuredAt: now),
                            passwordPath: "/nonexistent", environmentPath: "/nonexistent", cachePath: "/nonexistent")
        func classify(_ stderr: String, signalled: Bool = false) -> BackupError {
            restic.classify(action: "push", ChildProgram.Result(status: signalled ? 9 : 1, stdout: Data(), stderr: stderr, signalled: signalled))
        }
        XCTAssertEqual(classify("Fatal: unable to open config file: Stat: The specified bucket does not exist\nIs there a repository at the following location?"),
                       .offsiteRepositoryNotFound(repository: "s3:https://s3.example.com/b/shop-12"))
        // A TLS error while opening the config is not "no repository there" (init must not run over it).
        guard case .offsiteFailed(_, let reason, _) = classify("Fatal: unable to open config file: Stat: Get https://s3.example.com/b/shop-12/config: x509: certificate signed by unknown authority") else {
            return XCTFail("a TLS error is restic's own failure")
        }
        XCTAssertTrue(reason.contains("x509"), reason)
        XCTAssertEqual(classify("Fatal: wrong password or no key found"), .offsiteWrongPassword(repository: "s3:https://s3.example.com/b/shop-12"))
        XCTAssertEqual(classify("Fatal: unable to open config file: dial tcp 127.0.0.1:9: connect: connection refused"),
                       .offsiteUnreachable(repository: "s3:https://s3.example.com/b/shop-12", reason: "connection refused"))
        guard case .offsiteFailed(_, let killed, _) = classify("", signalled: true) else { return XCTFail("a killed restic") }
        XCTAssertEqual(killed, "restic was killed (signal 9) before it finished")
    }

    func testResticsJSONIsRead() throws {
        let backup = Data("""
            {"message_type":"status","percent_done":0.5}
            {"message_type":"summary","data_added":5300000,"snapshot_id":"242ed5cd"}
            """.utf8)
        XCTAssertEqual(Restic.backupSummary(backup)?.snapshot, "242ed5cd")
        XCTAssertEqual(Restic.backupSummary(backup)?.added, 5_300_000)
        XCTAssertNil(Restic.backupSummary(Data("Fatal: nope".utf8)))

        let snapshots = """
            [{"time":"2026-11-20T10:00:00.123456789+01:00","hostname":"till-1","tags":["mr5-backup","kind:pre-update","app:0.2.0","name:pre-update-v2.4.0-2026-11-20-090000.db","size:4096"],"id":"242ed5cd65f7","short_id":"242ed5cd"}]
            """
        let s = try XCTUnwrap(try JSONDecoder().decode([ResticSnapshot].self, from: Data(snapshots.utf8)).first)
        XCTAssertEqual(s.time.timeIntervalSince1970, try XCTUnwrap(ISO8601DateFormatter().date(from: "2026-11-20T09:00:00Z")).timeIntervalSince1970 + 0.123, accuracy: 0.001)
        XCTAssertEqual(s.kind, .preUpdate)
        XCTAssertEqual(s.appVersion, "0.2.0")
        XCTAssertEqual(s.backupName, "pre-update-v2.4.0-2026-11-20-090000.db")
        XCTAssertEqual(s.sizeBytes, 4096)

        let forget = Data("""
            [{"tags":null,"host":"t1","keep":[{"id":"a1","short_id":"a1"}],"remove":[{"id":"b2","short_id":"b2"},{"id":"c3","short_id":"c3"}]}]
            """.utf8)
        XCTAssertEqual(Restic.forgetCounts(forget).kept, 1)
        XCTAssertEqual(Restic.forgetCounts(forget).removed, ["b2", "c3"])
        XCTAssertTrue(Restic.validSubset("5%") && Restic.validSubset("1/10") && Restic.validSubset("500M"))
        XCTAssertFalse(Restic.validSubset("0%") || Restic.validSubset("all") || Restic.validSubset("3/2"))
    }

    func testMaintenanceIsDueDailyAndWeeklyAndPushesWaitOutTheirBackoff() {
        var state = OffsiteState()
        XCTAssertEqual(OffsiteSchedule.due(state: state, pending: true, now: now), [.push], "nothing to keep or check before a first push")
        state.lastPushAt = now
        XCTAssertEqual(OffsiteSchedule.due(state: state, pending: false, now: now), [.prune, .check, .drill])
        state.lastForgetAt = now.addingTimeInterval(-3600)
        state.statsAt = now.addingTimeInterval(-3600)
        state.lastCheck = .init(at: now.addingTimeInterval(-6 * 86_400), ok: true, message: "ok")
        state.lastDrill = .init(at: now.addingTimeInterval(-8 * 86_400), ok: true, message: "ok")
        XCTAssertEqual(OffsiteSchedule.due(state: state, pending: false, now: now), [.drill])
        state.lastForgetAt = now.addingTimeInterval(-25 * 3600)
        state.lastDrill = .init(at: now.addingTimeInterval(-2 * 86_400), ok: false, message: "unreachable")
        XCTAssertEqual(OffsiteSchedule.due(state: state, pending: false, now: now), [.prune, .drill], "a failed drill is retried daily")

        // Failed pushes wait 1, 2, 4 ... minutes, at most an hour.
        XCTAssertEqual(OffsiteState.backoff(afterFailures: 1), 60)
        XCTAssertEqual(OffsiteState.backoff(afterFailures: 3), 240)
        XCTAssertEqual(OffsiteState.backoff(afterFailures: 20), 3600)
        state.retryAfter = now.addingTimeInterval(30)
        XCTAssertFalse(OffsiteSchedule.due(state: state, pending: true, now: now).contains(.push))
        XCTAssertTrue(OffsiteSchedule.due(state: state, pending: true, now: now.addingTimeInterval(31)).contains(.push))
    }

    private func health(_ state: OffsiteState, restic: Bool = true, interval: TimeInterval = 3 * 3600) -> [(HealthLevel, String)] {
        OffsiteRules.findings(OffsiteStatus(config: OffsiteConfig(repository: "s3:…/shop-12", options: [],
                                                                    configuredAt: now.addingTimeInterval(-30 * 86_400)),
                                            resticInstalled: restic, state: state, pending: [], terminal: "till-1", pushing: nil),
                               interval: interval, now: now).map { ($0.level, $0.message) }
    }

    func testOffsiteHealthRules() {
        XCTAssertTrue(OffsiteRules.findings(nil, interval: 3600, now: now).isEmpty, "not set up: OK")
        var state = OffsiteState()
        state.lastPushAt = now.addingTimeInterval(-23 * 3600)
        XCTAssertTrue(health(state).isEmpty, "within 24 h (two 3 h intervals are less)")
        state.lastPushAt = now.addingTimeInterval(-25 * 3600)
        state.consecutiveFailures = 2
        state.lastFailure = "off-site repository s3:…/shop-12 cannot be reached: connection refused"
        XCTAssertEqual(health(state).map(\.0), [.warning])
        XCTAssertTrue(health(state)[0].1.hasPrefix("no off-site copy for 1d1h, more than 2 backup intervals"), health(state)[0].1)
        XCTAssertTrue(health(state)[0].1.contains("2 failed in a row: off-site repository"), health(state)[0].1)
        XCTAssertTrue(health(state, interval: 86_400).isEmpty, "daily backups: two days")

        state.lastPushAt = now
        state.consecutiveFailures = 3
        XCTAssertEqual(health(state).map(\.0), [.warning])
        state.consecutiveFailures = 0
        state.lastCheck = .init(at: now, ok: false, message: "the off-site repository is damaged: pack 1f2e3d4c: data mismatch", damaged: true)
        XCTAssertEqual(health(state).map(\.0), [.critical])
        XCTAssertEqual(health(state)[0].1, "the off-site repository is damaged: pack 1f2e3d4c: data mismatch")
        state.lastCheck = nil
        XCTAssertEqual(health(state, restic: false).map(\.1), ["restic is not installed (apt install restic): off-site copies are not being made"])
    }

    func testDamageStandsUntilAWholeCheckAndOneLearntNamesItsTill() {
        var state = OffsiteState()
        state.lastPushAt = now
        state.damage = .init(foundAt: now.addingTimeInterval(-3600), foundBy: "restore drill", message: "…: ciphertext verification failed")
        // A partial check that passed, a drill of another snapshot that passed: still CRITICAL.
        state.lastCheck = .init(at: now, ok: true, message: "no errors found (read 5% of the data)")
        state.lastDrill = .init(at: now, ok: true, message: "ok")
        XCTAssertEqual(health(state).map(\.0), [.critical])
        XCTAssertTrue(health(state)[0].1.hasPrefix("the off-site repository is damaged (found by the restore drill "), health(state)[0].1)
        XCTAssertTrue(health(state)[0].1.hasSuffix("ciphertext verification failed): run mr5-backup offsite repair"), health(state)[0].1)
        state.damage?.reportedBy = "till-3"
        XCTAssertTrue(health(state)[0].1.contains("found by till-3's restore drill"), health(state)[0].1)
        state.damage = nil
        XCTAssertTrue(health(state).isEmpty)

        // A check that could not run is a warning, and due again as soon as the repository is back.
        state.lastCheck = .init(at: now.addingTimeInterval(-600), ok: false, message: "unreachable", couldNotReach: true)
        XCTAssertEqual(health(state).map(\.0), [.warning])
        state.lastForgetAt = now; state.statsAt = now
        state.lastDrill = .init(at: now.addingTimeInterval(-600), ok: true, message: "ok")
        state.lastPushAt = now.addingTimeInterval(-1200)
        XCTAssertEqual(OffsiteSchedule.due(state: state, pending: false, now: now), [], "not back yet: tried again in a day")
        state.lastPushAt = now.addingTimeInterval(-60)
        XCTAssertEqual(OffsiteSchedule.due(state: state, pending: false, now: now), [.check], "a push worked since: the repository is back")
        state.lastCheck?.couldNotReach = nil
        XCTAssertEqual(OffsiteSchedule.due(state: state, pending: false, now: now), [], "a lock or a time limit: tried again the next day")
    }

    func testWhatResticSaysOfDamageIsToldFromWhatItSaysOfTheWay() {
        let restic = Restic(executable: "/usr/bin/restic", config: OffsiteConfig(repository: "/media/usb/mr5", options: [], configuredAt: now),
                            passwordPath: "/nonexistent", environmentPath: "/nonexistent", cachePath: "/nonexistent")
        func classify(_ stderr: String) -> BackupError {
            restic.classify(action: "restore", ChildProgram.Result(status: 1, stdout: Data(), stderr: stderr, signalled: false))
        }
        let blob = String(repeating: "fe39", count: 16)
        guard case .offsiteDamaged(let reason, _) = classify("cannot dump file: decrypting blob \(blob) failed: ciphertext verification failed") else {
            return XCTFail("a blob that does not decrypt is damage")
        }
        XCTAssertEqual(reason, "blob fe39fe39 does not decrypt (ciphertext verification failed)")
        XCTAssertEqual(Restic.damageReason("Pack ID does not match, want \(String(repeating: "5420", count: 16)), got \(blob)"),
                       "pack 54205420 no longer matches its id (its bytes changed on the storage)")
        XCTAssertTrue(Restic.damageReason(String(repeating: "x", count: 200) + ": an unknown cause").hasSuffix(": an unknown cause"))
        XCTAssertLessThanOrEqual(reason.count, 140)
        guard case .offsiteDamaged = classify("cannot dump file: id \(blob) not found in repository") else { return XCTFail("a blob gone is damage") }
        // A pack that could not be fetched over the network is not damage, though check
        // ends with the same "repository contains errors".
        for way in ["read tcp 127.0.0.1:9000: connection reset by peer", "context deadline exceeded", "503 Service Unavailable: SlowDown"] {
            guard case .offsiteFailed = classify("pack \(blob) failed to download: StreamPack: \(way)\nFatal: repository contains errors") else {
                return XCTFail("a network error is not damage: \(way)")
            }
        }
        guard case .offsiteDamaged = classify("pack \(blob) failed to download: StreamPack: open /media/usb/mr5/data/fe/\(blob): no such file or directory\nFatal: repository contains errors") else {
            return XCTFail("a pack the storage says is gone is damage")
        }
        guard case .offsiteDamaged = classify("Load(<data/fe39fe39fe>, 0, 0) returned invalid hash\nFatal: repository contains errors") else {
            return XCTFail("restic 0.14's invalid hash is damage")
        }
        let check = """
            Pack ID does not match, want \(String(repeating: "5420", count: 16)), got \(String(repeating: "c2d6", count: 16))
            error for tree b90c3411:
              tree \(String(repeating: "b90c", count: 16)): file "mr5-pos.db" blob \(blob) not found in index
            Fatal: repository contains errors
            """
        let found = Restic.damagedObjects(check)
        XCTAssertEqual(found.packs, [String(repeating: "5420", count: 16)])
        XCTAssertEqual(found.trees, [String(repeating: "b90c", count: 16)])
        XCTAssertTrue(Restic.isWholeSubset("100%") && Restic.isWholeSubset("1/1") && !Restic.isWholeSubset("5%") && !Restic.isWholeSubset("1/10"))
        XCTAssertEqual(OneLine.keepingEnd(String(repeating: "a", count: 300) + ": the cause", limit: 40).count, 40)
        XCTAssertTrue(OneLine.keepingEnd(String(repeating: "a", count: 300) + ": the cause", limit: 40).hasPrefix("…"))
    }

    func testAStateFileFromBeforeDamageWasKeptStillReadsWhole() throws {
        let old = #"{"consecutiveFailures":0,"failuresTotal":2,"failedBackups":[],"lastPushSnapshot":"1a2b3c4d","lastPushBackup":"backup-2026-12-01-120000.db"}"#
        let tmp = TempDir("mr5-state")
        try old.write(toFile: tmp.file("state.json"), atomically: true, encoding: .utf8)
        let state = OffsiteState.read(tmp.file("state.json"))
        XCTAssertEqual(state.lastPushSnapshot, "1a2b3c4d")
        XCTAssertEqual(state.failuresTotal, 2)
        XCTAssertNil(state.damage)
        XCTAssertEqual(state.seenReports, [])
    }

    func testAFreshRepositoryPathSitsBesideTheOldOne() {
        XCTAssertEqual(RepositoryAddress.fresh("/media/usb/mr5/", suffix: "repaired-1"), "/media/usb/mr5-repaired-1")
        XCTAssertEqual(RepositoryAddress.fresh("s3:https://s3.example.com/bucket/shop-12", suffix: "repaired-1"), "s3:https://s3.example.com/bucket/shop-12-repaired-1")
        XCTAssertEqual(RepositoryAddress.fresh("sftp:backup@nas:/srv/mr5", suffix: "repaired-1"), "sftp:backup@nas:/srv/mr5-repaired-1")
        XCTAssertNil(RepositoryAddress.fresh("rest:http://host:8000/", suffix: "repaired-1"), "a server's root has no path to sit beside")
        XCTAssertNil(RepositoryAddress.fresh("sftp:nas:/", suffix: "repaired-1"))
        XCTAssertNil(RepositoryAddress.fresh("s3:https://s3.example.com/bucket", suffix: "repaired-1"), "a sibling of a bucket is a new bucket")
        XCTAssertEqual(RepositoryAddress.fresh("s3:s3.amazonaws.com/bucket/shop-12", suffix: "r"), "s3:s3.amazonaws.com/bucket/shop-12-r")
    }

    func testTheUploadLimitReachesRestic() throws {
        var config = OffsiteConfig(repository: "/media/usb/mr5", options: ["sftp.connections=2"], configuredAt: now)
        config.limitUploadKiB = 512
        let restic = Restic(executable: "/usr/bin/restic", config: config, passwordPath: "/p", environmentPath: "/e", cachePath: "/c")
        XCTAssertEqual(restic.globalArguments, ["--cache-dir", "/c", "-o", "sftp.connections=2", "--limit-upload", "512"])
        config.limitUploadKiB = nil
        XCTAssertFalse(Restic(executable: "/usr/bin/restic", config: config, passwordPath: "/p", environmentPath: "/e", cachePath: "/c")
            .globalArguments.contains("--limit-upload"))
    }

    func testRetentionLeavesABackupBeingPushedAlone() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 10)
        let engine = BackupEngine(layout: layout)
        var names: [String] = []
        for _ in 0..<3 { names.append(try engine.createBackup().entry.name); Thread.sleep(forTimeInterval: 1.05) }
        let oldest = names[0]
        try FileManager.default.createDirectory(atPath: engine.offsite.paths.directory, withIntermediateDirectories: true)
        try JSONEncoder().encode(OffsiteService.PushMarker(name: oldest, pid: getpid())).write(to: URL(fileURLWithPath: engine.offsite.paths.pushing))
        XCTAssertEqual(engine.offsite.backupBeingPushed(), oldest)
        let pruned = try engine.prune(policy: RetentionPolicy(keepRegular: 1, keepDaily: 0, keepWeekly: 0, keepPreUpdate: 1))
        XCTAssertEqual(pruned.deleted.map(\.name).sorted(), [names[1]], "the backup being pushed stays")
        XCTAssertThrowsError(try engine.delete(name: oldest)) { XCTAssertEqual(($0 as? BackupError)?.isInputError, false) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.backupsDir + "/" + oldest))
        // A marker left by a process that is gone protects nothing.
        try JSONEncoder().encode(OffsiteService.PushMarker(name: oldest, pid: 999_999)).write(to: URL(fileURLWithPath: engine.offsite.paths.pushing))
        XCTAssertNil(engine.offsite.backupBeingPushed())
    }
}

final class SafeTextTests: XCTestCase {
    func testControlCharactersBecomeQuestionMarksAndLineBreaksStayOnlyWhenAsked() {
        XCTAssertEqual(SafeText.forTerminal("a\u{1B}[2Jb\u{07}c\u{9B}d\u{7F}"), "a?[2Jb?c?d?")
        XCTAssertEqual(SafeText.forTerminal("one\ntwo\tthree"), "one?two?three")
        XCTAssertEqual(SafeText.forTerminal("one\ntwo\tthree", keepingLineBreaks: true), "one\ntwo\tthree")
        XCTAssertEqual(SafeText.forTerminal("Café ✓ 東京"), "Café ✓ 東京")
    }
}

final class SFTPLoginTests: XCTestCase {
    func testTheLoginOptionPinsTheHostKeyAndRefusesPathsResticCannotCarry() throws {
        XCTAssertEqual(SFTPLogin.destination(of: "sftp:backup@nas:/srv/mr5"), "backup@nas")
        XCTAssertNil(SFTPLogin.destination(of: "s3:https://host/bucket"))
        XCTAssertNil(SFTPLogin.destination(of: "sftp:nas:/srv/mr5"), "no user: refused rather than guessed")
        let option = try XCTUnwrap(SFTPLogin.option(destination: "backup@nas", port: 2222, keyPath: "/d/k", knownHostsPath: "/d/kh"))
        for part in ["-p 2222", "-i /d/k", "StrictHostKeyChecking=yes", "UserKnownHostsFile=/d/kh", "IdentitiesOnly=yes", "BatchMode=yes", "backup@nas -s sftp"] {
            XCTAssertTrue(option.contains(part), option)
        }
        XCTAssertNil(SFTPLogin.option(destination: "backup@nas", port: 22, keyPath: "/my shop/k", knownHostsPath: "/d/kh"))
        XCTAssertNil(SFTPLogin.option(destination: "backup@nas", port: 22, keyPath: "/a,b/k", knownHostsPath: "/d/kh"))
    }
}

final class RepositoryReportTests: XCTestCase {
    func testAReportReadsBackAsWrittenAndAReaderSkipsWhatItCannotTrust() throws {
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let health = RepositoryReport(kind: .health, terminal: "till-2", writtenAt: at, level: .warning,
                                      message: "no scheduler running",
                                      health: TerminalHealth(appVersion: "4.2.0", databaseBytes: 21_000_000, orders: 842, backups: 13,
                                                             consecutiveFailures: 0, newestVerifiedAt: at, lastDrillOK: true))
        let data = try health.encoded()
        XCTAssertEqual(RepositoryReport.decode(data), health)
        XCTAssertEqual(health.tags, ["mr5-report", "report:health"])
        let damage = RepositoryReport(kind: .damage, terminal: "till-3", writtenAt: at, level: .critical, message: "pack 1a2b damaged",
                                      damage: RepositoryDamage(foundBy: "check", snapshots: ["44d18c32"]))
        XCTAssertEqual(RepositoryReport.decode(try damage.encoded())?.damage?.snapshots, ["44d18c32"])

        // A newer till's extra field is read past; a later format, another terminal name
        // or a kind this version does not know is skipped, never misread.
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["addedLater"] = "x"
        XCTAssertEqual(RepositoryReport.decode(try JSONSerialization.data(withJSONObject: json)), health)
        for (key, value) in [("format", 2) as (String, Any), ("terminal", "till 2/../x"), ("kind", "gossip"), ("terminal", "")] {
            var bad = json
            bad[key] = value
            XCTAssertNil(RepositoryReport.decode(try JSONSerialization.data(withJSONObject: bad)), "\(key)=\(value)")
        }
        XCTAssertNil(RepositoryReport.decode(Data("not json".utf8)))
    }
}
