import Foundation

/// What a folder replica's files say, read without Litestream: its newest sync (the newest
/// file of level 0, where every commit lands first) and the start of its window (the oldest
/// file at any level: restores reach back to it).
enum ReplicaFiles {
    static func isReplica(_ path: String) -> Bool { FileSystem.isDirectory(path + "/ltx") }

    static func newestSync(_ path: String) -> Date? {
        let dir = path + "/ltx/0"
        return FileSystem.list(dir).compactMap { FileSystem.info(dir + "/" + $0)?.modified }.max()
    }

    /// Every file at every level, summed.
    static func bytes(_ path: String) -> Int64 {
        FileSystem.list(path + "/ltx").reduce(0) { total, level in
            let dir = path + "/ltx/" + level
            return total + FileSystem.list(dir).reduce(0) { $0 + (FileSystem.info(dir + "/" + $1)?.size ?? 0) }
        }
    }

    static func windowStart(_ path: String) -> Date? {
        FileSystem.list(path + "/ltx").compactMap { level -> Date? in
            let dir = path + "/ltx/" + level
            return FileSystem.list(dir).compactMap { FileSystem.info(dir + "/" + $0)?.modified }.min()
        }.min()
    }
}
