import Foundation

/// How often the scheduler runs, as stored in the `backup_frequency` setting:
/// `off`, `hourly`, `daily`, `weekly`, or a duration such as `30m`, `3h`, `1d`.
public enum BackupFrequency: Sendable, Equatable, CustomStringConvertible {
    case off
    case every(seconds: Int)

    /// The schedule when the setting is missing: every 3 hours, as the POS app always ran.
    public static let defaultFrequency = BackupFrequency.every(seconds: 3 * 3600)
    /// Shorter intervals would keep the POS database under almost constant backup.
    public static let minimumSeconds = 5 * 60
    public static let maximumSeconds = 366 * 86400

    /// Parses a setting value; nil-free: throws `invalidSetting` with the accepted forms.
    public static func parse(_ text: String) throws -> BackupFrequency {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "off", "never", "disabled": return .off
        case "hourly": return .every(seconds: 3600)
        case "daily": return .every(seconds: 86400)
        case "weekly": return .every(seconds: 7 * 86400)
        default: break
        }
        let reason = "use off, hourly, daily, weekly, or a duration such as 30m, 3h, 1d (at least 5m)"
        guard let unit = value.last, let number = Int(value.dropLast()), number > 0 else {
            throw BackupError.invalidSetting(key: "backup_frequency", value: text, reason: reason)
        }
        let multiplier: Int
        switch unit {
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86400
        case "w": multiplier = 7 * 86400
        default: throw BackupError.invalidSetting(key: "backup_frequency", value: text, reason: reason)
        }
        let (seconds, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow, seconds >= minimumSeconds, seconds <= maximumSeconds else {
            throw BackupError.invalidSetting(key: "backup_frequency", value: text, reason: reason)
        }
        return .every(seconds: seconds)
    }

    /// The interval, or nil when off.
    public var interval: TimeInterval? {
        if case .every(let s) = self { return TimeInterval(s) }
        return nil
    }

    /// Canonical setting text: `off`, `hourly`, `daily`, `weekly`, `3h`, `90m`...
    public var settingValue: String {
        switch self {
        case .off: return "off"
        case .every(let s):
            switch s {
            case 3600: return "hourly"
            case 86400: return "daily"
            case 7 * 86400: return "weekly"
            default:
                if s % 86400 == 0 { return "\(s / 86400)d" }
                if s % 3600 == 0 { return "\(s / 3600)h" }
                return "\(s / 60)m"
            }
        }
    }

    /// Short text for screens: `off`, `3h`, `1d`, `30m`.
    public var description: String {
        switch self {
        case .off: return "off"
        case .every(let s):
            if s % 86400 == 0 { return "\(s / 86400)d" }
            if s % 3600 == 0 { return "\(s / 3600)h" }
            if s % 60 == 0 && s >= 3600 { return "\(s / 3600)h\(s % 3600 / 60)m" }
            return "\(s / 60)m"
        }
    }
}
