import BackupEngine
import Foundation
import TestSupport
import XCTest

/// A POS that keeps its database locked (a long transaction in exclusive locking mode, a
/// real second process): `status` answers within its own deadline and names the lock,
/// and a backup waits the busy timeout once, not once per setting it reads.
final class LockedDatabaseTests: XCTestCase {
    private func shop() throws -> DemoFixture {
        let shop = try DemoFixture()
        // A setting changed while the database is free: the settings as read then are kept.
        XCTAssertEqual(try run(["settings", "set", "scheduler_expected", "false"] + shop.dirArgs).exitCode, 0)
        XCTAssertTrue(FileSystem.exists(shop.layout.settingsCachePath))
        return shop
    }

    private func timed(_ args: [String]) throws -> (ProcessResult, TimeInterval) {
        let start = Date()
        let r = try run(args)
        return (r, Date().timeIntervalSince(start))
    }

    func testStatusAnswersWithinItsDeadlineAndNamesTheLock() throws {
        let shop = try shop()
        let holder = try WriteLockHolder(database: shop.layout.databasePath)
        defer { holder.release() }
        let (status, seconds) = try timed(["status", "--timeout", "2"] + shop.dirArgs)
        XCTAssertLessThan(seconds, 2.5, status.stdout)
        XCTAssertEqual(status.exitCode, 1, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("WARNING - live database locked by another process: backups wait for it"), status.stdout)
        XCTAssertTrue(status.stdout.contains("13 backups") || status.stdout.contains(" backups,"), "the backups come from files\n" + status.stdout)
        XCTAssertFalse(status.stdout.contains("cannot read backup_frequency"), "the settings as last read\n" + status.stdout)
        let json = try run(["status", "--json", "--timeout", "2"] + shop.dirArgs).stdout
        XCTAssertTrue(json.contains("\"live_db_locked\""), json)

        // A full check needs the lock: the deadline says what it waited for, in one line.
        let (checked, checkSeconds) = try timed(["status", "--timeout", "2", "--check-live"] + shop.dirArgs)
        XCTAssertLessThan(checkSeconds, 3.5)
        XCTAssertEqual(checked.exitCode, 3, checked.stdout)
        XCTAssertEqual(checked.stdout, "UNKNOWN - status did not finish within 2 s: still reading the live database (--check-live reads every page)\n")
        XCTAssertEqual(checked.stderr, "")
    }

    func testABackupWaitsTheBusyTimeoutOnceAndSaysSo() throws {
        let shop = try shop()
        let holder = try WriteLockHolder(database: shop.layout.databasePath)
        defer { holder.release() }
        let (create, seconds) = try timed(["create", "--busy-timeout", "2"] + shop.dirArgs)
        XCTAssertEqual(create.exitCode, 1, create.stdout)
        XCTAssertTrue(create.stderr.contains("database is locked by another process for 2 s"), create.stderr)
        // One wait of 2 s (and half-second looks), not one per setting (it took 16 s).
        XCTAssertLessThan(seconds, 5, create.stderr)
    }

    func testTheSchedulerSaysSinceWhenTheDatabaseIsLocked() throws {
        let shop = try shop()
        let holder = try WriteLockHolder(database: shop.layout.databasePath)
        defer { holder.release() }
        let binary = try BuiltProduct.backup.required()
        let daemon = try ChildProcess(binary, ["daemon", "--first-run-after", "3600", "--fixed-interval", "3600", "--no-metrics"] + shop.dirArgs)
        defer { daemon.terminate() }
        var line = ""
        XCTAssertTrue(eventually(timeout: 30) {
            line = (try? self.run(["status", "--timeout", "2"] + shop.dirArgs).stdout) ?? ""
            return line.contains("live database locked by another process since ")
        }, line + daemon.stderr)
        holder.release()
        XCTAssertTrue(eventually(timeout: 60) {
            line = (try? self.run(["status"] + shop.dirArgs).stdout) ?? ""
            return !line.contains("locked")
        }, line)
    }
}
