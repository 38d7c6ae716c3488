import BackupEngine
import DemoShop
import Foundation
import XCTest

/// What one run of the built `mr5-backup` binary did.
struct CLIResult {
    var exitCode: Int32
    var stdout: String
    var stderr: String

    /// Non-empty stderr lines (an error must be exactly one).
    var stderrLines: [String] { stderr.split(whereSeparator: \.isNewline).map(String.init) }

    /// stdout parsed as a JSON object.
    func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        guard let dict = object as? [String: Any] else {
            XCTFail("stdout is not a JSON object: \(stdout)", file: file, line: line)
            return [:]
        }
        return dict
    }
}

/// Finds and runs the real binary as a subprocess, with a clean environment.
enum CLIBinary {
    /// `swift build --build-tests` and `swift test` build the executables beside the test
    /// bundle; `MR5_BACKUP_BIN` overrides (e.g. a release build).
    static let path: String? = {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["MR5_BACKUP_BIN"], !env.isEmpty { candidates.append(env) }
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("mr5-backup").path)
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("mr5-backup").path)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/mr5-backup").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}

extension XCTestCase {
    /// Runs `mr5-backup args...` in `directory` (default: a scratch folder) with stdin from
    /// `stdin` (never a terminal), HOME and XDG_CONFIG_HOME pointing into scratch space,
    /// TZ=UTC, and `env` added. Fails the test on a hang (60 s).
    @discardableResult
    func run(_ args: [String], env: [String: String] = [:], stdin: String = "", directory: String? = nil,
             file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        guard let binary = CLIBinary.path else {
            XCTFail("mr5-backup binary not found beside the test bundle or in .build/debug: run 'swift build' first", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try launch(binary, args, env: env, stdin: stdin, directory: directory, file: file, line: line)
    }

    /// Runs `mr5-backup args...` on a pseudo-terminal (util-linux `script`), so stdin,
    /// stdout and stderr are all a terminal; the terminal's output comes back as stdout.
    func runInTerminal(_ args: [String], stdin: String, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        guard let binary = CLIBinary.path else {
            XCTFail("mr5-backup binary not found: run 'swift build' first", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let quoted = ([binary] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try launch("/usr/bin/script", ["-qec", quoted, "/dev/null"], env: [:], stdin: stdin, directory: nil,
                          file: file, line: line)
    }

    private func launch(_ executable: String, _ args: [String], env: [String: String], stdin: String, directory: String?,
                        file: StaticString, line: UInt) throws -> CLIResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mr5-cli-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var environment = ProcessInfo.processInfo.environment
        for key in [DataLayout.environmentVariable, "MR5_DEMO_DIR", "NO_COLOR"] { environment[key] = nil }
        environment["HOME"] = scratch
        environment["XDG_CONFIG_HOME"] = scratch + "/config"
        environment["TZ"] = "UTC"
        environment["LANG"] = "C.UTF-8"
        for (k, v) in env { environment[k] = v }

        let outPath = scratch + "/stdout", errPath = scratch + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? scratch)
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()

        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            XCTFail("mr5-backup \(args.joined(separator: " ")) did not finish within 60 s", file: file, line: line)
        }
        process.waitUntilExit()
        let out = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let err = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        return CLIResult(exitCode: process.terminationStatus, stdout: out, stderr: err)
    }

    /// Asserts a refused command: the exit code, exactly one `mr5-backup: ...` line on
    /// stderr containing `mentioning`, and nothing on stdout.
    func assertRefused(_ r: CLIResult, exit code: Int32, mentioning text: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.exitCode, code, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, "expected one line on stderr, got: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("mr5-backup: "), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(text), "stderr lacks '\(text)': \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
    }
}

/// A scratch folder with a small demo shop in `shop/`, removed when the test ends.
final class DemoFixture {
    let root: String
    let dataDir: String
    let layout: DataLayout

    init(sizeMB: Int = 1, now: Date = Date()) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mr5-e2e-\(getpid())-\(UUID().uuidString.prefix(8))").path
        dataDir = root + "/shop"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        _ = try DemoShop.create(at: dataDir, sizeMB: sizeMB, now: now)
        layout = DataLayout(dataDir: dataDir)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// `--data-dir <shop>`.
    var dirArgs: [String] { ["--data-dir", dataDir] }

    /// Every file and folder under `path` with its size and modification time, to prove
    /// that a refused command changed nothing (history and logs included). The database's
    /// `-shm` file is left out: it is SQLite's shared-memory index, which every reader touches.
    static func snapshot(_ path: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return result }
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix("-shm") { continue }
            var st = stat()
            guard lstat(path + "/" + relative, &st) == 0 else { continue }
            result[relative] = "\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
        return result
    }

    func snapshot() -> [String: String] { DemoFixture.snapshot(dataDir) }

    /// Names in `list --json` order.
    func backupNames() -> [String] { BackupEngine(layout: layout).listBackups().map(\.name) }
}

/// Runs SQL through the stock sqlite3 CLI, as another process would.
func sqlite3(_ db: String, _ sql: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    p.arguments = [db, sql]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// ISO-8601 UTC, as every JSON time must be.
func parseISO(_ value: Any?) -> Date? {
    guard let text = value as? String, text.hasSuffix("Z") else { return nil }
    return ISO8601DateFormatter().date(from: text)
}
