import BackupEngine
import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A data dir whose database is made by `mr5-pos-sim init` (the invariant-keeping writer's
/// schema, padded to a size), removed at deinit.
final class SimShop {
    private let root = TempDir("mr5-fault")
    let dataDir: String
    let dbPath: String
    /// Room for the tests' own files (copies to check), beside the data dir.
    let scratch: String
    let sim: String
    let backupBin: String

    init(padMB: Int, journal: String = "wal", file: StaticString = #filePath, line: UInt = #line) throws {
        sim = try BuiltProduct.posSim.required(file: file, line: line)
        backupBin = try BuiltProduct.backup.required(file: file, line: line)
        dataDir = root.file("shop")
        scratch = root.file("scratch")
        dbPath = dataDir + "/mr5-pos.db"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let p = try ChildProcess(sim, ["init", "--db", dbPath, "--journal", journal, "--pad-mb", String(padMB)])
        guard p.wait(timeout: 120) == 0 else {
            XCTFail("mr5-pos-sim init failed: \(p.stderr)", file: file, line: line)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    var dirArgs: [String] { ["--data-dir", dataDir] }
    var backupsDir: String { dataDir + "/backups" }

    /// Starts `mr5-backup args... --data-dir <shop>` without waiting.
    func startCLI(_ args: [String], env: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(backupBin, args + dirArgs, env: env)
    }

    /// Runs the simulator writer for `seconds` (a burst of transfers).
    func writeBurst(seconds: Double, intervalMs: Int = 1) throws {
        let p = try ChildProcess(sim, ["write", "--db", dbPath, "--interval-ms", String(intervalMs), "--duration-s", String(seconds)])
        XCTAssertEqual(p.wait(timeout: 60), 0, p.stderr)
    }

    /// Starts the writer until SIGTERM; returns once it printed "ready".
    func startWriter(intervalMs: Int, busyTimeoutMs: Int = 5000) throws -> ChildProcess {
        let p = try ChildProcess(sim, ["write", "--db", dbPath, "--interval-ms", String(intervalMs), "--duration-s", "600",
                                       "--busy-timeout-ms", String(busyTimeoutMs)])
        XCTAssertTrue(p.waitForOutput { $0.contains("ready") }, "writer did not start: \(p.stderr)")
        return p
    }

    /// `mr5-pos-sim check` on a path: true when the invariant holds.
    func invariantHolds(_ path: String) throws -> Bool {
        let p = try ChildProcess(sim, ["check", "--db", path])
        return p.wait(timeout: 60) == 0
    }

    /// Every `.tmp-*` file anywhere under the data dir.
    func tempFiles() -> [String] {
        DemoFixture.snapshot(dataDir).keys.filter { ($0 as NSString).lastPathComponent.hasPrefix(".tmp-") }.sorted()
    }
}

/// What the fault tests compare databases by, through the stock sqlite3 CLI.
enum DBProbe {
    /// `ok` when `PRAGMA integrity_check` passes.
    static func integrity(_ path: String) throws -> String {
        try sqlite3(path, "PRAGMA integrity_check")
    }

    /// A fingerprint of the simulator's content: the transfer counter, the log, every
    /// balance in order, and the padding rows (count, bytes, a digest of their ids).
    /// Two databases with different content get different fingerprints; a page mix of
    /// two states fails integrity_check or this comparison.
    static func fingerprint(_ path: String) throws -> String {
        try sqlite3(path, """
            SELECT (SELECT v FROM sim_meta WHERE k='transfers') || '|' ||
                   (SELECT count(*) || ',' || ifnull(max(id),0) || ',' || ifnull(sum(amount),0) FROM sim_log) || '|' ||
                   (SELECT group_concat(balance, ',') FROM (SELECT balance FROM sim_accounts ORDER BY id)) || '|' ||
                   (SELECT count(*) || ',' || ifnull(sum(length(data)),0) || ',' || ifnull(sum(id),0) FROM sim_pad);
            """)
    }

    /// SHA-256 of a file via sha256sum (another implementation than the engine's).
    static func sha256(_ path: String) throws -> String {
        String(try ChildProcess.run("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }
}

/// Runs a shell line (mount, umount, dd) and returns its exit status and output.
@discardableResult
func shell(_ line: String) -> (status: Int32, output: String) {
    do {
        let r = try ChildProcess.run("/bin/sh", ["-c", line])
        return (r.exitCode, r.stdout + r.stderr)
    } catch {
        return (127, "\(error)")
    }
}

/// Quotes a path for `/bin/sh`.
func shq(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// Backups as `list --json` shows them: name -> (status, sha256, path).
struct ListedBackup {
    var name: String
    var status: String
    var sha256: String?
    var path: String
}

extension XCTestCase {
    func listBackups(_ shop: SimShop, file: StaticString = #filePath, line: UInt = #line) throws -> [ListedBackup] {
        let r = try run(["list", "--json"] + shop.dirArgs, file: file, line: line)
        XCTAssertEqual(r.exitCode, 0, r.stderr, file: file, line: line)
        let backups = try r.json(file: file, line: line)["backups"] as? [[String: Any]] ?? []
        return backups.map {
            ListedBackup(name: $0["name"] as? String ?? "", status: $0["status"] as? String ?? "",
                         sha256: $0["sha256"] as? String, path: $0["path"] as? String ?? "")
        }
    }

    /// The newest `history --json` entry.
    func lastHistory(_ shop: SimShop, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let r = try run(["history", "--json", "--limit", "5"] + shop.dirArgs, file: file, line: line)
        XCTAssertEqual(r.exitCode, 0, r.stderr, file: file, line: line)
        let entries = try r.json(file: file, line: line)["entries"] as? [[String: Any]] ?? []
        return entries.first ?? [:]
    }

}

/// The names in a folder (hidden ones included), empty when it cannot be read.
func listDir(_ path: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
}

/// A file's size in bytes, nil when it is missing.
func fileSize(_ path: String) -> Int64? {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : nil
}

extension XCTestCase {
    /// Starts the daemon on `shop` (stopped when the test ends) and waits until it runs
    /// Litestream (`continuous status` names its pid).
    @discardableResult
    func startDaemonRunningLitestream(_ shop: DemoFixture, extra: [String] = [],
                                      file: StaticString = #filePath, line: UInt = #line) throws -> ChildProcess {
        let daemon = try ChildProcess(try BuiltProduct.backup.required(), ["daemon"] + extra + shop.dirArgs)
        addTeardownBlock { daemon.terminate(); _ = daemon.wait(timeout: 20) }
        XCTAssertTrue(eventually(timeout: 30) {
            ((try? self.run(["continuous", "status", "--json"] + shop.dirArgs).json())?["pid"] as? Int) ?? 0 > 0
        }, "the daemon starts Litestream", file: file, line: line)
        return daemon
    }
}
