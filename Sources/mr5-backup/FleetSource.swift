import ArgumentParser
import BackupEngine
import Foundation

/// Where `fleet` reads the repository: on a till, its own off-site setup (`--data-dir`);
/// on the admin's machine, `--repository` with the chain's password file, the storage keys'
/// env file, past restic's 20 keys the key's id, and a `--state` folder for the alert memory,
/// restic's cache and the notification targets.
struct FleetSource: ParsableArguments {
    @Option(help: ArgumentHelp("On the admin's machine: the restic repository (else this till's off-site setup).", valueName: "repo"))
    var repository: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("With --repository: a file whose first line is the password.", valueName: "file"))
    var passwordFile: String?

    @Option(name: .customLong("env-file"), help: ArgumentHelp("With --repository: KEY=VALUE lines for restic's environment (S3 keys).", valueName: "file"))
    var envFile: String?

    @Option(name: .customLong("option"), help: ArgumentHelp("With --repository: an extra restic option (repeatable).", valueName: "key=value"))
    var options: [String] = []

    @Option(name: .customLong("key-hint"), help: ArgumentHelp("With --repository: the id of the key the password opens (restic tries at most 20 keys without it).", valueName: "id"))
    var keyHint: String?

    @Option(help: ArgumentHelp("With --repository: a folder for the alert memory, restic's cache and notification targets (mr5-backup notify add URL --data-dir DIR).", valueName: "dir"))
    var state: String?

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    var isAdmin: Bool { repository != nil }

    func validate() throws {
        if repository == nil {
            if passwordFile != nil || envFile != nil || keyHint != nil || state != nil || !options.isEmpty {
                throw ValidationError("--password-file, --env-file, --option, --key-hint and --state go with --repository (on a till the off-site setup is used)")
            }
        } else if passwordFile == nil {
            throw ValidationError("--repository needs --password-file (a file whose first line is the repository's password)")
        }
    }

    /// The reader, and the engine whose notification targets and folder keep the alerts
    /// (the till's own; the admin's `--state` folder, nil without one).
    func open(defaultTimeout: Int) throws -> (reader: FleetReader, engine: BackupEngine?, memoryPath: String?) {
        let cancellation = Interrupts.cancellationFlag(saying: "stopping restic...")
        guard let repository else {
            let engine = try global.makeEngine()
            let offsite = limit.service(engine, default: defaultTimeout)
            return (try FleetReader.onTill(offsite), engine, offsite.fleetWatchPath)
        }
        let password = try GivenFile.read(passwordFile ?? "", what: "password file")
        let env = try envFile.map { try GivenFile.read($0, what: "environment file") }
        var engine: BackupEngine?
        if let state {
            // The admin's own folder: what it holds decides what runs (notification commands),
            // so it is this user's and no one else may write it; nobody's identity is taken.
            try Self.checkOwnFolder(state)
            engine = BackupEngine(layout: DataLayout(dataDir: state))
        }
        // The secrets go to restic in private files of ours, never on its command line.
        let folder = try FleetSource.privateFolder()
        let passwordPath = folder + "/password"
        try FileSystem.writeAtomically(password.data, to: passwordPath)
        var envPath: String?
        if let env {
            envPath = folder + "/env"
            try FileSystem.writeAtomically(env.data, to: envPath!)
        }
        let reader = try FleetReader.forAdmin(repository: repository, passwordFile: passwordPath, environmentFile: envPath,
                                              keyHint: keyHint, options: options, cacheDirectory: state.map { $0 + "/cache" } ?? folder + "/cache",
                                              timeCap: TimeInterval(limit.timeout ?? defaultTimeout), cancellation: cancellation)
        return (reader, engine, state.map { $0 + "/fleet-watch.json" })
    }

    /// `--state DIR`: a folder (not a link) of the user running this, writable by no one else.
    static func checkOwnFolder(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw BackupError.dataDirNotFound(path: path) }
        let reason: String?
        if st.st_mode & S_IFMT == S_IFLNK { reason = "it is a symbolic link (name the folder itself)" }
        else if st.st_mode & S_IFMT != S_IFDIR { reason = "it is not a folder" }
        else if st.st_uid != geteuid() { reason = "it belongs to another user (uid \(st.st_uid)); use a folder of your own" }
        else if st.st_mode & 0o022 != 0 { reason = "others may write in it (chmod go-w \(path))" }
        else { reason = nil }
        if let reason { throw BackupError.offsiteInvalidSetting(what: "state folder", reason: "\(path): \(reason)") }
    }

    /// A new 0700 folder of this run's own (`mkdtemp`: never a name someone could have
    /// made first) for the secrets, removed when the command exits. Folders left by runs
    /// that were killed (SIGKILL, a closed session) are removed first.
    static func privateFolder() throws -> String {
        sweepLeftovers()
        var template = Array((NSTemporaryDirectory() + "/mr5-fleet-\(getpid())-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BackupError.system(operation: "make a temp folder in", path: NSTemporaryDirectory(), errno: Errno(errno))
        }
        let folder = String(cString: made)
        madeFolder = folder
        atexit { if let folder = FleetSource.madeFolder { try? FileManager.default.removeItem(atPath: folder) } }
        return folder
    }

    /// `mr5-fleet-<pid>-*` folders of this user whose process is gone.
    static func sweepLeftovers() {
        let tmp = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("mr5-fleet-") {
            let parts = name.split(separator: "-")
            guard parts.count == 4, let pid = Int32(parts[2]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            var st = stat()
            guard lstat(tmp + "/" + name, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == geteuid() else { continue }
            try? FileManager.default.removeItem(atPath: tmp + "/" + name)
        }
    }

    /// Set once, before `atexit` may read it (one command per process).
    nonisolated(unsafe) static var madeFolder: String?
}
