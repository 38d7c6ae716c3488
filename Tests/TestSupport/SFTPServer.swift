import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real OpenSSH server (Debian's `openssh-server`) on 127.0.0.1 at a free port, with a
/// host key and a client key made for it, until stopped. restic reaches it through
/// `sftpOption` (`-o sftp.command=...`), as a shop reaches a NAS on another port.
public final class SFTPServer {
    public let port: Int
    public let folder: TempDir
    private var child: ChildProcess?

    public init() throws {
        folder = TempDir("mr5-sshd")
        for key in ["host_key", "client_key"] {
            let r = try ChildProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", folder.file(key)])
            guard r.exitCode == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        try FileManager.default.copyItem(atPath: folder.file("client_key.pub"), toPath: folder.file("authorized_keys"))
        port = FreePort.pick()
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(folder.file("host_key"))
            AuthorizedKeysFile \(folder.file("authorized_keys"))
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            PidFile \(folder.file("sshd.pid"))
            Subsystem sftp internal-sftp
            LogLevel ERROR
            """
        try config.write(toFile: folder.file("sshd_config"), atomically: true, encoding: .utf8)
        // sshd wants its privilege-separation folder.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        // sshd closes every inherited descriptor, which Foundation's Process takes for an
        // exit and then blocks reaping it: a small Python parent keeps them, and the
        // kernel kills sshd when that parent dies (PR_SET_PDEATHSIG).
        try start()
    }

    /// Starts sshd (again) on the same port with the same keys: a server back after an outage.
    public func start() throws {
        child = try ChildProcess("/usr/bin/python3", ["-c", Self.keeper, "/usr/sbin/sshd", "-f", folder.file("sshd_config"), "-D", "-e"])
        guard FreePort.waitUntilListening(port) else {
            let why = child?.stderr ?? ""
            stop()
            throw NSError(domain: "SFTPServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "sshd did not start: \(why)"])
        }
    }

    static let keeper = """
        import ctypes, signal, subprocess, sys
        libc = ctypes.CDLL(None)
        p = subprocess.Popen(sys.argv[1:], preexec_fn=lambda: libc.prctl(1, signal.SIGKILL))
        sys.exit(p.wait())
        """

    /// The user restic logs in as (the test's own).
    public var user: String { String(cString: getpwuid(getuid()).pointee.pw_name) }

    /// `sftp:user@127.0.0.1:/path`.
    public func repository(_ path: String) -> String { "sftp:\(user)@127.0.0.1:\(path)" }

    /// The restic option that reaches this server with the client key.
    public var sftpOption: String {
        "sftp.command=ssh -p \(port) -i \(folder.file("client_key")) -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \(user)@127.0.0.1 -s sftp"
    }

    public func stop() {
        child?.killHard()
        child = nil
    }

    deinit { stop() }
}
