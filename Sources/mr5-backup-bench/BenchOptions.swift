import Foundation

/// Command-line options (hand-parsed: the benchmark has no dependencies).
struct BenchOptions {
    var sizeMB = 1024
    var quick = false
    var output: String?
    var binDir: String?
    var workDir: String?
    var writerIntervalMs = 10
    var baselineSeconds = 8.0
    var consoleBackups = 1000
    var skipConsole = false
    /// Only the writer-latency case (`PoliteBenchmark`) at these sizes.
    var politeSizes: [Int]? = nil
    /// A tiny run that only proves the program works (the test suite's smoke run).
    var smoke = false
    /// Only the off-site case (`OffsiteBenchmark`), printed as a Markdown table.
    var offsite = false
    /// Only the fleet case (`FleetBenchmark`) with this many terminals, and an S3 repository.
    var fleetTerminals: Int? = nil
    var fleetS3: (repository: String, envFile: String)? = nil
    /// Only the growth case (`ScaleBenchmark`) at these sizes.
    var scaleSizes: [Int]? = nil
    /// Runs per figure in the --polite and --scale cases.
    var runs = 5
    /// With --scale: only the console at each size.
    var consoleOnly = false
    /// Only the continuous case (`ContinuousBenchmark`) at these sizes, and its windows.
    var continuousSizes: [Int]? = nil
    var windowSeconds = 60
    var walMinutes = 0
    /// With --continuous: a remote replica and the arguments init and restore take for it.
    var remoteReplica: String? = nil
    var remoteArguments: [String] = []
    /// With --continuous: only these parts (recovery, latency, restore).
    var continuousParts: Set<String>? = nil

    static let usage = """
        usage: mr5-backup-bench [--size-mb N] [--quick] [--output FILE] [--bin-dir DIR] [--work-dir DIR]
                                [--writer-interval-ms N] [--skip-console] [--offsite] [--smoke] [--polite MB,MB]
                                [--scale MB,MB,... [--console] [--runs N]] [--continuous MB,... [--window-s N] [--wal-minutes N]]
          --size-mb N     size of the test database (default 1024; --quick: 100)
          --quick         100 MB database, shorter writer baselines
          --output FILE   also write the results as Markdown (e.g. docs/BENCHMARKS.md); with
                          --polite or --scale, only that case's section of the file is replaced
          --bin-dir DIR   where mr5-backup and mr5-pos-sim are (default: beside this program,
                          else .build/release, built with 'swift build -c release' when missing)
          --work-dir DIR  scratch space (default: a folder under $TMPDIR, removed at the end)
          --polite MB,MB  only the writer-latency case: no backup, create and create --nice
                          under the writer, 5 runs each, at these sizes (e.g. 200,1024)
          --smoke         a 10 MB database, 1 s baselines, no console: proves the program
                          runs (the test suite's smoke run), measures nothing worth keeping
          --scale MB,...  only the growth case: every operation (create, create --nice, verify,
                          status --check-live, restore --dry-run, restore) and the same work by
                          sqlite3 and cp, then the console over 1,000 backups and 10,000 history
                          lines, on shop-shaped databases of these sizes (e.g. 20,200,1024,4096)
          --console       with --scale: only the console (first frame, idle CPU, peak RSS over
                          1,000 backups and 10,000 history lines) at each size
          --runs N        runs per figure for --polite and --scale (default 5)
          --continuous MB,...  only the continuous case (Litestream, a folder replica): the recovery
                          point at the first size (writer, daemon and Litestream SIGKILLed at once),
                          the writer's p99 and the WAL with and without it, and at each size the
                          time to restore and check a moment and the replica's bytes per hour
          --window-s N    with --continuous: seconds of each writer window (default 60)
          --only PARTS    with --continuous: only recovery, latency and/or restore (comma-separated)
          --replica URL   with --continuous: the recovery point only, into this S3 or SFTP replica
          --replica-arg A an argument for init and restore with --replica, repeated in order
                          (--replica-arg --env-file --replica-arg keys.env)
          --wal-minutes N with --continuous: also watch the WAL over N minutes of writes beside
                          Litestream (30 for the figure in docs/BENCHMARKS.md)
          --fleet N       only the fleet case: `fleet` over N terminals x 10 snapshots (generated
                          once under --work-dir), cold and warm cache, peak RSS
          --fleet-s3 REPO ENVFILE  with --fleet: also uploaded to this moto S3 repository
          --offsite       only the off-site case: a shop day of 8 backups pushed to a restic
                          folder repository at 20 and 200 MB (bytes stored, push times)
        """

    static func parse(_ args: [String]) throws -> BenchOptions {
        var o = BenchOptions()
        var sizeGiven = false
        var i = 0
        func value() throws -> String {
            guard i + 1 < args.count else { throw BenchError("\(args[i]) needs a value\n\(usage)") }
            i += 1
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--size-mb":
                guard let n = Int(try value()), n >= 10 else { throw BenchError("--size-mb needs a number of at least 10") }
                o.sizeMB = n; sizeGiven = true
            case "--quick": o.quick = true
            case "--output": o.output = try value()
            case "--bin-dir": o.binDir = try value()
            case "--work-dir": o.workDir = try value()
            case "--writer-interval-ms":
                guard let n = Int(try value()), n >= 0 else { throw BenchError("--writer-interval-ms needs a number") }
                o.writerIntervalMs = n
            case "--skip-console": o.skipConsole = true
            case "--console": o.consoleOnly = true
            case "--offsite": o.offsite = true
            case "--fleet":
                guard let n = Int(try value()), (1...100_000).contains(n) else { throw BenchError("--fleet needs a number of terminals") }
                o.fleetTerminals = n
            case "--fleet-s3":
                let repository = try value()
                o.fleetS3 = (repository, try value())
            case "--smoke": o.smoke = true
            case "--polite":
                let sizes = try value().split(separator: ",").compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 10 }) else { throw BenchError("--polite needs sizes in MB, e.g. 200,1024") }
                o.politeSizes = sizes
            case "--scale":
                let sizes = try value().split(separator: ",").compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else { throw BenchError("--scale needs sizes in MB, e.g. 20,200,1024,4096") }
                o.scaleSizes = sizes
            case "--continuous":
                let sizes = try value().split(separator: ",").compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else { throw BenchError("--continuous needs sizes in MB, e.g. 20,200,1024") }
                o.continuousSizes = sizes
            case "--only":
                let parts = Set(try value().split(separator: ",").map(String.init))
                guard !parts.isEmpty, parts.isSubset(of: ["recovery", "latency", "restore"]) else { throw BenchError("--only takes recovery, latency and restore, e.g. --only latency") }
                o.continuousParts = parts
            case "--replica": o.remoteReplica = try value()
            case "--replica-arg": o.remoteArguments.append(try value())
            case "--wal-minutes":
                guard let n = Int(try value()), n >= 1 else { throw BenchError("--wal-minutes needs a number of minutes") }
                o.walMinutes = n
            case "--window-s":
                guard let n = Int(try value()), n >= 5 else { throw BenchError("--window-s needs a number of seconds, at least 5") }
                o.windowSeconds = n
            case "--runs":
                guard let n = Int(try value()), n >= 1 else { throw BenchError("--runs needs a number of at least 1") }
                o.runs = n
            case "-h", "--help": print(usage); exit(0)
            default: throw BenchError("unknown argument \(args[i])\n\(usage)")
            }
            i += 1
        }
        if o.consoleOnly && o.scaleSizes == nil { throw BenchError("--console goes with --scale MB,...\n\(usage)") }
        if o.smoke {
            if !sizeGiven { o.sizeMB = 10 }
            o.baselineSeconds = 1
            o.skipConsole = true
        } else if o.quick {
            if !sizeGiven { o.sizeMB = 100 }
            o.baselineSeconds = 5
        }
        return o
    }
}
