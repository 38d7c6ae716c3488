import ArgumentParser
import BackupEngine
import Foundation

/// `offsite init --repository REPO [--option K=V]... [--password-file F] [--env-file F]`.
struct OffsiteInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set up off-site copies: create the restic repository, or check that an existing one opens.",
        discussion: """
            REPO is any restic repository: s3:https://host/bucket/shop-12, sftp:backup@nas:/srv/mr5,
            /media/usb/mr5, rest:https://host:8000/shop-12. Without --password-file a new
            password is made and printed once: store it away from this terminal.
            The env file holds KEY=VALUE lines for restic (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY...).
            Password and env file are kept 0600 under backups/.meta/offsite/.
            """)

    @Option(help: ArgumentHelp("The restic repository.", valueName: "repo"))
    var repository: String

    @Option(name: .customLong("option"), help: ArgumentHelp("An extra restic option for the repository, e.g. sftp.command=\"ssh -p 2222 -i /root/.ssh/mr5 backup@nas -s sftp\" (repeatable).", valueName: "key=value"))
    var options: [String] = []

    @Option(name: .customLong("password-file"), help: ArgumentHelp("A file whose first line is the repository's password (for an existing repository, or to choose it).", valueName: "file"))
    var passwordFile: String?

    @Option(name: .customLong("env-file"), help: ArgumentHelp("A file of KEY=VALUE lines for restic's environment (S3 keys and the like).", valueName: "file"))
    var envFile: String?

    @Option(name: .customLong("ssh-key"), help: ArgumentHelp("For an sftp:user@host:/path repository: the private key to log in with (kept 0600 under backups/.meta/offsite/).", valueName: "file"))
    var sshKey: String?

    @Option(name: .customLong("known-hosts"), help: ArgumentHelp("With --ssh-key: the server's host key lines (ssh-keyscan -p PORT HOST); the server is checked against them, never trusted on first use.", valueName: "file"))
    var knownHosts: String?

    @Option(name: .customLong("ssh-port"), help: ArgumentHelp("With --ssh-key: the server's SSH port.", valueName: "port"))
    var sshPort: Int = 22

    @Flag(name: .customLong("same-disk"), help: "Allow a repository folder on the data dir's own disk (to try it out: it does not survive a dead disk).")
    var sameDisk = false

    @Option(name: .customLong("key-hint"), help: ArgumentHelp("The id of the key the password opens (restic tries at most 20 keys without it: a chain of more tills needs it).", valueName: "id"))
    var keyHint: String?

    @OptionGroup var limit: OffsiteTimeout
    @OptionGroup var global: GlobalOptions

    func run() throws {
        // Read before a root run becomes the data dir's owner, who may not read them.
        let password = try passwordFile.map { try GivenFile.read($0, what: "password file") }
        let environment = try envFile.map { try GivenFile.read($0, what: "environment file") }
        if (sshKey == nil) != (knownHosts == nil) {
            throw CLIError.usage("--ssh-key and --known-hosts go together: the server's host key is pinned, never trusted on first use")
        }
        guard (1...65535).contains(sshPort) else { throw CLIError.usage("--ssh-port must be between 1 and 65535, not \(sshPort)") }
        let sftp = try sshKey.map { key in
            SFTPLogin(key: try GivenFile.read(key, what: "SSH key"),
                      knownHosts: try GivenFile.read(knownHosts ?? "", what: "known hosts file"), port: sshPort)
        }
        let engine = try global.makeEngine()
        let result = try limit.service(engine, default: 300).setUp(repository: repository, options: options, passwordFile: password,
                                            environmentFile: environment, sftp: sftp, allowSameDisk: sameDisk,
                                                                   keyHint: keyHint, trigger: .cli)
        print(result.created ? "Created the off-site repository \(result.repository) (restic, repository format 2, compressed)."
                             : "Off-site copies will go to the existing repository \(result.repository).")
        if result.otherInstallSnapshots > 0 {
            Terminal.note("the repository already holds \(CLIFormat.count(result.otherInstallSnapshots, "snapshot")) of terminal \(engine.terminalID) from another machine: unless this one replaces it, set this terminal's own name before the first push (mr5-backup settings set terminal_id NAME)")
        }
        if let password = result.generatedPassword {
            print("Repository password (shown once; store it away from this terminal, e.g. on paper in the safe):")
            print("  \(password)")
            print("Without it the off-site copies cannot be read. This terminal keeps it in \(engine.offsite.paths.password) (0600); another till joins with it (--password-file) and gets a key of its own.")
        }
        if let key = result.keyID, result.chainKeyID != nil {
            print("This terminal opens the repository with a key of its own (\(key)), kept in \(engine.offsite.paths.password) (0600); the chain's password is not kept here."
                  + (result.chainKeyID.map { " The chain's key is \($0) (the admin's --key-hint)." } ?? ""))
        }
        // What a new terminal needs to recover this shop if this one is lost: kept away from it.
        print("Keep these four away from this terminal: a new one recovers the shop with them (docs/operations.md, 'Recovering a lost terminal'):")
        print("  1. the repository: \(result.repository)" + (result.repository.contains("***") ? " (with its password, shown masked here)" : ""))
        print("  2. the password: " + (result.generatedPassword != nil ? "the one shown above" : "the file you gave (\(passwordFile ?? "?"))"))
        print("  3. the storage keys: " + (envFile.map { "the env file you gave (\($0))" } ?? "none given (the repository needs none beyond the password)"))
        let extras = options.map { "--option \(OffsiteConfig.mask($0))" } + (sshKey.map { ["the SSH key \($0) and known hosts \(knownHosts ?? "?")" + (sshPort != 22 ? ", port \(sshPort)" : "")] } ?? [])
        print("  4. the options: " + (extras.isEmpty ? "none" : extras.joined(separator: "; ")))
        print("Every new backup is pushed by the running console or daemon; 'mr5-backup offsite push' pushes now.")
    }
}

/// `offsite status [--json]`.
struct OffsiteStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The repository, the last push, failures, checks, drills and what waits.")

    @Flag(help: "Print as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let status = engine.offsite.status()
        if json { return try JSONOutput.print(OffsiteStatusJSON(status, now: Date())) }
        for line in OffsiteStatusText.lines(status, now: Date()) { print(line) }
    }
}

/// `offsite status` as a person reads it: one line a fact.
enum OffsiteStatusText {
    static func lines(_ s: OffsiteStatus, now: Date) -> [String] {
        guard let config = s.config else {
            return ["Off-site: not set up (mr5-backup offsite init --repository REPO)"]
                + (s.resticInstalled ? [] : ["restic is not installed (apt install restic)"])
        }
        let st = s.state
        var out = ["Off-site: \(config.displayRepository) (terminal \(s.terminal))"]
        if !s.resticInstalled { out.append("restic is not installed (apt install restic): off-site copies are not being made") }
        if let d = st.damage {
            out.append("DAMAGED: found \(CLIFormat.localTime(d.foundAt)) by " + (d.reportedBy.map { "\($0)'s \(d.foundBy)" } ?? "the \(d.foundBy)")
                       + ": \(OneLine.keepingEnd(d.message, limit: 90)); run 'mr5-backup offsite repair'")
        }
        for (what, path) in s.missingFiles {
            out.append("Missing: the \(what) \(path): pushes cannot open the repository (run 'mr5-backup offsite init' again with --password-file / --env-file from the setup)")
        }
        out.append("Last push: " + (st.lastPushAt.map { "\(CLIFormat.localTime($0)) (\(CLIFormat.duration(now.timeIntervalSince($0))) ago), snapshot \(st.lastPushSnapshot ?? "?") of \(st.lastPushBackup ?? "?")" } ?? "none yet"))
        if st.consecutiveFailures > 0 {
            out.append("Failing: \(CLIFormat.count(st.consecutiveFailures, "push", plural: "pushes")) failed in a row, last: \(st.lastFailure ?? "?")"
                       + (st.retryAfter.map { "; next try after \(CLIFormat.localTime($0))" } ?? ""))
        }
        out.append("Waiting to be pushed: " + (s.pending.isEmpty ? "nothing" : "\(s.pending.count) (\(s.pending.prefix(3).joined(separator: ", "))\(s.pending.count > 3 ? ", …" : ""))"))
        if let pushing = s.pushing { out.append("Pushing now: \(pushing)") }
        out.append("Stored: " + (st.snapshots.map { "\(CLIFormat.count($0, "snapshot")), \(ByteCount.format(st.bytesStored ?? 0))" } ?? "not measured yet"))
        out.append("Kept remotely: daily \(config.keepDaily), weekly \(config.keepWeekly), monthly \(config.keepMonthly), pre-update \(config.keepPreUpdate)"
                   + (config.limitUploadKiB.map { "; uploads limited to \($0) KiB/s" } ?? "")
                   + (st.lastForgetAt.map { "; last prune \(CLIFormat.duration(now.timeIntervalSince($0))) ago" } ?? ""))
        if let previous = config.previousRepositories, !previous.isEmpty {
            out.append("Replaced after damage (left in place): " + previous.map(OffsiteConfig.mask).joined(separator: ", "))
        }
        out.append("Last check: " + outcome(st.lastCheck, now: now))
        out.append("Last restore drill: " + outcome(st.lastDrill, now: now))
        return out
    }

    static func outcome(_ o: OffsiteState.Outcome?, now: Date) -> String {
        guard let o else { return "none yet" }
        return "\(o.ok ? "ok" : "FAILED") \(CLIFormat.duration(now.timeIntervalSince(o.at))) ago: \(o.message)"
    }
}
