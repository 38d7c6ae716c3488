import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the programs under test are.
struct BenchTools {
    var backup: String
    var sim: String
    var sqlite3 = "sqlite3"

    /// Beside this program (a release build puts all three together), else `--bin-dir`,
    /// else `.build/release` after `swift build -c release`.
    static func locate(binDir: String?) throws -> BenchTools {
        let fm = FileManager.default
        var dirs: [String] = []
        if let binDir { dirs.append(binDir) }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        dirs.append(me.deletingLastPathComponent().path)
        dirs.append(fm.currentDirectoryPath + "/.build/release")
        for dir in dirs where fm.isExecutableFile(atPath: dir + "/mr5-backup") && fm.isExecutableFile(atPath: dir + "/mr5-pos-sim") {
            return BenchTools(backup: dir + "/mr5-backup", sim: dir + "/mr5-pos-sim")
        }
        guard binDir == nil, fm.fileExists(atPath: fm.currentDirectoryPath + "/Package.swift") else {
            throw BenchError("mr5-backup and mr5-pos-sim not found (looked in \(dirs.joined(separator: ", "))); run 'swift build -c release' first")
        }
        log("building mr5-backup and mr5-pos-sim: swift build -c release ...")
        let r = try BenchProcess.run(["swift", "build", "-c", "release", "--product", "mr5-backup"], scratch: NSTemporaryDirectory())
        let r2 = try BenchProcess.run(["swift", "build", "-c", "release", "--product", "mr5-pos-sim"], scratch: NSTemporaryDirectory())
        guard r.status == 0, r2.status == 0 else { throw BenchError("swift build -c release failed: \(r.stderr)\(r2.stderr)") }
        return try locate(binDir: fm.currentDirectoryPath + "/.build/release")
    }
}

/// One measured copy.
struct CopyRun {
    var mode: String          // wal | delete
    var condition: String     // idle | writer
    var tool: String
    var seconds: Double
    var ok: Bool
    var note: String = ""
    var writer: WriterStats?
    var rssBytes: Int64?
    var copySeconds: Double?
}

/// Everything the report needs.
struct BenchResults {
    var sizeBytes: [String: Int64] = [:]          // mode -> live database bytes
    var runs: [CopyRun] = []
    var baselines: [String: WriterStats] = [:]    // mode -> writer with no backup
    var pipeline: [String: (backup: Double, check: Double, hash: Double)] = [:]
    var wholeCreate: [String: Double] = [:]       // mode -> idle create wall time
    var verify: (bytes: Int64, verify: Double, verifyFull: Double, sha256sum: Double)?
    var console: (backups: Int, firstFrameMs: Double, harnessMs: Double, idleCPUPercent: Double, seconds: Double)?
    var consoleError: String?
}

struct Benchmark {
    let options: BenchOptions
    let tools: BenchTools
    let work: String
    var results = BenchResults()

    init(options: BenchOptions, tools: BenchTools, work: String) {
        self.options = options
        self.tools = tools
        self.work = work
    }

    mutating func runAll() throws -> BenchResults {
        for mode in ["wal", "delete"] { try runMode(mode) }
        try runVerify()
        if !options.skipConsole {
            do { try runConsole() } catch { results.consoleError = "\(error)"; log("console: \(error)") }
        }
        return results
    }

    private func shop(_ mode: String) -> (dir: String, db: String) {
        let dir = work + "/\(mode)/shop"
        return (dir, dir + "/mr5-pos.db")
    }

    private func run(_ argv: [String], timeout: Double = 3600) throws -> Timed {
        try BenchProcess.run(argv, scratch: work, timeout: timeout)
    }

    // MARK: copies

    private mutating func runMode(_ mode: String) throws {
        let (dir, db) = shop(mode)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        log("[\(mode)] building a \(options.sizeMB) MB database with mr5-pos-sim init ...")
        let initRun = try run([tools.sim, "init", "--db", db, "--journal", mode, "--pad-mb", String(options.sizeMB)])
        guard initRun.status == 0 else { throw BenchError("mr5-pos-sim init failed: \(initRun.stderr)") }
        let size = fileSize(db)
        results.sizeBytes[mode] = size
        _ = try run(["cp", db, work + "/warm.db"])   // warm the page cache: every tool reads a cached file
        unlink(work + "/warm.db")

        let dst = work + "/dst.db"
        // A stuck tool (sqlite3 .backup restarting on every commit) is stopped after this long.
        let idleLimit = max(options.smoke ? 5 : 60, Double(options.sizeMB) / 5)

        for condition in ["idle", "writer"] {
            if condition == "writer" {
                log("[\(mode)] writer baseline, \(options.baselineSeconds) s with no backup ...")
                let w = try BackgroundWriter(sim: tools.sim, db: db, intervalMs: options.writerIntervalMs, scratch: work)
                usleep(UInt32(options.baselineSeconds * 1_000_000))
                results.baselines[mode] = w.stop()
            }
            for tool in ["cp", "sqlite3 .backup", "VACUUM INTO", "mr5-backup create", "mr5-backup create --nice"] {
                removeCopy(dst)
                log("[\(mode)] \(condition): \(tool) ...")
                let writer = condition == "writer" ? try BackgroundWriter(sim: tools.sim, db: db, intervalMs: options.writerIntervalMs, scratch: work) : nil
                var r: Timed
                var run = CopyRun(mode: mode, condition: condition, tool: tool, seconds: 0, ok: false)
                switch tool {
                case "cp":
                    r = try self.run(["cp", db, dst])
                    run.note = mode == "wal" && condition == "writer" ? "not a consistent copy (main file only, no -wal)" : "no fsync"
                case "sqlite3 .backup":
                    r = try self.run([tools.sqlite3, db, ".backup '\(dst)'"], timeout: idleLimit)
                case "VACUUM INTO":
                    r = try self.run([tools.sqlite3, db, "VACUUM INTO '\(dst)'"], timeout: idleLimit)
                default:
                    // The scheduler's polite copy is `create --nice`: the same work, paced for the writer.
                    let polite = tool.hasSuffix("--nice")
                    r = try self.run([tools.backup, "create", "--json", "--data-dir", dir] + (polite ? ["--nice"] : []), timeout: idleLimit * 6)
                    run.rssBytes = r.maxRSSBytes
                    if r.status == 0, let name = Self.backupName(r.stdout) {
                        run.copySeconds = Self.copySeconds(metaPath: dir + "/backups/.meta/\(name).json")
                        if condition == "idle" && !polite { results.wholeCreate[mode] = r.seconds }
                        // Keep the folder at one backup: disk space, and retention work stays out of the numbers.
                        unlink(dir + "/backups/" + name)
                        unlink(dir + "/backups/.meta/\(name).json")
                    }
                }
                run.seconds = r.seconds
                run.ok = r.status == 0
                if r.status == 137 { run.note = "stopped after \(Int(r.seconds)) s without finishing" }
                else if r.status != 0 { run.note = String(r.stderr.split(separator: "\n").first ?? "exit \(r.status)") }
                run.writer = writer?.stop()
                results.runs.append(run)
                log(String(format: "    %.3f s%@", r.seconds, run.ok ? "" : " FAILED: \(run.note)"))
            }
        }
        removeCopy(dst)

        // The pipeline a careful admin would script: .backup, then quick_check, then sha256sum.
        log("[\(mode)] sqlite3 .backup + quick_check + sha256sum ...")
        let b = try run([tools.sqlite3, db, ".backup '\(dst)'"])
        let c = try run([tools.sqlite3, dst, "PRAGMA quick_check"])
        let h = try run(["sha256sum", dst])
        results.pipeline[mode] = (b.seconds, c.seconds, h.seconds)
        removeCopy(dst)
    }

    private func removeCopy(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }

    // MARK: verify

    private mutating func runVerify() throws {
        let (dir, _) = shop("wal")
        log("[verify] mr5-backup verify vs sha256sum ...")
        let c = try run([tools.backup, "create", "--json", "--data-dir", dir])
        guard c.status == 0, let name = Self.backupName(c.stdout) else { throw BenchError("create for verify failed: \(c.stderr)") }
        let path = dir + "/backups/" + name
        let v = try run([tools.backup, "verify", name, "--data-dir", dir])
        let vf = try run([tools.backup, "verify", name, "--full", "--data-dir", dir])
        let s = try run(["sha256sum", path])
        guard v.status == 0, vf.status == 0 else { throw BenchError("verify failed: \(v.stderr)\(vf.stderr)") }
        results.verify = (fileSize(path), v.seconds, vf.seconds, s.seconds)
    }

    // MARK: console

    private mutating func runConsole() throws {
        let dir = work + "/console/shop"
        let db = dir + "/mr5-pos.db"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard try run([tools.sim, "init", "--db", db, "--pad-mb", "1"]).status == 0 else { throw BenchError("init failed") }
        let c = try run([tools.backup, "create", "--json", "--data-dir", dir])
        guard c.status == 0, let name = Self.backupName(c.stdout) else { throw BenchError("create failed: \(c.stderr)") }
        let count = options.consoleBackups
        log("[console] \(count) backups, tmux, first frame and idle CPU ...")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd-HHmmss"
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        let source = dir + "/backups/" + name
        for i in 1..<count {
            let copy = dir + "/backups/backup-" + formatter.string(from: base.addingTimeInterval(Double(i) * 3600)) + ".db"
            try FileManager.default.copyItem(atPath: source, toPath: copy)
        }

        let probe = ConsoleProbe(work: work)
        defer { probe.stop() }
        // What the harness itself costs (tmux start + polling), to read the console's number against.
        let harness = try probe.firstAppearance(of: "harness-ready", command: "echo harness-ready; sleep 30", session: "harness")
        // The first frame that shows the whole list (an earlier one may say "Backups (0").
        let first = try probe.firstAppearance(of: "Backups (\(count)", command: "exec \(Self.shq(tools.backup)) --data-dir \(Self.shq(dir))", session: "console")
        let pid = try probe.pid(of: "console")
        sleep(2)   // let the first refresh settle
        let seconds = 10.0
        results.console = (count, first, harness, try probe.idleCPUPercent(pid, seconds: seconds), seconds)
    }

    // MARK: helpers

    static func backupName(_ json: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let backup = object["backup"] as? [String: Any] else { return nil }
        return backup["name"] as? String
    }

    /// The copy phase, from the backup's metadata (`create --json` does not print it).
    static func copySeconds(metaPath: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: metaPath),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return (object["copySeconds"] as? NSNumber)?.doubleValue
    }

    /// utime + stime of a process, in clock ticks.
    static func cpuTicks(_ pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After "pid (comm)": state is field 3, utime 14, stime 15 -> indices 11 and 12 here.
        guard fields.count > 12, let u = Int64(fields[11]), let s = Int64(fields[12]) else { return nil }
        return u + s
    }

    static func shq(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

func fileSize(_ path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}

/// The bytes of every file under `path` (a repository, a replica).
func folderSize(_ path: String) -> Int64 {
    var total: Int64 = 0
    let walker = FileManager.default.enumerator(atPath: path)
    while let relative = walker?.nextObject() as? String { total += fileSize(path + "/" + relative) }
    return total
}
