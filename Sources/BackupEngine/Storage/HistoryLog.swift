import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The durable record of every attempt: one JSON object a line, appended with a single
/// `write` on an `O_APPEND` descriptor and fsynced, so concurrent writers never interleave
/// and a crash can at worst leave one torn last line, which the reader skips.
public struct HistoryLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom(PreciseDate.encode)
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom(PreciseDate.decode)
        return d
    }()

    /// Appends one entry. Throws when it could not be made durable.
    public func append(_ entry: HistoryEntry) throws {
        var data = try HistoryLog.encoder.encode(entry)
        data.append(0x0A)
        let fd = try FileSystem.openNoFollow(path, O_WRONLY | O_APPEND | O_CREAT)
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        if written != data.count {
            throw BackupError.io(operation: "write history", path: path, errno: errno)
        }
        if fsync(fd) != 0 { throw BackupError.io(operation: "fsync history", path: path, errno: errno) }
    }

    /// A line with bytes that are not UTF-8 (a disk error, a message cut mid-character by
    /// an old writer) is still an attempt: read again with those bytes replaced, so the
    /// newest entry is never silently an older one.
    static func repairingBadBytes(_ line: UnsafeBufferPointer<UInt8>) -> HistoryEntry? {
        let text = String(decoding: line, as: UTF8.self)
        guard text.utf8.count != line.count || !text.utf8.elementsEqual(line) else { return nil }
        return try? decoder.decode(HistoryEntry.self, from: Data(text.utf8))
    }

    /// Entries newest first; `limit` caps how many. Unreadable lines are skipped.
    /// Parsed once per process and then only what was appended (`HistoryLogCache`).
    public func read(limit: Int? = nil) -> [HistoryEntry] {
        let entries = HistoryLogCache.shared.entries(path: path) {
            HistoryEntry.fromStoredLine($0) ?? (try? HistoryLog.decoder.decode(HistoryEntry.self, from: Data(buffer: $0)))
                ?? Self.repairingBadBytes($0)
        }
        if let limit, entries.count > limit { return Array(entries.prefix(limit)) }
        return entries
    }
}
