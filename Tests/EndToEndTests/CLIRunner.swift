import BackupEngine
import DemoShop
import Foundation
import TestSupport
import XCTest

extension XCTestCase {
    /// Runs `mr5-backup args...` in `directory` (default: a scratch folder) with stdin from
    /// `stdin` (never a terminal), HOME and XDG_CONFIG_HOME pointing into scratch space,
    /// and `env` added. Fails the test on a hang (60 s).
    @discardableResult
    func run(_ args: [String], env: [String: String] = [:], stdin: String = "", directory: String? = nil,
             file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        let binary = try BuiltProduct.backup.required(file: file, line: line)
        return try launch(binary, args, env: env, stdin: stdin, directory: directory, file: file, line: line)
    }

    /// Runs `mr5-backup args...` on a pseudo-terminal (util-linux `script`), so stdin,
    /// stdout and stderr are all a terminal; the terminal's output comes back as stdout.
    func runInTerminal(_ args: [String], stdin: String, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        let binary = try BuiltProduct.backup.required(file: file, line: line)
        let quoted = ([binary] + args).map(shq).joined(separator: " ")
        return try launch("/usr/bin/script", ["-qec", quoted, "/dev/null"], env: [:], stdin: stdin, directory: nil,
                          file: file, line: line)
    }

    private func launch(_ executable: String, _ args: [String], env: [String: String], stdin: String, directory: String?,
                        file: StaticString, line: UInt) throws -> ProcessResult {
        let scratch = TempDir("mr5-cli")
        var environment = ["HOME": scratch.path, "XDG_CONFIG_HOME": scratch.file("config")]
        for (k, v) in env { environment[k] = v }
        let r = try ChildProcess.run(executable, args, env: environment, stdin: stdin, directory: directory ?? scratch.path)
        if r.timedOut {
            XCTFail("mr5-backup \(args.joined(separator: " ")) did not finish within 60 s", file: file, line: line)
        }
        return r
    }

    /// Asserts a refused command: the exit code, exactly one `mr5-backup: ...` line on
    /// stderr containing `mentioning`, and nothing on stdout.
    func assertRefused(_ r: ProcessResult, exit code: Int32, mentioning text: String,
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
    private let tmp = TempDir("mr5-e2e")
    var root: String { tmp.path }
    let dataDir: String
    let layout: DataLayout

    init(sizeMB: Int = 1, now: Date = Date()) throws {
        dataDir = tmp.file("shop")
        _ = try DemoShop.create(at: dataDir, sizeMB: sizeMB, now: now)
        layout = DataLayout(dataDir: dataDir)
    }

    /// `--data-dir <shop>`.
    var dirArgs: [String] { ["--data-dir", dataDir] }

    /// Every file and folder under `path` with its size and modification time, to prove
    /// that a refused command changed nothing (history and logs included). The database's
    /// `-shm` file is left out: it is SQLite's shared-memory index, which every reader touches;
    /// so is an empty `-wal`, which a reader of a WAL database creates when there is none.
    static func snapshot(_ path: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return result }
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix("-shm") { continue }
            var st = stat()
            guard lstat(path + "/" + relative, &st) == 0 else { continue }
            if relative.hasSuffix("-wal") && st.st_size == 0 { continue }
            result[relative] = "\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
        return result
    }

    func snapshot() -> [String: String] { DemoFixture.snapshot(dataDir) }

    /// Names in `list --json` order.
    func backupNames() -> [String] { BackupEngine(layout: layout).listBackups().map(\.name) }
}

/// ISO-8601 UTC, as every JSON time must be.
func parseISO(_ value: Any?) -> Date? {
    guard let text = value as? String, text.hasSuffix("Z") else { return nil }
    return ISO8601DateFormatter().date(from: text)
}
