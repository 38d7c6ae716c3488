import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `--scale 20,200,1024,4096`: what every operation costs as the shop grows. For each
/// size, a shop-shaped WAL database (`mr5-pos-sim init --shop-mb`, in the page cache),
/// then `runs` rounds of each mr5-backup operation and of the same work done by the
/// sqlite3 CLI and `cp`, then the console over 1,000 backups and 10,000 history lines.
/// Medians with min and max; peak RSS from wait4 (children) or VmHWM (the console).
struct ScaleBenchmark {
    let tools: BenchTools
    let work: String
    var sizesMB: [Int]
    var runs = 5
    var consoleBackups = 1000
    var historyLines = 10_000
    var consoleIdleSeconds = 5.0
    /// Only the console (`--console`): one backup made, then the console measured; the
    /// operations are not run.
    var consoleOnly = false

    /// One timed run of one operation.
    struct Sample { var seconds: Double; var rssBytes: Int64? }

    struct SizeResult {
        var sizeMB: Int
        var databaseBytes: Int64 = 0
        var buildSeconds = 0.0
        var samples: [String: [Sample]] = [:]
        var firstFrameMs: [Double] = []
        var idleCPU: [Double] = []
        var consoleRSS: [Int64] = []
        var harnessMs = 0.0
        var failures: [String] = []
    }

    /// The operations, in table order: mr5-backup's, then the reference tools'.
    enum Op: String, CaseIterable {
        case create = "create"
        case createNice = "create --nice"
        case verify = "verify"
        case checkLive = "status --check-live"
        case preview = "restore --dry-run"
        case restore = "restore --yes"
        case cp = "cp"
        case backupCLI = "sqlite3 .backup"
        case vacuumInto = "sqlite3 VACUUM INTO"
        case quickCheckLive = "sqlite3 quick_check (live)"
        case quickCheckCopy = "sqlite3 quick_check (copy)"
        case sha256sum = "sha256sum (copy)"
        case restoreCLI = "sqlite3 .restore"
        /// The disk alone writing what a restore writes: the database three times (the
        /// saved copy, the rollback journal, the database), each synced. On this VM a
        /// write grows faster than its size once it outruns the dirty page cache, so a
        /// restore is judged against this, measured in the same round.
        case restoreWrites = "dd conv=fsync, the database 3 times"

        var isOurs: Bool { [.create, .createNice, .verify, .checkLive, .preview, .restore].contains(self) }
    }

    func run() throws -> [SizeResult] {
        try sizesMB.map { try measure($0) }
    }

    /// One run of `argv`, after reading `warming` once so it starts from the page cache.
    private func timed(_ argv: [String], warming: [String] = [], ok: (Timed) -> Bool = { $0.status == 0 }) throws -> Timed {
        for path in warming { try warm(path) }
        let r = try BenchProcess.run(argv, scratch: work)
        guard ok(r) else { throw BenchError("\(argv.prefix(3).joined(separator: " ")) failed (exit \(r.status)): \(r.stderr.prefix(300))") }
        return r
    }

    private func measure(_ size: Int) throws -> SizeResult {
        var result = SizeResult(sizeMB: size)
        let dir = work + "/scale-\(size)/shop"
        try? FileManager.default.removeItem(atPath: work + "/scale-\(size)")
        defer { try? FileManager.default.removeItem(atPath: work + "/scale-\(size)") }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/mr5-pos.db"
        log("scale \(size) MB: mr5-pos-sim init --shop-mb \(size) ...")
        result.buildSeconds = try timed([tools.sim, "init", "--db", db, "--shop-mb", String(size)]).seconds
        result.databaseBytes = fileSize(db)
        try warm(db)
        let copy = work + "/scale-\(size)/copy.db"
        let saved = work + "/scale-\(size)/saved.db"
        var kept: String?

        func add(_ op: Op, _ r: Timed) {
            result.samples[op.rawValue, default: []].append(Sample(seconds: r.seconds, rssBytes: op.isOurs ? r.maxRSSBytes : nil))
        }
        if consoleOnly {
            let c = try timed([tools.backup, "create", "--json", "--data-dir", dir])
            kept = Benchmark.backupName(c.stdout)
        }
        for round in 1...runs where !consoleOnly {
            log("scale \(size) MB: round \(round)/\(runs)")
            // Each tool starts with what it reads in the page cache: at 4 GiB the copies
            // made before it can push the live database out (five 4 GiB files on a 24 GB
            // machine), and a check that reads it from the disk measures the disk.
            add(.cp, try timed(["cp", db, copy], warming: [db])); unlink(copy)
            add(.backupCLI, try timed([tools.sqlite3, db, ".backup '\(copy)'"], warming: [db]))
            add(.quickCheckCopy, try timed([tools.sqlite3, copy, "PRAGMA quick_check"], warming: [copy]))
            add(.sha256sum, try timed(["sha256sum", copy], warming: [copy])); unlink(copy)
            add(.vacuumInto, try timed([tools.sqlite3, db, "VACUUM INTO '\(copy)'"], warming: [db])); unlink(copy)
            add(.quickCheckLive, try timed([tools.sqlite3, db, "PRAGMA quick_check"], warming: [db]))

            let c = try timed([tools.backup, "create", "--json", "--data-dir", dir], warming: [db])
            add(.create, c)
            guard let name = Benchmark.backupName(c.stdout) else { throw BenchError("create printed no backup name") }
            if let old = kept { try removeBackup(old, dir: dir) }
            kept = name
            let backup = dir + "/backups/" + name
            let nice = try timed([tools.backup, "create", "--nice", "--json", "--data-dir", dir], warming: [db])
            add(.createNice, nice)
            if let n = Benchmark.backupName(nice.stdout) { try removeBackup(n, dir: dir) }

            add(.verify, try timed([tools.backup, "verify", name, "--data-dir", dir], warming: [backup]))
            // Health may be WARNING (no scheduler runs here); what counts is the live check's verdict.
            add(.checkLive, try timed([tools.backup, "status", "--check-live", "--json", "--data-dir", dir], warming: [db]) { r in
                let object = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
                return object?["liveDatabase"] as? String == "ok"
            })
            add(.preview, try timed([tools.backup, "restore", name, "--dry-run", "--json", "--data-dir", dir], warming: [db, backup]))
            add(.restore, try timed([tools.backup, "restore", name, "--yes", "--data-dir", dir], warming: [db, backup]))
            removeSavedCopies(dir)
            // The same work by hand: save the current database, then put the backup in.
            let save = try timed([tools.sqlite3, db, ".backup '\(saved)'"], warming: [db, dir + "/backups/" + name])
            let put = try timed([tools.sqlite3, db, ".restore '\(dir)/backups/\(name)'"])
            add(.restoreCLI, Timed(seconds: save.seconds + put.seconds, status: 0, stdout: "", stderr: "", maxRSSBytes: 0))
            unlink(saved)
            let writes = (1...3).map { work + "/scale-\(size)/written-\($0).db" }
            let dd = writes.map { "dd if=\(Benchmark.shq(db)) of=\(Benchmark.shq($0)) bs=1M conv=fsync status=none" }.joined(separator: " && ")
            add(.restoreWrites, try timed(["/bin/sh", "-c", dd], warming: [db]))
            for file in writes { unlink(file) }
        }
        if let name = kept {
            do { try measureConsole(dir: dir, backup: name, into: &result) } catch {
                result.failures.append("console: \(error)")
                log("scale \(size) MB console: \(error)")
            }
        }
        return result
    }

    /// Reads the file once so every tool starts from the page cache, as a till's busy database is.
    private func warm(_ path: String) throws {
        _ = try BenchProcess.run(["/bin/sh", "-c", "cat \(Benchmark.shq(path)) > /dev/null"], scratch: work)
    }

    private func removeBackup(_ name: String, dir: String) throws {
        _ = try timed([tools.backup, "delete", name, "--yes", "--force", "--data-dir", dir])
    }

    /// The database each restore saved first (`mr5-pos.db.corrupted.<time>`): disk space.
    private func removeSavedCopies(_ dir: String) {
        for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where file.hasPrefix("mr5-pos.db.corrupted.") {
            unlink(dir + "/" + file)
        }
    }

    // MARK: console

    /// 1,000 backups (hard links to the kept one, each with its own metadata) and 10,000
    /// history lines, then the console started `runs` times in tmux: first frame, idle CPU
    /// after it settles, peak RSS.
    private func measureConsole(dir: String, backup: String, into result: inout SizeResult) throws {
        let backups = dir + "/backups"
        let metaPath = backups + "/.meta/\(backup).json"
        guard let meta = FileManager.default.contents(atPath: metaPath),
              var object = try JSONSerialization.jsonObject(with: meta) as? [String: Any] else { throw BenchError("no metadata for \(backup)") }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd-HHmmss"
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // Hourly going back from an hour ago: the newest backup is the real one (no
        // scheduled backup falls due while the console is measured).
        let newest = Date().addingTimeInterval(-3600)
        log("scale: \(consoleBackups) backups and \(historyLines) history lines ...")
        var history = ""
        for i in 1..<consoleBackups {
            let at = newest.addingTimeInterval(-Double(i) * 3600)
            let name = "backup-" + formatter.string(from: at) + ".db"
            guard link(backups + "/" + backup, backups + "/" + name) == 0 else { throw BenchError("link \(name): errno \(errno)") }
            object["name"] = name
            object["createdAt"] = iso.string(from: at)
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: backups + "/.meta/\(name).json"))
        }
        let start = Date().addingTimeInterval(-Double(historyLines) * 600)
        for i in 0..<historyLines {
            let at = start.addingTimeInterval(Double(i) * 600)
            history += "{\"backupName\":\"backup-\(formatter.string(from: at)).db\",\"durationSeconds\":2.5,\"kind\":\"scheduled\","
                + "\"message\":\"verified, 123456 rows in 10 tables\",\"operation\":\"create\",\"outcome\":\"success\",\"pid\":1,"
                + "\"sizeBytes\":\(result.databaseBytes),\"startedAt\":\"\(iso.string(from: at))\",\"trigger\":\"scheduler\",\"version\":\"0.2.0\"}\n"
        }
        try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        let historyPath = dir + "/logs/history.jsonl"
        let existing = FileManager.default.contents(atPath: historyPath) ?? Data()
        try (Data(history.utf8) + existing).write(to: URL(fileURLWithPath: historyPath))

        let probe = ConsoleProbe(work: work)
        defer { probe.stop() }
        result.harnessMs = try probe.firstAppearance(of: "harness-ready", command: "echo harness-ready; sleep 30", session: "harness")
        for round in 1...runs {
            let session = "console\(round)"
            // The first frame that shows the whole list (an earlier one may say "Backups (0").
            let first = try probe.firstAppearance(of: "Backups (\(consoleBackups)", command: "exec \(Benchmark.shq(tools.backup)) --data-dir \(Benchmark.shq(dir))", session: session)
            let pid = try probe.pid(of: session)
            sleep(2)   // the first refresh and the scheduler's start settle
            result.firstFrameMs.append(first)
            result.idleCPU.append(try probe.idleCPUPercent(pid, seconds: consoleIdleSeconds))
            if let rss = ConsoleProbe.peakRSSBytes(pid) { result.consoleRSS.append(rss) }
            probe.kill(session: session)
            usleep(300_000)
        }
    }
}
