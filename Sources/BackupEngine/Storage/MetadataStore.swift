import Foundation

/// Our metadata beside the backups: `backups/.meta/<name>.json`, one file per backup,
/// each written atomically, so a crash can lose at most the metadata of the backup being
/// made (which is then listed as unverified, never as good).
struct MetadataStore {
    let directory: String

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom(PreciseDate.encode)
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }()

    func path(for name: String) -> String { directory + "/" + name + ".json" }

    /// Every backup's metadata, decoded once per process until its file changes.
    private static let decoded = DecodedFileCache<BackupRecord>()

    func load(_ name: String) -> BackupRecord? {
        MetadataStore.decoded.value(path: path(for: name)) { try? StoredJSON.decode(BackupRecord.self, from: $0) }
    }

    func save(_ record: BackupRecord) throws {
        let data = try MetadataStore.encoder.encode(record)
        defer { MetadataStore.decoded.forget(path(for: record.name)) }
        // A `.meta/` someone removed is made again: it is a cache of what the files say.
        if !FileSystem.isDirectory(directory) { try FileSystem.makeDirectory(directory, mode: 0o700) }
        try FileSystem.writeAtomically(data, to: path(for: record.name))
    }

    /// True when `name` has a metadata file, readable or not.
    func exists(_ name: String) -> Bool { FileSystem.info(path(for: name)) != nil }

    func remove(_ name: String) throws {
        defer { MetadataStore.decoded.forget(path(for: name)) }
        try FileSystem.remove(path(for: name))
        try? FileSystem.fsyncDirectory(directory)
    }

    /// Names that have metadata.
    /// Names of backups that have metadata. Our other files here (settings, the live
    /// check, notification targets) are not backups' and are never taken for orphans.
    func names() -> [String] {
        FileSystem.list(directory).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }
            .filter { $0.hasSuffix(".db") || $0.contains(".corrupted.") }
    }
}
