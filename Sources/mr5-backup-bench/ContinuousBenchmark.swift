import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `--continuous MB,MB`: what continuous protection (Litestream, a folder replica) gives and
/// costs. For the first size: the recovery point (a writer committing 50 times a second,
/// the daemon, Litestream and the writer SIGKILLed in the same instant as a power cut does,
/// the replica restored into an empty data dir, the commits it lacks counted), and the
/// writer's commit latency and the WAL over equal windows without and with Litestream.
/// For every size: the time to restore and fully check a moment from the middle of a run
/// of writes (`continuous restore --at`), and the replica's bytes per hour of writing
/// against full copies. Litestream ignores faketime, so "an hour back" and "a shop day" are
/// measured scaled: the doc says how.
struct ContinuousBenchmark {
    let tools: BenchTools
    let work: String
    var sizesMB: [Int]
    var runs = 3
    /// Seconds of each writer window (with and without Litestream) and of the writes a
    /// restore reaches back into.
    var windowSeconds = 60
    var commitIntervalMs = 20
    /// Minutes of the long run that watches the WAL beside Litestream (0: none).
    var walMinutes = 0
    /// A remote replica instead of a folder (an S3 or SFTP server), with the arguments
    /// `continuous init` and `continuous restore` take for it; only the recovery point
    /// is measured then.
    var remote: (replica: String, arguments: [String])? = nil
    /// Which parts run (`recovery`, `latency`, `restore`; the WAL run with `walMinutes`).
    var parts: Set<String> = ["recovery", "latency", "restore"]

    struct RecoveryRun { var committed: Int; var restored: Int; var lost: Int { committed - restored } }
    struct Latency { var without: [WriterStats]; var with: [WriterStats]; var walMaxBytes: Int64; var walEndBytes: Int64 }
    struct SizeRow {
        var sizeMB: Int
        var databaseBytes: Int64
        var restoreSeconds: [Double]
        var replicaSnapshotBytes: Int64
        var replicaAddedPerHour: Int64
    }
    struct WALRun { var minutes: Int; var commits: Int; var errors: Int; var p99: Double; var samples: [(minute: Int, bytes: Int64)]; var maxBytes: Int64 }
    struct Result { var recovery: [RecoveryRun]; var latency: Latency?; var sizes: [SizeRow]; var wal: WALRun? = nil }

    func run() throws -> Result {
        guard let first = sizesMB.first else { throw BenchError("--continuous needs sizes in MB") }
        var recovery: [RecoveryRun] = []
        for round in 1...runs where parts.contains("recovery") {
            recovery.append(try recoveryPoint(first, round: round))
            log("continuous recovery point \(round): \(recovery.last!.committed) committed, \(recovery.last!.restored) restored, \(recovery.last!.lost) lost")
        }
        if remote != nil { return Result(recovery: recovery, latency: nil, sizes: []) }
        let latency = parts.contains("latency") ? try latencyAndWAL(first) : nil
        let sizes = parts.contains("restore") ? try sizesMB.map(restoreAndBytes) : []
        let wal = walMinutes > 0 ? try longWAL(first) : nil
        return Result(recovery: recovery, latency: latency, sizes: sizes, wal: wal)
    }

    // MARK: - Setup

    private struct Shop { var dir: String; var db: String; var replica: String; var args: [String]; var restoreArgs: [String] = [] }

    private func shop(_ label: String, sizeMB: Int) throws -> Shop {
        let root = work + "/continuous-" + label
        try? FileManager.default.removeItem(atPath: root)
        let dir = root + "/shop", replica = root + "/replica"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/mr5-pos.db"
        log("continuous \(label): mr5-pos-sim init --shop-mb \(sizeMB) ...")
        try check(BenchProcess.run([tools.sim, "init", "--db", db, "--journal", "wal", "--shop-mb", String(sizeMB)], scratch: work), "mr5-pos-sim init")
        let args = ["--data-dir", dir]
        try check(BenchProcess.run([tools.backup, "settings", "set", "scheduler_expected", "false"] + args, scratch: work), "settings")
        // The replica beside the shop (one disk here): what the numbers measure is
        // Litestream's work, not a second disk's speed.
        if let remote {
            // Each run its own path: a replica path is one database's.
            let url = remote.replica + "/" + label
            try check(BenchProcess.run([tools.backup, "continuous", "init", "--replica", url] + remote.arguments + args, scratch: work), "continuous init")
            let status = try BenchProcess.run([tools.backup, "continuous", "status", "--json"] + args, scratch: work)
            let object = (try? JSONSerialization.jsonObject(with: status.stdout.data(using: .utf8) ?? Data())) as? [String: Any]
            guard let path = object?["replicaPath"] as? String else { throw BenchError("no replica path in continuous status") }
            return Shop(dir: dir, db: db, replica: path, args: args, restoreArgs: remote.arguments)
        }
        try check(BenchProcess.run([tools.backup, "continuous", "init", "--same-disk", "--replica", replica] + args, scratch: work), "continuous init")
        return Shop(dir: dir, db: db, replica: replica, args: args)
    }

    /// The daemon, once it runs Litestream: its pid and Litestream's.
    private func startDaemon(_ shop: Shop) throws -> (daemon: pid_t, litestream: pid_t) {
        let daemon = try BenchProcess.spawn([tools.backup, "daemon"] + shop.args, stdout: "/dev/null", stderr: work + "/daemon.err")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let status = try BenchProcess.run([tools.backup, "continuous", "status", "--json"] + shop.args, scratch: work)
            if let pid = OffsiteBenchmark.number("pid", in: status.stdout), pid > 0 { return (daemon, pid_t(pid)) }
            usleep(200_000)
        }
        kill(daemon, SIGKILL)
        throw BenchError("the daemon did not start Litestream within 60 s")
    }

    private func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    // MARK: - The recovery point

    private func recoveryPoint(_ sizeMB: Int, round: Int) throws -> RecoveryRun {
        let shop = try shop("rpo-\(round)", sizeMB: sizeMB)
        let (daemon, litestream) = try startDaemon(shop)
        let writer = try BenchProcess.spawn([tools.sim, "write", "--db", shop.db, "--interval-ms", String(commitIntervalMs),
                                             "--duration-s", "3600", "--busy-timeout-ms", "5000"],
                                            stdout: "/dev/null", stderr: work + "/writer.err")
        usleep(useconds_t(10 * 1_000_000))
        // The power cut: nothing gets to finish anything.
        kill(daemon, SIGKILL); kill(writer, SIGKILL); kill(litestream, SIGKILL)
        reap(daemon); reap(writer)
        usleep(200_000)   // Litestream is the daemon's child: reaped by init once the daemon is gone
        let committed = try count(shop.db)
        let newTill = shop.dir + "-restored"
        try FileManager.default.createDirectory(atPath: newTill, withIntermediateDirectories: true)
        try check(BenchProcess.run([tools.backup, "continuous", "restore", "--replica", shop.replica, "--yes", "--owner", "root",
                                    "--data-dir", newTill] + shop.restoreArgs, scratch: work), "continuous restore")
        let restored = try count(newTill + "/mr5-pos.db")
        try? FileManager.default.removeItem(atPath: FileSystemPaths.parent(shop.dir))
        return RecoveryRun(committed: committed, restored: restored)
    }

    private func count(_ db: String) throws -> Int {
        let r = try BenchProcess.run([tools.sqlite3, db, "SELECT count(*) FROM sim_log"], scratch: work)
        guard r.status == 0, let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw BenchError("count failed: \(r.stderr)") }
        return n
    }

    // MARK: - The writer and the WAL

    private func latencyAndWAL(_ sizeMB: Int) throws -> Latency {
        let shop = try shop("latency", sizeMB: sizeMB)
        defer { try? FileManager.default.removeItem(atPath: FileSystemPaths.parent(shop.dir)) }
        // Windows in turn, without and with, `runs` times: the machine's own noise falls on both.
        var without: [WriterStats] = [], with: [WriterStats] = [], walMax: Int64 = 0
        for round in 1...runs {
            log("continuous latency \(round): \(windowSeconds) s without Litestream ...")
            let off = try BackgroundWriter(sim: tools.sim, db: shop.db, intervalMs: commitIntervalMs, scratch: work)
            usleep(useconds_t(windowSeconds * 1_000_000))
            without.append(off.stop())
            let (daemon, _) = try startDaemon(shop)
            usleep(3_000_000)   // its first sync of the writes made meanwhile
            log("continuous latency \(round): \(windowSeconds) s with Litestream ...")
            let on = try BackgroundWriter(sim: tools.sim, db: shop.db, intervalMs: commitIntervalMs, scratch: work)
            for _ in 0..<windowSeconds {
                usleep(1_000_000)
                walMax = max(walMax, fileSize(shop.db + "-wal"))
            }
            with.append(on.stop())
            kill(daemon, SIGTERM); reap(daemon)
            log(String(format: "continuous latency %d: p99 %.2f ms without, %.2f ms with", round, without.last!.p99, with.last!.p99))
        }
        return Latency(without: without, with: with, walMaxBytes: walMax, walEndBytes: fileSize(shop.db + "-wal"))
    }

    /// The writer for `walMinutes` beside Litestream: the WAL's size each minute and its most.
    private func longWAL(_ sizeMB: Int) throws -> WALRun {
        let shop = try shop("wal", sizeMB: sizeMB)
        defer { try? FileManager.default.removeItem(atPath: FileSystemPaths.parent(shop.dir)) }
        let (daemon, _) = try startDaemon(shop)
        defer { kill(daemon, SIGTERM); reap(daemon) }
        log("continuous WAL: \(walMinutes) minutes of writes beside Litestream ...")
        let writer = try BackgroundWriter(sim: tools.sim, db: shop.db, intervalMs: commitIntervalMs, scratch: work)
        var samples: [(Int, Int64)] = [], most: Int64 = 0
        for second in 1...(walMinutes * 60) {
            usleep(1_000_000)
            let bytes = fileSize(shop.db + "-wal")
            most = max(most, bytes)
            if second % 60 == 0 {
                samples.append((second / 60, bytes))
                log("continuous WAL: minute \(second / 60): \(bytes) bytes (most so far \(most))")
            }
        }
        let w = writer.stop()
        return WALRun(minutes: walMinutes, commits: w.commits, errors: w.errors, p99: w.p99, samples: samples, maxBytes: most)
    }

    // MARK: - Restore time and bytes

    private func restoreAndBytes(_ sizeMB: Int) throws -> SizeRow {
        let shop = try shop("size-\(sizeMB)", sizeMB: sizeMB)
        defer { try? FileManager.default.removeItem(atPath: FileSystemPaths.parent(shop.dir)) }
        let snapshot = folderSize(shop.replica)
        let (daemon, _) = try startDaemon(shop)
        log("continuous \(sizeMB) MB: \(windowSeconds) s of writes ...")
        let writer = try BackgroundWriter(sim: tools.sim, db: shop.db, intervalMs: commitIntervalMs, scratch: work)
        let started = Date()
        // Counted after Litestream's start settled (it may write a snapshot of its own as it starts).
        usleep(15_000_000)
        let settled = folderSize(shop.replica), from = Date()
        usleep(useconds_t(max(0, windowSeconds - 15) * 1_000_000))
        _ = writer.stop()
        usleep(2_000_000)   // the last commits shipped
        let added = folderSize(shop.replica) - settled
        let perHour = Int64(Double(added) * 3600 / Date().timeIntervalSince(from))
        kill(daemon, SIGTERM); reap(daemon)
        // A moment from the middle of the writes, as far back as the window allows here.
        let moment = started.addingTimeInterval(Double(windowSeconds) / 2)
        let iso = ISO8601DateFormatter()
        var seconds: [Double] = []
        for round in 1...runs {
            let into = shop.dir + "-restored-\(round)"
            try FileManager.default.createDirectory(atPath: into, withIntermediateDirectories: true)
            let r = try BenchProcess.run([tools.backup, "continuous", "restore", "--replica", shop.replica, "--at", iso.string(from: moment),
                                          "--yes", "--owner", "root", "--data-dir", into], scratch: work)
            try check(r, "continuous restore --at")
            seconds.append(r.seconds)
            log(String(format: "continuous %d MB: restore and check a moment %.0f s back: %.2f s", sizeMB, Date().timeIntervalSince(moment), r.seconds))
            try? FileManager.default.removeItem(atPath: into)
        }
        return SizeRow(sizeMB: sizeMB, databaseBytes: fileSize(shop.db), restoreSeconds: seconds,
                       replicaSnapshotBytes: snapshot, replicaAddedPerHour: perHour)
    }

    private func check(_ t: Timed, _ what: String) throws {
        guard t.status == 0 else { throw BenchError("\(what) failed (exit \(t.status)): \(t.stderr)") }
    }

    // MARK: - Report

    func markdown(_ r: Result) -> String {
        func mib(_ b: Int64) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }
        let perSecond = 1000 / max(1, commitIntervalMs)
        let kind = remote.map { $0.replica.hasPrefix("s3://") ? "an S3 bucket (\($0.replica))" : "an SFTP server (\($0.replica))" } ?? "a folder"
        var out = "Writer: `mr5-pos-sim`, a commit every \(commitIntervalMs) ms (\(perSecond) a second). Replica: \(kind) (Litestream \(litestreamVersion())).\n\n"
        if !r.recovery.isEmpty {
            let lost = r.recovery.map { Double($0.lost) }
            out += "**Recovery point** (\(sizesMB[0]) MB shop; the daemon, Litestream and the writer SIGKILLed in one instant after 10 s; "
                + "the replica restored into an empty data dir; \(r.recovery.count) runs):\n\n"
            out += "| run | commits in the database | commits restored | lost | lost as time |\n|---|---|---|---|---|\n"
            for (i, run) in r.recovery.enumerated() {
                out += "| \(i + 1) | \(run.committed) | \(run.restored) | \(run.lost) | " + String(format: "%.2f s", Double(run.lost) / Double(perSecond)) + " |\n"
            }
            out += "\nMedian lost: " + PoliteBenchmark.spread(lost, 0) + " commits (target: at most 1 s of them, \(perSecond)).\n\n"
        }
        if let l = r.latency {
            out += "**The writer beside it** (\(sizesMB[0]) MB shop, \(l.without.count) windows of \(windowSeconds) s each way, in turn; median (min–max)):\n\n"
            out += "| window | commits | p50 ms | p99 ms | max ms | errors (BUSY) |\n|---|---|---|---|---|---|\n"
            for (name, ws) in [("without Litestream", l.without), ("with Litestream", l.with)] {
                out += "| \(name) | \(ws.map(\.commits).reduce(0, +)) | " + PoliteBenchmark.spread(ws.map(\.p50), 2) + " | "
                    + PoliteBenchmark.spread(ws.map(\.p99), 2) + " | " + PoliteBenchmark.spread(ws.map(\.max)) + " | \(ws.map(\.errors).reduce(0, +)) |\n"
            }
            func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
            out += String(format: "\np99 with / without (medians): %.2fx (target at most 1.2x). ", median(l.with.map(\.p99)) / max(0.001, median(l.without.map(\.p99))))
            out += "WAL during the window with Litestream: at most \(mib(l.walMaxBytes)), \(mib(l.walEndBytes)) at its end.\n\n"
        }
        guard !r.sizes.isEmpty else { return out }
        out += "**Restore and bytes** (\(windowSeconds) s of writes; the moment restored is from the middle of them; \(runs) runs; bytes counted from 15 s after Litestream started):\n\n"
        out += "| database | restore and full check of a moment (median, min–max) | replica after init | replica added per hour of writes | 8 full copies |\n|---|---|---|---|---|\n"
        for s in r.sizes {
            out += "| \(s.sizeMB) MB (\(mib(s.databaseBytes))) | " + PoliteBenchmark.spread(s.restoreSeconds, 2) + " s | \(mib(s.replicaSnapshotBytes)) | "
                + "\(mib(s.replicaAddedPerHour)) | \(mib(s.databaseBytes * 8)) |\n"
        }
        if let w = r.wal {
            out += "\n**The WAL over \(w.minutes) minutes** of writes beside Litestream (\(sizesMB[0]) MB shop; \(w.commits) commits, "
                + "\(w.errors) errors, writer p99 " + String(format: "%.2f ms", w.p99) + "): at most \(mib(w.maxBytes)); each 5 minutes: "
                + w.samples.filter { $0.minute % 5 == 0 || $0.minute == w.minutes }.map { "\($0.minute) min \(mib($0.bytes))" }.joined(separator: ", ") + ".\n"
        }
        return out
    }

    private func litestreamVersion() -> String {
        (try? BenchProcess.run(["/usr/local/bin/litestream", "version"], scratch: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "?"
    }
}

enum FileSystemPaths {
    static func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
}
