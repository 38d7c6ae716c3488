import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Setting up off-site copies: the repository checked (or made) before anything is kept.
extension OffsiteService {

    /// Sets up off-site copies: checks that `repository` opens with the password (or
    /// initialises it, format 2 with compression, when there is none yet) before anything
    /// is kept; then keeps the repository, options, password and environment file.
    /// A wrong password, a path with no repository behind it or a server that does not
    /// answer changes no file.
    ///
    /// A local folder must be on another filesystem than the data dir (a USB drive, a second
    /// disk), unless `allowSameDisk`: a drive that is not mounted leaves its mount point an
    /// empty folder on the terminal's own disk, and copies there die with it.
    ///
    /// `sftp`: a key and pinned host key of this terminal's own for an SFTP repository,
    /// kept beside the password; restic then logs in with them and nothing else.
    public func setUp(repository: String, options: [String] = [], passwordFile: GivenFile? = nil,
                            environmentFile: GivenFile? = nil, sftp: SFTPLogin? = nil, allowSameDisk: Bool = false,
                            keyHint: String? = nil, trigger: Trigger = .cli) throws -> OffsiteInitResult {
        try ResticKey.checkHint(keyHint)
        let repository = repository.trimmingCharacters(in: .whitespaces)
        guard !repository.isEmpty else { throw BackupError.offsiteInvalidSetting(what: "repository", reason: "it is empty") }
        guard !repository.contains(where: \.isNewline) else { throw BackupError.offsiteInvalidSetting(what: "repository", reason: "it has several lines") }
        for option in options where !option.contains("=") || option.contains(where: \.isNewline) || option.hasPrefix("=") {
            throw BackupError.offsiteInvalidSetting(what: "option", reason: "\(OffsiteConfig.mask(option)) is not key=value on one line")
        }
        if let folder = RepositoryAddress.localFolder(repository) {
            // restic would make the whole path: an unmounted USB drive would then fill the
            // terminal's own disk while the technician believes the copies are off-site.
            let parent = FileSystem.parent(of: folder)
            guard FileSystem.isDirectory(parent) else {
                throw BackupError.offsiteInvalidSetting(what: "repository", reason: "the folder \(parent) does not exist (is the drive mounted?)")
            }
            if !allowSameDisk, FileSystem.sharesDevice(folder, with: layout.dataDir) {
                throw BackupError.offsiteRepositoryOnSameDisk(folder: folder)
            }
        }
        var options = options
        if let sftp {
            guard let destination = SFTPLogin.destination(of: repository) else {
                throw BackupError.offsiteInvalidSetting(what: "SSH key", reason: "it is for an sftp:user@host:/path repository")
            }
            guard !options.contains(where: { $0.hasPrefix("sftp.command=") }) else {
                throw BackupError.offsiteInvalidSetting(what: "SSH key", reason: "give it or an sftp.command option, not both")
            }
            guard sftp.knownHosts.text.contains(where: { !$0.isWhitespace }) else {
                throw BackupError.offsiteInvalidSetting(what: "known hosts file", reason: "\(sftp.knownHosts.path) holds no host key")
            }
            guard let option = SFTPLogin.option(destination: destination, port: sftp.port, keyPath: paths.sshKey,
                                                knownHostsPath: paths.knownHosts) else {
                throw BackupError.offsiteInvalidSetting(what: "SSH key", reason: "the data dir's path holds a space, comma or quote, which restic's sftp.command cannot carry; give an sftp.command option instead")
            }
            options.append(option)
        }
        let given = try passwordFile.map { try Self.password(in: $0.data, source: $0.path) }
        let environment = try environmentFile.map { file -> String in
            _ = try Restic.parseEnvironment(file.text, source: file.path)
            return file.text
        }
        guard FileSystem.isDirectory(layout.dataDir) else { throw BackupError.dataDirNotFound(path: layout.dataDir) }
        let executable = try Restic.locate()
        try engine.requireWritable([layout.backupsDir, layout.metaDir])

        // A refused setup leaves nothing behind but its line in the history: not the off-site
        // folder it made for its lock, nor restic's cache of a repository it did not keep.
        let hadFolder = FileSystem.isDirectory(paths.directory)
        let hadCache = FileSystem.isDirectory(paths.cache)
        let madeHere = [layout.metaDir, layout.preUpdateDir, layout.backupsDir].filter { !FileSystem.isDirectory($0) }
        do {
            return try keep(repository: repository, options: options, given: given, environment: environment, sftp: sftp,
                            keyHint: keyHint, executable: executable, trigger: trigger)
        } catch {
            if !hadFolder {
                try? FileManager.default.removeItem(atPath: paths.directory)
            } else if !hadCache {
                try? FileManager.default.removeItem(atPath: paths.cache)
            }
            // The backup folders the setup made for its files, when they are still empty
            // (innermost first; `rmdir` never removes anything in them).
            for dir in madeHere { _ = rmdir(dir) }
            throw error
        }
    }

    /// Tries the repository with the password and keys from temp files, and keeps them
    /// only once it opened (or was made).
    private func keep(repository: String, options: [String], given: String?, environment: String?, sftp: SFTPLogin?,
                      keyHint: String?, executable: String, trigger: Trigger) throws -> OffsiteInitResult {
        try engine.recorded(.offsiteInit, trigger: trigger, failureLog: "Off-site setup failed: ") { run in
            try layout.ensureDirectories()
            let lock = try DataDirLock.offsite.take(layout, for: "offsite-init", now: clock.now(), wait: 60)
            defer { lock.release() }

            // The password: the one given, else the one kept for this same repository, else a new one.
            let old = self.config()
            let keptPassword = old?.repository == repository ? (try? readPasswordFile(paths.password)) : nil
            let generated = given == nil && keptPassword == nil ? Self.makePassword() : nil
            let password = given ?? keptPassword ?? generated!

            // Tried from temp files: nothing is kept until the repository opened.
            let tmpPassword = FileSystem.temporaryPath(in: paths.directory, label: "password")
            let tmpEnvironment = FileSystem.temporaryPath(in: paths.directory, label: "env")
            defer { try? FileSystem.remove(tmpPassword); try? FileSystem.remove(tmpEnvironment) }
            try FileSystem.writeAtomically(Data((password + "\n").utf8), to: tmpPassword)
            let environmentText = environment ?? (old?.repository == repository ? FileSystem.readFile(paths.environment).map { String(decoding: $0, as: UTF8.self) } : nil)
            if let environmentText { try FileSystem.writeAtomically(Data(environmentText.utf8), to: tmpEnvironment) }
            // The login files where the option names them (a failed setup takes them away again).
            var keptLogin = false
            if let sftp {
                try FileSystem.writeAtomically(sftp.key.data, to: paths.sshKey)
                try FileSystem.writeAtomically(sftp.knownHosts.data, to: paths.knownHosts)
            }
            defer { if sftp != nil && !keptLogin { try? FileSystem.remove(paths.sshKey); try? FileSystem.remove(paths.knownHosts) } }

            var config = OffsiteConfig(repository: repository, options: options, configuredAt: clock.now())
            let ownKey = old?.repository == repository && keptPassword != nil && given == nil ? old?.keyID : nil
            config.keyID = ownKey ?? keyHint
            if let folder = RepositoryAddress.localFolder(repository), let mount = FileSystem.mountIdentity(folder) {
                config.repositoryMount = mount.mountPoint
                config.repositoryFilesystem = mount.filesystemID
            }
            if let old {
                config.keepDaily = old.keepDaily; config.keepWeekly = old.keepWeekly; config.keepMonthly = old.keepMonthly
                if old.repository == repository { config.configuredAt = old.configuredAt }
            }
            if let old { config.pruneByAdmin = old.pruneByAdmin; config.fleetWatch = old.fleetWatch }
            if ownKey != nil { config.chainKeyID = old?.chainKeyID }
            let clock = engine.clock
            let restic = Restic(executable: executable, config: config, passwordPath: tmpPassword,
                                environmentPath: tmpEnvironment, cachePath: paths.cache, cancellation: cancellation,
                                now: { clock.now() }, timeCap: timeCap)
            var created = false
            do {
                try restic.open()
            } catch BackupError.offsiteRepositoryNotFound {
                try restic.initialise()
                created = true
            } catch BackupError.offsiteWrongPassword where generated != nil {
                // No password was given and none is kept: the repository there is another's
                // setup (a recovery, a second till), whose password is needed, not a new one.
                throw BackupError.offsitePasswordNeeded(repository: config.displayRepository)
            }

            // An existing repository may already hold this terminal id from another machine:
            // said now, before a push mixes the two shops under one name (read while the
            // password is still at the path restic was given).
            var others = 0
            if !created, let install = installID(), let list = try? snapshots(restic, allHosts: false, host: terminalID) {
                others = list.filter { $0.installID != nil && $0.installID != install }.count
            }
            // A key of this till's own: the password given (the chain's) is used for this once
            // and not kept, so this till's key can be revoked alone. A password made here is
            // the repository's first key, this till's, shown once for a recovery.
            if ownKey == nil && given == nil && created {
                config.keyID = try Self.onlyKey(in: repository) ?? restic.keys().first(where: \.current).map { String($0.id.prefix(8)) }
            } else if ownKey == nil && given != nil {
                let keys = try addOwnKey(restic, replacing: tmpPassword,
                                         previous: old?.repository == repository ? old?.keyID : nil)
                config.keyID = keys.own
                config.chainKeyID = keys.chain
            }
            keptLogin = true
            config.usesEnvironmentFile = environmentText != nil
            try FileSystem.renameDurably(tmpPassword, to: paths.password)
            if environmentText != nil {
                try FileSystem.renameDurably(tmpEnvironment, to: paths.environment)
            } else {
                try? FileSystem.remove(paths.environment)
            }
            try FileSystem.writeAtomically(try MetadataStore.encoder.encode(config), to: paths.config)
            if old?.repository != repository {
                // Another repository: what was pushed before is not in this one.
                try updateState { $0 = OffsiteState() }
                clearPushMarks()
            }
            let message = created ? "created the off-site repository \(config.displayRepository)"
                                  : "off-site copies go to the existing repository \(config.displayRepository)"
            engine.record(run.entry(outcome: .success, message: message))
            logger.info("\(message)")
            return OffsiteInitResult(repository: config.displayRepository, created: created, generatedPassword: generated,
                                     otherInstallSnapshots: others, keyID: config.keyID, chainKeyID: config.chainKeyID)
        }
    }

    /// A new folder repository's one key, read from its `keys` folder (no restic run).
    static func onlyKey(in repository: String) -> String? {
        guard let folder = RepositoryAddress.localFolder(repository) else { return nil }
        let keys = keyFiles(in: folder)
        return keys.count == 1 ? String(keys[0].prefix(8)) : nil
    }

    /// 32 random bytes, as 64 hex digits (easy to copy from a screen onto paper).
    static func makePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    private func readPasswordFile(_ path: String) throws -> String {
        guard let data = FileSystem.readFile(path) else {
            throw BackupError.offsiteInvalidSetting(what: "password file", reason: "cannot read \(path)")
        }
        return try Self.password(in: data, source: path)
    }

    /// The first line of a password file.
    static func password(in data: Data, source path: String) throws -> String {
        let first = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard !first.isEmpty else { throw BackupError.offsiteInvalidSetting(what: "password file", reason: "\(path) has no password on its first line") }
        return first
    }
}
