import ArgumentParser
import BackupEngine
import Foundation

/// `--data-dir` and `--db`, on every command that works on a data dir.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The POS data dir (default: $MR5_POS_DATA_DIR, else ${XDG_CONFIG_HOME:-~/.config}/mr5-pos).",
                               valueName: "dir"))
    var dataDir: String?

    @Option(name: .customLong("db"),
            help: ArgumentHelp("The live database (default: <data dir>/mr5-pos.db).", valueName: "file"))
    var db: String?

    /// Where everything lives, from the options and the environment.
    func layout() -> DataLayout {
        DataLayout.resolve(dataDir: dataDir, database: db)
    }

    /// An engine on the resolved data dir. A missing data dir is refused here (exit 2):
    /// a typo must not look like a shop without backups.
    func makeEngine() throws -> BackupEngine {
        let layout = layout()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: layout.dataDir, isDirectory: &isDir), isDir.boolValue else {
            throw BackupError.invalidArgument("data dir not found: \(layout.dataDir) (check --data-dir or \(DataLayout.environmentVariable))")
        }
        return BackupEngine(layout: layout)
    }
}

/// Where `demo` and `--demo` put the demo shop: `--data-dir`, else `$MR5_DEMO_DIR`, else
/// `./demo-data` (README's `swift run mr5-backup --demo` runs in the checkout, whose
/// .gitignore ignores `/demo-data/`).
enum DemoDirectory {
    static let environmentVariable = "MR5_DEMO_DIR"

    static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment[environmentVariable], !env.isEmpty { return env }
        return "demo-data"
    }
}
