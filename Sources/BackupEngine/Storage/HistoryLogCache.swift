import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The history already parsed, kept between reads: a console or daemon reads the history
/// on every refresh and scheduler tick, and parsing 10,000 lines each time kept a core
/// busy (docs/BENCHMARKS.md). A read costs a `stat` when nothing changed and a parse of
/// the appended lines when something was appended (the log is append-only); a replaced,
/// truncated or rewritten file is parsed again from its start.
///
/// One cache per process, shared by every `HistoryLog` of a path, behind one lock (owner:
/// `HistoryLogCache.shared`). It holds one entry per history file, about 300 bytes a line.
final class HistoryLogCache: Sendable {
    static let shared = HistoryLogCache()

    /// One parsed file.
    struct Parsed {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: timespec
        /// Bytes parsed so far: up to the end of the last whole line.
        var consumed: Int64
        /// Newest first; at equal times the later line is the newer entry.
        var entries: [HistoryEntry]
        var lineCount: Int
    }

    private let files = Locked<[String: Parsed]>([:])

    /// The entries of `path`, newest first.
    func entries(path: String, decode: (Data) -> HistoryEntry?) -> [HistoryEntry] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            files.withLock { $0[path] = nil }
            return []
        }
        let size = Int64(st.st_size)
        return files.withLock { cache in
            var parsed = cache[path]
            if let p = parsed, p.device == UInt64(st.st_dev), p.inode == UInt64(st.st_ino), size >= p.consumed {
                if p.size == size && p.modified.tv_sec == st.st_mtim.tv_sec && p.modified.tv_nsec == st.st_mtim.tv_nsec {
                    return p.entries
                }
            } else {
                parsed = Parsed(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: 0, modified: timespec(),
                                consumed: 0, entries: [], lineCount: 0)
            }
            guard var p = parsed, let data = Self.read(path, from: p.consumed) else { return [] }
            var added: [(entry: HistoryEntry, line: Int)] = []
            var start = data.startIndex
            var line = p.lineCount
            while let newline = data[start...].firstIndex(of: 0x0A) {
                if let e = decode(data[start..<newline]) { added.append((e, line)) }
                line += 1
                start = newline + 1
            }
            if !added.isEmpty {
                // Old entries keep their order; the new ones are merged in by time.
                let old = p.entries.enumerated().map { (entry: $0.element, line: p.lineCount - 1 - $0.offset) }
                p.entries = (old + added).sorted { a, b in
                    a.entry.startedAt != b.entry.startedAt ? a.entry.startedAt > b.entry.startedAt : a.line > b.line
                }.map(\.entry)
            }
            p.lineCount = line
            p.consumed += Int64(start - data.startIndex)
            p.size = size
            p.modified = st.st_mtim
            cache[path] = p
            return p.entries
        }
    }

    /// The file's bytes from `offset` to its end.
    private static func read(_ path: String, from offset: Int64) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            return try handle.readToEnd() ?? Data()
        } catch {
            return nil
        }
    }
}
