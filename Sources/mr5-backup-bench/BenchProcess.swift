import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one timed child process did.
struct Timed {
    var seconds: Double
    var status: Int32
    var stdout: String
    var stderr: String
    /// Peak resident set of the child, from wait4's rusage (ru_maxrss is in KiB on Linux).
    var maxRSSBytes: Int64
}

/// Runs the tools under test as child processes: posix_spawn + wait4, so the wall time
/// and the child's own peak RSS come from the kernel, not from a wrapper.
enum BenchProcess {
    /// Runs `argv` to the end with stdout/stderr captured in files under `scratch`.
    /// A run longer than `timeout` s is killed and reported with status 137 (sqlite3's
    /// `.backup` can restart forever under a writer).
    static func run(_ argv: [String], scratch: String, env: [String: String] = [:], timeout: Double = 3600) throws -> Timed {
        let out = scratch + "/out-\(UUID().uuidString.prefix(8))", err = out + ".err"
        let t0 = DispatchTime.now().uptimeNanoseconds
        let started = try spawn(argv, stdout: out, stderr: err, env: env)
        var status: Int32 = 0
        var usage = rusage()
        var killed = false
        while true {
            let rc = wait4(started, &status, WNOHANG, &usage)
            if rc == started { break }
            if rc < 0 && errno != EINTR { break }
            if !killed && Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 > timeout {
                kill(started, SIGKILL); killed = true
            }
            usleep(1_000)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        defer { unlink(out); unlink(err) }
        return Timed(seconds: seconds, status: exitStatus(status), stdout: read(out), stderr: read(err),
                     maxRSSBytes: Int64(usage.ru_maxrss) * 1024)
    }

    /// Starts `argv` and returns its pid; output goes to the two files.
    static func spawn(_ argv: [String], stdout: String, stderr: String, env: [String: String] = [:]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        for (k, v) in env { environment[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard rc == 0 else { throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    static func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    /// Runs a shell line and returns its trimmed stdout (for small helpers: tmux, nproc).
    @discardableResult
    static func shell(_ line: String, scratch: String) throws -> String {
        let r = try run(["/bin/sh", "-c", line], scratch: scratch)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The writer (`mr5-pos-sim write`) running in the background while something is measured.
final class BackgroundWriter {
    let pid: pid_t
    let outPath: String
    let errPath: String

    init(sim: String, db: String, intervalMs: Int, scratch: String) throws {
        outPath = scratch + "/writer-\(UUID().uuidString.prefix(8)).out"
        errPath = outPath + ".err"
        pid = try BenchProcess.spawn([sim, "write", "--db", db, "--interval-ms", String(intervalMs), "--duration-s", "3600",
                                      "--busy-timeout-ms", "5000"], stdout: outPath, stderr: errPath)
        let deadline = Date().addingTimeInterval(30)
        while !BenchProcess.read(errPath).contains("ready") && Date() < deadline { usleep(5_000) }
        usleep(200_000)   // a few commits in before the measured operation starts
    }

    /// SIGTERM, reap, and the writer's JSON line.
    func stop() -> WriterStats {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let line = BenchProcess.read(outPath)
        unlink(outPath); unlink(errPath)
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        func num(_ k: String) -> Double { (object[k] as? NSNumber)?.doubleValue ?? .nan }
        return WriterStats(commits: Int(num("commits").isNaN ? 0 : num("commits")),
                           errors: Int(num("errors").isNaN ? -1 : num("errors")),
                           p50: num("p50Ms"), p99: num("p99Ms"), max: num("maxMs"),
                           firstError: object["firstError"] as? String ?? "")
    }
}

/// The writer's commit latency and errors over one window.
struct WriterStats {
    var commits: Int
    var errors: Int
    var p50: Double
    var p99: Double
    var max: Double
    var firstError: String
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
