import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real S3 API server on 127.0.0.1 (`moto_server` from PyPI's `moto[server]`; in
/// production MinIO, Ceph RGW or AWS), in memory, until stopped. `pause()` stops it
/// answering (SIGSTOP) without losing its buckets; `resume()` lets it go on.
public final class S3Server {
    public let port: Int
    private var child: ChildProcess?

    /// The moto_server program, when installed (`.ci/run` installs it).
    public static var program: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        // pip puts it beside the Python that installed it, which a pyenv shim may not know yet.
        let scripts = (try? ChildProcess.run("/usr/bin/env", ["python3", "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"], timeout: 20))?
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let dirs = path.split(separator: ":").map(String.init) + [scripts, "/usr/local/bin", NSHomeDirectory() + "/.local/bin"].compactMap { $0 }
        return dirs.map { $0 + "/moto_server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `checkingKeys`: moto then refuses keys it did not issue, as a real server refuses
    /// wrong ones (every key a test has is wrong there).
    public init(checkingKeys: Bool = false) throws {
        guard let program = Self.program else {
            throw NSError(domain: "S3Server", code: 1, userInfo: [NSLocalizedDescriptionKey: "moto_server is not installed (pip install 'moto[server]')"])
        }
        port = FreePort.pick()
        child = try ChildProcess(program, ["-H", "127.0.0.1", "-p", String(port)], env: checkingKeys ? ["INITIAL_NO_AUTH_ACTION_COUNT": "0"] : [:])
        guard FreePort.waitUntilListening(port, timeout: 60) else {
            let why = child?.stderr ?? ""
            stop()
            throw NSError(domain: "S3Server", code: 2, userInfo: [NSLocalizedDescriptionKey: "moto_server did not start: \(why)"])
        }
    }

    /// `s3:http://127.0.0.1:PORT/bucket/path`.
    public func repository(bucket: String, path: String) -> String { "s3:http://127.0.0.1:\(port)/\(bucket)/\(path)" }

    /// What restic needs in its environment (moto takes any keys).
    public static let environmentFile = "AWS_ACCESS_KEY_ID=mr5testkey\nAWS_SECRET_ACCESS_KEY=mr5testsecret\n"

    public func pause() { if let pid = child?.pid { kill(pid, SIGSTOP) } }
    public func resume() { if let pid = child?.pid { kill(pid, SIGCONT) } }

    public func stop() {
        resume()
        child?.killHard()
        child = nil
    }

    deinit { stop() }
}
