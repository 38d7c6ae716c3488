/// The live database as the header shows it.
public struct DatabaseInfo: Sendable, Equatable {
    public var path: String
    public var sizeBytes: Int64
    public var journalMode: String
    public var pageCount: Int64
    public var pageSize: Int64
}
