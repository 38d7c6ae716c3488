import CSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs another program as a child process: an argument list (never a shell, so no
/// argument is ever re-read as shell syntax), an environment given in full, stdin from a
/// file, stdout kept in memory or written to a file, stderr kept, and a time limit.
/// The one seam for child processes in the engine. Each child runs in a session of its
/// own with no controlling terminal and no descriptor of ours but its three (`mr5_spawn`).
struct ChildProgram {
    enum Input { case none, file(String), data(Data) }
    /// `file`: written from the start (a file made for it); `append`: added to the end of
    /// a log, made when missing.
    enum Output { case capture, file(String), append(String) }

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
    /// Where the child's stderr goes: captured (for a run that ends), or appended to a log
    /// file (for a child that runs for days, whose messages must not pile up in memory).
    var errorOutput: Output = .capture
    /// Told the child's pid once it runs (a supervisor records it).
    var onStart: (@Sendable (Int32) -> Void)? = nil
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
        // Every descriptor made here until the child runs: a failure on the way closes them all.
        var opened: [Int32] = []
        var handedOver = false
        defer { if !handedOver { for fd in opened { close(fd) } } }
        func pipePair() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard mr5_pipe(&fds) == 0 else { throw BackupError.io(operation: "pipe", path: executable, errno: errno) }
            opened += fds
            return (fds[0], fds[1])
        }
        // A parent that ignores SIGCHLD (a wrapper's doing) would have the kernel reap the
        // child, and its exit status would be lost: a failure could read as success.
        Foundation.signal(SIGCHLD, SIG_DFL)
        // The child's ends, closed in this process once it runs.
        let childIn: Int32, childOut: Int32
        var feed: (fd: Int32, data: Data)?
        switch input {
        case .none:
            childIn = open("/dev/null", O_RDONLY | O_CLOEXEC)
            if childIn >= 0 { opened.append(childIn) }
        case .file(let path):
            childIn = try FileSystem.openNoFollow(path, O_RDONLY)
            opened.append(childIn)
        case .data(let data):
            let p = try pipePair()
            childIn = p.read
            feed = (p.write, data)
        }
        guard childIn >= 0 else { throw BackupError.io(operation: "open", path: "/dev/null", errno: errno) }
        var outRead: Int32 = -1
        switch output {
        case .capture:
            let p = try pipePair()
            outRead = p.read
            childOut = p.write
        case .file(let path):
            childOut = try FileSystem.openNoFollow(path, O_WRONLY)
            opened.append(childOut)
        case .append(let path):
            childOut = try FileSystem.openNoFollow(path, O_WRONLY | O_APPEND | O_CREAT)
            opened.append(childOut)
        }
        var errRead: Int32 = -1
        let childErr: Int32
        switch errorOutput {
        case .capture:
            let p = try pipePair()
            errRead = p.read
            childErr = p.write
        case .file(let path), .append(let path):
            childErr = try FileSystem.openNoFollow(path, O_WRONLY | O_APPEND | O_CREAT)
            opened.append(childErr)
        }
        let childSide = [childIn, childOut, childErr]

        var pid: pid_t = 0
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let rc = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in
                mr5_spawn(&pid, executable, cArgv, cEnvp, childIn, childOut, childErr)
            }
        }
        guard rc == 0 else { throw BackupError.io(operation: "run", path: executable, errno: rc) }
        handedOver = true
        for fd in childSide { close(fd) }
        onStart?(pid)

        // Input is fed and both pipes are drained while the child runs, so a chatty child
        // never blocks on a full pipe; a child that does not read its input must not kill
        // us with SIGPIPE (the write fails with EPIPE instead: SIGPIPE is ignored here).
        let collected = Locked<(out: Data, err: Data)>((Data(), Data()))
        let readers = DispatchGroup()
        for (fd, isOut) in [(outRead, true), (errRead, false)] where fd >= 0 {
            readers.enter()
            // Each reader owns its descriptor and closes it at end of file: one a grandchild
            // still holds after the wait below must not be closed (and its number reused) under it.
            Thread.detachNewThread {
                let data = FileSystem.readAll(fd) ?? Data()
                close(fd)
                collected.withLock { if isOut { $0.out = data } else { $0.err = data } }
                readers.leave()
            }
        }
        if let feed {
            let fd = feed.fd
            // Ignored for good, not put back: another thread's feed may be writing meanwhile.
            Foundation.signal(SIGPIPE, SIG_IGN)
            Thread.detachNewThread {
                feed.data.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { try? FileSystem.writeAll(fd, base, raw.count, path: "stdin") }
                }
                close(fd)
            }
        }
        var timedOut = false, cancelled = false
        let started = Date()
        let deadline = started.addingTimeInterval(timeLimit)
        var status: Int32 = 0
        var exited = false
        var statusLost = false
        func reap() -> Bool {
            let r = waitpid(pid, &status, WNOHANG)
            if r < 0 && errno == ECHILD { statusLost = true }
            return r == pid || statusLost
        }
        while true {
            exited = reap()
            if exited { break }
            if Date() >= deadline { timedOut = true; break }
            if cancellation?.isCancelled == true { cancelled = true; break }
            // Quick for a short run; a child that runs for hours is looked at 5 times a second.
            usleep(Date().timeIntervalSince(started) > 2 ? 200_000 : 20_000)
        }
        if !exited {
            // SIGTERM lets restic remove its lock; the whole session (ssh under restic too);
            // SIGKILL after 5 s if it does not stop.
            kill(-pid, SIGTERM)
            let hard = Date().addingTimeInterval(5)
            while !reap() && Date() < hard { usleep(20_000) }
            if waitpid(pid, &status, WNOHANG) == 0 {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
            }
        }
        // Grandchildren (ssh under restic) may keep the pipes open: do not wait for them forever.
        _ = readers.wait(timeout: .now() + 5)
        let (out, err) = collected.withLock { $0 }
        let termSignal = status & 0x7f
        let signalled = !statusLost && termSignal != 0 && termSignal != 0x7f
        // A status we never saw is a failure, never a success.
        return Result(status: statusLost ? 255 : signalled ? termSignal : (status >> 8) & 0xff, stdout: out,
                      stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut, cancelled: cancelled,
                      signalled: signalled)
    }
}

/// Calls `body` with `strings` as a NULL-terminated C array that lives for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
