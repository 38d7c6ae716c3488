import BackupEngine
import Foundation
import TestSupport
import XCTest

/// What setting up and keeping off-site copies asks of a technician: a password for a
/// repository that is already there, the four things to keep, a kept file that went
/// missing, remote retention for pre-update backups, an upload limit. Real restic.
final class OffsiteSetupTests: XCTestCase {
    func testInitOnAnExistingRepositoryWithoutItsPasswordAsksForItAndLeavesNothing() throws {
        let first = try OffsiteFixture()
        let made = try run(["offsite", "init", "--same-disk", "--repository", first.repository] + first.dirArgs)
        XCTAssertEqual(made.exitCode, 0, made.stderr)
        XCTAssertEqual(try run(["offsite", "push", try first.newestBackup(self)] + first.dirArgs).exitCode, 0)
        let keys = try FileManager.default.contentsOfDirectory(atPath: first.repository + "/keys")

        let second = try OffsiteFixture { _ in first.repository }
        XCTAssertFalse(FileManager.default.fileExists(atPath: second.paths.directory))
        let refused = try run(["offsite", "init", "--same-disk", "--repository", first.repository] + second.dirArgs)
        assertRefused(refused, exit: 2, mentioning: "a repository is already at \(first.repository): give its password")
        XCTAssertTrue(refused.stderr.contains("with --password-file FILE"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: second.paths.directory), "a refused setup leaves no off-site folder")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: first.repository + "/keys"), keys, "the repository is untouched")
        XCTAssertEqual(try run(["offsite", "status", "--json"] + second.dirArgs).json()["configured"] as? Bool, false)

        // With the password from the first setup, it joins.
        let joined = try run(["offsite", "init", "--same-disk", "--repository", first.repository, "--password-file", first.paths.password] + second.dirArgs)
        XCTAssertEqual(joined.exitCode, 0, joined.stderr)
        XCTAssertTrue(joined.stdout.contains("2. the password: the file you gave (\(first.paths.password))"), joined.stdout)
        // Both shops are on this machine's host name: said before a push mixes them.
        XCTAssertTrue(joined.stderr.contains("the repository already holds 1 snapshot of terminal") && joined.stderr.contains("settings set terminal_id NAME"),
                      joined.stderr)
    }

    func testInitSaysTheFourThingsToKeep() throws {
        let f = try OffsiteFixture()
        let env = f.shop.root + "/keys.env"
        try "AWS_DEFAULT_REGION=none\n".write(toFile: env, atomically: true, encoding: .utf8)
        let r = try run(["offsite", "init", "--same-disk", "--repository", f.repository, "--env-file", env] + f.dirArgs)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        for line in ["Keep these four away from this terminal", "1. the repository: \(f.repository)",
                     "2. the password: the one shown above", "3. the storage keys: the env file you gave (\(env))",
                     "4. the options: none", "Recovering a lost terminal"] {
            XCTAssertTrue(r.stdout.contains(line), "missing '\(line)' in\n\(r.stdout)")
        }
    }

    func testAMissingPasswordOrEnvFileIsAWarningWithItsFix() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + f.dirArgs).exitCode, 0)
        let env = f.shop.root + "/keys.env"
        try "AWS_DEFAULT_REGION=none\n".write(toFile: env, atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository, "--env-file", env] + f.dirArgs).exitCode, 0)
        XCTAssertEqual(try run(["offsite", "push"] + f.dirArgs).exitCode, 0)
        XCTAssertFalse(try run(["status"] + f.dirArgs).stdout.contains("missing"))

        try FileManager.default.removeItem(atPath: f.paths.password)
        try FileManager.default.removeItem(atPath: f.paths.environment)
        let status = try run(["status"] + f.dirArgs)
        XCTAssertEqual(status.exitCode, 1, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("WARNING - the off-site password file is missing (\(f.paths.password))"), status.stdout)
        let json = try run(["status", "--json"] + f.dirArgs).json()
        let missing = (json["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "offsite_files_missing" }
        XCTAssertEqual(missing.count, 2, "\(json)")
        for finding in missing {
            XCTAssertTrue((finding["message"] as? String ?? "").hasSuffix("pushes fail until off-site is set up again with the one kept from setup"), "\(finding)")
        }
        let offsite = try run(["offsite", "status"] + f.dirArgs).stdout
        XCTAssertTrue(offsite.contains("Missing: the env file \(f.paths.environment)"), offsite)
    }

    func testPreUpdateBackupsKeepTheirOwnRemoteCountAndTheUploadLimitIsASetting() throws {
        let f = try OffsiteFixture()
        XCTAssertEqual(try run(["offsite", "init", "--same-disk", "--repository", f.repository] + f.dirArgs).exitCode, 0)
        for version in ["2.4.1", "2.4.2", "2.5.0"] {
            XCTAssertEqual(try run(["pre-update", "--app-version", version] + f.dirArgs).exitCode, 0)
        }
        let limit = try run(["settings", "set", "offsite_limit_upload", "4096"] + f.dirArgs)
        XCTAssertEqual(limit.exitCode, 0, limit.stderr)
        XCTAssertEqual(limit.stdout, "offsite_limit_upload = 4096 KiB/s\n")
        XCTAssertEqual(try run(["settings", "get", "offsite_limit_upload"] + f.dirArgs).stdout, "4096\n")
        XCTAssertTrue(try run(["offsite", "status"] + f.dirArgs).stdout.contains("uploads limited to 4096 KiB/s"))
        assertRefused(try run(["settings", "set", "offsite_limit_upload", "fast"] + f.dirArgs), exit: 2, mentioning: "offsite_limit_upload")
        XCTAssertEqual(try run(["offsite", "push"] + f.dirArgs).exitCode, 0)

        // A day's rules keep one snapshot a day; pre-update backups keep their own count.
        for (key, value) in [("offsite_keep_daily", "1"), ("offsite_keep_weekly", "0"), ("offsite_keep_monthly", "0"), ("offsite_keep_pre_update", "2")] {
            XCTAssertEqual(try run(["settings", "set", key, value] + f.dirArgs).exitCode, 0, key)
        }
        let prune = try run(["offsite", "prune"] + f.dirArgs)
        XCTAssertEqual(prune.exitCode, 0, prune.stderr)
        XCTAssertTrue(prune.stdout.contains("pre-update 2"), prune.stdout)
        let list = try run(["offsite", "list", "--json"] + f.dirArgs)
        let kinds = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        XCTAssertEqual(kinds.filter { $0 == "pre-update" }.count, 2, list.stdout)
        XCTAssertEqual(kinds.filter { $0 != "pre-update" }.count, 1, list.stdout)
    }
}
