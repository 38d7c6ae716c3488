import ArgumentParser
import BackupEngine
import Foundation

/// `--data-dir`, `--db` and `--busy-timeout`, on every command that works on a data dir.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The POS data dir (default: $MR5_POS_DATA_DIR, else ${XDG_CONFIG_HOME:-~/.config}/mr5-pos).",
                               valueName: "dir"))
    var dataDir: String?

    @Option(name: .customLong("db"),
            help: ArgumentHelp("The live database (default: <data dir>/mr5-pos.db).", valueName: "file"))
    var db: String?

    /// How long SQLite waits on a lock the POS holds before giving up; a slow shop PC
    /// under a long write transaction may need more than the default.
    @Option(name: .customLong("busy-timeout"),
            help: ArgumentHelp("Seconds to wait for a lock held by the POS app before failing (1-3600).", valueName: "seconds"))
    var busyTimeout: Int = 30

    /// Only for root on a data dir root owns (a recovery into a folder root just made):
    /// the user to give the data dir to, so the POS app can open what is created in it.
    @Option(name: .customLong("owner"),
            help: ArgumentHelp("As root on a data dir root owns: give it to this user first (the POS app's user), or 'root' to keep it root's.",
                               valueName: "user"))
    var owner: String?

    func validate() throws {
        guard (1...3600).contains(busyTimeout) else {
            throw ValidationError("--busy-timeout must be between 1 and 3600 seconds, not \(busyTimeout)")
        }
    }

    /// Where everything lives, from the options and the environment.
    func layout() -> DataLayout {
        DataLayout.resolve(dataDir: dataDir, database: db)
    }

    /// An engine on the resolved data dir. A missing data dir is refused here (exit 2):
    /// a typo must not look like a shop without backups.
    func makeEngine() throws -> BackupEngine {
        try actAsOwner()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: layout().dataDir, isDirectory: &isDir), isDir.boolValue else {
            throw BackupError.dataDirNotFound(path: layout().dataDir)
        }
        let layout = try layout().resolvingDatabaseLink()
        let engine = BackupEngine(layout: layout, busyTimeoutSeconds: busyTimeout)
        CLIContext.engine = engine
        return engine
    }

    /// As root over a data dir another user owns, becomes that user before anything in it
    /// is opened (`OwnerSwitch`), and says so once on stderr (stdout stays clean for
    /// `--json` and Nagios).
    /// `creating`: the command makes the data dir when it is missing (`demo`): then root
    /// first becomes the owner of the folder it will be made in.
    func actAsOwner(dataDir: String? = nil, creating: Bool = false) throws {
        let given = dataDir.map { DataLayout(dataDir: $0) } ?? layout()
        var dir = given.dataDir
        if creating && !FileSystem.exists(dir) { dir = FileSystem.parent(of: dir) }
        let giveTo = try owner.map { name -> OwnerSwitch.Owner in
            guard let user = OwnerSwitch.Owner.named(name) else { throw CLIError.usage("--owner \(name): no such user") }
            // Only for a recovery into a folder with no database yet: on a working shop it
            // would give away whatever root had left there.
            if FileSystem.exists(given.databasePath) {
                throw CLIError.usage("--owner is for a data dir with no database yet (a recovery); \(given.databasePath) exists")
            }
            if geteuid() == 0, let current = OwnerSwitch.Owner.of(dir), current.uid != 0, current.uid != user.uid {
                throw CLIError.usage("--owner \(user.name): the data dir \(dir) already belongs to \(current.name)")
            }
            return user
        }
        // Checked before the switch too: root can see whose folder a link leads to.
        try DataLayout(dataDir: dir).checkFolderLinks()
        let outcome = try OwnerSwitch.actAsOwner(of: dir, databasePath: given.databasePath, giveTo: giveTo)
        try DataLayout(dataDir: dir).checkFolderLinks()
        guard let user = outcome.user else { return }
        Terminal.note("running as \(user), the owner of \(dir)")
        if let first = outcome.handedBack.first {
            let count = outcome.handedBack.count
            Terminal.note("gave \(count) \(count == 1 ? "file" : "files") left by root back to \(user) (\(first)\(count > 1 ? ", …" : ""))")
        }
    }

    /// As root on a data dir root owns, a command that would create the live database
    /// must be told who the POS app runs as: a root-owned database is one it cannot open.
    func requireOwnerForNewDatabase() throws {
        let layout = layout()
        guard geteuid() == 0, owner == nil, OwnerSwitch.switchedTo == nil,
              OwnerSwitch.Owner.of(layout.dataDir)?.uid == 0, !FileSystem.exists(layout.databasePath) else { return }
        throw CLIError.usage("the data dir \(layout.dataDir) belongs to root, so the restored \(FileSystem.fileName(of: layout.databasePath)) would be root's and the POS app could not open it: add --owner USER (the POS app's user), or --owner root")
    }

    /// A backup NAME as given: a file name as `list` shows it, or a full path as `create`
    /// prints it when its folder is this data dir's backups/ or backups/pre-update/
    /// (copy-pasting the printed path must work). Any other path is refused (exit 2).
    func backupName(_ given: String) throws -> String {
        guard given.contains("/") else { return given }
        let layout = layout()
        let url = URL(fileURLWithPath: given)
        let parent = url.deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().path
        let folders = [layout.backupsDir, layout.preUpdateDir, layout.pointInTimeDir].map {
            URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path
        }
        guard folders.contains(parent), !url.lastPathComponent.isEmpty else {
            throw CLIError.usage(BackupError.invalidBackupName(given).description
                                 + " (give the file name only, as 'mr5-backup list' shows it)")
        }
        return url.lastPathComponent
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
