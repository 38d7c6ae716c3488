import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `--fleet N`: `mr5-backup fleet` over a repository of N terminals x 10 snapshots, each
/// carrying a health report in its tag as a till's push does; 2% of the terminals silent for
/// 30 h (CRITICAL), 3% for 8 h (WARNING). The repository is generated once and kept under
/// the work folder (`--work-dir`): `restic backup --time` costs a second of key derivation
/// a run, so the snapshots are written as restic writes them by assets/bench/fleet-repository.py
/// (encrypted with the repository's master key; `restic check` passes on it).
///
/// Measured: wall time and mr5-backup's own peak RSS (VmHWM, polled) with a cold cache and
/// a warm one, and restic's listing alone beside it. The verdict counts are checked against
/// the shape generated, so a wrong figure cannot pass as a fast one.
struct FleetBenchmark {
    let tools: BenchTools
    let work: String
    var terminals = 500
    var perTerminal = 10
    var runs = 3
    /// An S3 endpoint's repository (`s3:http://127.0.0.1:9000/bucket/path`) and its env file:
    /// the generated folder is uploaded there (boto3) and measured the same way.
    var s3: (repository: String, envFile: String)? = nil

    struct Run { var seconds: Double; var peakRSS: Int64; var counts: [String: Int] }
    struct Result {
        var label: String
        var cold: Run
        var warm: [Run]
        var resticSeconds: Double
        var resticRSS: Int64
    }

    var expected: [String: Int] {
        let critical = (1...terminals).filter { $0 % 50 == 0 }.count
        let warning = (1...terminals).filter { $0 % 20 == 0 && $0 % 50 != 0 }.count
        return ["ok": terminals - critical - warning, "warning": warning, "critical": critical, "unknown": 0]
    }

    func run() throws -> [Result] {
        let folder = work + "/fleet-\(terminals)x\(perTerminal)"
        let repo = folder + "/repo", password = folder + "/password"
        if !FileManager.default.fileExists(atPath: repo + "/config") { try generate(folder: folder, repo: repo, password: password) }
        var results = [try measure(label: "folder, \(terminals) terminals", repository: repo, password: password, envFile: nil, state: folder + "/state")]
        if let s3 {
            try upload(repo, to: s3.repository, envFile: s3.envFile)
            results.append(try measure(label: "moto S3, \(terminals) terminals", repository: s3.repository, password: password,
                                       envFile: s3.envFile, state: folder + "/state-s3"))
        }
        return results
    }

    private func generate(folder: String, repo: String, password: String) throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "bench-fleet-password\n".write(toFile: password, atomically: true, encoding: .utf8)
        let env = "RESTIC_REPOSITORY=\(Benchmark.shq(repo)) RESTIC_PASSWORD_FILE=\(Benchmark.shq(password)) RESTIC_CACHE_DIR=\(Benchmark.shq(folder + "/gen-cache"))"
        log("fleet: making a repository of \(terminals) x \(perTerminal) snapshots in \(repo) ...")
        _ = try BenchProcess.shell("\(env) restic init -q --repository-version 2 && echo seed | \(env) restic backup -q --stdin --stdin-filename mr5-pos.db --host seed", scratch: work)
        let spec = folder + "/spec.json"
        try JSONSerialization.data(withJSONObject: snapshots(now: Date())).write(to: URL(fileURLWithPath: spec))
        let script = FileManager.default.currentDirectoryPath + "/assets/bench/fleet-repository.py"
        guard FileManager.default.fileExists(atPath: script) else { throw BenchError("run from the checkout: \(script) is missing") }
        let out = try BenchProcess.shell("\(env) python3 \(Benchmark.shq(script)) --repo \(Benchmark.shq(repo)) --password-file \(Benchmark.shq(password)) --snapshots \(Benchmark.shq(spec))", scratch: work)
        log("fleet: \(out)")
        let check = try BenchProcess.run(["/bin/sh", "-c", "\(env) restic check -q"], scratch: work)
        guard check.status == 0 else { throw BenchError("restic check failed on the generated repository: \(check.stderr)") }
    }

    /// Terminal `i`'s snapshots, newest first, 3 h apart; the newest carries a health report.
    private func snapshots(now: Date) -> [[String: Any]] {
        let iso = ISO8601DateFormatter()
        var all: [[String: Any]] = []
        for i in 1...terminals {
            let host = String(format: "till-%03d", i)
            let silent: TimeInterval = i % 50 == 0 ? 30 * 3600 : i % 20 == 0 ? 8 * 3600 : 600
            for n in 0..<perTerminal {
                let time = now.addingTimeInterval(-silent - Double(n) * 3 * 3600)
                let report: [String: Any] = [
                    "format": 1, "kind": "health", "terminal": host, "writtenAt": iso.string(from: time), "toolVersion": "0.2.0",
                    "level": 0, "message": "backups verified and current",
                    "health": ["appVersion": "2.4.0", "databaseBytes": 21_852_160, "orders": 4000 + i, "backups": 12,
                               "consecutiveFailures": 0, "newestVerifiedAt": iso.string(from: time), "intervalSeconds": 10800,
                               "keyID": String(format: "%08x", i)] as [String: Any],
                ]
                let json = (try? JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])) ?? Data()
                let tag = "health:" + json.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                all.append(["hostname": host, "time": iso.string(from: time),
                            "tags": ["mr5-backup", "kind:scheduled", "app:0.2.0", "name:backup-\(n).db", "size:21852160", tag]])
            }
        }
        return all
    }

    private func measure(label: String, repository: String, password: String, envFile: String?, state: String) throws -> Result {
        try? FileManager.default.removeItem(atPath: state)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let args = [tools.backup, "fleet", "--json", "--repository", repository, "--password-file", password, "--state", state]
            + (envFile.map { ["--env-file", $0] } ?? [])
        let cold = try timed(args)
        let warm = try (1...runs).map { _ in try timed(args) }
        for run in [cold] + warm where run.counts != expected {
            throw BenchError("fleet counted \(run.counts), the repository holds \(expected)")
        }
        var env = "RESTIC_REPOSITORY=\(Benchmark.shq(repository)) RESTIC_PASSWORD_FILE=\(Benchmark.shq(password)) RESTIC_CACHE_DIR=\(Benchmark.shq(state + "/cache"))"
        if let envFile { env = "set -a; . \(Benchmark.shq(envFile)); set +a; " + env }
        let restic = try BenchProcess.run(["/bin/sh", "-c", "\(env) exec restic snapshots --no-lock --json --tag mr5-backup --tag mr5-report > /dev/null"], scratch: work)
        log("fleet \(label): cold \(String(format: "%.2f", cold.seconds)) s, warm \(warm.map { String(format: "%.2f", $0.seconds) }.joined(separator: ", ")) s, peak \(cold.peakRSS / 1_048_576) MiB")
        return Result(label: label, cold: cold, warm: warm, resticSeconds: restic.seconds, resticRSS: restic.maxRSSBytes)
    }

    /// Runs `argv`, polling its own peak RSS (VmHWM: not restic's, its child) until it exits.
    private func timed(_ argv: [String]) throws -> Run {
        let out = work + "/fleet-out-\(UUID().uuidString.prefix(8))", err = out + ".err"
        defer { unlink(out); unlink(err) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let pid = try BenchProcess.spawn(argv, stdout: out, stderr: err)
        var status: Int32 = 0, peak: Int64 = 0
        while true {
            if let rss = ConsoleProbe.peakRSSBytes(pid) { peak = max(peak, rss) }
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid || (rc < 0 && errno != EINTR) { break }
            usleep(5_000)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let data = FileManager.default.contents(atPath: out) ?? Data()
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let counts = json["counts"] as? [String: Int] else {
            throw BenchError("fleet gave no JSON (exit \(BenchProcess.exitStatus(status))): \(BenchProcess.read(err))")
        }
        return Run(seconds: seconds, peakRSS: peak, counts: counts)
    }

    private func upload(_ folder: String, to repository: String, envFile: String) throws {
        // s3:http://host:port/bucket/path: the folder's layout is restic's S3 layout.
        let url = String(repository.dropFirst(3))
        guard let parsed = URL(string: url), let host = parsed.host, let port = parsed.port else { throw BenchError("not an s3:http://host:port/bucket/path repository: \(repository)") }
        let parts = parsed.path.split(separator: "/").map(String.init)
        guard let bucket = parts.first else { throw BenchError("no bucket in \(repository)") }
        let prefix = parts.dropFirst().joined(separator: "/")
        let code = """
        import boto3, os, sys
        s3 = boto3.client('s3', endpoint_url='http://\(host):\(port)', region_name='us-east-1')
        try: s3.create_bucket(Bucket='\(bucket)')
        except Exception: pass
        root = sys.argv[1]
        for d, _, files in os.walk(root):
            for f in files:
                p = os.path.join(d, f)
                s3.upload_file(p, '\(bucket)', '\(prefix)/' + os.path.relpath(p, root))
        """
        let script = work + "/fleet-upload.py"
        try code.write(toFile: script, atomically: true, encoding: .utf8)
        log("fleet: uploading the repository to \(repository) ...")
        _ = try BenchProcess.shell("set -a; . \(Benchmark.shq(envFile)); set +a; python3 \(Benchmark.shq(script)) \(Benchmark.shq(folder))", scratch: work)
    }

    func markdown(_ results: [Result]) -> String {
        func s(_ x: Double) -> String { String(format: "%.2f s", x) }
        func mib(_ b: Int64) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }
        var lines = ["`mr5-backup fleet --json --repository ...` over \(terminals) terminals x \(perTerminal) snapshots (\(terminals * perTerminal) snapshots, each with its health tag; \(expected["warning"] ?? 0) dark for 8 h, \(expected["critical"] ?? 0) for 30 h, counted right in every run). Median of \(runs) warm runs.",
                     "",
                     "| repository | cold cache | warm cache | mr5-backup peak RSS | restic's listing alone | restic's peak RSS |",
                     "|---|---|---|---|---|---|"]
        for r in results {
            let warm = r.warm.map(\.seconds).sorted()[r.warm.count / 2]
            let peak = ([r.cold] + r.warm).map(\.peakRSS).max() ?? 0
            lines.append("| \(r.label) | \(s(r.cold.seconds)) | \(s(warm)) | \(mib(peak)) | \(s(r.resticSeconds)) | \(mib(r.resticRSS)) |")
        }
        return lines.joined(separator: "\n")
    }
}
