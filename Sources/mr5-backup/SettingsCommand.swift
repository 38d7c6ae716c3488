import ArgumentParser
import BackupEngine
import Foundation

/// `settings get KEY`, `settings set KEY VALUE`.
struct Settings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read or change the backup settings (\(SettingKey.allCases.map(\.rawValue).joined(separator: ", "))).",
        subcommands: [SettingsGet.self, SettingsSet.self])
}

struct SettingsGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print a setting's value (the default when it is not set; nothing for a last_backup never made).")

    @Argument(help: ArgumentHelp(SettingKey.listed { _ in true } + "."))
    var key: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let raw = try engine.setting(key)   // refuses an unknown key
        switch key {
        case SettingKey.backupFrequency.rawValue: print(try engine.frequency().settingValue)
        case SettingKey.backupKeep.rawValue: print(engine.retentionPolicy().keepRegular)
        case SettingKey.preUpdateKeep.rawValue: print(engine.retentionPolicy().keepPreUpdate)
        case SettingKey.backupKeepDaily.rawValue: print(engine.retentionPolicy().keepDaily)
        case SettingKey.backupKeepWeekly.rawValue: print(engine.retentionPolicy().keepWeekly)
        case SettingKey.savedKeep.rawValue: print(engine.savedCopiesToKeep())
        case SettingKey.pointInTimeKeep.rawValue: print(engine.momentsToKeep())
        case SettingKey.schedulerExpected.rawValue: print(engine.schedulerExpected())
        case SettingKey.terminalID.rawValue: print(engine.terminalID)
        default:
            // Off-site keys before off-site copies are set up: the count a setup would
            // start with (said to be only that), or nothing with a note.
            if let setting = ContinuousSetting.named(key), raw == nil {
                print(setting.standard)
                return Terminal.note("continuous protection is not set up: this is the default (mr5-backup continuous init --replica DIR)")
            }
            let offsite = SettingKey(rawValue: key).map { $0.home == .offsite } ?? false
            guard offsite && raw == nil else { return print(raw ?? "") }
            if let count = OffsiteConfig(repository: "", options: [], configuredAt: Date())[keep: key] {
                print(count)
                Terminal.note("off-site copies are not set up: this is the default (mr5-backup offsite init --repository REPO)")
            } else {
                Terminal.note("off-site copies are not set up (mr5-backup offsite init --repository REPO)")
            }
        }
    }
}

struct SettingsSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a setting: backup_frequency (off, hourly, daily, weekly, or 30m, 3h, 1d...), or \(SettingKey.listed { $0.isWritable && $0 != .backupFrequency }).",
        discussion: "A running scheduler (console or daemon) picks up a new frequency without a restart.")

    @Argument(help: ArgumentHelp(SettingKey.listed(\.isWritable) + "."))
    var key: String

    // .allUnrecognized: "-3h" must reach the engine's validator and be refused, not be read
    // as "-h" (help, exit 0). Exactly one value is allowed (validate()).
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The new value.", valueName: "value"))
    var captured: [String] = []

    /// What was given, without the "--" that ends the options (it is captured too,
    /// and the `settings set backup_frequency -- 3h` form in docs/cli.md must keep working).
    private var values: [String] {
        guard let end = captured.firstIndex(of: "--") else { return captured }
        var rest = captured
        rest.remove(at: end)
        return rest
    }

    private var value: String { values.first ?? "" }

    func validate() throws {
        guard values.count == 1 else {
            throw ValidationError(values.isEmpty ? "missing the new value (e.g. 'settings set backup_frequency 3h')"
                                                 : "give one value, not \(values.count): \(values.joined(separator: " "))")
        }
    }

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        switch key {
        case SettingKey.backupFrequency.rawValue:
            let frequency = try engine.setFrequency(value, trigger: .cli)
            print("backup_frequency = \(frequency.settingValue)")
        case let key where BackupEngine.retentionKeys[key] != nil:
            guard let count = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw BackupError.invalidSetting(key: key, value: value, reason: "give a whole number of backups between 1 and 1000")
            }
            try engine.setRetention(key, count)
            print("\(key) = \(count)")
        case SettingKey.schedulerExpected.rawValue:
            let expected = try engine.setSchedulerExpected(value)
            print("scheduler_expected = \(expected)")
        case SettingKey.terminalID.rawValue:
            print("terminal_id = \(try engine.setTerminalID(value))")
        case let key where OffsiteConfig.keepKeys.contains(key):
            guard let count = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw BackupError.invalidSetting(key: key, value: value, reason: "give a whole number of snapshots between 0 and 1000")
            }
            try engine.setOffsiteKeep(key, count)
            print("\(key) = \(count)")
        case let key where ContinuousSetting.named(key) != nil:
            let setting = ContinuousSetting.named(key)!
            guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw BackupError.invalidSetting(key: key, value: value, reason: "give a whole number of \(setting.unit) between \(setting.range.lowerBound) and \(setting.range.upperBound)")
            }
            try engine.setContinuous(setting, number)
            print("\(key) = \(number) \(setting.unit)")
        case SettingKey.offsiteLimitUpload.rawValue:
            guard let rate = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw BackupError.invalidSetting(key: SettingKey.offsiteLimitUpload.rawValue, value: value, reason: "give KiB/s as a whole number (0: no limit)")
            }
            try engine.setOffsiteLimitUpload(rate)
            print("offsite_limit_upload = \(rate)" + (rate == 0 ? " (no limit)" : " KiB/s"))
        case SettingKey.offsitePrune.rawValue, SettingKey.fleetWatch.rawValue:
            let setting = SettingKey(rawValue: key)!
            print("\(key) = \(try engine.offsite.setFleetSetting(setting, value))")
        default:
            _ = try engine.setting(key)   // an unknown key gets the list of known ones
            throw BackupError.settingNotWritable(key: key, writable: BackupEngine.writableSettings)
        }
    }
}
