import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small JSON files decoded once and kept until they change: a console over 1,000 backups
/// refreshes every 2 s, and decoding every backup's metadata each time was most of its
/// idle CPU (docs/BENCHMARKS.md). A file is known unchanged by its inode, size and
/// modification time (our files are replaced by rename, which gives a new inode, and
/// our own writes forget the path), so a hit costs one `stat`.
///
/// Bounded: past `capacity` files it starts over. One per kind of file, behind one lock
/// (owner: the static that holds it).
final class DecodedFileCache<Value: Sendable>: Sendable {
    private let files = Locked<[String: (stamp: FileStamp, value: Value?)]>([:])
    /// Held while a missed file is read and decoded. Two threads listing at once (a
    /// console's first refresh and its scheduler's metrics) would otherwise both decode
    /// every file; this way the second finds each one decoded by the first. Not
    /// re-entrant: a `decode` closure must not read this cache.
    private let decoding = NSLock()
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// Drops what is known of `path`: this process just wrote or removed it, and the
    /// stamp alone could miss a same-size rewrite within one clock tick.
    func forget(_ path: String) {
        files.withLock { $0[path] = nil }
    }

    /// The decoded file, or nil when it is missing, unreadable or does not decode.
    func value(path: String, decode: (Data) -> Value?) -> Value? {
        guard let stamp = FileStamp.of(path) else {
            files.withLock { $0[path] = nil }
            return nil
        }
        if let hit = files.withLock({ $0[path] }), hit.stamp == stamp { return hit.value }
        decoding.lock()
        defer { decoding.unlock() }
        if let hit = files.withLock({ $0[path] }), hit.stamp == stamp { return hit.value }
        // Read outside the dictionary's lock; a file replaced meanwhile gets a new stamp next time.
        let value = FileSystem.readFile(path).flatMap(decode)
        files.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[path] = (stamp, value)
        }
        return value
    }
}
