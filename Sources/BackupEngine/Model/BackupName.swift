import Foundation

/// Backup file names: how they are made and how a user-supplied name is checked.
///
/// - regular: `backup-YYYY-MM-DD-HHMMSS.db` (UTC), `-2`, `-3`... on a same-second collision
/// - pre-update: `pre-update-v{version}-YYYY-MM-DD-HHMMSS.db`
/// - legacy: `*.sql` in the backups folder
/// - point-in-time: `moment-YYYY-MM-DD-HHMMSS.db` (the moment's UTC second), in its own folder
public enum BackupName {
    static let stampFormat = "yyyy-MM-dd-HHmmss"

    /// `2025-10-27-143000` for a date, in UTC.
    public static func stamp(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// Parses a `YYYY-MM-DD-HHMMSS` stamp (UTC).
    static func date(fromStamp s: Substring) -> Date? {
        let parts = s.split(separator: "-")
        guard parts.count == 4, parts[3].count == 6,
              let y = Int(parts[0]), let mo = Int(parts[1]), let d = Int(parts[2]),
              let hms = Int(parts[3]) else { return nil }
        var c = DateComponents()
        c.year = y; c.month = mo; c.day = d
        c.hour = hms / 10000; c.minute = (hms / 100) % 100; c.second = hms % 100
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return cal.date(from: c)
    }

    /// The name for a new backup; `attempt` > 1 adds the collision suffix.
    public static func make(kind: BackupKind, date: Date, appVersion: String? = nil, attempt: Int = 1) -> String {
        let suffix = attempt > 1 ? "-\(attempt)" : ""
        switch kind {
        case .preUpdate:
            return "pre-update-v\(appVersion ?? "unknown")-\(stamp(date))\(suffix).db"
        case .pointInTime:
            return "moment-\(stamp(date))\(suffix).db"
        default:
            return "backup-\(stamp(date))\(suffix).db"
        }
    }

    /// What a file name in the backup folders is, or nil when it is not one of ours.
    public struct Parsed: Equatable, Sendable {
        public var kind: BackupKind
        public var date: Date?
        public var appVersion: String?
    }

    private static let regular = try! NSRegularExpression(
        pattern: #"^backup-(\d{4}-\d{2}-\d{2}-\d{6})(-\d+)?\.db$"#)
    private static let preUpdate = try! NSRegularExpression(
        pattern: #"^pre-update-v([0-9A-Za-z][0-9A-Za-z._+~-]{0,63})-(\d{4}-\d{2}-\d{2}-\d{6})(-\d+)?\.db$"#)
    private static let moment = try! NSRegularExpression(
        pattern: #"^moment-(\d{4}-\d{2}-\d{2}-\d{6})(-\d+)?\.db$"#)
    private static let legacy = try! NSRegularExpression(
        pattern: #"^[0-9A-Za-z][0-9A-Za-z._-]{0,200}\.sql$"#)

    /// Recognises a name; `inPreUpdateFolder` decides which patterns apply.
    public static func parse(_ name: String, inPreUpdateFolder: Bool) -> Parsed? {
        let range = NSRange(name.startIndex..., in: name)
        if inPreUpdateFolder {
            guard let m = preUpdate.firstMatch(in: name, range: range),
                  let v = Range(m.range(at: 1), in: name), let s = Range(m.range(at: 2), in: name) else { return nil }
            return Parsed(kind: .preUpdate, date: date(fromStamp: name[s]), appVersion: String(name[v]))
        }
        if let m = regular.firstMatch(in: name, range: range), let s = Range(m.range(at: 1), in: name) {
            return Parsed(kind: .scheduled, date: date(fromStamp: name[s]), appVersion: nil)
        }
        if legacy.firstMatch(in: name, range: range) != nil {
            return Parsed(kind: .legacySQL, date: nil, appVersion: nil)
        }
        return nil
    }

    /// A moment kept from the continuous replica (`backups/point-in-time/`).
    public static func parseMoment(_ name: String) -> Parsed? {
        let range = NSRange(name.startIndex..., in: name)
        guard let m = moment.firstMatch(in: name, range: range), let s = Range(m.range(at: 1), in: name) else { return nil }
        return Parsed(kind: .pointInTime, date: date(fromStamp: name[s]), appVersion: nil)
    }

    /// A copy saved by a restore: `<database file name>.corrupted.YYYY-MM-DD-HHMMSS[-N]`
    /// (the reference's name), beside the database.
    public static func parseSaved(_ name: String, databaseFileName: String) -> Parsed? {
        let prefix = databaseFileName + ".corrupted."
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4 || parts.count == 5 else { return nil }
        if parts.count == 5 { guard let n = Int(parts[4]), n >= 2, String(n) == parts[4] else { return nil } }
        guard let date = date(fromStamp: parts.prefix(4).joined(separator: "-")[...]) else { return nil }
        return Parsed(kind: .savedBeforeRestore, date: date, appVersion: nil)
    }

    /// Checks an app version before it becomes part of a file name.
    public static func validateAppVersion(_ version: String) throws {
        let range = NSRange(version.startIndex..., in: version)
        let pattern = try! NSRegularExpression(pattern: #"^[0-9A-Za-z][0-9A-Za-z._+~-]{0,63}$"#)
        guard pattern.firstMatch(in: version, range: range) != nil, !version.contains("..") else {
            throw BackupError.invalidAppVersion(version)
        }
    }
}
