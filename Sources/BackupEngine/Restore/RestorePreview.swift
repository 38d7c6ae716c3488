import Foundation

/// What restoring a backup would change, table by table, said before anything happens.
public struct RestorePreview: Sendable, Equatable {
    /// One table in the live database, the backup, or both.
    public struct Table: Sendable, Equatable {
        public var name: String
        /// Nil when the table is not on that side, or its count ran out of time (`timedOut`).
        public var liveRows: Int64?
        public var backupRows: Int64?
        public var dateColumn: String?
        public var liveNewest: String?
        public var backupNewest: String?
        /// Counting took longer than the time limit: shown as `…`.
        public var timedOut: Bool = false

        /// Rows that leave the live database (positive) or come back (negative).
        public var rowsLost: Int64? {
            guard let live = liveRows, let backup = backupRows else { return nil }
            return live - backup
        }
    }

    public var backup: String
    public var backupCreatedAt: Date
    public var liveSizeBytes: Int64
    public var backupSizeBytes: Int64
    /// False when there is no readable live database (then the backup simply becomes it).
    public var liveReadable: Bool
    public var tables: [Table]

    /// Said with every restore, whatever it changes.
    public static let restartAdvice = "Stop the POS app before restoring; restart it afterwards."

    /// The tables whose row counts change most, largest first.
    public func largestDifferences(_ count: Int = 5) -> [Table] {
        tables.filter { ($0.rowsLost ?? 0) != 0 }
            .sorted { ($0.rowsLost ?? 0).magnitude > ($1.rowsLost ?? 0).magnitude }
            .prefix(count).map { $0 }
    }

    /// One sentence of consequence: `Orders after 2026-11-24 21:34 (753 orders, 2,259
    /// order_items) leave the live database; they stay in the saved copy.`
    public var consequence: String {
        guard liveReadable else { return "There is no readable live database now: the backup becomes it." }
        let losing = tables.filter { ($0.rowsLost ?? 0) > 0 }.sorted { ($0.rowsLost ?? 0) > ($1.rowsLost ?? 0) }
        let gaining = tables.filter { ($0.rowsLost ?? 0) < 0 }
        if losing.isEmpty && gaining.isEmpty {
            return tables.contains(where: \.timedOut) ? "Some tables took too long to count; the others hold the same rows in both."
                : "The backup holds as many rows as the live database in every table."
        }
        if losing.isEmpty {
            let back = gaining.prefix(3).map { "\(NumberText.grouped(-($0.rowsLost ?? 0))) \($0.name)" }.joined(separator: ", ")
            return "Rows deleted since the backup come back (\(back)); the live database stays in the saved copy."
        }
        // The table that dates the loss: one with a well-known "created" column first (orders), then any dated one.
        let dated = losing.filter { $0.backupNewest != nil }
        let primary = dated.first { DateColumn.preferredNames.contains(($0.dateColumn ?? "").lowercased()) } ?? dated.first
        let listed = (primary.map { [$0] } ?? []) + losing.filter { $0.name != primary?.name }
        let counts = listed.prefix(3).map { "\(NumberText.grouped($0.rowsLost ?? 0)) \($0.name)" }.joined(separator: ", ")
        if let primary, let since = primary.backupNewest {
            let name = primary.name.prefix(1).uppercased() + primary.name.dropFirst()
            return "\(name) after \(Self.minutes(since)) (\(counts)) leave the live database; they stay in the saved copy."
        }
        return "Rows made since the backup (\(counts)) leave the live database; they stay in the saved copy."
    }

    /// `2026-11-24 21:34:07` -> `2026-11-24 21:34`.
    static func minutes(_ value: String) -> String {
        let text = value.replacingOccurrences(of: "T", with: " ")
        guard text.count >= 16, text.dropFirst(13).first == ":" else { return value }
        return String(text.prefix(16))
    }
}
