import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The history already parsed, kept between reads: a console or daemon reads the history
/// on every refresh and scheduler tick, and parsing 10,000 lines each time kept a core
/// busy (docs/BENCHMARKS.md). A read costs a `stat` when nothing changed, and a parse of
/// the appended lines when the file grew and still ends, where it ended, with the same
/// bytes (the log is append-only). Anything else (another file, a shorter one, one
/// rewritten in place) is parsed again from its start.
///
/// One cache per process, shared by every `HistoryLog` of a path (owner:
/// `HistoryLogCache.shared`, one dictionary behind one lock; files are read and parsed
/// outside it). It holds what the file holds, about 300 bytes a line: some 3 MB for
/// 10,000 lines, a few years of a shop's backups.
final class HistoryLogCache: Sendable {
    static let shared = HistoryLogCache()

    /// One parsed file.
    struct Parsed: Sendable {
        var stamp: FileStamp
        /// Bytes parsed so far: up to the end of the last whole line.
        var consumed: Int64
        /// The last bytes parsed, to tell an append from a rewrite.
        var tail: Data
        /// Newest first; at equal times the later line is the newer entry.
        var entries: [HistoryEntry]
        var lineCount: Int

        /// True when `st` describes the file exactly as it was parsed.
        func matches(_ st: stat) -> Bool { stamp == FileStamp(st) }
    }

    static let tailBytes = 64
    /// A history is read from its end, at most this much of it: a 2 GB file (years of a
    /// daemon gone wild, a disk error's zeros) must not cost `status` seconds or gigabytes.
    /// 16 MiB holds some 50,000 attempts, far more than any rule looks back.
    static let windowBytes: Int64 = 16 << 20
    /// A line longer than this is not an attempt we wrote (ours are under a kilobyte, a
    /// check's findings a few): it is skipped unparsed.
    static let longestLine = 1 << 20
    private let files = Locked<[String: Parsed]>([:])
    /// Held while a file is read and parsed, so two threads that find it changed (a
    /// console's scheduler and its refresh, at start) parse it once, not twice at once on
    /// a two-core till: the second waits and then finds the cache current. Not
    /// re-entrant: a `decode` closure must not read the history.
    private let parsing = NSLock()

    /// The entries of `path`, newest first.
    func entries(path: String, decode: (UnsafeBufferPointer<UInt8>) -> HistoryEntry?) -> [HistoryEntry] {
        if let current = currentEntries(path: path) { return current }
        parsing.lock()
        defer { parsing.unlock() }
        return parse(path: path, decode: decode)
    }

    /// The cached entries when the file has not changed since they were parsed.
    private func currentEntries(path: String) -> [HistoryEntry]? {
        var st = stat()
        guard stat(path, &st) == 0, let c = files.withLock({ $0[path] }) else { return nil }
        return c.matches(st) ? c.entries : nil
    }

    private func parse(path: String, decode: (UnsafeBufferPointer<UInt8>) -> HistoryEntry?) -> [HistoryEntry] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            files.withLock { $0[path] = nil }
            return []
        }
        let size = Int64(st.st_size)
        let cached = files.withLock { $0[path] }
        // Another thread may have parsed it while this one waited for `parsing`.
        if let c = cached, c.matches(st) { return c.entries }
        guard let fd = try? FileSystem.openNoFollow(path, O_RDONLY) else { return [] }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        defer { close(fd) }
        var parsed = Parsed(stamp: FileStamp(st),
                            consumed: 0, tail: Data(), entries: [], lineCount: 0)
        if let c = cached, c.stamp.device == parsed.stamp.device, c.stamp.inode == parsed.stamp.inode, size > c.consumed,
           Self.read(handle, from: c.consumed - Int64(c.tail.count), count: c.tail.count) == c.tail {
            parsed.consumed = c.consumed
            parsed.entries = c.entries
            parsed.lineCount = c.lineCount
            parsed.tail = c.tail
        }
        if parsed.consumed == 0, size > Self.windowBytes {
            // Only the end: from the first whole line of the last window.
            parsed.consumed = Self.startOfLine(handle, after: size - Self.windowBytes, size: size)
        }
        guard let data = Self.read(handle, from: parsed.consumed, count: nil) else { return cached?.entries ?? [] }
        var added: [(entry: HistoryEntry, line: Int)] = []
        var line = parsed.lineCount
        // memchr, not `firstIndex(of:)`: Data's generic search paid an exclusivity check
        // per byte, most of the parse time over 3 MB.
        let start = data.startIndex + data.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            let bytes = raw.bindMemory(to: UInt8.self)
            var offset = 0
            while offset < raw.count, let hit = memchr(base + offset, 0x0A, raw.count - offset) {
                let end = base.distance(to: UnsafeRawPointer(hit))
                if end - offset <= Self.longestLine, let e = decode(UnsafeBufferPointer(rebasing: bytes[offset..<end])) {
                    added.append((e, line))
                }
                line += 1
                offset = end + 1
            }
            return offset
        }
        if !added.isEmpty {
            // Old entries keep their order (numbered so that it survives the sort); the
            // new ones are merged in by time.
            let old = parsed.entries.enumerated().map { (entry: $0.element, line: parsed.lineCount - 1 - $0.offset) }
            parsed.entries = (old + added).sorted { a, b in
                a.entry.startedAt != b.entry.startedAt ? a.entry.startedAt > b.entry.startedAt : a.line > b.line
            }.map(\.entry)
        }
        let consumedNow = start - data.startIndex
        if consumedNow > 0 {
            let kept = Data(data[data.startIndex..<start].suffix(Self.tailBytes))
            parsed.tail = kept.count >= Self.tailBytes ? kept : Data(parsed.tail + kept).suffix(Self.tailBytes)
        }
        parsed.lineCount = line
        parsed.consumed += Int64(consumedNow)
        let result = parsed
        files.withLock { $0[path] = result }
        return result.entries
    }

    /// The offset just after the first newline at or after `offset` (the file's size when
    /// there is none: nothing whole to read there).
    private static func startOfLine(_ handle: FileHandle, after offset: Int64, size: Int64) -> Int64 {
        var at = offset
        while at < size {
            guard let chunk = read(handle, from: at, count: 1 << 16), !chunk.isEmpty else { return size }
            if let newline = chunk.firstIndex(of: 0x0A) { return at + Int64(newline - chunk.startIndex) + 1 }
            at += Int64(chunk.count)
        }
        return size
    }

    /// `count` bytes from `offset` (nil: to the end); nil when the read fails.
    private static func read(_ handle: FileHandle, from offset: Int64, count: Int?) -> Data? {
        guard offset >= 0 else { return nil }
        do {
            try handle.seek(toOffset: UInt64(offset))
            return try count.map { try handle.read(upToCount: $0) ?? Data() } ?? (try handle.readToEnd() ?? Data())
        } catch {
            return nil
        }
    }
}
