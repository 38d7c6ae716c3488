import Foundation

/// One snapshot in the off-site repository, as `restic snapshots --json` gives it, with
/// what our tags say about it (`kind:`, `app:`, `name:`, `size:`).
public struct ResticSnapshot: Codable, Sendable, Equatable {
    public var id: String
    public var shortID: String
    public var time: Date
    public var hostname: String
    public var tags: [String]
    /// Its root tree (ours hold one file, so this is the tree that names it).
    public var tree: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, shortID = "short_id", time, hostname, tags, tree
    }

    public init(id: String, shortID: String, time: Date, hostname: String, tags: [String]) {
        self.id = id; self.shortID = shortID; self.time = time; self.hostname = hostname; self.tags = tags
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        shortID = try c.decodeIfPresent(String.self, forKey: .shortID) ?? String(id.prefix(8))
        let text = try c.decode(String.self, forKey: .time)
        guard let date = Self.parseTime(text) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: c, debugDescription: "bad time \(text)")
        }
        time = date
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname) ?? ""
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        tree = try c.decodeIfPresent(String.self, forKey: .tree)
    }

    /// restic writes RFC 3339 times with up to nanoseconds and a zone offset.
    static func parseTime(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // Foundation takes at most milliseconds: cut the fraction to three digits.
        var s = text
        if let dot = s.firstIndex(of: "."), let end = s[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            let digits = s[s.index(after: dot)..<end]
            s = String(s[..<dot]) + "." + String(digits.prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0) + String(s[end...])
        }
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }

    private func tag(_ prefix: String) -> String? {
        tags.first { $0.hasPrefix(prefix + ":") }.map { String($0.dropFirst(prefix.count + 1)) }
    }

    public var kind: BackupKind? { tag("kind").flatMap(BackupKind.init(rawValue:)) }
    public var appVersion: String? { tag("app") }
    /// The local backup it was pushed from.
    public var backupName: String? { tag("name") }
    public var sizeBytes: Int64? { tag("size").flatMap { Int64($0) } }
    /// The installation that pushed it (older pushes carry none).
    public var installID: String? { tag("install") }
}
