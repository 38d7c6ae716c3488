import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `--polite`: what a backup costs the POS's commits, measured as the writer sees it. For
/// each size, a shop-shaped WAL database (`mr5-pos-sim init --shop-mb`), then `runs` rounds of three
/// windows with the writer committing every `--writer-interval-ms`: no backup (as long as
/// the full create took), `create` (full speed, someone waits) and `create --nice` (the
/// scheduler's polite copy). Then, in rollback-journal mode, `runs` full creates under the
/// writer with the longest writer wait each recorded. Medians with min and max.
struct PoliteBenchmark {
    let tools: BenchTools
    let work: String
    let options: BenchOptions
    var sizesMB: [Int]
    var runs = 5

    struct Window { var seconds: Double; var writer: WriterStats; var pauses: Int? }
    struct Row { var sizeMB: Int; var variant: String; var windows: [Window] }
    struct RollbackRow { var sizeMB: Int; var waitsMs: [Double]; var strategies: [String]; var writerErrors: Int; var writerMaxMs: [Double] }

    func run() throws -> (rows: [Row], rollback: [RollbackRow]) {
        var rows: [Row] = [], rollback: [RollbackRow] = []
        for size in sizesMB {
            rows += try measureWAL(size)
            rollback.append(try measureRollback(size))
        }
        return (rows, rollback)
    }

    private func database(_ size: Int, journal: String) throws -> (dir: String, db: String) {
        let dir = work + "/polite-\(journal)-\(size)/shop"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/mr5-pos.db"
        log("polite \(size) MB \(journal): mr5-pos-sim init --shop-mb \(size) ...")
        let r = try BenchProcess.run([tools.sim, "init", "--db", db, "--journal", journal, "--shop-mb", String(size)], scratch: work)
        guard r.status == 0 else { throw BenchError("mr5-pos-sim init failed: \(r.stderr)") }
        // In the page cache, as a busy till's database is.
        _ = try BenchProcess.run(["/bin/sh", "-c", "cat \(Benchmark.shq(db)) > /dev/null"], scratch: work)
        return (dir, db)
    }

    /// One create under the writer; the backup is removed afterwards (one file at a time on disk).
    private func create(_ dir: String, db: String, nice: Bool) throws -> (Timed, WriterStats, [String: Any]) {
        let writer = try BackgroundWriter(sim: tools.sim, db: db, intervalMs: options.writerIntervalMs, scratch: work)
        let r = try BenchProcess.run([tools.backup, "create", "--json", "--data-dir", dir] + (nice ? ["--nice"] : []), scratch: work)
        let stats = writer.stop()
        guard r.status == 0, let name = Benchmark.backupName(r.stdout) else { throw BenchError("create failed: \(r.stderr)") }
        let meta = dir + "/backups/.meta/\(name).json"
        let record = (FileManager.default.contents(atPath: meta).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:]
        unlink(dir + "/backups/" + name)
        unlink(meta)
        return (r, stats, record)
    }

    private func measureWAL(_ size: Int) throws -> [Row] {
        let (dir, db) = try database(size, journal: "wal")
        var idle: [Window] = [], full: [Window] = [], polite: [Window] = []
        for round in 1...runs {
            let (f, fw, _) = try create(dir, db: db, nice: false)
            full.append(Window(seconds: f.seconds, writer: fw, pauses: nil))
            let (p, pw, record) = try create(dir, db: db, nice: true)
            polite.append(Window(seconds: p.seconds, writer: pw, pauses: (record["pauses"] as? NSNumber)?.intValue))
            // As long as the longer create, so the idle p99 rests on as many commits as either
            // backup's: an idle window as long as a 200 MB full-speed create held about 100
            // commits, its p99 the second slowest of them.
            let idleSeconds = max(f.seconds, p.seconds)
            let writer = try BackgroundWriter(sim: tools.sim, db: db, intervalMs: options.writerIntervalMs, scratch: work)
            usleep(useconds_t(idleSeconds * 1_000_000))
            idle.append(Window(seconds: idleSeconds, writer: writer.stop(), pauses: nil))
            log(String(format: "polite %d MB wal round %d: p99 idle %.1f, full %.1f, polite %.1f ms", size, round,
                       idle.last!.writer.p99, fw.p99, pw.p99))
        }
        return [Row(sizeMB: size, variant: "no backup", windows: idle), Row(sizeMB: size, variant: "create (full speed)", windows: full),
                Row(sizeMB: size, variant: "create --nice (scheduled)", windows: polite)]
    }

    private func measureRollback(_ size: Int) throws -> RollbackRow {
        let (dir, db) = try database(size, journal: "delete")
        var row = RollbackRow(sizeMB: size, waitsMs: [], strategies: [], writerErrors: 0, writerMaxMs: [])
        for round in 1...runs {
            let (_, w, record) = try create(dir, db: db, nice: false)
            row.waitsMs.append((record["longestWriterHoldMs"] as? NSNumber)?.doubleValue ?? .nan)
            row.strategies.append(record["strategy"] as? String ?? "?")
            row.writerErrors += max(0, w.errors)
            row.writerMaxMs.append(w.max)
            log(String(format: "polite %d MB rollback round %d: longest writer wait %.0f ms (%@), writer max %.0f ms", size, round,
                       row.waitsMs.last!, row.strategies.last!, w.max))
        }
        try? FileManager.default.removeItem(atPath: dir)
        return row
    }

    static func spread(_ xs: [Double], _ digits: Int = 1) -> String {
        let s = xs.filter { !$0.isNaN }.sorted()
        guard let lo = s.first, let hi = s.last else { return "-" }
        return String(format: "%.\(digits)f (%.\(digits)f–%.\(digits)f)", s[s.count / 2], lo, hi)
    }

    static func markdown(_ result: (rows: [Row], rollback: [RollbackRow]), runs: Int, intervalMs: Int) -> String {
        var out = "Writer committing every \(intervalMs) ms (WAL); median (min–max) of \(runs) runs.\n\n"
        out += "| database | window | seconds | writer p99 ms | writer max ms | writer errors | pauses |\n|---|---|---|---|---|---|---|\n"
        for r in result.rows {
            let pauses = r.windows.compactMap(\.pauses)
            out += "| \(r.sizeMB) MB | \(r.variant) | \(spread(r.windows.map(\.seconds), 2)) | \(spread(r.windows.map(\.writer.p99))) | "
                + "\(spread(r.windows.map(\.writer.max))) | \(r.windows.map(\.writer.errors).reduce(0, +)) | "
                + (pauses.isEmpty ? "-" : spread(pauses.map(Double.init), 0)) + " |\n"
        }
        out += "\nRollback-journal mode, `create` under the writer (busy timeout 5 s):\n\n"
        out += "| database | longest writer wait ms (recorded) | copy strategy | writer max ms | writer errors |\n|---|---|---|---|---|\n"
        for r in result.rollback {
            let strategies = Dictionary(grouping: r.strategies, by: { $0 }).map { "\($0.key) ×\($0.value.count)" }.sorted().joined(separator: ", ")
            out += "| \(r.sizeMB) MB | \(spread(r.waitsMs, 0)) | \(strategies) | \(spread(r.writerMaxMs, 0)) | \(r.writerErrors) |\n"
        }
        return out
    }
}
