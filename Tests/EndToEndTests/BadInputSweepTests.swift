import BackupEngine
import Foundation
import XCTest

/// Issue 6, the bad-input sweep: every command with bad input gets one line on stderr,
/// the documented exit code, and changes no file. The same table, in words, is in
/// docs/RELIABILITY.md: keep the two in step.
final class BadInputSweepTests: XCTestCase {

    /// Paths a case can use, all inside the fixture's scratch root.
    struct Paths {
        var dataDir: String
        var root: String
        var backupName: String
        var inputs: String { root + "/inputs" }
    }

    /// One row: what is tried, the exit code, and a phrase the one stderr line must hold.
    struct Row {
        var input: String
        var args: (Paths) -> [String]
        var exit: Int32 = 2
        var says: String
        /// `status` reports on stdout in the monitoring-plugin convention instead.
        var onStdout = false
    }

    static var rows: [Row] { [
        // Paths
        Row(input: "data dir missing", args: { ["list", "--data-dir", $0.root + "/no-such-dir"] }, says: "data dir not found"),
        Row(input: "data dir is a file", args: { ["create", "--data-dir", $0.inputs + "/notes.txt"] }, says: "data dir not found"),
        Row(input: "database missing", args: { ["create", "--data-dir", $0.dataDir, "--db", $0.inputs + "/nope.db"] }, says: "database not found"),
        Row(input: "database path through a file (ENOTDIR, fails as root too)",
            args: { ["create", "--data-dir", $0.dataDir, "--db", $0.inputs + "/notes.txt/x.db"] }, says: "database not found"),
        Row(input: "--db is a directory", args: { ["create", "--data-dir", $0.dataDir, "--db", $0.inputs + "/folder.db"] }, says: "not a regular file"),
        Row(input: "--db is the backups folder", args: { ["create", "--data-dir", $0.dataDir, "--db", $0.dataDir + "/backups"] }, says: "not a regular file"),
        Row(input: "--db is a text file", args: { ["create", "--data-dir", $0.dataDir, "--db", $0.inputs + "/notes.txt"] }, says: "not an SQLite database"),
        Row(input: "--db is an empty file (0 bytes)", args: { ["create", "--data-dir", $0.dataDir, "--db", $0.inputs + "/empty.db"] }, says: "empty"),
        Row(input: "--db is garbage behind a valid SQLite header (encrypted-like)",
            args: { ["create", "--data-dir", $0.dataDir, "--db", $0.inputs + "/garbage.db"] }, says: "not an SQLite database"),
        Row(input: "--db is garbage, restore", args: { ["restore", $0.backupName, "--yes", "--data-dir", $0.dataDir, "--db", $0.inputs + "/folder.db"] },
            says: "not a regular file"),
        Row(input: "status on a missing data dir", args: { ["status", "--data-dir", $0.root + "/no-such-dir"] }, exit: 3, says: "UNKNOWN", onStdout: true),
        Row(input: "daemon on a missing data dir", args: { ["daemon", "--data-dir", $0.root + "/no-such-dir"] }, says: "data dir not found"),
        // Names
        Row(input: "name with ..", args: { ["verify", "../mr5-pos.db", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "name with .. (restore)", args: { ["restore", "../../etc/passwd", "--yes", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "name with /", args: { ["delete", "pre-update/../x.db", "--yes", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "absolute path as name", args: { ["restore", $0.dataDir + "/mr5-pos.db", "--yes", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "name with spaces", args: { ["verify", "backup 2025 10 27.db", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "name with quotes", args: { ["restore", "backup-'\"x.db", "--yes", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "name with $(...)", args: { ["delete", "$(touch \($0.root)/pwned).db", "--yes", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "name with non-ASCII", args: { ["verify", "backup-é-2025.db", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "name with a control character", args: { ["verify", "backup-\u{1b}[2J.db", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        Row(input: "well-formed name that does not exist", args: { ["restore", "backup-2099-01-01-000000.db", "--yes", "--data-dir", $0.dataDir] },
            says: "no backup named"),
        Row(input: "empty name", args: { ["verify", "", "--data-dir", $0.dataDir] }, says: "invalid backup name"),
        // Symlinks in the backup folder pointing outside it
        Row(input: "symlink to a database outside the folder: verify", args: { ["verify", "backup-2001-01-01-000000.db", "--data-dir", $0.dataDir] },
            says: "not a regular file"),
        Row(input: "symlink to a database outside the folder: restore", args: { ["restore", "backup-2001-01-01-000000.db", "--yes", "--data-dir", $0.dataDir] },
            says: "not a regular file"),
        Row(input: "symlink to a database outside the folder: delete", args: { ["delete", "backup-2001-01-01-000000.db", "--yes", "--data-dir", $0.dataDir] },
            says: "not a regular file"),
        Row(input: "symlink to /etc/passwd: restore", args: { ["restore", "backup-2001-01-02-000000.db", "--yes", "--data-dir", $0.dataDir] },
            says: "not a regular file"),
        Row(input: "symlink to a folder: verify", args: { ["verify", "backup-2001-01-03-000000.db", "--data-dir", $0.dataDir] },
            says: "not a regular file"),
        // Settings
        Row(input: "invalid frequency", args: { ["settings", "set", "backup_frequency", "fortnightly", "--data-dir", $0.dataDir] }, says: "invalid value"),
        Row(input: "frequency below 5 minutes", args: { ["settings", "set", "backup_frequency", "1m", "--data-dir", $0.dataDir] }, says: "invalid value"),
        Row(input: "negative frequency", args: { ["settings", "set", "--data-dir", $0.dataDir, "backup_frequency", "--", "-3h"] }, says: "invalid value"),
        Row(input: "keep 0", args: { ["settings", "set", "backup_keep", "0", "--data-dir", $0.dataDir] }, says: "invalid value"),
        Row(input: "keep not a number", args: { ["settings", "set", "backup_keep", "many", "--data-dir", $0.dataDir] }, says: "invalid value"),
        Row(input: "unknown setting", args: { ["settings", "get", "nonsense", "--data-dir", $0.dataDir] }, says: "unknown setting"),
        // Flags
        Row(input: "verify NAME --all", args: { ["verify", $0.backupName, "--all", "--data-dir", $0.dataDir] }, says: "not both"),
        Row(input: "prune --keep 0", args: { ["prune", "--keep", "0", "--data-dir", $0.dataDir] }, says: "keep at least 1"),
        Row(input: "history --limit 0", args: { ["history", "--limit", "0", "--data-dir", $0.dataDir] }, says: "--limit"),
        Row(input: "unknown option", args: { ["create", "--bogus", "--data-dir", $0.dataDir] }, says: "Unknown option"),
        Row(input: "invalid --kind", args: { ["create", "--kind", "weekly", "--data-dir", $0.dataDir] }, says: "weekly"),
        Row(input: "restore at a time it cannot read", args: { ["restore", "--at", "teatime", "--yes", "--data-dir", $0.dataDir] }, says: "cannot read the time teatime"),
        Row(input: "restore at a moment without continuous protection", args: { ["restore", "--at", "10 minutes ago", "--yes", "--data-dir", $0.dataDir] }, says: "continuous protection is not set up"),
        Row(input: "continuous restore from a folder that holds no replica", args: { ["continuous", "restore", "--replica", $0.dataDir, "--yes", "--data-dir", $0.dataDir] }, says: "holds no replica"),
        Row(input: "restore without a name", args: { ["restore", "--yes", "--data-dir", $0.dataDir] }, says: "give a backup's name or --at TIME"),
        Row(input: "pre-update without --app-version", args: { ["pre-update", "--data-dir", $0.dataDir] }, says: "app-version"),
        Row(input: "pre-update with a path as version", args: { ["pre-update", "--app-version", "../1", "--data-dir", $0.dataDir] }, says: "invalid app version"),
        Row(input: "unknown command", args: { ["backup-now", "--data-dir", $0.dataDir] }, says: "Unexpected argument"),
        // No terminal
        Row(input: "console without a terminal", args: { ["--data-dir", $0.dataDir] }, says: "no terminal"),
        Row(input: "console --demo without a terminal", args: { ["--demo", "--data-dir", $0.dataDir] }, says: "no terminal"),
        Row(input: "restore without --yes and no terminal", args: { ["restore", $0.backupName, "--data-dir", $0.dataDir] }, says: "--yes"),
        Row(input: "delete without --yes and no terminal", args: { ["delete", $0.backupName, "--data-dir", $0.dataDir] }, says: "needs"),
        Row(input: "demo over an existing shop", args: { ["demo", "--data-dir", $0.dataDir] }, says: "already exists"),
    ] }

    func testEveryRowRefusesWithOneLineAndChangesNothing() throws {
        let fixture = try DemoFixture()
        let backups = fixture.backupNames()
        let name = try XCTUnwrap(backups.first, "the demo shop should hold backups")
        let paths = Paths(dataDir: fixture.dataDir, root: fixture.root, backupName: name)

        // Inputs outside the data dir.
        let fm = FileManager.default
        try fm.createDirectory(atPath: paths.inputs + "/folder.db", withIntermediateDirectories: true)
        try "order,total\n1,9.99\n".write(toFile: paths.inputs + "/notes.txt", atomically: true, encoding: .utf8)
        fm.createFile(atPath: paths.inputs + "/empty.db", contents: Data())
        var garbage = Data("SQLite format 3\u{0}".utf8)
        garbage.append(Data((0..<65_536).map { _ in UInt8.random(in: 0...255) }))
        garbage[16] = 0x10; garbage[17] = 0x00
        try garbage.write(to: URL(fileURLWithPath: paths.inputs + "/garbage.db"))
        // Symlinks under the backup pattern that lead out of the folder.
        let outsideDB = paths.inputs + "/outside.db"
        try fm.copyItem(atPath: fixture.layout.backupsDir + "/" + name, toPath: outsideDB)
        try fm.createSymbolicLink(atPath: fixture.layout.backupsDir + "/backup-2001-01-01-000000.db", withDestinationPath: outsideDB)
        try fm.createSymbolicLink(atPath: fixture.layout.backupsDir + "/backup-2001-01-02-000000.db", withDestinationPath: "/etc/passwd")
        try fm.createSymbolicLink(atPath: fixture.layout.backupsDir + "/backup-2001-01-03-000000.db", withDestinationPath: paths.inputs)

        var rows = Self.rows
        if getuid() != 0 {
            try fm.copyItem(atPath: fixture.layout.databasePath, toPath: paths.inputs + "/locked.db")
            chmod(paths.inputs + "/locked.db", 0)
            rows.append(Row(input: "unreadable database (chmod 000)", args: { ["create", "--data-dir", $0.dataDir, "--db", $0.inputs + "/locked.db"] },
                            exit: 2, says: "mr5-backup: "))
        } else {
            print("NOTICE: running as root, which reads chmod 000 files: the unreadable-file row is replaced by paths that fail as root too (ENOTDIR, a folder as --db)")
        }

        var report: [String] = []
        for row in rows {
            let before = DemoFixture.snapshot(fixture.root)
            let r = try run(row.args(paths))
            let after = DemoFixture.snapshot(fixture.root)
            let line = (row.onStdout ? r.stdout : r.stderr).trimmingCharacters(in: .newlines)
            XCTAssertEqual(r.exitCode, row.exit, "\(row.input): \(r.stderr)\(r.stdout)")
            if row.onStdout {
                XCTAssertEqual(r.stdout.split(whereSeparator: \.isNewline).count, 1, "\(row.input): \(r.stdout)")
                XCTAssertTrue(r.stdout.contains(row.says), "\(row.input): \(r.stdout)")
            } else {
                XCTAssertEqual(r.stderrLines.count, 1, "\(row.input): expected one line on stderr: \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("mr5-backup: "), "\(row.input): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains(row.says), "\(row.input): stderr lacks '\(row.says)': \(r.stderr)")
                XCTAssertEqual(r.stdout, "", "\(row.input)")
            }
            XCTAssertEqual(after, before, "\(row.input): files changed: \(Set(after.map { "\($0.key) \($0.value)" }).symmetricDifference(before.map { "\($0.key) \($0.value)" }).sorted())")
            report.append("| \(row.input) | `\(row.args(paths).map { $0.replacingOccurrences(of: fixture.root, with: "$T") }.joined(separator: " "))` | \(r.exitCode) | \(line.replacingOccurrences(of: fixture.root, with: "$T").replacingOccurrences(of: "|", with: "\\|")) |")
        }
        XCTAssertFalse(fm.fileExists(atPath: fixture.root + "/pwned"), "a name was passed to a shell")
        // The table for docs/RELIABILITY.md, regenerated by every run.
        try? (report.joined(separator: "\n") + "\n").write(toFile: fm.temporaryDirectory.path + "/mr5-bad-input-table.md", atomically: true, encoding: .utf8)
    }

    /// 10,000 junk files in the backup folder: list ignores them and stays fast; status and
    /// verify --all still work; nothing is deleted.
    func testTenThousandJunkFilesInTheBackupFolder() throws {
        let fixture = try DemoFixture()
        let names = fixture.backupNames()
        XCTAssertFalse(names.isEmpty)
        let dir = fixture.layout.backupsDir
        let fm = FileManager.default
        for i in 0..<10_000 {
            let junk: String
            switch i % 5 {
            case 0: junk = "notes-\(i).txt"
            case 1: junk = "backup-\(i).db.bak"
            case 2: junk = "Backup-2025-10-27-\(i).DB"
            case 3: junk = ".cache-\(i)"
            default: junk = "backup-2025-13-45-\(i).db"   // the pattern's shape, an impossible date
            }
            fm.createFile(atPath: dir + "/" + junk, contents: Data("x".utf8))
        }
        let before = fixture.snapshot().filter { !$0.key.hasPrefix("logs") }
        let t0 = Date()
        let r = try run(["list", "--json"] + fixture.dirArgs)
        let listSeconds = Date().timeIntervalSince(t0)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let listed = (try r.json()["backups"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertEqual(listed, names, "junk must be ignored")
        XCTAssertLessThan(listSeconds, 3, "list with 10,000 files took \(listSeconds) s")
        let plain = try run(["list"] + fixture.dirArgs)
        XCTAssertEqual(plain.exitCode, 0)
        let s = try run(["status"] + fixture.dirArgs)
        XCTAssertTrue((0...2).contains(s.exitCode), s.stdout)
        let restorable = BackupEngine(layout: fixture.layout).listBackups().filter { $0.kind.isBackup && $0.isRestorable }.count
        XCTAssertTrue(s.stdout.contains(", \(restorable) backups"), s.stdout)
        let prune = try run(["prune", "--dry-run"] + fixture.dirArgs)
        XCTAssertEqual(prune.exitCode, 0, prune.stderr)
        XCTAssertEqual(fixture.snapshot().filter { !$0.key.hasPrefix("logs") }, before, "junk or backups changed")
        print("10,000 junk files: list --json in \(String(format: "%.2f", listSeconds)) s, \(listed.count) backups listed")
    }
}
