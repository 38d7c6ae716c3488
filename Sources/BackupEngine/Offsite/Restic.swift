import Foundation

/// The off-site engine: the `restic` program, run as a child process with an argument list.
/// Secrets reach it only through its environment (`RESTIC_REPOSITORY`, the env file's
/// keys) and the password file; never through its arguments, which `ps` shows.
struct Restic {
    let executable: String
    let config: OffsiteConfig
    /// The password and environment files (the kept ones, or ones being tried by `offsite init`).
    let passwordPath: String
    let environmentPath: String
    let cachePath: String
    var cancellation: CancellationFlag? = nil
    /// The engine's clock, to say how old another's lock is (restic ignores faketime).
    var now: @Sendable () -> Date = { Date() }
    /// The most any run may take, whatever its own limit (a person's `--timeout`).
    var timeCap: TimeInterval? = nil

    /// The restic on `PATH`, or `.resticNotInstalled`.
    static func locate() throws -> String {
        guard let path = ChildProgram.locate("restic") else {
            // Found but not ours to run: root's own install (pyenv, /root/bin) after the
            // switch to the data dir's owner.
            if let found = ChildProgram.locate("restic", requireExecutable: false) {
                throw BackupError.programNotExecutable(path: found, who: Ownership.describe(found))
            }
            throw BackupError.resticNotInstalled
        }
        return path
    }

    static var isInstalled: Bool { ChildProgram.locate("restic") != nil }

    /// Runs `restic <global options> <arguments>` and classifies a failure.
    func run(_ action: String, _ arguments: [String], input: ChildProgram.Input = .none,
             output: ChildProgram.Output = .capture, timeLimit: TimeInterval) throws -> ChildProgram.Result {
        let timeLimit = timeCap.map { min($0, timeLimit) } ?? timeLimit
        let program = ChildProgram(executable: executable, arguments: globalArguments + arguments,
                                   environment: try environment(), input: input, output: output,
                                   timeLimit: timeLimit, cancellation: cancellation)
        let result: ChildProgram.Result
        let started = Date()
        do { result = try program.run() } catch let e as BackupError { throw e } catch {
            throw BackupError.offsiteFailed(action: action, reason: "cannot run \(executable): \(error.localizedDescription)", detail: nil)
        }
        if result.cancelled { throw BackupError.cancelled }
        // A restic stopped at the limit may be reported as killed by the signal it got.
        if result.timedOut || (result.signalled && Date().timeIntervalSince(started) >= timeLimit) {
            throw BackupError.offsiteTimedOut(action: action, seconds: Int(timeLimit))
        }
        guard result.status == 0 else { throw classify(action: action, result) }
        return result
    }

    /// What every restic run is given before its command: the cache, the repository's
    /// options, and the shop's upload limit.
    var globalArguments: [String] {
        ["--cache-dir", cachePath] + (config.keyID.map { ["--key-hint", $0] } ?? []) + config.options.flatMap { ["-o", $0] }
            + (config.limitUploadKiB.map { ["--limit-upload", String($0)] } ?? [])
    }

    /// restic's environment: ours without any `RESTIC_*` a shell left behind, then the
    /// env file's keys, then the repository and its password file.
    func environment() throws -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RESTIC_") }
        for (key, value) in try Self.readEnvironmentFile(environmentPath) { env[key] = value }
        env["RESTIC_REPOSITORY"] = config.repository
        env["RESTIC_PASSWORD_FILE"] = passwordPath
        if env["PATH"] == nil { env["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        return env
    }

    /// `KEY=VALUE` lines (blank lines, `#` comments and a leading `export ` allowed;
    /// quotes around a value removed). A missing file is no keys.
    static func readEnvironmentFile(_ path: String) throws -> [(String, String)] {
        guard let data = FileSystem.readFile(path) else { return [] }
        return try parseEnvironment(String(decoding: data, as: UTF8.self), source: path)
    }

    static func parseEnvironment(_ text: String, source: String) throws -> [(String, String)] {
        do { return try EnvironmentFile.parse(text) } catch {
            throw BackupError.offsiteInvalidSetting(what: "environment file", reason: EnvironmentFile.words(error, source: source))
        }
    }

    /// restic's failure in one line a technician can act on; its whole text in `detail`.
    func classify(action: String, _ result: ChildProgram.Result) -> BackupError {
        let text = result.stderr
        let lower = text.lowercased()
        let repo = config.displayRepository
        let fatal = text.split(separator: "\n").first { $0.hasPrefix("Fatal: ") }.map { String($0.dropFirst(7)) }
        // The end of restic's line is its cause ("…: ciphertext verification failed"): a
        // long line is shortened from the front.
        let reason = OneLine.keepingEnd(fatal ?? text.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }).map(String.init)
                                        ?? "restic exited with status \(result.status)", limit: 140)
        if lower.contains("wrong password") { return .offsiteWrongPassword(repository: repo) }
        if result.signalled {
            return .offsiteFailed(action: action, reason: "restic was killed (signal \(result.status)) before it finished", detail: text.isEmpty ? nil : text)
        }
        if lower.contains("repository is already locked") {
            return .offsiteLocked(repository: repo, holder: Self.lockHolder(in: text), ownHost: Self.hostName, now: now())
        }
        if let why = Self.unreachableReason(lower) { return .offsiteUnreachable(repository: repo, reason: why) }
        if Self.saysDamaged(text) {
            // The line that names the damage, not restic's closing "repository contains errors".
            let named = text.split(separator: "\n").map(String.init).last { Self.saysDamaged($0) && !$0.hasPrefix("Fatal: repository contains errors") }
            return .offsiteDamaged(reason: named.map(Self.damageReason) ?? reason, detail: text)
        }
        // "No repository there" only when the backend said so (a missing file, bucket or key);
        // a TLS error or a refused read while opening the config is restic's own line below,
        // and `offsite init` never initialises over it.
        if lower.contains("unable to open config file"),
           ["no such file or directory", "does not exist", "nosuchbucket", "nosuchkey", "404", "not found"].contains(where: lower.contains) {
            return .offsiteRepositoryNotFound(repository: repo)
        }
        return .offsiteFailed(action: action, reason: reason, detail: text.isEmpty ? nil : text)
    }

    static func unreachableReason(_ lower: String) -> String? {
        if lower.contains("connection refused") { return "connection refused" }
        if lower.contains("no such host") || lower.contains("could not resolve hostname") || lower.contains("name or service not known") { return "unknown host" }
        if lower.contains("permission denied (publickey") || lower.contains("permission denied, please try again") { return "SSH login refused (key or user)" }
        if lower.contains("host key verification failed") { return "SSH host key not trusted" }
        if lower.contains("connection timed out") || lower.contains("i/o timeout") { return "connection timed out" }
        if lower.contains("network is unreachable") { return "network is unreachable" }
        if lower.contains("invalidaccesskeyid") || lower.contains("signaturedoesnotmatch") || lower.contains("access denied") { return "the S3 keys were refused" }
        if lower.contains("ssh command exited") || lower.contains("unable to start the sftp session") { return "SSH connection failed" }
        return nil
    }

    /// The lock restic named in its "already locked" message:
    /// `repository is already locked [exclusively ]by PID 1218 on till-9 by pos (UID ...)`
    /// and `lock was created at 2026-12-04 18:37:22 (30m0s ago)` (restic's local time).
    static func lockHolder(in text: String) -> RepositoryLock? {
        let words = text.replacingOccurrences(of: "\n", with: " ").split(separator: " ").map(String.init)
        guard let by = words.firstIndex(of: "PID"), by + 3 < words.count, words[by + 2] == "on",
              let pid = Int32(words[by + 1]) else { return nil }
        let host = words[by + 3]
        var created: Date?
        if let at = words.firstIndex(of: "at"), at + 2 < words.count, words[at - 1] == "created" {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            created = f.date(from: words[at + 1] + " " + words[at + 2])
        }
        guard let created else { return nil }
        return RepositoryLock(host: host, pid: pid, createdAt: created, exclusive: text.contains("locked exclusively"))
    }

    /// This machine's host name, as restic writes it into its locks.
    static var hostName: String {
        var u = utsname()
        guard uname(&u) == 0 else { return "" }
        return withUnsafeBytes(of: &u.nodename) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
