import Foundation

/// A moment as a technician types it, in the till's local time: `2026-12-04 14:03:22`,
/// `2026-12-04 14:03`, `14:03` or `14:03:22` (today), `10 minutes ago`, `2 hours ago`,
/// `90 seconds ago`; an ISO 8601 time with its zone (`2026-12-04T13:03:22Z`) as scripts
/// write it. Pure: the clock and the zone are given.
public enum MomentText {
    public static let examples = "2026-12-04 14:03:22, 14:03 or 10 minutes ago (local time)"

    public static func parse(_ text: String, now: Date, zone: TimeZone = .current) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let ago = secondsAgo(t) { return now.addingTimeInterval(-ago) }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        if t.hasSuffix("z") || t.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) != nil {
            var withColon = t.uppercased()
            if withColon.range(of: #"[+-]\d\d\d\d$"#, options: .regularExpression) != nil {
                withColon.insert(":", at: withColon.index(withColon.endIndex, offsetBy: -2))
            }
            return iso.date(from: withColon)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = t.replacingOccurrences(of: "t", with: " ").split(separator: " ").map(String.init)
        var day = calendar.dateComponents([.year, .month, .day], from: now)
        let clock: String
        switch parts.count {
        case 1: clock = parts[0]
        case 2:
            let ymd = parts[0].split(separator: "-").compactMap { Int($0) }
            guard ymd.count == 3, parts[0].split(separator: "-").count == 3 else { return nil }
            day.year = ymd[0]; day.month = ymd[1]; day.day = ymd[2]
            clock = parts[1]
        default: return nil
        }
        let hms = clock.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard (2...3).contains(hms.count), hms.allSatisfy({ $0 != nil }) else { return nil }
        let h = hms[0]!, m = hms[1]!, s = hms.count == 3 ? hms[2]! : 0
        guard (0...23).contains(h), (0...59).contains(m), (0...59).contains(s),
              let month = day.month, (1...12).contains(month), let d = day.day, (1...31).contains(d) else { return nil }
        day.hour = h; day.minute = m; day.second = s
        // 2026-02-30 is not a day, and 02:30 on the night clocks go forward is not a time:
        // the date must say back what was typed.
        guard let date = calendar.date(from: day) else { return nil }
        let back = calendar.dateComponents([.day, .hour, .minute, .second], from: date)
        guard back.day == d, back.hour == h, back.minute == m, back.second == s else { return nil }
        return date
    }

    /// `parse`, or `.invalidMoment` naming the forms it reads.
    public static func read(_ text: String, now: Date, zone: TimeZone = .current) throws -> Date {
        guard let date = parse(text, now: now, zone: zone) else { throw BackupError.invalidMoment(text: text) }
        return date
    }

    /// `10 minutes ago`, `1 hour ago`, `90 s ago`: the seconds, or nil.
    private static func secondsAgo(_ t: String) -> TimeInterval? {
        let words = t.split(separator: " ").map(String.init)
        // Whole numbers of at most six digits: `1e300`, `0x10` and `1.5` are not what a person types.
        guard words.count == 3, words[2] == "ago", words[0].count <= 6, words[0].allSatisfy(\.isASCII),
              let n = Int(words[0]), n >= 0 else { return nil }
        let units: [String: TimeInterval] = ["s": 1, "sec": 1, "second": 1, "seconds": 1,
                                             "m": 60, "min": 60, "minute": 60, "minutes": 60,
                                             "h": 3600, "hour": 3600, "hours": 3600, "day": 86_400, "days": 86_400]
        return units[words[1]].map { Double(n) * $0 }
    }

    /// `2026-12-04 14:03:22` in the given zone: how a moment is named back to a person.
    public static func format(_ date: Date, zone: TimeZone = .current) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }
}
