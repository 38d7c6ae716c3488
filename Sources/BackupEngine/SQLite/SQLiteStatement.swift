import CSQLite
import Foundation

/// A prepared statement with typed binding and typed columns. Owned by the code that
/// prepared it, on its connection's thread; finalized when released.
public final class SQLiteStatement {
    private let statement: OpaquePointer
    private let connection: SQLiteConnection
    public let sql: String

    init(connection: SQLiteConnection, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(connection.handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw connection.lastError(sql: sql) }
        self.statement = stmt
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(statement) }

    // MARK: Binding (parameters are numbered from 1, as in SQLite)

    public func bind(_ index: Int32, _ value: SQLiteValue) throws {
        let rc: Int32
        switch value {
        case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
        case .real(let v): rc = sqlite3_bind_double(statement, index, v)
        case .text(let v): rc = sqlite3_bind_text(statement, index, v, -1, mr5_sqlite_transient())
        case .blob(let v):
            rc = v.withUnsafeBytes { raw in
                sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), mr5_sqlite_transient())
            }
        case .null: rc = sqlite3_bind_null(statement, index)
        }
        guard rc == SQLITE_OK else { throw connection.lastError(sql: sql) }
    }

    public func bind(_ index: Int32, _ value: Int64?) throws { try bind(index, SQLiteValue(value)) }
    public func bind(_ index: Int32, _ value: Double?) throws { try bind(index, SQLiteValue(value)) }
    public func bind(_ index: Int32, _ value: String?) throws { try bind(index, SQLiteValue(value)) }
    public func bind(_ index: Int32, _ value: Data?) throws { try bind(index, SQLiteValue(value)) }

    /// Binds every value in order, starting at parameter 1.
    public func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() { try bind(Int32(offset + 1), value) }
    }

    // MARK: Stepping

    /// Advances to the next row: true when a row is ready to read, false when done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.lastError(sql: sql)
    }

    /// Runs to the end and resets for the next bindings; returns the last inserted rowid.
    @discardableResult
    public func run() throws -> Int64 {
        defer { sqlite3_reset(statement) }
        while try step() {}
        return sqlite3_last_insert_rowid(connection.handle)
    }

    public func reset() { sqlite3_reset(statement) }

    // MARK: Columns (numbered from 0)

    public var columnCount: Int32 { sqlite3_column_count(statement) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    public func int64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : sqlite3_column_int64(statement, column)
    }

    public func double(_ column: Int32) -> Double? {
        isNull(column) ? nil : sqlite3_column_double(statement, column)
    }

    public func text(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: text)
    }

    public func data(_ column: Int32) -> Data? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        guard let bytes = sqlite3_column_blob(statement, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }
}
