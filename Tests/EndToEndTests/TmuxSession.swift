import Foundation
import XCTest

/// A detached tmux server with one window running an interactive shell, for driving the
/// console as a technician would. Each session has its own socket (`tmux -L`), so tests
/// never share a server; `kill()` (call it in tearDown) ends the server and its processes.
final class TmuxSession {
    let socket: String
    private(set) var killed = false

    /// Starts `bash` at `width` x `height` in `directory`, with a UTF-8 locale and UTC times.
    init(width: Int, height: Int, directory: String, env: [String: String] = [:]) throws {
        socket = "mr5-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        var args = ["-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", "\(width)", "-y", "\(height)",
                    "-c", directory, "-e", "LANG=C.UTF-8", "-e", "TZ=UTC", "-e", "PS1=e2e$ ", "-e", "HOME=\(directory)"]
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { args += ["-e", "\(k)=\(v)"] }
        args += ["bash", "--norc", "--noprofile", "-i"]
        // The server outlives this call and would hold a pipe open forever: no output captured here.
        let status = try tmux(args, captureOutput: false).status
        guard status == 0 else { throw TmuxError.failed("tmux new-session exited with \(status)") }
        // The window keeps the size we asked for, whatever clients attach later.
        _ = try tmux(["set-option", "-t", "main", "window-size", "manual"])
        _ = try waitFor("the shell prompt", timeout: 10) { $0.contains("e2e$") }
    }

    enum TmuxError: Error { case failed(String) }

    /// Runs `tmux -L <socket> args...` and returns its status and output.
    /// posix_spawn + waitpid rather than `Process`: Foundation's `waitUntilExit` never returns
    /// once the tmux client has forked its server (measured here), so the output goes through
    /// a temp file and the exit status comes from `waitpid`.
    @discardableResult
    func tmux(_ args: [String], captureOutput: Bool = true) throws -> (status: Int32, output: String) {
        let outPath = NSTemporaryDirectory() + "/\(socket)-\(UUID().uuidString.prefix(8)).out"
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, captureOutput ? outPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ["/usr/bin/tmux", "-L", socket] + args
        let env = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "TMUX_TMPDIR=" + NSTemporaryDirectory()]
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, &cArgs, &cEnv)
        guard rc == 0 else { throw TmuxError.failed("posix_spawn tmux: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let output = captureOutput ? ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "") : ""
        return (exit, output)
    }

    /// Types keys (tmux key names such as `Enter`, `Escape`, `Down`, or literal text).
    func send(_ keys: String...) throws {
        try tmux(["send-keys", "-t", "main"] + keys)
    }

    /// Types a line of text literally, then Enter.
    func typeLine(_ text: String) throws {
        try tmux(["send-keys", "-t", "main", "-l", text])
        try tmux(["send-keys", "-t", "main", "Enter"])
    }

    /// The visible screen as text.
    func capture() throws -> String {
        try tmux(["capture-pane", "-p", "-t", "main"]).output
    }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", "main", "-x", "\(width)", "-y", "\(height)"])
    }

    /// Polls the screen until `predicate` holds; fails the test with the last screen on time-out.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        repeat {
            screen = try capture()
            if predicate(screen) { return screen }
            usleep(50_000)
        } while Date() < deadline
        XCTFail("timed out after \(timeout) s waiting for \(what); the screen was:\n\(screen)", file: file, line: line)
        throw TmuxError.failed("timed out waiting for \(what)")
    }

    /// Waits until the screen shows `text`.
    @discardableResult
    func waitFor(text: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try waitFor("\"\(text)\"", timeout: timeout, file: file, line: line) { $0.contains(text) }
    }

    /// Ends the server and everything running in it.
    func kill() {
        guard !killed else { return }
        killed = true
        _ = try? tmux(["kill-server"])
    }

    deinit { kill() }
}
