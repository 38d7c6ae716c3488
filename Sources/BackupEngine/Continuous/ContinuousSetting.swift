import Foundation

/// The continuous settings kept in its setup (`settings get|set KEY`): each one's unit,
/// range and default in one place, for the engine, the CLI and the docs test.
public struct ContinuousSetting: Sendable {
    public let key: SettingKey
    public let unit: String
    public let range: ClosedRange<Int>
    public let standard: Int

    public static let all: [ContinuousSetting] = [
        ContinuousSetting(key: .continuousKeep, unit: "days", range: 1...3650, standard: 7),
        ContinuousSetting(key: .continuousLagWarning, unit: "seconds", range: 5...86_400, standard: 60),
        ContinuousSetting(key: .continuousLagCritical, unit: "seconds", range: 10...604_800, standard: 900),
        ContinuousSetting(key: .continuousDrillDays, unit: "days", range: 1...365, standard: 7),
    ]

    public static func named(_ key: String) -> ContinuousSetting? { all.first { $0.key.rawValue == key } }
}

extension ContinuousConfig {
    /// A setting's value in this setup (its default when never set).
    public subscript(setting setting: ContinuousSetting) -> Int {
        let kept: Int?
        switch setting.key {
        case .continuousKeep: kept = keepDays
        case .continuousLagWarning: kept = lagWarningSeconds
        case .continuousLagCritical: kept = lagCriticalSeconds
        case .continuousDrillDays: kept = drillDays
        default: kept = nil
        }
        return min(max(kept ?? setting.standard, setting.range.lowerBound), setting.range.upperBound)
    }

    mutating func set(_ setting: ContinuousSetting, _ value: Int) {
        switch setting.key {
        case .continuousKeep: keepDays = value
        case .continuousLagWarning: lagWarningSeconds = value
        case .continuousLagCritical: lagCriticalSeconds = value
        case .continuousDrillDays: drillDays = value
        default: break
        }
    }

    public var lagWarning: TimeInterval { TimeInterval(self[setting: ContinuousSetting.named(SettingKey.continuousLagWarning.rawValue)!]) }
    public var lagCritical: TimeInterval { TimeInterval(self[setting: ContinuousSetting.named(SettingKey.continuousLagCritical.rawValue)!]) }
    public var drillInterval: TimeInterval { TimeInterval(self[setting: ContinuousSetting.named(SettingKey.continuousDrillDays.rawValue)!]) * 86_400 }
}
