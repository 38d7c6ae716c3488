import ArgumentParser
import BackupEngine
import DemoShop
import Foundation

/// `demo [--size-mb N] [--data-dir DIR]`: build the demo shop.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the demo shop: a POS database with realistic data and a backup history.",
        discussion: """
            The data dir is --data-dir, else $MR5_DEMO_DIR, else ./demo-data (ignored by git in the
            checkout). An existing database there is never touched.
            """)

    @Option(name: .customLong("size-mb"), help: ArgumentHelp("About how big the database gets, in MiB.", valueName: "n"))
    var sizeMB: Int = 20

    /// Shared with the other commands so that `--data-dir` reaches this command wherever it
    /// is written (the root declares the same group); here it defaults to the demo dir.
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if !(1...4096).contains(sizeMB) { throw ValidationError("--size-mb must be between 1 and 4096") }
        if global.db != nil { throw ValidationError("demo always creates <data dir>/mr5-pos.db: use --data-dir, not --db") }
    }

    func run() throws {
        let dir = DemoDirectory.resolve(explicit: global.dataDir)
        try global.actAsOwner(dataDir: dir, creating: true)
        let report = try DemoShop.create(at: dir, sizeMB: sizeMB)
        let counts = Dictionary(report.rowCounts.map { ($0.table, $0.rows) }, uniquingKeysWith: { a, _ in a })
        let engine = BackupEngine(layout: DataLayout(dataDir: report.dataDir))
        let entries = engine.listBackups()
        func count(_ kinds: Set<BackupKind>) -> Int { entries.filter { kinds.contains($0.kind) }.count }
        let dirArg = report.dataDir.contains(" ") ? "'\(report.dataDir)'" : report.dataDir
        print("Demo shop ready in \(report.dataDir) (\(CLIFormat.seconds(report.seconds)))")
        print("  mr5-pos.db  \(ByteCount.format(report.databaseBytes)), WAL mode, \(counts["orders"] ?? 0) orders, \(counts["customers"] ?? 0) customers")
        print("  backups     \(count([.scheduled, .manual])) scheduled/manual, \(count([.preUpdate])) pre-update, \(count([.legacySQL])) legacy .sql; history with \(report.failedAttempts) failed attempt")
        print("Try:")
        print("  mr5-backup --data-dir \(dirArg) list")
        print("  mr5-backup --data-dir \(dirArg) status")
        print("  mr5-backup --data-dir \(dirArg)            (the console)")
    }
}
