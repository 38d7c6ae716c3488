import Foundation

/// Reads our own JSON files (history lines, backup metadata) fast, with the same answer
/// as `HistoryLog.decoder`.
///
/// A console over 1,000 backups and 10,000 history lines decodes 11,000 documents before
/// its first full frame, and `JSONDecoder` took some 30 µs a history line there: half a
/// second in all (docs/BENCHMARKS.md). The fast path parses into a `JSONTree` and runs the
/// types' own `Decodable` code on it. Whatever it does not take (an unusual number, a
/// repeated key, a missing key, a wrong type) goes to `JSONDecoder`, whose result or error
/// is then the answer, so a file never reads differently depending on the path. That
/// holds as long as a type's own `init(from:)` lets errors through: one that swallowed
/// them (`try?`) could turn the fast path's refusal into a different value.
enum StoredJSON {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if let tree = JSONTree.parse(data), let value = try? JSONTreeDecoder.convert(tree, as: type) {
            return value
        }
        return try HistoryLog.decoder.decode(type, from: data)
    }
}
