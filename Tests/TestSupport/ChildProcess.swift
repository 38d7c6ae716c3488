import BackupEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program a test starts: stdin a pipe it can write to, stdout and stderr in files (so a
/// chatty child never blocks on a full pipe and its output can be read while it runs),
/// and every wait bounded by a time-out, so a hang fails a test instead of stalling it.
///
/// The child gets the test's environment without the variables that would point
/// mr5-backup at another data dir or change its output (`MR5_DATA_DIR`, `MR5_DEMO_DIR`,
/// `NO_COLOR`), with `TZ=UTC` and a UTF-8 locale, plus `env`.
public final class ChildProcess {
    public let process = Process()
    private let files = TempDir("mr5-child")
    private let input = Pipe()

    /// Starts `executable args...` in `directory` (default: the test's own).
    public init(_ executable: String, _ args: [String], env: [String: String] = [:], directory: String? = nil) throws {
        var environment = ProcessInfo.processInfo.environment
        for key in [DataLayout.environmentVariable, "MR5_DEMO_DIR", "NO_COLOR"] { environment[key] = nil }
        environment["TZ"] = "UTC"
        environment["LANG"] = "C.UTF-8"
        for (k, v) in env { environment[k] = v }
        FileManager.default.createFile(atPath: files.file("stdout"), contents: nil)
        FileManager.default.createFile(atPath: files.file("stderr"), contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: files.file("stdout")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: files.file("stderr")))
        try process.run()
    }

    /// Runs `executable args...` to the end with `stdin` as its input. A run longer than
    /// `timeout` s is killed and comes back with `timedOut` set.
    public static func run(_ executable: String, _ args: [String], env: [String: String] = [:], stdin: String = "",
                           directory: String? = nil, timeout: TimeInterval = 60) throws -> ProcessResult {
        let child = try ChildProcess(executable, args, env: env, directory: directory)
        if !stdin.isEmpty { child.write(stdin) }
        child.closeInput()
        let status = child.wait(timeout: timeout)
        return ProcessResult(exitCode: child.process.terminationStatus, stdout: child.stdout, stderr: child.stderr,
                             timedOut: status == nil)
    }

    public var pid: Int32 { process.processIdentifier }

    /// Sends text to the child's stdin (kept open until `closeInput`).
    /// Writes to the child's stdin; a child that already exited makes it a no-op, never a
    /// SIGPIPE that would end the whole test process.
    public func write(_ text: String) {
        signal(SIGPIPE, SIG_IGN)
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }
    public func closeInput() { try? input.fileHandleForWriting.close() }

    /// Everything the child wrote so far.
    public var stdout: String { String(decoding: FileManager.default.contents(atPath: files.file("stdout")) ?? Data(), as: UTF8.self) }
    public var stderr: String { String(decoding: FileManager.default.contents(atPath: files.file("stderr")) ?? Data(), as: UTF8.self) }

    /// kill -9, then reap.
    public func killHard() {
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then reap.
    public func terminate() {
        if process.isRunning { kill(pid, SIGTERM) }
        process.waitUntilExit()
    }

    /// Waits up to `timeout` s for the end and returns the exit status; on a hang the
    /// child is killed and the result is nil.
    @discardableResult
    public func wait(timeout: TimeInterval = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning { killHard(); return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits until `predicate` holds on stdout + stderr, up to `timeout` s (false when
    /// it never does, or the child ended without it).
    public func waitForOutput(timeout: TimeInterval = 20, _ predicate: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if predicate(stdout + stderr) { return true }
            if !process.isRunning { return predicate(stdout + stderr) }
            usleep(5_000)
        }
        return false
    }

    /// True when the child was ended by a signal (a kill landed) rather than exiting.
    public var wasKilled: Bool { process.terminationReason == .uncaughtSignal }

    /// What the ended child did.
    public var result: ProcessResult {
        ProcessResult(exitCode: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    deinit {
        // A test that failed half-way must not leave its children running.
        if process.isRunning { killHard() }
    }
}
