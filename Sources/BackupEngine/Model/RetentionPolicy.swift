import Foundation

/// Which backups retention keeps, and why: pure, so every combination is easy to test.
///
/// A scheduled or manual backup is kept when any rule keeps it, as restic's `forget
/// --keep-last/--keep-daily/--keep-weekly` does:
/// - `last`: the newest `keepRegular`;
/// - `daily`: the newest backup of each of the last `keepDaily` days that have one;
/// - `weekly`: the newest backup of each of the last `keepWeekly` ISO weeks that have one;
/// - `newest-verified`: the newest backup that passed its check.
/// Days and weeks are the local calendar's (`calendar`, with its time zone). Pre-update
/// backups keep their own count and never count against the others; legacy `.sql` files
/// and anything `protecting` names are never removed automatically.
public struct RetentionPolicy: Sendable, Equatable {
    public var keepRegular: Int
    public var keepDaily: Int
    public var keepWeekly: Int
    public var keepPreUpdate: Int
    /// The calendar (and time zone) days and weeks are counted in.
    public var calendar: Calendar

    /// The defaults: 5 newest, one a day for 7 days, one a week for 4 weeks, 5 pre-update.
    public static let standard = RetentionPolicy(keepRegular: 5, keepDaily: 7, keepWeekly: 4, keepPreUpdate: 5)

    public init(keepRegular: Int, keepDaily: Int = 0, keepWeekly: Int = 0, keepPreUpdate: Int,
                calendar: Calendar = RetentionPolicy.localCalendar) {
        self.keepRegular = keepRegular
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepPreUpdate = keepPreUpdate
        self.calendar = calendar
    }

    /// ISO weeks (Monday first) in the local time zone.
    public static var localCalendar: Calendar {
        var c = Calendar(identifier: .iso8601)
        c.timeZone = TimeZone.current
        return c
    }

    /// Why a backup stays.
    public enum Reason: String, Codable, Sendable {
        case last, daily, weekly
        case newestVerified = "newest-verified"
        case preUpdate = "pre-update"
        case legacy
        /// A copy saved by a restore: kept by its own count (`saved_keep`), never by these rules.
        case saved
        /// A moment fetched from the continuous replica: kept by its own count
        /// (`point_in_time_keep`), never by these rules.
        case pointInTime = "point-in-time"
        case protected
    }

    /// One backup's verdict.
    public struct Decision: Sendable, Equatable {
        public var entry: BackupEntry
        public var reasons: [Reason]
        public var keep: Bool { !reasons.isEmpty }
    }

    /// Every backup with the rules that keep it (none: it goes), newest first.
    public func decide(_ entries: [BackupEntry], protecting protected: Set<String> = []) -> [Decision] {
        var reasons: [String: [Reason]] = [:]
        func add(_ name: String, _ reason: Reason) {
            if reasons[name]?.contains(reason) != true { reasons[name, default: []].append(reason) }
        }
        let sorted = BackupEntry.sortedNewerFirst(entries)
        let regular = sorted.filter { $0.kind.isRegular }
        for entry in regular.prefix(max(0, keepRegular)) { add(entry.name, .last) }
        for entry in newestPerPeriod(regular, limit: keepDaily, key: dayKey) { add(entry.name, .daily) }
        for entry in newestPerPeriod(regular, limit: keepWeekly, key: weekKey) { add(entry.name, .weekly) }
        if let newest = regular.first(where: { $0.status == .verified }) { add(newest.name, .newestVerified) }

        let preUpdate = sorted.filter { $0.kind == .preUpdate }
        for entry in preUpdate.prefix(max(0, keepPreUpdate)) { add(entry.name, .preUpdate) }
        if let newest = preUpdate.first(where: { $0.status == .verified }) { add(newest.name, .newestVerified) }

        for entry in sorted {
            if entry.kind == .legacySQL { add(entry.name, .legacy) }
            if entry.kind == .savedBeforeRestore { add(entry.name, .saved) }
            if entry.kind == .pointInTime { add(entry.name, .pointInTime) }
            if protected.contains(entry.name) { add(entry.name, .protected) }
        }
        return sorted.map { Decision(entry: $0, reasons: reasons[$0.name] ?? []) }
    }

    /// The entries to delete, newest first.
    public func toDelete(from entries: [BackupEntry], protecting protected: Set<String> = []) -> [BackupEntry] {
        decide(entries, protecting: protected).filter { !$0.keep }.map(\.entry)
    }

    /// When the next backup does not fit: backups that may go to make room, in the order
    /// they should go. First those kept only for depth (weekly, then daily), oldest first,
    /// then older regular and pre-update backups; never the newest two verified backups,
    /// the newest pre-update backup, a legacy file or a protected one.
    public func makeRoomCandidates(_ entries: [BackupEntry], protecting protected: Set<String> = []) -> [BackupEntry] {
        let decisions = decide(entries, protecting: protected)
        let sorted = decisions.map(\.entry)
        var untouchable = protected
        for name in sorted.filter({ $0.kind.isRegular && $0.status == .verified }).prefix(2).map(\.name) { untouchable.insert(name) }
        if let newestPre = sorted.first(where: { $0.kind == .preUpdate }) { untouchable.insert(newestPre.name) }
        for group in [sorted.filter(\.kind.isRegular), sorted.filter { $0.kind == .preUpdate }] {
            if let verified = group.first(where: { $0.status == .verified }) { untouchable.insert(verified.name) }
        }
        let movable = decisions.reversed().filter {
            ($0.entry.kind.isRegular || $0.entry.kind == .preUpdate) && !untouchable.contains($0.entry.name)
        }
        func only(_ allowed: Set<Reason>) -> [BackupEntry] {
            movable.filter { !$0.reasons.isEmpty && Set($0.reasons).isSubset(of: allowed) }.map(\.entry)
        }
        var order: [BackupEntry] = []
        for group in [only([.weekly]), only([.daily, .weekly]), movable.map(\.entry)] {
            for entry in group where !order.contains(where: { $0.name == entry.name }) { order.append(entry) }
        }
        return order
    }

    /// How the rules read in a message: `5 newest, 1 a day for 7 days, 1 a week for 4 weeks`.
    public var summary: String {
        var parts = ["\(keepRegular) newest"]
        if keepDaily > 0 { parts.append("1 a day for \(keepDaily) day\(keepDaily == 1 ? "" : "s")") }
        if keepWeekly > 0 { parts.append("1 a week for \(keepWeekly) week\(keepWeekly == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    private func dayKey(_ date: Date) -> Int {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return (c.year ?? 0) * 10_000 + (c.month ?? 0) * 100 + (c.day ?? 0)
    }

    private func weekKey(_ date: Date) -> Int {
        let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
        return (c.yearForWeekOfYear ?? 0) * 100 + (c.weekOfYear ?? 0)
    }

    /// The newest entry of each period, for the `limit` newest periods that have one.
    private func newestPerPeriod(_ newestFirst: [BackupEntry], limit: Int, key: (Date) -> Int) -> [BackupEntry] {
        guard limit > 0 else { return [] }
        var seen = Set<Int>()
        var out: [BackupEntry] = []
        for entry in newestFirst {
            let k = key(entry.createdAt)
            if seen.insert(k).inserted {
                out.append(entry)
                if seen.count == limit { break }
            }
        }
        return out
    }
}
