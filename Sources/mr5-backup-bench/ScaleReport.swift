import Foundation

/// The `--scale` results as Markdown: a growth table across sizes with the targets, then
/// one table per size with each mr5-backup operation next to the same work by sqlite3/cp.
struct ScaleReport {
    typealias Op = ScaleBenchmark.Op
    let results: [ScaleBenchmark.SizeResult]
    let runs: Int
    let machine: Machine

    init(results: [ScaleBenchmark.SizeResult], runs: Int, machine: Machine) {
        // Smallest first, whatever order the sizes were given in: growth is read left to right.
        self.results = results.sorted { $0.sizeMB < $1.sizeMB }
        self.runs = runs
        self.machine = machine
    }

    /// What each of our operations is compared with: the same work done by hand.
    static let references: [Op: (label: String, parts: [Op])] = [
        .create: (".backup + quick_check + sha256sum", [.backupCLI, .quickCheckCopy, .sha256sum]),
        .createNice: (".backup + quick_check + sha256sum", [.backupCLI, .quickCheckCopy, .sha256sum]),
        .verify: ("quick_check + sha256sum of the copy", [.quickCheckCopy, .sha256sum]),
        .checkLive: ("quick_check of the live file", [.quickCheckLive]),
        .preview: ("quick_check of the copy (reads every page)", [.quickCheckCopy]),
        .restore: (".backup of the live file + .restore", [.restoreCLI]),
    ]

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func f(_ v: Double, _ digits: Int = 2) -> String { v.isNaN ? "-" : String(format: "%.\(digits)f", v) }

    static func spread(_ xs: [Double], _ digits: Int = 2) -> String {
        let s = xs.sorted()
        guard let lo = s.first, let hi = s.last else { return "-" }
        return "\(f(median(s), digits)) (\(f(lo, digits))–\(f(hi, digits)))"
    }

    static func sizeLabel(_ mb: Int) -> String { mb >= 1024 && mb % 1024 == 0 ? "\(mb / 1024) GiB" : "\(mb) MB" }

    private func seconds(_ r: ScaleBenchmark.SizeResult, _ op: Op) -> [Double] { r.samples[op.rawValue]?.map(\.seconds) ?? [] }
    private func peakRSS(_ r: ScaleBenchmark.SizeResult, _ op: Op) -> Int64? { r.samples[op.rawValue]?.compactMap(\.rssBytes).max() }
    private func reference(_ r: ScaleBenchmark.SizeResult, _ op: Op) -> Double? {
        guard let ref = Self.references[op] else { return nil }
        return ref.parts.map { Self.median(seconds(r, $0)) }.reduce(0, +)
    }
    private func mib(_ bytes: Int64) -> String { Self.f(Double(bytes) / 1_048_576, 1) }

    /// `--console`: the console's rows alone, one column per size.
    func consoleMarkdown() -> String {
        var out = "- Date: \(machine.date); \(machine.cpus) CPUs, \(machine.model); \(machine.kernel); scratch: \(machine.filesystem)\n"
        out += "- 1,000 backups and 10,000 history lines; the console started \(runs) times in tmux, median (min–max). "
        out += "The first frame is the first one showing `Backups (1000`; the tmux harness alone (an `echo`) is given beside it.\n\n"
        var rows = [["", "first frame, ms", "tmux harness alone, ms", "idle CPU, % of a core", "peak RSS"]]
        for r in results {
            rows.append([Self.sizeLabel(r.sizeMB), Self.spread(r.firstFrameMs, 0), Self.f(r.harnessMs, 0), Self.spread(r.idleCPU),
                         r.consoleRSS.max().map { mib($0) + " MiB" } ?? "-"])
        }
        out += Self.table(rows) + "\n"
        let frames = results.map { Self.median($0.firstFrameMs) }
        out += "Target: first full frame under 200 ms at every size: " + (frames.allSatisfy { $0 < 200 } ? "met" : "MISSED") + ".\n"
        return out
    }

    func markdown() -> String {
        var out = "- Date: \(machine.date); \(machine.cpus) CPUs, \(machine.model); \(machine.kernel); SQLite \(machine.sqlite); scratch: \(machine.filesystem)\n"
        out += "- Each figure: the median of \(runs) runs (min–max), in seconds unless marked; the database is in the page cache.\n"
        out += "- Databases: `mr5-pos-sim init --shop-mb N` (the demo's tables filled with orders, items and payments; WAL).\n\n"
        out += growthTable() + "\n" + targetsTable() + "\n"
        for r in results { out += sizeTable(r) + "\n" }
        return out
    }

    /// One row per operation, one column per size, then the growth over the last step.
    func growthTable() -> String {
        let sizes = results.map(\.sizeMB)
        let last = results.count >= 2 ? (results[results.count - 2], results[results.count - 1]) : nil
        var head = ["operation"] + sizes.map { Self.sizeLabel($0) }
        if let last { head.append("\(Self.sizeLabel(last.1.sizeMB)) ÷ \(Self.sizeLabel(last.0.sizeMB)) (size ×\(Self.f(Double(last.1.databaseBytes) / Double(last.0.databaseBytes), 1)))") }
        head.append("peak RSS, largest")
        var rows = [head]
        for op in Op.allCases {
            var row = [op.isOurs ? "mr5-backup \(op.rawValue)" : op.rawValue]
            row += results.map { Self.f(Self.median(seconds($0, op))) }
            if let last { row.append(Self.f(Self.median(seconds(last.1, op)) / Self.median(seconds(last.0, op))) + "x") }
            row.append(results.compactMap { peakRSS($0, op) }.max().map { mib($0) + " MiB" } ?? "-")
            rows.append(row)
        }
        var frame = ["console first frame, ms (1,000 backups, 10,000 history lines)"] + results.map { Self.f(Self.median($0.firstFrameMs), 0) }
        var cpu = ["console idle CPU, % of a core"] + results.map { Self.f(Self.median($0.idleCPU), 2) }
        if let last {
            frame.append(Self.f(Self.median(last.1.firstFrameMs) / Self.median(last.0.firstFrameMs)) + "x")
            cpu.append("-")
        }
        frame.append(results.flatMap(\.consoleRSS).max().map { mib($0) + " MiB" } ?? "-")
        cpu.append("")
        rows += [frame, cpu]
        rows.append(["database size (MiB)"] + results.map { mib($0.databaseBytes) } + (last == nil ? [] : [""]) + [""])
        rows.append(["building it (mr5-pos-sim, once)"] + results.map { Self.f($0.buildSeconds, 1) } + (last == nil ? [] : [""]) + [""])
        return Self.table(rows)
    }

    struct Target { var name: String; var measured: String; var met: Bool }

    func targets() -> [Target] {
        var out: [Target] = []
        for r in results {
            let create = Self.median(seconds(r, .create)), ref = reference(r, .create) ?? .nan
            out.append(Target(name: "manual create <= .backup + quick_check + sha256sum (\(Self.sizeLabel(r.sizeMB)))",
                              measured: "\(Self.f(create)) s vs \(Self.f(ref)) s (\(Self.f(create / ref))x)", met: create <= ref))
        }
        if results.count >= 2 {
            let a = results[results.count - 2], b = results[results.count - 1]
            let sizeRatio = Double(b.databaseBytes) / Double(a.databaseBytes)
            let limit = 4.5 * sizeRatio / 4   // "4 GiB within 4.5x of 1 GiB", scaled to the sizes run
            for op in Op.allCases where op.isOurs {
                let ratio = Self.median(seconds(b, op)) / Self.median(seconds(a, op))
                out.append(Target(name: "\(op.rawValue): \(Self.sizeLabel(b.sizeMB)) within \(Self.f(limit, 1))x of \(Self.sizeLabel(a.sizeMB))",
                                  measured: Self.f(ratio) + "x", met: ratio <= limit))
            }
            // The restore writes three times the database; where the disk's own writes
            // grow faster than the size, linear is out of reach for any restore. Restated:
            // its growth over the disk's for the same bytes, in the same run, with the
            // issue's slack over linear (4.5 for 4).
            let restore = Self.median(seconds(b, .restore)) / Self.median(seconds(a, .restore))
            let disk = Self.median(seconds(b, .restoreWrites)) / Self.median(seconds(a, .restoreWrites))
            if !disk.isNaN {
                out.append(Target(name: "restore --yes: growth within 1.125x of the disk's own writing the same bytes (\(Op.restoreWrites.rawValue))",
                                  measured: "\(Self.f(restore))x vs \(Self.f(disk))x (\(Self.f(restore / disk))x)", met: restore <= disk * 4.5 / 4))
            }
        }
        for r in results {
            let peak = Op.allCases.filter(\.isOurs).compactMap { peakRSS(r, $0) }.max() ?? 0
            let console = r.consoleRSS.max() ?? 0
            out.append(Target(name: "peak RSS <= 64 MiB (\(Self.sizeLabel(r.sizeMB)))",
                              measured: "commands \(mib(peak)) MiB, console \(mib(console)) MiB", met: max(peak, console) <= 64 << 20))
        }
        for r in results where !r.firstFrameMs.isEmpty {
            let ms = Self.median(r.firstFrameMs)
            out.append(Target(name: "console first frame < 200 ms (\(Self.sizeLabel(r.sizeMB)))",
                              measured: "\(Self.f(ms, 0)) ms (tmux harness alone \(Self.f(r.harnessMs, 0)) ms)", met: ms < 200))
        }
        for r in results { for failure in r.failures { out.append(Target(name: "ran (\(Self.sizeLabel(r.sizeMB)))", measured: failure, met: false)) } }
        return out
    }

    func targetsTable() -> String {
        Self.table([["target", "measured", "met"]] + targets().map { [$0.name, $0.measured, $0.met ? "yes" : "NO"] })
    }

    /// One size: each operation with its throughput, memory and the same work by hand.
    func sizeTable(_ r: ScaleBenchmark.SizeResult) -> String {
        let out = "#### \(Self.sizeLabel(r.sizeMB)) (\(mib(r.databaseBytes)) MiB)\n\n"
        let cp = Self.median(seconds(r, .cp))
        var rows = [["operation", "seconds", "MB/s", "peak RSS", "the same by hand", "its seconds", "time vs by hand", "time vs cp"]]
        for op in Op.allCases {
            let s = seconds(r, op)
            guard !s.isEmpty else { continue }
            let m = Self.median(s)
            let ref = reference(r, op)
            rows.append([op.isOurs ? "mr5-backup \(op.rawValue)" : op.rawValue, Self.spread(s),
                         Self.f(Double(r.databaseBytes) / 1_048_576 / m, 0), peakRSS(r, op).map { mib($0) + " MiB" } ?? "-",
                         Self.references[op]?.label ?? "", ref.map { Self.f($0) } ?? "", ref.map { Self.f(m / $0) + "x" } ?? "",
                         Self.f(m / cp) + "x"])
        }
        rows.append(["console first frame (ms)", Self.spread(r.firstFrameMs, 0), "", r.consoleRSS.max().map { mib($0) + " MiB" } ?? "-", "tmux harness alone", Self.f(r.harnessMs, 0), "", ""])
        rows.append(["console idle CPU (% of a core)", Self.spread(r.idleCPU), "", "", "", "", "", ""])
        return out + Self.table(rows)
    }

    static func table(_ rows: [[String]]) -> String {
        guard let head = rows.first else { return "" }
        var lines = ["| " + head.joined(separator: " | ") + " |", "|" + head.map { _ in "---" }.joined(separator: "|") + "|"]
        for r in rows.dropFirst() { lines.append("| " + r.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n") + "\n"
    }
}
