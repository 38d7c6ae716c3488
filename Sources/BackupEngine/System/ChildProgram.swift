import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs another program as a child process: an argument list (never a shell, so no
/// argument is ever re-read as shell syntax), an environment given in full, stdin from a
/// file, stdout kept in memory or written to a file, stderr kept, and a time limit.
/// The one seam for child processes in the engine.
struct ChildProgram {
    enum Input { case none, file(String) }
    enum Output { case capture, file(String) }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        /// Stopped by us: the time limit passed.
        var timedOut = false
        /// Stopped by us: the caller's cancellation flag was set.
        var cancelled = false
        var signalled: Bool
    }

    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var input: Input = .none
    var output: Output = .capture
    var timeLimit: TimeInterval
    var cancellation: CancellationFlag? = nil

    /// The program's path: `name` looked up in `PATH`, as a shell would, without one.
    /// With `requireExecutable` false, also a file this user may not run.
    static func locate(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"],
                       requireExecutable: Bool = true) -> String? {
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            let usable = requireExecutable ? FileManager.default.isExecutableFile(atPath: candidate) : FileSystem.exists(candidate)
            if usable, !FileSystem.isDirectory(candidate) { return candidate }
        }
        return nil
    }

    func run() throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        var opened: [FileHandle] = []
        defer { for h in opened { try? h.close() } }
        switch input {
        case .none: process.standardInput = FileHandle.nullDevice
        case .file(let path):
            let h = FileHandle(fileDescriptor: try FileSystem.openNoFollow(path, O_RDONLY), closeOnDealloc: true)
            opened.append(h)
            process.standardInput = h
        }
        let outPipe = Pipe(), errPipe = Pipe()
        switch output {
        case .capture: process.standardOutput = outPipe
        case .file(let path):
            let h = FileHandle(fileDescriptor: try FileSystem.openNoFollow(path, O_WRONLY), closeOnDealloc: true)
            opened.append(h)
            process.standardOutput = h
        }
        process.standardError = errPipe
        try process.run()

        // Both pipes are drained while the child runs, so a chatty child never blocks on a full pipe.
        let collected = Locked<(out: Data, err: Data)>((Data(), Data()))
        let readers = DispatchGroup()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            if isOut, case .file = output { continue }
            readers.enter()
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.withLock { if isOut { $0.out = data } else { $0.err = data } }
                readers.leave()
            }
        }
        var timedOut = false, cancelled = false
        let deadline = Date().addingTimeInterval(timeLimit)
        while process.isRunning {
            if Date() >= deadline { timedOut = true; break }
            if cancellation?.isCancelled == true { cancelled = true; break }
            usleep(20_000)
        }
        if timedOut || cancelled {
            // SIGTERM lets restic remove its lock; SIGKILL after 5 s if it does not stop.
            process.terminate()
            let hard = Date().addingTimeInterval(5)
            while process.isRunning && Date() < hard { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        // Grandchildren (ssh under restic) may keep the pipes open: do not wait for them forever.
        _ = readers.wait(timeout: .now() + 5)
        let (out, err) = collected.withLock { $0 }
        return Result(status: process.terminationStatus, stdout: out,
                      stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut, cancelled: cancelled,
                      signalled: process.terminationReason == .uncaughtSignal)
    }
}
