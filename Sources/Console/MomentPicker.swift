import BackupEngine
import Foundation

/// The moment picker (`t`): a moment of the continuous replica's window, typed
/// (`14:02`, `2026-12-04 14:02:30`, `10 minutes ago`) or stepped by minutes and hours.
/// Enter fetches it and opens the restore dialog on it. A value type owned by the
/// console state's dialog.
public struct MomentPicker: Sendable, Equatable {
    /// What the replica can give back, as read at the last refresh; when it was caught up
    /// then, every moment up to now (`followsNow`).
    public let from: Date
    public let to: Date
    public let followsNow: Bool
    /// The moment Enter fetches, to the second.
    public private(set) var moment: Date
    /// What the technician typed (empty: the stepped moment).
    public private(set) var typed: String = ""
    /// Why Enter cannot fetch now, said in the picker (nil: it can).
    public private(set) var problem: String?

    static let maxTyped = 40

    public init(from: Date, to: Date, followsNow: Bool, now: Date) {
        self.from = from
        self.to = to
        self.followsNow = followsNow
        // Ten minutes back: the usual "undo what just happened", inside the window.
        moment = Self.second(min(max(now.addingTimeInterval(-600), from), followsNow ? max(to, now) : to))
    }

    static func second(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }

    mutating func type(_ c: Character, now: Date, zone: TimeZone) {
        guard typed.count < Self.maxTyped, c.isLetter || c.isNumber || ":- +".contains(c) else { return }
        typed.append(c)
        read(now: now, zone: zone)
    }

    mutating func erase(now: Date, zone: TimeZone) {
        guard !typed.isEmpty else { return }
        typed.removeLast()
        read(now: now, zone: zone)
    }

    /// Up/Down a minute, PgUp/PgDn an hour: from the moment shown, kept inside the window.
    mutating func step(_ seconds: TimeInterval, now: Date) {
        typed = ""
        problem = nil
        moment = Self.second(min(max(moment.addingTimeInterval(seconds), from), end(now)))
    }

    /// The window's end now.
    func end(_ now: Date) -> Date { followsNow ? max(to, now) : to }

    /// The typed text, read as it grows: the moment follows it once it reads as one.
    private mutating func read(now: Date, zone: TimeZone) {
        problem = nil
        guard !typed.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        guard let date = MomentText.parse(typed, now: now, zone: zone) else {
            problem = "not a time yet (14:03, 2026-12-04 14:03:22, 10 minutes ago)"
            return
        }
        moment = Self.second(date)
        if !inside(moment, now: now) { problem = "outside the window" }
    }

    func inside(_ date: Date, now: Date) -> Bool { date >= from && date <= end(now) }

    /// The moment to fetch, or nil with `problem` saying why not.
    mutating func chosen(now: Date) -> Date? {
        if problem == nil, !inside(moment, now: now) { problem = "outside the window" }
        return problem == nil ? moment : nil
    }
}
