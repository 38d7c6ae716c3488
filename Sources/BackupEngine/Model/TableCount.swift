/// Rows in one table of a backup, counted on the backup file itself.
public struct TableCount: Codable, Sendable, Equatable {
    public var table: String
    public var rows: Int64
    public init(table: String, rows: Int64) { self.table = table; self.rows = rows }
}
