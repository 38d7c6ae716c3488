import Foundation

/// A scratch folder for one test, removed (with everything in it) when the value goes
/// away, so tests never share files or leave them behind.
public final class TempDir {
    public let path: String

    /// Creates `<tmp>/<label>-<pid>-<random>`.
    public init(_ label: String = "mr5") {
        path = FileManager.default.temporaryDirectory.path + "/\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }
}
