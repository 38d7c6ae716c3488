/// Space used by backups and left on their filesystem.
public struct DiskUsage: Sendable, Equatable {
    public var bytesByKind: [BackupKind: Int64]
    public var totalBackupBytes: Int64
    public var freeBytes: Int64
    public var filesystemBytes: Int64
    public var mountPoint: String
}
