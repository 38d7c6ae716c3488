import BackupEngine
import Foundation
import TestSupport
import XCTest

/// A demo shop with off-site copies going to a repository the test chose.
final class OffsiteFixture {
    let shop: DemoFixture
    let repository: String
    var dirArgs: [String] { shop.dirArgs }
    var paths: OffsitePaths { OffsitePaths(layout: shop.layout) }

    init(repository: ((DemoFixture) -> String)? = nil) throws {
        shop = try DemoFixture()
        self.repository = repository?(shop) ?? shop.root + "/repo"
    }

    /// A demo shop whose off-site copies go to `bucket/path` on a moto S3 server, set up
    /// (`offsite init` with the test keys in an env file); returns the env file too.
    static func onS3(_ server: S3Server, bucket: String, path: String, _ test: XCTestCase) throws -> (OffsiteFixture, envFile: String) {
        let f = try OffsiteFixture { _ in server.repository(bucket: bucket, path: path) }
        let envFile = f.shop.root + "/s3.env"
        try S3Server.environmentFile.write(toFile: envFile, atomically: true, encoding: .utf8)
        let setup = try test.run(["offsite", "init", "--repository", f.repository, "--env-file", envFile] + f.dirArgs)
        XCTAssertEqual(setup.exitCode, 0, setup.stderr)
        return (f, envFile)
    }

    /// The newest backup's name (`list --json`).
    func newestBackup(_ test: XCTestCase) throws -> String {
        let r = try test.run(["list", "--json"] + dirArgs)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let backups = json?["backups"] as? [[String: Any]] ?? []
        return try XCTUnwrap(backups.first { ($0["kind"] as? String) == "scheduled" || ($0["kind"] as? String) == "manual" }?["name"] as? String)
    }

    /// Everything in the data dir and the logs as text, to look for secrets.
    func everythingWritten() -> String {
        var text = ""
        for dir in [shop.layout.logsDir, shop.layout.metaDir] {
            guard let walker = FileManager.default.enumerator(atPath: dir) else { continue }
            while let relative = walker.nextObject() as? String {
                if relative.hasPrefix("offsite/password") || relative.hasPrefix("offsite/env") || relative.hasPrefix("offsite/cache") { continue }
                if let data = FileManager.default.contents(atPath: dir + "/" + relative) { text += String(decoding: data, as: UTF8.self) }
            }
        }
        return text
    }

    /// Row counts of the shop's main tables in a database file, to compare a recovered one.
    static func counts(_ path: String) throws -> String {
        try sqlite3(path, "SELECT (SELECT count(*) FROM orders) || ' ' || (SELECT count(*) FROM order_items) || ' ' || (SELECT max(id) FROM orders);")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A restic process whose parent is `pid` (the push running it), if one runs now.
func resticChild(of pid: Int32) -> Int32? { childProcess(of: pid, named: "restic") }

/// A process named `name` whose parent is `pid`, if one runs now.
func childProcess(of pid: Int32, named wanted: String) -> Int32? {
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let name = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
        let rest = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        if name == wanted, rest.count > 1, Int32(rest[1]) == pid { return child }
    }
    return nil
}

/// Waits for `condition` up to `timeout` seconds, checking every 20 ms.
func eventually(timeout: TimeInterval = 60, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
