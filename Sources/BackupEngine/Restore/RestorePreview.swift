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
        /// The table is not in the backup (restoring removes it) or not in the live database.
        public var inBackup: Bool = true
        public var inLive: Bool = true
        /// Rows only in the live database (they leave) and rows only in the backup (they come
        /// back), matched by rowid; nil when not compared (a table without rowid, one side
        /// missing, or out of time): then only the net count is known.
        public var leaving: Int64?
        public var returning: Int64?

        /// Rows that leave the live database (positive) or come back (negative), net.
        public var rowsLost: Int64? {
            guard let live = liveRows, let backup = backupRows else { return nil }
            return live - backup
        }

        /// Rows that leave: by rowid when compared, else the net loss.
        public var rowsLeaving: Int64 { leaving ?? max(0, rowsLost ?? 0) }
        /// Rows that come back: by rowid when compared, else the net gain.
        public var rowsReturning: Int64 { returning ?? max(0, -(rowsLost ?? 0)) }
        /// `-50 +60`: rows that leave and rows that come back; `=` when none; nil while counting.
        public var changeText: String? {
            guard rowsLost != nil else { return nil }
            let parts = [rowsLeaving > 0 ? "-" + NumberText.grouped(rowsLeaving) : nil,
                         rowsReturning > 0 ? "+" + NumberText.grouped(rowsReturning) : nil].compactMap { $0 }
            return parts.isEmpty ? "=" : parts.joined(separator: " ")
        }

        /// True when restoring changes which rows it holds (counts or rowids differ).
        public var changes: Bool { rowsLeaving > 0 || rowsReturning > 0 }
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
        tables.filter(\.changes)
            .sorted { $0.rowsLeaving + $0.rowsReturning > $1.rowsLeaving + $1.rowsReturning }
            .prefix(count).map { $0 }
    }

    /// One sentence of consequence, in both directions (rows matched by rowid; updated rows
    /// are not counted): `Orders after 2026-11-24 21:34 (753 orders, 2,259 order_items)
    /// leave the live database; 60 orders deleted since the backup come back; table
    /// loyalty (12 rows) is not in the backup and goes. The live database stays in the
    /// saved copy.`
    public var consequence: String {
        guard liveReadable else { return "There is no readable live database now: the backup becomes it." }
        let removed = tables.filter { !$0.inBackup && ($0.liveRows ?? 0) > 0 }
        let losing = tables.filter { $0.inBackup && $0.rowsLeaving > 0 }.sorted { $0.rowsLeaving > $1.rowsLeaving }
        let gaining = tables.filter { $0.rowsReturning > 0 }.sorted { $0.rowsReturning > $1.rowsReturning }
        if losing.isEmpty && gaining.isEmpty && removed.isEmpty {
            return tables.contains(where: \.timedOut) ? "Some tables took too long to count; the others hold the same rows in both."
                : "The backup holds the same rows as the live database in every table."
        }
        var parts: [String] = []
        if !losing.isEmpty {
            // The table that dates the loss: one with a well-known "created" column first (orders), then any dated one.
            let dated = losing.filter { $0.backupNewest != nil }
            let primary = dated.first { DateColumn.preferredNames.contains(($0.dateColumn ?? "").lowercased()) } ?? dated.first
            let listed = (primary.map { [$0] } ?? []) + losing.filter { $0.name != primary?.name }
            let counts = listed.prefix(3).map { "\(NumberText.grouped($0.rowsLeaving)) \($0.name)" }.joined(separator: ", ")
            if let primary, let since = primary.backupNewest {
                let name = primary.name.prefix(1).uppercased() + primary.name.dropFirst()
                parts.append("\(name) after \(Self.minutes(since)) (\(counts)) leave the live database")
            } else {
                parts.append("Rows made since the backup (\(counts)) leave the live database")
            }
        }
        if !gaining.isEmpty {
            let back = gaining.prefix(3).map { "\(NumberText.grouped($0.rowsReturning)) \($0.name)" }.joined(separator: ", ")
            parts.append((parts.isEmpty ? "Rows" : "rows") + " deleted since the backup come back (\(back))")
        }
        for table in removed.prefix(3) {
            let rows = NumberText.grouped(table.liveRows ?? 0)
            parts.append((parts.isEmpty ? "Table" : "table") + " \(table.name) (\(rows) row\(table.liveRows == 1 ? "" : "s")) is not in the backup and goes")
        }
        return parts.joined(separator: "; ") + ". The live database stays in the saved copy."
    }

    /// `2026-11-24 21:34:07` -> `2026-11-24 21:34`.
    static func minutes(_ value: String) -> String {
        let text = value.replacingOccurrences(of: "T", with: " ")
        guard text.count >= 16, text.dropFirst(13).first == ":" else { return value }
        return String(text.prefix(16))
    }
}
