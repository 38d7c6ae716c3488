import ArgumentParser
import BackupEngine
import Foundation

/// `verify [NAME] [--all] [--full] [--json]`: re-hash and check backups.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-hash backups and check them with quick_check (--full: integrity_check).",
        discussion: "Without NAME or --all, checks the newest backup. Exit 1 when any check fails.")

    @Argument(help: "The backup to check (default: the newest).")
    var name: String?

    @Flag(help: "Check every backup (legacy .sql files are skipped).")
    var all = false

    @Flag(help: "Run the full integrity_check instead of quick_check (slower).")
    var full = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if all && name != nil { throw ValidationError("give a backup name or --all, not both") }
    }

    func run() throws {
        let engine = try global.makeEngine()
        var names: [String]
        if let given = name {
            let name = try global.backupName(given)
            _ = try engine.backup(named: name)   // a bad or unknown name is refused before anything is touched
            names = [name]
        } else {
            // Backups only; a saved copy is checked when named.
            if let closed = engine.unreadableBackupFolder() { throw closed }
            let sqlite = engine.listBackups().filter(\.kind.isBackup)
            guard let newest = sqlite.first else {
                throw CLIError.failed("no backups to verify in \(engine.layout.backupsDir) (make one with 'mr5-backup create')")
            }
            names = all ? sqlite.map(\.name) : [newest.name]
        }

        var results: [VerifyItemJSON] = []
        for n in names {
            let bar = ProgressBar.make("Verify \(n)")
            do {
                let r = try engine.verify(name: n, full: full, trigger: .cli, progress: bar?.handler)
                bar?.finish()
                results.append(VerifyItemJSON(name: r.name, ok: r.ok, method: r.method, sha256: r.sha256,
                                              hashCompared: r.hashCompared, message: r.message, durationSeconds: r.durationSeconds,
                                              detail: r.detail, recorded: r.recorded))
            } catch let e as BackupError where all {
                // One unreadable file must not stop the others from being checked.
                bar?.finish()
                results.append(VerifyItemJSON(name: n, ok: false, method: full ? "integrity_check" : "quick_check",
                                              sha256: nil, hashCompared: false, message: e.description, durationSeconds: 0))
            }
            if !json, let r = results.last { printResult(r) }
        }
        let ok = results.allSatisfy(\.ok)
        if json {
            try JSONOutput.print(VerifyJSON(ok: ok, results: results))
        } else if results.count > 1 {
            print("\(results.filter(\.ok).count) of \(CLIFormat.count(results.count, "backup")) passed")
        }
        if !ok { throw ExitCode(ErrorExit.failureCode) }
    }

    private func printResult(_ r: VerifyItemJSON) {
        if r.ok {
            print("ok      \(r.name)  \(r.method), SHA-256 \(r.hashCompared ? "matches" : "recorded (no earlier hash)")  \(CLIFormat.seconds(r.durationSeconds))"
                  + (r.recorded ? "" : "  (read-only data dir: not recorded)"))
        } else {
            print("FAILED  \(r.name)  \(r.message ?? "failed")" + (r.recorded ? "" : "  (read-only data dir: not recorded)"))
        }
    }
}
