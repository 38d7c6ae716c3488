import Foundation

/// ISO-8601 dates with milliseconds for our own files (metadata, history, lock and state
/// files). Names and plain `.iso8601` keep whole seconds only, and two backups made in the
/// same second must still sort in the order they were made. Reading accepts both forms.
///
/// Our own form (`2026-11-27T08:45:36.198Z`, UTC) is written and read by hand: a console
/// over 1,000 backups and 10,000 history lines decodes some 11,000 dates per refresh, and
/// an `ISO8601DateFormatter` per date (it is not Sendable, so it cannot be shared) cost
/// 70% of a busy core (docs/BENCHMARKS.md). Any other ISO-8601 form still goes through
/// the formatter.
enum PreciseDate {
    static func encode(_ date: Date, _ encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string(date))
    }

    static func decode(_ decoder: Decoder) throws -> Date {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        if let d = parse(text) { return d }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO-8601 date: \(text)")
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC.
    static func string(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = millis - seconds * 1000
        let civil = CivilTime(epochSeconds: seconds)
        return pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2) + "T" + pad(civil.hour, 2) + ":"
            + pad(civil.minute, 2) + ":" + pad(civil.second, 2) + "." + pad(ms, 3) + "Z"
    }

    /// Our form, with or without fractional seconds; anything else through the formatter.
    static func parse(_ text: String) -> Date? {
        if let d = parseUTC(text) { return d }
        return formatter(fractional: true).date(from: text) ?? formatter(fractional: false).date(from: text)
    }

    /// `yyyy-MM-ddTHH:mm:ss[.f...]Z`, or nil for any other shape (or an impossible date).
    static func parseUTC(_ text: String) -> Date? {
        var utf8 = text.utf8[...]
        guard utf8.count >= 20, utf8.last == UInt8(ascii: "Z") else { return nil }
        func number(_ width: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<width {
                guard let byte = utf8.first, byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
                utf8 = utf8.dropFirst()
            }
            return value
        }
        func expect(_ ch: Character) -> Bool {
            guard utf8.first == ch.asciiValue else { return false }
            utf8 = utf8.dropFirst()
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("T"),
              let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        var fraction = 0.0
        if expect(".") {
            var scale = 0.1
            var digits = 0
            while let byte = utf8.first, byte >= 0x30, byte <= 0x39 {
                fraction += Double(byte - 0x30) * scale
                scale /= 10
                digits += 1
                utf8 = utf8.dropFirst()
            }
            guard digits > 0 else { return nil }
        }
        guard expect("Z"), utf8.isEmpty else { return nil }
        let epoch = CivilTime.epochSeconds(year: year, month: month, day: day) + hour * 3600 + minute * 60 + second
        // 31 February or a leap second would land on another moment: refuse them.
        let back = CivilTime(epochSeconds: epoch)
        guard back.day == day, back.second == second else { return nil }
        // Whole milliseconds, as written: no float noise from adding the fraction.
        return Date(timeIntervalSince1970: (Double(epoch * 1000) + (fraction * 1000).rounded()) / 1000)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // ISO8601DateFormatter is not Sendable; one per call keeps this free of shared state.
    private static func formatter(fractional: Bool) -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f
    }
}

/// A UTC calendar date and time from epoch seconds and back, by arithmetic (Howard
/// Hinnant's civil-from-days algorithms), with no formatter or calendar object.
public struct CivilTime: Sendable {
    public var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64

    public init(epochSeconds: Int64) {
        let days = epochSeconds >= 0 ? epochSeconds / 86400 : (epochSeconds - 86399) / 86400
        let secs = epochSeconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        hour = secs / 3600
        minute = secs / 60 % 60
        second = secs % 60
    }

    public static func epochSeconds(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return (era * 146_097 + doe - 719_468) * 86400
    }
}
