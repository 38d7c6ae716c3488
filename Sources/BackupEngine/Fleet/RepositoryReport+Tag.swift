import Foundation

/// A health report carried in a snapshot's tag, so the fleet is read from the snapshot list
/// alone (never a snapshot's data: 500 tills are one listing, not 500 downloads).
///
/// restic splits a `--tag` on commas and keeps a tag as any other string: the report's
/// JSON goes in as base64url without padding (letters, digits, `-`, `_`), after `health:`.
extension RepositoryReport {
    static let healthTagPrefix = "health:"
    /// A tag longer than this is not read (ours are under 1 KiB: the message is cut to
    /// 200 characters); a longer one is another's, and dropped.
    static let healthTagLimit = 4096

    /// The tag for this report (its message cut to one line of at most 200 characters).
    public var healthTag: String {
        var report = self
        report.damage = nil
        report.message = OneLine.make(report.message, limit: 200)
        let data = (try? report.encoded()) ?? Data()
        var text = data.base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return Self.healthTagPrefix + text
    }

    /// The report in a snapshot's tags, nil when none is there or it cannot be read.
    public static func fromTags(_ tags: [String]) -> RepositoryReport? {
        guard let tag = tags.first(where: { $0.hasPrefix(healthTagPrefix) }), tag.utf8.count <= healthTagLimit else { return nil }
        var text = String(tag.dropFirst(healthTagPrefix.count))
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return decode(data)
    }
}
