import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Off-site copies to real servers on 127.0.0.1: OpenSSH (SFTP) and an S3 API server
/// (moto), both started by the test; `.ci/run` installs them.
final class OffsiteRemoteTests: XCTestCase {
    /// Pushes the newest backup, loses the data dir, and recovers it on "a new terminal"
    /// from the same repository; the database's content must come back.
    /// `owner`: the `--owner` the recovery gives the empty folder root made (nil: root's own).
    private func pushThenRecover(_ f: OffsiteFixture, setup: [String], newSetup: (String) -> [String], owner: String? = nil) throws {
        let name = try f.newestBackup(self)
        let push = try run(["offsite", "push", name] + f.dirArgs)
        XCTAssertEqual(push.exitCode, 0, push.stderr)
        let expected = try OffsiteFixture.counts(f.shop.layout.backupsDir + "/" + name)
        let drill = try run(["offsite", "drill"] + f.dirArgs)
        XCTAssertEqual(drill.exitCode, 0, drill.stderr)

        let tmp = TempDir("mr5-new-terminal")
        let safe = tmp.file("password-from-the-safe")
        try FileManager.default.copyItem(atPath: f.paths.password, toPath: safe)
        try? FileManager.default.removeItem(atPath: f.shop.dataDir)  // the old terminal is gone
        let dir = tmp.file("data")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let newDir = ["--data-dir", dir]
        let again = try run(["offsite", "init", "--repository", f.repository, "--password-file", safe] + newSetup(tmp.path) + newDir)
        XCTAssertEqual(again.exitCode, 0, again.stderr)
        let restore = try run(["offsite", "restore", "--latest", "--yes", "--owner", owner ?? "root"] + newDir)
        XCTAssertEqual(restore.exitCode, 0, restore.stderr)
        if owner == "nobody" {
            // Root's recovery leaves only files the POS user owns, and that user opens the database.
            XCTAssertTrue(restore.stderr.contains("running as nobody, the owner of \(dir)"), restore.stderr)
            var notNobodys: [String] = []
            let walker = FileManager.default.enumerator(atPath: dir)
            while let relative = walker?.nextObject() as? String {
                if FileSystem.ownerID(dir + "/" + relative, followingLinks: false) != 65534 { notNobodys.append(relative) }
            }
            XCTAssertEqual(notNobodys, [])
            let read = try ChildProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                                  "/usr/bin/sqlite3", "-readonly", dir + "/mr5-pos.db", "PRAGMA quick_check"])
            XCTAssertEqual(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok", read.stderr)
        }
        XCTAssertEqual(try OffsiteFixture.counts(dir + "/mr5-pos.db"), expected)
        XCTAssertEqual(try run(["verify", name] + newDir).exitCode, 0)
    }

    func testSFTPRepositoryOnARealSSHServer() throws {
        let server = try SFTPServer()
        let f = try OffsiteFixture { shop in server.repository(shop.root + "/sftp-repo") }
        let option = ["--option", server.sftpOption]
        let setup = try run(["offsite", "init", "--repository", f.repository] + option + f.dirArgs)
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.shop.root + "/sftp-repo/config"), "the repository is on the server's side")
        try pushThenRecover(f, setup: option, newSetup: { _ in option })

        // The server gone: one line that says so, recorded.
        server.stop()
        let tmp = TempDir("mr5-sftp-down")
        let down = try OffsiteFixture { _ in server.repository(tmp.path + "/repo") }
        let refused = try run(["offsite", "init", "--repository", down.repository] + option + down.dirArgs)
        assertRefused(refused, exit: 1, mentioning: "cannot be reached")
    }

    /// A root run over the POS user's folder, with a key only root can read: the key and
    /// the pinned host key are copied under the data dir before the switch, so ssh, run as
    /// the owner, logs in with them; a server whose key is not the pinned one is refused.
    func testSFTPWithTheTerminalsOwnKeyAsRootOverTheOwnersFolder() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root") }
        let server = try SFTPServer()
        let shop = try DemoFixture()
        XCTAssertEqual(try ChildProcess.run("/bin/chmod", ["755", shop.root]).exitCode, 0)
        XCTAssertEqual(try ChildProcess.run("/bin/chown", ["-R", "-h", "65534:65534", shop.dataDir]).exitCode, 0)
        let hostKey = try String(contentsOfFile: server.folder.file("host_key.pub"), encoding: .utf8)
        let knownHosts = server.folder.file("known_hosts")
        try "[127.0.0.1]:\(server.port) \(hostKey)".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let wrong = server.folder.file("wrong_known_hosts")
        let other = try ChildProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", server.folder.file("other")])
        XCTAssertEqual(other.exitCode, 0)
        try "[127.0.0.1]:\(server.port) \(try String(contentsOfFile: server.folder.file("other.pub"), encoding: .utf8))"
            .write(toFile: wrong, atomically: true, encoding: .utf8)
        let repository = server.repository(server.folder.file("repo"))
        let login = ["--ssh-key", server.folder.file("client_key"), "--ssh-port", String(server.port)]

        let refused = try run(["offsite", "init", "--repository", repository, "--known-hosts", wrong] + login + shop.dirArgs)
        XCTAssertEqual(refused.exitCode, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cannot be reached"), refused.stderr)
        let paths = OffsitePaths(layout: shop.layout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: paths.config), "nothing kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: paths.sshKey), "nothing kept")

        let setup = try run(["offsite", "init", "--repository", repository, "--known-hosts", knownHosts] + login + shop.dirArgs)
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
        XCTAssertTrue(setup.stderr.contains("running as nobody"), setup.stderr)
        for file in [paths.sshKey, paths.knownHosts] {
            XCTAssertEqual(FileSystem.ownerID(file, followingLinks: false), 65534, file)
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int, 0o600, file)
        }
        let push = try run(["offsite", "push"] + shop.dirArgs)
        XCTAssertEqual(push.exitCode, 0, push.stderr)
        XCTAssertTrue(push.stdout.contains("Pushed"), push.stdout)
        XCTAssertEqual(try run(["offsite", "drill"] + shop.dirArgs).exitCode, 0)
    }

    func testS3RepositoryServerStoppedMidPushThenRecovery() throws {
        let server = try S3Server()
        let (f, envFile) = try OffsiteFixture.onS3(server, bucket: "mr5-shops", path: "shop-12", self)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: f.paths.environment)[.posixPermissions] as? Int, 0o600)

        // The server stops answering once the push has started: the push gives up after its
        // time limit, is recorded as failed, and the local backup is untouched.
        let name = try f.newestBackup(self)
        let binary = try BuiltProduct.backup.required()
        let push = try ChildProcess(binary, ["offsite", "push", name, "--timeout", "8"] + f.dirArgs)
        var restic: Int32?
        XCTAssertTrue(eventually(timeout: 30) { restic = resticChild(of: push.pid); return restic != nil })
        server.pause()
        // Secrets never on restic's command line (ps shows it to every user).
        if let restic, let cmdline = FileManager.default.contents(atPath: "/proc/\(restic)/cmdline") {
            let args = String(decoding: cmdline, as: UTF8.self)
            XCTAssertFalse(args.contains("mr5testsecret"), args)
            let password = try String(contentsOfFile: f.paths.password, encoding: .utf8).trimmingCharacters(in: .newlines)
            XCTAssertFalse(args.contains(password), args)
        }
        XCTAssertEqual(push.wait(timeout: 60), 1, push.stdout + push.stderr)
        XCTAssertTrue(push.stderr.contains("stopped after 8 s"), push.stderr)
        server.resume()
        XCTAssertEqual(try run(["verify", name] + f.dirArgs).exitCode, 0)
        XCTAssertTrue(try run(["history", "--json"] + f.dirArgs).stdout.contains("stopped after 8 s"))
        XCTAssertFalse(f.everythingWritten().contains("mr5testsecret"), "the S3 secret leaked into logs, history or metadata")

        // Back again: the next push works, then the data dir is lost and recovered.
        try pushThenRecover(f, setup: [], newSetup: { _ in ["--env-file", envFile] }, owner: "nobody")
    }
}
