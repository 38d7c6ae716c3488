// mr5-backup-bench: measures `mr5-backup create` against `sqlite3 .backup`, `VACUUM INTO`
// and `cp`, idle and under a writer, in WAL and rollback-journal mode, plus the writer's
// commit latency, peak RSS, verify throughput and the console's first frame and idle CPU.
// A program, not a test: numbers depend on the machine. See docs/BENCHMARKS.md.
//
//   swift build -c release && swift run -c release mr5-backup-bench [--quick] [--output docs/BENCHMARKS.md]
import Foundation
#if canImport(Glibc)
import Glibc
#endif


func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

let options: BenchOptions
do {
    options = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    log("mr5-backup-bench: \(error)")
    exit(2)
}

do {
    let tools = try BenchTools.locate(binDir: options.binDir)
    let work = options.workDir ?? (NSTemporaryDirectory() + "mr5-bench-\(getpid())")
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { if options.workDir == nil { try? FileManager.default.removeItem(atPath: work) } }
    if let sizes = options.scaleSizes {
        let bench = ScaleBenchmark(tools: tools, work: work, sizesMB: sizes, runs: options.runs,
                                   consoleIdleSeconds: options.smoke ? 1 : 5, consoleOnly: options.consoleOnly)
        let report = ScaleReport(results: try bench.run(), runs: options.runs, machine: Machine.describe(scratch: work))
        let text = options.consoleOnly ? report.consoleMarkdown() : report.markdown()
        print(text)
        if let output = options.output { try MarkdownSection.replace(options.consoleOnly ? "console" : "scale", in: output, with: text) }
    } else if let sizes = options.politeSizes {
        var bench = PoliteBenchmark(tools: tools, work: work, options: options, sizesMB: sizes)
        bench.runs = options.runs
        let text = PoliteBenchmark.markdown(try bench.run(), runs: bench.runs, intervalMs: options.writerIntervalMs)
        print(text)
        if let output = options.output { try MarkdownSection.replace("polite", in: output, with: text) }
    } else if let sizes = options.continuousSizes {
        var bench = ContinuousBenchmark(tools: tools, work: work, sizesMB: sizes)
        bench.runs = options.runs == 5 ? 3 : options.runs
        bench.windowSeconds = options.windowSeconds
        bench.walMinutes = options.walMinutes
        if let replica = options.remoteReplica { bench.remote = (replica, options.remoteArguments) }
        if let parts = options.continuousParts { bench.parts = parts }
        let text = bench.markdown(try bench.run())
        print(text)
        // A remote replica's recovery point has a section of its own beside the folder's.
        let section = options.remoteReplica.map { $0.hasPrefix("s3://") ? "continuous-s3" : "continuous-sftp" } ?? "continuous"
        if let output = options.output { try MarkdownSection.replace(section, in: output, with: text) }
    } else if let terminals = options.fleetTerminals {
        var bench = FleetBenchmark(tools: tools, work: work)
        bench.terminals = terminals
        bench.runs = options.runs == 5 ? 3 : options.runs
        bench.s3 = options.fleetS3
        let text = bench.markdown(try bench.run())
        print(text)
        if let output = options.output { try MarkdownSection.replace("fleet", in: output, with: text) }
    } else if options.offsite {
        print(OffsiteBenchmark.markdown(try OffsiteBenchmark(tools: tools, work: work).run()))
    } else {
        var bench = Benchmark(options: options, tools: tools, work: work)
        let results = try bench.runAll()
        let report = BenchReport(options: options, results: results, machine: Machine.describe(scratch: work))
        print(report.text())
        if let output = options.output {
            try MarkdownSection.replace("side-by-side", in: output, with: report.markdown())
        }
    }
} catch {
    log("mr5-backup-bench: \(error)")
    exit(1)
}
