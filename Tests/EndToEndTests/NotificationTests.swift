import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Notifications reach a real HTTP receiver on 127.0.0.1 and a real command.
final class NotificationTests: XCTestCase {
    private let secret = "T0KEN-s3cr3t-XYZ"

    private func shopWithoutSchedulerWarnings() throws -> DemoFixture {
        let shop = try DemoFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        return shop
    }

    private func events(_ receiver: HTTPReceiver) -> [String] {
        receiver.requests().filter { $0.method == "POST" }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["event"] as? String
        }
    }

    func testAFailureStreakIsToldOnceThenItsRecovery() throws {
        let shop = try shopWithoutSchedulerWarnings()
        let receiver = try HTTPReceiver(log: shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/hooks/" + secret] + shop.dirArgs).exitCode, 0)
        let holder = try WriteLockHolder(database: shop.layout.databasePath)
        for _ in 0..<3 {
            let r = try run(["create", "--busy-timeout", "1"] + shop.dirArgs)
            XCTAssertEqual(r.exitCode, 1, r.stdout)
        }
        holder.release()
        XCTAssertEqual(events(receiver), ["backup_failed"], "three failures in a row: one notification")
        let body = try XCTUnwrap(receiver.requests().first { $0.method == "POST" }?.body)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        for field in ["text", "event", "severity", "terminal", "dataDir", "time", "message", "error"] {
            XCTAssertNotNil(json[field], "\(field) in \(json)")
        }
        XCTAssertTrue((json["text"] as? String ?? "").contains("failed in a row"), "\(json)")

        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(events(receiver), ["backup_failed", "backup_recovered"])
        assertNoSecret(shop)
    }

    func testAPingTargetHearsStartSuccessAndFailInOrder() throws {
        let shop = try shopWithoutSchedulerWarnings()
        let receiver = try HTTPReceiver(log: shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "ping", receiver.url + "/ping/" + secret] + shop.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let holder = try WriteLockHolder(database: shop.layout.databasePath)
        XCTAssertEqual(try run(["create", "--busy-timeout", "1"] + shop.dirArgs).exitCode, 1)
        holder.release()
        let paths = receiver.requests().map(\.path)
        let base = "/ping/" + secret
        XCTAssertEqual(paths, [base + "/start", base, base + "/start", base + "/fail"])
        assertNoSecret(shop)
    }

    func testNothingIsLostWhileTheReceiverIsDown() throws {
        let shop = try shopWithoutSchedulerWarnings()
        let log = shop.root + "/requests.jsonl"
        var receiver = try HTTPReceiver(log: log)
        let port = receiver.port
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/hooks/" + secret] + shop.dirArgs).exitCode, 0)
        receiver.stop()
        let holder = try WriteLockHolder(database: shop.layout.databasePath)
        XCTAssertEqual(try run(["create", "--busy-timeout", "1"] + shop.dirArgs).exitCode, 1)
        holder.release()
        XCTAssertEqual(try run(["create"] + shop.dirArgs).exitCode, 0)
        let waiting = try run(["notify", "list", "--json"] + shop.dirArgs).json()
        XCTAssertEqual(waiting["pending"] as? Int, 2, "\(waiting)")
        XCTAssertEqual((waiting["lastDelivery"] as? [String: Any])?["ok"] as? Bool, false)

        receiver = try HTTPReceiver(port: port, log: log)
        // Both wait out a retry backoff; flush is a person asking for them now: every one
        // is sent, oldest first, and the history says who sent them.
        let flush = try run(["notify", "flush"] + shop.dirArgs)
        XCTAssertEqual(flush.exitCode, 0, flush.stdout + flush.stderr)
        XCTAssertEqual(events(receiver), ["backup_failed", "backup_recovered"], "delivered, in order")
        XCTAssertEqual((try run(["notify", "list", "--json"] + shop.dirArgs).json())["pending"] as? Int, 0)
        let sent = BackupEngine(layout: shop.layout).history().filter { $0.operation == .notify && $0.outcome == .success }
        XCTAssertEqual(sent.count, 2)
        XCTAssertTrue(sent.allSatisfy { $0.trigger == .cli }, "\(sent.map(\.trigger))")
        assertNoSecret(shop)
    }

    func testAReceiverThatNeverAnswersCostsTheBackupNothing() throws {
        let shop = try shopWithoutSchedulerWarnings()
        let receiver = try HTTPReceiver(hang: true, log: shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "ping", receiver.url + "/ping/" + secret] + shop.dirArgs).exitCode, 0)
        let started = Date()
        let r = try run(["create", "--json"] + shop.dirArgs)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertNotNil(try r.json()["backup"])
        // The /start ping goes beside the copy, and the command waits for deliveries 3 s
        // at most (a 1 MiB backup takes well under one).
        XCTAssertLessThan(seconds, 4.5, "a receiver that never answers must not hold the backup up")
        XCTAssertTrue(receiver.requests().contains { $0.path.hasSuffix("/start") }, "the start ping was sent")
        XCTAssertEqual(BackupEngine(layout: shop.layout).history().first { $0.operation == .create }?.outcome, .success)
        // What could not be sent in time is not lost: it waits in the outbox.
        XCTAssertGreaterThan(BackupEngine(layout: shop.layout).notifier.pendingCount(), 0)
        receiver.stop()
    }

    func testADamagedTargetsFileIsAWarningNamingItNotQuiet() throws {
        let shop = try shopWithoutSchedulerWarnings()
        let receiver = try HTTPReceiver(log: shop.root + "/requests.jsonl")
        XCTAssertEqual(try run(["notify", "add", "webhook", receiver.url + "/hooks/" + secret] + shop.dirArgs).exitCode, 0)
        let path = shop.layout.notifyTargetsPath
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let status = try run(["status"] + shop.dirArgs)
        XCTAssertEqual(status.exitCode, 1, status.stdout)
        XCTAssertTrue(status.stdout.contains("the notification targets file \(path) is damaged"), status.stdout)
        let list = try run(["notify", "list"] + shop.dirArgs)
        XCTAssertTrue(list.stdout.contains("is damaged"), list.stdout)
        XCTAssertFalse(list.stdout.contains("No notification targets"), list.stdout)
        receiver.stop()
    }

    /// A wrapper that ignores SIGCHLD (inherited across exec) would let the kernel reap the
    /// command, and its exit status would be lost: a failure must never read as "ok".
    func testAFailingCommandIsAFailureEvenWhenSIGCHLDIsIgnored() throws {
        let shop = try shopWithoutSchedulerWarnings()
        let program = shop.root + "/fails.sh"
        try "#!/bin/sh\ncat > /dev/null\nexit 3\n".write(toFile: program, atomically: true, encoding: .utf8)
        chmod(program, 0o755)
        XCTAssertEqual(try run(["notify", "add", "command", program] + shop.dirArgs).exitCode, 0)
        let binary = try BuiltProduct.backup.required()
        let r = try ChildProcess.run("/usr/bin/perl", ["-e", "$SIG{CHLD} = 'IGNORE'; exec @ARGV", binary, "notify", "test"] + shop.dirArgs,
                                     env: ["HOME": shop.root])
        XCTAssertTrue(r.stdout.contains("failed: exit 3"), r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains(" ok "), r.stdout)
    }

    func testACommandTargetReadsTheEventOnStdin() throws {
        let shop = try shopWithoutSchedulerWarnings()
        let out = shop.root + "/event.json"
        XCTAssertEqual(try run(["notify", "add", "command", "/usr/bin/tee " + out] + shop.dirArgs).exitCode, 0)
        let test = try run(["notify", "test"] + shop.dirArgs)
        XCTAssertEqual(test.exitCode, 0, test.stdout + test.stderr)
        XCTAssertTrue(test.stdout.hasPrefix("command /usr/bin/tee"), test.stdout)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        XCTAssertEqual(json["event"] as? String, "test")
        XCTAssertEqual(json["dataDir"] as? String, shop.dataDir)
        assertRefused(try run(["notify", "add", "command", "tee relative"] + shop.dirArgs), exit: 2, mentioning: "absolute path")
        assertRefused(try run(["notify", "add", "webhook", "ftp://x"] + shop.dirArgs), exit: 2, mentioning: "http")
    }

    /// Secrets in target URLs never reach the log, the history or JSON output.
    private func assertNoSecret(_ shop: DemoFixture, file: StaticString = #filePath, line: UInt = #line) {
        var texts = [(try? String(contentsOfFile: shop.layout.logPath, encoding: .utf8)) ?? "",
                     (try? String(contentsOfFile: shop.layout.historyPath, encoding: .utf8)) ?? ""]
        for args in [["notify", "list", "--json"], ["status", "--json"], ["history", "--json"], ["notify", "list"]] {
            texts.append((try? run(args + shop.dirArgs).stdout) ?? "")
        }
        for text in texts { XCTAssertFalse(text.contains(secret), "a secret leaked: \(text.prefix(300))", file: file, line: line) }
    }
}
