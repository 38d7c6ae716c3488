import Foundation

/// ISO-8601 dates with milliseconds for our own files (metadata, history, lock and state
/// files). Names and plain `.iso8601` keep whole seconds only, and two backups made in the
/// same second must still sort in the order they were made. Reading accepts both forms.
enum PreciseDate {
    static func encode(_ date: Date, _ encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(formatter(fractional: true).string(from: date))
    }

    static func decode(_ decoder: Decoder) throws -> Date {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        if let d = formatter(fractional: true).date(from: text) ?? formatter(fractional: false).date(from: text) { return d }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO-8601 date: \(text)")
    }

    // ISO8601DateFormatter is not Sendable; one per call keeps this free of shared state.
    private static func formatter(fractional: Bool) -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f
    }
}
