import BackupEngine
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A child process the fault tests start, kill and wait for themselves (CLIRunner's
/// `run` waits for the end, which a kill -9 at a chosen moment cannot use).
final class ChildProcess {
    let process = Process()
    let outPath: String
    let errPath: String
    private let stdinPipe = Pipe()

    /// Starts `executable args...` with stdout/stderr to files in `scratch`.
    init(_ executable: String, _ args: [String], scratch: String, env: [String: String] = [:]) throws {
        let tag = UUID().uuidString.prefix(8)
        outPath = scratch + "/child-\(tag).out"
        errPath = scratch + "/child-\(tag).err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        for key in [DataLayout.environmentVariable, "MR5_DEMO_DIR"] { environment[key] = nil }
        environment["TZ"] = "UTC"
        environment["LANG"] = "C.UTF-8"
        for (k, v) in env { environment[k] = v }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = environment
        process.standardInput = stdinPipe
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends text to the child's stdin (kept open until `closeInput`).
    func write(_ text: String) { stdinPipe.fileHandleForWriting.write(Data(text.utf8)) }
    func closeInput() { try? stdinPipe.fileHandleForWriting.close() }

    var stdout: String { String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self) }
    var stderr: String { String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self) }

    /// kill -9, then reap.
    func killHard() {
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then reap.
    func terminate() {
        if process.isRunning { kill(pid, SIGTERM) }
        process.waitUntilExit()
    }

    /// Waits up to `timeout` s for the end; kills and returns nil on a hang.
    @discardableResult
    func wait(timeout: TimeInterval = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning { killHard(); return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits until `predicate` holds on stdout+stderr, up to `timeout` s.
    func waitForOutput(timeout: TimeInterval = 20, _ predicate: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if predicate(stdout + stderr) { return true }
            if !process.isRunning { return predicate(stdout + stderr) }
            usleep(5_000)
        }
        return false
    }

    /// True when the child was ended by a signal (the kill landed) rather than exiting.
    var wasKilled: Bool { process.terminationReason == .uncaughtSignal }
}

/// The built binaries next to `mr5-backup`.
enum FaultBinaries {
    static var backup: String? { CLIBinary.path }
    static var sim: String? {
        guard let backup = CLIBinary.path else { return nil }
        let sim = (backup as NSString).deletingLastPathComponent + "/mr5-pos-sim"
        return FileManager.default.isExecutableFile(atPath: sim) ? sim : nil
    }
}

/// A data dir whose database is made by `mr5-pos-sim init` (the invariant-keeping writer's
/// schema, padded to a size), removed at deinit.
final class SimShop {
    let root: String
    let dataDir: String
    let dbPath: String
    let scratch: String
    let sim: String
    let backupBin: String

    init(padMB: Int, journal: String = "wal", file: StaticString = #filePath, line: UInt = #line) throws {
        guard let sim = FaultBinaries.sim, let backup = FaultBinaries.backup else {
            XCTFail("mr5-pos-sim / mr5-backup not built: run 'swift build' first", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        self.sim = sim
        self.backupBin = backup
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mr5-fault-\(getpid())-\(UUID().uuidString.prefix(8))").path
        dataDir = root + "/shop"
        scratch = root + "/scratch"
        dbPath = dataDir + "/mr5-pos.db"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let p = try ChildProcess(sim, ["init", "--db", dbPath, "--journal", journal, "--pad-mb", String(padMB)], scratch: scratch)
        guard p.wait(timeout: 120) == 0 else {
            XCTFail("mr5-pos-sim init failed: \(p.stderr)", file: file, line: line)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var dirArgs: [String] { ["--data-dir", dataDir] }
    var backupsDir: String { dataDir + "/backups" }

    /// Starts `mr5-backup args... --data-dir <shop>` without waiting.
    func startCLI(_ args: [String], env: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(backupBin, args + dirArgs, scratch: scratch, env: env)
    }

    /// Runs the simulator writer for `seconds` (a burst of transfers).
    func writeBurst(seconds: Double, intervalMs: Int = 1) throws {
        let p = try ChildProcess(sim, ["write", "--db", dbPath, "--interval-ms", String(intervalMs), "--duration-s", String(seconds)], scratch: scratch)
        XCTAssertEqual(p.wait(timeout: 60), 0, p.stderr)
    }

    /// Starts the writer until SIGTERM; returns once it printed "ready".
    func startWriter(intervalMs: Int, busyTimeoutMs: Int = 5000) throws -> ChildProcess {
        let p = try ChildProcess(sim, ["write", "--db", dbPath, "--interval-ms", String(intervalMs), "--duration-s", "600",
                                       "--busy-timeout-ms", String(busyTimeoutMs)], scratch: scratch)
        XCTAssertTrue(p.waitForOutput { $0.contains("ready") }, "writer did not start: \(p.stderr)")
        return p
    }

    /// `mr5-pos-sim check` on a path: true when the invariant holds.
    func invariantHolds(_ path: String) throws -> Bool {
        let p = try ChildProcess(sim, ["check", "--db", path], scratch: scratch)
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
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }
}

/// Runs a shell line (mount, umount, dd) and returns its exit status and output.
@discardableResult
func shell(_ line: String) -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", line]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    do { try p.run() } catch { return (127, "\(error)") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
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
